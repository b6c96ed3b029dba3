//! The partner server in the model: its store and its handlers, following the partner contract (`design.md`) and
//! ait-partner's state machine after issue 8:
//!
//! * a payment is saved `EXECUTING` before `execute-payment` and leaves it only on evidence (a receipt, Toss's
//!   status, or the refusal of a first attempt); `PAYMENT_ALREADY_EXECUTED` means paid: the receipt is fetched; an
//!   outcome still unknown answers `PAYMENT_OUTCOME_UNKNOWN` (retryable) and the reconciler settles it;
//! * refunds likewise through `REFUNDING`;
//! * a grant of an order Toss reports in progress is provisional; the reconciler and every sync confirm or revoke
//!   it; sync also revokes refunded and failed orders.
//!
//! Every Toss call goes through [`toss_call`], the fault injection point of the Toss legs.

use std::time::Duration;

use super::faults::{Fault, Leg, Step};
use super::toss::{self, PayStatus, StatusReply, Toss};
use super::world::{spawn, W};

/// The partner's timeout on Toss calls.
pub const TOSS_TIMEOUT: Duration = Duration::from_secs(10);
/// What the catalog charges for the matrix's order.
pub const AMOUNT: i64 = 12_000;
/// The only IAP product of the mini-app.
pub const SKU: &str = "gem_100";

/// `payments.state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PState {
    Creating,
    Created,
    Executing,
    Paid,
    Refunding,
    Refunded,
    Canceled,
}

/// A `payments` row.
#[derive(Clone, Debug)]
pub struct PPay {
    pub order_no: String,
    pub user: String,
    pub idem: String,
    pub order_json: String,
    pub amount: i64,
    pub pay_token: Option<String>,
    pub state: PState,
    pub toss_status: Option<PayStatus>,
    /// The receipt (its transaction id).
    pub receipt: Option<String>,
    /// The refund receipt (its transaction id).
    pub refund: Option<String>,
}

/// A `grants` row.
#[derive(Clone, Debug)]
pub struct PGrant {
    pub order_id: String,
    pub user: String,
    pub sku: String,
    /// The revoke reason, once revoked.
    pub revoked: Option<String>,
    pub provisional: bool,
}

/// The partner's database: what survives a restart.
#[derive(Default, Debug)]
pub struct Store {
    pub payments: Vec<PPay>,
    pub grants: Vec<PGrant>,
    pub sessions: Vec<String>,
    next: u32,
}

/// The contract's error reply.
#[derive(Clone, Debug)]
pub struct AppErr {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub retryable: bool,
    pub toss: Option<String>,
}

impl AppErr {
    fn new(status: u16, code: &'static str, message: impl Into<String>, retryable: bool) -> AppErr {
        AppErr { status, code, message: message.into(), retryable, toss: None }
    }
    pub fn outcome_unknown(m: impl Into<String>) -> AppErr {
        AppErr::new(504, "PAYMENT_OUTCOME_UNKNOWN", m, true)
    }
    pub fn toss_failed(code: &str) -> AppErr {
        AppErr {
            toss: Some(code.to_string()),
            ..AppErr::new(502, "TOSS_API_FAILED", format!("Toss API failed: {code}"), code == "COMMON_BREAK_TIME_OF_BANK")
        }
    }
    pub fn toss_unreachable(m: impl Into<String>) -> AppErr {
        AppErr::new(503, "TOSS_UNREACHABLE", m, true)
    }
    pub fn invalid_state(m: impl Into<String>) -> AppErr {
        AppErr::new(409, "INVALID_STATE", m, false)
    }
    pub fn invalid_argument(m: impl Into<String>) -> AppErr {
        AppErr::new(400, "INVALID_ARGUMENT", m, false)
    }
    pub fn not_found(m: impl Into<String>) -> AppErr {
        AppErr::new(404, "NOT_FOUND", m, false)
    }
    pub fn unauthenticated(m: impl Into<String>) -> AppErr {
        AppErr::new(401, "UNAUTHENTICATED", m, false)
    }
    pub fn rejected(status: u16, code: &'static str, m: impl Into<String>) -> AppErr {
        AppErr::new(status, code, m, false)
    }
    pub fn internal(m: impl Into<String>) -> AppErr {
        AppErr::new(500, "INTERNAL", m, true)
    }
}

