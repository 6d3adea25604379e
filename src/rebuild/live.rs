//! The folds as live projections: a feature's fold is the one place that says what its events do
//! to its rows. Inside the append transaction the rows an event may touch are read into a
//! `Tables`, the event is folded exactly as a rebuild folds it, and the rows that changed are
//! written back: inserted, updated by primary key, or deleted. A rebuild runs the same fold over
//! the whole log in memory and bulk-loads the result (`write.rs`).
//!
//! The rows are read and written inside the append transaction, under the checkpoint lock
//! (appends are serialised), so the read rows are the ones the fold changes. Counters that other
//! projections add at the end of a group (`usage`) are added to what is written here, so they
//! are not lost.
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use sqlx::query_builder::Separated;
use sqlx::{AssertSqlSafe, Encode, MySql, MySqlConnection, QueryBuilder, Type};

use super::write::{Bind, Insert};
use super::{ApiKeyRow, AuditRow, BotRow, ChatRow, ModelRow, Tables, UserRow};
use crate::events::{FoldScope, RecordedEvent};

/// Which rows a live fold needs in its `Tables` (every other table starts empty, and stays so).
#[derive(Clone, Copy, Debug)]
pub enum Reads<'a> {
    /// This user's `user` row and `api_key` rows.
    User(&'a str),
    /// Every `model` row (a new model's position counts them; one of them is the default) and
    /// every `setting` row.
    Site,
}

/// A projection whose effect on its rows is `fold`, the same fold a rebuild runs over the whole
/// log: the rows `reads` names are read, `fold` runs on them, and what changed is written.
pub async fn fold_live<E>(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &E,
    reads: Reads<'_>,
    fold: fn(&mut Tables, &RecordedEvent, &E),
) -> Result<(), sqlx::Error> {
    let before = read(conn, reads).await?;
    let mut after = before.clone();
    fold(&mut after, event, payload);
    write_changes(conn, &before, &after).await
}

async fn read(conn: &mut MySqlConnection, reads: Reads<'_>) -> Result<Tables, sqlx::Error> {
    let mut tables = Tables::new(FoldScope::All);
    match reads {
        Reads::User(user) => {
            let row: Option<UserRow> = select("WHERE id = ?", user)
                .fetch_optional(&mut *conn)
                .await?;
            tables.users.extend(row.map(|row| (row.id.clone(), row)));
            let keys: Vec<ApiKeyRow> = select("WHERE user_id = ?", user)
                .fetch_all(&mut *conn)
                .await?;
            let keys = keys.into_iter().map(|key| (key.id.clone(), key));
            tables.api_keys.extend(keys);
        }
        Reads::Site => {
            // In the order a rebuild pushes them (their positions).
            tables.models = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {} FROM model ORDER BY position, id FOR UPDATE",
                ModelRow::COLUMNS
            )))
            .fetch_all(&mut *conn)
            .await?;
            let settings: Vec<(String, String)> =
                sqlx::query_as("SELECT name, value FROM setting FOR UPDATE")
                    .fetch_all(&mut *conn)
                    .await?;
            tables.settings = settings.into_iter().collect();
        }
    }
    Ok(tables)
}

/// The row of `R`'s table whose primary key is `key`, locked for the append's transaction.
pub async fn row_by_key<R>(conn: &mut MySqlConnection, key: &str) -> Result<Option<R>, sqlx::Error>
where
    R: Keyed + for<'r> sqlx::FromRow<'r, sqlx::mysql::MySqlRow> + Send + Unpin,
{
    select::<R>(&format!("WHERE {} = ?", R::key_column()), key)
        .fetch_optional(conn)
        .await
}

/// How many rows `R`'s table has.
pub async fn row_count<R: Keyed>(conn: &mut MySqlConnection) -> Result<u64, sqlx::Error> {
    let rows: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM `{}`",
        R::TABLE
    )))
    .fetch_one(conn)
    .await?;
    Ok(rows.unsigned_abs())
}

/// `SELECT` every column of `R`'s table `filter`ed by one value, locked for the append's
/// transaction (the rows it reads are the latest, and no other append changes them meanwhile).
fn select<R: Keyed + for<'r> sqlx::FromRow<'r, sqlx::mysql::MySqlRow> + Send + Unpin>(
    filter: &str,
    value: &str,
) -> sqlx::query::QueryAs<'static, MySql, R, sqlx::mysql::MySqlArguments> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {} FROM `{}` {filter} FOR UPDATE",
        R::COLUMNS,
        R::TABLE
    )))
    .bind(value.to_owned())
}

