//! IAP: grants (once per order, verified with get-order-status), sync after refunds, entitlements.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn grant(order_id: &str, sku: &str) -> serde_json::Value {
    json!({"orderId": order_id, "sku": sku})
}

#[tokio::test]
async fn a_paid_order_is_granted_once_and_owned() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    // processProductGrant: the store charged, the order waits for the grant (ORDER_IN_PROGRESS, paid).
    let order_id = env.paid_order(USER, "gem_100");
    let (s, r) = b.post("/iap/grants", grant(&order_id, "gem_100")).await;
    assert_eq!((s, &r), (StatusCode::OK, &json!({"granted": true})), "{r}");
    assert_eq!(env.ctl().calls("order/get-order-status"), 1);

    // The SDK reports the grant: the order completes. Granting it again (a restore) is a no-op success.
    env.ctl()
        .decide_order(&order_id, "PAYMENT_COMPLETED")
        .unwrap();
    assert_eq!(
        b.post("/iap/grants", grant(&order_id, "gem_100")).await.1,
        json!({"granted": true})
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM grants"), 1);

    // A completed order (granted elsewhere, e.g. a legacy flow) is grantable too.
    let legacy = env.paid_order(USER, "remove_ads");
    env.ctl().decide_order(&legacy, "PURCHASED").unwrap();
    assert_eq!(
        b.post("/iap/grants", grant(&legacy, "remove_ads")).await.0,
        StatusCode::OK
    );

    let (s, owned) = b.get("/iap/entitlements").await;
    assert_eq!(s, StatusCode::OK);
    let owned = owned.as_array().unwrap().clone();
    assert_eq!(owned.len(), 2, "{owned:?}");
    let gem = owned.iter().find(|e| e["sku"] == "gem_100").unwrap();
    assert_eq!(gem["orderId"], order_id.as_str());
    assert!(gem["grantedAt"].as_str().unwrap().ends_with('Z'));

    // Another user owns nothing.
    let b2 = env.logged_in(OTHER_USER).await;
    assert_eq!(b2.get("/iap/entitlements").await.1, json!([]));
}

