//! The fault matrix against the real partner server and the real sandbox (issue 8 §2): every server step × every
//! sandbox fault, and the partner process killed mid-step, each followed by recovery and the shared invariant
//! checker (`ait-invariants`) over the sandbox's ledger (`Control::dump()`) and the partner's SQLite.
//!
//! A small page driver plays the bridge over HTTP (the same retries: 4 attempts of retryable calls; after an
//! execute in doubt, status polls that execute an approved payment; `PAYMENT_OUTCOME_UNKNOWN` if still unknown) and
//! the host through the sandbox's control API (the sheet approves; `processProductGrant` and
//! `completeProductGrant` complete the order). Recovery is what the page and the server do afterwards: faults
//! cleared, a new page restores pending orders (grant + complete), the reconciler makes a pass
//! (`reconciler::run_once`), and the page retries the payment it was told `PAYMENT_OUTCOME_UNKNOWN` about (the
//! history page is opened again, so a failed sync is retried). The partner's Toss timeout is 300 ms so that
//! latency beyond it is quick; rate limits are off (they are not the subject here).
//!
//! "Partner killed" runs the server in a runtime of its own and drops that runtime while the step's Toss call is
//! held by the sandbox (no graceful shutdown: open requests die), then starts a new server on the same database.
//! Whether Toss then acts on the abandoned call is up to the sandbox; the invariants must hold either way.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use ait_invariants::{check, Observation, PageOutcome, PageResult, Violation};
use ait_partner::config::Config;
use ait_partner::{Server, StartOptions};
use serde_json::{json, Value};

use crate::common::*;

const TOSS_TIMEOUT_MS: u64 = 300;
/// Latency that outlasts the partner's Toss timeout.
const LATE_MS: u64 = 1_500;
/// For the kill cases: a Toss timeout the held call stays within.
const KILL_TOSS_TIMEOUT_MS: u64 = 10_000;
const HOLD_MS: u64 = 1_500;
/// The killed server's claims in the database (leases) are free again this long after the kill.
const KILL_LEASE_TTL_MS: u64 = 300;
const SKU: &str = "gem_100";
const RETRYABLE_FAIL: &str = "COMMON_BREAK_TIME_OF_BANK";
const FINAL_FAIL: &str = "COMMON_SYSTEM_ERROR";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    LoginExchange,
    MakePayment,
    ExecuteRequest,
    ExecuteReply,
    Status,
    Refund,
    Grant,
    Sync,
}

impl Step {
    const ALL: [Step; 8] = [
        Step::LoginExchange,
        Step::MakePayment,
        Step::ExecuteRequest,
        Step::ExecuteReply,
        Step::Status,
        Step::Refund,
        Step::Grant,
        Step::Sync,
    ];

    /// The Toss endpoint the step calls (`None`: the reply leg, between partner and page).
    fn endpoint(self) -> Option<&'static str> {
        Some(match self {
            Step::LoginExchange => "generate-token",
            Step::MakePayment => "make-payment",
            Step::ExecuteRequest => "execute-payment",
            Step::ExecuteReply => return None,
            Step::Status => "get-payment-status",
            Step::Refund => "refund-payment",
            Step::Grant | Step::Sync => "order/get-order-status",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Latency beyond the partner's Toss timeout (the page's own timeout, on the reply leg).
    Timeout,
    /// HTTP 5xx before Toss handles the call.
    Http5xx,
    /// HTTP 5xx after Toss handled the call.
    Http5xxAfterCommit,
    /// A Toss `FAIL` (retryable or final).
    Fail,
    /// Toss handles the call and closes the connection without a reply (the reply leg: the page's connection is
    /// cut after the partner stored the outcome).
    Drop,
    /// The partner process is killed mid-step and restarted on the same database.
    Killed,
}

impl Fault {
    const ALL: [Fault; 6] = [Fault::Timeout, Fault::Http5xx, Fault::Http5xxAfterCommit, Fault::Fail, Fault::Drop, Fault::Killed];
}

fn applies(step: Step, fault: Fault) -> Result<(), &'static str> {
    match (step, fault) {
        (Step::ExecuteReply, Fault::Http5xx | Fault::Http5xxAfterCommit | Fault::Fail) => {
            Err("no Toss call on the reply leg (the request step has it)")
        }
        (Step::ExecuteReply, Fault::Drop) => {
            Err("on the reply leg a cut connection is the page's timeout: the page drops the connection either way")
        }
        (Step::ExecuteReply, Fault::Killed) => {
            Err("no hook between the partner's store and its reply; a kill after Toss executed is Status × Killed")
        }
        _ => Ok(()),
    }
}

