//! Every Toss endpoint through a real mTLS client: happy paths, documented errors, validation rules, and the
//! seed JSON examples.

mod common;

use common::*;
use serde_json::{json, Value};

// ------------------------------------------------------------------------------------------------ TossPay

#[tokio::test]
async fn tosspay_full_lifecycle() {
    let env = start().await;
    let t = env.toss();

    let token = make_payment(&t, "order-1", 15_000).await;
    let st = t
        .post(
            PAYMENT_STATUS,
            json!({ "payToken": token, "isTestPayment": true }),
        )
        .await
        .success();
    assert_eq!(st["payStatus"], "PAY_STANDBY");
    assert_eq!(st["mode"], "TEST");
    assert_eq!(st["amount"], 15_000);
    // Taxable part derived as documented: VAT = ceil(taxable / 11).
    assert_eq!(st["amountVat"], 1364);
    assert_eq!(st["amountTaxable"], 13_636);
    assert_eq!(st["transactions"], json!([]));

    env.ctl().approve_payment(&token, Some("CARD")).unwrap();
    let st = t
        .post(
            PAYMENT_STATUS,
            json!({ "orderNo": "order-1", "isTestPayment": true }),
        )
        .await
        .success();
    assert_eq!(st["payStatus"], "PAY_APPROVED");

    let receipt = t
        .post(
            EXECUTE_PAYMENT,
            json!({ "payToken": token, "orderNo": "order-1", "isTestPayment": true }),
        )
        .await
        .success();
    let r: ait_api::tosspay::ExecutePaymentResponse =
        serde_json::from_value(receipt.clone()).unwrap();
    assert_eq!(r.code, Some(0));
    assert_eq!(r.order_no.as_deref(), Some("order-1"));
    assert_eq!(r.amount, Some(15_000));
    assert_eq!(r.paid_amount, Some(15_000));
    assert_eq!(r.pay_method, Some(ait_api::PayMethod::Card));
    assert_eq!(r.pay_token.as_deref(), Some(token.as_str()));
    assert_eq!(r.state_msg.as_deref(), Some("결제 완료"));
    let txn = r.transaction_id.clone().unwrap();
    assert_eq!(txn.len(), 36);
    let at = r.approval_time.clone().unwrap();
    assert_eq!(at.len(), 19, "yyyy-MM-dd HH:mm:ss: {at}");
    assert_eq!(&at[10..11], " ");
    assert_eq!(r.card_company().map(|c| c.code()), Some(4));

    let st = t
        .post(
            PAYMENT_STATUS,
            json!({ "payToken": token, "isTestPayment": true }),
        )
        .await
        .success();
    let s: ait_api::tosspay::PaymentStatusResponse = serde_json::from_value(st.clone()).unwrap();
    assert_eq!(s.pay_status, Some(ait_api::PayStatus::PayComplete));
    assert_eq!(s.refundable_amount, Some(15_000));
    assert_eq!(st["transactions"][0]["stepType"], "PAY");
    assert_eq!(st["transactions"][0]["transactionId"], txn.as_str());
    assert!(st["paidTs"].is_string());

    let refund = t
        .post(
            REFUND_PAYMENT,
            json!({ "payToken": token, "reason": "고객요청", "isTestPayment": true }),
        )
        .await
        .success();
    let rr: ait_api::tosspay::RefundPaymentResponse =
        serde_json::from_value(refund.clone()).unwrap();
    assert_eq!(rr.refunded_amount, Some(15_000));
    assert_eq!(rr.refundable_amount, Some(0));
    let refund_txn = rr.transaction_id.unwrap();
    assert_ne!(refund_txn, txn);

    let st = t
        .post(
            PAYMENT_STATUS,
            json!({ "payToken": token, "isTestPayment": true }),
        )
        .await
        .success();
    assert_eq!(st["payStatus"], "REFUND_SUCCESS");
    assert_eq!(st["transactions"].as_array().unwrap().len(), 2);
    assert_eq!(st["transactions"][1]["stepType"], "REFUND");
    assert_eq!(st["transactions"][1]["transactionId"], refund_txn.as_str());
    assert_eq!(st["transactions"][1]["transactionAmount"], -15_000);
}

#[tokio::test]
async fn tosspay_toss_money_and_live_mode() {
    let env = start().await;
    let t = env.toss();
    let mut body = payment("live-1", 1000);
    body["isTestPayment"] = json!(false);
    body["enablePayMethods"] = json!("TOSS_MONEY");
    let token = t.post(MAKE_PAYMENT, body).await.success()["payToken"]
        .as_str()
        .unwrap()
        .to_string();
    // enablePayMethods limits what the buyer can choose.
    assert_eq!(
        env.ctl()
            .approve_payment(&token, Some("CARD"))
            .unwrap_err()
            .status,
        409
    );
    env.ctl().approve_payment(&token, None).unwrap();
    let r = t
        .post(
            EXECUTE_PAYMENT,
            json!({ "payToken": token, "isTestPayment": false }),
        )
        .await
        .success();
    assert_eq!(r["mode"], "LIVE");
    assert_eq!(r["payMethod"], "TOSS_MONEY");
    assert_eq!(r["accountBankCode"], "092");
    assert!(r["cardCompanyCode"].is_null());
}

