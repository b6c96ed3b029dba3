//! Replies tolerate unknown fields and unknown enum values; requests serialise as documented.

use ait_api::billing::BillResponse;
use ait_api::iap::{OrderStatus, OrderStatusResponse};
use ait_api::login::{LoginMeResponse, TokenResponse};
use ait_api::messenger::SendMessageResponse;
use ait_api::partner::{self, ErrorBody, PartnerError, PartnerErrorCode, PaymentAction};
use ait_api::promotion::PromotionExecutionStatus;
use ait_api::tosspay::{ExecutePaymentResponse, MakePaymentRequest, PaymentStatusResponse};
use ait_api::{
    paths, ApiError, BankCode, CardCompany, Envelope, EnvelopeError, ErrorCode, PayStatus,
    ResultType,
};
use serde_json::json;

#[test]
fn unknown_fields_in_replies_are_ignored() {
    let v = json!({
        "resultType": "SUCCESS",
        "brandNewTopLevel": 1,
        "success": {
            "payToken": "t", "payStatus": "PAY_COMPLETE", "amount": 10,
            "someNewField": {"nested": [1, 2]},
            "card": {"cardCompanyCode": "3", "newCardField": true},
            "transactions": [{"stepType": "PAY", "newTxField": "x"}]
        }
    });
    let e: Envelope<PaymentStatusResponse> = serde_json::from_value(v).unwrap();
    let s = e.into_result().unwrap();
    assert_eq!(s.pay_status, Some(PayStatus::PayComplete));
    assert_eq!(s.card.unwrap().card_company(), Some(CardCompany::Samsung));

    let e: Envelope<ExecutePaymentResponse> = serde_json::from_value(
        json!({"resultType": "SUCCESS", "success": {"newThing": 1, "spreadOut": "3"}}),
    )
    .unwrap();
    assert_eq!(e.success.unwrap().spread_out.unwrap().as_i64(), Some(3));

    let b: BillResponse =
        serde_json::from_value(json!({"code": 0, "futureField": "x", "noInterest": "true"}))
            .unwrap();
    assert!(b.is_success());
    assert_eq!(b.no_interest.unwrap().as_bool(), Some(true));

    let o: Envelope<OrderStatusResponse> = serde_json::from_value(
        json!({"resultType": "SUCCESS", "success": {"orderId": "x", "status": "PARTIALLY_REFUNDED", "extra": 1}}),
    )
    .unwrap();
    assert_eq!(
        o.success.unwrap().status,
        Some(OrderStatus::Other("PARTIALLY_REFUNDED".into()))
    );

    let me: Envelope<LoginMeResponse> = serde_json::from_value(json!({
        "resultType": "SUCCESS",
        "success": {
            "userKey": 443731104,
            "scope": "user_ci,user_birthday, user_key",
            "agreedTerms": ["terms_tag1"],
            "name": "ENCRYPTED_VALUE", "di": null, "email": null, "policy": "new"
        }
    }))
    .unwrap();
    let me = me.into_result().unwrap();
    assert_eq!(me.user_key, 443_731_104);
    assert_eq!(me.scopes(), vec!["user_ci", "user_birthday", "user_key"]);

    let t: TokenResponse =
        serde_json::from_value(json!({"accessToken": "a", "expiresIn": 3599, "idToken": "new"}))
            .unwrap();
    assert_eq!(t.expires_in.unwrap().as_i64(), Some(3599));

    let m: SendMessageResponse = serde_json::from_value(json!({
        "msgCount": 1, "sentPushCount": 1, "newCount": 3,
        "detail": {"sentPush": [{"contentId": "toss:PUSH1"}], "sentKakao": []},
        "fail": {"sentPush": [{"contentId": "toss:PUSH2", "reachFailReason": "실패사유"}]}
    }))
    .unwrap();
    assert_eq!(
        m.fail.unwrap().sent_push.unwrap()[0]
            .reach_fail_reason
            .as_deref(),
        Some("실패사유")
    );
}

#[test]
fn unknown_codes_are_kept_verbatim() {
    assert_eq!(
        ErrorCode::from("SOMETHING_NEW"),
        ErrorCode::Other("SOMETHING_NEW".into())
    );
    assert_eq!(
        serde_json::to_string(&PayStatus::from("NEW_STATUS")).unwrap(),
        "\"NEW_STATUS\""
    );
    assert_eq!(BankCode::from("999").name_ko(), None);
    assert_eq!(BankCode::from("092").name_ko(), Some("토스뱅크"));
    assert_eq!(BankCode::parse_lenient("88"), BankCode::Shinhan);
    assert_eq!(CardCompany::from_code(10), Some(CardCompany::Bc));
    assert_eq!(CardCompany::from_code(11), None);
    assert!(!CardCompany::Citi.is_supported());
}