#[derive(Clone, Debug)]
struct Case {
    step: Step,
    fault: Fault,
    /// On every call during the flow (else once).
    always: bool,
    final_fail: bool,
}

impl Case {
    fn label(&self) -> String {
        let mut s = format!("{:?} × {:?}", self.step, self.fault);
        if self.fault == Fault::Fail {
            s += if self.final_fail { " (final)" } else { " (retryable)" };
        }
        if self.always {
            s += " [every time]";
        }
        s
    }

    fn spec(&self, endpoint: &str) -> Value {
        let mut v = match self.fault {
            Fault::Timeout => json!({"kind": "latency", "ms": LATE_MS}),
            Fault::Http5xx => json!({"kind": "http5xx", "status": 503}),
            Fault::Http5xxAfterCommit => json!({"kind": "http5xx", "status": 503, "afterCommit": true}),
            Fault::Fail => json!({"kind": "fail", "errorCode": if self.final_fail { FINAL_FAIL } else { RETRYABLE_FAIL }}),
            Fault::Drop => json!({"kind": "drop"}),
            Fault::Killed => json!({"kind": "latency", "ms": HOLD_MS}),
        };
        v["endpoint"] = json!(endpoint);
        v["times"] = json!(if self.always { 1_000 } else { 1 });
        v
    }
}

