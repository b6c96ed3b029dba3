//! A write statement, written once and run by whichever connection writes: sqlx's on PostgreSQL, rusqlite's on
//! the SQLite writer's thread (see [`super::writer`] for why SQLite writes do not go through sqlx).
//!
//! The SQL is the same text for both (`$1` parameters; SQLite binds `$N` by its name, so a number may repeat or come
//! out of order), and the values are bound once, owned, so a statement can be handed to the writer as it is.

use std::borrow::Cow;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use super::DbError;

/// One SQL statement with its values bound: what [`super::Db::execute`] runs, and what a write job runs on its
/// [`Conn`].
#[derive(Debug, Clone)]
pub struct Statement {
    sql: Cow<'static, str>,
    values: Vec<Value>,
}

/// A value bound to a [`Statement`]. A NULL keeps its type: PostgreSQL checks a parameter's type against its
/// column's, even when the value is NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `INTEGER` / `BIGINT` (flags are 0/1).
    Integer(Option<i64>),
    /// `TEXT`.
    Text(Option<String>),
}

/// The connection a write job runs its statements on, inside the writer's transaction.
pub enum Conn<'a> {
    /// The SQLite writer's own connection, on its thread: every statement runs at once, no round trip.
    Sqlite(&'a mut rusqlite::Connection),
    /// A PostgreSQL connection of the pool (in a transaction, or in autocommit for one statement).
    Sqlx(&'a mut AnyConnection),
}

/// A row a write returns (`RETURNING`), read by column name on either connection: sqlx's `FromRow` on PostgreSQL,
/// [`Returned::from_sqlite`] on SQLite.
pub trait Returned: for<'r> FromRow<'r, AnyRow> + Send + Unpin {
    /// The row as the SQLite writer's connection returns it.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl Statement {
    /// A statement of `sql`, with no value bound yet.
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Statement {
        Statement {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    /// Binds the next value: `$1` is the first bound, `$2` the second, and so on.
    pub fn bind(mut self, value: impl Into<Value>) -> Statement {
        self.values.push(value.into());
        self
    }

    /// Runs the statement on `conn`: the rows it changed.
    pub async fn execute(&self, conn: &mut Conn<'_>) -> Result<u64, DbError> {
        match conn {
            Conn::Sqlite(conn) => {
                let mut statement = self.prepare(conn)?;
                Ok(statement.raw_execute()? as u64)
            }
            Conn::Sqlx(conn) => Ok(self.sqlx().execute(&mut **conn).await?.rows_affected()),
        }
    }

    /// Runs the statement on `conn`: the first row it returns, if any.
    pub async fn fetch_optional<R: Returned>(
        &self,
        conn: &mut Conn<'_>,
    ) -> Result<Option<R>, DbError> {
        match conn {
            Conn::Sqlite(conn) => {
                let mut statement = self.prepare(conn)?;
                let mut rows = statement.raw_query();
                Ok(rows.next()?.map(R::from_sqlite).transpose()?)
            }
            Conn::Sqlx(conn) => {
                let row = self.sqlx().fetch_optional(&mut **conn).await?;
                Ok(row.map(|row| R::from_row(&row)).transpose()?)
            }
        }
    }

    /// The statement for sqlx (PostgreSQL), borrowing its text and values.
    pub(super) fn sqlx(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        self.values
            .iter()
            .fold(sqlx::query(&self.sql), |query, value| match value {
                Value::Integer(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.as_deref()),
            })
    }

    /// The statement prepared on the SQLite writer's connection (cached: the writer runs the same few statements
    /// over and over), every `$N` bound to the N-th value.
    fn prepare<'c>(
        &self,
        conn: &'c rusqlite::Connection,
    ) -> Result<rusqlite::CachedStatement<'c>, DbError> {
        // SQLite would run the first statement of several and ignore the rest, silently.
        if self.sql.trim_end().trim_end_matches(';').contains(';') {
            return Err(rusqlite::Error::MultipleStatement.into());
        }
        let mut statement = conn.prepare_cached(&self.sql)?;
        for index in 1..=statement.parameter_count() {
            let name = statement.parameter_name(index).unwrap_or("?").to_owned();
            let value = name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| self.values.get(n.checked_sub(1)?))
                .ok_or(rusqlite::Error::InvalidParameterName(name))?;
            match value {
                Value::Integer(v) => statement.raw_bind_parameter(index, v)?,
                Value::Text(v) => statement.raw_bind_parameter(index, v)?,
            }
        }
        Ok(statement)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Integer(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        Value::Integer(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Integer(Some(i64::from(v)))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_owned()))
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Value {
        Value::Text(v.map(str::to_owned))
    }
}
