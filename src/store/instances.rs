//! The `app_instance` table: which app processes are alive (heartbeats), so an answer left
//! "streaming" by a process that died can be recognised, and where each listens, so a request
//! about an answer another instance is writing can be forwarded to it.
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

/// A beat of `id` that leaves its address as it was.
pub async fn heartbeat(
    pool: &MySqlPool,
    id: &str,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    beat(pool, id, None, now).await
}

/// A beat of `id`, which listens at `address` (its INSTANCE_URL).
pub async fn heartbeat_at(
    pool: &MySqlPool,
    id: &str,
    address: &str,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    beat(pool, id, Some(address), now).await
}

async fn beat(
    pool: &MySqlPool,
    id: &str,
    address: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_instance (id, started_at, heartbeat_at, address) VALUES (?, ?, ?, ?) \
         ON DUPLICATE KEY UPDATE heartbeat_at = VALUES(heartbeat_at), \
           address = COALESCE(VALUES(address), address)",
    )
    .bind(id)
    .bind(now)
    .bind(now)
    .bind(address)
    .execute(pool)
    .await?;
    Ok(())
}

/// Where the instance `id` listens, if it has beaten since `alive_cutoff` and said where.
pub async fn address_of(
    pool: &MySqlPool,
    id: &str,
    alive_cutoff: PrimitiveDateTime,
) -> Result<Option<String>, sqlx::Error> {
    let address: Option<Option<String>> =
        sqlx::query_scalar("SELECT address FROM app_instance WHERE id = ? AND heartbeat_at >= ?")
            .bind(id)
            .bind(alive_cutoff)
            .fetch_optional(pool)
            .await?;
    Ok(address.flatten())
}

/// The instance writing the chat's answer, if an answer is "streaming".
pub async fn writing(pool: &MySqlPool, chat_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT instance_id FROM chat_history \
         WHERE chat_id = ? AND status = 'streaming' AND instance_id IS NOT NULL \
         ORDER BY `rank` DESC LIMIT 1",
    )
    .bind(chat_id)
    .fetch_optional(pool)
    .await
}

/// Chats with an answer "streaming" from the instance `id` for a user who is blocked.
pub async fn answers_of_blocked_users(
    pool: &MySqlPool,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT h.chat_id FROM chat_history h \
         JOIN chat c ON c.id = h.chat_id JOIN `user` u ON u.id = c.user_id \
         WHERE h.status = 'streaming' AND h.instance_id = ? AND u.blocked",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

/// Chats with an answer "streaming" from an instance that stopped beating before `cutoff`, or
/// from an instance never seen that started the answer before `cutoff` (an instance may serve
/// its first prompt before its first heartbeat lands, so an unknown one gets the same grace).
/// Never the asking instance's own (`me`): it is alive, whatever its last beat says (a beat can
/// wait while a Galera cluster evicts a dead node).
pub async fn abandoned_answers(
    pool: &MySqlPool,
    me: &str,
    cutoff: PrimitiveDateTime,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT h.chat_id FROM chat_history h LEFT JOIN app_instance i ON i.id = h.instance_id \
         WHERE h.status = 'streaming' AND h.instance_id <> ? \
           AND ((i.id IS NULL AND h.date < ?) OR i.heartbeat_at < ?)",
    )
    .bind(me)
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

/// How many instances have beaten since `cutoff`.
pub async fn alive_count(pool: &MySqlPool, cutoff: PrimitiveDateTime) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM app_instance WHERE heartbeat_at >= ?")
        .bind(cutoff)
        .fetch_one(pool)
        .await
}