#[tokio::test]
async fn tosspay_documented_errors() {
    let env = start().await;
    let t = env.toss();
    let token = make_payment(&t, "dup-1", 500).await;

    // Duplicate orderNo, even from another user or environment.
    t.post(MAKE_PAYMENT, payment("dup-1", 500))
        .await
        .fail(400, "PAYMENT_EXISTING_PAYMENT");
    t.as_user(Some("999"))
        .post(MAKE_PAYMENT, payment("dup-1", 1))
        .await
        .fail(400, "PAYMENT_EXISTING_PAYMENT");

    // Execute before the buyer authenticated.
    let exec = json!({ "payToken": token, "isTestPayment": true });
    t.post(EXECUTE_PAYMENT, exec.clone())
        .await
        .fail(400, "PAYMENT_NOT_APPROVED");
    // Refund before completion.
    t.post(
        REFUND_PAYMENT,
        json!({ "payToken": token, "reason": "x", "isTestPayment": true }),
    )
    .await
    .fail(400, "PAYMENT_NOT_REFUNDABLE");
    // Unknown token.
    t.post(
        EXECUTE_PAYMENT,
        json!({ "payToken": "nope", "isTestPayment": true }),
    )
    .await
    .fail(400, "PAYMENT_NOT_FOUND");
    // Another user's payment.
    env.ctl().approve_payment(&token, None).unwrap();
    t.as_user(Some("999"))
        .post(EXECUTE_PAYMENT, exec.clone())
        .await
        .fail(400, "PAYMENT_NOT_FOUND");
    // The other environment does not see it.
    t.post(
        EXECUTE_PAYMENT,
        json!({ "payToken": token, "isTestPayment": false }),
    )
    .await
    .fail(400, "PAYMENT_NOT_FOUND");
    // orderNo of another order.
    t.post(
        EXECUTE_PAYMENT,
        json!({ "payToken": token, "orderNo": "other", "isTestPayment": true }),
    )
    .await
    .fail(400, "ORDER_NO_MISMATCH");
    // Execute once, then twice.
    t.post(EXECUTE_PAYMENT, exec.clone()).await.success();
    t.post(EXECUTE_PAYMENT, exec.clone())
        .await
        .fail(400, "PAYMENT_ALREADY_EXECUTED");
    // Refund once, then twice.
    let refund = json!({ "payToken": token, "reason": "중복결제", "isTestPayment": true });
    t.post(REFUND_PAYMENT, refund.clone()).await.success();
    t.post(REFUND_PAYMENT, refund)
        .await
        .fail(400, "PAYMENT_ALREADY_REFUNDED");
    t.post(EXECUTE_PAYMENT, exec)
        .await
        .fail(400, "PAYMENT_ALREADY_EXECUTED");

    // Canceled in the sheet.
    let token2 = make_payment(&t, "cancel-1", 500).await;
    env.ctl().cancel_payment(&token2).unwrap();
    t.post(
        EXECUTE_PAYMENT,
        json!({ "payToken": token2, "isTestPayment": true }),
    )
    .await
    .fail(400, "PAYMENT_CANCELED");
    let st = t
        .post(
            PAYMENT_STATUS,
            json!({ "payToken": token2, "isTestPayment": true }),
        )
        .await
        .success();
    assert_eq!(st["payStatus"], "PAY_CANCEL");
    // Control refuses impossible transitions.
    assert_eq!(
        env.ctl().approve_payment(&token2, None).unwrap_err().status,
        409
    );
    assert_eq!(
        env.ctl()
            .approve_payment("unknown", None)
            .unwrap_err()
            .status,
        404
    );

    // get-payment-status of an unknown payment: 404 as documented.
    t.post(
        PAYMENT_STATUS,
        json!({ "orderNo": "never", "isTestPayment": true }),
    )
    .await
    .fail(404, "PAYMENT_NOT_FOUND");

    // Every TossPay call needs x-toss-user-key.
    let reason = t
        .as_user(None)
        .post(MAKE_PAYMENT, payment("nokey", 1))
        .await
        .fail(400, "INVALID_PARAMETER");
    assert!(
        reason.contains("x-toss-user-key") && reason.contains("required"),
        "{reason}"
    );
    for path in [
        EXECUTE_PAYMENT,
        REFUND_PAYMENT,
        PAYMENT_STATUS,
        ORDER_STATUS,
    ] {
        t.as_user(None)
            .post(path, json!({}))
            .await
            .fail(400, "INVALID_PARAMETER");
    }
}

