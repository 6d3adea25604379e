//! The admin's event browser reads the log here: a filtered page, newest first, with keyset
//! paging on the global position, and one stream's whole history.
use sqlx::{MySql, MySqlPool, QueryBuilder};
use time::PrimitiveDateTime;

use crate::events::RecordedEvent;

const COLUMNS: &str = "position, stream_type, stream_id, sequence, event_type, event_version, \
    payload, metadata, recorded_at";

/// What the browser's filter form asks for (every part optional).
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    pub stream_type: Option<String>,
    pub event_type: Option<String>,
    /// A user's id: their own stream and everything they did (`actor` = `user:<id>`).
    pub user_id: Option<String>,
    pub from: Option<PrimitiveDateTime>,
    /// Recorded before.
    pub to: Option<PrimitiveDateTime>,
    /// Keyset paging: only positions below this one.
    pub before: Option<u64>,
}

/// One page of events, newest first.
pub async fn page(
    pool: &MySqlPool,
    query: &EventQuery,
    limit: u32,
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    let mut sql: QueryBuilder<MySql> =
        QueryBuilder::new(format!("SELECT {COLUMNS} FROM event WHERE 1 = 1"));
    if let Some(before) = query.before {
        sql.push(" AND position < ").push_bind(before);
    }
    if let Some(kind) = &query.stream_type {
        sql.push(" AND stream_type = ").push_bind(kind.clone());
    }
    if let Some(kind) = &query.event_type {
        sql.push(" AND event_type = ").push_bind(kind.clone());
    }
    if let Some(user) = &query.user_id {
        sql.push(" AND (stream_id = ")
            .push_bind(user.clone())
            .push(" OR JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.actor')) = ")
            .push_bind(format!("user:{user}"))
            .push(")");
    }
    if let Some(from) = query.from {
        sql.push(" AND recorded_at >= ").push_bind(from);
    }
    if let Some(to) = query.to {
        sql.push(" AND recorded_at < ").push_bind(to);
    }
    sql.push(" ORDER BY position DESC LIMIT ").push_bind(limit);
    sql.build_query_as().fetch_all(pool).await
}

/// Every event of the streams with this id (a chat, a user, a model, `global`), in order.
pub async fn stream(pool: &MySqlPool, stream_id: &str) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM event WHERE stream_id = ? ORDER BY position"
    )))
    .bind(stream_id)
    .fetch_all(pool)
    .await
}

/// The usernames of these user ids (users deleted since are absent), for the "Who" column.
pub async fn usernames(
    pool: &MySqlPool,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut sql: QueryBuilder<MySql> =
        QueryBuilder::new("SELECT id, username FROM `user` WHERE id IN (");
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
    sql.push(")");
    let rows: Vec<(String, String)> = sql.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}
