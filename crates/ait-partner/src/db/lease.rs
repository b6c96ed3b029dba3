//! Leases: what must happen once is claimed in the database, so that it holds across instances and restarts, not
//! just inside one process (issue 10). A lease lives in one of two places ([`Site`]):
//! * **a row of `leases`**, one per key: an IAP order being granted, a user's token refresh;
//! * **a payment's own row** (`claim_holder`, `claim_until`): a payment being created, executed, refunded, polled or
//!   reconciled. There the writes that change the payment take and give back its claim (see
//!   [`crate::payments::claim`]), so a TossPay flow writes no lease of its own: the four lease writes per flow
//!   that were the leases table's are gone (measured in issue 10's note).
//!
//! A lease is taken by one upsert that succeeds only when nobody holds the key or the holder's lease expired; it is
//! released by deleting the row, guarded by the holder's random id so that a late release never frees a lease
//! someone else took over. A lease lasts a short time (the TTL) and its holder renews it while it works (every third
//! of the TTL, so a section shorter than that writes nothing more): an instance killed mid-flow stops renewing, and
//! its leases are free again within one TTL, however long the Toss call it was making could have lasted. Waiting is polling with a short
//! backoff: cheap beside the Toss call the lease usually guards. A lease is the section's claim; the state
//! machine stays the safety net (a payment in `EXECUTING` is settled from Toss's status, never re-executed blindly).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::Executor;

use super::{now_ms, Db, DbError, Statement};

/// The leases table on SQLite: in the lease file (`<file>-leases`, see [`super::DatabaseUrl::sqlite_leases`]). The
/// file holds rows that live seconds, so it has no migration history: its `user_version` says which shape it has,
/// and a file of another shape is refused (stop every instance and delete the file with its `-wal` and `-shm`;
/// nothing in it outlives the requests that held it).
const SQLITE_LEASES_TABLE: &str = "CREATE TABLE IF NOT EXISTS leases (
    key        TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL -- Unix milliseconds
)";
/// The shape of [`SQLITE_LEASES_TABLE`]; a change to it takes the next number (and a way from the last).
const SQLITE_LEASES_VERSION: i64 = 1;

/// Creates the SQLite leases table in `pool`'s database when missing; refuses a lease file of another shape.
pub(super) async fn create_sqlite_table(pool: &sqlx::AnyPool) -> Result<(), DbError> {
    let version: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(pool).await?;
    match version {
        0 => {
            pool.execute(SQLITE_LEASES_TABLE).await?;
            pool.execute(format!("PRAGMA user_version = {SQLITE_LEASES_VERSION}").as_str()).await?;
            Ok(())
        }
        SQLITE_LEASES_VERSION => Ok(()),
        other => Err(DbError::Stored(format!(
            "the lease file has shape {other}, this binary knows {SQLITE_LEASES_VERSION}: stop every instance, \
             then delete the `-leases` file (and its -wal and -shm)"
        ))),
    }
}

/// How long a lease lasts unless renewed, when the server does not say (see [`Db::with_leases`]).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(5);
/// How long a request waits for a lease when the server does not say: past it, the holder is alive (it renews) but
/// slower than any section should be, and the request gets [`DbError::Busy`].
pub const DEFAULT_LEASE_WAIT: Duration = Duration::from_secs(30);
/// The longest pause between two attempts to take a held lease.
const MAX_POLL: Duration = Duration::from_millis(25);

/// The leases of one [`Db`] handle: their lifetime and this process's holder ids.
pub(super) struct Leases {
    ttl: Duration,
    wait: Duration,
    /// Random per process; with `next` it makes every lease's holder id unique.
    instance: String,
    next: AtomicU64,
}

impl Leases {
    pub(super) fn new(ttl: Duration, wait: Duration) -> Leases {
        let mut bytes = [0u8; 8];
        // Without randomness, ids are still unique within the process; across instances the time tells them apart.
        if getrandom::getrandom(&mut bytes).is_err() {
            bytes = now_ms().to_le_bytes();
        }
        Leases {
            ttl,
            wait,
            instance: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            next: AtomicU64::new(0),
        }
    }

