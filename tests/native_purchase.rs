//! The purchase, restore and bridge semantics, natively, against a scripted fake SDK on a paused clock.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::sdk::{OperationalEnvironment, Platform, Purchased, PurchaseSuccess};
use ait_checkout::{Checkout, CheckoutOptions, Event, GrantRequest, Timeouts};
use futures::FutureExt;
use serde_json::json;
use support::fake_sdk::{FakeReply, FakeSdk};

#[derive(Clone, Copy)]
enum GrantBehaviour {
    Grant,
    Refuse,
    Throw,
    Hang,
}

struct Harness {
    sdk: FakeSdk,
    checkout: Checkout<FakeSdk>,
    grants: Rc<RefCell<Vec<GrantRequest>>>,
    behaviour: Rc<RefCell<GrantBehaviour>>,
    events: Rc<RefCell<Vec<Event>>>,
}

fn harness() -> Harness {
    let sdk = FakeSdk::new();
    let grants = Rc::new(RefCell::new(Vec::new()));
    let behaviour = Rc::new(RefCell::new(GrantBehaviour::Grant));
    let events = Rc::new(RefCell::new(Vec::new()));
    let (g, b, e) = (grants.clone(), behaviour.clone(), events.clone());
    let options = CheckoutOptions {
        grant: Some(Rc::new(move |req: GrantRequest| {
            g.borrow_mut().push(req);
            let behaviour = *b.borrow();
            async move {
                match behaviour {
                    GrantBehaviour::Grant => Ok(true),
                    GrantBehaviour::Refuse => Ok(false),
                    GrantBehaviour::Throw => Err(Error::invalid_argument("db down")),
                    GrantBehaviour::Hang => std::future::pending().await,
                }
            }
            .boxed_local()
        })),
        on_event: Some(Rc::new(move |ev: &Event| e.borrow_mut().push(ev.clone()))),
        on_entitlements: None,
        timeouts: Timeouts::default(),
    };
    let checkout = Checkout::new(sdk.clone(), options).unwrap();
    Harness { sdk, checkout, grants, behaviour, events }
}

fn success(order_id: &str) -> PurchaseSuccess {
    let v = json!({"orderId": order_id, "displayName": "보석 10개", "displayAmount": "₩1,200",
        "amount": 1200, "currency": "KRW", "fraction": 0, "miniAppIconUrl": null});
    ait_checkout::sdk::decode_reply(v).unwrap()
}

fn paid(order_id: &str) -> Purchased {
    Purchased { order_id: order_id.into(), subscription_id: None }
}

/// Lets spawned work and the purchase future make progress.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Starts `purchase(sku)` on a local task.
fn start(h: &Harness, sku: &str) -> tokio::task::JoinHandle<Result<ait_checkout::sdk::PurchaseResult, Error>> {
    let checkout = h.checkout.clone();
    let sku = sku.to_string();
    tokio::task::spawn_local(async move { checkout.purchase(&sku).await })
}

async fn run_local<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::LocalSet::new().run_until(f).await
}

