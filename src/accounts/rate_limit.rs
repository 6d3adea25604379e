//! Abuse limits: attempts per IP and per account in fixed windows, counted in MySQL so that
//! every app instance sees the same numbers.
use sqlx::MySqlPool;
use time::{Duration, PrimitiveDateTime};

use crate::clock::SharedClock;
use crate::error::AppError;
use crate::store::rate_limits;

#[derive(Clone)]
pub struct RateLimiter {
    pool: MySqlPool,
    clock: SharedClock,
    window: Duration,
}

impl RateLimiter {
    pub fn new(pool: MySqlPool, clock: SharedClock, window_minutes: i64) -> Self {
        RateLimiter {
            pool,
            clock,
            window: Duration::minutes(window_minutes.max(1)),
        }
    }

    fn window_start(&self, now: PrimitiveDateTime) -> PrimitiveDateTime {
        let seconds = now.assume_utc().unix_timestamp();
        let window = self.window.whole_seconds();
        let start = time::OffsetDateTime::from_unix_timestamp(seconds - seconds.rem_euclid(window))
            .unwrap_or_else(|_| now.assume_utc());
        PrimitiveDateTime::new(start.date(), start.time())
    }

    /// Counts an attempt in `bucket` (e.g. `login:ip:1.2.3.4`); 429 once over `limit`.
    pub async fn check(&self, bucket: &str, limit: u32) -> Result<(), AppError> {
        match self.over(bucket, limit).await? {
            None => Ok(()),
            Some(retry_after_secs) => Err(AppError::RateLimited { retry_after_secs }),
        }
    }

    /// Counts an attempt in `bucket`; once over `limit`, the seconds until the window ends.
    pub async fn over(&self, bucket: &str, limit: u32) -> Result<Option<u64>, sqlx::Error> {
        let now = self.clock.now_utc();
        let start = self.window_start(now);
        let bucket: String = bucket.chars().take(191).collect();
        let hits = rate_limits::hit(&self.pool, &bucket, start).await?;
        if hits > limit {
            tracing::warn!(%bucket, hits, "Rate limit reached");
            return Ok(Some(
                (start + self.window - now).whole_seconds().max(1) as u64
            ));
        }
        Ok(None)
    }

    /// Forgets windows older than a day.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        rate_limits::delete_before(&self.pool, self.clock.now_utc() - Duration::days(1)).await
    }
}
