//! Writes, and group commit on SQLite.
//!
//! Every write is a *job*: a closure that runs its [`Statement`]s on a [`Conn`] inside a transaction and returns a
//! value. [`Db::write`] answers only once the job's transaction is committed (synced to disk for payments, grants
//! and sessions), so what a request was told is never lost.
//!
//! * **PostgreSQL** runs each job in a transaction of its own on the pool; the server commits many side by side.
//! * **SQLite** lets one connection write at a time and syncs on every commit (`synchronous = FULL`): one commit per
//!   job made the disk's sync the limit (issue 10's note). Here one thread owns the writing connection and runs the
//!   jobs that queued while the last batch committed *together*: one transaction, one commit, one sync for all of
//!   them. Under load a batch holds tens of jobs; alone, a job is one transaction as before.
//! * **The SQLite writer runs its statements itself**, on its own thread, through rusqlite (the same SQLite library
//!   sqlx links): a statement is a call, not a round trip. Through sqlx, each statement was a message to the
//!   connection's own thread and a reply back, two thread switches; with four writes a TossPay flow, that hop was
//!   the writer's cost (issue 10's note: the connection thread used a third of a core, mostly switching, and
//!   SQLite itself 5 % of it). Reads stay on sqlx's pool: they run side by side (WAL), not in the writer's queue.
//! * **Leases** (SQLite) live in a database file of their own (`<file>-leases`, see [`super::Db`]) with a writer of
//!   their own, so that their writes run beside the data's instead of queueing with them (measured in issue 10's
//!   note, when a TossPay flow wrote four; a payment's claim is on its row now, written with the payment). Their
//!   commits do not wait for the disk.
//!
//! Each job of a batch runs under a savepoint of its own: a job that fails (an SQL error, a panic, or a wait: see
//! below) is rolled back alone, and its caller gets its error; the rest of the batch commits. (Through sqlx a
//! savepoint was two more round trips per job, and the writer did without; here it is two calls.) Should the
//! transaction end anyway (SQLite rolls back by itself after some errors, such as a full disk, or the `COMMIT`
//! fails), every caller of the batch gets [`DbError::Commit`]: nothing of theirs is stored, and the server answers a
//! retryable `INTERNAL`. Should even the `ROLLBACK` fail, the writer stops rather than write outside a transaction:
//! writes fail and `GET /health` says so.
//!
//! A job is an `async` closure so that one job serves both databases; on the SQLite writer every statement is
//! ready at once, so the writer polls a job once and never waits (a job that would wait, on anything, is a bug: it
//! fails, see [`batch`]).

use std::panic::AssertUnwindSafe;
use std::path::Path;

use futures::future::BoxFuture;
use futures::FutureExt;
use rusqlite::OpenFlags;
use tokio::sync::{mpsc, oneshot};

use super::{Conn, Db, DbError, Statement};

/// The most jobs one SQLite transaction takes: a bound on how long a batch keeps the first job of it waiting.
const MAX_BATCH: usize = 256;
/// Prepared statements the SQLite writer keeps: more than the server's distinct writes, so none is prepared twice.
const STATEMENT_CACHE: usize = 64;

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
    Box<dyn for<'c, 'a> FnOnce(&'c mut Conn<'a>) -> BoxFuture<'c, Result<Deliver, ()>> + Send>;
/// Tells the caller the batch's outcome: its value if the commit succeeded, the commit's error if not.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// What the writing thread is asked.
enum Message {
    /// Run this job in the next batch.
    Job(Job),
    /// Close the connection and stop; then answer.
    Close(oneshot::Sender<()>),
}

/// A SQLite writing thread's queue: every job sent here runs on the thread's connection, in batches.
#[derive(Clone)]
pub(super) struct Writer {
    queue: mpsc::UnboundedSender<Message>,
}

impl Writer {
    /// Opens the SQLite file at `path` (created and migrated already) with `settings`, and starts the thread
    /// `name` that writes to it.
    pub(super) fn start(name: &str, path: &Path, settings: &[&str]) -> Result<Writer, DbError> {
        // No URI flag: the path is a file name, whatever it holds.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // rusqlite waits up to 5 s for another process's writer (`busy_timeout`), as sqlx's connections do.
        let conn = rusqlite::Connection::open_with_flags(path, flags)?;
        for setting in settings {
            conn.execute_batch(setting)?;
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (queue, messages) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(conn, messages))
            .map_err(sqlx::Error::Io)?;
        Ok(Writer { queue })
    }

    /// Whether the writing thread has ended (closed): every write then fails.
    pub(super) fn stopped(&self) -> bool {
        self.queue.is_closed()
    }

