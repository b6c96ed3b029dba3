//! Writes, and group commit on SQLite.
//!
//! Every write is a *job*: a closure that runs its statements on a connection inside a transaction and returns a
//! value. [`Db::write`] answers only once the job's transaction is committed (synced to disk for payments, grants
//! and sessions), so what a request was told is never lost.
//!
//! * **PostgreSQL** runs each job in a transaction of its own on the pool; the server commits many side by side.
//! * **SQLite** lets one connection write at a time and syncs on every commit (`synchronous = FULL`): one commit per
//!   job made the disk's sync the limit (issue 10's note). Here one thread owns the writing connection and runs the
//!   jobs that queued while the last batch committed *together*: one transaction, one commit, one sync for all of
//!   them. Under load a batch holds tens of jobs; alone, a job is one transaction as before.
//! * **Leases** (SQLite) live in a database file of their own (`<file>-leases`, see [`super::Db`]) with a writer of
//!   their own, so that their writes run beside the data's instead of queueing with them (measured in issue 10's
//!   note, when a TossPay flow wrote four; a payment's claim is on its row now, written with the payment). Their
//!   commits do not wait for the disk.
//!
//! A batch commits or rolls back whole. A job that fails (an SQL error, or a panic) rolls the batch back: its caller
//! gets its error, every other caller of the batch [`DbError::Commit`] (nothing of theirs is stored; the server
//! answers a retryable `INTERNAL`). That is the price of not wrapping each job in a savepoint: each statement is a
//! round trip to sqlx's connection thread, and `SAVEPOINT` + `RELEASE` tripled the trips of a one-statement job
//! (measured: 414 → 543 TossPay flows/s without them). It is cheap because a job should never fail: every insert
//! is `ON CONFLICT`, every value is converted before the job or after the commit, never inside it.
//!
//! Each writer runs on a thread of its own (a current-thread runtime): each of its round trips wakes it, and on the
//! shared runtime every wake-up queued behind the HTTP work (measured: the batches ran at about half the speed).
//! An in-memory database (one connection) has one writer for data and leases, so they share batches.

use std::panic::AssertUnwindSafe;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::{Db, DbError, Dialect};

/// One SQL statement with its values bound (owned), ready for [`Db::execute`].
pub type Statement = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>>;

/// The most jobs one SQLite transaction takes: a bound on how long a batch keeps the first job of it waiting.
const MAX_BATCH: usize = 256;

/// What a write or a connection is for, which decides where it goes and how durable its commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Store {
    /// Payments, grants, sessions: the commit is synced before [`Db::write`] returns.
    Data,
    /// Leases, and nothing else (on SQLite they are written to the lease file): commits that do not wait for the
    /// disk. A power cut may forget the last lease writes: a lease taken comes back free, a lease released comes
    /// back held until its TTL ends; either way the payments and grants it guards were committed durably.
    Leases,
}

/// A job with its caller's reply erased: run it; `Ok` carries what to tell the caller once the batch commits.
type Job =
    Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<Deliver, ()>> + Send>;
/// Tells the caller the batch's outcome: its value if the commit succeeded, the commit's error if not.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A SQLite writing thread's queue: every job sent here runs on `pool`'s connection, in batches.
#[derive(Clone)]
pub(super) struct Writer {
    queue: mpsc::UnboundedSender<Job>,
    pool: AnyPool,
}

impl Writer {
    /// Starts the thread that writes to `pool`, named `name`. It uses one connection of the pool at a time (a
    /// batch acquires one); any others are for reads beside it.
    pub(super) fn start(name: &str, pool: AnyPool) -> Writer {
        let (queue, jobs) = mpsc::unbounded_channel();
        let owned = pool.clone();
        let started = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(run(jobs, owned)),
                    // Dropping `jobs` makes every write fail with DbError::Commit.
                    Err(e) => tracing::error!("the database writer cannot start: {e}"),
                }
            });
        if let Err(e) = started {
            tracing::error!("the database writer cannot start: {e}");
        }
        Writer { queue, pool }
    }

    /// Whether the writing thread has ended (it could not start): every write then fails.
    pub(super) fn stopped(&self) -> bool {
        self.queue.is_closed()
    }

    /// Closes the writing connection (SQLite checkpoints its WAL); later writes fail.
    pub(super) async fn close(&self) {
        self.pool.close().await;
    }
}

