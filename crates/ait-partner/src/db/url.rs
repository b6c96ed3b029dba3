//! Which database: `sqlite://path` (the embedded default), `postgres://…` (several instances on one database), or a
//! plain path, read as a SQLite file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the partner keeps its state. In the TOML configuration and the environment it is one string, read by
/// [`FromStr`].
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DatabaseUrl {
    /// A SQLite file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://user:password@host:port/database`).
    Postgres(String),
}

impl DatabaseUrl {
    /// The URL sqlx connects to (also for tools and tests that read the database beside the server). A SQLite path
    /// is percent-encoded where sqlx's parser would split it (`?`, `#`, `%`) and opened with `mode=rwc` (create when
    /// missing).
    pub fn connect_url(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => {
                let path = path
                    .to_string_lossy()
                    .replace('%', "%25")
                    .replace('?', "%3F")
                    .replace('#', "%23");
                format!("sqlite://{path}?mode=rwc")
            }
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    /// SQLite: the database of the leases, a file of its own beside this one (`<file>-leases`). Leases are written
    /// four times per payment and are worth nothing once their holders are gone, so they get their own writer and
    /// commits that do not wait for the disk (see [`crate::db::Db`]); backups can leave the file out.
    pub fn sqlite_leases(&self) -> Option<DatabaseUrl> {
        let DatabaseUrl::Sqlite(path) = self else {
            return None;
        };
        let mut leases = path.clone().into_os_string();
        leases.push("-leases");
        Some(DatabaseUrl::Sqlite(leases.into()))
    }

    /// The SQLite file, if this is one (the token key file lives next to it).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::Sqlite(path) => Some(path),
            DatabaseUrl::Postgres(_) => None,
        }
    }
}

impl From<PathBuf> for DatabaseUrl {
    fn from(path: PathBuf) -> Self {
        DatabaseUrl::Sqlite(path)
    }
}

/// A URL that names neither SQLite nor PostgreSQL.
#[derive(Debug, thiserror::Error)]
#[error("database: `{0}` is neither sqlite://… nor postgres://… (a plain path means a SQLite file)")]
pub struct UnknownScheme(String);

impl FromStr for DatabaseUrl {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, UnknownScheme> {
        if let Some(path) = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")) {
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(s.to_owned()))
        } else if s.contains("://") {
            Err(UnknownScheme(s.split("://").next().unwrap_or_default().to_owned()))
        } else {
            Ok(DatabaseUrl::Sqlite(PathBuf::from(s)))
        }
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = UnknownScheme;

    fn try_from(s: String) -> Result<Self, UnknownScheme> {
        s.parse()
    }
}

/// The configuration's form (with the password: this is what the operator wrote).
impl From<DatabaseUrl> for String {
    fn from(u: DatabaseUrl) -> String {
        match u {
            DatabaseUrl::Sqlite(path) => path.to_string_lossy().into_owned(),
            DatabaseUrl::Postgres(url) => url,
        }
    }
}

/// Shows the URL without its password (it ends up in logs and error messages).
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) if u.password().is_some() => {
                    let _ = u.set_password(Some("***"));
                    write!(f, "{u}")
                }
                Ok(u) => write!(f, "{u}"),
                Err(_) => f.write_str("postgres://(unparsable URL)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls_and_plain_paths() {
        let p = |s: &str| s.parse::<DatabaseUrl>().unwrap();
        assert_eq!(p("ait-partner.sqlite"), DatabaseUrl::Sqlite("ait-partner.sqlite".into()));
        assert_eq!(p("sqlite://data/p.sqlite"), DatabaseUrl::Sqlite("data/p.sqlite".into()));
        assert_eq!(p("sqlite:/abs/p.sqlite"), DatabaseUrl::Sqlite("/abs/p.sqlite".into()));
        assert_eq!(p("postgres://u@h:5/d"), DatabaseUrl::Postgres("postgres://u@h:5/d".into()));
        assert!("mysql://h/d".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn never_shows_the_password() {
        let u: DatabaseUrl = "postgres://app:s3cret@db:5432/shop".parse().unwrap();
        assert!(!u.to_string().contains("s3cret"), "{u}");
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn sqlite_paths_survive_the_url() {
        let u = DatabaseUrl::Sqlite("dir #1/a?b%.sqlite".into());
        assert_eq!(u.connect_url(), "sqlite://dir %231/a%3Fb%25.sqlite?mode=rwc");
        let leases = u.sqlite_leases().unwrap();
        assert_eq!(leases, DatabaseUrl::Sqlite("dir #1/a?b%.sqlite-leases".into()));
        assert_eq!(leases.connect_url(), "sqlite://dir %231/a%3Fb%25.sqlite-leases?mode=rwc");
        assert_eq!(DatabaseUrl::Postgres("postgres://h/d".into()).sqlite_leases(), None);
    }
}
