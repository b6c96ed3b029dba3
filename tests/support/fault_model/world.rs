//! The shared state of one case: Toss's ledger, the partner's store, the armed faults, the page's lifetime
//! (a reload ends it) and the background work the model spawned (late commits, the host's purchase flows).

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::oneshot;

use super::faults::{Armed, Fault, Leg, Step};
use super::server::Store;
use super::toss::Toss;

/// The world of one case, shared by the model's host, partner and server.
pub type W = Rc<RefCell<World>>;

/// The page currently open: a reload ends it (its flows are dropped; the host's callbacks into it go nowhere).
pub struct Page {
    /// Which page (a new `Checkout` after a reload is the next epoch).
    pub epoch: u32,
    /// Not reloaded away.
    pub alive: bool,
    /// Tells the harness to drop the page's flow.
    pub reload: Option<oneshot::Sender<()>>,
}

/// Deliberate bugs of the model's partner, to show the matrix catches a broken partner (never set in the
/// matrix itself).
#[derive(Default, Clone, Copy)]
pub struct Bugs {
    /// main before issue 8: after `PAYMENT_ALREADY_EXECUTED` with an unknown status, the payment goes back to
    /// `CREATED` and the page is told `TOSS_API_FAILED`, final.
    pub revert_after_already_executed: bool,
    /// main before issue 8: a grant of an order in progress is final (never provisional, never revoked).
    pub final_grants_in_progress: bool,
    /// A refused retry of an execute (refund) whose earlier attempt's outcome is unknown moves the payment back to
    /// `CREATED` (`PAID`) when Toss reports it approved (paid): the earlier request may still land at Toss after
    /// that status was read. Without this bug the payment stays `EXECUTING` (`REFUNDING`) for the reconciler.
    pub revert_refused_retry: bool,
}

/// Everything one case shares.
pub struct World {
    /// Toss's ledger.
    pub toss: Toss,
    /// The partner's store (what survives a restart).
    pub store: Store,
    /// The faults of the case.
    pub armed: Vec<Armed>,
    /// Faults fire only while the case's flow runs (not during recovery).
    pub faults_on: bool,
    /// The open page.
    pub page: Page,
    /// Spawned background work, aborted at the end of the case.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
    /// How often the partner was killed and restarted.
    pub restarts: u32,
    /// Deliberate bugs (off in the matrix).
    pub bugs: Bugs,
    /// The user of the page.
    pub user: String,
    /// The `errorCode` of an injected Toss `FAIL`.
    pub fail_code: &'static str,
}

impl World {
    /// An empty world with one user and no page yet.
    pub fn new() -> W {
        Rc::new(RefCell::new(World {
            toss: Toss::default(),
            store: Store::default(),
            armed: Vec::new(),
            faults_on: true,
            page: Page { epoch: 0, alive: false, reload: None },
            tasks: Vec::new(),
            restarts: 0,
            bugs: Bugs::default(),
            user: "7".into(),
            fail_code: super::server::INJECTED_FAIL,
        }))
    }

    /// The fault armed for `step` that `leg` injects, if it fires now (counted).
    pub fn take(&mut self, step: Step, leg: Leg) -> Option<Fault> {
        if !self.faults_on {
            return None;
        }
        let allowed = leg.faults(step);
        let armed = self
            .armed
            .iter_mut()
            .find(|a| a.step == step && allowed.contains(&a.fault) && (a.always || a.fired == 0))?;
        armed.fired += 1;
        Some(armed.fault)
    }

    /// Opens a new page (a new `Checkout`): returns its epoch and the signal of its reload.
    pub fn new_page(&mut self) -> (u32, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        self.page = Page { epoch: self.page.epoch + 1, alive: true, reload: Some(tx) };
        (self.page.epoch, rx)
    }

    /// Whether the page of `epoch` is still open.
    pub fn alive(&self, epoch: u32) -> bool {
        self.page.epoch == epoch && self.page.alive
    }

    /// The page reloads: it is gone, and the harness drops its flow.
    pub fn reload(&mut self) {
        self.page.alive = false;
        if let Some(tx) = self.page.reload.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs `fut` in the background of the case (a late commit, the host's purchase flow).
pub fn spawn(w: &W, fut: impl Future<Output = ()> + 'static) {
    let handle = tokio::task::spawn_local(fut);
    w.borrow_mut().tasks.push(handle);
}

/// The page reloads here: nothing answers it any more.
pub async fn reload_here<T>(w: &W) -> T {
    w.borrow_mut().reload();
    std::future::pending().await
}

/// Resolves once the page of `epoch` is gone.
pub async fn page_gone(w: &W, epoch: u32) {
    while w.borrow().alive(epoch) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