// ------------------------------------------------------------------------------------------------ IAP

#[tokio::test]
async fn iap_order_statuses() {
    let env = start().await;
    let t = env.toss();
    let c = env.ctl();
    let status = |id: &str| {
        let t = t.clone();
        let id = id.to_string();
        async move {
            t.post(ORDER_STATUS, json!({ "orderId": id }))
                .await
                .success()
        }
    };

    let o = c.create_order(USER, SKU, None, false).unwrap();
    assert_eq!(
        &o.order_id[14..15],
        "7",
        "orderId is a UUID v7: {}",
        o.order_id
    );
    let s = status(&o.order_id).await;
    assert_eq!(s["status"], "ORDER_IN_PROGRESS");
    assert_eq!(s["sku"], SKU);
    let parsed: ait_api::iap::OrderStatusResponse = serde_json::from_value(s).unwrap();
    assert_eq!(
        parsed.status,
        Some(ait_api::iap::OrderStatus::OrderInProgress)
    );

    // Paid, grant pending: listed as pending.
    c.mark_order_paid(&o.order_id).unwrap();
    assert_eq!(c.orders(Some(USER), None, Some(true)).len(), 1);

    c.decide_order(&o.order_id, "PAYMENT_COMPLETED").unwrap();
    let s = status(&o.order_id).await;
    assert_eq!(s["status"], "PAYMENT_COMPLETED");
    assert!(s["statusDeterminedAt"].as_str().unwrap().contains('T'));
    assert!(
        c.decide_order(&o.order_id, "FAILED").is_err(),
        "decided once"
    );

    c.refund_order(&o.order_id).unwrap();
    assert_eq!(status(&o.order_id).await["status"], "REFUNDED");
    assert!(c.refund_order(&o.order_id).is_err());

    let failed = c.create_order(USER, SKU, None, true).unwrap();
    c.decide_order(&failed.order_id, "FAILED").unwrap();
    assert_eq!(status(&failed.order_id).await["status"], "FAILED");
    assert!(c.refund_order(&failed.order_id).is_err());

    let legacy = c.create_order(USER, SKU, None, false).unwrap();
    c.decide_order(&legacy.order_id, "PURCHASED").unwrap();
    assert_eq!(status(&legacy.order_id).await["status"], "PURCHASED");

    // Unknown order, and another user's order: NOT_FOUND.
    let s = status("13c9a1ff-2baa-4495-bbfa-a0826ba8c7c0").await;
    assert_eq!(s["status"], "NOT_FOUND");
    let other = c.create_order("777", SKU, None, false).unwrap();
    assert_eq!(status(&other.order_id).await["status"], "NOT_FOUND");

    // Another mini-app's SKU.
    let foreign = c.create_order(USER, FOREIGN_SKU, None, false).unwrap();
    assert_eq!(
        status(&foreign.order_id).await["status"],
        "MINIAPP_MISMATCH"
    );

    // A given orderId is kept.
    let id = "0190f1a2-0000-7000-8000-000000000001";
    c.create_order(USER, SKU, Some(id.into()), false).unwrap();
    assert_eq!(status(id).await["orderId"], id);
    assert!(c.create_order(USER, SKU, Some(id.into()), false).is_err());
}

// ------------------------------------------------------------------------------------------------ Login

