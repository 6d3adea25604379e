//! The `email_token` table: single-use links (e-mail verification, password reset), hashed.
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub user_id: String,
    pub purpose: String,
    pub email: String,
    pub expires_at: PrimitiveDateTime,
    pub used_at: Option<PrimitiveDateTime>,
}

pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub purpose: &'a str,
    pub email: &'a str,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
}

pub async fn insert(pool: &MySqlPool, token: &NewToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_token (token_hash, user_id, purpose, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(token.token_hash)
    .bind(token.user_id)
    .bind(token.purpose)
    .bind(token.email)
    .bind(token.created_at)
    .bind(token.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn find(pool: &MySqlPool, token_hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, purpose, email, expires_at, used_at FROM email_token WHERE token_hash = ?",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

/// Marks a token used; `false` when someone else used it first.
pub async fn mark_used(
    pool: &MySqlPool,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE email_token SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
            .bind(now)
            .bind(token_hash)
            .execute(pool)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// When the newest token of this kind was sent to the user.
pub async fn last_sent(
    pool: &MySqlPool,
    user_id: &str,
    purpose: &str,
) -> Result<Option<PrimitiveDateTime>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(created_at) FROM email_token WHERE user_id = ? AND purpose = ?")
        .bind(user_id)
        .bind(purpose)
        .fetch_one(pool)
        .await
}

/// Other outstanding tokens of this kind stop working (a reset ends older reset links).
pub async fn revoke_unused(
    pool: &MySqlPool,
    user_id: &str,
    purpose: &str,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE email_token SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose)
    .execute(pool)
    .await?;
    Ok(())
}

/// Every outstanding link of the user stops working (verification and reset alike): after a
/// verification, a password change or reset, or a change of address.
pub async fn revoke_all(
    pool: &MySqlPool,
    user_id: &str,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_token SET used_at = ? WHERE user_id = ? AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_for_user(pool: &MySqlPool, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM email_token WHERE user_id = ?")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}
