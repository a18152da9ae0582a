//! The two databases behind one small interface: statements with `$1, $2, …`
//! placeholders (SQLite reads them as `?1, ?2, …`), parameters and rows as [`Val`]s,
//! and one transaction at a time. The store's SQL is written once, in the dialect
//! both accept (`INSERT … ON CONFLICT … DO NOTHING`, `RETURNING`-free counts); the few
//! places where they differ ask [`Tx::is_postgres`].

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::TransactionBehavior;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Bytes(Option<Vec<u8>>),
}

impl Val {
    pub(crate) fn int(&self) -> Result<i64, DbError> {
        match self {
            Val::Int(n) => Ok(*n),
            Val::Bool(b) => Ok(i64::from(*b)),
            other => Err(DbError::Decode(format!(
                "expected an integer, found {other:?}"
            ))),
        }
    }

    pub(crate) fn opt_int(&self) -> Result<Option<i64>, DbError> {
        match self {
            Val::Null => Ok(None),
            v => v.int().map(Some),
        }
    }

    pub(crate) fn bool(&self) -> Result<bool, DbError> {
        match self {
            Val::Bool(b) => Ok(*b),
            Val::Int(n) => Ok(*n != 0),
            other => Err(DbError::Decode(format!(
                "expected a boolean, found {other:?}"
            ))),
        }
    }

    pub(crate) fn text(&self) -> Result<String, DbError> {
        match self {
            Val::Text(s) => Ok(s.clone()),
            other => Err(DbError::Decode(format!("expected text, found {other:?}"))),
        }
    }

    pub(crate) fn opt_text(&self) -> Result<Option<String>, DbError> {
        match self {
            Val::Null => Ok(None),
            v => v.text().map(Some),
        }
    }

    pub(crate) fn bytes(&self) -> Result<Option<Vec<u8>>, DbError> {
        match self {
            Val::Null => Ok(None),
            Val::Bytes(b) => Ok(b.clone()),
            other => Err(DbError::Decode(format!("expected bytes, found {other:?}"))),
        }
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Val {
        Val::Int(n)
    }
}
impl From<i32> for Val {
    fn from(n: i32) -> Val {
        Val::Int(n.into())
    }
}
impl From<bool> for Val {
    fn from(b: bool) -> Val {
        Val::Bool(b)
    }
}
impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}

/// One row: its columns in the order selected.
pub(crate) type Row = Vec<Val>;

/// A database error, from either backend.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", postgres_reason(.0))]
    Postgres(#[from] postgres::Error),
    #[error("unexpected value: {0}")]
    Decode(String),
}

/// PostgreSQL's own message (the driver's Display says only "db error").
pub(crate) fn postgres_reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// An open connection.
pub(crate) enum Db {
    Sqlite(rusqlite::Connection),
    Postgres {
        client: Box<postgres::Client>,
        /// Prepared statements by their SQL (a statement lives as long as the
        /// connection).
        prepared: HashMap<String, postgres::Statement>,
        /// To connect again when the server closed the session (a restart, a
        /// failover): the next transaction after a lost connection reconnects.
        target: super::PostgresTarget,
    },
}

/// A transaction in progress.
pub(crate) enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres {
        tx: postgres::Transaction<'a>,
        prepared: &'a mut HashMap<String, postgres::Statement>,
    },
}

impl Db {
    /// Runs `f` in one transaction and commits it; rolls back on error. SQLite takes
    /// the write lock up front (IMMEDIATE), so a busy store fails at the start.
    pub(crate) fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut tx = Tx::Sqlite(tx);
                let out = f(&mut tx)?;
                if let Tx::Sqlite(tx) = tx {
                    tx.commit()?;
                }
                Ok(out)
            }
            Db::Postgres {
                client,
                prepared,
                target,
            } => {
                if client.is_closed() {
                    **client = target.connect()?;
                    prepared.clear();
                }
                let tx = client.transaction()?;
                let mut tx = Tx::Postgres { tx, prepared };
                let out = f(&mut tx)?;
                if let Tx::Postgres { tx, .. } = tx {
                    tx.commit()?;
                }
                Ok(out)
            }
        }
    }
}

/// `$1` → `?1`: SQLite's numbered parameters (no statement of the store has a `$`
/// anywhere else).
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

