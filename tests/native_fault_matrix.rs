//! The fault matrix, natively (issue 8 §2): every step of every flow × every fault, over a stateful model of Toss
//! and the partner server behind the bridge's two seams (`tests/support/fault_model`), on a paused clock.
//!
//! Each case arms one fault at one step (on its first occurrence, or on every occurrence for the faults that can
//! persist), runs the step's flow on a page, lets late work land, then recovers as a page and the server would:
//! a new `Checkout` on the same model runs `restorePendingOrders`, the server's reconciler makes a pass, and the
//! page retries `payWithTossPay` (same idempotency key) if it was told `PAYMENT_OUTCOME_UNKNOWN` (the history flow
//! is opened again, since a failed sync is retried on the next visit). Then the shared invariant checker
//! (`ait-invariants`) must find nothing. Faults that do not apply to a step are skipped, with the reason, and
//! counted. Figures are printed (run with `--nocapture`).
#![cfg(not(target_arch = "wasm32"))]

mod support;
#[path = "support/fault_model/mod.rs"]
mod fault_model;

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use ait_checkout::error::{Error, ErrorCode};
use ait_checkout::{Checkout, CheckoutOptions};
use ait_invariants::{check, PageOutcome, PageResult, Violation};
use fault_model::faults::{applies, Armed, Fault, Step};
use fault_model::host::ModelHost;
use fault_model::observe::observe;
use fault_model::partner::ModelPartner;
use fault_model::server::{self, PGrant, FINAL_FAIL, SKU};
use fault_model::world::{Bugs, World, W};
use futures::future::{select, Either};
use futures::FutureExt;

const ORDER: &str = r#"{"items":[{"sku":"beans_200g","quantity":1}]}"#;
const KEY: &str = "idem-1";

/// Which flow a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    Login,
    Pay,
    /// A clean payment, then a page refund under the fault.
    Refund,
    Purchase,
    /// A charged order left pending, then `restorePendingOrders` under the fault.
    Restore,
    /// Granted, refunded and failed orders, then history + sync under the fault.
    HistorySync,
}

fn scenario(step: Step) -> Scenario {
    match step {
        Step::LoginExchange => Scenario::Login,
        Step::MakePayment | Step::Sheet | Step::ExecuteRequest | Step::ExecuteReply | Step::Status => Scenario::Pay,
        Step::Refund => Scenario::Refund,
        Step::IapPurchased | Step::GrantRequest | Step::GrantReply | Step::ProcessProductGrant => Scenario::Purchase,
        Step::CompleteProductGrant => Scenario::Restore,
        Step::History | Step::Sync => Scenario::HistorySync,
    }
}

/// A fault that brings the flow to a step it does not reach otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    None,
    /// The buyer approved but the sheet's answer was lost: the page asks the partner for the status.
    SheetAnswerLost,
    /// Toss executed but its reply to the partner was lost: the partner asks Toss for the status.
    ExecuteLostAtToss,
}

impl Base {
    fn armed(self) -> Vec<Armed> {
        match self {
            Base::None => vec![],
            Base::SheetAnswerLost => vec![Armed::once(Step::Sheet, Fault::DropAfterCommit)],
            Base::ExecuteLostAtToss => vec![Armed::once(Step::ExecuteRequest, Fault::DropAfterCommit)],
        }
    }
}

/// One cell of the matrix.
#[derive(Clone, Debug)]
struct Case {
    step: Step,
    fault: Fault,
    /// On every occurrence during the flow (else the first only).
    always: bool,
    base: Base,
    /// The injected Toss `FAIL` is final (else the retryable `COMMON_BREAK_TIME_OF_BANK`).
    final_fail: bool,
}

impl Case {
    fn label(&self) -> String {
        let mut s = format!("{} × {}", self.step, self.fault);
        if self.fault == Fault::TossFail && self.step.kind() == fault_model::faults::StepKind::Server {
            s += if self.final_fail { " (final)" } else { " (retryable)" };
        }
        if self.always {
            s += " [every time]";
        }
        match self.base {
            Base::None => {}
            Base::SheetAnswerLost => s += " {after the sheet's answer was lost}",
            Base::ExecuteLostAtToss => s += " {after Toss's execute reply was lost}",
        }
        s
    }
}

