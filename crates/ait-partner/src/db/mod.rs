//! The database: SQLite (the embedded default: `./build.sh demo` needs nothing) or PostgreSQL (several instances on
//! one database), chosen by URL ([`DatabaseUrl`]). Reads go through one sqlx pool for both; writes through sqlx on
//! PostgreSQL, and through the SQLite writer's own connection on SQLite ([`writer`] says why).
//!
//! Queries are written once, in SQL both databases understand (`$1` parameters, `ON CONFLICT`, 0/1 integers for
//! flags, `BIGINT`/`INTEGER` read as `i64`), and live with the concept they serve (`session.rs`, `payments/`,
//! `iap.rs`); a write is a [`Statement`], whichever runs it. Rows are read by column name: into `sqlx::FromRow`
//! structs, and a row a write returns also through [`Returned`]. The migrations differ per dialect:
//! `migrations/sqlite/` (the history since the first release) and `migrations/postgres/` (the same schema in one
//! step); sqlx applies them at start-up and records them in `_sqlx_migrations`.
//!
//! What must happen once is claimed here too, not in a process: see [`Lease`].

mod clock;
mod lease;
mod legacy;
mod statement;
mod url;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

pub use clock::{now, now_ms, now_rfc3339};
pub use lease::{Lease, Site, DEFAULT_LEASE_TTL, DEFAULT_LEASE_WAIT};
pub use url::{DatabaseUrl, UnknownScheme};
pub use statement::{Conn, Returned, Statement, Value};
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
    /// The SQLite writer's connection refused (see [`writer`]).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON column did not parse.
    #[error("database: stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A SQLite "database" that is not a file (`:memory:`, a `file:` URI): the server keeps its data in a file.
    #[error("database: `{0}` is not a SQLite file: give a path, or sqlite://path")]
    NotAFile(String),
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
    /// The leases' connections, whose commits do not wait for the disk (see [`Store::Leases`] for what a power cut
    /// can do to them). SQLite: reads of the lease file (`<file>-leases`), beside `lease_writer` (WAL).
    /// PostgreSQL: lease writes, in autocommit.
    lease_pool: AnyPool,
    /// SQLite: the thread every write of payments, grants and sessions goes through (group commit, see
    /// [`writer`]). PostgreSQL: none; writes run side by side on `pool`, and the server locks rows itself.
    writer: Option<Writer>,
    /// SQLite: the thread that writes the leases, beside `writer` (a file of its own, so neither waits for the
    /// other's write lock).
    lease_writer: Option<Writer>,
    dialect: Dialect,
    leases: Arc<lease::Leases>,
    /// The directory of a temporary database ([`Db::open_temporary`]), removed with the last handle.
    scratch: Option<Arc<tempfile::TempDir>>,
}

impl Db {
    /// Connects (creating a SQLite file if needed) and applies pending migrations.
    pub async fn connect(url: &DatabaseUrl) -> Result<Db, DbError> {
        Db::connect_with(url, None).await
    }

    /// [`Db::connect`] with `pool` connections for reads (at least 2) instead of the dialect's default.
    pub async fn connect_with(url: &DatabaseUrl, pool: Option<u32>) -> Result<Db, DbError> {
        // sqlx reads these as an in-memory database or a URI, the writer as a file name: they would not meet.
        if let DatabaseUrl::Sqlite(path) = url {
            if path.as_os_str() == ":memory:" || path.to_string_lossy().starts_with("file:") {
                return Err(DbError::NotAFile(path.display().to_string()));
            }
        }
        sqlx::any::install_default_drivers();
        let (dialect, size) = match url {
            DatabaseUrl::Sqlite(_) => (Dialect::Sqlite, SQLITE_POOL),
            DatabaseUrl::Postgres(_) => (Dialect::Postgres, POSTGRES_POOL),
        };
        let options: AnyConnectOptions = url.connect_url().parse()?;
        let reads = self::pool(&options, dialect, pool.map_or(size, |n| n.max(2)), Store::Data).await?;
        let (writer, lease_writer, lease_pool) = match url {
            DatabaseUrl::Sqlite(path) => {
                legacy::adopt_schema_version(&reads, &SQLITE_MIGRATIONS).await?;
                SQLITE_MIGRATIONS.run(&reads).await?;
                // The leases in their file, written by a thread of their own; one connection reads them.
                let leases = url.sqlite_leases().unwrap_or_else(|| url.clone());
                let lease_pool = self::pool(&leases.connect_url().parse()?, dialect, 1, Store::Leases).await?;
                lease::create_sqlite_table(&lease_pool).await?;
                let lease_path = leases.sqlite_path().unwrap_or(path);
                let writer = Writer::start("ait-db-writer", path, sqlite_settings(Store::Data))?;
                let lease_writer = Writer::start("ait-db-leases", lease_path, sqlite_settings(Store::Leases))?;
                (Some(writer), Some(lease_writer), lease_pool)
            }
            DatabaseUrl::Postgres(_) => {
                // sqlx takes an advisory lock while it migrates: instances starting together apply each migration
                // once.
                POSTGRES_MIGRATIONS.run(&reads).await?;
                (None, None, self::pool(&options, dialect, 2, Store::Leases).await?)
            }
        };
        Ok(Db {
            pool: reads,
            lease_pool,
            writer,
            lease_writer,
            dialect,
            leases: Arc::new(lease::Leases::new(DEFAULT_LEASE_TTL, DEFAULT_LEASE_WAIT)),
            scratch: None,
        })
    }

