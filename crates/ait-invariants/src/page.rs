//! Invariant 4: every page flow ended with a typed result — a receipt, a grant, a typed error, or
//! `PAYMENT_OUTCOME_UNKNOWN` for a payment that later settled.
//!
//! "Settled": the partner holds the payment `PAID`, `REFUNDED` or `CANCELED`, or Toss never executed it (so no
//! money moved, whatever the partner's row says). An `OutcomeUnknown` without an order number (the page never
//! learned it, e.g. the create call timed out) names no payment; whether every payment settled is then invariant 1's
//! business.

use std::collections::BTreeMap;

use crate::observation::{Observation, PageResult, PartnerPaymentState, TossPayment};
use crate::violation::Violation;

/// Appends the page-result violations of `obs` to `out`.
pub fn check(obs: &Observation, out: &mut Vec<Violation>) {
    let partner: BTreeMap<&str, PartnerPaymentState> =
        obs.partner_payments.iter().rev().map(|p| (p.order_no.as_str(), p.state)).collect();
    let toss: BTreeMap<&str, &TossPayment> =
        obs.toss_payments.iter().rev().map(|p| (p.order_no.as_str(), p)).collect();

    for o in &obs.page_outcomes {
        match &o.result {
            PageResult::Receipt { .. } | PageResult::Granted { .. } | PageResult::TypedError { .. } => {}
            PageResult::OutcomeUnknown { order_no: None } => {}
            PageResult::OutcomeUnknown { order_no: Some(order_no) } => {
                let partner_state = partner.get(order_no.as_str()).copied();
                let settled_here = partner_state.is_some_and(PartnerPaymentState::is_settled);
                let executed_at_toss = toss
                    .get(order_no.as_str())
                    .is_some_and(|t| t.executions > 0 || t.status.was_executed());
                if !settled_here && executed_at_toss {
                    out.push(Violation::OutcomeNeverSettled {
                        flow: o.flow.clone(),
                        order_no: order_no.clone(),
                        partner_state,
                    });
                }
            }
            PageResult::Untyped(detail) => {
                out.push(Violation::UntypedPageResult { flow: o.flow.clone(), detail: detail.clone() })
            }
            PageResult::NoResult => out.push(Violation::NoPageResult { flow: o.flow.clone() }),
        }
    }
}
