//! What an outside review broke, reproduced (each failed before the fix): a payment or refund whose outcome is
//! unknown never becomes a final failure and is settled by the reconciler on its own; grants of orders still in
//! progress are provisional and are confirmed or revoked by Toss's later word; polls and concurrent grants are
//! coalesced instead of each calling Toss.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

async fn approved(env: &Env) -> (Browser, String) {
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k").await;
    env.approve(&p["payToken"]);
    (b, p["orderNo"].as_str().unwrap().to_string())
}

async fn paid(env: &Env) -> (Browser, String) {
    let (b, order_no) = approved(env).await;
    let (s, r) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    (b, order_no)
}

fn pay_status_at_toss(env: &Env, order_no: &str) -> Value {
    let state = env.ctl().dump();
    state["state"]["payments"]
        .as_object()
        .unwrap()
        .values()
        .find(|p| p["orderNo"] == order_no)
        .cloned()
        .unwrap_or_else(|| panic!("no payment {order_no} at the sandbox: {state}"))
}

#[tokio::test]
async fn already_executed_with_the_status_unknown_is_outcome_unknown_never_a_failure() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");
    // Executed at Toss, reply lost; the status lookup fails twice.
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503, "times": 2}));
    assert_error(&b.post(&path, json!({})).await, 504, "PAYMENT_OUTCOME_UNKNOWN", true);

    // The page retries: Toss answers PAYMENT_ALREADY_EXECUTED and the status lookup fails again.
    let retry = b.post(&path, json!({})).await;
    assert_error(&retry, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    assert_eq!(env.payment_state(&order_no), "EXECUTING", "a payment that may have executed never goes back");
    assert_eq!(env.ctl().calls("execute-payment"), 2);

    // The reconciler settles it on its own; then the page's retry gets the receipt without another execute.
    assert_eq!(env.reconcile().await, 1);
    assert_eq!(env.payment_state(&order_no), "PAID");
    let (s, receipt) = b.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["orderNo"], order_no.as_str());
    assert_eq!(env.ctl().calls("execute-payment"), 2);
    assert_eq!(pay_status_at_toss(&env, &order_no)["transactions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn already_executed_means_paid_and_fetches_the_receipt() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503}));
    assert_error(&b.post(&path, json!({})).await, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    // Retry: refused as already executed, the status answers → the receipt.
    let (s, receipt) = b.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_eq!(env.payment_state(&order_no), "PAID");
}

#[tokio::test]
async fn a_refused_first_execute_of_an_unexecuted_payment_is_a_typed_failure() {
    let env = Env::new().await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");
    env.fault(json!({"endpoint": "execute-payment", "kind": "fail", "errorCode": "COMMON_BREAK_TIME_OF_BANK"}));
    let got = b.post(&path, json!({})).await;
    assert_error(&got, 502, "TOSS_API_FAILED", true);
    assert_eq!(env.payment_state(&order_no), "CREATED", "Toss reports it approved, not executed");
    let (s, _) = b.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_refund_whose_outcome_is_lost_is_settled_by_the_reconciler_after_a_restart() {
    let mut env = Env::with(|c| c.page_refunds = true).await;
    let (b, order_no) = paid(&env).await;
    // Refunded at Toss, the reply lost, the status unavailable: the refund's outcome is unknown.
    env.fault(json!({"endpoint": "refund-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503}));
    let got = b
        .post(&format!("/tosspay/payments/{order_no}/refund"), json!({"reason": "고객요청"}))
        .await;
    assert_error(&got, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    assert_eq!(env.payment_state(&order_no), "REFUNDING");
    assert_eq!(pay_status_at_toss(&env, &order_no)["payStatus"], "REFUND_SUCCESS");

    // The process dies (a restart on the same database): the reconciler finds the refund and settles it.
    env.restart().await;
    assert_eq!(env.reconcile().await, 1);
    assert_eq!(env.payment_state(&order_no), "REFUNDED");
    assert_eq!(env.ctl().calls("refund-payment"), 1, "settled from the status, not refunded twice");
    let b = env.logged_in(USER).await;
    let (s, r) = b
        .post(&format!("/tosspay/payments/{order_no}/refund"), json!({"reason": "고객요청"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["refundedAmount"], 12000);
}

#[tokio::test]
async fn a_refund_that_never_reached_toss_is_finished_by_the_reconciler() {
    let env = Env::with(|c| c.page_refunds = true).await;
    let (b, order_no) = paid(&env).await;
    // A 5xx before Toss handled it, and no status: unknown to us; Toss still reports the payment paid.
    env.fault(json!({"endpoint": "refund-payment", "kind": "http5xx", "status": 500}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503}));
    let got = b
        .post(&format!("/tosspay/payments/{order_no}/refund"), json!({"reason": "고객요청"}))
        .await;
    assert_error(&got, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    assert_eq!(env.payment_state(&order_no), "REFUNDING");
    assert_eq!(pay_status_at_toss(&env, &order_no)["payStatus"], "PAY_COMPLETE");
    // The refund was asked for: the reconciler finishes it (Toss refunds once).
    env.reconcile().await;
    assert_eq!(env.payment_state(&order_no), "REFUNDED");
    assert_eq!(pay_status_at_toss(&env, &order_no)["payStatus"], "REFUND_SUCCESS");
}

#[tokio::test]
async fn status_polls_are_coalesced() {
    let env = Env::new().await;
    let (b, order_no) = paid(&env).await;
    let before = env.ctl().calls("get-payment-status");
    let polls: Vec<_> = (0..20)
        .map(|_| {
            let (b, path) = (b.clone(), format!("/tosspay/payments/{order_no}"));
            tokio::spawn(async move { b.get(&path).await })
        })
        .collect();
    for p in polls {
        let (s, st) = p.await.unwrap();
        assert_eq!(s, StatusCode::OK, "{st}");
        assert_eq!(st["status"], "PAY_COMPLETE");
    }
    let calls = env.ctl().calls("get-payment-status") - before;
    assert!((1..=3).contains(&calls), "20 concurrent polls made {calls} Toss calls");
}

// ------------------------------------------------------------------------------------------------ grants

fn grant(order_id: &str, sku: &str) -> Value {
    json!({"orderId": order_id, "sku": sku})
}

/// An order the user started and Toss reports ORDER_IN_PROGRESS; `charged`: the store charge went through.
fn in_progress_order(env: &Env, sku: &str, charged: bool) -> String {
    env.ctl()
        .create_order(&USER.to_string(), sku, None, charged)
        .unwrap()
        .order_id
}

async fn entitlement(b: &Browser, order_id: &str) -> Option<Value> {
    let (s, owned) = b.get("/iap/entitlements").await;
    assert_eq!(s, StatusCode::OK, "{owned}");
    owned
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["orderId"] == order_id)
        .cloned()
}

#[tokio::test]
async fn a_grant_of_an_order_in_progress_is_provisional_and_revoked_by_sync_when_it_fails() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let order_id = in_progress_order(&env, "gem_100", false);
    let (s, r) = b.post("/iap/grants", grant(&order_id, "gem_100")).await;
    assert_eq!((s, &r), (StatusCode::OK, &json!({"granted": true})));
    assert_eq!(entitlement(&b, &order_id).await.unwrap()["provisional"], true);

    // The order fails at Toss (never charged): any sync revokes it, listed or not.
    env.ctl().decide_order(&order_id, "FAILED").unwrap();
    let (s, r) = b.post("/iap/sync", json!({"orders": []})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r, json!({"revoked": [{"orderId": order_id, "sku": "gem_100"}]}));
    assert_eq!(entitlement(&b, &order_id).await, None);
    assert_eq!(env.count("SELECT COUNT(*) FROM grants WHERE revoke_reason = 'FAILED'"), 1);
    assert_error(&b.post("/iap/grants", grant(&order_id, "gem_100")).await, 409, "ORDER_NOT_PAID", false);
}

#[tokio::test]
async fn the_reconciler_confirms_or_revokes_provisional_grants_on_its_own() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let completes = in_progress_order(&env, "gem_100", true);
    let fails = in_progress_order(&env, "gem_500", false);
    let waits = in_progress_order(&env, "remove_ads", true);
    for (o, sku) in [(&completes, "gem_100"), (&fails, "gem_500"), (&waits, "remove_ads")] {
        assert_eq!(b.post("/iap/grants", grant(o, sku)).await.0, StatusCode::OK);
    }
    env.ctl().decide_order(&completes, "PAYMENT_COMPLETED").unwrap();
    env.ctl().decide_order(&fails, "FAILED").unwrap();

    assert_eq!(env.reconcile().await, 3);
    assert_eq!(entitlement(&b, &completes).await.unwrap()["provisional"], false);
    assert_eq!(entitlement(&b, &fails).await, None);
    assert_eq!(entitlement(&b, &waits).await.unwrap()["provisional"], true, "still in progress at Toss");
    // Only the one still in progress is looked at next time.
    assert_eq!(env.reconcile().await, 1);
}

#[tokio::test]
async fn a_grant_of_a_completed_order_is_confirmed_at_once() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let order_id = in_progress_order(&env, "gem_100", true);
    env.ctl().decide_order(&order_id, "PURCHASED").unwrap();
    assert_eq!(b.post("/iap/grants", grant(&order_id, "gem_100")).await.0, StatusCode::OK);
    assert_eq!(entitlement(&b, &order_id).await.unwrap()["provisional"], false);
    assert_eq!(env.reconcile().await, 0);
}

#[tokio::test]
async fn fifty_concurrent_grants_of_one_order_make_one_toss_call() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let order_id = env.paid_order(USER, "gem_500");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (b, body) = (b.clone(), grant(&order_id, "gem_500"));
            tokio::spawn(async move { b.post("/iap/grants", body).await })
        })
        .collect();
    for t in tasks {
        let (s, r) = t.await.unwrap();
        assert_eq!((s, &r), (StatusCode::OK, &json!({"granted": true})));
    }
    assert_eq!(env.ctl().calls("order/get-order-status"), 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM grants"), 1);
}

/// A lost execute (a 5xx before Toss handled it, the status unavailable), then a retry Toss refuses while it
/// reports the payment approved: within the grace the lost call may still land, after it the refusal is final.
async fn refused_retry_after_a_lost_execute(grace_secs: u64) -> (Env, Browser, String, (StatusCode, Value)) {
    let env = Env::with(|c| c.in_flight_grace_secs = grace_secs).await;
    let (b, order_no) = approved(&env).await;
    let path = format!("/tosspay/payments/{order_no}/execute");
    env.fault(json!({"endpoint": "execute-payment", "kind": "http5xx", "status": 500}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503}));
    assert_error(&b.post(&path, json!({})).await, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    env.fault(json!({"endpoint": "execute-payment", "kind": "fail", "errorCode": "INVALID_PARAMETER"}));
    let retry = b.post(&path, json!({})).await;
    (env, b, order_no, retry)
}

#[tokio::test]
async fn a_refused_retry_within_the_grace_leaves_the_lost_execute_to_the_reconciler() {
    let (env, _b, order_no, retry) = refused_retry_after_a_lost_execute(3600).await;
    assert_error(&retry, 504, "PAYMENT_OUTCOME_UNKNOWN", true);
    assert_eq!(env.payment_state(&order_no), "EXECUTING");
    // The execute gave its claim back before it answered, so the reconciler that runs next is not skipped.
    assert_eq!(env.count("SELECT COUNT(*) FROM payments WHERE claim_holder IS NOT NULL"), 0);
    // The reconciler finishes it: Toss reports it approved, so it executes it once.
    env.reconcile().await;
    assert_eq!(env.payment_state(&order_no), "PAID");
    assert_eq!(pay_status_at_toss(&env, &order_no)["transactions"].as_array().unwrap().len(), 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments WHERE claim_holder IS NOT NULL"), 0, "the reconciler's too");
}

#[tokio::test]
async fn a_refused_retry_after_the_grace_is_a_final_answer() {
    let (env, _b, order_no, retry) = refused_retry_after_a_lost_execute(0).await;
    assert_error(&retry, 502, "TOSS_API_FAILED", false);
    assert_eq!(env.payment_state(&order_no), "CREATED");
    assert_eq!(env.reconcile().await, 0);
}