    /// Closes the writing connection once the jobs queued before are done; later
    /// writes fail.
    pub(super) async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.queue.send(Message::Close(done)).is_ok() {
            let _ = closed.await;
        }
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
    ///     Ok(Statement::new("…").bind(order_no).execute(conn).await? == 1)
    /// })).await?;
    /// ```
    pub async fn write<T, F>(&self, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c, 'a> FnOnce(&'c mut Conn<'a>) -> BoxFuture<'c, Result<T, DbError>>
            + Send
            + 'static,
    {
        self.write_as(Store::Data, job).await
    }

    /// One statement as a write ([`Db::write`]): the rows it changed, once committed. Most writes are one
    /// `INSERT … ON CONFLICT` or one conditional `UPDATE`. PostgreSQL runs it in autocommit: one statement is a
    /// transaction of its own, and one round trip instead of three.
    pub async fn execute(&self, statement: Statement) -> Result<u64, DbError> {
        if self.writer.is_none() {
            return Ok(statement.sqlx().execute(&self.pool).await?.rows_affected());
        }
        self.write(move |conn| Box::pin(async move { statement.execute(conn).await }))
            .await
    }

    /// [`Db::execute`] for a lease: the commit does not wait for the disk. A lease write is one statement by its
    /// type, which is what lets PostgreSQL run it in autocommit (one round trip).
    pub(super) async fn execute_lease(&self, statement: Statement) -> Result<u64, DbError> {
        self.write_as(Store::Leases, move |conn| {
            Box::pin(async move { statement.execute(conn).await })
        })
        .await
    }

    pub(super) async fn write_as<T, F>(&self, store: Store, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c, 'a> FnOnce(&'c mut Conn<'a>) -> BoxFuture<'c, Result<T, DbError>>
            + Send
            + 'static,
    {
        let writer = match store {
            Store::Data => &self.writer,
            Store::Leases => &self.lease_writer,
        };
        let Some(writer) = writer else {
            // PostgreSQL: a transaction of its own; a lease, one statement, in autocommit (one round trip).
            if store == Store::Leases {
                let mut conn = self.lease_pool.acquire().await?;
                return job(&mut Conn::Sqlx(&mut conn)).await;
            }
            let mut tx = self.pool.begin().await?;
            let value = job(&mut Conn::Sqlx(&mut tx)).await?;
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
            .send(Message::Job(erased))
            .map_err(|_| DbError::Commit("the database writer has stopped".into()))?;
        answer.await.unwrap_or_else(|_| {
            Err(DbError::Commit(
                "the transaction carrying this write did not run (the server log says why)".into(),
            ))
        })
    }
}

/// The SQLite writing thread: takes what queued (at most [`MAX_BATCH`]), runs it as one batch, repeats. Ends when
/// every [`Db`] handle is gone, or when asked to close.
fn run(mut conn: rusqlite::Connection, mut messages: mpsc::UnboundedReceiver<Message>) {
    while let Some(first) = messages.blocking_recv() {
        let (mut jobs, mut closing, mut next) = (Vec::new(), None, Some(first));
        while let Some(message) = next.take() {
            match message {
                Message::Job(job) => jobs.push(job),
                Message::Close(done) => {
                    closing = Some(done);
                    break;
                }
            }
            if jobs.len() < MAX_BATCH {
                next = messages.try_recv().ok();
            }
        }
        if !jobs.is_empty() && !batch(&mut conn, jobs) {
            // Every later write fails with DbError::Commit, and `Db::check` (GET /health) reports the writer stopped.
            messages.close();
            return;
        }
        if let Some(done) = closing {
            // Jobs sent after the close are dropped unrun: their callers read that as DbError::Commit.
            messages.close();
            if let Err((_, e)) = conn.close() {
                tracing::warn!("the database writer did not close cleanly: {e}");
            }
            let _ = done.send(());
            return;
        }
    }
}

/// Runs `jobs` in one transaction on `conn`, each under a savepoint of its own, then tells every caller the
/// outcome: a job that failed is rolled back alone (its caller has its error), the others commit together. Returns
/// false when the connection can no longer be trusted (a rollback failed): the writer then stops.
fn batch(conn: &mut rusqlite::Connection, jobs: Vec<Job>) -> bool {
    // IMMEDIATE: take the write lock now, waiting (busy_timeout) for another process's writer, rather than fail
    // later when a job's first read is followed by a write.
    if let Err(e) = call(conn, "BEGIN IMMEDIATE") {
        fail_all(jobs, &e.to_string());
        return true;
    }
    let mut ran = Vec::with_capacity(jobs.len());
    // Why the transaction cannot commit, once it cannot.
    let mut broken: Option<String> = None;
    for job in jobs {
        if broken.is_some() {
            drop(job); // unrun: its caller reads the dropped reply as DbError::Commit
            continue;
        }
        if let Err(e) = call(conn, "SAVEPOINT job") {
            broken = Some(e.to_string());
            continue;
        }
        let mut on = Conn::Sqlite(conn);
        // A job that panics or waits is a job that failed: the writer and the other callers go on.
        let done = match std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut on).now_or_never())) {
            Ok(Some(Ok(deliver))) => Some(deliver),
            Ok(Some(Err(()))) | Err(_) => None, // its caller has its error (after a panic, Commit)
            Ok(None) => {
                tracing::error!("a database write waited on something other than its statements: rolled back");
                None // dropped mid-way: its caller reads that as DbError::Commit
            }
        };
        let ended = if conn.is_autocommit() {
            // SQLite ended the transaction itself (it does on some errors, e.g. a full disk): what the batch wrote
            // so far is gone.
            Err("the transaction ended inside a write".to_owned())
        } else if done.is_some() {
            call(conn, "RELEASE job").map_err(|e| e.to_string())
        } else {
            call(conn, "ROLLBACK TO job").and_then(|()| call(conn, "RELEASE job")).map_err(|e| e.to_string())
        };
        ran.extend(done);
        if let Err(why) = ended {
            broken = Some(why);
        }
    }
    let outcome = match broken {
        Some(why) => Err(format!("the transaction carrying this write was rolled back: {why}")),
        None => call(conn, "COMMIT").map_err(|e| e.to_string()),
    };
    let mut usable = true;
    // After a failed COMMIT, SQLite may have ended the transaction itself.
    if outcome.is_err() && !conn.is_autocommit() {
        if let Err(e) = call(conn, "ROLLBACK") {
            tracing::error!("the database writer could not roll back, and stops: {e}");
            usable = false;
        }
    }
    for deliver in ran {
        deliver(outcome.clone());
    }
    usable
}