/// How a handler ended badly: an error reply, or the process died mid-request.
#[derive(Clone, Debug)]
pub enum HErr {
    App(AppErr),
    Killed,
}

impl From<AppErr> for HErr {
    fn from(e: AppErr) -> HErr {
        HErr::App(e)
    }
}

/// How a Toss call ended badly.
#[derive(Clone, Debug)]
pub enum TossErr {
    /// A `FAIL` envelope: nothing changed.
    Fail(String),
    /// No usable answer (timeout, 5xx, connection lost): Toss may or may not have acted.
    Unknown(String),
    /// The partner died during the call.
    Killed,
}

/// The refusal the `TossFail` fault injects by default (retryable: the bank's break time).
pub const INJECTED_FAIL: &str = "COMMON_BREAK_TIME_OF_BANK";
/// A final refusal (any code the partner does not know as transient).
pub const FINAL_FAIL: &str = "COMMON_SYSTEM_ERROR";

/// One call to Toss at `step`, with the Toss-leg faults: `Timeout` acts late (after the partner gave up, like the
/// sandbox's latency), `Http5xx` and `TossFail` change nothing, `DropAfterCommit` acts and loses the reply, the kills
/// end the request before or after Toss acted.
pub async fn toss_call<T: 'static>(
    w: &W,
    step: Step,
    op: impl FnOnce(&mut Toss) -> Result<T, String> + 'static,
) -> Result<T, TossErr> {
    let fault = w.borrow_mut().take(step, Leg::Toss);
    match fault {
        Some(Fault::Timeout) => {
            let late = w.clone();
            spawn(w, async move {
                tokio::time::sleep(TOSS_TIMEOUT + Duration::from_secs(1)).await;
                let _ = op(&mut late.borrow_mut().toss);
            });
            tokio::time::sleep(TOSS_TIMEOUT).await;
            Err(TossErr::Unknown(format!("{step}: timed out")))
        }
        Some(Fault::Http5xx) => Err(TossErr::Unknown(format!("{step}: HTTP 503"))),
        Some(Fault::TossFail) => Err(TossErr::Fail(w.borrow().fail_code.into())),
        Some(Fault::DropAfterCommit) => {
            let _ = op(&mut w.borrow_mut().toss);
            Err(TossErr::Unknown(format!("{step}: connection closed without a reply")))
        }
        Some(Fault::PartnerKilledBeforeCommit) => Err(TossErr::Killed),
        Some(Fault::PartnerKilledAfterCommit) => {
            let _ = op(&mut w.borrow_mut().toss);
            Err(TossErr::Killed)
        }
        _ => op(&mut w.borrow_mut().toss).map_err(TossErr::Fail),
    }
}

// ------------------------------------------------------------------------------------------------ store

fn payment(w: &W, order_no: &str) -> Option<PPay> {
    w.borrow().store.payments.iter().find(|p| p.order_no == order_no).cloned()
}

fn save(w: &W, p: &PPay) {
    let mut world = w.borrow_mut();
    match world.store.payments.iter_mut().find(|q| q.order_no == p.order_no) {
        Some(q) => *q = p.clone(),
        None => world.store.payments.push(p.clone()),
    }
}

fn users_payment(w: &W, user: &str, order_no: &str) -> Result<PPay, HErr> {
    payment(w, order_no).filter(|p| p.user == user).ok_or_else(|| AppErr::not_found("no such payment").into())
}

fn grant_row(w: &W, order_id: &str) -> Option<PGrant> {
    w.borrow().store.grants.iter().find(|g| g.order_id == order_id).cloned()
}

fn in_flight(p: &PPay) -> bool {
    matches!(p.state, PState::Executing | PState::Refunding)
}

