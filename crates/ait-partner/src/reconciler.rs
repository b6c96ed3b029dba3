//! The background reconciler: every `reconcile_interval_secs` (and once at start, for what a crash left behind) it
//! settles, on its own, everything whose outcome this server does not know yet:
//!
//! * payments left `EXECUTING` or `REFUNDING` (an execute or refund whose reply was lost and whose status could
//!   not be learned at the time, or a process killed mid-call): `get-payment-status` decides, and a payment Toss
//!   still reports approved (or paid, for a refund) has its call finished (Toss executes and refunds once);
//! * provisional grants (made while Toss reported the order `ORDER_IN_PROGRESS`): `get-order-status` confirms or
//!   revokes them.
//!
//! What Toss cannot answer now stays as it is and is looked at again next period. Each pass also deletes the leases
//! that instances left behind when they died (they expired long ago and block nothing, but would stay forever).

use std::future::Future;
use std::time::Duration;

use crate::app::AppState;
use crate::{iap, payments, tosspay};

/// Runs until `stop` completes. An interval of 0 disables it.
pub async fn run(app: AppState, stop: impl Future<Output = ()>) {
    let secs = app.config.reconcile_interval_secs;
    if secs == 0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tick.tick() => {
                tokio::select! {
                    _ = &mut stop => return,
                    _ = run_once(&app) => {}
                }
            }
        }
    }
}

/// One pass over the unsettled payments and the provisional grants; returns how many it looked at.
pub async fn run_once(app: &AppState) -> usize {
    let mut looked_at = 0;
    // A page at a time: however large the backlog, the pass holds one page of it.
    let mut after = String::new();
    loop {
        let page = match payments::unsettled_after(&app.db, &after, payments::UNSETTLED_PAGE).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!("reconciler: {e}");
                break;
            }
        };
        looked_at += page.len();
        for order_no in &page {
            match tosspay::settle_unsettled(app, order_no).await {
                Ok(()) => tracing::debug!(%order_no, "reconciler: looked at an unsettled payment"),
                Err(e) => tracing::warn!(%order_no, "reconciler: payment not settled yet: {e}"),
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == payments::UNSETTLED_PAGE => after = last.clone(),
            _ => break,
        }
    }
    let mut after = String::new();
    loop {
        let page = match iap::provisional_grants_after(&app.db, &after, iap::PROVISIONAL_PAGE).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!("reconciler: {e}");
                break;
            }
        };
        looked_at += page.len();
        for g in &page {
            if let Err(e) = iap::settle_provisional(app, g).await {
                tracing::warn!("reconciler: provisional grant not settled yet: {e}");
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == iap::PROVISIONAL_PAGE => after = last.order_id().to_owned(),
            _ => break,
        }
    }
    match app.db.purge_expired_leases().await {
        Ok(0) => {}
        Ok(n) => tracing::info!("reconciler: deleted {n} leases left by instances that stopped holding them"),
        Err(e) => tracing::warn!("reconciler: expired leases not deleted: {e}"),
    }
    looked_at
}