    fn ttl_ms(&self) -> i64 {
        i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX / 2)
    }
}

/// Where a lease's row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// The row of this key in `leases`.
    Key(String),
    /// The payment of this order number: its `claim_holder` and `claim_until` (migrations sqlite 0009, postgres
    /// 0004). Its renewal and release are synced data writes, like the payment's own.
    Payment(String),
}

impl Site {
    /// The key a waiter that gives up names in [`DbError::Busy`].
    fn key(&self) -> String {
        match self {
            Site::Key(key) => key.clone(),
            Site::Payment(order_no) => format!("payment:{order_no}"),
        }
    }
}

/// A held lease, renewed in the background while held; released when dropped (or with [`Lease::release`], which
/// waits for the release, or by a write that clears it as it stores its outcome: [`Lease::released_by_write`]).
pub struct Lease {
    db: Db,
    site: Site,
    holder: String,
    /// Set once the lease is given back (by [`Lease::release`], or by a write: [`Lease::released_by_write`]).
    released: AtomicBool,
    renewal: tokio::task::JoinHandle<()>,
}

impl Db {
    /// Waits for the lease of `key`: a holder that died loses it within a TTL; a live one that holds it longer than
    /// the wait makes this [`DbError::Busy`].
    pub async fn lease(&self, key: impl Into<String>) -> Result<Lease, DbError> {
        let key = key.into();
        self.wait_for(&key, || self.try_lease(key.clone())).await
    }

    /// Calls `attempt` until it gives a value, polling with a short backoff: a lease's waiting, wherever its row
    /// is. Past the wait: [`DbError::Busy`] naming `key`.
    pub(crate) async fn wait_for<T, F, Fut>(&self, key: &str, mut attempt: F) -> Result<T, DbError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, DbError>>,
    {
        let deadline = Instant::now() + self.leases.wait;
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(value) = attempt().await? {
                return Ok(value);
            }
            if Instant::now() >= deadline {
                return Err(DbError::Busy { key: key.to_owned() });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    /// A new holder id, unique across processes and calls: what a lease's row names as its holder.
    pub(crate) fn new_holder(&self) -> String {
        let n = self.leases.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.leases.instance)
    }

    /// Until when a lease taken now lasts unless renewed (Unix milliseconds), and the time it was taken: what a
    /// write that takes a lease stores, and the expiry it may take over.
    pub(crate) fn lease_window(&self) -> (i64, i64) {
        let now = now_ms();
        (now.saturating_add(self.leases.ttl_ms()), now)
    }

    /// The lease of `key` if nobody holds it now (the reconciler skips what another instance is working on, like
    /// `SKIP LOCKED`).
    pub async fn try_lease(&self, key: impl Into<String>) -> Result<Option<Lease>, DbError> {
        let key = key.into();
        let holder = self.new_holder();
        let (until, now) = self.lease_window();
        let taken = self
            .execute_lease(
                Statement::new(
                    "INSERT INTO leases (key, holder, expires_at) VALUES ($1, $2, $3)
                     ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                     WHERE leases.expires_at < $4",
                )
                .bind(key.clone())
                .bind(holder.clone())
                .bind(until)
                .bind(now),
            )
            .await?
            == 1;
        Ok(taken.then(|| Lease::taken(self, Site::Key(key), holder)))
    }
}

impl Lease {
    /// The lease `holder` took at `site` (the write that took it has committed): renewed from now on.
    pub(crate) fn taken(db: &Db, site: Site, holder: String) -> Lease {
        let renewal = tokio::spawn(renew(db.clone(), site.clone(), holder.clone()));
        Lease { db: db.clone(), site, holder, released: AtomicBool::new(false), renewal }
    }

    /// The holder id its row carries (a write that gives the lease back matches it).
    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }

