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
use crate::db::DbError;
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
    let payments = in_pages(
        payments::UNSETTLED_PAGE,
        |after| async move { payments::unsettled_after(&app.db, &after, payments::UNSETTLED_PAGE).await },
        |order_no: &String| order_no.clone(),
        |order_no| async move {
            match tosspay::settle_unsettled(app, &order_no).await {
                Ok(()) => tracing::debug!(%order_no, "reconciler: looked at an unsettled payment"),
                Err(e) => tracing::warn!(%order_no, "reconciler: payment not settled yet: {e}"),
            }
        },
    )
    .await;
    let grants = in_pages(
        iap::PROVISIONAL_PAGE,
        |after| async move { iap::provisional_grants_after(&app.db, &after, iap::PROVISIONAL_PAGE).await },
        |grant: &iap::Grant| grant.order_id().to_owned(),
        |grant| async move {
            if let Err(e) = iap::settle_provisional(app, &grant).await {
                tracing::warn!("reconciler: provisional grant not settled yet: {e}");
            }
        },
    )
    .await;
    match app.db.purge_expired_leases().await {
        Ok(0) => {}
        Ok(n) => tracing::info!("reconciler: deleted {n} leases left by instances that stopped holding them"),
        Err(e) => tracing::warn!("reconciler: expired leases not deleted: {e}"),
    }
    payments + grants
}

/// Visits a work list a page of `size` at a time (`read` gives the items after a key, in key order; `key` is an
/// item's), so that however large the backlog, a pass holds one page of it. An item that stays on the list is not
/// read again in the same pass, since the next page starts after the last key. Returns how many it visited; a read
/// that fails is logged and ends the pass over this list.
async fn in_pages<T, Read, Visit>(
    size: i64,
    read: impl Fn(String) -> Read,
    key: impl Fn(&T) -> String,
    visit: impl Fn(T) -> Visit,
) -> usize
where
    Read: Future<Output = Result<Vec<T>, DbError>>,
    Visit: Future<Output = ()>,
{
    let (mut visited, mut after) = (0, String::new());
    loop {
        let page = match read(after).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!("reconciler: {e}");
                return visited;
            }
        };
        let full = page.len() as i64 == size;
        let next = page.last().map(&key);
        visited += page.len();
        for item in page {
            visit(item).await;
        }
        match next {
            Some(next) if full => after = next,
            _ => return visited,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[tokio::test]
    async fn a_work_list_is_visited_a_page_at_a_time_each_item_once_until_a_read_fails() {
        let list: Vec<String> = (1..=7).map(|i| format!("k{i}")).collect();
        let (reads, visits) = (Mutex::new(Vec::new()), Mutex::new(Vec::new()));
        let read = |after: String| {
            reads.lock().unwrap().push(after.clone());
            let page: Vec<String> = list.iter().filter(|k| **k > after).take(3).cloned().collect();
            async move { Ok(page) }
        };
        let visit = |k: String| {
            visits.lock().unwrap().push(k);
            async {}
        };
        assert_eq!(in_pages(3, read, String::clone, visit).await, 7);
        assert_eq!(*visits.lock().unwrap(), list, "each item once, in key order");
        assert_eq!(*reads.lock().unwrap(), ["", "k3", "k6"], "a short page ends the pass");

        // A read that fails ends the pass (logged) with what was visited before it.
        let failing = |after: String| async move {
            match after.as_str() {
                "" => Ok(vec!["a".to_owned(), "b".to_owned()]),
                _ => Err(DbError::Missing("the second page".into())),
            }
        };
        assert_eq!(in_pages(2, failing, String::clone, |_| async {}).await, 2);
    }
}
