//! Abuse limits: attempts per IP and per account in fixed windows, counted in MySQL so that
//! every app instance sees the same numbers. Logins count failures only (`login`).
use std::future::Future;

use sqlx::MySqlPool;
use time::{Duration, PrimitiveDateTime};

use super::password;
use super::service::AccountError;
use crate::clock::SharedClock;
use crate::configuration::RateLimitSettings;
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
        window_start(now, self.window)
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
        self.over_per(bucket, limit, self.window).await
    }

    /// `over` with a window of its own (`limit` per `window`, the windows fixed as ever).
    pub async fn over_per(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Option<u64>, sqlx::Error> {
        let now = self.clock.now_utc();
        let start = window_start(now, window);
        let bucket: String = bucket.chars().take(191).collect();
        let hits = rate_limits::hit(&self.pool, &bucket, start).await?;
        if hits > limit {
            tracing::warn!(%bucket, hits, "Rate limit reached");
            return Ok(Some((start + window - now).whole_seconds().max(1) as u64));
        }
        Ok(None)
    }

    /// The seconds until the current window ends.
    fn window_left(&self) -> u64 {
        let now = self.clock.now_utc();
        (self.window_start(now) + self.window - now)
            .whole_seconds()
            .max(1) as u64
    }

    /// What `bucket` counted in the current window, counting nothing.
    async fn counted(&self, bucket: &str) -> Result<u32, sqlx::Error> {
        let start = self.window_start(self.clock.now_utc());
        let bucket: String = bucket.chars().take(191).collect();
        rate_limits::hits_in(&self.pool, &bucket, start).await
    }

    /// One login attempt (`attempt` checks the password) under the login limits. Only failures
    /// count: per address (every account), per account from this address, and per account from
    /// anywhere. The first two refuse with 429 until their window ends; the third never
    /// refuses, it makes every attempt on the account wait a short back-off that grows with the
    /// failures, so failing on purpose from elsewhere cannot lock the owner out. The password
    /// check goes through the hashing door (`password::admit`), left while waiting.
    pub async fn login<T, Fut>(
        &self,
        buckets: &LoginBuckets,
        limits: &RateLimitSettings,
        attempt: impl FnOnce() -> Fut,
    ) -> Result<Result<T, AccountError>, AppError>
    where
        Fut: Future<Output = Result<T, AccountError>>,
    {
        let mut admitted = password::admit()?;
        for (bucket, limit) in [
            (&buckets.ip, limits.login_per_ip),
            (&buckets.account_ip, limits.login_per_account),
        ] {
            if self.counted(bucket).await? >= limit {
                tracing::warn!(%bucket, "Login refused: too many failures");
                return Err(AppError::RateLimited {
                    retry_after_secs: self.window_left(),
                });
            }
        }
        let excess = self
            .counted(&buckets.account)
            .await?
            .saturating_sub(limits.login_per_account);
        if excess > 0 {
            drop(admitted);
            tokio::time::sleep(backoff(excess)).await;
            admitted = password::admit()?;
        }
        let result = attempt().await;
        drop(admitted);
        if let Err(AccountError::Refused(msg)) = &result
            && msg.id == "login-invalid"
        {
            let start = self.window_start(self.clock.now_utc());
            for bucket in [&buckets.ip, &buckets.account_ip, &buckets.account] {
                let bucket: String = bucket.chars().take(191).collect();
                rate_limits::hit(&self.pool, &bucket, start).await?;
            }
        }
        Ok(result)
    }

    /// Forgets windows older than a day.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        rate_limits::delete_before(&self.pool, self.clock.now_utc() - Duration::days(1)).await
    }
}

/// The start of the fixed window of length `window` that holds `now`.
fn window_start(now: PrimitiveDateTime, window: Duration) -> PrimitiveDateTime {
    let seconds = now.assume_utc().unix_timestamp();
    let window = window.whole_seconds().max(1);
    let start = time::OffsetDateTime::from_unix_timestamp(seconds - seconds.rem_euclid(window))
        .unwrap_or_else(|_| now.assume_utc());
    PrimitiveDateTime::new(start.date(), start.time())
}

/// The buckets of one login attempt: `kind` (`login`, `admin-login`), the account as typed
/// and the client's address.
pub struct LoginBuckets {
    ip: String,
    account_ip: String,
    account: String,
}

impl LoginBuckets {
    pub fn new(kind: &str, account: &str, ip: &str) -> Self {
        let account = account.trim().to_lowercase();
        LoginBuckets {
            ip: format!("{kind}:ip:{ip}"),
            account_ip: format!("{kind}:account-ip:{ip}:{account}"),
            account: format!("{kind}:account:{account}"),
        }
    }
}

/// The wait before an attempt on an account that failed `excess` times over its limit in the
/// window (from anywhere): 0.5 s, 1 s, 2 s, then 4 s.
fn backoff(excess: u32) -> std::time::Duration {
    std::time::Duration::from_millis(250 << excess.min(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_grows_and_stays_short() {
        assert_eq!(backoff(1).as_millis(), 500);
        assert_eq!(backoff(2).as_millis(), 1000);
        assert_eq!(backoff(4).as_millis(), 4000);
        assert_eq!(backoff(400).as_millis(), 4000);
    }
}
