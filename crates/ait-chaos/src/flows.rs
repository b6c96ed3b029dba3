//! The flows, as a page and the Toss app perform them: each arms its planned fault and kill just before the call
//! they aim at, double-taps when planned, repeats retryable typed errors like a page's retry, and records how it
//! ended as an `ait_invariants::PageOutcome`.
//!
//! With several partner instances a flow's calls go to them in turn ([`Route`]), starting at the flow's planned
//! instance: a payment created on one is executed on the next, a double tap sends one request to each, a planned
//! cross grant sends the grant to two at once, and a kill hits the instance the call it aims at went to.

use std::sync::Arc;
use std::time::Duration;

use ait_api::partner::{execute_path, refund_path, PATH_IAP_GRANTS, PATH_IAP_SYNC, PATH_PAYMENTS};
use ait_invariants::PageResult;
use serde_json::{json, Value};

use crate::control::Refused;
use crate::error::ChaosError;
use crate::page::{Answer, Page};
use crate::plan::{FlowKind, FlowPlan, Sheet, Step};
use crate::world::{GrantedOrder, PaidPayment, World, USER_KEY_BASE};

/// How many times a page repeats a call that failed with a retryable typed error.
const PAGE_RETRIES: usize = 2;
/// The refund reason pages send.
const REFUND_REASON: &str = "단순변심";

/// Runs one flow of the plan. A planned kill whose call never came (the flow ended before it) happens at the end.
pub async fn run(w: &Arc<World>, f: &FlowPlan) -> Result<(), ChaosError> {
    let mut route = Route {
        next: f.instance,
        instances: w.instances().max(1),
    };
    run_kind(w, f, &mut route).await?;
    if f.kill.is_some() && w.kills_armed.lock().is_ok_and(|mut s| s.insert(f.index)) {
        w.stats.add("kills-at-flow-end", 1);
        w.kill_partner_soon(f.instance, 0);
    }
    Ok(())
}

/// Which partner instance a flow's next call goes to: the flow's planned one first, then each next in turn.
pub struct Route {
    next: usize,
    instances: usize,
}

impl Route {
    /// The instance of the next call.
    fn take(&mut self) -> usize {
        let i = self.next % self.instances;
        self.next += 1;
        i
    }
}

async fn run_kind(w: &Arc<World>, f: &FlowPlan, route: &mut Route) -> Result<(), ChaosError> {
    match f.kind {
        FlowKind::TossPay => tosspay(w, f, route).await,
        FlowKind::IapPurchase => purchase(w, f, route).await,
        FlowKind::Refund => match w.take_paid(f.pick) {
            Some(p) => refund(w, f, p, route).await,
            None => {
                w.stats.add("fallback:refund->tosspay", 1);
                tosspay(w, f, route).await
            }
        },
        FlowKind::StoreRefundSync => match w.take_granted(f.pick) {
            Some(g) => store_refund_sync(w, f, g, route).await,
            None => {
                w.stats.add("fallback:store-refund-sync->iap-purchase", 1);
                purchase(w, f, route).await
            }
        },
        FlowKind::Restore => restore(w, f, route).await,
    }
}

fn label(kind: FlowKind, f: &FlowPlan) -> String {
    format!("{}#{}", kind.name(), f.index)
}

/// The step a double tap of this flow repeats.
fn tap_step(f: &FlowPlan) -> Step {
    match f.kind {
        FlowKind::TossPay if f.pick % 2 == 0 => Step::Create,
        FlowKind::TossPay => Step::Execute,
        FlowKind::IapPurchase | FlowKind::Restore => Step::Grant,
        FlowKind::Refund => Step::Refund,
        FlowKind::StoreRefundSync => Step::Sync,
    }
}