#[tokio::test]
async fn concurrent_grants_of_one_order_make_one_grant() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let order_id = env.paid_order(USER, "gem_500");
    let body = grant(&order_id, "gem_500");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (b, body) = (b.clone(), body.clone());
            tokio::spawn(async move { b.post("/iap/grants", body).await })
        })
        .collect();
    for t in tasks {
        let (s, r) = t.await.unwrap();
        assert_eq!((s, &r), (StatusCode::OK, &json!({"granted": true})));
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM grants"), 1);
    assert_eq!(
        b.get("/iap/entitlements").await.1.as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn grants_are_refused_unless_toss_confirms_the_order() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;

    // Unknown order.
    let got = b
        .post(
            "/iap/grants",
            grant("0190a0b0-0000-7000-8000-0000000000ff", "gem_100"),
        )
        .await;
    assert_error(&got, 404, "NOT_FOUND", false);

    // Another user's order (Toss reports NOT_FOUND to us for it).
    let theirs = env.paid_order(OTHER_USER, "gem_100");
    assert_error(
        &b.post("/iap/grants", grant(&theirs, "gem_100")).await,
        404,
        "NOT_FOUND",
        false,
    );

    // Wrong SKU: the order is for gem_100, the page claims gem_500.
    let mine = env.paid_order(USER, "gem_100");
    assert_error(
        &b.post("/iap/grants", grant(&mine, "gem_500")).await,
        409,
        "SKU_MISMATCH",
        false,
    );

    // Another mini-app's product, named as such or passed off as ours.
    let foreign = env.paid_order(USER, "other_app_coins");
    assert_error(
        &b.post("/iap/grants", grant(&foreign, "other_app_coins"))
            .await,
        403,
        "MINIAPP_MISMATCH",
        false,
    );
    assert_error(
        &b.post("/iap/grants", grant(&foreign, "gem_100")).await,
        403,
        "MINIAPP_MISMATCH",
        false,
    );

    // Not paid: the payment failed.
    let failed = env
        .ctl()
        .create_order(&USER.to_string(), "gem_100", None, false)
        .unwrap()
        .order_id;
    env.ctl().decide_order(&failed, "FAILED").unwrap();
    assert_error(
        &b.post("/iap/grants", grant(&failed, "gem_100")).await,
        409,
        "ORDER_NOT_PAID",
        false,
    );

    // Refunded before the grant.
    let refunded = env.paid_order(USER, "gem_100");
    env.ctl()
        .decide_order(&refunded, "PAYMENT_COMPLETED")
        .unwrap();
    env.ctl().refund_order(&refunded).unwrap();
    assert_error(
        &b.post("/iap/grants", grant(&refunded, "gem_100")).await,
        409,
        "ORDER_REFUNDED",
        false,
    );

    // Malformed order id.
    assert_error(
        &b.post("/iap/grants", grant("not-a-uuid", "gem_100")).await,
        400,
        "INVALID_ARGUMENT",
        false,
    );

    // Toss unavailable: retryable, nothing granted.
    env.fault(json!({"endpoint": "order/get-order-status", "kind": "http5xx"}));
    assert_error(
        &b.post("/iap/grants", grant(&mine, "gem_100")).await,
        503,
        "TOSS_UNREACHABLE",
        true,
    );

    assert_eq!(env.count("SELECT COUNT(*) FROM grants"), 0);
    assert_eq!(b.get("/iap/entitlements").await.1, json!([]));
    // The real order still grants.
    assert_eq!(
        b.post("/iap/grants", grant(&mine, "gem_100")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_granted_order_of_another_user_is_not_theirs_to_claim() {
    let env = Env::new().await;
    let owner = env.logged_in(USER).await;
    let order_id = env.paid_order(USER, "premium_theme");
    assert_eq!(
        owner
            .post("/iap/grants", grant(&order_id, "premium_theme"))
            .await
            .0,
        StatusCode::OK
    );
    let other = env.logged_in(OTHER_USER).await;
    assert_error(
        &other
            .post("/iap/grants", grant(&order_id, "premium_theme"))
            .await,
        404,
        "NOT_FOUND",
        false,
    );
    assert_eq!(other.get("/iap/entitlements").await.1, json!([]));
}

#[tokio::test]
async fn sync_revokes_the_grants_of_refunded_orders_only() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let keep = env.paid_order(USER, "gem_100");
    let lose = env.paid_order(USER, "pro_monthly");
    for (o, sku) in [(&keep, "gem_100"), (&lose, "pro_monthly")] {
        assert_eq!(b.post("/iap/grants", grant(o, sku)).await.0, StatusCode::OK);
        env.ctl().decide_order(o, "PAYMENT_COMPLETED").unwrap();
    }
    // The page's claims are not evidence: "REFUNDED" for a completed order revokes nothing.
    let (s, r) = b
        .post(
            "/iap/sync",
            json!({"orders": [{"orderId": keep, "sku": "gem_100", "status": "REFUNDED"}]}),
        )
        .await;
    assert_eq!((s, r), (StatusCode::OK, json!({"revoked": []})));

    // The store refunds one order; sync revokes it even though the page lists it as completed.
    env.ctl().refund_order(&lose).unwrap();
    let history = json!({"orders": [
        {"orderId": keep, "sku": "gem_100", "status": "COMPLETED", "date": "2025-01-01"},
        {"orderId": lose, "sku": "pro_monthly", "status": "COMPLETED"},
        {"orderId": "0190a0b0-0000-7000-8000-0000000000aa", "sku": "gem_500", "status": "REFUNDED"},
    ]});
    let (s, r) = b.post("/iap/sync", history.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r,
        json!({"revoked": [{"orderId": lose, "sku": "pro_monthly"}]})
    );
    assert_eq!(
        b.post("/iap/sync", history).await.1,
        json!({"revoked": []}),
        "revoked once"
    );

    let owned = b.get("/iap/entitlements").await.1;
    assert_eq!(owned.as_array().unwrap().len(), 1);
    assert_eq!(owned[0]["sku"], "gem_100");
    // The revocation is on record, and the refunded order cannot be granted again.
    assert_eq!(env.count("SELECT COUNT(*) FROM grants WHERE revoked_at IS NOT NULL AND revoke_reason = 'REFUNDED'"), 1);
    assert_error(
        &b.post("/iap/grants", grant(&lose, "pro_monthly")).await,
        409,
        "ORDER_REFUNDED",
        false,
    );

    // Another user cannot revoke this user's grants.
    env.ctl().refund_order(&keep).unwrap();
    let other = env.logged_in(OTHER_USER).await;
    let (_, r) = other
        .post(
            "/iap/sync",
            json!({"orders": [{"orderId": keep, "sku": "gem_100", "status": "REFUNDED"}]}),
        )
        .await;
    assert_eq!(r, json!({"revoked": []}));
    assert_eq!(
        b.get("/iap/entitlements").await.1.as_array().unwrap().len(),
        1
    );
}