    /// A write committed that cleared this lease's row as it stored its outcome: nothing left to release (a later
    /// [`Lease::release`] writes nothing).
    pub(crate) fn released_by_write(&self) {
        self.released.store(true, Ordering::Relaxed);
        self.renewal.abort();
    }
}

/// The statement that extends `holder`'s lease at `site` to `until`.
fn renewal(site: &Site, holder: &str, until: i64) -> Statement {
    let sql = match site {
        Site::Key(_) => "UPDATE leases SET expires_at = $3 WHERE key = $1 AND holder = $2",
        Site::Payment(_) => "UPDATE payments SET claim_until = $3 WHERE order_no = $1 AND claim_holder = $2",
    };
    Statement::new(sql).bind(site_id(site)).bind(holder).bind(until)
}

/// The statement that gives `holder`'s lease at `site` back (nothing, if someone else holds it now).
fn release(site: &Site, holder: &str) -> Statement {
    let sql = match site {
        Site::Key(_) => "DELETE FROM leases WHERE key = $1 AND holder = $2",
        Site::Payment(_) => {
            "UPDATE payments SET claim_holder = NULL, claim_until = NULL WHERE order_no = $1 AND claim_holder = $2"
        }
    };
    Statement::new(sql).bind(site_id(site)).bind(holder)
}

fn site_id(site: &Site) -> String {
    match site {
        Site::Key(id) | Site::Payment(id) => id.clone(),
    }
}

impl Db {
    /// Runs a lease's own write where its row is: the lease file's writer for a key, the data's for a payment.
    async fn execute_at(&self, site: &Site, statement: Statement) -> Result<u64, DbError> {
        match site {
            Site::Key(_) => self.execute_lease(statement).await,
            Site::Payment(_) => self.execute(statement).await,
        }
    }
}

/// Extends the lease every third of its TTL until the task is aborted (the lease released or dropped). A lease
/// found taken over (this process stalled past its TTL) is logged: the state machine, not the lease, is what keeps
/// that from doing anything twice.
async fn renew(db: Db, site: Site, holder: String) {
    let every = db.leases.ttl / 3;
    loop {
        tokio::time::sleep(every).await;
        let (until, _) = db.lease_window();
        match db.execute_at(&site, renewal(&site, &holder, until)).await {
            Ok(1) => {}
            Ok(_) => {
                tracing::warn!(
                    "lease {} expired while held (this process stalled past its TTL)",
                    site.key()
                );
                return;
            }
            Err(e) => tracing::warn!("lease {} not renewed: {e}", site.key()),
        }
    }
}

impl Db {
    /// Deletes the leases that expired a TTL ago or more: rows of instances that died holding them (a key that is
    /// never asked for again would keep its row forever). Returns how many went. The reconciler calls it.
    pub async fn purge_expired_leases(&self) -> Result<u64, DbError> {
        let before = now_ms().saturating_sub(self.leases.ttl_ms());
        self.execute_lease(Statement::new("DELETE FROM leases WHERE expires_at < $1").bind(before))
            .await
    }

    /// How many leases are held now (expired ones included until purged): for tests that wait for the background
    /// releases of answered requests, and for monitoring.
    pub async fn leases_held(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM leases")
            .fetch_one(&self.lease_pool)
            .await?)
    }
}

impl Lease {
    /// Releases the lease now.
    pub async fn release(self) -> Result<(), DbError> {
        if self.released.swap(true, Ordering::Relaxed) {
            return Ok(()); // given back by a write already
        }
        self.renewal.abort();
        self.db.execute_at(&self.site, release(&self.site, &self.holder)).await.map(drop)
    }

    /// Releases the lease before a section answers (unless a write gave it back already), so that the caller's next
    /// request, or the reconciler, finds it free. A release that fails is logged and left to expire: the section's
    /// answer stands.
    pub async fn give_back(self) {
        let key = self.site.key();
        if let Err(e) = self.release().await {
            tracing::warn!("lease {key} not released (it expires on its own): {e}");
        }
    }
}