fn settled(p: &PPay) -> bool {
    matches!(p.state, PState::Paid | PState::Refunded | PState::Canceled)
}

async fn status_call(w: &W, p: &PPay) -> Result<StatusReply, TossErr> {
    let (user, order_no) = (p.user.clone(), p.order_no.clone());
    toss_call(w, Step::Status, move |t| t.status(&user, &order_no)).await
}

fn unknown_or_killed(e: TossErr, unknown: impl FnOnce(String) -> AppErr) -> HErr {
    match e {
        TossErr::Killed => HErr::Killed,
        TossErr::Fail(c) | TossErr::Unknown(c) => unknown(c).into(),
    }
}

// ------------------------------------------------------------------------------------------------ login

/// `POST /login`: exchanges the code at Toss; the session names the user.
pub async fn login(w: &W, code: &str) -> Result<String, HErr> {
    let code = code.to_string();
    match toss_call(w, Step::LoginExchange, move |t| t.generate_token(&code)).await {
        Ok(user) => {
            w.borrow_mut().store.sessions.push(user.clone());
            Ok(user)
        }
        Err(TossErr::Fail(c)) if c == INJECTED_FAIL || c == FINAL_FAIL => Err(AppErr::toss_failed(&c).into()),
        Err(TossErr::Fail(_)) => Err(AppErr::unauthenticated("the authorization code was refused").into()),
        Err(TossErr::Unknown(e)) => Err(AppErr::toss_unreachable(e).into()),
        Err(TossErr::Killed) => Err(HErr::Killed),
    }
}

// ------------------------------------------------------------------------------------------------ TossPay

/// `POST /tosspay/payments`: one payment per (user, idempotency key); make-payment until Toss has it.
pub async fn create(w: &W, user: &str, order_json: &str, idem: &str) -> Result<PPay, HErr> {
    let existing = w.borrow().store.payments.iter().find(|p| p.user == user && p.idem == idem).cloned();
    let p = match existing {
        Some(p) if p.order_json != order_json => {
            return Err(AppErr::invalid_argument("idempotencyKey was already used for a different order").into())
        }
        Some(p) => p,
        None => {
            let n = {
                let mut world = w.borrow_mut();
                world.store.next += 1;
                world.store.next
            };
            let p = PPay {
                order_no: format!("ORD-{n}"),
                user: user.into(),
                idem: idem.into(),
                order_json: order_json.into(),
                amount: AMOUNT,
                pay_token: None,
                state: PState::Creating,
                toss_status: None,
                receipt: None,
                refund: None,
            };
            save(w, &p);
            p
        }
    };
    if p.pay_token.is_some() {
        return Ok(p);
    }
    make_payment(w, p).await
}

async fn make_payment(w: &W, mut p: PPay) -> Result<PPay, HErr> {
    let (user, order_no, amount) = (p.user.clone(), p.order_no.clone(), p.amount);
    match toss_call(w, Step::MakePayment, move |t| t.make_payment(&user, &order_no, amount)).await {
        Ok(token) => {
            p.pay_token = Some(token);
            p.state = PState::Created;
            p.toss_status = Some(PayStatus::Standby);
            save(w, &p);
            Ok(p)
        }
        Err(TossErr::Fail(c)) if c == toss::EXISTING_PAYMENT => {
            let st = status_call(w, &p).await.map_err(|e| {
                unknown_or_killed(e, |e| AppErr::toss_unreachable(format!("the payment exists, its status is unknown: {e}")))
            })?;
            p.pay_token = Some(st.pay_token);
            p.state = PState::Created;
            p.toss_status = Some(st.status);
            save(w, &p);
            Ok(p)
        }
        Err(TossErr::Fail(c)) => Err(AppErr::toss_failed(&c).into()),
        Err(TossErr::Unknown(e)) => Err(AppErr::toss_unreachable(e).into()),
        Err(TossErr::Killed) => Err(HErr::Killed),
    }
}

