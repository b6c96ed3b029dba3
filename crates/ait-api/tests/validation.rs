//! Every validation rule, accepted and rejected.

use std::collections::BTreeMap;

use ait_api::billing::BillRequest;
use ait_api::iap::GetOrderStatusRequest;
use ait_api::login::{GenerateTokenRequest, RefreshTokenRequest, RemoveByUserKeyRequest};
use ait_api::messenger::SendMessageRequest;
use ait_api::partner::{
    CartItem, CartOrder, CreatePaymentRequest, GrantRequest, HistoryOrder, LoginRequest,
    RefundRequest, SyncRequest,
};
use ait_api::promotion::{ExecutePromotionRequest, PromotionExecutionResultRequest};
use ait_api::tosspay::{
    ExecutePaymentRequest, GetPaymentStatusRequest, MakePaymentRequest, RefundPaymentRequest,
};
use ait_api::{CashReceiptTradeOption, Installment, PayMethod, Rule, Validate, ValidationError};

fn make() -> MakePaymentRequest {
    MakePaymentRequest {
        order_no: "order-2025:01.^@_X".into(),
        product_desc: "고양이 사료 2kg".into(),
        amount: 15_000,
        amount_tax_free: Some(0),
        is_test_payment: true,
        ..Default::default()
    }
}

fn bill() -> BillRequest {
    BillRequest {
        api_key: "sk_test_w5lNQylNqa5lNQe013Nq".into(),
        billing_key: "example-billingKey".into(),
        order_no: "TEST_billing_1".into(),
        product_desc: "테스트샵 빌링 상품".into(),
        amount: 10_000,
        amount_tax_free: Some(0),
        ..Default::default()
    }
}

fn err<T: Validate>(r: &T) -> ValidationError {
    r.validate().expect_err("expected a validation error")
}

fn assert_rejects<T: Validate>(r: &T, field: &str, rule_id: &str) {
    let e = err(r);
    assert_eq!((e.field.as_str(), e.rule.id()), (field, rule_id), "{e}");
    assert!(!e.message.is_empty());
}

// --- orderNo (seed 001 §1, seed 000 schema, seed 002) ---

#[test]
fn order_no_accepts_letters_digits_and_common_specials() {
    make().validate().unwrap();
    for ok in [
        "a",
        "A1",
        "_-:.^@",
        &"x".repeat(50),
        "test-20250417-3",
        "TEST_billing_1",
    ] {
        let r = MakePaymentRequest {
            order_no: ok.to_string(),
            ..make()
        };
        r.validate().unwrap_or_else(|e| panic!("{ok:?}: {e}"));
    }
}

#[test]
fn order_no_rejects_empty_long_and_other_characters() {
    assert_rejects(
        &MakePaymentRequest {
            order_no: String::new(),
            ..make()
        },
        "orderNo",
        "not_blank",
    );
    let e = err(&MakePaymentRequest {
        order_no: "x".repeat(51),
        ..make()
    });
    assert_eq!(e.rule, Rule::MaxLength(50));
    // `~` (only seed 001) and `=` (only seed 002) are outside the common set we chose.
    for bad in ["a~b", "a=b", "a b", "주문1", "a/b", "a#b", "a\"b"] {
        assert_rejects(
            &MakePaymentRequest {
                order_no: bad.into(),
                ..make()
            },
            "orderNo",
            "charset",
        );
    }
    assert_rejects(
        &BillRequest {
            order_no: "a=b".into(),
            ..bill()
        },
        "orderNo",
        "charset",
    );
    assert_rejects(
        &ExecutePaymentRequest {
            pay_token: "t".into(),
            order_no: Some("a~b".into()),
            is_test_payment: true,
        },
        "orderNo",
        "charset",
    );
}

// --- productDesc (seed 001 §1) ---

#[test]
fn product_desc_accepts_korean_up_to_255_characters() {
    MakePaymentRequest {
        product_desc: "가".repeat(255),
        ..make()
    }
    .validate()
    .unwrap();
    MakePaymentRequest {
        product_desc: "T-shirt (L), 2 pcs".into(),
        ..make()
    }
    .validate()
    .unwrap();
}