fn sqlite_params(params: &[Val]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    params
        .iter()
        .map(|p| match p {
            Val::Null | Val::Bytes(None) => V::Null,
            Val::Int(n) => V::Integer(*n),
            Val::Text(s) => V::Text(s.clone()),
            Val::Bool(b) => V::Integer(i64::from(*b)),
            Val::Bytes(Some(b)) => V::Blob(b.clone()),
        })
        .collect()
}

fn sqlite_row(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    (0..n)
        .map(|i| {
            Ok(match r.get_ref(i)? {
                ValueRef::Null => Val::Null,
                ValueRef::Integer(n) => Val::Int(n),
                ValueRef::Real(f) => Val::Int(f as i64),
                ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Val::Bytes(Some(b.to_vec())),
            })
        })
        .collect()
}

fn postgres_row(r: &postgres::Row) -> Result<Row, DbError> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let t = col.type_();
        let v = if *t == Type::VOID {
            None
        } else if *t == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?.map(Val::Int)
        } else if *t == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?.map(Val::from)
        } else if *t == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)?.map(|n| Val::Int(n.into()))
        } else if *t == Type::BOOL {
            r.try_get::<_, Option<bool>>(i)?.map(Val::Bool)
        } else if *t == Type::BYTEA {
            r.try_get::<_, Option<Vec<u8>>>(i)?
                .map(|b| Val::Bytes(Some(b)))
        } else if *t == Type::NUMERIC {
            return Err(DbError::Decode(format!("column {} is NUMERIC", col.name())));
        } else {
            r.try_get::<_, Option<String>>(i)?.map(Val::Text)
        };
        out.push(v.unwrap_or(Val::Null));
    }
    Ok(out)
}

/// Parameters as the PostgreSQL driver takes them.
fn postgres_params(params: &[Val]) -> Vec<Box<dyn postgres::types::ToSql + Sync + '_>> {
    params
        .iter()
        .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
            match p {
                Val::Null => Box::new(Option::<String>::None),
                Val::Int(n) => Box::new(*n),
                Val::Text(s) => Box::new(s.as_str()),
                Val::Bool(b) => Box::new(*b),
                Val::Bytes(b) => Box::new(b.as_deref()),
            }
        })
        .collect()
}

/// A prepared statement, from the connection's cache.
fn statement(
    tx: &mut postgres::Transaction<'_>,
    prepared: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement, DbError> {
    if let Some(s) = prepared.get(sql) {
        return Ok(s.clone());
    }
    let s = tx.prepare(sql)?;
    prepared.insert(sql.to_string(), s.clone());
    Ok(s)
}

impl Tx<'_> {
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres { .. })
    }

    /// Runs a statement; the number of rows it changed.
    pub(crate) fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                let mut st = tx.prepare_cached(&sqlite_sql(sql))?;
                let n = st.execute(rusqlite::params_from_iter(sqlite_params(params)))?;
                Ok(n as u64)
            }
            Tx::Postgres { tx, prepared } => {
                let st = statement(tx, prepared, sql)?;
                let boxed = postgres_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    boxed.iter().map(|b| b.as_ref()).collect();
                Ok(tx.execute(&st, &refs)?)
            }
        }
    }

    /// Runs a query; its rows.
    pub(crate) fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                let mut st = tx.prepare_cached(&sqlite_sql(sql))?;
                let n = st.column_count();
                let rows = st
                    .query_map(rusqlite::params_from_iter(sqlite_params(params)), |r| {
                        sqlite_row(r, n)
                    })?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            }
            Tx::Postgres { tx, prepared } => {
                let st = statement(tx, prepared, sql)?;
                let boxed = postgres_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    boxed.iter().map(|b| b.as_ref()).collect();
                tx.query(&st, &refs)?.iter().map(postgres_row).collect()
            }
        }
    }

    /// The first row of a query, if any.
    pub(crate) fn row(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, DbError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// A query's single integer (a count).
    pub(crate) fn count(&mut self, sql: &str, params: &[Val]) -> Result<i64, DbError> {
        match self.row(sql, params)? {
            Some(r) => Ok(r
                .first()
                .map(Val::opt_int)
                .transpose()?
                .flatten()
                .unwrap_or(0)),
            None => Ok(0),
        }
    }

    /// Several statements at once, no parameters (migrations).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            Tx::Postgres { tx, .. } => Ok(tx.batch_execute(sql)?),
        }
    }
}
