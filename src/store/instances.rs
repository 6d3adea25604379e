//! The `app_instance` table: which app processes are alive (heartbeats), so an answer left
//! "streaming" by a process that died can be recognised.
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

/// An instance that has not beaten for this long is taken for dead.
pub const DEAD_AFTER: time::Duration = time::Duration::seconds(60);

/// Whether `id` has beaten since `cutoff` (an instance never seen is not alive).
pub async fn alive_since(
    pool: &MySqlPool,
    id: &str,
    cutoff: PrimitiveDateTime,
) -> Result<bool, sqlx::Error> {
    let beats: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM app_instance WHERE id = ? AND heartbeat_at >= ?")
            .bind(id)
            .bind(cutoff)
            .fetch_one(pool)
            .await?;
    Ok(beats > 0)
}

pub async fn heartbeat(
    pool: &MySqlPool,
    id: &str,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_instance (id, started_at, heartbeat_at) VALUES (?, ?, ?) \
         ON DUPLICATE KEY UPDATE heartbeat_at = VALUES(heartbeat_at)",
    )
    .bind(id)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Chats with an answer "streaming" from an instance that stopped beating before `cutoff`, or
/// from an instance never seen that started the answer before `cutoff` (an instance may serve
/// its first prompt before its first heartbeat lands, so an unknown one gets the same grace).
pub async fn abandoned_answers(
    pool: &MySqlPool,
    cutoff: PrimitiveDateTime,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT h.chat_id FROM chat_history h LEFT JOIN app_instance i ON i.id = h.instance_id \
         WHERE h.status = 'streaming' \
           AND ((i.id IS NULL AND h.date < ?) OR i.heartbeat_at < ?)",
    )
    .bind(cutoff)
    .bind(cutoff)
    .fetch_all(pool)
    .await
}

/// Chats with an answer "streaming" from the instance `id`.
pub async fn streaming_answers_of(pool: &MySqlPool, id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT chat_id FROM chat_history WHERE status = 'streaming' AND instance_id = ?",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

pub async fn forget_before(pool: &MySqlPool, cutoff: PrimitiveDateTime) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM app_instance WHERE heartbeat_at < ?")
        .bind(cutoff)
        .execute(pool)
        .await?;
    Ok(())
}
