//! What every flow of a run shares: the sandbox control client, the partner processes (one, or several on one
//! database), one page per user, the catalog, the pools of paid payments and granted orders later flows act on, and
//! the log of page outcomes.

use std::sync::{Arc, Mutex};

use ait_invariants::{PageOutcome, PageResult};
use tokio::task::JoinHandle;

use crate::control::Control;
use crate::page::Page;
use crate::procs::PartnerProc;
use crate::stats::Stats;

/// The first simulated user's Toss `userKey`; user `i` of the plan is `USER_KEY_BASE + i`.
pub const USER_KEY_BASE: i64 = 70_001;

/// What the page can buy (from the partner's configuration).
#[derive(Debug, Clone)]
pub struct Catalog {
    /// TossPay SKUs.
    pub tosspay: Vec<String>,
    /// IAP SKUs.
    pub iap: Vec<String>,
}

/// A paid TossPay payment a refund flow may pick.
#[derive(Debug, Clone)]
pub struct PaidPayment {
    /// Index of the owner's page.
    pub user: usize,
    /// Its order number.
    pub order_no: String,
}

/// A completed IAP order a store refund may pick.
#[derive(Debug, Clone)]
pub struct GrantedOrder {
    /// Index of the owner's page.
    pub user: usize,
    /// Toss's order id.
    pub order_id: String,
    /// Its SKU.
    pub sku: String,
}

/// The shared state of a run.
pub struct World {
    /// The run's seed (part of idempotency keys, so runs never collide).
    pub seed: u64,
    /// The sandbox control API.
    pub control: Control,
    /// The partner instances (one, or several on one database); pages and flows address them by index.
    pub partners: Vec<Arc<PartnerProc>>,
    /// Held by a kill + restart: with several instances, one is down at a time while the others keep serving.
    pub kill_gate: tokio::sync::Mutex<()>,
    /// One page per simulated user.
    pub pages: Vec<Page>,
    /// What can be bought.
    pub catalog: Catalog,
    /// Counters.
    pub stats: Arc<Stats>,
    /// Payments with a receipt, not picked for a refund yet.
    pub paid: Mutex<Vec<PaidPayment>>,
    /// Orders granted and completed, not picked for a store refund yet.
    pub granted: Mutex<Vec<GrantedOrder>>,
    /// Payments a page was told `PAYMENT_OUTCOME_UNKNOWN` about (recovery asks for their status).
    pub unknown: Mutex<Vec<PaidPayment>>,
    /// Every page outcome so far.
    pub outcomes: Mutex<Vec<PageOutcome>>,
    /// Flows whose planned kill was triggered.
    pub kills_armed: Mutex<std::collections::BTreeSet<usize>>,
    /// Kills in progress (awaited before recovery).
    pub kill_tasks: Mutex<Vec<JoinHandle<()>>>,
    /// A harness failure seen by a background task (a partner that did not come back).
    pub fatal: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl World {
    /// Records how a page flow ended.
    pub fn record(&self, flow: String, result: PageResult) {
        let class = match &result {
            PageResult::Receipt { .. } => "receipt".to_string(),
            PageResult::Granted { .. } => "granted".to_string(),
            PageResult::TypedError { code, .. } => format!("error {code}"),
            PageResult::OutcomeUnknown { .. } => "outcome-unknown".to_string(),
            PageResult::Untyped(_) => "UNTYPED".to_string(),
            PageResult::NoResult => "NO RESULT".to_string(),
        };
        self.stats.add(&format!("outcome:{class}"), 1);
        lock(&self.outcomes).push(PageOutcome { flow, result });
    }

    /// The page of a Toss user, if the run has one.
    pub fn page_of(&self, user_key: i64) -> Option<(usize, &Page)> {
        let i = usize::try_from(user_key - USER_KEY_BASE).ok()?;
        self.pages.get(i).map(|p| (i, p))
    }

    /// Adds a paid payment to the refund pool.
    pub fn add_paid(&self, p: PaidPayment) {
        lock(&self.paid).push(p);
    }

    /// Takes a paid payment from the pool (`pick` modulo its size).
    pub fn take_paid(&self, pick: u64) -> Option<PaidPayment> {
        let mut v = lock(&self.paid);
        if v.is_empty() {
            return None;
        }
        let i = (pick % v.len() as u64) as usize;
        Some(v.swap_remove(i))
    }

    /// Adds a completed order to the store-refund pool.
    pub fn add_granted(&self, g: GrantedOrder) {
        lock(&self.granted).push(g);
    }

    /// Takes a completed order from the pool (`pick` modulo its size).
    pub fn take_granted(&self, pick: u64) -> Option<GrantedOrder> {
        let mut v = lock(&self.granted);
        if v.is_empty() {
            return None;
        }
        let i = (pick % v.len() as u64) as usize;
        Some(v.swap_remove(i))
    }

    /// Remembers a payment whose outcome the page does not know.
    pub fn add_unknown(&self, p: PaidPayment) {
        lock(&self.unknown).push(p);
    }

    /// The payments whose outcome a page did not learn.
    pub fn unknown(&self) -> Vec<PaidPayment> {
        lock(&self.unknown).clone()
    }

    /// Every page outcome.
    pub fn outcomes(&self) -> Vec<PageOutcome> {
        lock(&self.outcomes).clone()
    }

    /// Sends SIGKILL to partner instance `instance` after `delay_ms` and restarts it, in the background (after
    /// any other instance's kill in progress: one instance down at a time).
    pub fn kill_partner_soon(self: &Arc<Self>, instance: usize, delay_ms: u64) {
        let w = self.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            if let Err(e) = w.kill_and_restart(instance).await {
                *lock(&w.fatal) = Some(e.to_string());
            }
        });
        lock(&self.kill_tasks).push(task);
    }

    /// SIGKILL + restart of instance `instance` now, once no other instance is down.
    pub async fn kill_and_restart(&self, instance: usize) -> Result<(), crate::error::ChaosError> {
        let _one_down_at_a_time = self.kill_gate.lock().await;
        self.partners[instance % self.partners.len()]
            .kill_and_restart()
            .await
    }

    /// How many partner instances serve the run.
    pub fn instances(&self) -> usize {
        self.partners.len()
    }

    /// Kills of every instance so far (including restarts at recovery).
    pub fn kills(&self) -> Vec<u32> {
        self.partners.iter().map(|p| p.kills()).collect()
    }

    /// Waits for every kill started so far; the first harness failure, if any.
    pub async fn settle_kills(&self) -> Option<String> {
        let tasks: Vec<_> = lock(&self.kill_tasks).drain(..).collect();
        for t in tasks {
            let _ = t.await;
        }
        lock(&self.fatal).clone()
    }
}
