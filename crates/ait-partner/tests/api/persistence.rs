//! Nothing lives only in memory: a new server on the same SQLite file knows the session, the payments and the
//! grants.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_restarted_server_knows_the_session_the_payment_and_the_grant() {
    let mut env = Env::new().await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "restart-key").await;
    env.approve(&p["payToken"]);
    let order_no = p["orderNo"].as_str().unwrap().to_string();
    let (s, receipt) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    let order_id = env.paid_order(USER, "gem_100");
    assert_eq!(
        b.post(
            "/iap/grants",
            json!({"orderId": order_id, "sku": "gem_100"})
        )
        .await
        .0,
        StatusCode::OK
    );

    env.restart().await;
    let b = Browser {
        base: env.server().api_url(),
        ..b
    }; // same cookie jar, new server

    // The session cookie still works (no new login).
    let (s, owned) = b.get("/iap/entitlements").await;
    assert_eq!(s, StatusCode::OK, "{owned}");
    assert_eq!(owned[0]["orderId"], order_id.as_str());
    assert_eq!(env.ctl().calls("generate-token"), 1);

    // The payment: same receipt, no second execute; the same key is the same payment.
    let (s, again) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &receipt));
    assert_eq!(env.ctl().calls("execute-payment"), 1);
    let (_, st) = b.get(&format!("/tosspay/payments/{order_no}")).await;
    assert_eq!(
        (st["status"].as_str(), &st["receipt"]),
        (Some("PAY_COMPLETE"), &receipt)
    );
    assert_eq!(env.create_payment(&b, "restart-key").await, p);
    assert_eq!(env.ctl().calls("make-payment"), 1);

    // The grant: granted once, still.
    assert_eq!(
        b.post(
            "/iap/grants",
            json!({"orderId": order_id, "sku": "gem_100"})
        )
        .await
        .1,
        json!({"granted": true})
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM grants"), 1);
}

#[tokio::test]
async fn a_payment_left_executing_by_a_crash_is_settled_after_the_restart() {
    let mut env = Env::new().await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k").await;
    env.approve(&p["payToken"]);
    let order_no = p["orderNo"].as_str().unwrap().to_string();
    env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    env.fault(json!({"endpoint": "get-payment-status", "kind": "http5xx"}));
    assert_error(
        &b.post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
            .await,
        504,
        "PAYMENT_OUTCOME_UNKNOWN",
        true,
    );

    env.restart().await;
    assert_eq!(env.payment_state(&order_no), "EXECUTING");
    assert_eq!(
        env.reconcile().await,
        1
    );
    assert_eq!(env.payment_state(&order_no), "PAID");
}
