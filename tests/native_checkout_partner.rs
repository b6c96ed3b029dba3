//! `Checkout` with a partner server, natively: login, grants through the partner by default, single-flight
//! payments, history followed by sync.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::partner::{Entitlement, RevokedGrant};
use ait_checkout::sdk::Purchased;
use ait_checkout::{Checkout, CheckoutOptions, Event};
use serde_json::json;
use ait_checkout::partner::Won;
use support::fake_partner::{created, order, receipt, FakePartner, Reply};
use support::fake_sdk::{FakeReply, FakeSdk};

fn checkout(partner: &FakePartner) -> (FakeSdk, Checkout<FakeSdk, FakePartner>, Rc<RefCell<Vec<Event>>>) {
    let sdk = FakeSdk::new();
    let events = Rc::new(RefCell::new(Vec::new()));
    let e = events.clone();
    let options = CheckoutOptions { on_event: Some(Rc::new(move |ev: &Event| e.borrow_mut().push(ev.clone()))), ..CheckoutOptions::default() };
    let c = Checkout::with_partner(sdk.clone(), Some(partner.clone()), options).unwrap();
    (sdk, c, events)
}

async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

async fn local<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::LocalSet::new().run_until(f).await
}

#[tokio::test(start_paused = true)]
async fn login_passes_the_code_to_the_partner_once() {
    let partner = FakePartner::default();
    partner.script("login", vec![Reply::Ok]);
    let (sdk, c, events) = checkout(&partner);
    sdk.reply("appLogin", FakeReply::Value(json!({"authorizationCode": "code-1", "referrer": "SANDBOX"})));
    c.login().await.unwrap();
    assert_eq!(partner.calls(), ["login code-1 SANDBOX"]);
    assert!(events.borrow().iter().any(|e| e.name == "login.succeeded"));

    // A single-use code is never retried.
    let partner = FakePartner::default();
    partner.script("login", vec![Reply::Fail(Error::new(ErrorCode::PartnerError, "boom"))]);
    let (sdk, c, _) = checkout(&partner);
    sdk.reply("appLogin", FakeReply::Value(json!({"authorizationCode": "code-2", "referrer": "DEFAULT"})));
    assert_eq!(c.login().await.unwrap_err().code, ErrorCode::PartnerError);
    assert_eq!(partner.count("login"), 1);
}

#[tokio::test(start_paused = true)]
async fn without_a_partner_the_partner_flows_are_invalid_arguments() {
    let c = Checkout::new(FakeSdk::new(), CheckoutOptions::default()).unwrap();
    assert_eq!(c.login().await.unwrap_err().code, ErrorCode::InvalidArgument);
    assert_eq!(c.pay_with_tosspay((), Won(1000), None).await.unwrap_err().code, ErrorCode::InvalidArgument);
}