    /// A SQLite database of its own in a temporary directory, removed with the last handle: for tests of single
    /// modules and the fuzz harness.
    pub async fn open_temporary() -> Result<Db, DbError> {
        let dir = tempfile::tempdir().map_err(sqlx::Error::Io)?;
        let mut db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("test.sqlite"))).await?;
        db.scratch = Some(Arc::new(dir));
        Ok(db)
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

    /// Closes every connection (a clean shutdown; the last connection to a SQLite file to close checkpoints its WAL).
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
    let settings = match (dialect, store) {
        (Dialect::Sqlite, store) => sqlite_settings(store),
        (Dialect::Postgres, Store::Data) => &[],
        // The commit returns before its WAL record is flushed; PostgreSQL still never applies it half.
        (Dialect::Postgres, Store::Leases) => &["SET synchronous_commit = off"],
    };
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        // No ping before each use: it is one more round trip to the connection's thread (SQLite) or server
        // (PostgreSQL) on every query. A connection that broke fails its next query, is dropped, and the request
        // answers a retryable error.
        .test_before_acquire(false)
        .idle_timeout(Duration::from_secs(600))
        .max_lifetime(Duration::from_secs(3600))
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

/// The settings of a SQLite connection to the file of `store`, for the pool's and the writer's alike.
fn sqlite_settings(store: Store) -> &'static [&'static str] {
    match store {
        // WAL: a commit appends to `<db>-wal` and syncs once (the rollback journal synced about four times), and
        // readers do not wait for the writer. `synchronous = FULL` keeps a commit durable on power loss too: a
        // payment Toss charged or a grant the page was told about must never be forgotten after the reply (NORMAL
        // syncs only at checkpoints; measured in issue 10's note).
        Store::Data => &["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"],
        // The lease file: no sync on commit, only when a checkpoint copies the WAL into the file: a power cut may
        // forget the last lease writes (see `Store::Leases`) but never leaves the file half written; `kill -9`
        // loses nothing.
        Store::Leases => &["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"],
    }
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

    /// The journal mode, `synchronous` and `foreign_keys` of the writing connection of `store`.
    async fn writer_settings(db: &Db, store: Store) -> (String, i64, i64) {
        db.write_as(store, |conn| {
            Box::pin(async move {
                let Conn::Sqlite(conn) = conn else { panic!("a SQLite writer") };
                use rusqlite::types::Value::{Integer, Text};
                let pragma = |name: &str| conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get(0));
                match (pragma("journal_mode")?, pragma("synchronous")?, pragma("foreign_keys")?) {
                    (Text(mode), Integer(sync), Integer(keys)) => Ok((mode, sync, keys)),
                    other => panic!("{other:?}"),
                }
            })
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_sqlite_database_that_is_not_a_file_is_refused() {
        for url in ["sqlite::memory:", ":memory:", "sqlite:file:x.db?mode=memory"] {
            let refused = Db::connect(&url.parse().unwrap()).await;
            assert!(matches!(refused, Err(DbError::NotAFile(_))), "{url}: {:?}", refused.map(|_| ()));
        }
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
        drop(lease_conn); // the lease file's one reading connection
        // The writers' own connections: the data's synced on every commit, the leases' not.
        assert_eq!(writer_settings(&db, Store::Data).await, ("wal".to_owned(), 2, 1), "data writer");
        let (mode, sync, _) = writer_settings(&db, Store::Leases).await;
        assert_eq!((mode.as_str(), sync), ("wal", 1), "lease writer");
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
