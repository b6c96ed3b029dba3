//! Invariant 3: one (user, idempotencyKey) → at most one payment; one orderNo → at most one payment at Toss and at
//! the partner; one orderId → at most one grant.

use std::collections::BTreeMap;

use crate::observation::Observation;
use crate::violation::Violation;

/// Appends the uniqueness violations of `obs` to `out`.
pub fn check(obs: &Observation, out: &mut Vec<Violation>) {
    let mut by_key: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    let mut by_order_no: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &obs.partner_payments {
        by_key
            .entry((p.user_key.as_str(), p.idempotency_key.as_str()))
            .or_default()
            .push(p.order_no.clone());
        *by_order_no.entry(p.order_no.as_str()).or_default() += 1;
    }
    for ((user_key, idempotency_key), order_nos) in by_key {
        if order_nos.len() > 1 {
            out.push(Violation::DuplicateIdempotencyKey {
                user_key: user_key.to_string(),
                idempotency_key: idempotency_key.to_string(),
                order_nos,
            });
        }
    }
    for (order_no, count) in by_order_no {
        if count > 1 {
            out.push(Violation::DuplicatePartnerPayment { order_no: order_no.to_string(), count });
        }
    }

    let mut toss: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in &obs.toss_payments {
        toss.entry(p.order_no.as_str()).or_default().push(p.pay_token.clone());
    }
    for (order_no, pay_tokens) in toss {
        if pay_tokens.len() > 1 {
            out.push(Violation::DuplicateTossPayment { order_no: order_no.to_string(), pay_tokens });
        }
    }

    let mut grants: BTreeMap<&str, usize> = BTreeMap::new();
    for g in &obs.partner_grants {
        *grants.entry(g.order_id.as_str()).or_default() += 1;
    }
    for (order_id, count) in grants {
        if count > 1 {
            out.push(Violation::DuplicateGrant { order_id: order_id.to_string(), count });
        }
    }
}