/// `POST /tosspay/payments/{orderNo}/execute`.
pub async fn execute(w: &W, user: &str, order_no: &str) -> Result<PPay, HErr> {
    let p = users_payment(w, user, order_no)?;
    execute_locked(w, p).await
}

async fn execute_locked(w: &W, mut p: PPay) -> Result<PPay, HErr> {
    match p.state {
        PState::Paid => return Ok(p),
        PState::Refunding | PState::Refunded => return Err(AppErr::invalid_state("the payment was refunded").into()),
        PState::Canceled => return Err(AppErr::invalid_state("the buyer canceled the payment").into()),
        PState::Creating => return Err(AppErr::invalid_state("the payment was not created at Toss yet").into()),
        PState::Created | PState::Executing => {}
    }
    let earlier_unknown = p.state == PState::Executing;
    if !earlier_unknown {
        p.state = PState::Executing;
        save(w, &p);
    }
    let (user, token) = (p.user.clone(), p.pay_token.clone().unwrap_or_default());
    match toss_call(w, Step::ExecuteRequest, move |t| t.execute(&user, &token)).await {
        Ok(txn) => {
            p.receipt = Some(txn);
            p.state = PState::Paid;
            p.toss_status = Some(PayStatus::Completed);
            save(w, &p);
            Ok(p)
        }
        Err(TossErr::Fail(code)) => {
            let already = code == toss::ALREADY_EXECUTED;
            let st = match status_call(w, &p).await {
                Ok(st) => st,
                Err(TossErr::Killed) => return Err(HErr::Killed),
                Err(_) if w.borrow().bugs.revert_after_already_executed => {
                    p.state = PState::Created;
                    save(w, &p);
                    return Err(AppErr { retryable: false, ..AppErr::toss_failed(&code) }.into());
                }
                Err(e) if already || earlier_unknown => {
                    return Err(AppErr::outcome_unknown(format!("execute refused ({code}), status unknown ({e:?})")).into())
                }
                Err(_) => {
                    p.state = PState::Created;
                    save(w, &p);
                    return Err(AppErr::toss_failed(&code).into());
                }
            };
            let mut p = reconcile(w, p, &st)?;
            match p.state {
                PState::Executing if already => Err(AppErr::outcome_unknown("executed, status does not show it yet").into()),
                // Refused, and Toss reports it not executed. Only evidence after a first attempt: an earlier execute
                // whose outcome is unknown may still land at Toss (a payment that may have executed never goes back).
                PState::Executing
                    if matches!(st.status, PayStatus::Approved | PayStatus::Standby)
                        && (!earlier_unknown || w.borrow().bugs.revert_refused_retry) =>
                {
                    p.state = PState::Created;
                    save(w, &p);
                    Err(AppErr::toss_failed(&code).into())
                }
                PState::Executing => Err(AppErr::outcome_unknown("in progress at Toss").into()),
                PState::Created => Err(AppErr::toss_failed(&code).into()),
                _ => settled_receipt(p),
            }
        }
        Err(TossErr::Unknown(e)) => settle_from_status(w, p, e).await,
        Err(TossErr::Killed) => Err(HErr::Killed),
    }
}

async fn settle_from_status(w: &W, p: PPay, cause: String) -> Result<PPay, HErr> {
    match status_call(w, &p).await {
        Ok(st) => settled_receipt(reconcile(w, p, &st)?),
        Err(TossErr::Killed) => Err(HErr::Killed),
        Err(e) => Err(AppErr::outcome_unknown(format!("execute: {cause}; status: {e:?}")).into()),
    }
}

fn settled_receipt(p: PPay) -> Result<PPay, HErr> {
    match p.state {
        PState::Paid => Ok(p),
        PState::Executing => Err(AppErr::outcome_unknown("not settled at Toss yet").into()),
        PState::Created => Err(AppErr::invalid_state("the buyer has not authenticated the payment").into()),
        PState::Canceled => Err(AppErr::invalid_state("the buyer canceled the payment").into()),
        PState::Refunding | PState::Refunded => Err(AppErr::invalid_state("the payment was refunded").into()),
        PState::Creating => Err(AppErr::invalid_state("the payment was not created at Toss yet").into()),
    }
}

