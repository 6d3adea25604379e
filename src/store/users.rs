//! The `user` projection, read side.
use sqlx::AssertSqlSafe;
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

use super::stats::PromptsOn;

/// Serialisable so that the session store can hand the row it read with the session to the login
/// check (`accounts::session_store::LOADED_USER_KEY`; never stored).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub password: String,
    pub email: String,
    pub date: PrimitiveDateTime,
    pub verified: bool,
    pub blocked: bool,
    pub block_reason: Option<String>,
    pub daily_prompt_quota: u32,
    pub last_active: Option<PrimitiveDateTime>,
    pub chats: u32,
    pub prompts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub version: u64,
    /// Custom instructions: what the assistant should know about the user, how to answer.
    pub custom_about: Option<String>,
    pub custom_style: Option<String>,
}

impl UserRow {
    /// The id as the catalog keys owners (a malformed one owns nothing).
    pub fn uuid(&self) -> uuid::Uuid {
        uuid::Uuid::parse_str(&self.id).unwrap_or_default()
    }
}

const COLUMNS: &str = "id, username, password, email, date, verified, blocked, block_reason, \
    daily_prompt_quota, last_active, chats, prompts, prompt_tokens, completion_tokens, version, \
    custom_about, custom_style";

/// The columns, each named `alias.column` (for a join that reads the row with another table's).
pub(crate) fn columns_of(alias: &str) -> String {
    COLUMNS
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn find(pool: &MySqlPool, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM `user` WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Selects a user's prompts on a day beside their row (aliased `u`), for `with_prompts`; binds
/// the day.
pub(crate) const PROMPTS_ON_DAY: (&str, &str) = (
    "d.prompts AS prompts_today",
    "LEFT JOIN daily_user_activity d ON d.day = ? AND d.user_id = u.id",
);

/// The user's row and their prompts on `day` from a row that selected `columns_of("u")` and
/// `PROMPTS_ON_DAY`; `None` when the join found no user.
pub(crate) fn with_prompts(
    row: &sqlx::mysql::MySqlRow,
    day: time::Date,
) -> Result<Option<(UserRow, PromptsOn)>, sqlx::Error> {
    use sqlx::{FromRow, Row};
    if row.try_get::<Option<String>, _>("id")?.is_none() {
        return Ok(None);
    }
    let prompts = row.try_get::<Option<u32>, _>("prompts_today")?.unwrap_or(0);
    Ok(Some((UserRow::from_row(row)?, PromptsOn { day, prompts })))
}

/// By username (case-insensitive through the column's collation) or e-mail.
pub async fn find_by_login(
    pool: &MySqlPool,
    identifier: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM `user` WHERE username = ? OR email = ? LIMIT 1"
    )))
    .bind(identifier)
    .bind(identifier.to_lowercase())
    .fetch_optional(pool)
    .await
}

pub async fn find_by_email(pool: &MySqlPool, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM `user` WHERE email = ?"
    )))
    .bind(email)
    .fetch_optional(pool)
    .await
}

/// Which of `username` / `email` another account already uses.
pub async fn taken(
    pool: &MySqlPool,
    username: &str,
    email: &str,
    except: Option<&str>,
) -> Result<(bool, bool), sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT username, email FROM `user` WHERE (username = ? OR email = ?) AND id <> ?",
    )
    .bind(username)
    .bind(email)
    .bind(except.unwrap_or(""))
    .fetch_all(pool)
    .await?;
    let name_taken = rows
        .iter()
        .any(|(u, _)| u.to_lowercase() == username.to_lowercase());
    let email_taken = rows.iter().any(|(_, e)| e == email);
    Ok((name_taken, email_taken))
}