fn matrix() -> (Vec<Case>, Vec<(Step, Fault, &'static str)>) {
    let mut cases = Vec::new();
    let mut skips = Vec::new();
    for step in Step::ALL {
        for fault in Fault::ALL {
            if let Err(why) = applies(step, fault) {
                skips.push((step, fault, why));
                continue;
            }
            let persist = step != Step::ExecuteReply && fault != Fault::Killed;
            for always in if persist { vec![false, true] } else { vec![false] } {
                for final_fail in if fault == Fault::Fail { vec![false, true] } else { vec![false] } {
                    cases.push(Case { step, fault, always, final_fail });
                }
            }
        }
    }
    (cases, skips)
}

// ------------------------------------------------------------------------------------------------ the page

/// What the page got from one partner call, as the bridge reads it.
#[derive(Debug, Clone)]
enum Got {
    Ok(Value),
    Failed { code: String, retryable: bool },
    /// No reply (connection reset, the page's timeout).
    Lost,
    /// An error reply that is not the contract's JSON.
    Untyped(String),
}

impl Got {
    fn retryable(&self) -> bool {
        match self {
            Got::Failed { retryable, .. } => *retryable,
            Got::Lost => true,
            _ => false,
        }
    }

    /// The page's result for a failed call about `order_no`.
    fn result(&self, order_no: Option<&str>) -> PageResult {
        match self {
            Got::Failed { code, .. } if code == "PAYMENT_OUTCOME_UNKNOWN" => {
                PageResult::OutcomeUnknown { order_no: order_no.map(str::to_string) }
            }
            // The bridge's codes for the partner's codes (src/partner/http_error.rs).
            Got::Failed { code, retryable } => {
                let code = match code.as_str() {
                    "TOSS_API_FAILED" | "ALREADY_IN_PROGRESS" => code.clone(),
                    "TOSS_UNREACHABLE" | "INTERNAL" => "PARTNER_ERROR".into(),
                    _ if *retryable => "PARTNER_ERROR".into(),
                    _ => "PARTNER_REJECTED".into(),
                };
                PageResult::TypedError { code, retryable: *retryable }
            }
            Got::Lost => PageResult::TypedError { code: "PARTNER_UNREACHABLE".into(), retryable: true },
            Got::Untyped(s) => PageResult::Untyped(s.clone()),
            Got::Ok(v) => PageResult::Untyped(format!("not a failure: {v}")),
        }
    }
}

struct Page {
    http: reqwest::Client,
    base: String,
    /// Replies the page never got.
    lost: std::sync::atomic::AtomicUsize,
}

impl Page {
    fn new(b: &Browser) -> Page {
        Page { http: b.http.clone(), base: b.base.clone(), lost: Default::default() }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>, timeout: Option<Duration>) -> Got {
        let url = format!("{}{path}", self.base);
        let mut req = if method == "GET" { self.http.get(url) } else { self.http.post(url).json(&body.unwrap_or(json!({}))) };
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let lost = || {
            self.lost.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Got::Lost
        };
        let Ok(r) = req.send().await else { return lost() };
        let status = r.status();
        let Ok(text) = r.text().await else { return lost() };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Got::Ok(v);
        }
        match (v["error"]["code"].as_str(), v["error"]["retryable"].as_bool()) {
            (Some(code), Some(retryable)) => Got::Failed { code: code.into(), retryable },
            _ => Got::Untyped(format!("{status}: {text}")),
        }
    }

    /// Up to 4 attempts while the failure is retryable, as the bridge does.
    async fn retried<F, Fut>(&self, f: F) -> Got
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Got>,
    {
        let mut got = f().await;
        for _ in 1..4 {
            if !got.retryable() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            got = f().await;
        }
        got
    }

    async fn login(&self, env: &Env) -> Option<PageResult> {
        let code = env.ctl().issue_login_code(USER, None).authorization_code;
        let got = self.call("POST", "/login", Some(json!({"authorizationCode": code, "referrer": "DEFAULT"})), None).await;
        match got {
            Got::Ok(_) => None,
            other => Some(other.result(None)),
        }
    }

    /// `payWithTossPay`: create, the sheet, execute, and the status polls when the execute is in doubt.
    async fn pay(&self, env: &Env, key: &str, reply_timeout: Option<Duration>) -> PageResult {
        let body = json!({"order": {"items": [{"sku": "beans_200g", "quantity": 1}]}, "idempotencyKey": key});
        let created = self.retried(|| self.call("POST", "/tosspay/payments", Some(body.clone()), None)).await;
        let Got::Ok(created) = created else { return created.result(None) };
        let order_no = created["orderNo"].as_str().unwrap_or_default().to_string();
        // The sheet: the buyer authenticates (a payment already approved or executed stays as it is).
        let _ = env.ctl().approve_payment(created["payToken"].as_str().unwrap_or_default(), Some("CARD"));
        let execute = format!("/tosspay/payments/{order_no}/execute");
        let executed = self.retried(|| self.call("POST", &execute, None, reply_timeout)).await;
        match executed {
            Got::Ok(r) => return PageResult::Receipt { order_no: r["orderNo"].as_str().unwrap_or_default().into() },
            ref e if !e.retryable() => return e.result(Some(&order_no)),
            _ => {}
        }
        // In doubt: ask, execute an approved payment, never report a failure for money that may have moved.
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            match self.call("GET", &format!("/tosspay/payments/{order_no}"), None, None).await {
                Got::Ok(st) if st["status"] == "PAY_COMPLETE" && st["receipt"].is_object() => {
                    return PageResult::Receipt { order_no };
                }
                Got::Ok(st) if st["status"] == "PAY_APPROVED" => {
                    if let Got::Ok(_) = self.call("POST", &execute, None, reply_timeout).await {
                        return PageResult::Receipt { order_no };
                    }
                }
                Got::Ok(st) if st["status"] == "PAY_PROGRESS" || st["status"] == "PAY_COMPLETE" => {}
                Got::Ok(st) => return PageResult::TypedError { code: format!("TOSS_API_FAILED ({})", st["status"]), retryable: false },
                e if e.retryable() => {}
                e => return e.result(Some(&order_no)),
            }
        }
        PageResult::OutcomeUnknown { order_no: Some(order_no) }
    }

    async fn refund(&self, order_no: &str) -> PageResult {
        let path = format!("/tosspay/payments/{order_no}/refund");
        match self.call("POST", &path, Some(json!({"reason": "고객요청"})), None).await {
            Got::Ok(_) => PageResult::Receipt { order_no: order_no.into() },
            e => e.result(Some(order_no)),
        }
    }

    /// The page's grant of a charged order, then the host completes it (`processProductGrant` answered true, or
    /// `completeProductGrant` in a restore).
    async fn grant_and_complete(&self, env: &Env, order_id: &str) -> PageResult {
        let body = json!({"orderId": order_id, "sku": SKU});
        match self.retried(|| self.call("POST", "/iap/grants", Some(body.clone()), None)).await {
            Got::Ok(r) if r["granted"] == true => {
                let _ = env.ctl().decide_order(order_id, "PAYMENT_COMPLETED");
                PageResult::Granted { order_id: order_id.into() }
            }
            _ => PageResult::TypedError { code: "PRODUCT_NOT_GRANTED_BY_PARTNER".into(), retryable: false },
        }
    }

    /// `restorePendingOrders`: every charged order still in progress.
    async fn restore(&self, env: &Env) -> Vec<PageResult> {
        let mut out = Vec::new();
        for order_id in pending_orders(env) {
            out.push(self.grant_and_complete(env, &order_id).await);
        }
        out
    }

    /// `orderHistory` + sync: a failed sync does not fail the page (it is retried on the next visit).
    async fn history_and_sync(&self, env: &Env) {
        let orders: Vec<Value> = sandbox_orders(env)
            .into_iter()
            .filter_map(|o| {
                let status = match o["status"].as_str()? {
                    "PAYMENT_COMPLETED" | "PURCHASED" => "COMPLETED",
                    "REFUNDED" => "REFUNDED",
                    _ => return None,
                };
                Some(json!({"orderId": o["orderId"], "sku": o["sku"], "status": status}))
            })
            .collect();
        let _ = self.call("POST", "/iap/sync", Some(json!({ "orders": orders })), None).await;
    }
}