/// Brings a stored payment in line with Toss's status.
fn reconcile(w: &W, mut p: PPay, st: &StatusReply) -> Result<PPay, HErr> {
    let before = (p.state, p.toss_status);
    p.toss_status = Some(st.status);
    if p.pay_token.is_none() {
        p.pay_token = Some(st.pay_token.clone());
    }
    let paid = st.status == PayStatus::Completed;
    let refunded = st.status == PayStatus::Refunded;
    if paid && p.state == PState::Refunding {
        // A refund was sent and Toss does not show it (yet).
    } else if paid || refunded {
        if p.receipt.is_none() {
            p.receipt = st.pay_txn.clone();
            if p.receipt.is_none() {
                return Err(AppErr::internal("a paid payment without its PAY transaction").into());
            }
        }
        if paid {
            p.state = PState::Paid;
        } else {
            p.state = PState::Refunded;
            if p.refund.is_none() {
                p.refund = st.refund_txn.clone();
            }
        }
    } else {
        match st.status {
            PayStatus::Canceled => p.state = PState::Canceled,
            PayStatus::Standby if p.state == PState::Executing => p.state = PState::Created,
            _ => {}
        }
    }
    if (p.state, p.toss_status) != before {
        save(w, &p);
    }
    Ok(p)
}

/// `GET /tosspay/payments/{orderNo}`.
pub async fn status(w: &W, user: &str, order_no: &str) -> Result<PPay, HErr> {
    let p = users_payment(w, user, order_no)?;
    if p.pay_token.is_none() {
        return Err(AppErr::invalid_state("the payment was not created at Toss yet").into());
    }
    match status_call(w, &p).await {
        Ok(st) => reconcile(w, p, &st),
        Err(TossErr::Killed) => Err(HErr::Killed),
        Err(_) if settled(&p) => Ok(p),
        Err(e) if in_flight(&p) => Err(AppErr::outcome_unknown(format!("status unknown: {e:?}")).into()),
        Err(TossErr::Fail(c)) => Err(AppErr::toss_failed(&c).into()),
        Err(TossErr::Unknown(e)) => Err(AppErr::toss_unreachable(e).into()),
    }
}

/// `POST /tosspay/payments/{orderNo}/refund`.
pub async fn refund(w: &W, user: &str, order_no: &str) -> Result<PPay, HErr> {
    let p = users_payment(w, user, order_no)?;
    refund_locked(w, p).await
}

async fn refund_locked(w: &W, mut p: PPay) -> Result<PPay, HErr> {
    match p.state {
        PState::Refunded if p.refund.is_some() => return Ok(p),
        PState::Paid | PState::Refunding | PState::Refunded => {}
        _ => return Err(AppErr::invalid_state("only a paid payment can be refunded").into()),
    }
    let earlier_unknown = p.state != PState::Paid;
    if !earlier_unknown {
        p.state = PState::Refunding;
        save(w, &p);
    }
    let (user, token) = (p.user.clone(), p.pay_token.clone().unwrap_or_default());
    match toss_call(w, Step::Refund, move |t| t.refund(&user, &token)).await {
        Ok(rf) => {
            p.refund = Some(rf);
            p.state = PState::Refunded;
            p.toss_status = Some(PayStatus::Refunded);
            save(w, &p);
            Ok(p)
        }
        Err(TossErr::Fail(code)) => {
            let already = code == toss::ALREADY_REFUNDED;
            let st = match status_call(w, &p).await {
                Ok(st) => st,
                Err(TossErr::Killed) => return Err(HErr::Killed),
                Err(_) if already || earlier_unknown => {
                    return Err(AppErr::outcome_unknown("refund refused, status unknown").into())
                }
                Err(_) => {
                    p.state = PState::Paid;
                    save(w, &p);
                    return Err(AppErr::toss_failed(&code).into());
                }
            };
            let mut p = reconcile(w, p, &st)?;
            match p.state {
                PState::Refunded => Ok(p),
                PState::Refunding if already => Err(AppErr::outcome_unknown("refunded, status does not show it").into()),
                // Refused, and Toss reports it paid: likewise only evidence after a first attempt.
                PState::Refunding if st.status == PayStatus::Completed && (!earlier_unknown || w.borrow().bugs.revert_refused_retry) => {
                    p.state = PState::Paid;
                    save(w, &p);
                    Err(AppErr::toss_failed(&code).into())
                }
                PState::Refunding => Err(AppErr::outcome_unknown("refund in progress").into()),
                _ => Err(AppErr::toss_failed(&code).into()),
            }
        }
        Err(TossErr::Unknown(e)) => {
            let st = status_call(w, &p).await.map_err(|e2| {
                unknown_or_killed(e2, |e2| AppErr::outcome_unknown(format!("refund: {e}; status: {e2}")))
            })?;
            let p = reconcile(w, p, &st)?;
            match p.state {
                PState::Refunded => Ok(p),
                _ => Err(AppErr::outcome_unknown(format!("refund outcome unknown: {e}")).into()),
            }
        }
        Err(TossErr::Killed) => Err(HErr::Killed),
    }
}