#[test]
fn product_desc_rejects_blank_backslash_quotes_and_256_characters() {
    assert_rejects(
        &MakePaymentRequest {
            product_desc: "   ".into(),
            ..make()
        },
        "productDesc",
        "not_blank",
    );
    assert_rejects(
        &MakePaymentRequest {
            product_desc: String::new(),
            ..make()
        },
        "productDesc",
        "not_blank",
    );
    for (bad, c) in [("a\\b", '\\'), ("say \"hi\"", '"'), ("kid's", '\'')] {
        let e = err(&MakePaymentRequest {
            product_desc: bad.into(),
            ..make()
        });
        assert_eq!(e.rule, Rule::ForbiddenChar(c));
    }
    let e = err(&MakePaymentRequest {
        product_desc: "가".repeat(256),
        ..make()
    });
    assert_eq!(e.rule, Rule::MaxLength(255));
    assert_rejects(
        &BillRequest {
            product_desc: "a\\b".into(),
            ..bill()
        },
        "productDesc",
        "forbidden_char",
    );
}

// --- amounts (seed 000 schema Max Length 7; seed 001 §1 amountTaxFree required; seed 002) ---

#[test]
fn amounts_accept_seven_digits_and_parts_within_the_total() {
    MakePaymentRequest {
        amount: 9_999_999,
        ..make()
    }
    .validate()
    .unwrap();
    MakePaymentRequest {
        amount: 1,
        ..make()
    }
    .validate()
    .unwrap();
    MakePaymentRequest {
        amount: 11_000,
        amount_tax_free: Some(1_000),
        amount_taxable: Some(9_091),
        amount_vat: Some(909),
        amount_service_fee: Some(0),
        ..make()
    }
    .validate()
    .unwrap();
}

#[test]
fn amounts_reject_eight_digits_zero_negative_and_missing_tax_free() {
    let e = err(&MakePaymentRequest {
        amount: 10_000_000,
        ..make()
    });
    assert_eq!(
        (e.field.as_str(), e.rule),
        (
            "amount",
            Rule::Range {
                min: 1,
                max: 9_999_999
            }
        )
    );
    assert_rejects(
        &MakePaymentRequest {
            amount: 0,
            ..make()
        },
        "amount",
        "range",
    );
    assert_rejects(
        &MakePaymentRequest {
            amount: -5,
            ..make()
        },
        "amount",
        "range",
    );
    assert_rejects(
        &MakePaymentRequest {
            amount_tax_free: None,
            ..make()
        },
        "amountTaxFree",
        "required",
    );
    assert_rejects(
        &MakePaymentRequest {
            amount_tax_free: Some(-1),
            ..make()
        },
        "amountTaxFree",
        "range",
    );
    assert_rejects(
        &MakePaymentRequest {
            amount_vat: Some(10_000_000),
            ..make()
        },
        "amountVat",
        "range",
    );
    assert_rejects(
        &MakePaymentRequest {
            amount_tax_free: Some(15_001),
            ..make()
        },
        "amountTaxFree",
        "consistency",
    );
    assert_rejects(
        &BillRequest {
            amount_tax_free: None,
            ..bill()
        },
        "amountTaxFree",
        "required",
    );
    assert_rejects(
        &BillRequest {
            amount: 12_345_678,
            ..bill()
        },
        "amount",
        "range",
    );
}

#[test]
fn missing_tax_free_in_json_is_a_validation_error_not_a_parse_error() {
    let r: MakePaymentRequest = serde_json::from_str(
        r#"{"orderNo":"o1","productDesc":"d","amount":10,"isTestPayment":true}"#,
    )
    .unwrap();
    assert_rejects(&r, "amountTaxFree", "required");
}

// --- enum fields ---

