//! The `api_key` projection, read side: personal keys of the OpenAI-compatible API.
use std::sync::LazyLock;

use sqlx::mysql::MySqlRow;
use sqlx::{MySqlPool, Row};
use time::{Date, PrimitiveDateTime};

use super::stats::PromptsOn;
use super::users::{self, UserRow};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    /// Hex SHA-256 of the secret (the secret itself is never stored).
    pub secret_hash: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub prompts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

pub(crate) const COLUMNS: &str = "id, user_id, name, prefix, secret_hash, created_at, expires_at, revoked_at, \
    revoked_by, last_used_at, prompts, prompt_tokens, completion_tokens";

/// A key with its owner's row and their prompts on a day: what every API call needs, in one read.
pub struct KeyWithOwner {
    pub key: ApiKeyRow,
    pub owner: UserRow,
    /// The owner's prompts on the day asked for (the daily quota's count).
    pub prompts: PromptsOn,
}

/// The key whose secret hashes to `secret_hash` (hex SHA-256), revoked or not, with its owner
/// (`None` when either is missing). The lookup is an equality on the hash (unique index): a
/// secret's bytes are never compared one by one.
pub async fn by_secret_hash(
    pool: &MySqlPool,
    secret_hash: &str,
    day: Date,
) -> Result<Option<KeyWithOwner>, sqlx::Error> {
    // The key's columns are read as `key_…`: several share a name with the user's.
    static FIND: LazyLock<String> = LazyLock::new(|| {
        let (prompts, join) = users::PROMPTS_ON_DAY;
        format!(
            "SELECT {}, {}, {prompts} FROM api_key k JOIN `user` u ON u.id = k.user_id {join} \
             WHERE k.secret_hash = ?",
            prefixed_columns(),
            users::columns_of("u")
        )
    });
    let row = sqlx::query(FIND.as_str())
        .bind(day)
        .bind(secret_hash)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let Some((owner, prompts)) = users::with_prompts(&row, day)? else {
        return Ok(None);
    };
    Ok(Some(KeyWithOwner {
        key: ApiKeyRow::from_prefixed(&row)?,
        owner,
        prompts,
    }))
}

/// `COLUMNS` of `k`, each as `key_<column>`.
fn prefixed_columns() -> String {
    COLUMNS
        .split(',')
        .map(|column| format!("k.{0} AS key_{0}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ApiKeyRow {
    /// The row from columns read as `prefixed_columns` names them.
    fn from_prefixed(row: &MySqlRow) -> Result<Self, sqlx::Error> {
        Ok(ApiKeyRow {
            id: row.try_get("key_id")?,
            user_id: row.try_get("key_user_id")?,
            name: row.try_get("key_name")?,
            prefix: row.try_get("key_prefix")?,
            secret_hash: row.try_get("key_secret_hash")?,
            created_at: row.try_get("key_created_at")?,
            expires_at: row.try_get("key_expires_at")?,
            revoked_at: row.try_get("key_revoked_at")?,
            revoked_by: row.try_get("key_revoked_by")?,
            last_used_at: row.try_get("key_last_used_at")?,
            prompts: row.try_get("key_prompts")?,
            prompt_tokens: row.try_get("key_prompt_tokens")?,
            completion_tokens: row.try_get("key_completion_tokens")?,
        })
    }
}

/// A user's keys, newest first (revoked ones too: the list says so).
pub async fn for_user(pool: &MySqlPool, user_id: &str) -> Result<Vec<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_key WHERE user_id = ? ORDER BY created_at DESC, id DESC"
    )))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// One key by its id.
pub async fn by_id(pool: &MySqlPool, id: &str) -> Result<Option<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_key WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// A key with its owner's username, for the admin.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnedApiKeyRow {
    #[sqlx(flatten)]
    pub key: ApiKeyRow,
    /// `None` only while the owner's row is missing (never for a projected log).
    pub owner: Option<String>,
}

/// Every key of every user, newest first, `limit` from `offset`; and how many there are.
pub async fn all(
    pool: &MySqlPool,
    limit: u32,
    offset: u64,
) -> Result<(Vec<OwnedApiKeyRow>, u64), sqlx::Error> {
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, (SELECT username FROM `user` WHERE `user`.id = api_key.user_id) AS owner \
         FROM api_key ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_key")
        .fetch_one(pool)
        .await?;
    Ok((rows, u64::try_from(total).unwrap_or_default()))
}
