//! The partner's database for one run: a SQLite file in the run directory (the default, one instance), or a
//! database of the run's own on the PostgreSQL server given by `--database-url`, created empty before the partners
//! start, shared by every instance and dropped at the end.

use std::path::{Path, PathBuf};

use sqlx::{AnyPool, Connection};

use crate::error::ChaosError;

/// Where this run's partners keep their state.
pub enum RunDatabase {
    /// `RUN/partner.sqlite`.
    Sqlite(PathBuf),
    /// A database created for this run.
    Postgres {
        /// The server URL the run was given (its database is where `CREATE DATABASE` runs).
        server: String,
        /// The run's database (`chaos_<seed>_<pid>`).
        name: String,
        /// The run's database URL, as the partners get it.
        url: String,
    },
}

impl RunDatabase {
    /// The SQLite file in the run directory.
    pub fn sqlite(dir: &Path) -> RunDatabase {
        RunDatabase::Sqlite(dir.join("partner.sqlite"))
    }

    /// Creates `chaos_<seed>_<pid>` on the PostgreSQL server at `server` (a `postgres://` URL of a role that may
    /// create databases).
    pub async fn create_postgres(server: &str, seed: u64) -> Result<RunDatabase, ChaosError> {
        let mut url = url::Url::parse(server).map_err(|e| usage(format!("--database-url: {e}")))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(usage(format!(
                "--database-url must be a postgres:// URL, not {}://",
                url.scheme()
            )));
        }
        let name = format!("chaos_{seed}_{}", std::process::id());
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(server).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let _ = admin.close().await;
        url.set_path(&name);
        Ok(RunDatabase::Postgres {
            server: server.to_string(),
            name,
            url: url.to_string(),
        })
    }

    /// The value of the partners' `AIT_PARTNER_DATABASE`.
    pub fn partner_setting(&self) -> String {
        match self {
            RunDatabase::Sqlite(path) => path.display().to_string(),
            RunDatabase::Postgres { url, .. } => url.clone(),
        }
    }

    /// Whether it is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, RunDatabase::Postgres { .. })
    }

    /// For messages: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            RunDatabase::Sqlite(path) => path.display().to_string(),
            RunDatabase::Postgres { url, .. } => without_password(url),
        }
    }

    /// A pool that reads it (SQLite read-only, beside the running partners).
    pub async fn open(&self) -> Result<AnyPool, ChaosError> {
        Ok(ait_invariants::load::open_partner_db(&self.partner_setting()).await?)
    }

    /// Drops the run's PostgreSQL database (connections still open to it are ended); a SQLite file goes with the
    /// run directory.
    pub async fn drop_database(&self) -> Result<(), ChaosError> {
        let RunDatabase::Postgres { server, name, .. } = self else {
            return Ok(());
        };
        let mut admin = sqlx::AnyConnection::connect(server).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        let _ = admin.close().await;
        Ok(())
    }
}

/// `url` with its password, if any, replaced by `***` (it is printed).
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The token key every instance shares on PostgreSQL (32 bytes, hex): a throwaway database's, so drawn from `seed`
/// (the caller mixes in the clock) rather than the OS.
pub fn token_key(seed: u64) -> String {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

fn usage(message: String) -> ChaosError {
    ChaosError::Usage(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_url_has_no_password() {
        assert_eq!(
            without_password("postgres://app:s3cret@db:5432/shop"),
            "postgres://app:***@db:5432/shop"
        );
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1:5/postgres"),
            "postgres://postgres@127.0.0.1:5/postgres"
        );
    }
}
