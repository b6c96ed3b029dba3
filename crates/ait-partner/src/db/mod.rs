//! The database: one sqlx pool for SQLite (the embedded default: `./build.sh demo` needs nothing) and PostgreSQL
//! (several instances on one database), chosen by URL ([`DatabaseUrl`]).
//!
//! Queries are written once, in SQL both databases understand (`$1` parameters, `ON CONFLICT`, 0/1 integers for
//! flags, `BIGINT`/`INTEGER` read as `i64`), and live with the concept they serve (`session.rs`, `payments.rs`,
//! `iap.rs`); rows are read into `sqlx::FromRow` structs by column name. The migrations differ per dialect:
//! `migrations/sqlite/` (the history since the first release) and `migrations/postgres/` (the same schema in one
//! step); sqlx applies them at start-up and records them in `_sqlx_migrations`.
//!
//! What must happen once is claimed here too, not in a process: see [`Lease`].

mod clock;
mod lease;
mod legacy;
mod url;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

pub use clock::{now, now_ms, rfc3339};
pub use lease::{Lease, Site, DEFAULT_LEASE_TTL, DEFAULT_LEASE_WAIT};
pub use url::{DatabaseUrl, UnknownScheme};
pub use writer::Statement;
use writer::{Store, Writer};

/// The SQLite migrations, embedded in the binary. Never edit a released one: add the next.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
/// The PostgreSQL migrations, embedded in the binary.
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Connections per instance. SQLite writes one transaction at a time whatever the pool (WAL lets reads run beside
/// it); PostgreSQL runs them side by side, and a few more connections than cores keep it busy while some wait on
/// Toss inside no transaction (no query holds a connection across a Toss call).
const SQLITE_POOL: u32 = 8;
const POSTGRES_POOL: u32 = 16;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database refused or could not be reached.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A migration failed or the database has one this binary does not know.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored JSON column did not parse.
    #[error("database: stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored value this version does not know (e.g. a payment state).
    #[error("database: unknown stored value: {0}")]
    Stored(String),
    /// The row a write was for is not there (e.g. a payment saved that was never stored).
    #[error("database: no {0}")]
    Missing(String),
    /// The transaction that carried this write did not commit (SQLite group commit: another write of the batch
    /// broke it), or the writer has stopped. Nothing of the write is stored.
    #[error("database: the write was not committed: {0}")]
    Commit(String),
    /// A section's claim on `key` expired while it worked (it stalled past the claim's lifetime) and another holder
    /// took it over: the section's write was not stored; the new holder settles what it was doing.
    #[error("database: the claim on `{key}` was taken over by another holder")]
    ClaimLost {
        /// The claim's key.
        key: String,
    },
    /// Another request held the lease of `key` for longer than a lease lasts.
    #[error("database: `{key}` is busy with another request")]
    Busy {
        /// The lease's key.
        key: String,
    },
}

/// Which SQL dialect the pool speaks (for the few statements that must differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The database handle (cheap to clone).
#[derive(Clone)]
pub struct Db {
    /// Reads (and PostgreSQL's synced writes).
    pool: AnyPool,
    /// Where leases are written, connections whose commits do not wait for the disk (see [`Store::Leases`] for
    /// what a power cut can do to them). SQLite: the lease file (`<file>-leases`): one connection for
    /// `lease_writer`, one for reads beside it (WAL).
    lease_pool: AnyPool,
    /// SQLite: the thread every write of payments, grants and sessions goes through (group commit, see
    /// [`writer`]). PostgreSQL: none; writes run side by side on `pool`, and the server locks rows itself.
    writer: Option<Writer>,
    /// SQLite: the thread that writes the leases, beside `writer` (a file of its own, so neither waits for the
    /// other's write lock). An in-memory database: the same as `writer`.
    lease_writer: Option<Writer>,
    dialect: Dialect,
    leases: Arc<lease::Leases>,
}

