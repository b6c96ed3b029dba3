//! The TossPay flow natively: create → amount check → sheet → execute → reconcile, against a fake SDK and a fake
//! partner on a paused clock.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use ait_checkout::bridge::{Bridge, Timeouts};
use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::flow::retry::RetryPolicy;
use ait_checkout::flow::tosspay::{pay_with_tosspay, PaymentContext, PaymentRequest};
use ait_checkout::Event;
use serde_json::json;
use ait_checkout::partner::{CreatePaymentRequest, Won};
use support::fake_partner::{created, order, receipt, state, FakePartner, Reply};
use support::fake_sdk::{FakeReply, FakeSdk};

struct Run {
    sdk: FakeSdk,
    partner: FakePartner,
    events: Rc<RefCell<Vec<Event>>>,
}

fn run_setup() -> Run {
    let sdk = FakeSdk::new();
    sdk.reply("checkoutPayment", FakeReply::Value(json!({"success": true})));
    Run { sdk, partner: FakePartner::default(), events: Rc::new(RefCell::new(Vec::new())) }
}

async fn pay(run: &Run, expected: i64) -> Result<ait_checkout::partner::PaymentReceipt, Error> {
    let bridge = Bridge::new(run.sdk.clone(), Timeouts::default());
    let events = run.events.clone();
    let emit = move |e: Event| events.borrow_mut().push(e);
    let ctx = PaymentContext { bridge: &bridge, partner: &run.partner, policy: RetryPolicy::default(), emit: &emit };
    let create = CreatePaymentRequest { order: order(r#"{"items":[{"sku":"bean","quantity":1}]}"#), idempotency_key: "key-1".into() };
    let request = PaymentRequest { create, expected_amount: Won(expected) };
    pay_with_tosspay(&ctx, &request).await
}

fn transient(code: ErrorCode) -> Error {
    Error::new(code, "transient")
}

#[tokio::test(start_paused = true)]
async fn a_payment_creates_authenticates_executes_and_returns_the_receipt() {
    let run = run_setup();
    run.partner.script("create", vec![Reply::Created(created("ORD-1", 12_000))]);
    run.partner.script("execute", vec![Reply::Receipt(receipt("ORD-1", 12_000))]);
    let r = pay(&run, 12_000).await.unwrap();
    assert_eq!(r.transaction_id, "TX-ORD-1");
    // The order as the page gave it (serde_json writes keys in order), and the idempotency key.
    assert_eq!(run.partner.calls()[0], r#"create {"items":[{"quantity":1,"sku":"bean"}]} key-1"#);
    assert!(run.sdk.calls().contains(&"payToken=PT-ORD-1".to_string()));
    let names: Vec<_> = run.events.borrow().iter().map(|e| e.name).collect();
    assert_eq!(names, ["tosspay.started", "tosspay.created", "tosspay.authenticated", "tosspay.paid"]);
}

#[tokio::test(start_paused = true)]
async fn a_different_server_amount_stops_before_the_sheet() {
    let run = run_setup();
    run.partner.script("create", vec![Reply::Created(created("ORD-2", 13_000))]);
    let err = pay(&run, 12_000).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AmountMismatch);
    assert!(err.message.contains("charges 13000 won for order ORD-2 but the page expected 12000 won"), "{}", err.message);
    assert_eq!(err.order_id.as_deref(), Some("ORD-2"));
    assert!(!run.sdk.calls().iter().any(|c| c.starts_with("payToken=")), "the sheet never opened");
    assert_eq!(run.partner.count("execute"), 0);
}

#[tokio::test(start_paused = true)]
async fn backing_out_of_the_sheet_is_not_authenticated_with_the_reason() {
    let run = run_setup();
    run.sdk.reply("checkoutPayment", FakeReply::Value(json!({"success": false, "reason": "사용자 취소"})));
    run.partner.script("create", vec![Reply::Created(created("ORD-3", 5_000))]);
    let err = pay(&run, 5_000).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::TosspayNotAuthenticated);
    assert_eq!(err.reason.as_deref(), Some("사용자 취소"));
    assert_eq!(run.partner.count("execute"), 0);
}

#[tokio::test(start_paused = true)]
async fn transient_create_failures_are_retried_with_the_same_idempotency_key() {
    let run = run_setup();
    run.partner.script("create", vec![
        Reply::Fail(transient(ErrorCode::PartnerUnreachable)),
        Reply::Fail(transient(ErrorCode::PartnerError)),
        Reply::Created(created("ORD-4", 1_000)),
    ]);
    run.partner.script("execute", vec![Reply::Receipt(receipt("ORD-4", 1_000))]);
    assert!(pay(&run, 1_000).await.is_ok());
    let creates: Vec<_> = run.partner.calls().into_iter().filter(|c| c.starts_with("create")).collect();
    assert_eq!(creates.len(), 3);
    assert!(creates.iter().all(|c| c.ends_with(" key-1")));
}

#[tokio::test(start_paused = true)]
async fn decisions_are_not_retried() {
    let run = run_setup();
    run.partner.script("create", vec![Reply::Fail(Error::new(ErrorCode::PartnerRejected, "no session"))]);
    assert_eq!(pay(&run, 1_000).await.unwrap_err().code, ErrorCode::PartnerRejected);
    assert_eq!(run.partner.count("create"), 1);

    let run = run_setup();
    run.partner.script("create", vec![Reply::Created(created("ORD-5", 1_000))]);
    run.partner.script("execute", vec![Reply::Fail(Error::new(ErrorCode::TossApiFailed, "insufficient funds"))]);
    let err = pay(&run, 1_000).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::TossApiFailed);
    assert_eq!(run.partner.count("execute"), 1);
    assert_eq!(run.partner.count("status"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_lost_execute_reply_is_reconciled_through_the_status() {
    let run = run_setup();
    run.partner.script("create", vec![Reply::Created(created("ORD-6", 2_000))]);
    run.partner.script("execute", vec![Reply::Fail(transient(ErrorCode::PartnerTimeout))]);
    run.partner.script("status", vec![
        Reply::Fail(transient(ErrorCode::PartnerUnreachable)),
        Reply::State(state("PAY_PROGRESS", None)),
        Reply::State(state("PAY_COMPLETE", Some(receipt("ORD-6", 2_000)))),
    ]);
    let r = pay(&run, 2_000).await.unwrap();
    assert_eq!(r.order_no, "ORD-6");
    assert!(run.events.borrow().iter().any(|e| e.name == "tosspay.reconciled"));
}

#[tokio::test(start_paused = true)]
async fn an_outcome_that_cannot_be_learned_is_unknown_never_a_failure() {
    let run = run_setup();
    run.partner.script("create", vec![Reply::Created(created("ORD-7", 2_000))]);
    run.partner.script("execute", vec![Reply::Fail(transient(ErrorCode::PaymentOutcomeUnknown))]);
    run.partner.script("status", vec![Reply::Fail(transient(ErrorCode::PartnerUnreachable))]);
    let err = pay(&run, 2_000).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PaymentOutcomeUnknown);
    assert!(err.retryable());
    assert_eq!(err.order_id.as_deref(), Some("ORD-7"));
}

#[tokio::test(start_paused = true)]
async fn a_payment_still_approved_after_a_lost_reply_is_executed_again() {
    let run = run_setup();
    run.partner.script("create", vec![Reply::Created(created("ORD-8", 2_000))]);
    run.partner.script("execute", vec![
        Reply::Fail(transient(ErrorCode::PartnerError)),
        Reply::Fail(transient(ErrorCode::PartnerError)),
        Reply::Fail(transient(ErrorCode::PartnerError)),
        Reply::Fail(transient(ErrorCode::PartnerError)),
        Reply::Receipt(receipt("ORD-8", 2_000)),
    ]);
    run.partner.script("status", vec![Reply::State(state("PAY_APPROVED", None))]);
    assert_eq!(pay(&run, 2_000).await.unwrap().order_no, "ORD-8");
    assert_eq!(run.partner.count("execute"), 5);
}

#[tokio::test(start_paused = true)]
async fn a_lost_sheet_answer_asks_the_server_before_giving_up() {
    // The host never answers the sheet; the server says the user did authenticate: the payment goes on.
    let run = run_setup();
    run.sdk.reply("checkoutPayment", FakeReply::Never);
    run.partner.script("create", vec![Reply::Created(created("ORD-9", 2_000))]);
    run.partner.script("status", vec![Reply::State(state("PAY_APPROVED", None))]);
    run.partner.script("execute", vec![Reply::Receipt(receipt("ORD-9", 2_000))]);
    assert!(pay(&run, 2_000).await.is_ok());

    // The server says it is still waiting: the sheet's error stands.
    let run = run_setup();
    run.sdk.reply("checkoutPayment", FakeReply::Never);
    run.partner.script("create", vec![Reply::Created(created("ORD-10", 2_000))]);
    run.partner.script("status", vec![Reply::State(state("PAY_STANDBY", None))]);
    let err = pay(&run, 2_000).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::BridgeTimeout);
    assert_eq!(run.partner.count("execute"), 0);
}

#[tokio::test(start_paused = true)]
async fn bad_expected_amounts_are_invalid_arguments() {
    let run = run_setup();
    for bad in [0, -5, i64::MIN] {
        assert_eq!(pay(&run, bad).await.unwrap_err().code, ErrorCode::InvalidArgument);
    }
    assert!(run.partner.calls().is_empty());
}