#[test]
fn enum_fields_accept_documented_values() {
    for o in CashReceiptTradeOption::KNOWN {
        MakePaymentRequest {
            cash_receipt_trade_option: Some(o.clone()),
            ..make()
        }
        .validate()
        .unwrap();
        BillRequest {
            cash_receipt_trade_option: Some(o.clone()),
            ..bill()
        }
        .validate()
        .unwrap();
    }
    for i in Installment::KNOWN {
        MakePaymentRequest {
            installment: Some(i.clone()),
            ..make()
        }
        .validate()
        .unwrap();
    }
    // enablePayMethods: any value is allowed ("그 외의 값" = store default), only its length is limited.
    MakePaymentRequest {
        enable_pay_methods: Some(PayMethod::from("SOMETHING")),
        ..make()
    }
    .validate()
    .unwrap();
}

#[test]
fn enum_fields_reject_undocumented_values() {
    assert_rejects(
        &MakePaymentRequest {
            cash_receipt_trade_option: Some("FOOD".into()),
            ..make()
        },
        "cashReceiptTradeOption",
        "unknown_value",
    );
    assert_rejects(
        &MakePaymentRequest {
            installment: Some("MAYBE".into()),
            ..make()
        },
        "installment",
        "unknown_value",
    );
    assert_rejects(
        &BillRequest {
            cash_receipt_trade_option: Some("general".into()),
            ..bill()
        },
        "cashReceiptTradeOption",
        "unknown_value",
    );
    assert_rejects(
        &MakePaymentRequest {
            enable_pay_methods: Some(PayMethod::from("X".repeat(101))),
            ..make()
        },
        "enablePayMethods",
        "max_length",
    );
}

// --- spreadOut (seed 002) ---

#[test]
fn spread_out_accepts_0_to_12() {
    for s in [0, 1, 7, 12] {
        BillRequest {
            spread_out: Some(s),
            ..bill()
        }
        .validate()
        .unwrap();
    }
}

#[test]
fn spread_out_rejects_outside_0_to_12() {
    for s in [-1, 13, 36] {
        let e = err(&BillRequest {
            spread_out: Some(s),
            ..bill()
        });
        assert_eq!(
            (e.field.as_str(), e.rule),
            ("spreadOut", Rule::Range { min: 0, max: 12 })
        );
    }
}

// --- billing keys (seed 002 maxLen) ---

#[test]
fn billing_keys_are_required_and_bounded() {
    bill().validate().unwrap();
    assert_rejects(
        &BillRequest {
            api_key: String::new(),
            ..bill()
        },
        "apiKey",
        "not_blank",
    );
    assert_rejects(
        &BillRequest {
            api_key: "k".repeat(31),
            ..bill()
        },
        "apiKey",
        "max_length",
    );
    assert_rejects(
        &BillRequest {
            billing_key: " ".into(),
            ..bill()
        },
        "billingKey",
        "not_blank",
    );
    assert_rejects(
        &BillRequest {
            billing_key: "k".repeat(51),
            ..bill()
        },
        "billingKey",
        "max_length",
    );
    BillRequest {
        billing_key: "k".repeat(50),
        api_key: "k".repeat(30),
        ..bill()
    }
    .validate()
    .unwrap();
}

// --- refund reason (seed 001 §4, seed 000 schema Max Length 55) ---

fn refund(reason: Option<&str>) -> RefundPaymentRequest {
    RefundPaymentRequest {
        pay_token: "tok".into(),
        reason: reason.map(Into::into),
        is_test_payment: true,
    }
}

#[test]
fn refund_reason_accepts_documented_characters() {
    for ok in [
        "고객요청",
        "단순변심",
        "order_1-2:3.4^5@6(7)[8]#9/!%?&",
        "ㅋㅋ",
        &"가".repeat(55),
    ] {
        refund(Some(ok))
            .validate()
            .unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        RefundRequest {
            reason: ok.to_string(),
        }
        .validate()
        .unwrap();
    }
}

#[test]
fn refund_reason_rejects_missing_long_and_other_characters() {
    assert_rejects(&refund(None), "reason", "required");
    assert_rejects(&refund(Some("")), "reason", "not_blank");
    assert_rejects(&refund(Some(&"가".repeat(56))), "reason", "max_length");
    for bad in [
        "고객 요청",
        "a,b",
        "a*b",
        "a'b",
        "a\"b",
        "a=b",
        "a~b",
        "日本",
        "😀",
    ] {
        assert_rejects(&refund(Some(bad)), "reason", "charset");
        assert_rejects(&RefundRequest { reason: bad.into() }, "reason", "charset");
    }
}

