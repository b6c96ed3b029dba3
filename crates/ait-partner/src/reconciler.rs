//! The background reconciler: every `reconcile_interval_secs` (and once at start, for payments a crash left
//! behind) it settles the payments left `EXECUTING` — the execute whose reply was lost and whose status could
//! not be learned at the time — with `get-payment-status` (and, for a payment Toss still reports approved, by
//! executing it: Toss executes a payToken at most once).

use std::future::Future;
use std::time::Duration;

use crate::app::AppState;
use crate::{payments, tosspay};

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

/// One pass over the payments left executing; returns how many it looked at.
pub async fn run_once(app: &AppState) -> usize {
    let pending = match payments::executing(&app.db).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("reconciler: {e}");
            return 0;
        }
    };
    for order_no in &pending {
        match tosspay::settle_executing(app, order_no).await {
            Ok(()) => tracing::debug!(%order_no, "reconciler: looked at a payment left executing"),
            Err(e) => tracing::warn!(%order_no, "reconciler: not settled yet: {e}"),
        }
    }
    pending.len()
}
