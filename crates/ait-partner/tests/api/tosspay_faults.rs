//! Execute when Toss misbehaves: a lost reply, 5xx before and after the commit, a late reply, an unknown
//! outcome settled later by the status call or by the reconciler.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

/// A logged-in browser and an approved payment.
async fn approved(env: &Env) -> (Browser, String) {
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k").await;
    env.approve(&p["payToken"]);
    (b, p["orderNo"].as_str().unwrap().to_string())
}

fn assert_receipt(r: &Value, order_no: &str) {
    assert_eq!(r["orderNo"], order_no, "{r}");
    assert_eq!(r["amount"], 12000, "{r}");
    assert!(
        r["transactionId"].is_string() && r["approvalTime"].is_string(),
        "{r}"
    );
}

#[tokio::test]
async fn a_lost_reply_is_settled_from_the_payment_status() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    // execute-payment runs at Toss, then the connection closes without a reply.
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    let (s, receipt) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_receipt(&receipt, &order_no);
    assert_eq!(env.ctl().calls("execute-payment"), 1);
    assert!(env.ctl().calls("get-payment-status") >= 1);
    // The receipt came from get-payment-status: the same transaction Toss recorded.
    let pay_token = receipt["payToken"].as_str().unwrap();
    let at_toss = env.ctl().payment(pay_token).unwrap();
    assert_eq!(
        at_toss["transactions"][0]["transactionId"],
        receipt["transactionId"]
    );
    assert_eq!(env.payment_state(&order_no), "PAID");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM payment_events WHERE kind = 'execute_unknown'"),
        1
    );

    // Executing again: the same receipt, no second execute-payment.
    let (_, again) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(again, receipt);
    assert_eq!(env.ctl().calls("execute-payment"), 1);
}

#[tokio::test]
async fn a_5xx_after_the_commit_is_settled_from_the_payment_status() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    env.fault(json!({"endpoint": "execute-payment", "kind": "http5xx", "status": 502, "afterCommit": true}));
    let (s, receipt) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_receipt(&receipt, &order_no);
}

#[tokio::test]
async fn a_5xx_before_the_commit_is_unknown_then_settled_by_a_retry_or_the_reconciler() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");

    // 500 without executing: the status says approved, which cannot tell "not executed" from "executing".
    env.fault(json!({"endpoint": "execute-payment", "kind": "http5xx"}));
    let got = b.post(&path, json!({})).await;
    assert_error(&got, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    assert_eq!(env.payment_state(&order_no), "EXECUTING");

    // The reconciler finishes it (Toss executes a payToken once).
    let looked_at = env.reconcile().await;
    assert_eq!(looked_at, 1);
    assert_eq!(env.payment_state(&order_no), "PAID");
    assert_eq!(env.ctl().calls("execute-payment"), 2);

    let (s, receipt) = b.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_receipt(&receipt, &order_no);
    assert_eq!(
        env.ctl().calls("execute-payment"),
        2,
        "the stored receipt answers"
    );
    assert_eq!(
        env.reconcile().await,
        0
    );
}

#[tokio::test]
async fn a_retry_after_an_unknown_outcome_gets_the_receipt() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");
    // Executed at Toss, reply lost, and the status call fails too: nobody knows yet.
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503}));
    assert_error(
        &b.post(&path, json!({})).await,
        504,
        "PAYMENT_OUTCOME_UNKNOWN",
        true,
    );
    assert_eq!(env.payment_state(&order_no), "EXECUTING");

    // A retry: Toss refuses a second execute, the status shows it paid → the receipt.
    let (s, receipt) = b.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_receipt(&receipt, &order_no);
    assert_eq!(env.payment_state(&order_no), "PAID");
}

#[tokio::test]
async fn the_status_call_reconciles_an_unknown_outcome() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "fail", "errorCode": "INTERNAL_ERROR", "resultType": "INTERNAL_ERROR", "status": 500}));
    assert_error(
        &b.post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
            .await,
        504,
        "PAYMENT_OUTCOME_UNKNOWN",
        true,
    );

    let (s, st) = b.get(&format!("/tosspay/payments/{order_no}")).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["status"], "PAY_COMPLETE");
    assert_receipt(&st["receipt"], &order_no);
    assert_eq!(env.payment_state(&order_no), "PAID");
    assert_eq!(env.ctl().calls("execute-payment"), 1);
}

