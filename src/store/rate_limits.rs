//! The `rate_limit` table: attempt counters per bucket and fixed time window, shared by all
//! app instances.
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

/// Counts one attempt and returns the window's total so far.
pub async fn hit(
    pool: &MySqlPool,
    bucket: &str,
    window_start: PrimitiveDateTime,
) -> Result<u32, sqlx::Error> {
    // Instances on different Galera nodes counting the same bucket race at COMMIT; the loser
    // counts again.
    crate::database::retry_transient(|| async {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO rate_limit (bucket, window_start, hits) VALUES (?, ?, 1) \
             ON DUPLICATE KEY UPDATE hits = hits + 1",
        )
        .bind(bucket)
        .bind(window_start)
        .execute(&mut *tx)
        .await?;
        let hits =
            sqlx::query_scalar("SELECT hits FROM rate_limit WHERE bucket = ? AND window_start = ?")
                .bind(bucket)
                .bind(window_start)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(hits)
    })
    .await
}

/// The window's total so far (0 when nothing was counted), counting nothing.
pub async fn hits_in(
    pool: &MySqlPool,
    bucket: &str,
    window_start: PrimitiveDateTime,
) -> Result<u32, sqlx::Error> {
    let hits: Option<u32> =
        sqlx::query_scalar("SELECT hits FROM rate_limit WHERE bucket = ? AND window_start = ?")
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(pool)
            .await?;
    Ok(hits.unwrap_or(0))
}

pub async fn delete_before(
    pool: &MySqlPool,
    cutoff: PrimitiveDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM rate_limit WHERE window_start < ?")
        .bind(cutoff)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