// --- payToken (seed 000 schema Max Length 30) ---

#[test]
fn pay_token_is_required_and_bounded() {
    ExecutePaymentRequest {
        pay_token: "t".repeat(30),
        order_no: None,
        is_test_payment: false,
    }
    .validate()
    .unwrap();
    assert_rejects(
        &ExecutePaymentRequest {
            pay_token: String::new(),
            order_no: None,
            is_test_payment: false,
        },
        "payToken",
        "not_blank",
    );
    assert_rejects(
        &ExecutePaymentRequest {
            pay_token: "t".repeat(31),
            order_no: None,
            is_test_payment: false,
        },
        "payToken",
        "max_length",
    );
    assert_rejects(
        &RefundPaymentRequest {
            pay_token: String::new(),
            ..refund(Some("x"))
        },
        "payToken",
        "not_blank",
    );
}

// --- get-payment-status: one of payToken / orderNo (seed 000 schema) ---

#[test]
fn payment_status_needs_one_of_token_and_order_no() {
    GetPaymentStatusRequest {
        pay_token: Some("t".into()),
        order_no: None,
        is_test_payment: true,
    }
    .validate()
    .unwrap();
    GetPaymentStatusRequest {
        pay_token: None,
        order_no: Some("o-1".into()),
        is_test_payment: true,
    }
    .validate()
    .unwrap();
    assert_rejects(
        &GetPaymentStatusRequest {
            pay_token: None,
            order_no: None,
            is_test_payment: true,
        },
        "payToken",
        "one_of_required",
    );
    assert_rejects(
        &GetPaymentStatusRequest {
            pay_token: None,
            order_no: Some("o 1".into()),
            is_test_payment: true,
        },
        "orderNo",
        "charset",
    );
}

// --- IAP orderId (seed 000: uuid) ---

#[test]
fn order_id_must_be_a_uuid() {
    for ok in [
        "13c9a1ff-2baa-4495-bbfa-a0826ba8c7c0",
        "0190A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B",
    ] {
        GetOrderStatusRequest {
            order_id: ok.into(),
        }
        .validate()
        .unwrap();
    }
    assert_rejects(
        &GetOrderStatusRequest {
            order_id: String::new(),
        },
        "orderId",
        "not_blank",
    );
    for bad in [
        "order-1",
        "13c9a1ff2baa4495bbfaa0826ba8c7c0",
        "13c9a1ff-2baa-4495-bbfa-a0826ba8c7cg",
    ] {
        assert_rejects(
            &GetOrderStatusRequest {
                order_id: bad.into(),
            },
            "orderId",
            "format",
        );
    }
}

// --- login, promotions, messages ---

#[test]
fn login_requests_need_their_tokens() {
    GenerateTokenRequest {
        authorization_code: "code".into(),
        referrer: "DEFAULT".into(),
    }
    .validate()
    .unwrap();
    assert_rejects(
        &GenerateTokenRequest {
            authorization_code: " ".into(),
            referrer: "DEFAULT".into(),
        },
        "authorizationCode",
        "not_blank",
    );
    assert_rejects(
        &GenerateTokenRequest {
            authorization_code: "c".into(),
            referrer: String::new(),
        },
        "referrer",
        "not_blank",
    );
    RefreshTokenRequest {
        refresh_token: "r".into(),
    }
    .validate()
    .unwrap();
    assert_rejects(
        &RefreshTokenRequest {
            refresh_token: String::new(),
        },
        "refreshToken",
        "not_blank",
    );
    RemoveByUserKeyRequest {
        user_key: 443_731_104,
    }
    .validate()
    .unwrap();
    assert_rejects(&RemoveByUserKeyRequest { user_key: 0 }, "userKey", "range");
}