impl Drop for Lease {
    /// Releases in the background. If that cannot happen (no runtime, the database gone), the lease expires.
    fn drop(&mut self) {
        if self.released.load(Ordering::Relaxed) {
            return;
        }
        self.renewal.abort();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (db, site) = (self.db.clone(), self.site.clone());
            let statement = release(&site, &self.holder);
            rt.spawn(async move {
                if let Err(e) = db.execute_at(&site, statement).await {
                    tracing::warn!("lease {} not released (it expires on its own): {e}", site.key());
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_and_released_on_drop() {
        let db = Db::open_temporary().await.unwrap();
        let first = db.try_lease("pay:1").await.unwrap().expect("free");
        assert!(db.try_lease("pay:1").await.unwrap().is_none(), "held");
        assert!(
            db.try_lease("pay:2").await.unwrap().is_some(),
            "another key is free"
        );
        drop(first);
        // The release runs in the background; the waiter gets the lease once it lands.
        let again = tokio::time::timeout(Duration::from_secs(5), db.lease("pay:1"))
            .await
            .expect("released")
            .unwrap();
        again.release().await.unwrap();
        assert!(db.try_lease("pay:1").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_its_late_release_frees_nothing() {
        let db = Db::open_temporary()
            .await
            .unwrap()
            .with_leases(Duration::from_millis(60), Duration::from_secs(5));
        let dead = db.try_lease("pay:1").await.unwrap().expect("free");
        dead.renewal.abort();
        // Its holder "dies": nothing renews or releases it; a waiter takes it over once it expires.
        let started = Instant::now();
        let next = db.lease("pay:1").await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(40));
        dead.release().await.unwrap(); // too late: the row is the new holder's now
        assert!(
            db.try_lease("pay:1").await.unwrap().is_none(),
            "still held by the new holder"
        );
        next.release().await.unwrap();
    }

    #[tokio::test]
    async fn expired_leases_are_purged_and_live_ones_kept() {
        let db = Db::open_temporary()
            .await
            .unwrap()
            .with_leases(Duration::from_millis(40), Duration::from_secs(5));
        let dead = db.try_lease("grant:gone").await.unwrap().expect("free");
        dead.renewal.abort();
        std::mem::forget(dead);
        let live = db.try_lease("grant:live").await.unwrap().expect("free");
        tokio::time::sleep(Duration::from_millis(120)).await; // the dead one expired over a TTL ago; the live renews
        assert_eq!(db.purge_expired_leases().await.unwrap(), 1);
        assert!(
            db.try_lease("grant:live").await.unwrap().is_none(),
            "the live lease stays"
        );
        live.release().await.unwrap();
    }

    #[tokio::test]
    async fn a_lease_file_of_another_shape_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = super::super::DatabaseUrl::Sqlite(dir.path().join("p.sqlite"));
        Db::connect(&url).await.unwrap().close().await;
        // The lease file as a later binary could leave it.
        let leases = sqlx::AnyPool::connect(&url.sqlite_leases().unwrap().connect_url()).await.unwrap();
        leases.execute("PRAGMA user_version = 2").await.unwrap();
        leases.close().await;
        match Db::connect(&url).await {
            Err(DbError::Stored(message)) => assert!(message.contains("-leases"), "{message}"),
            other => panic!("expected the lease file refused, got {:?}", other.map(|_| ())),
        }
    }

    #[tokio::test]
    async fn a_live_holder_keeps_its_lease_past_the_ttl_and_waiters_end_busy() {
        let db = Db::open_temporary()
            .await
            .unwrap()
            .with_leases(Duration::from_millis(60), Duration::from_millis(300));
        let _held = db.try_lease("pay:1").await.unwrap().expect("free");
        // Five TTLs later the holder still has it: it renews.
        match db.lease("pay:1").await {
            Err(DbError::Busy { key }) => assert_eq!(key, "pay:1"),
            other => panic!("expected Busy, got {:?}", other.map(|_| ())),
        }
    }
}