#[tokio::test(start_paused = true)]
async fn a_purchase_grants_once_then_resolves_with_the_hosts_data() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        assert!(l.grant(paid("o1")).await);
        l.success(Ok(success("o1")));
        let result = task.await.unwrap().unwrap();
        assert_eq!(result.order_id, "o1");
        assert_eq!(result.sku, "gem10");
        assert_eq!(result.amount, 1200.0);
        assert_eq!(h.grants.borrow().len(), 1);
        assert_eq!(h.grants.borrow()[0].sku, "gem10");
        assert_eq!(h.sdk.state.borrow().cleanups, 1, "the SDK's cleanup runs once the purchase settles");
        assert!(h.checkout.is_granted("o1"));
        let names: Vec<_> = h.events.borrow().iter().map(|e| e.name).collect();
        assert_eq!(names, ["purchase.started", "purchase.paid", "grant.started", "grant.succeeded", "purchase.succeeded"]);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_refused_throwing_or_late_grant_answers_false_and_rejects_not_granted() {
    for (behaviour, why) in [
        (GrantBehaviour::Refuse, "returned false"),
        (GrantBehaviour::Throw, "db down"),
        (GrantBehaviour::Hang, "within 25000 ms"),
    ] {
        run_local(async {
            let h = harness();
            *h.behaviour.borrow_mut() = behaviour;
            let task = start(&h, "gem10");
            settle().await;
            let l = h.sdk.listener(0);
            assert!(!l.grant(paid("o1")).await, "the grant callback answers false, never throws");
            l.error(Error::from_sdk_rejection(Some("PRODUCT_NOT_GRANTED_BY_PARTNER"), "grant failed"));
            let err = task.await.unwrap().unwrap_err();
            assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner);
            assert_eq!(err.order_id.as_deref(), Some("o1"));
            assert!(err.message.contains(why), "{}", err.message);
            assert!(!h.checkout.is_granted("o1"));
        })
        .await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_legacy_flows_success_after_a_failed_grant_is_not_granted() {
    run_local(async {
        let h = harness();
        *h.behaviour.borrow_mut() = GrantBehaviour::Refuse;
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        assert!(!l.grant(paid("o1")).await);
        // Old apps: the SDK reports success whatever the grant said.
        l.success(Ok(success("o1")));
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn each_sdk_iap_error_code_reaches_the_caller_unchanged() {
    let codes = [
        "INVALID_PRODUCT_ID", "PAYMENT_PENDING", "NETWORK_ERROR", "INVALID_USER_ENVIRONMENT", "ITEM_ALREADY_OWNED",
        "APP_MARKET_VERIFICATION_FAILED", "TOSS_SERVER_VERIFICATION_FAILED", "INTERNAL_ERROR", "KOREAN_ACCOUNT_ONLY",
        "USER_CANCELED", "PRODUCT_NOT_GRANTED_BY_PARTNER",
    ];
    for code in codes {
        run_local(async {
            let h = harness();
            let task = start(&h, "gem10");
            settle().await;
            h.sdk.listener(0).error(Error::from_sdk_rejection(Some(code), "host says no"));
            let err = task.await.unwrap().unwrap_err();
            assert_eq!(err.code.as_str(), code);
            assert_eq!(h.sdk.state.borrow().cleanups, 1);
        })
        .await;
    }
}

#[tokio::test(start_paused = true)]
async fn error_then_success_settles_once_with_the_error() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        assert!(l.grant(paid("o1")).await);
        l.error(Error::from_sdk_rejection(Some("NETWORK_ERROR"), "processProductGrant failed"));
        l.success(Ok(success("o1")));
        l.success(Ok(success("o1")));
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::NetworkError);
        assert_eq!(err.order_id.as_deref(), Some("o1"));
        let ignored = h.events.borrow().iter().filter(|e| e.name == "purchase.duplicate_ignored").count();
        assert_eq!(ignored, 2);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn duplicate_purchased_events_grant_once() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        let (a, b) = tokio::join!(l.grant(paid("o1")), l.grant(paid("o1")));
        assert!(a && b);
        assert!(l.grant(paid("o1")).await);
        l.success(Ok(success("o1")));
        l.success(Ok(success("o1")));
        assert_eq!(task.await.unwrap().unwrap().order_id, "o1");
        assert_eq!(h.grants.borrow().len(), 1, "one grant per orderId");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn success_before_the_grant_ran_waits_for_it() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        // The host reports success before anyone awaited the grant: the purchase runs the grant itself.
        let grant = l.grant(paid("o1"));
        assert!(h.grants.borrow().is_empty(), "not started yet");
        l.success(Ok(success("o1")));
        assert!(task.await.unwrap().is_ok());
        assert_eq!(h.grants.borrow().len(), 1);
        assert!(grant.await, "the SDK's await joins the same grant");
        assert_eq!(h.grants.borrow().len(), 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn success_for_an_order_never_granted_is_not_granted() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        h.sdk.listener(0).success(Ok(success("o9")));
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::ProductNotGrantedByPartner);
        assert_eq!(err.order_id.as_deref(), Some("o9"));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_malformed_success_payload_is_invalid_bridge_response() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        assert!(l.grant(paid("o1")).await);
        l.success(Err(Error::invalid_response("requestOneTimePurchase", "missing field `orderId`")));
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidBridgeResponse);
        assert_eq!(err.order_id.as_deref(), Some("o1"), "the paid order is never forgotten");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_second_purchase_of_the_same_sku_is_already_in_progress() {
    run_local(async {
        let h = harness();
        let first = start(&h, "gem10");
        settle().await;
        let err = h.checkout.purchase("gem10").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AlreadyInProgress);
        let other = start(&h, "noads");
        settle().await;
        assert_eq!(h.sdk.state.borrow().listeners.len(), 2, "another SKU may run at the same time");
        h.sdk.listener(0).error(Error::from_sdk_rejection(Some("USER_CANCELED"), "back"));
        h.sdk.listener(1).error(Error::from_sdk_rejection(Some("USER_CANCELED"), "back"));
        assert!(first.await.unwrap().is_err());
        assert!(other.await.unwrap().is_err());
        let again = start(&h, "gem10");
        settle().await;
        assert_eq!(h.sdk.state.borrow().listeners.len(), 3, "the SKU is free again once settled");
        h.sdk.listener(2).error(Error::from_sdk_rejection(Some("USER_CANCELED"), "back"));
        assert!(again.await.unwrap().is_err());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_host_that_never_answers_times_out_and_cleans_up() {
    run_local(async {
        let h = harness();
        let err = h.checkout.purchase("gem10").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::BridgeTimeout);
        assert!(err.retryable());
        assert_eq!(h.sdk.state.borrow().cleanups, 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn dropping_the_purchase_unregisters_and_frees_the_sku() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        task.abort();
        settle().await;
        assert_eq!(h.sdk.state.borrow().cleanups, 1);
        let again = start(&h, "gem10");
        settle().await;
        assert_eq!(h.sdk.state.borrow().listeners.len(), 2);
        again.abort();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn old_apps_fail_at_once_naming_the_minimums() {
    run_local(async {
        let h = harness();
        h.sdk.set_version(Platform::Android, "5.218.0", OperationalEnvironment::Toss);
        let err = h.checkout.purchase("gem10").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
        assert!(err.message.contains("Android 5.219.0, iOS 5.219.0"), "{}", err.message);
        assert!(h.sdk.state.borrow().listeners.is_empty(), "nothing reaches the SDK, which would never answer");
        h.sdk.set_version(Platform::Ios, "5.248.5", OperationalEnvironment::Toss);
        let err = h.checkout.subscribe("pro", None).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
        assert_eq!(err.min_versions.clone().unwrap().ios, "5.249.0");
        // The sandbox app skips version checks, like the SDK.
        h.sdk.set_version(Platform::Ios, "1.0.0", OperationalEnvironment::Sandbox);
        let task = start(&h, "gem10");
        settle().await;
        assert_eq!(h.sdk.state.borrow().listeners.len(), 1);
        task.abort();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn subscriptions_pass_the_offer_and_return_the_subscription_id() {
    run_local(async {
        let h = harness();
        let checkout = h.checkout.clone();
        let task = tokio::task::spawn_local(async move { checkout.subscribe("pro", Some("trial")).await });
        settle().await;
        assert_eq!(
            h.sdk.state.borrow().orders[0],
            ait_checkout::sdk::PurchaseOrder::Subscription { sku: "pro".into(), offer_id: Some("trial".into()) }
        );
        let l = h.sdk.listener(0);
        assert!(l.grant(Purchased { order_id: "s1".into(), subscription_id: Some("sub-1".into()) }).await);
        assert_eq!(h.grants.borrow()[0].subscription_id.as_deref(), Some("sub-1"));
        l.success(Ok(success("s1")));
        let r = task.await.unwrap().unwrap();
        assert_eq!(r.subscription_id.as_deref(), Some("sub-1"));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn purchases_need_a_grant_function() {
    let checkout = Checkout::new(FakeSdk::new(), CheckoutOptions::default()).unwrap();
    assert_eq!(checkout.purchase("gem10").await.unwrap_err().code, ErrorCode::InvalidArgument);
    assert_eq!(checkout.purchase(" ").await.unwrap_err().code, ErrorCode::InvalidArgument);
    assert_eq!(checkout.restore_pending_orders().await.unwrap_err().code, ErrorCode::InvalidArgument);
}

#[tokio::test(start_paused = true)]
async fn restore_grants_then_completes_and_reports_failures_per_order() {
    run_local(async {
        let h = harness();
        h.sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": [
            {"orderId": "p1", "sku": "gem10", "paymentCompletedDate": "2025-09-22T00:00:00"},
            {"orderId": "p2", "sku": "noads"}]})));
        h.sdk.reply("completeProductGrant", FakeReply::Value(json!(true)));
        let report = h.checkout.restore_pending_orders().await.unwrap();
        assert_eq!(report.restored.len(), 2);
        assert_eq!(h.calls_of("complete="), ["complete=p1", "complete=p2"]);

        // A refused grant leaves the order pending and never completes it.
        let h = harness();
        *h.behaviour.borrow_mut() = GrantBehaviour::Refuse;
        h.sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": [{"orderId": "p1", "sku": "gem10"}]})));
        h.sdk.reply("completeProductGrant", FakeReply::Value(json!(true)));
        let report = h.checkout.restore_pending_orders().await.unwrap();
        assert!(report.restored.is_empty());
        assert_eq!(report.failed[0].error.code, ErrorCode::ProductNotGrantedByPartner);
        assert!(h.calls_of("complete=").is_empty(), "completeProductGrant never before a successful grant");

        // A failing completion is reported with its order.
        let h = harness();
        h.sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": [{"orderId": "p1", "sku": "gem10"}]})));
        h.sdk.reply("completeProductGrant", FakeReply::Value(json!(false)));
        let report = h.checkout.restore_pending_orders().await.unwrap();
        assert_eq!(report.failed[0].order_id, "p1");
        assert_eq!(report.failed[0].error.code, ErrorCode::SdkError);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn restore_does_not_grant_again_what_a_purchase_granted() {
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        let l = h.sdk.listener(0);
        assert!(l.grant(paid("o1")).await);
        l.error(Error::from_sdk_rejection(Some("NETWORK_ERROR"), "lost"));
        assert!(task.await.unwrap().is_err());
        h.sdk.reply("getPendingOrders", FakeReply::Value(json!({"orders": [{"orderId": "o1", "sku": "gem10"}]})));
        h.sdk.reply("completeProductGrant", FakeReply::Value(json!(true)));
        let report = h.checkout.restore_pending_orders().await.unwrap();
        assert_eq!(report.restored.len(), 1);
        assert_eq!(h.grants.borrow().len(), 1, "granted once, completed by the restore");
    })
    .await;
}

impl Harness {
    fn calls_of(&self, prefix: &str) -> Vec<String> {
        self.sdk.calls().into_iter().filter(|c| c.starts_with(prefix)).collect()
    }
}

#[tokio::test(start_paused = true)]
async fn an_sdk_that_refuses_an_old_app_names_the_minimums() {
    // SDK 3.x fails a purchase with UNSUPPORTED_APP_VERSION (through onError, or thrown at once) where 2.x did
    // nothing: the caller still learns which versions the call needs.
    run_local(async {
        let h = harness();
        let task = start(&h, "gem10");
        settle().await;
        h.sdk.listener(0).error(Error::from_sdk_rejection(Some("UNSUPPORTED_APP_VERSION"), "too old"));
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
        let min = err.min_versions.clone().expect("the minimums are named");
        assert_eq!((min.android, min.ios), ("5.219.0", "5.219.0"));

        h.sdk.state.borrow_mut().purchase_throws = Some(Error::from_sdk_rejection(Some("UNSUPPORTED_APP_VERSION"), "too old"));
        let err = h.checkout.subscribe("pro", None).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedAppVersion);
        let min = err.min_versions.clone().expect("the minimums are named");
        assert_eq!((min.android, min.ios), ("5.248.0", "5.249.0"));
        assert!(err.message.contains("IAP.createSubscriptionPurchaseOrder needs Toss app"), "{}", err.message);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_ledger_remembers_the_recent_grants_only() {
    // A page that sells all day must not grow without bound (tests/js/soak.test.mjs measured it in the browser).
    run_local(async {
        let h = harness();
        let n = ait_checkout::flow::grant::REMEMBERED_GRANTS + 1;
        for i in 0..n {
            let task = start(&h, "gem10");
            settle().await;
            let l = h.sdk.listener(i);
            assert!(l.grant(paid(&format!("o{i}"))).await);
            l.success(Ok(success(&format!("o{i}"))));
            task.await.unwrap().unwrap();
        }
        assert!(!h.checkout.is_granted("o0"), "the oldest grant is forgotten");
        assert!(h.checkout.is_granted("o1") && h.checkout.is_granted(&format!("o{}", n - 1)));
        assert_eq!(h.grants.borrow().len(), n);
    })
    .await;
}
