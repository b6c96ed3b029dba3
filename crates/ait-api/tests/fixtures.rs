//! Every JSON example of the seeds parses into its type and serialises back to the same JSON.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use ait_api::billing::{BillRequest, BillResponse};
use ait_api::iap::{GetOrderStatusRequest, OrderStatus, OrderStatusResponse};
use ait_api::tosspay::{
    ExecutePaymentRequest, ExecutePaymentResponse, GetPaymentStatusRequest, MakePaymentRequest,
    MakePaymentResponse, PaymentStatusResponse, RefundPaymentResponse,
};
use ait_api::{Envelope, ErrorCode, PayMethod, ResultType, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(name: &str) -> String {
    fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Drops `null` members of objects, recursively: `None` fields are skipped on output.
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Parses `name` as `T`, serialises it, and checks the JSON is unchanged.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = load(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: parse: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        strip_nulls(back),
        strip_nulls(original),
        "{name}: round trip changed the JSON"
    );
    parsed
}

/// Which type each fixture is; also ensures no fixture is left untested.
fn check(name: &str) {
    let base = name.split('.').take(2).collect::<Vec<_>>().join(".");
    match base.as_str() {
        "envelope.success" => {
            let e: Envelope<BTreeMap<String, String>> = round_trip(name);
            assert_eq!(e.into_result().unwrap()["sample"], "data");
        }
        "envelope.fail" => {
            let e: Envelope<BTreeMap<String, String>> = round_trip(name);
            assert_eq!(e.result_type, ResultType::Fail);
            assert_eq!(
                e.error.as_ref().unwrap().error_code,
                ErrorCode::InvalidParameter
            );
            assert!(e.into_result().is_err());
        }
        "make-payment.request" => {
            let r: MakePaymentRequest = round_trip(name);
            r.validate().unwrap();
        }
        "make-payment.response" => {
            let e: Envelope<MakePaymentResponse> = round_trip(name);
            assert_eq!(e.into_result().unwrap().pay_token, "string");
        }
        "execute-payment.request" => {
            let r: ExecutePaymentRequest = round_trip(name);
            r.validate().unwrap();
        }
        "execute-payment.response" => {
            let e: Envelope<ExecutePaymentResponse> = round_trip(name);
            let s = e.into_result().unwrap();
            assert_eq!(s.pay_method, Some(PayMethod::TossMoney));
            assert_eq!(
                s.account_bank_code.as_ref().and_then(|b| b.name_ko()),
                Some("토스뱅크")
            );
        }
        "refund-payment.response" => {
            let e: Envelope<RefundPaymentResponse> = round_trip(name);
            assert_eq!(e.into_result().unwrap().refunded_amount, Some(0));
        }
        "get-payment-status.response" => {
            let e: Envelope<PaymentStatusResponse> = round_trip(name);
            let s = e.into_result().unwrap();
            assert!(
                !s.pay_status.unwrap().is_known(),
                "placeholder \"string\" is Other"
            );
            assert_eq!(s.transactions.unwrap().len(), 1);
            assert_eq!(s.card.unwrap().no_interest.unwrap().as_bool(), Some(true));
        }
        "get-order-status.request" => {
            let r: GetOrderStatusRequest = round_trip(name);
            r.validate().unwrap();
        }
        "get-order-status.response" => {
            let e: Envelope<OrderStatusResponse> = round_trip(name);
            assert_eq!(
                e.into_result().unwrap().status,
                Some(OrderStatus::PaymentCompleted)
            );
        }
        "billing-key-bill.request" => {
            let r: BillRequest = round_trip(name);
            r.validate().unwrap();
        }
        "billing-key-bill.response" => {
            let r: BillResponse = round_trip(name);
            assert!(r.is_success());
            assert_eq!(r.amount.as_ref().unwrap().as_i64(), Some(150_000));
            if r.pay_method == Some(PayMethod::Card) {
                assert_eq!(r.card_company(), Some(ait_api::CardCompany::Lotte));
            } else {
                let bank = r.account_bank_code.unwrap();
                assert_eq!(
                    ait_api::BankCode::parse_lenient(bank.as_str()),
                    ait_api::BankCode::Shinhan
                );
            }
        }
        other => panic!("fixture {name}: no type registered for {other:?}"),
    }
}

#[test]
fn every_fixture_round_trips() {
    let mut names: Vec<String> = fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 19,
        "expected every seed example, found {}",
        names.len()
    );
    for name in &names {
        check(name);
    }
}

#[test]
fn status_request_from_the_seed_fields_validates() {
    // Seed 001 §5 has no JSON example for the request; build it from its table.
    let r = GetPaymentStatusRequest {
        pay_token: Some("O1NZck9XME8ureeVJVJP67".into()),
        order_no: Some("20250417-2".into()),
        is_test_payment: true,
    };
    r.validate().unwrap();
}