/// Writes what the fold changed, table by table in the order the projections' own statements
/// ran (a user before their API keys).
async fn write_changes(
    conn: &mut MySqlConnection,
    before: &Tables,
    after: &Tables,
) -> Result<(), sqlx::Error> {
    write_map(conn, &before.users, &after.users).await?;
    write_map(conn, &before.api_keys, &after.api_keys).await?;
    // In the fold's order (a new model is pushed last, and inserted last).
    let find = |rows: &[ModelRow], id: &str| rows.iter().position(|row| row.id == id);
    for model in &after.models {
        let old = find(&before.models, &model.id).map(|at| &before.models[at]);
        write_row(conn, old, Some(model)).await?;
    }
    for model in &before.models {
        if find(&after.models, &model.id).is_none() {
            write_row(conn, Some(model), None).await?;
        }
    }
    write_settings(conn, &before.settings, &after.settings).await
}

async fn write_map<K: Eq + Hash, R: Keyed + PartialEq>(
    conn: &mut MySqlConnection,
    before: &HashMap<K, R>,
    after: &HashMap<K, R>,
) -> Result<(), sqlx::Error> {
    for (key, row) in before {
        if !after.contains_key(key) {
            write_row(conn, Some(row), None).await?;
        }
    }
    for (key, row) in after {
        write_row(conn, before.get(key), Some(row)).await?;
    }
    Ok(())
}

/// One row's change: inserted, updated (every column, by primary key) or deleted; nothing when
/// it is unchanged.
pub async fn write_row<R: Keyed + PartialEq>(
    conn: &mut MySqlConnection,
    before: Option<&R>,
    after: Option<&R>,
) -> Result<(), sqlx::Error> {
    let key_column = R::key_column();
    let mut query: QueryBuilder<MySql> = match (before, after) {
        (_, Some(row)) if before == Some(row) => return Ok(()),
        (None, Some(row)) => {
            let mut query =
                QueryBuilder::new(format!("INSERT INTO `{}` ({}) ", R::TABLE, R::COLUMNS));
            query.push_values([row], |mut values, row| row.push(&mut values));
            query
        }
        (Some(_), Some(row)) => {
            let mut query = QueryBuilder::new(format!("UPDATE `{}` SET ", R::TABLE));
            let mut set = SetList {
                values: query.separated(", "),
                columns: R::COLUMNS.split(','),
            };
            row.push(&mut set);
            query
                .push(format!(" WHERE {key_column} = "))
                .push_bind(row.key());
            query
        }
        (Some(row), None) => {
            let mut query =
                QueryBuilder::new(format!("DELETE FROM `{}` WHERE {key_column} = ", R::TABLE));
            query.push_bind(row.key());
            query
        }
        (None, None) => return Ok(()),
    };
    query.build().execute(conn).await?;
    Ok(())
}

async fn write_settings(
    conn: &mut MySqlConnection,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Result<(), sqlx::Error> {
    for (name, value) in after {
        if before.get(name) != Some(value) {
            sqlx::query(
                "INSERT INTO setting (name, value) VALUES (?, ?) \
                 ON DUPLICATE KEY UPDATE value = VALUES(value)",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await?;
        }
    }
    for name in before.keys().filter(|name| !after.contains_key(*name)) {
        sqlx::query("DELETE FROM setting WHERE name = ?")
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The `SET` list of an `UPDATE`: each bind named by the next of the row's columns.
struct SetList<'q, 'c> {
    values: Separated<'q, MySql, &'static str>,
    columns: std::str::Split<'c, char>,
}

impl Bind for SetList<'_, '_> {
    fn push_bind<T: Encode<'static, MySql> + Type<MySql>>(&mut self, value: T) -> &mut Self {
        let column = self.columns.next().unwrap_or_default().trim();
        self.values
            .push(format!("{column} = "))
            .push_bind_unseparated(value);
        self
    }
}

/// A table whose rows a live projection changes one by one: its name, and the row's primary key
/// (the first of `Insert::COLUMNS`).
pub trait Keyed: Insert {
    const TABLE: &'static str;
    fn key(&self) -> String;

    fn key_column() -> &'static str {
        Self::COLUMNS.split(',').next().unwrap_or_default().trim()
    }
}

impl Keyed for UserRow {
    const TABLE: &'static str = "user";
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for ApiKeyRow {
    const TABLE: &'static str = "api_key";
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for ChatRow {
    const TABLE: &'static str = "chat";
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for ModelRow {
    const TABLE: &'static str = "model";
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for BotRow {
    const TABLE: &'static str = "bot";
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for AuditRow {
    const TABLE: &'static str = "audit_log";
    fn key(&self) -> String {
        self.position.to_string()
    }
}