#[test]
fn promotion_requests_need_code_key_and_positive_amount() {
    let ok = ExecutePromotionRequest {
        promotion_code: "PROMO".into(),
        key: "k".into(),
        amount: 10,
    };
    ok.validate().unwrap();
    assert_rejects(
        &ExecutePromotionRequest {
            promotion_code: String::new(),
            ..ok.clone()
        },
        "promotionCode",
        "not_blank",
    );
    assert_rejects(
        &ExecutePromotionRequest {
            key: String::new(),
            ..ok.clone()
        },
        "key",
        "not_blank",
    );
    assert_rejects(
        &ExecutePromotionRequest {
            amount: 0,
            ..ok.clone()
        },
        "amount",
        "range",
    );
    PromotionExecutionResultRequest {
        promotion_code: "PROMO".into(),
        key: "k".into(),
    }
    .validate()
    .unwrap();
    assert_rejects(
        &PromotionExecutionResultRequest {
            promotion_code: "PROMO".into(),
            key: String::new(),
        },
        "key",
        "not_blank",
    );
}

#[test]
fn send_message_needs_a_template() {
    let mut context = BTreeMap::new();
    context.insert("storeName".to_string(), "토스증권".to_string());
    SendMessageRequest {
        template_set_code: "test_01".into(),
        context: context.clone(),
    }
    .validate()
    .unwrap();
    assert_rejects(
        &SendMessageRequest {
            template_set_code: String::new(),
            context,
        },
        "templateSetCode",
        "not_blank",
    );
    // `context` is required on the wire.
    assert!(serde_json::from_str::<SendMessageRequest>(r#"{"templateSetCode":"t"}"#).is_err());
}

// --- partner contract ---

#[test]
fn partner_requests_validate() {
    LoginRequest {
        authorization_code: "c".into(),
        referrer: "DEFAULT".into(),
    }
    .validate()
    .unwrap();
    assert_rejects(
        &LoginRequest {
            authorization_code: String::new(),
            referrer: "r".into(),
        },
        "authorizationCode",
        "not_blank",
    );

    let order = CartOrder {
        items: vec![CartItem {
            sku: "cat-food".into(),
            quantity: 2,
        }],
    };
    let create = CreatePaymentRequest {
        order: order.clone(),
        idempotency_key: "k-1".into(),
    };
    create.validate().unwrap();
    assert_rejects(
        &CreatePaymentRequest {
            idempotency_key: String::new(),
            ..create.clone()
        },
        "idempotencyKey",
        "not_blank",
    );
    assert_rejects(
        &CreatePaymentRequest {
            idempotency_key: "k".repeat(129),
            ..create.clone()
        },
        "idempotencyKey",
        "max_length",
    );
    assert_rejects(
        &CreatePaymentRequest {
            order: CartOrder::default(),
            ..create.clone()
        },
        "order.items",
        "required",
    );
    assert_rejects(
        &CreatePaymentRequest {
            order: CartOrder {
                items: vec![CartItem {
                    sku: "a".into(),
                    quantity: 0,
                }],
            },
            ..create.clone()
        },
        "order.items[0].quantity",
        "range",
    );

    GrantRequest {
        order_id: "o".into(),
        sku: "s".into(),
    }
    .validate()
    .unwrap();
    assert_rejects(
        &GrantRequest {
            order_id: String::new(),
            sku: "s".into(),
        },
        "orderId",
        "not_blank",
    );
    assert_rejects(
        &GrantRequest {
            order_id: "o".into(),
            sku: " ".into(),
        },
        "sku",
        "not_blank",
    );

    let sync = SyncRequest {
        orders: vec![HistoryOrder {
            order_id: "o".into(),
            sku: "s".into(),
            status: "REFUNDED".into(),
            date: None,
        }],
    };
    sync.validate().unwrap();
    let bad = SyncRequest {
        orders: vec![HistoryOrder {
            order_id: String::new(),
            sku: "s".into(),
            status: "COMPLETED".into(),
            date: None,
        }],
    };
    assert_rejects(&bad, "orders[0].orderId", "not_blank");
}

#[test]
fn validation_error_display_names_field_and_rule() {
    let e = err(&MakePaymentRequest {
        order_no: "a~b".into(),
        ..make()
    });
    let s = e.to_string();
    assert!(s.contains("orderNo") && s.contains("charset"), "{s}");
}
