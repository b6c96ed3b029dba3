//! The [`Observation`] of a world after recovery, for `ait_invariants::check`.

use ait_invariants::{
    Observation, PageOutcome, PartnerGrant, PartnerPayment, PartnerPaymentState, TossOrder, TossPayStatus, TossPayment,
};

use super::server::PState;
use super::toss::PayStatus;
use super::world::W;

/// Toss's ledger and the partner's store of `w`, with the page outcomes the harness recorded.
pub fn observe(w: &W, page_outcomes: Vec<PageOutcome>) -> Observation {
    let world = w.borrow();
    Observation {
        toss_payments: world
            .toss
            .payments
            .iter()
            .map(|p| TossPayment {
                order_no: p.order_no.clone(),
                pay_token: p.pay_token.clone(),
                status: match p.status {
                    PayStatus::Standby => TossPayStatus::Standby,
                    PayStatus::Approved => TossPayStatus::Approved,
                    PayStatus::Completed => TossPayStatus::Completed,
                    PayStatus::Canceled => TossPayStatus::Canceled,
                    PayStatus::Refunded => TossPayStatus::Refunded,
                },
                executions: p.executions,
                refunds: p.refunds,
            })
            .collect(),
        partner_payments: world
            .store
            .payments
            .iter()
            .map(|p| PartnerPayment {
                order_no: p.order_no.clone(),
                user_key: p.user.clone(),
                idempotency_key: p.idem.clone(),
                state: match p.state {
                    PState::Creating => PartnerPaymentState::Creating,
                    PState::Created => PartnerPaymentState::Created,
                    PState::Executing => PartnerPaymentState::Executing,
                    PState::Paid => PartnerPaymentState::Paid,
                    PState::Refunding => PartnerPaymentState::Refunding,
                    PState::Refunded => PartnerPaymentState::Refunded,
                    PState::Canceled => PartnerPaymentState::Canceled,
                },
                has_receipt: p.receipt.is_some(),
                has_refund_receipt: p.refund.is_some(),
            })
            .collect(),
        toss_orders: world
            .toss
            .orders
            .iter()
            .map(|o| TossOrder {
                order_id: o.order_id.clone(),
                user_key: o.user.clone(),
                sku: o.sku.clone(),
                status: o.status.wire().into(),
                paid: o.paid,
            })
            .collect(),
        partner_grants: world
            .store
            .grants
            .iter()
            .map(|g| PartnerGrant {
                order_id: g.order_id.clone(),
                user_key: g.user.clone(),
                sku: g.sku.clone(),
                revoked: g.revoked.is_some(),
                provisional: g.provisional,
            })
            .collect(),
        page_outcomes,
    }
}