impl Db {
    /// Connects (creating a SQLite file if needed) and applies pending migrations.
    pub async fn connect(url: &DatabaseUrl) -> Result<Db, DbError> {
        Db::connect_with(url, None).await
    }

    /// [`Db::connect`] with `pool` connections (at least 2) instead of the dialect's default.
    pub async fn connect_with(url: &DatabaseUrl, pool: Option<u32>) -> Result<Db, DbError> {
        let (dialect, size) = match url {
            DatabaseUrl::Sqlite(_) => (Dialect::Sqlite, SQLITE_POOL),
            DatabaseUrl::Postgres(_) => (Dialect::Postgres, POSTGRES_POOL),
        };
        let leases = url.sqlite_leases().map(|leases| leases.connect_url());
        Db::with_pool(&url.connect_url(), leases.as_deref(), dialect, pool.map_or(size, |n| n.max(2))).await
    }

    /// A private in-memory SQLite database (tests of single modules): one connection, since each SQLite
    /// connection to `:memory:` is a database of its own.
    pub async fn open_in_memory() -> Result<Db, DbError> {
        Db::with_pool("sqlite::memory:", None, Dialect::Sqlite, 1).await
    }

    /// Opens `url` with `size` connections; SQLite files also open `leases_url`, the lease file.
    async fn with_pool(url: &str, leases_url: Option<&str>, dialect: Dialect, size: u32) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let options: AnyConnectOptions = url.parse()?;
        let pool = pool(&options, dialect, size, Store::Data).await?;
        match dialect {
            Dialect::Sqlite => {
                legacy::adopt_schema_version(&pool, &SQLITE_MIGRATIONS).await?;
                SQLITE_MIGRATIONS.run(&pool).await?;
            }
            // sqlx takes an advisory lock while it migrates: instances starting together apply each migration once.
            Dialect::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        let (writer, lease_writer, lease_pool) = match (dialect, leases_url) {
            // A SQLite file: one synced writing connection for the data; the leases in their file, written by a
            // thread of their own.
            (Dialect::Sqlite, Some(leases_url)) => {
                let synced = self::pool(&options, dialect, 1, Store::Data).await?;
                let lease_pool = self::pool(&leases_url.parse()?, dialect, 2, Store::Leases).await?;
                lease::create_sqlite_table(&lease_pool).await?;
                let writer = Writer::start("ait-db-writer", synced);
                let lease_writer = Writer::start("ait-db-leases", lease_pool.clone());
                (Some(writer), Some(lease_writer), lease_pool)
            }
            // A private in-memory database is one connection: reads, writes and leases share it.
            (Dialect::Sqlite, None) => {
                lease::create_sqlite_table(&pool).await?;
                let writer = Writer::start("ait-db-writer", pool.clone());
                (Some(writer.clone()), Some(writer), pool.clone())
            }
            (Dialect::Postgres, _) => (None, None, self::pool(&options, dialect, 2, Store::Leases).await?),
        };
        Ok(Db {
            pool,
            lease_pool,
            writer,
            lease_writer,
            dialect,
            leases: Arc::new(lease::Leases::new(DEFAULT_LEASE_TTL, DEFAULT_LEASE_WAIT)),
        })
    }

    /// The same database with leases that last `ttl` unless renewed (how soon a killed instance's claims are free
    /// again) and requests that wait at most `wait` for one (the server derives it from the Toss timeout: the
    /// longest a live section should take).
    pub fn with_leases(mut self, ttl: Duration, wait: Duration) -> Db {
        self.leases = Arc::new(lease::Leases::new(ttl, wait));
        self
    }

    /// The pool, for reads (writes go through [`Db::write`]).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which dialect the pool speaks.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether the database can serve requests now: a query answers, and (SQLite) the writing threads run. For
    /// `GET /health`.
    pub async fn check(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        for writer in [&self.writer, &self.lease_writer].into_iter().flatten() {
            if writer.stopped() {
                return Err(DbError::Commit("the database writer has stopped".into()));
            }
        }
        Ok(())
    }