/// Arms the flow's fault and kill aimed at `step`, whose request goes to partner instance `instance`.
async fn arm(w: &Arc<World>, f: &FlowPlan, step: Step, instance: usize) -> Result<(), ChaosError> {
    for (s, fault) in &f.faults {
        if *s == step {
            w.control.add_fault(fault.spec()).await?;
            w.stats.add(&format!("fault:{}", fault.kind.label()), 1);
            w.stats.add(&format!("fault-on:{}", fault.endpoint), 1);
        }
    }
    if let Some(k) = &f.kill {
        if k.step == step && w.kills_armed.lock().is_ok_and(|mut s| s.insert(f.index)) {
            if let Some(hold) = &k.hold {
                w.control.add_fault(hold.spec()).await?;
                w.stats.add("kills-inside-toss-call", 1);
            }
            w.kill_partner_soon(instance, k.delay_ms);
        }
    }
    Ok(())
}

/// Sends `step`'s request (twice at once for a planned double tap or cross grant, to two instances when there
/// are several) and repeats it on retryable typed errors like a page's retry; `PAYMENT_OUTCOME_UNKNOWN` is asked
/// once more after a pause. Returns the last answer and, for a double tap, the second tap's first answer.
async fn send(
    w: &Arc<World>,
    page: &Page,
    f: &FlowPlan,
    step: Step,
    path: &str,
    body: Value,
    route: &mut Route,
) -> Result<(Answer, Option<Answer>), ChaosError> {
    let first = route.take();
    arm(w, f, step, first).await?;
    let double_tap = f.double_tap && tap_step(f) == step;
    let cross_grant = f.cross_grant && step == Step::Grant && w.instances() > 1;
    let (mut answer, tap) = if double_tap || cross_grant {
        if double_tap {
            w.stats.add(&format!("double-tap:{step:?}"), 1);
        } else {
            w.stats.add("cross-grants", 1);
        }
        let second = route.take();
        let (a, b) = tokio::join!(
            page.post_via(first, path, body.clone()),
            page.post_via(second, path, body.clone())
        );
        (a, Some(b))
    } else {
        (page.post_via(first, path, body.clone()).await, None)
    };
    let mut unknown_retried = false;
    for _ in 0..PAGE_RETRIES {
        let again = if answer.is_code("PAYMENT_OUTCOME_UNKNOWN") {
            if unknown_retried {
                break;
            }
            unknown_retried = true;
            tokio::time::sleep(Duration::from_millis(500)).await;
            true
        } else {
            answer.is_retryable()
        };
        if !again {
            break;
        }
        w.stats.add("page-retries", 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        answer = page.post_via(route.take(), path, body.clone()).await;
    }
    for a in std::iter::once(&answer).chain(tap.as_ref()) {
        if let Answer::Typed { code, message, .. } = a {
            w.stats.sample(code, message);
        }
    }
    Ok((answer, tap))
}

/// The page result of an answer that is not a success.
fn failure(a: &Answer, order_no: Option<&str>) -> PageResult {
    match a {
        Answer::Typed { code, .. } if code == "PAYMENT_OUTCOME_UNKNOWN" => {
            PageResult::OutcomeUnknown {
                order_no: order_no.map(String::from),
            }
        }
        Answer::Typed {
            code, retryable, ..
        } => PageResult::TypedError {
            code: code.clone(),
            retryable: *retryable,
        },
        Answer::Untyped(s) => PageResult::Untyped(s.clone()),
        Answer::Ok(v) => PageResult::Untyped(format!("unexpected success: {v}")),
    }
}

/// A receipt (payment or refund) for `order_no`, or what else it was.
fn receipt_result(a: &Answer, order_no: &str) -> PageResult {
    match a {
        Answer::Ok(v) if v["orderNo"] == order_no => PageResult::Receipt {
            order_no: order_no.to_string(),
        },
        Answer::Ok(v) => PageResult::Untyped(format!("a receipt for another payment: {v}")),
        other => failure(other, Some(order_no)),
    }
}

/// `{granted: true}` for `order_id`, or what else it was.
fn grant_result(a: &Answer, order_id: &str) -> PageResult {
    match a {
        Answer::Ok(v) if v["granted"] == true => PageResult::Granted {
            order_id: order_id.to_string(),
        },
        Answer::Ok(v) => PageResult::Untyped(format!("grant answered {v}")),
        other => failure(other, None),
    }
}

/// Records the outcome of a payment call; a payment left unknown is kept for recovery.
fn record_payment(w: &World, flow: String, user: usize, order_no: &str, result: PageResult) {
    if let PageResult::OutcomeUnknown { .. } = result {
        w.add_unknown(PaidPayment {
            user,
            order_no: order_no.to_string(),
        });
    }
    w.record(flow, result);
}

/// `payWithTossPay`: create (same idempotency key on every repeat), the sheet, execute.
async fn tosspay(w: &Arc<World>, f: &FlowPlan, route: &mut Route) -> Result<(), ChaosError> {
    w.stats.add("flow:tosspay", 1);
    let flow = label(FlowKind::TossPay, f);
    let page = &w.pages[f.user];
    let sku = &w.catalog.tosspay[f.item % w.catalog.tosspay.len()];
    let body = json!({
        "order": { "items": [{ "sku": sku, "quantity": f.quantity }] },
        "idempotencyKey": format!("chaos-{}-{}", w.seed, f.index),
    });
    let (created, tap) = send(w, page, f, Step::Create, PATH_PAYMENTS, body, route).await?;
    let created = match (created, tap) {
        (Answer::Ok(v), tap) => {
            if let Some(Answer::Untyped(s)) = tap {
                w.record(format!("{flow}/tap2"), PageResult::Untyped(s));
            }
            v
        }
        // The second tap got through where the first did not: the page goes on with it.
        (first, Some(Answer::Ok(v))) => {
            if let Answer::Untyped(s) = first {
                w.record(format!("{flow}/tap1"), PageResult::Untyped(s));
            }
            v
        }
        (first, tap) => {
            if let Some(Answer::Untyped(s)) = tap {
                w.record(format!("{flow}/tap2"), PageResult::Untyped(s));
            }
            w.record(flow, failure(&first, None));
            return Ok(());
        }
    };
    let (Some(order_no), Some(pay_token)) =
        (created["orderNo"].as_str(), created["payToken"].as_str())
    else {
        w.record(
            flow,
            PageResult::Untyped(format!("create answered {created}")),
        );
        return Ok(());
    };
    let sheet = match f.sheet {
        Sheet::Approve => w.control.approve(pay_token).await,
        Sheet::Cancel { .. } => w.control.cancel(pay_token).await,
    };
    match sheet {
        Ok(()) => {}
        // The sheet found the payment already handled: checkoutPayment says success: false.
        Err(Refused::Conflict) => {
            w.record(
                flow,
                PageResult::TypedError {
                    code: "TOSSPAY_NOT_AUTHENTICATED".into(),
                    retryable: false,
                },
            );
            return Ok(());
        }
        Err(Refused::Other(e)) => {
            w.record(
                flow,
                PageResult::Untyped(format!("the payToken from create is unknown to Toss: {e}")),
            );
            return Ok(());
        }
    }
    if let Sheet::Cancel {
        execute_anyway: false,
    } = f.sheet
    {
        // checkoutPayment said success: false; ait-checkout rejects with its own typed error, no partner call.
        w.record(
            flow,
            PageResult::TypedError {
                code: "TOSSPAY_NOT_AUTHENTICATED".into(),
                retryable: false,
            },
        );
        return Ok(());
    }
    let (executed, tap) = send(
        w,
        page,
        f,
        Step::Execute,
        &execute_path(order_no),
        json!({}),
        route,
    )
    .await?;
    let result = receipt_result(&executed, order_no);
    let tap = tap.map(|t| receipt_result(&t, order_no));
    let receipt = [Some(&result), tap.as_ref()]
        .into_iter()
        .flatten()
        .any(|r| matches!(r, PageResult::Receipt { .. }));
    if receipt && f.sheet == Sheet::Approve {
        w.add_paid(PaidPayment {
            user: f.user,
            order_no: order_no.to_string(),
        });
    }
    if let Some(tap) = tap {
        record_payment(w, format!("{flow}/tap2"), f.user, order_no, tap);
    }
    record_payment(w, flow, f.user, order_no, result);
    Ok(())
}

/// A page refund of a paid payment.
async fn refund(
    w: &Arc<World>,
    f: &FlowPlan,
    p: PaidPayment,
    route: &mut Route,
) -> Result<(), ChaosError> {
    w.stats.add("flow:refund", 1);
    let flow = label(FlowKind::Refund, f);
    let page = &w.pages[p.user];
    let body = json!({ "reason": REFUND_REASON });
    let path = refund_path(&p.order_no);
    let (answer, tap) = send(w, page, f, Step::Refund, &path, body, route).await?;
    if let Some(tap) = tap {
        record_payment(
            w,
            format!("{flow}/tap2"),
            p.user,
            &p.order_no,
            receipt_result(&tap, &p.order_no),
        );
    }
    record_payment(
        w,
        flow,
        p.user,
        &p.order_no,
        receipt_result(&answer, &p.order_no),
    );
    Ok(())
}

/// Tells Toss the grant's outcome, as the SDK does once `processProductGrant` returned. A 409 (another page
/// decided first, e.g. a restore) is expected under concurrency.
async fn decide(w: &World, order_id: &str, granted: bool) -> Result<(), ChaosError> {
    let status = if granted {
        "PAYMENT_COMPLETED"
    } else {
        "FAILED"
    };
    match w.control.decide(order_id, status).await {
        Ok(()) => Ok(()),
        Err(Refused::Conflict) => {
            w.stats.add("decide-conflicts", 1);
            Ok(())
        }
        Err(Refused::Other(e)) => Err(e),
    }
}

/// `purchase(sku)`: the store charges the order, the page grants it, the SDK reports the outcome.
async fn purchase(w: &Arc<World>, f: &FlowPlan, route: &mut Route) -> Result<(), ChaosError> {
    w.stats.add("flow:iap-purchase", 1);
    let flow = label(FlowKind::IapPurchase, f);
    let page = &w.pages[f.user];
    let sku = w.catalog.iap[f.iap_sku % w.catalog.iap.len()].clone();
    let order_id = w.control.create_paid_order(page.user_key, &sku).await?;
    if f.interrupted {
        // The app closed after the charge: no page result; a restore (in the run or in recovery) grants it.
        w.stats.add("interrupted-purchases", 1);
        return Ok(());
    }
    let body = json!({ "orderId": order_id, "sku": sku });
    let (result, tap) = match &f.abandon_grant {
        Some((deadline_ms, hold)) => {
            let instance = route.take();
            arm(w, f, Step::Grant, instance).await?;
            w.control.add_fault(hold.spec()).await?;
            w.stats.add("fault:latency", 1);
            let call = page.post_via(instance, PATH_IAP_GRANTS, body);
            match tokio::time::timeout(Duration::from_millis(*deadline_ms), call).await {
                Ok(answer) => (grant_result(&answer, &order_id), None),
                // The bridge's grant ran out of time: processProductGrant returns false.
                Err(_) => {
                    w.stats.add("grants-abandoned", 1);
                    let code = "PRODUCT_NOT_GRANTED_BY_PARTNER".to_string();
                    (
                        PageResult::TypedError {
                            code,
                            retryable: false,
                        },
                        None,
                    )
                }
            }
        }
        None => {
            let (answer, tap) = send(w, page, f, Step::Grant, PATH_IAP_GRANTS, body, route).await?;
            (
                grant_result(&answer, &order_id),
                tap.map(|t| grant_result(&t, &order_id)),
            )
        }
    };
    // processProductGrant returns true when either tap got the grant.
    let granted = [Some(&result), tap.as_ref()]
        .into_iter()
        .flatten()
        .any(|r| matches!(r, PageResult::Granted { .. }));
    if granted || f.not_granted_fails_order {
        decide(w, &order_id, granted).await?;
    } else {
        // Not granted and not reported: the order stays charged and pending until a restore.
        w.stats.add("not-granted-left-pending", 1);
    }
    if granted {
        w.add_granted(GrantedOrder {
            user: f.user,
            order_id,
            sku,
        });
    }
    if let Some(tap) = tap {
        w.record(format!("{flow}/tap2"), tap);
    }
    w.record(flow, result);
    Ok(())
}

/// The store refunds a completed order; the page's `/iap/sync` lists it as refunded.
async fn store_refund_sync(
    w: &Arc<World>,
    f: &FlowPlan,
    g: GrantedOrder,
    route: &mut Route,
) -> Result<(), ChaosError> {
    w.stats.add("flow:store-refund-sync", 1);
    let flow = label(FlowKind::StoreRefundSync, f);
    match w.control.refund_order(&g.order_id).await {
        Ok(()) => {}
        Err(Refused::Conflict) => {
            // Not completed at Toss (a concurrent FAILED decision won): nothing to refund.
            w.stats.add("store-refund-conflicts", 1);
            return Ok(());
        }
        Err(Refused::Other(e)) => return Err(e),
    }
    let page = &w.pages[g.user];
    let body = json!({ "orders": [{ "orderId": g.order_id, "sku": g.sku, "status": "REFUNDED" }] });
    let (answer, tap) = send(w, page, f, Step::Sync, PATH_IAP_SYNC, body, route).await?;
    for (name, a) in [(format!("{flow}/tap2"), tap), (flow, Some(answer))] {
        match a {
            // A successful sync has no PageResult variant: counted, not recorded.
            Some(Answer::Ok(v)) if v["revoked"].is_array() => w.stats.add("syncs-ok", 1),
            Some(Answer::Ok(v)) => {
                w.record(name, PageResult::Untyped(format!("sync answered {v}")))
            }
            Some(other) => w.record(name, failure(&other, None)),
            None => {}
        }
    }
    Ok(())
}

/// `restorePendingOrders()`: grant each pending order of the user and complete it; a failure leaves it pending.
async fn restore(w: &Arc<World>, f: &FlowPlan, route: &mut Route) -> Result<(), ChaosError> {
    w.stats.add("flow:restore", 1);
    let flow = label(FlowKind::Restore, f);
    let page = &w.pages[f.user];
    let pending = w.control.pending_orders(Some(page.user_key)).await?;
    if pending.is_empty() {
        w.stats.add("restores-nothing-pending", 1);
        return Ok(());
    }
    for (i, (order_id, _, sku)) in pending.into_iter().take(5).enumerate() {
        let name = format!("{flow}/{order_id}");
        let body = json!({ "orderId": order_id, "sku": sku });
        let (answer, tap) = if i == 0 {
            send(w, page, f, Step::Grant, PATH_IAP_GRANTS, body, route).await?
        } else {
            (
                page.post_via(route.take(), PATH_IAP_GRANTS, body).await,
                None,
            )
        };
        if let Some(tap) = tap {
            w.record(format!("{name}/tap2"), grant_result(&tap, &order_id));
        }
        let result = grant_result(&answer, &order_id);
        if matches!(result, PageResult::Granted { .. }) {
            decide(w, &order_id, true).await?;
            w.stats.add("restored", 1);
            let user = usize::try_from(page.user_key - USER_KEY_BASE).unwrap_or(f.user);
            w.add_granted(GrantedOrder {
                user,
                order_id,
                sku,
            });
        }
        w.record(name, result);
    }
    Ok(())
}
