//! The `api_key` projection, read side: personal keys of the OpenAI-compatible API.
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub prompts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

pub(crate) const COLUMNS: &str = "id, user_id, name, prefix, created_at, expires_at, revoked_at, \
    revoked_by, last_used_at, prompts, prompt_tokens, completion_tokens";

/// The key whose secret hashes to `secret_hash` (hex SHA-256), revoked or not. The lookup is an
/// equality on the hash (unique index): a secret's bytes are never compared one by one.
pub async fn by_secret_hash(
    pool: &MySqlPool,
    secret_hash: &str,
) -> Result<Option<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_key WHERE secret_hash = ?"
    )))
    .bind(secret_hash)
    .fetch_optional(pool)
    .await
}