#[tokio::test]
async fn login_codes_tokens_and_unlinking() {
    let env = start().await;
    let t = env.toss().as_user(None);
    let c = env.ctl();

    let code = c.issue_login_code(42, None);
    let tok = t
        .post(
            GENERATE_TOKEN,
            json!({ "authorizationCode": code.authorization_code, "referrer": "DEFAULT" }),
        )
        .await
        .success();
    let tok: ait_api::login::TokenResponse = serde_json::from_value(tok).unwrap();
    assert_eq!(tok.token_type.as_deref(), Some("Bearer"));
    assert_eq!(tok.expires_in.as_ref().and_then(|e| e.as_i64()), Some(3600));
    let access = tok.access_token.clone();
    let refresh = tok.refresh_token.clone().unwrap();

    // Single use.
    t.post(
        GENERATE_TOKEN,
        json!({ "authorizationCode": code.authorization_code, "referrer": "DEFAULT" }),
    )
    .await
    .fail(400, "INVALID_AUTHORIZATION_CODE");
    t.post(
        GENERATE_TOKEN,
        json!({ "authorizationCode": "unknown", "referrer": "DEFAULT" }),
    )
    .await
    .fail(400, "INVALID_AUTHORIZATION_CODE");

    // A chosen code (a recorded request replayed) logs in once, like a generated one, and is never issued twice.
    let chosen = "Xk2a9Qm4Rt7Lp1Zc8Vb3Nd6Hf0Gj5Ws2";
    assert_eq!(c.issue_chosen_login_code(43, chosen, None).unwrap().authorization_code, chosen);
    assert_eq!(c.issue_chosen_login_code(44, chosen, None).unwrap_err().status, 409);
    assert_eq!(c.issue_chosen_login_code(44, code.authorization_code.as_str(), None).unwrap_err().status, 409);
    assert_eq!(c.issue_chosen_login_code(44, " ", None).unwrap_err().status, 400);
    let chosen_tok = t
        .post(GENERATE_TOKEN, json!({ "authorizationCode": chosen, "referrer": "DEFAULT" }))
        .await
        .success();
    assert!(chosen_tok["accessToken"].is_string(), "{chosen_tok}");
    t.post(GENERATE_TOKEN, json!({ "authorizationCode": chosen, "referrer": "DEFAULT" }))
        .await
        .fail(400, "INVALID_AUTHORIZATION_CODE");

    let me = t
        .send(
            "GET",
            LOGIN_ME,
            &[("authorization", &format!("Bearer {access}"))],
            vec![],
        )
        .await
        .unwrap();
    let me: ait_api::login::LoginMeResponse = serde_json::from_value(me.success()).unwrap();
    assert_eq!(me.user_key, 42);

    // Missing and unknown bearer: 401.
    t.send("GET", LOGIN_ME, &[], vec![])
        .await
        .unwrap()
        .fail(401, "INVALID_ACCESS_TOKEN");
    t.send("GET", LOGIN_ME, &[("authorization", "Bearer nope")], vec![])
        .await
        .unwrap()
        .fail(401, "INVALID_ACCESS_TOKEN");

    // Refresh gives a new access token.
    let again = t
        .post(REFRESH_TOKEN, json!({ "refreshToken": refresh }))
        .await
        .success();
    let access2 = again["accessToken"].as_str().unwrap().to_string();
    assert_ne!(access2, access);
    t.post(REFRESH_TOKEN, json!({ "refreshToken": "nope" }))
        .await
        .fail(400, "INVALID_REFRESH_TOKEN");

    // Codes and access tokens expire (sandbox clock).
    let code2 = c.issue_login_code(42, Some(60));
    c.advance_clock(61);
    t.post(
        GENERATE_TOKEN,
        json!({ "authorizationCode": code2.authorization_code, "referrer": "DEFAULT" }),
    )
    .await
    .fail(400, "INVALID_AUTHORIZATION_CODE");
    c.advance_clock(3600);
    t.send(
        "GET",
        LOGIN_ME,
        &[("authorization", &format!("Bearer {access2}"))],
        vec![],
    )
    .await
    .unwrap()
    .fail(401, "INVALID_ACCESS_TOKEN");
    // The refresh token outlives them.
    let access3 = t
        .post(REFRESH_TOKEN, json!({ "refreshToken": refresh }))
        .await
        .success()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    c.advance_clock(15 * 24 * 3600);
    t.post(REFRESH_TOKEN, json!({ "refreshToken": refresh }))
        .await
        .fail(400, "INVALID_REFRESH_TOKEN");

    // remove-by-access-token revokes the user's tokens.
    let code3 = c.issue_login_code(43, None);
    let tok3 = t
        .post(
            GENERATE_TOKEN,
            json!({ "authorizationCode": code3.authorization_code, "referrer": "SANDBOX" }),
        )
        .await
        .success();
    let a3 = tok3["accessToken"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {a3}");
    let r = t
        .send(
            "POST",
            REMOVE_BY_ACCESS_TOKEN,
            &[("authorization", &bearer)],
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(r.success()["userKey"], 43);
    t.send("GET", LOGIN_ME, &[("authorization", &bearer)], vec![])
        .await
        .unwrap()
        .fail(401, "INVALID_ACCESS_TOKEN");
    t.post(
        REFRESH_TOKEN,
        json!({ "refreshToken": tok3["refreshToken"] }),
    )
    .await
    .fail(400, "INVALID_REFRESH_TOKEN");
    let _ = access3;

    // remove-by-user-key.
    let code4 = c.issue_login_code(44, None);
    let tok4 = t
        .post(
            GENERATE_TOKEN,
            json!({ "authorizationCode": code4.authorization_code, "referrer": "DEFAULT" }),
        )
        .await
        .success();
    assert_eq!(
        t.post(REMOVE_BY_USER_KEY, json!({ "userKey": 44 }))
            .await
            .success()["userKey"],
        44
    );
    let b4 = format!("Bearer {}", tok4["accessToken"].as_str().unwrap());
    t.send("GET", LOGIN_ME, &[("authorization", &b4)], vec![])
        .await
        .unwrap()
        .fail(401, "INVALID_ACCESS_TOKEN");
    t.post(REMOVE_BY_USER_KEY, json!({ "userKey": 99_999 }))
        .await
        .fail(400, "USER_NOT_FOUND");
}

// ------------------------------------------------------------------------------------------------ Promotions

#[tokio::test]
async fn promotions_keys_idempotency_results() {
    let env = start().await;
    let t = env.toss();
    let key = t
        .as_user(None)
        .post(PROMO_GET_KEY, json!({}))
        .await
        .success()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let exec = json!({ "promotionCode": PROMOTION, "key": key, "amount": 100 });
    assert_eq!(
        t.post(PROMO_EXECUTE, exec.clone()).await.success()["key"],
        key.as_str()
    );
    // Idempotent per key.
    assert_eq!(
        t.post(PROMO_EXECUTE, exec.clone()).await.success()["key"],
        key.as_str()
    );
    let paid = env.ctl().dump()["state"]["promotions"][PROMOTION]["paid"].clone();
    assert_eq!(paid, 100, "paid once");
    // Same key, other parameters.
    t.post(
        PROMO_EXECUTE,
        json!({ "promotionCode": PROMOTION, "key": key, "amount": 200 }),
    )
    .await
    .fail(400, "PROMOTION_KEY_ALREADY_USED");
    let res = json!({ "promotionCode": PROMOTION, "key": key });
    assert_eq!(t.post(PROMO_RESULT, res.clone()).await.success(), "SUCCESS");
    // Another user does not see it.
    t.as_user(Some("9"))
        .post(PROMO_RESULT, res)
        .await
        .fail(400, "PROMOTION_EXECUTION_NOT_FOUND");

    // Unknown code and key.
    t.post(
        PROMO_EXECUTE,
        json!({ "promotionCode": "NOPE", "key": key, "amount": 1 }),
    )
    .await
    .fail(400, "PROMOTION_NOT_FOUND");
    t.post(
        PROMO_EXECUTE,
        json!({ "promotionCode": PROMOTION, "key": "never-issued", "amount": 1 }),
    )
    .await
    .fail(400, "PROMOTION_KEY_NOT_FOUND");

    // Pending then settled; budget.
    env.ctl()
        .register_promotion("PENDING_PROMO", Some(150), Some("PENDING"))
        .unwrap();
    let k2 = t.post(PROMO_GET_KEY, json!({})).await.success()["key"]
        .as_str()
        .unwrap()
        .to_string();
    t.post(
        PROMO_EXECUTE,
        json!({ "promotionCode": "PENDING_PROMO", "key": k2, "amount": 100 }),
    )
    .await
    .success();
    let res2 = json!({ "promotionCode": "PENDING_PROMO", "key": k2 });
    assert_eq!(
        t.post(PROMO_RESULT, res2.clone()).await.success(),
        "PENDING"
    );
    env.ctl().settle_promotion(&k2, "SUCCESS").unwrap();
    assert_eq!(t.post(PROMO_RESULT, res2).await.success(), "SUCCESS");
    let k3 = t.post(PROMO_GET_KEY, json!({})).await.success()["key"]
        .as_str()
        .unwrap()
        .to_string();
    t.post(
        PROMO_EXECUTE,
        json!({ "promotionCode": "PENDING_PROMO", "key": k3, "amount": 100 }),
    )
    .await
    .fail(400, "PROMOTION_BUDGET_EXCEEDED");

    // Missing user key: 401 as documented for promotions.
    t.as_user(None)
        .post(PROMO_EXECUTE, json!({}))
        .await
        .fail(401, "INVALID_PARAMETER");
}

// ------------------------------------------------------------------------------------------------ Messages

#[tokio::test]
async fn messages_need_registered_templates() {
    let env = start().await;
    let t = env.toss();
    let msg = |code: &str| json!({ "templateSetCode": code, "context": { "name": "토스" } });
    t.post(SEND_MESSAGE, msg("UNREGISTERED"))
        .await
        .fail(400, "TEMPLATE_NOT_FOUND");
    let r = t.post(SEND_MESSAGE, msg(TEMPLATE)).await.success();
    let r: ait_api::messenger::SendMessageResponse = serde_json::from_value(r).unwrap();
    assert_eq!(r.msg_count, Some(1));
    env.ctl().register_template("TPL_NEW").unwrap();
    t.post(SEND_MESSAGE, msg("TPL_NEW")).await.success();
    let sent = env.ctl().dump()["state"]["messages"].clone();
    assert_eq!(sent.as_array().unwrap().len(), 2);
    assert_eq!(sent[0]["context"]["name"], "토스");
    t.as_user(None)
        .post(SEND_MESSAGE, msg(TEMPLATE))
        .await
        .fail(401, "INVALID_PARAMETER");
}

// ------------------------------------------------------------------------------------------------ Billing

#[tokio::test]
async fn billing_keys_and_bill() {
    let env = start().await;
    let t = env.toss().as_user(None);
    let c = env.ctl();
    let k = c
        .register_billing_key(Some("bk-1".into()), Some(USER.into()), None, None, None)
        .unwrap();
    let bill = |order: &str, key: &str, api: &str| {
        json!({
            "apiKey": api, "billingKey": key, "orderNo": order, "productDesc": "정기결제",
            "amount": 9900, "amountTaxFree": 0,
        })
    };
    let r = t
        .post(
            BILL,
            bill("b-1", &k.billing_key, ait_sandbox::TEST_API_KEYS[0]),
        )
        .await;
    assert_eq!(r.status, 200);
    let br: ait_api::billing::BillResponse = serde_json::from_value(r.body.clone()).unwrap();
    assert!(br.is_success(), "{}", r.raw);
    assert_eq!(br.amount.and_then(|a| a.as_i64()), Some(9900));
    assert_eq!(br.pay_method, Some(ait_api::PayMethod::Card));
    assert!(br.transaction_id.is_some() && br.pay_token.is_some());

    let code = |r: &Reply| {
        (
            r.body["code"].as_i64(),
            r.body["errorCode"].as_str().map(str::to_string),
        )
    };
    let dup = t
        .post(BILL, bill("b-1", "bk-1", ait_sandbox::TEST_API_KEYS[0]))
        .await;
    assert_eq!(
        code(&dup),
        (Some(-1), Some("PAYMENT_EXISTING_PAYMENT".into()))
    );
    let bad_api = t.post(BILL, bill("b-2", "bk-1", "sk_live_wrong")).await;
    assert_eq!(
        code(&bad_api),
        (Some(-1), Some("COMMON_INVALID_API_KEY".into()))
    );
    // The other spelling of the test key is a different merchant key.
    let other_api = t
        .post(BILL, bill("b-2", "bk-1", ait_sandbox::TEST_API_KEYS[1]))
        .await;
    assert_eq!(
        code(&other_api),
        (Some(-1), Some("COMMON_INVALID_API_KEY".into()))
    );
    let unknown = t
        .post(
            BILL,
            bill("b-3", "bk-unknown", ait_sandbox::TEST_API_KEYS[0]),
        )
        .await;
    assert_eq!(
        code(&unknown),
        (Some(-1), Some("BILLING_KEY_NOT_FOUND".into()))
    );

    c.register_billing_key(
        Some("bk-poor".into()),
        None,
        None,
        Some("TOSS_MONEY".into()),
        Some(ait_sandbox::state::BillingFailure {
            error_code: "INSUFFICIENT_BALANCE".into(),
            msg: Some("잔액부족".into()),
        }),
    )
    .unwrap();
    let poor = t
        .post(BILL, bill("b-4", "bk-poor", ait_sandbox::TEST_API_KEYS[0]))
        .await;
    assert_eq!(code(&poor), (Some(-1), Some("INSUFFICIENT_BALANCE".into())));
    assert_eq!(poor.body["msg"], "잔액부족");
    // Validation failures use the billing shape too.
    let mut invalid = bill("b-5", "bk-1", ait_sandbox::TEST_API_KEYS[0]);
    invalid["spreadOut"] = json!(13);
    let r = t.post(BILL, invalid).await;
    assert_eq!(code(&r), (Some(-1), Some("INVALID_PARAMETER".into())));
    assert!(
        r.body["msg"]
            .as_str()
            .unwrap()
            .contains("spreadOut (range)"),
        "{}",
        r.raw
    );
}

// ------------------------------------------------------------------------------------------------ Validation

/// Every rule of `ait_api::validate` that a request can break on the way to the sandbox: (path, body, the
/// field and rule the reason must name).
fn validation_cases() -> Vec<(&'static str, Value, &'static str)> {
    let p = |f: &dyn Fn(&mut Value)| {
        let mut v = payment("valid-order", 1000);
        f(&mut v);
        v
    };
    let long = |n: usize| "a".repeat(n);
    vec![
        (
            MAKE_PAYMENT,
            p(&|v| {
                v.as_object_mut().unwrap().remove("orderNo");
            }),
            "orderNo (required)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["orderNo"] = json!("")),
            "orderNo (not_blank)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["orderNo"] = json!(long(51))),
            "orderNo (max_length)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["orderNo"] = json!("a~b")),
            "orderNo (charset)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["orderNo"] = json!("a=b")),
            "orderNo (charset)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["productDesc"] = json!("   ")),
            "productDesc (not_blank)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["productDesc"] = json!("back\\slash")),
            "productDesc (forbidden_char)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["productDesc"] = json!("say \"hi\"")),
            "productDesc (forbidden_char)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["productDesc"] = json!(long(256))),
            "productDesc (max_length)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amount"] = json!(0)),
            "amount (range)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amount"] = json!(10_000_000)),
            "amount (range)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amount"] = json!("1000")),
            "amount (format)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| {
                v.as_object_mut().unwrap().remove("amountTaxFree");
            }),
            "amountTaxFree (required)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amountTaxFree"] = json!(-1)),
            "amountTaxFree (range)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amountTaxFree"] = json!(1001)),
            "amountTaxFree (consistency)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amountVat"] = json!(2000)),
            "amountVat (consistency)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["amountServiceFee"] = json!(10_000_000)),
            "amountServiceFee (range)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["enablePayMethods"] = json!(long(101))),
            "enablePayMethods (max_length)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["cashReceiptTradeOption"] = json!("FOOD")),
            "cashReceiptTradeOption (unknown_value)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| v["installment"] = json!("MAYBE")),
            "installment (unknown_value)",
        ),
        (
            MAKE_PAYMENT,
            p(&|v| {
                v.as_object_mut().unwrap().remove("isTestPayment");
            }),
            "isTestPayment (required)",
        ),
        (
            EXECUTE_PAYMENT,
            json!({ "payToken": long(31), "isTestPayment": true }),
            "payToken (max_length)",
        ),
        (
            EXECUTE_PAYMENT,
            json!({ "payToken": " ", "isTestPayment": true }),
            "payToken (not_blank)",
        ),
        (
            EXECUTE_PAYMENT,
            json!({ "payToken": "t", "orderNo": "bad order", "isTestPayment": true }),
            "orderNo (charset)",
        ),
        (
            EXECUTE_PAYMENT,
            json!({ "isTestPayment": true }),
            "payToken (required)",
        ),
        (
            REFUND_PAYMENT,
            json!({ "payToken": "t", "isTestPayment": true }),
            "reason (required)",
        ),
        (
            REFUND_PAYMENT,
            json!({ "payToken": "t", "reason": "", "isTestPayment": true }),
            "reason (not_blank)",
        ),
        (
            REFUND_PAYMENT,
            json!({ "payToken": "t", "reason": "no spaces allowed", "isTestPayment": true }),
            "reason (charset)",
        ),
        (
            REFUND_PAYMENT,
            json!({ "payToken": "t", "reason": long(56), "isTestPayment": true }),
            "reason (max_length)",
        ),
        (
            PAYMENT_STATUS,
            json!({ "isTestPayment": true }),
            "payToken (one_of_required)",
        ),
        (
            PAYMENT_STATUS,
            json!({ "orderNo": "x~", "isTestPayment": true }),
            "orderNo (charset)",
        ),
        (
            ORDER_STATUS,
            json!({ "orderId": "not-a-uuid" }),
            "orderId (format)",
        ),
        (
            ORDER_STATUS,
            json!({ "orderId": "" }),
            "orderId (not_blank)",
        ),
        (ORDER_STATUS, json!({}), "orderId (required)"),
        (
            GENERATE_TOKEN,
            json!({ "authorizationCode": "", "referrer": "DEFAULT" }),
            "authorizationCode (not_blank)",
        ),
        (
            GENERATE_TOKEN,
            json!({ "authorizationCode": "c", "referrer": " " }),
            "referrer (not_blank)",
        ),
        (
            GENERATE_TOKEN,
            json!({ "authorizationCode": "c" }),
            "referrer (required)",
        ),
        (
            REFRESH_TOKEN,
            json!({ "refreshToken": "" }),
            "refreshToken (not_blank)",
        ),
        (
            REMOVE_BY_USER_KEY,
            json!({ "userKey": 0 }),
            "userKey (range)",
        ),
        (
            REMOVE_BY_USER_KEY,
            json!({ "userKey": "abc" }),
            "userKey (format)",
        ),
        (
            PROMO_EXECUTE,
            json!({ "promotionCode": PROMOTION, "key": "k", "amount": 0 }),
            "amount (range)",
        ),
        (
            PROMO_EXECUTE,
            json!({ "promotionCode": "", "key": "k", "amount": 1 }),
            "promotionCode (not_blank)",
        ),
        (
            PROMO_EXECUTE,
            json!({ "promotionCode": PROMOTION, "key": " ", "amount": 1 }),
            "key (not_blank)",
        ),
        (
            PROMO_RESULT,
            json!({ "promotionCode": PROMOTION, "key": "" }),
            "key (not_blank)",
        ),
        (
            SEND_MESSAGE,
            json!({ "templateSetCode": "", "context": {} }),
            "templateSetCode (not_blank)",
        ),
        (
            SEND_MESSAGE,
            json!({ "templateSetCode": TEMPLATE }),
            "context (required)",
        ),
    ]
}