/// The reconciler's work on one `EXECUTING`/`REFUNDING` payment: Toss's status decides; an approved payment is
/// executed, a refund Toss does not show is sent again (Toss executes and refunds once).
async fn settle_unsettled(w: &W, order_no: &str) -> Result<(), HErr> {
    let Some(p) = payment(w, order_no) else { return Ok(()) };
    if !in_flight(&p) {
        return Ok(());
    }
    let st = status_call(w, &p).await.map_err(|e| unknown_or_killed(e, AppErr::toss_unreachable))?;
    let p = reconcile(w, p, &st)?;
    match (p.state, st.status) {
        (PState::Executing, PayStatus::Approved) => execute_locked(w, p).await.map(|_| ()),
        (PState::Refunding, PayStatus::Completed) => refund_locked(w, p).await.map(|_| ()),
        _ => Ok(()),
    }
}

// ------------------------------------------------------------------------------------------------ IAP

fn is_confirmed(status: &str) -> bool {
    matches!(status, "PAYMENT_COMPLETED" | "PURCHASED")
}

fn revokes(status: &str) -> bool {
    matches!(status, "FAILED" | "REFUNDED" | "NOT_FOUND" | "MINIAPP_MISMATCH")
}

fn answer_for_existing(g: &PGrant, user: &str, sku: &str) -> Result<bool, HErr> {
    if g.user != user {
        return Err(AppErr::not_found("no such IAP order for this user").into());
    }
    match g.revoked.as_deref() {
        Some("FAILED") => return Err(AppErr::rejected(409, "ORDER_NOT_PAID", "the order failed").into()),
        Some("NOT_FOUND") => return Err(AppErr::not_found("no such IAP order for this user").into()),
        Some(_) => return Err(AppErr::rejected(409, "ORDER_REFUNDED", "the order was refunded").into()),
        None => {}
    }
    if g.sku != sku {
        return Err(AppErr::rejected(409, "SKU_MISMATCH", "the order is for another product").into());
    }
    Ok(true)
}