#[tokio::test(start_paused = true)]
async fn purchases_grant_through_the_partner_by_default_retrying_transient_failures() {
    local(async {
        let partner = FakePartner::default();
        partner.script("grant", vec![Reply::Fail(Error::new(ErrorCode::PartnerUnreachable, "offline")), Reply::Granted(true)]);
        let (sdk, c, _) = checkout(&partner);
        let c2 = c.clone();
        let task = tokio::task::spawn_local(async move { c2.purchase("gem_100").await });
        settle().await;
        let l = sdk.listener(0);
        assert!(l.grant(Purchased { order_id: "o1".into(), subscription_id: None }).await);
        l.success(Ok(serde_json::from_value(json!({"orderId": "o1", "displayName": "보석", "displayAmount": "₩1,200", "amount": 1200, "currency": "KRW", "fraction": 0, "miniAppIconUrl": null})).unwrap()));
        assert_eq!(task.await.unwrap().unwrap().order_id, "o1");
        // The grant (retried once), then the entitlements refreshed after the purchase.
        assert_eq!(partner.calls(), ["grant o1 gem_100", "grant o1 gem_100", "entitlements "]);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_partner_that_refuses_the_grant_makes_the_purchase_not_granted() {
    local(async {
        let partner = FakePartner::default();
        partner.script("grant", vec![Reply::Fail(Error::new(ErrorCode::PartnerRejected, "another user's order"))]);
        let (sdk, c, _) = checkout(&partner);
        let c2 = c.clone();
        let task = tokio::task::spawn_local(async move { c2.purchase("gem_100").await });
        settle().await;
        let l = sdk.listener(0);
        assert!(!l.grant(Purchased { order_id: "o2".into(), subscription_id: None }).await);
        l.error(Error::from_sdk_rejection(Some("PRODUCT_NOT_GRANTED_BY_PARTNER"), "grant failed"));
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner);
        assert!(err.message.contains("another user's order"), "{}", err.message);
        assert_eq!(partner.count("grant"), 1, "a refusal is not retried");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_identical_payment_while_one_runs_is_already_in_progress() {
    local(async {
        let partner = FakePartner::default();
        partner.script("create", vec![Reply::Created(created("ORD-1", 12_000))]);
        partner.script("execute", vec![Reply::Receipt(receipt("ORD-1", 12_000))]);
        let (sdk, c, _) = checkout(&partner);
        sdk.reply("checkoutPayment", FakeReply::Never);
        partner.script("status", vec![Reply::Never]);
        let c2 = c.clone();
        let first = tokio::task::spawn_local(async move { c2.pay_with_tosspay(order(r#"{"items":[1]}"#), Won(12_000), Some("k1".into())).await });
        settle().await;
        let err = c.pay_with_tosspay(order(r#"{"items":[1]}"#), Won(12_000), Some("k2".into())).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AlreadyInProgress);
        first.abort();
        settle().await;
        // Once the first is gone, the same order may be paid again; a fresh idempotency key is made for it.
        sdk.reply("checkoutPayment", FakeReply::Value(json!({"success": true})));
        let r = c.pay_with_tosspay(order(r#"{"items":[1]}"#), Won(12_000), None).await.unwrap();
        assert_eq!(r.order_no, "ORD-1");
        let creates: Vec<_> = partner.calls().into_iter().filter(|c| c.starts_with("create")).collect();
        assert!(creates[0].ends_with(" k1"));
        assert!(creates[1].contains(" key-"), "{creates:?}");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn history_is_followed_by_a_sync_that_revokes_refunds() {
    let partner = FakePartner::default();
    partner.script("sync", vec![Reply::Revoked(vec![RevokedGrant { order_id: "o2".into(), sku: "gem_100".into() }])]);
    let (sdk, c, events) = checkout(&partner);
    sdk.reply("getCompletedOrRefundedOrders", FakeReply::Value(json!({"hasNext": false, "orders": [
        {"orderId": "o1", "sku": "gem_100", "status": "COMPLETED", "date": "2025-09-22T00:00:00"},
        {"orderId": "o2", "sku": "gem_100", "status": "REFUNDED", "date": "2025-09-23T00:00:00"}]})));
    let (page, revoked) = c.order_history_and_sync(None).await.unwrap();
    assert_eq!(page.orders.len(), 2);
    assert_eq!(revoked[0].order_id, "o2");
    assert_eq!(partner.calls(), ["sync 2", "entitlements "], "a sync refreshes the entitlements");

    // A failed sync still returns the page, and says so.
    partner.script("sync", vec![Reply::Fail(Error::new(ErrorCode::PartnerUnreachable, "offline"))]);
    let (page, revoked) = c.order_history_and_sync(None).await.unwrap();
    assert_eq!(page.orders.len(), 2);
    assert!(revoked.is_empty());
    assert!(events.borrow().iter().any(|e| e.name == "history.sync_failed" && e.code.as_deref() == Some("PARTNER_UNREACHABLE")));
}

fn owned(sku: &str, order_id: &str, provisional: bool) -> Entitlement {
    Entitlement { sku: sku.into(), order_id: Some(order_id.into()), granted_at: Some("2026-12-02T09:00:00Z".into()), provisional }
}

#[tokio::test(start_paused = true)]
async fn entitlements_come_from_the_partner_and_reach_the_listener_after_each_change() {
    local(async {
        let partner = FakePartner::default();
        partner.script("entitlements", vec![
            Reply::Entitlements(vec![owned("noads", "o1", false)]),
            Reply::Entitlements(vec![owned("noads", "o1", false), owned("gem_100", "o2", true)]),
        ]);
        partner.script("grant", vec![Reply::Granted(true)]);
        let heard = Rc::new(RefCell::new(Vec::<Vec<Entitlement>>::new()));
        let h = heard.clone();
        let sdk = FakeSdk::new();
        let options = CheckoutOptions {
            on_entitlements: Some(Rc::new(move |list: &[Entitlement]| h.borrow_mut().push(list.to_vec()))),
            ..CheckoutOptions::default()
        };
        let c = Checkout::with_partner(sdk.clone(), Some(partner.clone()), options).unwrap();
        assert_eq!(c.last_entitlements(), None);
        assert_eq!(c.entitlements().await.unwrap(), vec![owned("noads", "o1", false)]);

        // A purchase refreshes them: the listener hears the new snapshot, provisional grant included.
        let c2 = c.clone();
        let task = tokio::task::spawn_local(async move { c2.purchase("gem_100").await });
        settle().await;
        let l = sdk.listener(0);
        assert!(l.grant(Purchased { order_id: "o2".into(), subscription_id: None }).await);
        l.success(Ok(serde_json::from_value(json!({"orderId": "o2", "displayName": "보석", "displayAmount": "₩1,200", "amount": 1200, "currency": "KRW", "fraction": 0})).unwrap()));
        task.await.unwrap().unwrap();
        let heard = heard.borrow();
        assert_eq!(heard.len(), 2);
        assert_eq!(heard[1], vec![owned("noads", "o1", false), owned("gem_100", "o2", true)]);
        assert_eq!(c.last_entitlements().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_never_fails_the_purchase_and_logout_forgets_the_snapshot() {
    local(async {
        let partner = FakePartner::default();
        partner.script("grant", vec![Reply::Granted(true)]);
        partner.script("entitlements", vec![Reply::Fail(Error::new(ErrorCode::PartnerUnreachable, "offline"))]);
        partner.script("logout", vec![Reply::Ok]);
        let (sdk, c, events) = checkout(&partner);
        let c2 = c.clone();
        let task = tokio::task::spawn_local(async move { c2.purchase("gem_100").await });
        settle().await;
        let l = sdk.listener(0);
        assert!(l.grant(Purchased { order_id: "o3".into(), subscription_id: None }).await);
        l.success(Ok(serde_json::from_value(json!({"orderId": "o3", "displayName": "보석", "displayAmount": "₩1,200", "amount": 1200, "currency": "KRW", "fraction": 0})).unwrap()));
        assert_eq!(task.await.unwrap().unwrap().order_id, "o3", "the user has the product: the purchase resolves");
        assert!(events.borrow().iter().any(|e| e.name == "entitlements.refresh_failed" && e.code.as_deref() == Some("PARTNER_UNREACHABLE")));

        partner.script("entitlements", vec![Reply::Entitlements(vec![owned("gem_100", "o3", false)])]);
        c.entitlements().await.unwrap();
        assert!(c.last_entitlements().is_some());
        c.logout().await.unwrap();
        assert_eq!(c.last_entitlements(), None);
        assert_eq!(partner.count("logout"), 1);
    })
    .await;
}