#[tokio::test]
async fn every_validation_rule_is_rejected_naming_the_rule() {
    let env = start().await;
    let t = env.toss();
    for (path, body, expect) in validation_cases() {
        let r = t.post(path, body.clone()).await;
        let reason = r.fail(400, "INVALID_PARAMETER");
        assert!(
            reason.contains(expect),
            "{path} {body}: reason {reason:?} should name {expect:?}"
        );
    }
    // Nothing was created by the rejected requests.
    assert!(env.ctl().dump()["state"]["payments"]
        .as_object()
        .unwrap()
        .is_empty());

    let bill_base = json!({
        "apiKey": ait_sandbox::TEST_API_KEYS[0], "billingKey": "bk", "orderNo": "o", "productDesc": "d",
        "amount": 10, "amountTaxFree": 0,
    });
    let bill_cases: Vec<(&str, Value, &str)> = vec![
        ("apiKey", json!("k".repeat(31)), "apiKey (max_length)"),
        (
            "billingKey",
            json!("k".repeat(51)),
            "billingKey (max_length)",
        ),
        ("orderNo", json!("o?"), "orderNo (charset)"),
        ("productDesc", json!(""), "productDesc (not_blank)"),
        ("amount", json!(-5), "amount (range)"),
        ("spreadOut", json!(-1), "spreadOut (range)"),
        (
            "cashReceiptTradeOption",
            json!("X"),
            "cashReceiptTradeOption (unknown_value)",
        ),
    ];
    for (field, value, expect) in bill_cases {
        let mut b = bill_base.clone();
        b[field] = value;
        let r = t.post(BILL, b).await;
        assert_eq!(r.body["code"], -1, "{}", r.raw);
        assert_eq!(r.body["errorCode"], "INVALID_PARAMETER", "{}", r.raw);
        assert!(
            r.body["msg"].as_str().unwrap().contains(expect),
            "{}: {}",
            expect,
            r.raw
        );
    }
}

