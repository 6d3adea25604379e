//! Usage figures for the admin dashboard, read from the pre-aggregated daily projections (a few
//! rows per day), never from the messages themselves.
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::MySqlPool;
use time::Date;

#[derive(Clone, Debug, Default, Serialize, sqlx::FromRow, PartialEq)]
pub struct DayStats {
    pub new_users: u64,
    pub active_users: u64,
    pub chats: u64,
    pub prompts: u64,
    pub answers: u64,
    pub failed_answers: u64,
    pub stopped_answers: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Prompts sent through the API (also in `prompts`).
    pub api_prompts: u64,
    /// Prompts refused before any model was asked (not in `prompts`).
    pub refused_prompts: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DayPoint {
    pub day: Date,
    pub stats: DayStats,
}

const SUMS: &str = "CAST(COALESCE(SUM(new_users), 0) AS UNSIGNED) AS new_users, \
    CAST(COALESCE(SUM(active_users), 0) AS UNSIGNED) AS active_users, \
    CAST(COALESCE(SUM(chats), 0) AS UNSIGNED) AS chats, \
    CAST(COALESCE(SUM(prompts), 0) AS UNSIGNED) AS prompts, \
    CAST(COALESCE(SUM(answers), 0) AS UNSIGNED) AS answers, \
    CAST(COALESCE(SUM(failed_answers), 0) AS UNSIGNED) AS failed_answers, \
    CAST(COALESCE(SUM(stopped_answers), 0) AS UNSIGNED) AS stopped_answers, \
    CAST(COALESCE(SUM(prompt_tokens), 0) AS UNSIGNED) AS prompt_tokens, \
    CAST(COALESCE(SUM(completion_tokens), 0) AS UNSIGNED) AS completion_tokens, \
    CAST(COALESCE(SUM(api_prompts), 0) AS UNSIGNED) AS api_prompts, \
    CAST(COALESCE(SUM(refused_prompts), 0) AS UNSIGNED) AS refused_prompts";

/// Sums over `[from, to]` (all days when `None`). `active_users` is the sum of daily actives;
/// for the number of distinct users in a range see `active_users`.
pub async fn sums(pool: &MySqlPool, range: Option<(Date, Date)>) -> Result<DayStats, sqlx::Error> {
    let (from, to) = range.unwrap_or((
        time::macros::date!(1970 - 01 - 01),
        time::macros::date!(9999 - 12 - 31),
    ));
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SUMS} FROM daily_stats WHERE day BETWEEN ? AND ?"
    )))
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
}

/// Distinct users with at least one prompt in `[from, to]` (a range scan of one row per
/// active user and day, so keep ranges to months, not "all time").
pub async fn active_users(pool: &MySqlPool, from: Date, to: Date) -> Result<u64, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT user_id) FROM daily_user_activity WHERE day BETWEEN ? AND ? AND prompts > 0",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(count as u64)
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: Date,
    #[sqlx(flatten)]
    stats: DayStats,
}

