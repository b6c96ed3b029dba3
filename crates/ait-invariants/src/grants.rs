//! Invariant 2: every IAP order Toss charged is granted exactly once (a live grant), or refunded with its grant
//! revoked; no order is left pending; no grant survives for an order never charged; no grant stays provisional.

use std::collections::BTreeMap;

use crate::observation::{Observation, PartnerGrant, TossOrder};
use crate::violation::Violation;

/// Appends the grant violations of `obs` to `out`.
pub fn check(obs: &Observation, out: &mut Vec<Violation>) {
    let mut grants: BTreeMap<&str, Vec<&PartnerGrant>> = BTreeMap::new();
    for g in &obs.partner_grants {
        grants.entry(g.order_id.as_str()).or_default().push(g);
    }
    let orders: BTreeMap<&str, &TossOrder> =
        obs.toss_orders.iter().rev().map(|o| (o.order_id.as_str(), o)).collect();

    for o in &obs.toss_orders {
        let gs = grants.get(o.order_id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        if o.is_pending() {
            out.push(Violation::OrderLeftPending { order_id: o.order_id.clone() });
        }
        if o.is_charged() {
            if !gs.iter().any(|g| g.is_live()) {
                let grant_revoked = !gs.is_empty() && gs.iter().all(|g| g.revoked);
                out.push(Violation::ChargedNotGranted { order_id: o.order_id.clone(), grant_revoked });
            }
        } else if o.is_refunded() && gs.iter().any(|g| !g.revoked) {
            out.push(Violation::RefundedGrantNotRevoked { order_id: o.order_id.clone() });
        }
    }

    for g in &obs.partner_grants {
        let order = orders.get(g.order_id.as_str());
        if g.provisional && !g.revoked {
            out.push(Violation::ProvisionalGrantLeft { order_id: g.order_id.clone() });
        }
        // Refunded orders are reported above; charged ones may keep their grant.
        let never_charged = match order {
            None => true,
            Some(o) => !o.is_charged() && !o.is_refunded(),
        };
        if never_charged && !g.revoked {
            out.push(Violation::GrantForUnchargedOrder {
                order_id: g.order_id.clone(),
                toss_status: order.map(|o| o.status.clone()),
            });
        }
    }
}