/// `POST /iap/grants`: once per order; provisional while Toss reports the order in progress.
pub async fn grant(w: &W, user: &str, order_id: &str, sku: &str) -> Result<bool, HErr> {
    if sku != SKU {
        return Err(AppErr::rejected(403, "MINIAPP_MISMATCH", "not one of this mini-app's products").into());
    }
    if let Some(g) = grant_row(w, order_id) {
        return answer_for_existing(&g, user, sku);
    }
    let (u, id) = (user.to_string(), order_id.to_string());
    let status = match toss_call(w, Step::GrantRequest, move |t| t.order_status(&u, &id)).await {
        Ok(s) => s,
        Err(TossErr::Killed) => return Err(HErr::Killed),
        Err(TossErr::Fail(c)) => return Err(AppErr::toss_failed(&c).into()),
        Err(TossErr::Unknown(e)) => return Err(AppErr::toss_unreachable(e).into()),
    };
    match status {
        "NOT_FOUND" => return Err(AppErr::not_found("no such IAP order for this user").into()),
        "REFUNDED" => return Err(AppErr::rejected(409, "ORDER_REFUNDED", "the order was refunded").into()),
        "ORDER_IN_PROGRESS" | "PAYMENT_COMPLETED" | "PURCHASED" => {}
        _ => return Err(AppErr::rejected(409, "ORDER_NOT_PAID", format!("the order is {status}")).into()),
    }
    let provisional = !is_confirmed(status) && !w.borrow().bugs.final_grants_in_progress;
    let mut world = w.borrow_mut();
    if !world.store.grants.iter().any(|g| g.order_id == order_id) {
        world.store.grants.push(PGrant {
            order_id: order_id.into(),
            user: user.into(),
            sku: sku.into(),
            revoked: None,
            provisional,
        });
    }
    Ok(true)
}

/// Confirms or revokes a live grant from Toss's order status; the revocation, if this call made one.
fn settle_grant(w: &W, order_id: &str, status: &str) -> Option<(String, String)> {
    let mut world = w.borrow_mut();
    let bugs = world.bugs;
    let g = world.store.grants.iter_mut().find(|g| g.order_id == order_id && g.revoked.is_none())?;
    if is_confirmed(status) {
        g.provisional = false;
        return None;
    }
    if revokes(status) && !(bugs.final_grants_in_progress && status == "FAILED") {
        g.revoked = Some(status.to_string());
        return Some((g.order_id.clone(), g.sku.clone()));
    }
    None
}

/// `POST /iap/sync`: checks the listed orders and the user's provisional grants with Toss.
pub async fn sync(w: &W, user: &str, orders: &[String]) -> Result<Vec<(String, String)>, HErr> {
    let mut to_check: Vec<String> = Vec::new();
    let provisional: Vec<String> = w
        .borrow()
        .store
        .grants
        .iter()
        .filter(|g| g.user == user && g.provisional && g.revoked.is_none())
        .map(|g| g.order_id.clone())
        .collect();
    for id in orders.iter().cloned().chain(provisional) {
        if !to_check.contains(&id) {
            to_check.push(id);
        }
    }
    let mut revoked = Vec::new();
    for id in to_check {
        match grant_row(w, &id) {
            Some(g) if g.user == user && g.revoked.is_none() => {}
            _ => continue,
        }
        let (u, i) = (user.to_string(), id.clone());
        match toss_call(w, Step::Sync, move |t| t.order_status(&u, &i)).await {
            Ok(status) => revoked.extend(settle_grant(w, &id, status)),
            Err(TossErr::Killed) => return Err(HErr::Killed),
            Err(_) => {} // checked next time
        }
    }
    Ok(revoked)
}

// ------------------------------------------------------------------------------------------------ reconciler

/// One pass of the reconciler: payments left `EXECUTING`/`REFUNDING`, then provisional grants. What Toss cannot
/// answer now stays for the next pass.
pub async fn reconcile_pass(w: &W) {
    let unsettled: Vec<String> =
        w.borrow().store.payments.iter().filter(|p| in_flight(p)).map(|p| p.order_no.clone()).collect();
    for order_no in unsettled {
        let _ = settle_unsettled(w, &order_no).await;
    }
    let provisional: Vec<(String, String)> = w
        .borrow()
        .store
        .grants
        .iter()
        .filter(|g| g.provisional && g.revoked.is_none())
        .map(|g| (g.order_id.clone(), g.user.clone()))
        .collect();
    for (order_id, user) in provisional {
        let status = w.borrow().toss.order_status(&user, &order_id);
        if let Ok(status) = status {
            settle_grant(w, &order_id, status);
        }
    }
}