fn sandbox_orders(env: &Env) -> Vec<Value> {
    let dump = env.ctl().dump();
    dump["state"]["iapOrders"].as_object().map(|m| m.values().cloned().collect()).unwrap_or_default()
}

fn pending_orders(env: &Env) -> Vec<String> {
    sandbox_orders(env)
        .into_iter()
        .filter(|o| {
            o["userKey"].as_str() == Some(USER.to_string().as_str())
                && o["status"] == "ORDER_IN_PROGRESS"
                && o["paid"] == true
        })
        .filter_map(|o| o["orderId"].as_str().map(str::to_string))
        .collect()
}

// ------------------------------------------------------------------------------------------------ kills

/// A partner server in a runtime of its own, so that it can die without a graceful shutdown.
struct Killable {
    base: String,
    kill: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Killable {
    fn start(config: Config) -> Killable {
        let (tx_base, rx_base) = std::sync::mpsc::channel();
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            let server = rt.block_on(Server::start(config, StartOptions::default())).unwrap();
            tx_base.send(server.api_url()).unwrap();
            let _ = killed.recv();
            // kill -9: no graceful stop; every task of the process is dropped where it stands.
            std::mem::forget(server);
            rt.shutdown_background();
        });
        let base = rx_base.recv().unwrap();
        Killable { base, kill: Some(kill), thread: Some(thread) }
    }

    fn kill(&mut self) {
        if let Some(k) = self.kill.take() {
            let _ = k.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Killable {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits (bounded) until the sandbox has received `n` calls of `endpoint`.
async fn wait_calls(env: &Env, endpoint: &str, n: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while env.ctl().calls(endpoint) < n {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

// ------------------------------------------------------------------------------------------------ one case

struct Ran {
    violations: Vec<Violation>,
    outcomes: Vec<PageOutcome>,
    /// The fault reached its step (the sandbox counted a call, or the kill landed).
    reached: bool,
    note: String,
}

fn record(outcomes: &mut Vec<PageOutcome>, flow: &str, r: PageResult) {
    outcomes.push(PageOutcome { flow: flow.into(), result: r });
}

async fn env_for(case: &Case) -> Env {
    let toss_timeout = if case.fault == Fault::Killed { KILL_TOSS_TIMEOUT_MS } else { TOSS_TIMEOUT_MS };
    Env::with(|c| {
        c.toss.timeout_ms = toss_timeout;
        c.lease_ttl_ms = KILL_LEASE_TTL_MS;
        c.rate_limit.login_burst = 0;
        c.rate_limit.toss_burst = 0;
    })
    .await
}

/// What earlier visits left for the sync case: a completed order, a refunded one, a failed one with a provisional
/// grant (all granted by the page).
async fn seed_sync(env: &Env, page: &Page) {
    let completed = env.ctl().create_order(&USER.to_string(), SKU, None, true).unwrap().order_id;
    page.grant_and_complete(env, &completed).await;
    let refunded = env.ctl().create_order(&USER.to_string(), SKU, None, true).unwrap().order_id;
    page.grant_and_complete(env, &refunded).await;
    env.ctl().refund_order(&refunded).unwrap();
    let failed = env.ctl().create_order(&USER.to_string(), SKU, None, false).unwrap().order_id;
    let _ = page.call("POST", "/iap/grants", Some(json!({"orderId": failed, "sku": SKU})), None).await;
    env.ctl().decide_order(&failed, "FAILED").unwrap();
}

async fn run_case(case: &Case) -> Ran {
    let mut env = env_for(case).await;
    let b = env.logged_in(USER).await;
    let mut page = Page::new(&b);
    let mut outcomes = Vec::new();
    let mut note = String::new();
    let key = "idem-1";

    // Before the fault: what the step needs.
    let mut paid_order = None;
    match case.step {
        Step::Refund => {
            let r = page.pay(&env, "idem-0", None).await;
            if let PageResult::Receipt { order_no } = &r {
                paid_order = Some(order_no.clone());
            }
            record(&mut outcomes, "pay", r);
        }
        Step::Sync => seed_sync(&env, &page).await,
        _ => {}
    }
    let endpoint = case.step.endpoint();
    let calls_before = endpoint.map_or(0, |e| env.ctl().calls(e));
    if case.step == Step::Status {
        // So that the status is asked: Toss executes, its reply to the partner is lost.
        env.fault(json!({"endpoint": "execute-payment", "kind": "drop"}));
    }

    let mut reached;
    if case.fault == Fault::Killed {
        // The server in a runtime of its own; the page's request in a task; the step's Toss call held, then kill.
        env.server.take().unwrap().shutdown().await;
        let mut killable = Killable::start(env.config.clone());
        page.base = killable.base.clone();
        // The step's Toss call is held; for Status that is the lookup after Toss executed and its reply was lost
        // (the drop armed above): the partner dies after Toss committed, before it learned the outcome.
        let held_endpoint = endpoint.unwrap_or("get-payment-status");
        let wait_for = env.ctl().calls(held_endpoint) + 1;
        env.fault(case.spec(held_endpoint));
        let flow = {
            let page = Page { http: page.http.clone(), base: page.base.clone(), lost: Default::default() };
            let step = case.step;
            let paid_order = paid_order.clone();
            let env_ctl_login = env.ctl().issue_login_code(USER, None).authorization_code;
            let ctl = env.ctl().clone();
            tokio::spawn(async move {
                match step {
                    Step::LoginExchange => {
                        let body = json!({"authorizationCode": env_ctl_login, "referrer": "DEFAULT"});
                        let _ = page.call("POST", "/login", Some(body), None).await;
                    }
                    Step::Refund => {
                        let _ = page.refund(paid_order.as_deref().unwrap_or("none")).await;
                    }
                    Step::Grant => {
                        let id = ctl.create_order(&USER.to_string(), SKU, None, true).unwrap().order_id;
                        let _ = page.call("POST", "/iap/grants", Some(json!({"orderId": id, "sku": SKU})), None).await;
                    }
                    Step::Sync => {
                        let _ = page.call("POST", "/iap/sync", Some(json!({"orders": []})), None).await;
                    }
                    _ => {
                        let body = json!({"order": {"items": [{"sku": "beans_200g", "quantity": 1}]}, "idempotencyKey": "idem-1"});
                        let Got::Ok(c) = page.call("POST", "/tosspay/payments", Some(body), None).await else { return };
                        let _ = ctl.approve_payment(c["payToken"].as_str().unwrap_or_default(), Some("CARD"));
                        let path = format!("/tosspay/payments/{}/execute", c["orderNo"].as_str().unwrap_or_default());
                        let _ = page.call("POST", &path, None, None).await;
                    }
                }
            })
        };
        reached = wait_calls(&env, held_endpoint, wait_for).await;
        tokio::task::block_in_place(|| killable.kill());
        let _ = flow.await;
        // The page saw its request die: it is a new page after the restart (below) that recovers.
        record(&mut outcomes, "killed flow", PageResult::TypedError { code: "PARTNER_UNREACHABLE".into(), retryable: true });
        tokio::time::sleep(Duration::from_millis(HOLD_MS + 200)).await; // the held call ends, one way or the other
        env.ctl().clear_faults();
        env.start().await;
        page.base = env.server().api_url();
        note = format!("Toss calls of {held_endpoint} after the kill: {}", env.ctl().calls(held_endpoint));
    } else {
        // The fault, then the step's flow.
        match (case.step, endpoint) {
            (_, Some(e)) => env.fault(case.spec(e)),
            (_, None) => {
                // The reply leg: the partner stores the outcome, the page's reply is lost (a timeout shorter than
                // the partner's work, or a connection cut: the same to the page).
                env.fault(json!({"endpoint": "execute-payment", "kind": "latency", "ms": TOSS_TIMEOUT_MS / 2}));
            }
        }
        let reply_timeout = (case.step == Step::ExecuteReply).then(|| Duration::from_millis(TOSS_TIMEOUT_MS / 6));
        match case.step {
            Step::LoginExchange => {
                if let Some(r) = page.login(&env).await {
                    record(&mut outcomes, "login", r);
                }
            }
            Step::MakePayment | Step::ExecuteRequest | Step::ExecuteReply | Step::Status => {
                let r = page.pay(&env, key, reply_timeout).await;
                record(&mut outcomes, "pay", r);
            }
            Step::Refund => {
                let r = page.refund(paid_order.as_deref().unwrap_or("none")).await;
                record(&mut outcomes, "refund", r);
            }
            Step::Grant => {
                let id = env.ctl().create_order(&USER.to_string(), SKU, None, true).unwrap().order_id;
                let r = page.grant_and_complete(&env, &id).await;
                record(&mut outcomes, "purchase", r);
            }
            Step::Sync => page.history_and_sync(&env).await,
        }
        reached = endpoint.is_none_or(|e| env.ctl().calls(e) > calls_before);
        if case.step == Step::ExecuteReply {
            reached = page.lost.load(std::sync::atomic::Ordering::Relaxed) > 0;
        }
        // Late work lands (latency outlasting the partner's timeout), then no more faults.
        if case.fault == Fault::Timeout {
            tokio::time::sleep(Duration::from_millis(LATE_MS + 200)).await;
        }
        env.ctl().clear_faults();
    }

    // Recovery: a new page restores, the reconciler passes, the page retries what it was told is unknown. After a
    // kill, the dead server's claims expire first (the reconciler skips a payment someone holds).
    if case.fault == Fault::Killed {
        tokio::time::sleep(Duration::from_millis(KILL_LEASE_TTL_MS + 100)).await;
    }
    for r in page.restore(&env).await {
        record(&mut outcomes, "recovery: restorePendingOrders", r);
    }
    env.reconcile().await;
    let unknown = outcomes.iter().any(|o| o.flow == "pay" && matches!(o.result, PageResult::OutcomeUnknown { .. }));
    // The page that saw its payment's request die retries it, as the bridge retries a PARTNER_UNREACHABLE.
    let died = case.fault == Fault::Killed && matches!(case.step, Step::MakePayment | Step::ExecuteRequest | Step::Status);
    if unknown || died {
        let r = page.pay(&env, key, None).await;
        record(&mut outcomes, "recovery: payWithTossPay", r);
    }
    match case.step {
        Step::Sync => page.history_and_sync(&env).await,
        Step::LoginExchange => {
            if let Some(r) = page.login(&env).await {
                record(&mut outcomes, "recovery: login", r);
            }
        }
        _ => {}
    }

    let mut obs = Observation::from_sandbox_state(&env.ctl().dump()).expect("sandbox state");
    add_partner_rows(&env, &mut obs).await;
    obs.page_outcomes = outcomes.clone();
    Ran { violations: check(&obs), outcomes, reached, note }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_step_times_every_sandbox_fault_keeps_the_invariants() {
    let started = Instant::now();
    let (cases, skips) = matrix();
    let mut failures = Vec::new();
    let mut not_reached = Vec::new();
    let mut per_step: BTreeMap<Step, (usize, usize)> = BTreeMap::new();
    let mut violations = 0;
    let verbose = std::env::var_os("FAULT_MATRIX_VERBOSE").is_some();
    for case in &cases {
        let ran = run_case(case).await;
        per_step.entry(case.step).or_default().0 += 1;
        violations += ran.violations.len();
        if verbose {
            let got: Vec<String> = ran.outcomes.iter().map(|o| format!("{}: {:?}", o.flow, o.result)).collect();
            println!("{} ({}): {}", case.label(), ran.note, got.join("; "));
        }
        if !ran.reached {
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
    println!(
        "server fault matrix: {} cases run, {} cells skipped, {} violations in {} cases, {:.1} s",
        cases.len(),
        skips.len(),
        violations,
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    for (step, (run, skipped)) in &per_step {
        println!("  {:<16} {run:>3} cases, {skipped} skipped", format!("{step:?}"));
    }
    for (step, fault, why) in &skips {
        println!("  skip {step:?} × {fault:?}: {why}");
    }
    assert!(not_reached.is_empty(), "faults that never reached their step:\n{}", not_reached.join("\n"));
    assert!(failures.is_empty(), "{} of {} cases broke invariants:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

// ------------------------------------------------------------------------------------------------ pairs

/// A pair of faults where the recovery from one runs into the other; `arm` is called with the flow running.
async fn run_pair(label: &str, first: Value, second: Option<(&str, Value)>) -> Ran {
    let mut env = Env::with(|c| {
        c.toss.timeout_ms = TOSS_TIMEOUT_MS;
        c.rate_limit.login_burst = 0;
        c.rate_limit.toss_burst = 0;
    })
    .await;
    let b = env.logged_in(USER).await;
    let page = Page::new(&b);
    let mut outcomes = Vec::new();
    env.fault(first);
    let ctl = env.ctl().clone();
    // The second fault is armed once the first call of its endpoint was made.
    let arm = async {
        if let Some((endpoint, spec)) = second {
            let before = ctl.calls(endpoint);
            let deadline = Instant::now() + Duration::from_secs(20);
            while ctl.calls(endpoint) == before && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            ctl.add_fault(serde_json::from_value(spec).unwrap()).unwrap();
        }
    };
    let (r, ()) = tokio::join!(page.pay(&env, "idem-1", None), arm);
    record(&mut outcomes, "pay", r);
    tokio::time::sleep(Duration::from_millis(LATE_MS + 200)).await;
    env.ctl().clear_faults();
    for r in page.restore(&env).await {
        record(&mut outcomes, "recovery: restorePendingOrders", r);
    }
    env.reconcile().await;
    if outcomes.iter().any(|o| matches!(o.result, PageResult::OutcomeUnknown { .. })) {
        let r = page.pay(&env, "idem-1", None).await;
        record(&mut outcomes, "recovery: payWithTossPay", r);
    }
    let mut obs = Observation::from_sandbox_state(&env.ctl().dump()).expect("sandbox state");
    add_partner_rows(&env, &mut obs).await;
    obs.page_outcomes = outcomes.clone();
    let note = format!("{label}: execute-payment calls {}", env.ctl().calls("execute-payment"));
    env.restart().await;
    Ran { violations: check(&obs), outcomes, reached: true, note }
}

/// The sandbox's payment of `order_no`: (payToken, payStatus).
fn toss_payment(env: &Env, order_no: &str) -> Option<(String, String)> {
    let dump = env.ctl().dump();
    dump["state"]["payments"].as_object()?.values().find(|p| p["orderNo"] == order_no).map(|p| {
        (p["payToken"].as_str().unwrap_or_default().to_string(), p["payStatus"].as_str().unwrap_or_default().to_string())
    })
}

/// A payment whose first execute was held past the partner's timeout and whose retry Toss refused while it still
/// reported the payment approved; then Toss handles the held execute. `final_fail`: the refusal is final.
async fn late_execute_after_a_refused_retry(final_fail: bool) -> Ran {
    let env = Env::with(|c| {
        c.toss.timeout_ms = TOSS_TIMEOUT_MS;
        c.rate_limit.login_burst = 0;
        c.rate_limit.toss_burst = 0;
    })
    .await;
    let b = env.logged_in(USER).await;
    let page = Page::new(&b);
    let mut outcomes = Vec::new();
    env.fault(json!({"endpoint": "execute-payment", "kind": "latency", "ms": LATE_MS}));
    let ctl = env.ctl().clone();
    let code = if final_fail { FINAL_FAIL } else { RETRYABLE_FAIL };
    // The refusal is armed once the held execute was sent, for the page's retry.
    let arm = async {
        let deadline = Instant::now() + Duration::from_secs(20);
        while ctl.calls("execute-payment") == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        ctl.add_fault(serde_json::from_value(json!({"endpoint": "execute-payment", "kind": "fail", "errorCode": code})).unwrap())
            .unwrap();
    };
    let (r, ()) = tokio::join!(page.pay(&env, "idem-1", None), arm);
    let order_no = match &r {
        PageResult::Receipt { order_no } => Some(order_no.clone()),
        PageResult::OutcomeUnknown { order_no } => order_no.clone(),
        _ => None,
    }
    .or_else(|| env.sql().query_row("SELECT order_no FROM payments", [], |r| r.get::<_, String>(0)).ok());
    record(&mut outcomes, "pay", r);
    tokio::time::sleep(Duration::from_millis(LATE_MS + 200)).await;
    env.ctl().clear_faults();
    let mut note = String::new();
    if let Some((token, status)) = order_no.as_deref().and_then(|o| toss_payment(&env, o)) {
        let toss = ait_partner::toss_client::TossClient::from_config(&env.config.toss).unwrap();
        let late = toss.execute_payment(USER, &token, order_no.as_deref().unwrap_or_default(), env.config.is_test_payment).await;
        note = format!("before Toss handled the held execute: {status}; it {}", if late.is_ok() { "executed it" } else { "refused it" });
    }
    env.reconcile().await;
    if outcomes.iter().any(|o| matches!(o.result, PageResult::OutcomeUnknown { .. })) {
        let r = page.pay(&env, "idem-1", None).await;
        record(&mut outcomes, "recovery: payWithTossPay", r);
    }
    let mut obs = Observation::from_sandbox_state(&env.ctl().dump()).expect("sandbox state");
    add_partner_rows(&env, &mut obs).await;
    obs.page_outcomes = outcomes.clone();
    Ran { violations: check(&obs), outcomes, reached: true, note }
}

/// A refund held past the partner's timeout (outcome unknown, `REFUNDING`); the reconciler's retry is refused
/// (final) while Toss still reports the payment paid; then Toss handles the held refund.
async fn late_refund_after_a_refused_retry() -> Ran {
    let env = Env::with(|c| {
        c.toss.timeout_ms = TOSS_TIMEOUT_MS;
        c.rate_limit.login_burst = 0;
        c.rate_limit.toss_burst = 0;
    })
    .await;
    let b = env.logged_in(USER).await;
    let page = Page::new(&b);
    let mut outcomes = Vec::new();
    let paid = page.pay(&env, "idem-0", None).await;
    let order_no = match &paid {
        PageResult::Receipt { order_no } => order_no.clone(),
        other => panic!("the payment before the refund failed: {other:?}"),
    };
    record(&mut outcomes, "pay", paid);
    env.fault(json!({"endpoint": "refund-payment", "kind": "latency", "ms": LATE_MS}));
    let r = page.refund(&order_no).await;
    record(&mut outcomes, "refund", r);
    env.fault(json!({"endpoint": "refund-payment", "kind": "fail", "errorCode": FINAL_FAIL}));
    env.reconcile().await;
    tokio::time::sleep(Duration::from_millis(LATE_MS + 200)).await;
    env.ctl().clear_faults();
    let (token, status) = toss_payment(&env, &order_no).unwrap_or_default();
    let toss = ait_partner::toss_client::TossClient::from_config(&env.config.toss).unwrap();
    let late = toss.refund_payment(USER, &token, "고객요청", env.config.is_test_payment).await;
    let note = format!(
        "partner after the refused retry: {}; Toss before the held refund: {status}; it {}",
        env.payment_state(&order_no),
        if late.is_ok() { "refunded it" } else { "refused it" }
    );
    env.reconcile().await;
    let mut obs = Observation::from_sandbox_state(&env.ctl().dump()).expect("sandbox state");
    add_partner_rows(&env, &mut obs).await;
    obs.page_outcomes = outcomes.clone();
    Ran { violations: check(&obs), outcomes, reached: true, note }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_of_server_faults_keep_the_invariants() {
    let started = Instant::now();
    let review = run_pair(
        "review §1: execute's reply dropped after Toss executed, the status lookup 503 twice",
        json!({"endpoint": "execute-payment", "kind": "drop"}),
        Some(("execute-payment", json!({"endpoint": "get-payment-status", "kind": "http5xx", "status": 503, "times": 2}))),
    )
    .await;
    let runs = vec![
        ("review §1", review),
        ("late execute after a final refusal", late_execute_after_a_refused_retry(true).await),
        ("late execute after a retryable refusal", late_execute_after_a_refused_retry(false).await),
        ("late refund after a final refusal", late_refund_after_a_refused_retry().await),
    ];
    let mut failures = Vec::new();
    for (label, ran) in &runs {
        let got: Vec<String> = ran.outcomes.iter().map(|o| format!("{}: {:?}", o.flow, o.result)).collect();
        println!("{label} ({}) → {}", ran.note, got.join("; "));
        if !ran.violations.is_empty() {
            let list: Vec<String> = ran.violations.iter().map(|v| format!("    {v}")).collect();
            failures.push(format!("{label} ({}):\n{}\n    page: {:?}", ran.note, list.join("\n"), ran.outcomes));
        }
    }
    println!("server fault pairs: {} run, {} broke invariants, {:.1} s", runs.len(), failures.len(), started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The partner's payments and grants, read from its database (whichever it is) the way the chaos run reads them.
async fn add_partner_rows(env: &Env, obs: &mut Observation) {
    let pool = ait_invariants::load::open_partner_db(&String::from(env.config.database.clone()))
        .await
        .expect("open the partner database");
    obs.add_partner_pool(&pool).await.expect("partner database");
    pool.close().await;
}