#[tokio::test]
async fn a_late_reply_times_out_and_the_payment_still_settles() {
    let env = Env::with(|c| c.toss.timeout_ms = 400).await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");
    // Toss answers execute-payment long after our deadline (and executes then).
    env.fault(json!({"endpoint": "execute-payment", "kind": "latency", "ms": 3000}));
    let first = b.post(&path, json!({})).await;
    match first.0.as_u16() {
        504 => assert_error(&first, 504, "PAYMENT_OUTCOME_UNKNOWN", true),
        200 => assert_receipt(&first.1, &order_no),
        _ => panic!("unexpected {first:?}"),
    }
    // Retrying settles it whichever of the two execute calls lands first.
    let mut receipt = None;
    for _ in 0..50 {
        let (s, r) = b.post(&path, json!({})).await;
        if s == StatusCode::OK {
            receipt = Some(r);
            break;
        }
        assert_error(&(s, r), 504, "PAYMENT_OUTCOME_UNKNOWN", true);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let receipt = receipt.expect("settled within the retries");
    assert_receipt(&receipt, &order_no);
    let at_toss = env
        .ctl()
        .payment(receipt["payToken"].as_str().unwrap())
        .unwrap();
    assert_eq!(at_toss["payStatus"], "PAY_COMPLETE");
    assert_eq!(
        at_toss["transactions"].as_array().unwrap().len(),
        1,
        "executed once"
    );
}

#[tokio::test]
async fn the_background_reconciler_settles_payments_left_executing() {
    let env = Env::with(|c| c.reconcile_interval_secs = 1).await;
    let (b, order_no) = approved(&env).await;
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx"}));
    assert_error(
        &b.post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
            .await,
        504,
        "PAYMENT_OUTCOME_UNKNOWN",
        true,
    );
    // Nobody calls us again; the reconciler settles it from get-payment-status.
    for _ in 0..100 {
        if env.payment_state(&order_no) == "PAID" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(env.payment_state(&order_no), "PAID");
    assert_eq!(env.ctl().calls("execute-payment"), 1);
}

#[tokio::test]
async fn a_decided_failure_is_relayed_with_its_retryability() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    env.fault(json!({"endpoint": "execute-payment", "kind": "fail", "errorCode": "COMMON_BREAK_TIME_OF_BANK"}));
    let got = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_error(&got, 502, "TOSS_API_FAILED", true);
    assert_eq!(
        got.1["error"]["toss"]["errorCode"],
        "COMMON_BREAK_TIME_OF_BANK"
    );
    assert_eq!(env.payment_state(&order_no), "CREATED");
    let (s, r) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
}

#[tokio::test]
async fn a_lost_make_payment_reply_is_recovered_with_the_same_key() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    env.fault(json!({"endpoint": "make-payment", "kind": "drop"}));
    let body =
        json!({"order": {"items": [{"sku": "beans_200g", "quantity": 1}]}, "idempotencyKey": "k"});
    assert_error(
        &b.post("/tosspay/payments", body.clone()).await,
        503,
        "TOSS_UNREACHABLE",
        true,
    );
    // The retry finds the payment Toss made (PAYMENT_EXISTING_PAYMENT → get-payment-status → payToken).
    let (s, p) = b.post("/tosspay/payments", body).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let at_toss = env.ctl().payment(p["payToken"].as_str().unwrap()).unwrap();
    assert_eq!(at_toss["orderNo"], p["orderNo"]);
    assert_eq!(env.ctl().calls("make-payment"), 2);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn a_lost_refund_reply_is_settled_from_the_payment_status() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}");
    assert_eq!(
        b.post(&format!("{path}/execute"), json!({})).await.0,
        StatusCode::OK
    );
    env.fault(json!({"endpoint": "refund-payment", "kind": "drop"}));
    let (s, refund) = b
        .post(&format!("{path}/refund"), json!({"reason": "고객요청"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{refund}");
    assert_eq!(refund["refundedAmount"], 12000);
    assert!(refund["transactionId"].is_string());
    assert_eq!(env.payment_state(&order_no), "REFUNDED");
    assert_eq!(
        b.post(&format!("{path}/refund"), json!({"reason": "고객요청"}))
            .await
            .1,
        refund
    );
    assert_eq!(env.ctl().calls("refund-payment"), 1);
}