#[tokio::test]
async fn malformed_bodies_get_the_error_shape() {
    let env = start().await;
    let t = env.toss();
    for body in [&b"{not json"[..], b"[1,2]", b"\"str\"", b"{\"orderNo\": 5}"] {
        let r = t
            .send("POST", MAKE_PAYMENT, &[], body.to_vec())
            .await
            .unwrap();
        r.fail(400, "INVALID_PARAMETER");
    }
    // Unknown path and wrong method.
    t.post("/api-partner/v1/apps-in-toss/pay/nope", json!({}))
        .await
        .fail(404, "NOT_FOUND");
    let r = t.send("GET", MAKE_PAYMENT, &[], vec![]).await.unwrap();
    r.fail(405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.headers["allow"], "POST");
    // Routing by Host: a documented Toss host must match the endpoint's host.
    let mut pay_host = t.clone();
    pay_host.host = Some(ait_api::paths::HOST_PAY.to_string());
    pay_host
        .post(MAKE_PAYMENT, payment("via-host", 10))
        .await
        .success();
    pay_host
        .post(
            ORDER_STATUS,
            json!({ "orderId": "13c9a1ff-2baa-4495-bbfa-a0826ba8c7c0" }),
        )
        .await
        .fail(404, "NOT_FOUND");
}

