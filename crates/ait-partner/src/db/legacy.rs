//! Databases made before sqlx: the first releases recorded their migrations in a `schema_version` table of their
//! own. The SQLite migrations kept their numbers and their text, so such a database is adopted by writing the
//! versions it has into sqlx's `_sqlx_migrations` (with sqlx's checksums) and dropping `schema_version`; sqlx then
//! applies only what is new.

use sqlx::migrate::{Migrate, Migrator};
use sqlx::AnyPool;

use super::DbError;

/// Adopts a pre-sqlx SQLite database, once; does nothing for a new database or one sqlx already migrates.
pub(super) async fn adopt_schema_version(pool: &AnyPool, migrator: &Migrator) -> Result<(), DbError> {
    let mut conn = pool.acquire().await?;
    let legacy: Option<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
            .fetch_optional(&mut *conn)
            .await?;
    if legacy.is_none() {
        return Ok(());
    }
    conn.ensure_migrations_table().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let (had,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        .fetch_one(&mut *tx)
        .await?;
    for m in migrator.iter().filter(|m| m.version <= had) {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ($1, $2, TRUE, $3, 0) ON CONFLICT (version) DO NOTHING",
        )
        .bind(m.version)
        .bind(m.description.to_string())
        .bind(m.checksum.to_vec())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DROP TABLE schema_version").execute(&mut *tx).await?;
    tx.commit().await?;
    tracing::info!("database: adopted schema version {had} into sqlx's migrations");
    Ok(())
}
