//! Invariant 1: every payment Toss completed is `PAID` at the partner with its receipt, or refunded at both; Toss
//! executed each payment at most once; nothing is left in flight; the partner claims nothing Toss did not do.

use std::collections::BTreeMap;

use crate::observation::{Observation, PartnerPayment, PartnerPaymentState, TossPayStatus, TossPayment};
use crate::violation::Violation;

/// Appends the payment violations of `obs` to `out`.
pub fn check(obs: &Observation, out: &mut Vec<Violation>) {
    let partner: BTreeMap<&str, &PartnerPayment> =
        obs.partner_payments.iter().rev().map(|p| (p.order_no.as_str(), p)).collect();
    let toss: BTreeMap<&str, &TossPayment> =
        obs.toss_payments.iter().rev().map(|p| (p.order_no.as_str(), p)).collect();

    for tp in &obs.toss_payments {
        let pp = partner.get(tp.order_no.as_str());
        let partner_state = pp.map(|p| p.state);
        if tp.executions > 1 {
            out.push(Violation::ExecutedTwice { order_no: tp.order_no.clone(), executions: tp.executions });
        }
        if tp.refunds > 1 {
            out.push(Violation::RefundedTwice { order_no: tp.order_no.clone(), refunds: tp.refunds });
        }
        match tp.status {
            TossPayStatus::Completed if partner_state != Some(PartnerPaymentState::Paid) => {
                out.push(Violation::CompletedNotPaid { order_no: tp.order_no.clone(), partner_state })
            }
            TossPayStatus::Refunded if partner_state != Some(PartnerPaymentState::Refunded) => {
                out.push(Violation::RefundedNotRefunded { order_no: tp.order_no.clone(), partner_state })
            }
            _ => {}
        }
    }

    for pp in &obs.partner_payments {
        let toss_status = toss.get(pp.order_no.as_str()).map(|t| t.status.clone());
        if pp.state.is_in_flight() {
            out.push(Violation::LeftInFlight { order_no: pp.order_no.clone(), state: pp.state });
        }
        match pp.state {
            PartnerPaymentState::Paid => {
                if !pp.has_receipt {
                    out.push(Violation::PaidWithoutReceipt { order_no: pp.order_no.clone() });
                }
                // Refunded at Toss while PAID here is reported once, as RefundedNotRefunded.
                if !matches!(toss_status, Some(TossPayStatus::Completed | TossPayStatus::Refunded)) {
                    out.push(Violation::PaidNotCompleted { order_no: pp.order_no.clone(), toss_status });
                }
            }
            PartnerPaymentState::Refunded => {
                if !pp.has_refund_receipt {
                    out.push(Violation::RefundedWithoutReceipt { order_no: pp.order_no.clone() });
                }
                if toss_status != Some(TossPayStatus::Refunded) {
                    out.push(Violation::RefundedNotAtToss { order_no: pp.order_no.clone(), toss_status });
                }
            }
            _ => {}
        }
    }
}