impl Db {
    /// Runs `job` in a transaction and returns its value once the transaction is committed and synced. An error
    /// from the job rolls back what it wrote (on SQLite, with the rest of its batch: see the module's doc). The job
    /// runs its statements on the connection it is given, and nothing else: no read through [`Db::pool`], no
    /// waiting on anything (it holds the one writer of the database).
    ///
    /// ```ignore
    /// let made = db.write(move |conn| Box::pin(async move {
    ///     Ok(sqlx::query("…").bind(order_no).execute(conn).await?.rows_affected() == 1)
    /// })).await?;
    /// ```
    pub async fn write<T, F>(&self, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, DbError>>
            + Send
            + 'static,
    {
        self.write_as(Store::Data, job).await
    }

    /// One statement as a write ([`Db::write`]): the rows it changed, once committed. Most writes are one
    /// `INSERT … ON CONFLICT` or one conditional `UPDATE`; their bound values are owned, so the statement can be
    /// handed to the writer as it is. PostgreSQL runs it in autocommit: one statement is a transaction of its own,
    /// and one round trip instead of three.
    pub async fn execute(&self, statement: Statement) -> Result<u64, DbError> {
        if self.writer.is_none() {
            debug_assert_eq!(self.dialect, Dialect::Postgres);
            return Ok(statement.execute(&self.pool).await?.rows_affected());
        }
        self.write(move |conn| Box::pin(async move { Ok(statement.execute(conn).await?.rows_affected()) }))
            .await
    }

    /// [`Db::execute`] for a lease: the commit does not wait for the disk. A lease write is one statement by its
    /// type, which is what lets PostgreSQL run it in autocommit (one round trip).
    pub(super) async fn execute_lease(&self, statement: Statement) -> Result<u64, DbError> {
        self.write_as(Store::Leases, move |conn| {
            Box::pin(async move { Ok(statement.execute(conn).await?.rows_affected()) })
        })
        .await
    }

    async fn write_as<T, F>(&self, store: Store, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, DbError>>
            + Send
            + 'static,
    {
        let writer = match store {
            Store::Data => &self.writer,
            Store::Leases => &self.lease_writer,
        };
        let Some(writer) = writer else {
            // PostgreSQL: a transaction of its own; a lease, one statement, in autocommit (one round trip).
            debug_assert_eq!(self.dialect, Dialect::Postgres);
            if store == Store::Leases {
                let mut conn = self.lease_pool.acquire().await?;
                return job(&mut conn).await;
            }
            let mut tx = self.pool.begin().await?;
            let value = job(&mut tx).await?;
            tx.commit().await?;
            return Ok(value);
        };
        let (reply, answer) = oneshot::channel::<Result<T, DbError>>();
        let erased: Job = Box::new(move |conn| {
            Box::pin(async move {
                match job(conn).await {
                    Ok(value) => Ok(Box::new(move |committed: Result<(), String>| {
                        let _ = reply.send(committed.map(|()| value).map_err(DbError::Commit));
                    }) as Deliver),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                        Err(())
                    }
                }
            })
        });
        writer
            .queue
            .send(erased)
            .map_err(|_| DbError::Commit("the database writer has stopped".into()))?;
        answer.await.unwrap_or_else(|_| {
            Err(DbError::Commit(
                "the transaction carrying this write did not run (the server log says why)".into(),
            ))
        })
    }
}

/// The SQLite writing task: takes what queued (at most [`MAX_BATCH`]), runs it as one batch, repeats. Ends when
/// every [`Db`] handle is gone.
async fn run(mut jobs: mpsc::UnboundedReceiver<Job>, pool: AnyPool) {
    while let Some(first) = jobs.recv().await {
        let mut now = vec![first];
        while now.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => now.push(job),
                Err(_) => break,
            }
        }
        batch(&pool, now).await;
    }
}

