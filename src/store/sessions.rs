//! The `session` table (device sessions).
use std::sync::LazyLock;

use sqlx::{FromRow, MySqlPool};
use time::{Date, PrimitiveDateTime};

use super::stats::PromptsOn;
use super::users::{self, UserRow};

pub struct SessionRow {
    pub id: String,
    pub user_id: Option<String>,
    pub admin_id: Option<u32>,
    pub state: String,
}

#[derive(sqlx::FromRow)]
pub struct StoredSession {
    pub state: String,
    pub admin_id: Option<u32>,
    pub created_at: PrimitiveDateTime,
    pub last_seen_at: PrimitiveDateTime,
}

/// A session as `find` reads it, with what every request of its user needs.
pub struct LoadedSession {
    pub session: StoredSession,
    /// The session's user's row and their prompts on the day asked for (the daily quota's
    /// count), when it has a user and the row exists.
    pub user: Option<(UserRow, PromptsOn)>,
}

/// The session and, in the same read, its user's row and their prompts on `day`: the login
/// check and the daily quota of a request then need no query of their own.
pub async fn find(
    pool: &MySqlPool,
    id: &str,
    day: Date,
) -> Result<Option<LoadedSession>, sqlx::Error> {
    // The session's columns and the user's do not share a name, so each row type reads its own.
    static FIND: LazyLock<String> = LazyLock::new(|| {
        let (prompts, join) = users::PROMPTS_ON_DAY;
        format!(
            "SELECT s.state, s.admin_id, s.created_at, s.last_seen_at, {}, {prompts} \
             FROM session s LEFT JOIN `user` u ON u.id = s.user_id {join} WHERE s.id = ?",
            users::columns_of("u")
        )
    });
    let row = sqlx::query(FIND.as_str())
        .bind(day)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(LoadedSession {
        session: StoredSession::from_row(&row)?,
        user: users::with_prompts(&row, day)?,
    }))
}

pub async fn insert(
    pool: &MySqlPool,
    row: &SessionRow,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO session (id, user_id, admin_id, state, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(row.admin_id)
    .bind(&row.state)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether the session still existed.
pub async fn update(
    pool: &MySqlPool,
    row: &SessionRow,
    now: PrimitiveDateTime,
) -> Result<bool, sqlx::Error> {
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM session WHERE id = ?")
        .bind(&row.id)
        .fetch_optional(pool)
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE session SET user_id = ?, admin_id = ?, state = ?, last_seen_at = ? WHERE id = ?",
    )
    .bind(&row.user_id)
    .bind(row.admin_id)
    .bind(&row.state)
    .bind(now)
    .bind(&row.id)
    .execute(pool)
    .await?;
    Ok(true)
}

pub async fn touch(pool: &MySqlPool, id: &str, now: PrimitiveDateTime) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE session SET last_seen_at = ? WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete(pool: &MySqlPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM session WHERE id = ?")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of a user (block, password change or reset, account deletion).
/// Ends every session of an admin (their password in `.env` changed).
pub async fn delete_for_admin(pool: &MySqlPool, admin_id: u32) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM session WHERE admin_id = ?")
        .bind(admin_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

/// A blocked user's sessions lose the user but remember who they were, so the next request
/// from an open page can say why (see `accounts::current`); unblocking does not revive them.
pub async fn mark_blocked(
    pool: &MySqlPool,
    user_id: &str,
    state: &str,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("UPDATE session SET user_id = NULL, state = ? WHERE user_id = ?")
        .bind(state)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

pub async fn delete_for_user(pool: &MySqlPool, user_id: &str) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM session WHERE user_id = ?")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

/// Removes sessions idle for longer than `idle_cutoff` or older than `age_cutoff`.
pub async fn delete_expired(
    pool: &MySqlPool,
    idle_cutoff: PrimitiveDateTime,
    age_cutoff: PrimitiveDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM session WHERE last_seen_at < ? OR created_at < ?")
        .bind(idle_cutoff)
        .bind(age_cutoff)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