// ------------------------------------------------------------------------------------------------ Seed fixtures

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ait-api/tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn seed_request_examples_are_accepted() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ait-api/tests/fixtures");
    let mut requests: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains(".request."))
        .collect();
    requests.sort();
    assert!(requests.len() >= 6, "fixtures: {requests:?}");
    for name in requests {
        let env = start().await;
        let t = env.toss();
        let body = fixture(&name);
        let endpoint = name.split('.').next().unwrap();
        let reply = match endpoint {
            "make-payment" => t.post(MAKE_PAYMENT, body).await,
            "execute-payment" => {
                // The example's payToken is not one the sandbox issued: it must pass validation and then be
                // reported as an unknown payment.
                let r = t.post(EXECUTE_PAYMENT, body).await;
                r.fail(400, "PAYMENT_NOT_FOUND");
                continue;
            }
            "get-order-status" => t.post(ORDER_STATUS, body).await,
            "billing-key-bill" => {
                env.ctl()
                    .register_billing_key(
                        body["billingKey"].as_str().map(Into::into),
                        None,
                        None,
                        None,
                        None,
                    )
                    .unwrap();
                let r = t.as_user(None).post(BILL, body).await;
                assert_eq!(r.body["code"], 0, "{name}: {}", r.raw);
                continue;
            }
            other => panic!("no sandbox route for fixture {name} ({other})"),
        };
        reply.success();
    }
}