#[test]
fn envelope_outcomes() {
    assert_eq!(ResultType::KNOWN.len(), 7);
    for rt in ResultType::KNOWN {
        let s = serde_json::to_string(rt).unwrap();
        assert_eq!(&serde_json::from_str::<ResultType>(&s).unwrap(), rt);
    }
    let fail: Envelope<()> = Envelope::fail(ErrorCode::CommonBreakTimeOfBank, "점검");
    match fail.into_result() {
        Err(EnvelopeError::Fail(ApiError { error_code, .. })) => assert!(error_code.is_retryable()),
        other => panic!("{other:?}"),
    }
    let timeout: Envelope<PaymentStatusResponse> =
        serde_json::from_value(json!({"resultType": "HTTP_TIMEOUT"})).unwrap();
    assert!(matches!(
        timeout.into_result(),
        Err(EnvelopeError::Unsettled {
            result_type: ResultType::HttpTimeout,
            ..
        })
    ));
    let empty: Envelope<PaymentStatusResponse> =
        serde_json::from_value(json!({"resultType": "SUCCESS"})).unwrap();
    assert_eq!(empty.into_result(), Err(EnvelopeError::MissingSuccess));
    // A bare-string payload (execution-result).
    let r: Envelope<PromotionExecutionStatus> =
        serde_json::from_value(json!({"resultType": "SUCCESS", "success": "PENDING"})).unwrap();
    assert_eq!(r.into_result().unwrap(), PromotionExecutionStatus::Pending);
    // `ok` serialises without `error`.
    assert_eq!(
        serde_json::to_value(Envelope::ok(1)).unwrap(),
        json!({"resultType": "SUCCESS", "success": 1})
    );
}

#[test]
fn requests_omit_unset_optional_fields() {
    let r = MakePaymentRequest {
        order_no: "o".into(),
        product_desc: "d".into(),
        amount: 10,
        amount_tax_free: Some(0),
        is_test_payment: true,
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"orderNo": "o", "productDesc": "d", "amount": 10, "amountTaxFree": 0, "isTestPayment": true})
    );
}

#[test]
fn billing_failure_reply() {
    let b: BillResponse = serde_json::from_value(
        json!({"code": -1, "errorCode": "BILLING_KEY_NOT_FOUND", "msg": "없음"}),
    )
    .unwrap();
    let e = b.into_result().unwrap_err();
    assert_eq!(
        (e.code, e.error_code.as_str(), e.msg.as_str()),
        (-1, "BILLING_KEY_NOT_FOUND", "없음")
    );
    assert_eq!(BillResponse::failure("X", "y").code, -1);
    // `code` is required: a reply without it is not taken for a success.
    assert!(serde_json::from_value::<BillResponse>(json!({"msg": "?"})).is_err());
}

#[test]
fn paths_route_every_endpoint() {
    assert_eq!(paths::ALL.len(), 15);
    for e in paths::ALL {
        assert_eq!(paths::find(e.path), Some(e));
        assert!(e.url().starts_with("https://"));
    }
    assert_eq!(
        paths::find("/api-partner/v1/apps-in-toss/pay/make-payment?x=1")
            .unwrap()
            .host,
        paths::Host::Pay
    );
    assert_eq!(
        paths::MAKE_PAYMENT.url(),
        "https://pay-apps-in-toss-api.toss.im/api-partner/v1/apps-in-toss/pay/make-payment"
    );
    assert_eq!(
        paths::BILLING_KEY_BILL.url(),
        "https://pay.toss.im/api/v1/billing-key/bill"
    );
    assert_eq!(paths::LOGIN_ME.method, paths::Method::Get);
    assert!(paths::find_on(paths::Host::Api, paths::MAKE_PAYMENT.path).is_none());
    assert!(paths::ALL
        .iter()
        .all(|e| e.path.starts_with(paths::PARTNER_PREFIX) || e.host == paths::Host::Billing));
}

#[test]
fn partner_contract_wire_shapes() {
    let body =
        PartnerError::new(PartnerErrorCode::Unauthenticated, "log in first", false).into_body();
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"error": {"code": "UNAUTHENTICATED", "message": "log in first", "retryable": false}})
    );
    let relayed = PartnerError::toss_failed(ApiError::new("COMMON_BREAK_TIME_OF_BANK", "점검"));
    assert!(relayed.retryable);
    let v = serde_json::to_value(relayed.into_body()).unwrap();
    assert_eq!(v["error"]["toss"]["errorCode"], "COMMON_BREAK_TIME_OF_BANK");
    let parsed: ErrorBody = serde_json::from_value(
        json!({"error": {"code": "MY_OWN", "message": "m", "retryable": true, "x": 1}}),
    )
    .unwrap();
    assert_eq!(parsed.error.code, PartnerErrorCode::Other("MY_OWN".into()));

    assert_eq!(
        partner::execute_path("o-1"),
        "/tosspay/payments/o-1/execute"
    );
    assert_eq!(
        partner::parse_payment_path("/tosspay/payments/o-1"),
        Some(("o-1", PaymentAction::Status))
    );
    assert_eq!(
        partner::parse_payment_path("/tosspay/payments/o-1/refund"),
        Some(("o-1", PaymentAction::Refund))
    );
    assert_eq!(
        partner::parse_payment_path("/tosspay/payments/o-1/execute"),
        Some(("o-1", PaymentAction::Execute))
    );
    assert_eq!(partner::parse_payment_path("/tosspay/payments/"), None);
    assert_eq!(partner::parse_payment_path("/tosspay/payments/o/x"), None);

    let login: partner::LoginResponse = serde_json::from_value(json!({"loggedIn": true})).unwrap();
    assert!(login.logged_in);
    let create: partner::CreatePaymentRequest = serde_json::from_value(
        json!({"order": {"items": [{"sku": "a", "quantity": 1}]}, "idempotencyKey": "k"}),
    )
    .unwrap();
    assert_eq!(create.order.items[0].sku, "a");
    let ents: partner::EntitlementsResponse =
        serde_json::from_value(json!([{"sku": "a", "orderId": "o"}])).unwrap();
    assert_eq!(ents.len(), 1);
    assert_eq!(
        serde_json::to_value(partner::ExecuteRequest {}).unwrap(),
        json!({})
    );
}
