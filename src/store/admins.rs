//! The `admin` table.
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminRow {
    pub id: u32,
    pub username: String,
    pub password: String,
    pub email: String,
}

pub async fn find_by_id(pool: &MySqlPool, id: u32) -> Result<Option<AdminRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, username, password, email FROM admin WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn find_by_username(
    pool: &MySqlPool,
    username: &str,
) -> Result<Option<AdminRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, username, password, email FROM admin WHERE username = ?")
        .bind(username)
        .fetch_optional(pool)
        .await
}

pub async fn upsert(
    pool: &MySqlPool,
    id: u32,
    username: &str,
    password_hash: &str,
    email: &str,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin (id, username, password, email, date) VALUES (?, ?, ?, ?, ?) \
         ON DUPLICATE KEY UPDATE username = VALUES(username), password = VALUES(password), \
         email = VALUES(email)",
    )
    .bind(id)
    .bind(username)
    .bind(password_hash)
    .bind(email)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