    /// Closes every connection (a clean shutdown; SQLite checkpoints its WAL).
    pub async fn close(&self) {
        for writer in [&self.writer, &self.lease_writer].into_iter().flatten() {
            writer.close().await;
        }
        self.lease_pool.close().await;
        self.pool.close().await;
    }
}

/// A pool of `size` connections set up for `dialect` and what it stores.
async fn pool(
    options: &AnyConnectOptions,
    dialect: Dialect,
    size: u32,
    store: Store,
) -> Result<AnyPool, DbError> {
    let settings: &'static [&'static str] = match (dialect, store) {
        // WAL: a commit appends to `<db>-wal` and syncs once (the rollback journal synced about four times), and
        // readers do not wait for the writer. `synchronous = FULL` keeps a commit durable on power loss too: a
        // payment Toss charged or a grant the page was told about must never be forgotten after the reply (NORMAL
        // syncs only at checkpoints; measured in issue 10's note). An in-memory database has no WAL and answers
        // "memory": fine.
        (Dialect::Sqlite, Store::Data) => &[
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
        ],
        // The lease file: no sync on commit, only when a checkpoint copies the WAL into the file: a power cut may
        // forget the last lease writes (see `Store::Leases`) but never leaves the file half written; `kill -9`
        // loses nothing.
        (Dialect::Sqlite, Store::Leases) => &[
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
        ],
        (Dialect::Postgres, Store::Data) => &[],
        // The commit returns before its WAL record is flushed; PostgreSQL still never applies it half.
        (Dialect::Postgres, Store::Leases) => &["SET synchronous_commit = off"],
    };
    // One connection to `:memory:` is the database itself: never let it go. (The data writer's one-connection pool
    // of a file keeps its connection too; other pools let idle connections go and renew old ones.)
    let keep = size > 1;
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        // No ping before each use: it is one more round trip to the connection's thread (SQLite) or server
        // (PostgreSQL) on every query. A connection that broke fails its next query, is dropped, and the request
        // answers a retryable error.
        .test_before_acquire(false)
        .idle_timeout(keep.then_some(Duration::from_secs(600)))
        .max_lifetime(keep.then_some(Duration::from_secs(3600)))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                for statement in settings {
                    conn.execute(*statement).await?;
                }
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_apply_once_and_are_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.sqlite"));
        Db::connect(&url).await.unwrap().close().await;
        let db = Db::connect(&url).await.unwrap(); // second start: nothing to apply
        let (n, max): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(n, SQLITE_MIGRATIONS.iter().count() as i64);
        assert_eq!(max, SQLITE_MIGRATIONS.iter().last().unwrap().version);
    }

    #[tokio::test]
    async fn the_sqlite_file_is_in_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("w.sqlite")))
            .await
            .unwrap();
        let mut conn = db.pool().acquire().await.unwrap();
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(
            (mode.as_str(), sync),
            ("wal", 2),
            "WAL with synchronous = FULL (2)"
        );
        // Leases: a file of their own, in WAL, synced only at checkpoints.
        let mut lease_conn = db.lease_pool.acquire().await.unwrap();
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut *lease_conn)
            .await
            .unwrap();
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut *lease_conn)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 1), "lease file: WAL with synchronous = NORMAL (1)");
        assert!(dir.path().join("w.sqlite-leases").exists(), "the leases are in w.sqlite-leases");
        drop(lease_conn); // the lease writer's one connection
        let lease = db.try_lease("k").await.unwrap().expect("free");
        assert_eq!(db.leases_held().await.unwrap(), 1);
        let in_main: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE name = 'leases'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(in_main.0, 0, "no leases table in the main file (migration 0006)");
        lease.release().await.unwrap();
        assert_eq!(db.leases_held().await.unwrap(), 0);
    }
}
