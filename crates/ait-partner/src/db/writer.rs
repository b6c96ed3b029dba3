//! Writes, and group commit on SQLite.
//!
//! Every write is a *job*: a closure that runs its statements on a connection inside a transaction and returns a
//! value. [`Db::write`] answers only once the job's transaction is committed (synced to disk for payments, grants
//! and sessions), so what a request was told is never lost.
//!
//! * **PostgreSQL** runs each job in a transaction of its own on the pool; the server commits many side by side.
//! * **SQLite** lets one connection write at a time and syncs on every commit (`synchronous = FULL`): one commit per
//!   job made the disk's sync the limit (measured in issue 10's note). Here one task owns the writing connections
//!   and runs the jobs that queued while the last batch committed *together*: one transaction, a savepoint per job
//!   (a job that fails rolls back alone), one commit and one sync for all of them. Under load a batch holds many
//!   jobs; alone, a job is one transaction as before. Jobs that need no sync (leases) run in a batch of their own on
//!   the unsynced connection, first.

use std::panic::AssertUnwindSafe;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::{Db, DbError, Dialect};

/// The most jobs one SQLite transaction takes: a bound on how long a batch keeps the first job of it waiting.
const MAX_BATCH: usize = 256;

/// Whether a job's commit must be on disk before the caller hears of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// Payments, grants, sessions: the commit is synced before [`Db::write`] returns.
    Synced,
    /// Leases: a lease lost in a crash is a lease released.
    Unsynced,
}

/// A job with its caller's reply erased: run it; `Ok` carries what to tell the caller once the batch commits.
type Job =
    Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<Deliver, ()>> + Send>;
/// Tells the caller the batch's outcome: its value if the commit succeeded, the commit's error if not.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The SQLite writing task's queue.
#[derive(Clone)]
pub(super) struct Writer {
    queue: mpsc::UnboundedSender<(Durability, Job)>,
    synced: AnyPool,
    unsynced: AnyPool,
}

impl Writer {
    /// Starts the task that owns `synced` (payments, grants, sessions) and `unsynced` (leases).
    pub(super) fn start(synced: AnyPool, unsynced: AnyPool) -> Writer {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(run(jobs, synced.clone(), unsynced.clone()));
        Writer {
            queue,
            synced,
            unsynced,
        }
    }

    /// Closes the writing connections (SQLite checkpoints its WAL); later writes fail.
    pub(super) async fn close(&self) {
        self.unsynced.close().await;
        self.synced.close().await;
    }
}

impl Db {
    /// Runs `job` in a transaction and returns its value once the transaction is committed and synced. An error
    /// from the job rolls back what it wrote, and only that.
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
        self.write_as(Durability::Synced, job).await
    }

    /// [`Db::write`] for a lease: the commit does not wait for the disk.
    pub(super) async fn write_lease<T, F>(&self, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, DbError>>
            + Send
            + 'static,
    {
        self.write_as(Durability::Unsynced, job).await
    }

    async fn write_as<T, F>(&self, durability: Durability, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, DbError>>
            + Send
            + 'static,
    {
        let Some(writer) = &self.writer else {
            // PostgreSQL: a transaction of its own.
            debug_assert_eq!(self.dialect, Dialect::Postgres);
            let pool = match durability {
                Durability::Synced => &self.pool,
                Durability::Unsynced => &self.lease_pool,
            };
            let mut tx = pool.begin().await?;
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
            .send((durability, erased))
            .map_err(|_| DbError::Commit("the database writer has stopped".into()))?;
        answer.await.unwrap_or_else(|_| {
            Err(DbError::Commit(
                "the database writer dropped the write".into(),
            ))
        })
    }
}

/// The SQLite writing task: takes what queued, runs it as at most two batches (unsynced, then synced), repeats.
/// Ends when every [`Db`] handle is gone.
async fn run(
    mut jobs: mpsc::UnboundedReceiver<(Durability, Job)>,
    synced: AnyPool,
    unsynced: AnyPool,
) {
    let (mut now_synced, mut now_unsynced) = (Vec::new(), Vec::new());
    while let Some(first) = jobs.recv().await {
        let mut next = Some(first);
        while let Some((durability, job)) = next.take() {
            match durability {
                Durability::Synced => now_synced.push(job),
                Durability::Unsynced => now_unsynced.push(job),
            }
            if now_synced.len() + now_unsynced.len() < MAX_BATCH {
                next = jobs.try_recv().ok();
            }
        }
        if !now_unsynced.is_empty() {
            batch(&unsynced, std::mem::take(&mut now_unsynced)).await;
        }
        if !now_synced.is_empty() {
            batch(&synced, std::mem::take(&mut now_synced)).await;
        }
    }
}

/// Runs `jobs` in one transaction on a connection of `pool`: a savepoint around each when there are several, one
/// commit, then every caller hears the outcome.
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
    let alone = jobs.len() == 1;
    let mut committed = Vec::with_capacity(jobs.len());
    let mut broken = None;
    for job in jobs {
        if broken.is_some() {
            fail(job, broken.as_deref().unwrap_or_default());
            continue;
        }
        if !alone {
            if let Err(e) = conn.execute("SAVEPOINT job").await {
                broken = Some(e.to_string());
                fail(job, &e.to_string());
                continue;
            }
        }
        // A job that panics is a job that failed; the task and the other jobs go on.
        let ran = AssertUnwindSafe(job(&mut conn)).catch_unwind().await;
        match ran {
            Ok(Ok(deliver)) => {
                if !alone {
                    if let Err(e) = conn.execute("RELEASE job").await {
                        broken = Some(e.to_string());
                    }
                }
                committed.push(deliver);
            }
            Ok(Err(())) | Err(_) => {
                if alone {
                    let _ = conn.execute("ROLLBACK").await;
                    return; // its caller already has the error
                }
                if let Err(e) = conn.execute("ROLLBACK TO job; RELEASE job").await {
                    broken = Some(e.to_string());
                }
            }
        }
    }
    let outcome = match broken {
        Some(e) => Err(e),
        None => conn
            .execute("COMMIT")
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
    };
    if outcome.is_err() {
        let _ = conn.execute("ROLLBACK").await;
    }
    for deliver in committed {
        deliver(outcome.clone());
    }
}

/// Tells every caller of `jobs` that the batch could not run (`why`).
fn fail_all(jobs: Vec<Job>, why: &str) {
    for job in jobs {
        fail(job, why);
    }
}

/// Tells the caller of `job` that it was not run. The job is dropped unrun, and with it the caller's reply channel:
/// the caller reads that as [`DbError::Commit`].
fn fail(job: Job, why: &str) {
    tracing::warn!("database write not run: {why}");
    drop(job);
}