/// Every case of the matrix, and the skipped cells with their reasons.
fn matrix() -> (Vec<Case>, Vec<(Step, Fault, &'static str)>) {
    let mut cases = Vec::new();
    let mut skips = Vec::new();
    for step in Step::ALL {
        let bases: &[Base] =
            if step == Step::Status { &[Base::SheetAnswerLost, Base::ExecuteLostAtToss] } else { &[Base::None] };
        for fault in Fault::ALL {
            if let Err(why) = applies(step, fault) {
                skips.push((step, fault, why));
                continue;
            }
            for &base in bases {
                if base == Base::ExecuteLostAtToss && matches!(fault, Fault::HostAnswersTwice | Fault::PageReloaded) {
                    skips.push((step, fault, "after a lost execute reply the partner settles it; the page never asks"));
                    continue;
                }
                let persistences: &[bool] = if fault.can_persist() { &[false, true] } else { &[false] };
                // The FAIL's code matters where the partner relays it (server steps), not for the host's refusals.
                let relayed = fault == Fault::TossFail && step.kind() == fault_model::faults::StepKind::Server;
                let fails: &[bool] = if relayed { &[false, true] } else { &[false] };
                for &always in persistences {
                    for &final_fail in fails {
                        cases.push(Case { step, fault, always, base, final_fail });
                    }
                }
            }
        }
    }
    (cases, skips)
}

// ------------------------------------------------------------------------------------------------ pages

/// One open page: a `Checkout` over the model's host and partner.
struct Page {
    partner: ModelPartner,
    checkout: Checkout<ModelHost, ModelPartner>,
}

fn open_page(w: &W, epoch: u32) -> Page {
    let host = ModelHost::new(w, epoch);
    let user = w.borrow().user.clone();
    let partner = ModelPartner { w: w.clone(), user };
    let checkout = Checkout::with_partner(host, Some(partner.clone()), CheckoutOptions::default()).expect("checkout");
    Page { partner, checkout }
}

/// The page's result of a call that failed.
fn typed(e: &Error) -> PageResult {
    if e.code == ErrorCode::PaymentOutcomeUnknown {
        PageResult::OutcomeUnknown { order_no: e.order_id.clone() }
    } else {
        PageResult::TypedError { code: e.code.as_str().into(), retryable: e.retryable() }
    }
}

/// Runs one page call: a panic is an untyped result, a call that never ends has none.
async fn guarded<T>(fut: impl Future<Output = Result<T, Error>>) -> Result<Result<T, Error>, PageResult> {
    match tokio::time::timeout(Duration::from_secs(3_600), AssertUnwindSafe(fut).catch_unwind()).await {
        Err(_) => Err(PageResult::NoResult),
        Ok(Err(panic)) => {
            let why = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
            Err(PageResult::Untyped(why.unwrap_or_else(|| "panic".into())))
        }
        Ok(Ok(r)) => Ok(r),
    }
}

fn outcome(flow: &str, result: PageResult) -> PageOutcome {
    PageOutcome { flow: flow.into(), result }
}

async fn pay(page: &Page, flow: &str) -> Vec<PageOutcome> {
    let result = match guarded(page.checkout.pay_with_tosspay(support::fake_partner::order(ORDER), ait_checkout::partner::Won(server::AMOUNT), Some(KEY.into()))).await {
        Ok(Ok(r)) => PageResult::Receipt { order_no: r.order_no },
        Ok(Err(e)) => typed(&e),
        Err(r) => r,
    };
    vec![outcome(flow, result)]
}

async fn refund(page: &Page, flow: &str, order_no: &str) -> Vec<PageOutcome> {
    let result = match guarded(page.partner.refund(order_no)).await {
        Ok(Ok(order_no)) => PageResult::Receipt { order_no },
        // The page knows which payment it refunds.
        Ok(Err(e)) => typed(&e.with_order_id(order_no)),
        Err(r) => r,
    };
    vec![outcome(flow, result)]
}

async fn purchase(page: &Page, flow: &str) -> Vec<PageOutcome> {
    let result = match guarded(page.checkout.purchase(SKU)).await {
        Ok(Ok(r)) => PageResult::Granted { order_id: r.order_id },
        Ok(Err(e)) => typed(&e),
        Err(r) => r,
    };
    vec![outcome(flow, result)]
}

async fn restore(page: &Page, flow: &str) -> Vec<PageOutcome> {
    match guarded(page.checkout.restore_pending_orders()).await {
        Ok(Ok(report)) => report
            .restored
            .into_iter()
            .map(|o| outcome(flow, PageResult::Granted { order_id: o.order_id }))
            .chain(report.failed.iter().map(|f| outcome(flow, typed(&f.error))))
            .collect(),
        Ok(Err(e)) => vec![outcome(flow, typed(&e))],
        Err(r) => vec![outcome(flow, r)],
    }
}

/// Login and history have no payment or grant to show: only a failure is a result to record.
async fn login(page: &Page, flow: &str) -> Vec<PageOutcome> {
    match guarded(page.checkout.login()).await {
        Ok(Ok(())) => vec![],
        Ok(Err(e)) => vec![outcome(flow, typed(&e))],
        Err(r) => vec![outcome(flow, r)],
    }
}

async fn history(page: &Page, flow: &str) -> Vec<PageOutcome> {
    match guarded(page.checkout.order_history_and_sync(None)).await {
        Ok(Ok(_)) => vec![],
        Ok(Err(e)) => vec![outcome(flow, typed(&e))],
        Err(r) => vec![outcome(flow, r)],
    }
}

// ------------------------------------------------------------------------------------------------ seeds

fn add_grant(w: &W, order_id: &str, provisional: bool) {
    let user = w.borrow().user.clone();
    w.borrow_mut().store.grants.push(PGrant { order_id: order_id.into(), user, sku: SKU.into(), revoked: None, provisional });
}

/// What earlier visits left for the restore and history cases.
fn seed(w: &W, scenario: Scenario) {
    let user = w.borrow().user.clone();
    match scenario {
        Scenario::Restore => {
            // Charged, never granted (the app closed mid-purchase).
            let id = w.borrow_mut().toss.create_order(&user, SKU);
            w.borrow_mut().toss.charge(&id);
        }
        Scenario::HistorySync => {
            let mut toss = std::mem::take(&mut w.borrow_mut().toss);
            let completed = toss.create_order(&user, SKU);
            toss.charge(&completed);
            toss.complete(&completed);
            let refunded = toss.create_order(&user, SKU);
            toss.charge(&refunded);
            toss.complete(&refunded);
            toss.refund_order(&refunded);
            let failed = toss.create_order(&user, SKU);
            toss.fail(&failed);
            w.borrow_mut().toss = toss;
            add_grant(w, &completed, false);
            add_grant(w, &refunded, false);
            add_grant(w, &failed, true);
        }
        _ => {}
    }
}

// ------------------------------------------------------------------------------------------------ one case

/// What one case did.
struct Ran {
    violations: Vec<Violation>,
    /// How often each armed fault fired.
    fired: Vec<u32>,
    reloaded: bool,
    restarts: u32,
    outcomes: Vec<PageOutcome>,
}

/// Runs the flow of `scenario` with `armed` faults (and `bugs` in the partner), recovers, and checks.
async fn run(scenario: Scenario, armed: Vec<Armed>, fail_code: &'static str, bugs: Bugs) -> Ran {
    let w = World::new();
    w.borrow_mut().bugs = bugs;
    w.borrow_mut().fail_code = fail_code;
    seed(&w, scenario);
    let mut outcomes = Vec::new();

    // The refund case refunds a payment made before, without faults.
    let mut paid_order = None;
    if scenario == Scenario::Refund {
        w.borrow_mut().faults_on = false;
        let (epoch, _reload) = w.borrow_mut().new_page();
        let page = open_page(&w, epoch);
        let paid = pay(&page, "pay").await;
        if let [PageOutcome { result: PageResult::Receipt { order_no }, .. }] = paid.as_slice() {
            paid_order = Some(order_no.clone());
        }
        outcomes.extend(paid);
        w.borrow_mut().faults_on = true;
    }

    w.borrow_mut().armed = armed;
    let (epoch, reload) = w.borrow_mut().new_page();
    let page = open_page(&w, epoch);
    let flow = async {
        match scenario {
            Scenario::Login => login(&page, "login").await,
            Scenario::Pay => pay(&page, "pay").await,
            Scenario::Refund => refund(&page, "refund", paid_order.as_deref().unwrap_or("none")).await,
            Scenario::Purchase => purchase(&page, "purchase").await,
            Scenario::Restore => restore(&page, "restore").await,
            Scenario::HistorySync => history(&page, "history").await,
        }
    };
    let reloaded = match select(flow.boxed_local(), reload).await {
        Either::Left((main, _)) => {
            outcomes.extend(main);
            false
        }
        // The page that ran the flow is gone: its flow has no result to show; the next page recovers.
        Either::Right(_) => true,
    };
    drop(page);
    let login_failed = scenario == Scenario::Login && outcomes.iter().any(|o| o.flow == "login");

    // Recovery: no more faults; late work lands; a new page restores, the reconciler passes, the page retries.
    w.borrow_mut().faults_on = false;
    tokio::time::sleep(Duration::from_secs(2_000)).await;
    let (epoch, _reload) = w.borrow_mut().new_page();
    let page = open_page(&w, epoch);
    outcomes.extend(restore(&page, "recovery: restorePendingOrders").await);
    server::reconcile_pass(&w).await;
    let unknown_payment = outcomes
        .iter()
        .any(|o| o.flow == "pay" && matches!(o.result, PageResult::OutcomeUnknown { .. }));
    if unknown_payment {
        outcomes.extend(pay(&page, "recovery: payWithTossPay").await);
    }
    match scenario {
        Scenario::HistorySync => outcomes.extend(history(&page, "recovery: history").await),
        Scenario::Login if login_failed || reloaded => outcomes.extend(login(&page, "recovery: login").await),
        _ => {}
    }
    tokio::time::sleep(Duration::from_secs(2_000)).await;

    let fired = w.borrow().armed.iter().map(|a| a.fired).collect();
    let restarts = w.borrow().restarts;
    let tasks = std::mem::take(&mut w.borrow_mut().tasks);
    for task in tasks {
        task.abort();
    }
    let obs = observe(&w, outcomes.clone());
    Ran { violations: check(&obs), fired, reloaded, restarts, outcomes }
}

async fn run_case(case: &Case) -> Ran {
    let mut armed = case.base.armed();
    armed.push(Armed { always: case.always, ..Armed::once(case.step, case.fault) });
    let fail_code = if case.final_fail { FINAL_FAIL } else { server::INJECTED_FAIL };
    run(scenario(case.step), armed, fail_code, Bugs::default()).await
}

/// Pairs of faults where one fault's recovery runs into the other: the review's reproduction and the races
/// between a late Toss call and a retry.
fn composites() -> Vec<(&'static str, Scenario, Vec<Armed>, &'static str)> {
    let every = |step, fault| Armed { always: true, ..Armed::once(step, fault) };
    vec![
        (
            "review §1: execute's reply dropped after Toss executed, every status lookup 5xx",
            Scenario::Pay,
            vec![Armed::once(Step::ExecuteRequest, Fault::DropAfterCommit), every(Step::Status, Fault::Http5xx)],
            server::INJECTED_FAIL,
        ),
        (
            "execute times out (Toss executes late), the retry is refused (final) while Toss still says approved",
            Scenario::Pay,
            vec![Armed::once(Step::ExecuteRequest, Fault::Timeout), Armed::once(Step::ExecuteRequest, Fault::TossFail)],
            FINAL_FAIL,
        ),
        (
            "execute times out (Toss executes late), the retry is refused (retryable)",
            Scenario::Pay,
            vec![Armed::once(Step::ExecuteRequest, Fault::Timeout), Armed::once(Step::ExecuteRequest, Fault::TossFail)],
            server::INJECTED_FAIL,
        ),
        (
            "the sheet's answer is lost and Toss's execute reply is dropped",
            Scenario::Pay,
            vec![Armed::once(Step::Sheet, Fault::DropAfterCommit), Armed::once(Step::ExecuteRequest, Fault::DropAfterCommit)],
            server::INJECTED_FAIL,
        ),
        (
            "the partner is killed after Toss executed, and the restarted reconciler's status lookups fail",
            Scenario::Pay,
            vec![Armed::once(Step::ExecuteRequest, Fault::PartnerKilledAfterCommit), every(Step::Status, Fault::Http5xx)],
            server::INJECTED_FAIL,
        ),
        (
            "refund times out (Toss refunds late) and every status lookup 5xx",
            Scenario::Refund,
            vec![Armed::once(Step::Refund, Fault::Timeout), every(Step::Status, Fault::Http5xx)],
            server::INJECTED_FAIL,
        ),
        (
            "grant reply dropped, then Toss voids the charge in processProductGrant",
            Scenario::Purchase,
            vec![Armed::once(Step::GrantReply, Fault::DropAfterCommit), Armed::once(Step::ProcessProductGrant, Fault::TossFail)],
            server::INJECTED_FAIL,
        ),
        (
            "the host sends `purchased` twice while every grant request fails with a 5xx",
            Scenario::Purchase,
            vec![Armed::once(Step::IapPurchased, Fault::HostAnswersTwice), every(Step::GrantRequest, Fault::Http5xx)],
            server::INJECTED_FAIL,
        ),
    ]
}

async fn local<F: Future>(f: F) -> F::Output {
    tokio::task::LocalSet::new().run_until(f).await
}

// ------------------------------------------------------------------------------------------------ tests

#[tokio::test(start_paused = true)]
async fn every_step_times_every_fault_keeps_the_invariants() {
    local(async {
        let (cases, skips) = matrix();
        let mut failures = Vec::new();
        let mut not_reached = Vec::new();
        let mut per_step: BTreeMap<Step, (usize, usize)> = BTreeMap::new();
        let (mut reloads, mut restarts, mut violations) = (0, 0, 0);
        let mut results: BTreeMap<String, usize> = BTreeMap::new();
        // FAULT_MATRIX_VERBOSE=1 prints every case with what the pages got.
        let verbose = std::env::var_os("FAULT_MATRIX_VERBOSE").is_some();
        for case in &cases {
            let ran = run_case(case).await;
            if verbose {
                let got: Vec<String> = ran.outcomes.iter().map(|o| format!("{}: {:?}", o.flow, o.result)).collect();
                println!("{} (fired {:?}, restarts {}): {}", case.label(), ran.fired, ran.restarts, got.join("; "));
            }
            per_step.entry(case.step).or_default().0 += 1;
            reloads += usize::from(ran.reloaded);
            restarts += ran.restarts as usize;
            violations += ran.violations.len();
            for o in &ran.outcomes {
                let key = match &o.result {
                    PageResult::Receipt { .. } => "receipt".to_string(),
                    PageResult::Granted { .. } => "granted".to_string(),
                    PageResult::TypedError { code, .. } => format!("typed error {code}"),
                    PageResult::OutcomeUnknown { .. } => "PAYMENT_OUTCOME_UNKNOWN".to_string(),
                    PageResult::Untyped(_) => "untyped".to_string(),
                    PageResult::NoResult => "no result".to_string(),
                };
                *results.entry(key).or_default() += 1;
            }
            if ran.fired.last() == Some(&0) {
                not_reached.push(case.label());
            }
            if !ran.violations.is_empty() {
                let list: Vec<String> = ran.violations.iter().map(|v| format!("    {v}")).collect();
                failures.push(format!("{}:\n{}\n    page: {:?}", case.label(), list.join("\n"), ran.outcomes));
            }
        }
        for (step, _, _) in &skips {
            per_step.entry(*step).or_default().1 += 1;
        }
        let composites = composites();
        for (label, scenario, armed, fail_code) in &composites {
            let ran = run(*scenario, armed.clone(), fail_code, Bugs::default()).await;
            violations += ran.violations.len();
            restarts += ran.restarts as usize;
            if ran.fired.contains(&0) {
                not_reached.push(label.to_string());
            }
            if !ran.violations.is_empty() {
                let list: Vec<String> = ran.violations.iter().map(|v| format!("    {v}")).collect();
                failures.push(format!("{label}:\n{}\n    page: {:?}", list.join("\n"), ran.outcomes));
            }
        }

        println!(
            "native fault matrix: {} cases run ({} single faults + {} pairs), {} cells skipped, {} violations",
            cases.len() + composites.len(),
            cases.len(),
            composites.len(),
            skips.len(),
            violations
        );
        println!(
            "  steps: {}, faults: {} (timeout, 5xx, Toss FAIL and drop also on every occurrence; a relayed Toss FAIL \
             both retryable and final)",
            Step::ALL.len(),
            Fault::ALL.len()
        );
        println!("  page reloads: {reloads}, partner restarts: {restarts}");
        for (step, (run, skipped)) in &per_step {
            println!("  {step:<22} {run:>3} cases, {skipped} skipped");
        }
        for (step, fault, why) in &skips {
            println!("  skip {step} × {fault}: {why}");
        }
        println!("  page results: {results:?}");

        assert!(not_reached.is_empty(), "faults that never fired (the harness does not reach them):\n{}", not_reached.join("\n"));
        assert!(failures.is_empty(), "{} cases broke invariants:\n{}", failures.len(), failures.join("\n"));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn without_faults_every_flow_ends_as_it_should() {
    local(async {
        let ran = run(Scenario::Pay, vec![], server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?}", ran.violations);
        assert!(matches!(&ran.outcomes[0].result, PageResult::Receipt { order_no } if order_no == "ORD-1"), "{:?}", ran.outcomes);

        let ran = run(Scenario::Purchase, vec![], server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?}", ran.violations);
        assert!(matches!(ran.outcomes[0].result, PageResult::Granted { .. }), "{:?}", ran.outcomes);

        let ran = run(Scenario::Restore, vec![], server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?}", ran.violations);
        assert!(matches!(ran.outcomes[0].result, PageResult::Granted { .. }), "{:?}", ran.outcomes);

        let ran = run(Scenario::Refund, vec![], server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?}", ran.violations);
        assert_eq!(ran.outcomes.len(), 2, "{:?}", ran.outcomes);
        assert!(matches!(ran.outcomes[1].result, PageResult::Receipt { .. }), "{:?}", ran.outcomes);

        // History + sync revokes the refunded order and the provisional grant of the failed one.
        let ran = run(Scenario::HistorySync, vec![], server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?}", ran.violations);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_matrix_catches_a_partner_with_the_reviews_bugs() {
    local(async {
        // §1: execute's reply dropped after Toss executed, then the status lookups fail: a partner that moves the
        // payment back to CREATED and answers a final TOSS_API_FAILED loses a charge.
        let review = || {
            vec![
                Armed::once(Step::ExecuteRequest, Fault::DropAfterCommit),
                Armed { always: true, ..Armed::once(Step::Status, Fault::Http5xx) },
            ]
        };
        let bugs = Bugs { revert_after_already_executed: true, ..Bugs::default() };
        let ran = run(Scenario::Pay, review(), server::INJECTED_FAIL, bugs).await;
        assert!(
            ran.violations.iter().any(|v| matches!(v, Violation::CompletedNotPaid { .. })),
            "{:?} / {:?}",
            ran.violations,
            ran.outcomes
        );
        // The partner as issue 8 wants it survives the same faults.
        let ran = run(Scenario::Pay, review(), server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?} / {:?}", ran.violations, ran.outcomes);

        // §1: an order granted while in progress that then fails keeps its item forever on the old partner.
        let failed = || vec![Armed::once(Step::ProcessProductGrant, Fault::TossFail)];
        let bugs = Bugs { final_grants_in_progress: true, ..Bugs::default() };
        let ran = run(Scenario::Purchase, failed(), server::INJECTED_FAIL, bugs).await;
        assert!(
            ran.violations.iter().any(|v| matches!(v, Violation::GrantForUnchargedOrder { .. })),
            "{:?}",
            ran.violations
        );
        let ran = run(Scenario::Purchase, failed(), server::INJECTED_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?}", ran.violations);

        // A late execute lands after a refused retry moved the payment back to CREATED on Toss's "approved".
        let race = || vec![Armed::once(Step::ExecuteRequest, Fault::Timeout), Armed::once(Step::ExecuteRequest, Fault::TossFail)];
        let bugs = Bugs { revert_refused_retry: true, ..Bugs::default() };
        let ran = run(Scenario::Pay, race(), FINAL_FAIL, bugs).await;
        assert!(
            ran.violations.iter().any(|v| matches!(v, Violation::CompletedNotPaid { .. })),
            "{:?} / {:?}",
            ran.violations,
            ran.outcomes
        );
        let ran = run(Scenario::Pay, race(), FINAL_FAIL, Bugs::default()).await;
        assert!(ran.violations.is_empty(), "{:?} / {:?}", ran.violations, ran.outcomes);
    })
    .await;
}