/// Runs `jobs` in one transaction on a connection of `pool`, then tells every caller the outcome: committed, or
/// rolled back whole if any job failed.
async fn batch(pool: &AnyPool, jobs: Vec<Job>) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => return fail_all(jobs, &e.to_string()),
    };
    // IMMEDIATE: take the write lock now, waiting (busy_timeout) for another process's writer, rather than fail
    // later when a job's first read is followed by a write.
    if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
        return fail_all(jobs, &e.to_string());
    }
    let mut ran = Vec::with_capacity(jobs.len());
    let mut failed = false;
    for job in jobs {
        if failed {
            drop(job); // unrun: its caller reads the dropped reply as DbError::Commit
            continue;
        }
        // A job that panics is a job that failed: the writer and the other callers go on.
        match AssertUnwindSafe(job(&mut conn)).catch_unwind().await {
            Ok(Ok(deliver)) => ran.push(deliver),
            Ok(Err(())) | Err(_) => failed = true, // its caller has its error (or, after a panic, Commit)
        }
    }
    let outcome = if failed {
        Err(
            "another write of the same transaction failed; nothing of this one is stored"
                .to_owned(),
        )
    } else {
        conn.execute("COMMIT")
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    };
    if outcome.is_err() {
        // After a failed statement or COMMIT, SQLite may have ended the transaction itself: then this is a no-op.
        let _ = conn.execute("ROLLBACK").await;
    }
    for deliver in ran {
        deliver(outcome.clone());
    }
}

/// Drops `jobs` unrun because their transaction could not start (`why`, logged): each caller reads its dropped
/// reply channel as [`DbError::Commit`].
fn fail_all(jobs: Vec<Job>, why: &str) {
    tracing::warn!("{} database writes not run: {why}", jobs.len());
    drop(jobs);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::db::DatabaseUrl;

    async fn file_db(dir: &tempfile::TempDir) -> Db {
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("w.sqlite")))
            .await
            .unwrap();
        db.write(|conn| {
            Box::pin(async move {
                conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY)").await?;
                Ok(())
            })
        })
        .await
        .unwrap();
        db
    }

    /// Inserts `k` (no `ON CONFLICT`: a second insert of one key fails), or panics when `k` is "panic".
    async fn insert(db: &Db, k: String) -> Result<(), DbError> {
        db.write(move |conn| {
            Box::pin(async move {
                assert_ne!(k, "panic", "a job that panics");
                sqlx::query("INSERT INTO t (k) VALUES ($1)")
                    .bind(k)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn stored(db: &Db, k: &str) -> bool {
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t WHERE k = $1")
            .bind(k.to_owned())
            .fetch_one(db.pool())
            .await
            .unwrap();
        n.0 == 1
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_all_committed_and_readable_once_answered() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir).await;
        let writes: Vec<_> = (0..300)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let k = format!("k{i}");
                    insert(&db, k.clone()).await.unwrap();
                    // Answered means committed: a read on another connection sees it at once.
                    assert!(stored(&db, &k).await, "{k} answered but not readable");
                })
            })
            .collect();
        for w in writes {
            w.await.unwrap();
        }
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(n.0, 300);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_or_panicking_job_loses_nothing_it_was_not_told_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir).await;
        insert(&db, "dup".into()).await.unwrap();
        // Good writes, duplicates (they fail) and a panic, all at once so that they share batches.
        let keys: Vec<String> = (0..200)
            .map(|i| match i % 10 {
                3 => "dup".to_owned(),
                7 if i == 47 => "panic".to_owned(),
                _ => format!("g{i}"),
            })
            .collect();
        let results = Arc::new(std::sync::Mutex::new(Vec::new()));
        let writes: Vec<_> = keys
            .iter()
            .cloned()
            .map(|k| {
                let (db, results) = (db.clone(), results.clone());
                tokio::spawn(async move {
                    let r = insert(&db, k.clone()).await;
                    results.lock().unwrap().push((k, r));
                })
            })
            .collect();
        for w in writes {
            w.await.unwrap();
        }
        let results = std::mem::take(&mut *results.lock().unwrap());
        assert_eq!(results.len(), 200);
        for (k, r) in &results {
            match (k.as_str(), r) {
                ("dup", Ok(())) => panic!("a duplicate insert was answered Ok"),
                ("panic", Ok(())) => panic!("a panicking job was answered Ok"),
                ("panic", Err(e)) => assert!(matches!(e, DbError::Commit(_)), "{e}"),
                ("dup", Err(_)) => {}
                (k, Ok(())) => assert!(stored(&db, k).await, "{k} answered Ok but not stored"),
                (k, Err(e)) => {
                    assert!(matches!(e, DbError::Commit(_)), "{k}: {e}");
                    assert!(!stored(&db, k).await, "{k} answered an error but stored");
                }
            }
        }
        assert!(!stored(&db, "panic").await);
        // The writer lives on, and what failed with a batch can be written again.
        for (k, r) in &results {
            if r.is_err() && k != "dup" && k != "panic" {
                insert(&db, k.clone()).await.unwrap();
            }
        }
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(n.0, 1 + 200 - 20 - 1, "every good key once, `dup` once");
    }
}