/// One point per day in `[from, to]`, days without activity included as zeros.
pub async fn daily(pool: &MySqlPool, from: Date, to: Date) -> Result<Vec<DayPoint>, sqlx::Error> {
    let rows: Vec<DayRow> = sqlx::query_as(
        "SELECT day, CAST(new_users AS UNSIGNED) AS new_users, CAST(active_users AS UNSIGNED) AS active_users, \
         CAST(chats AS UNSIGNED) AS chats, CAST(prompts AS UNSIGNED) AS prompts, CAST(answers AS UNSIGNED) AS answers, \
         CAST(failed_answers AS UNSIGNED) AS failed_answers, CAST(stopped_answers AS UNSIGNED) AS stopped_answers, \
         prompt_tokens, completion_tokens, CAST(api_prompts AS UNSIGNED) AS api_prompts, \
         CAST(refused_prompts AS UNSIGNED) AS refused_prompts \
         FROM daily_stats WHERE day BETWEEN ? AND ? ORDER BY day",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let mut points = Vec::new();
    let mut rows = rows.into_iter().peekable();
    let mut day = from;
    while day <= to {
        let stats = rows
            .next_if(|row| row.day == day)
            .map(|row| row.stats)
            .unwrap_or_default();
        points.push(DayPoint { day, stats });
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    Ok(points)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ModelUsage {
    pub model: String,
    pub prompts: u64,
    pub answers: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Thumbs up and down, now, on this model's answers written in the range.
    pub likes: u64,
    pub dislikes: u64,
}

pub async fn by_model(
    pool: &MySqlPool,
    from: Date,
    to: Date,
) -> Result<Vec<ModelUsage>, sqlx::Error> {
    let until = to.next_day().unwrap_or(to).midnight();
    sqlx::query_as(
        "SELECT s.model, s.prompts, s.answers, s.prompt_tokens, s.completion_tokens, \
         CAST(COALESCE(r.likes, 0) AS UNSIGNED) AS likes, CAST(COALESCE(r.dislikes, 0) AS UNSIGNED) AS dislikes \
         FROM (SELECT model, CAST(SUM(prompts) AS UNSIGNED) AS prompts, CAST(SUM(answers) AS UNSIGNED) AS answers, \
               CAST(SUM(prompt_tokens) AS UNSIGNED) AS prompt_tokens, CAST(SUM(completion_tokens) AS UNSIGNED) AS completion_tokens \
               FROM daily_model_stats WHERE day BETWEEN ? AND ? GROUP BY model) s \
         LEFT JOIN (SELECT model, SUM(rating = 'up') AS likes, SUM(rating = 'down') AS dislikes \
               FROM chat_history WHERE role = 'assistant' AND rating IS NOT NULL AND date >= ? AND date < ? \
               GROUP BY model) r ON r.model = s.model \
         ORDER BY s.prompts DESC, s.model",
    )
    .bind(from)
    .bind(to)
    .bind(from.midnight())
    .bind(until)
    .fetch_all(pool)
    .await
}

/// Users now: all, blocked, verified.
pub async fn user_counts(pool: &MySqlPool) -> Result<(u64, u64, u64), sqlx::Error> {
    let (total, blocked, verified): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(blocked), 0) AS SIGNED), CAST(COALESCE(SUM(verified), 0) AS SIGNED) FROM `user`",
    )
    .fetch_one(pool)
    .await?;
    Ok((total as u64, blocked as u64, verified as u64))
}

/// Chats that exist now (deleted ones are gone from `chat`, as from the Users page), and how
/// many of them were started since `since`.
pub async fn chat_counts(
    pool: &MySqlPool,
    since: time::PrimitiveDateTime,
) -> Result<(u64, u64), sqlx::Error> {
    let (total, recent): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(date >= ?), 0) AS SIGNED) FROM chat")
            .bind(since)
            .fetch_one(pool)
            .await?;
    Ok((total as u64, recent as u64))
}

/// One user's prompts and tokens per day.
pub async fn user_daily(
    pool: &MySqlPool,
    user_id: &str,
    from: Date,
    to: Date,
) -> Result<Vec<(Date, u32, u64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT day, prompts, prompt_tokens + completion_tokens FROM daily_user_activity \
         WHERE user_id = ? AND day BETWEEN ? AND ? ORDER BY day",
    )
    .bind(user_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// A user's prompts on one UTC day (`daily_user_activity.prompts`), as read with their session
/// (`sessions::find`): the daily quota's count without a read of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PromptsOn {
    pub day: Date,
    pub prompts: u32,
}

/// Prompts the user sent on `day` (for the daily quota).
pub async fn user_prompts_on(
    pool: &MySqlPool,
    user_id: &str,
    day: Date,
) -> Result<u32, sqlx::Error> {
    let prompts: Option<u32> =
        sqlx::query_scalar("SELECT prompts FROM daily_user_activity WHERE day = ? AND user_id = ?")
            .bind(day)
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(prompts.unwrap_or(0))
}