/// Runs one statement of the writer's own (`BEGIN`, `SAVEPOINT`, …), prepared once.
fn call(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.raw_execute().map(drop)
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
                Statement::new("CREATE TABLE t (k TEXT PRIMARY KEY)").execute(conn).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
        db
    }

    /// Inserts `k` (no `ON CONFLICT`: a second insert of one key fails); when `k` is "panic", panics after.
    async fn insert(db: &Db, k: String) -> Result<(), DbError> {
        db.write(move |conn| {
            Box::pin(async move {
                Statement::new("INSERT INTO t (k) VALUES ($1)").bind(k.clone()).execute(conn).await?;
                assert_ne!(k, "panic", "a job that panics after it wrote");
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
    async fn a_failing_or_panicking_job_is_rolled_back_alone_and_the_writer_goes_on() {
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
                ("dup", r) => assert!(matches!(r, Err(DbError::Sqlite(_))), "a duplicate insert: {r:?}"),
                ("panic", r) => assert!(matches!(r, Err(DbError::Commit(_))), "a panicking job: {r:?}"),
                // The failures of others in the same batch cost a good write nothing.
                (k, r) => {
                    assert!(r.is_ok(), "{k}: {r:?}");
                    assert!(stored(&db, k).await, "{k} answered Ok but not stored");
                }
            }
        }
        assert!(!stored(&db, "panic").await, "what a panicking job wrote before it panicked is rolled back");
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(n.0, 1 + 200 - 20 - 1, "every good key once, `dup` once");
        insert(&db, "after".into()).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_waits_is_rolled_back_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir).await;
        let waited = db
            .write(|conn| {
                Box::pin(async move {
                    Statement::new("INSERT INTO t (k) VALUES ('waited')")
                        .execute(conn)
                        .await?;
                    tokio::task::yield_now().await; // a job must not wait on anything: the writer would stall
                    Ok(())
                })
            })
            .await;
        assert!(matches!(waited, Err(DbError::Commit(_))), "{waited:?}");
        assert!(
            !stored(&db, "waited").await,
            "what the job wrote before it waited is rolled back"
        );
        insert(&db, "after".into()).await.unwrap();
        assert!(stored(&db, "after").await);
    }

    #[tokio::test]
    async fn statements_bind_numbered_values_by_number_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let db = file_db(&dir).await;
        // $2 before $1, and $1 twice: SQLite names `$N` parameters in order of appearance; they bind by number.
        let changed = db
            .execute(
                Statement::new("INSERT INTO t (k) SELECT $2 || $1 || $1")
                    .bind("a")
                    .bind("b"),
            )
            .await
            .unwrap();
        assert_eq!(changed, 1);
        assert!(stored(&db, "baa").await);
        let unbound = db
            .execute(Statement::new("INSERT INTO t (k) VALUES ($2)").bind("x"))
            .await;
        assert!(
            unbound.is_err(),
            "a parameter with no value is an error, not NULL"
        );
    }
}
