//! The admin panel's use cases: dashboard figures and charts, limits, model catalog, exports,
//! blocking a user.
pub mod audit;
pub mod charts;
pub mod export;
mod markdown;
pub mod moderation;
pub mod pdf;
pub mod printing;

use serde::Serialize;
use sqlx::MySqlPool;
use time::{Date, Duration};

use crate::clock::SharedClock;
use crate::domain::Day;
use crate::error::AppError;
use crate::store::stats::{self, DayStats, ModelUsage};

/// A date range for the dashboard: 7, 30 or 90 days up to today, or a custom one.
#[derive(Clone, Debug, Serialize)]
pub struct Range {
    pub key: String,
    #[serde(with = "crate::store::iso::date")]
    pub from: Date,
    #[serde(with = "crate::store::iso::date")]
    pub to: Date,
}

const MAX_RANGE_DAYS: i64 = 366;

impl Range {
    pub fn parse(key: Option<&str>, from: Option<&str>, to: Option<&str>, today: Date) -> Range {
        let parse = |s: Option<&str>| s.and_then(Day::parse).map(Day::date);
        if let (Some("custom"), Some(from), Some(to)) = (key, parse(from), parse(to)) {
            let (from, to) = if from <= to { (from, to) } else { (to, from) };
            let from = from.max(to - Duration::days(MAX_RANGE_DAYS));
            return Range {
                key: "custom".into(),
                from,
                to,
            };
        }
        let days = match key {
            Some("7") => 7,
            Some("90") => 90,
            _ => 30,
        };
        Range {
            key: days.to_string(),
            from: today - Duration::days(days - 1),
            to: today,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub today: DayStats,
    pub all_time: DayStats,
    pub range_sums: DayStats,
    pub users_total: u64,
    pub users_blocked: u64,
    pub users_verified: u64,
    /// Chats that exist now (not deleted) and those of them started today.
    pub chats_now: u64,
    pub chats_today: u64,
    pub charts: Vec<Chart>,
    pub models: Vec<ModelUsage>,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    pub title_id: &'static str,
    pub svg: String,
}

/// The dashboard for `range`; `name_of` turns model ids into the names people know (a PDF
/// model's id is a uuid).
pub async fn dashboard(
    pool: &MySqlPool,
    clock: &SharedClock,
    range: &Range,
    name_of: impl Fn(&str) -> Option<String>,
) -> Result<Dashboard, AppError> {
    let today = clock.now_utc().date();
    let (users_total, users_blocked, users_verified) = stats::user_counts(pool).await?;
    let (chats_now, chats_today) = stats::chat_counts(pool, today.midnight()).await?;
    let points = stats::daily(pool, range.from, range.to).await?;
    let days: Vec<Date> = points.iter().map(|p| p.day).collect();
    let values = |f: fn(&DayStats) -> u64| points.iter().map(|p| f(&p.stats)).collect::<Vec<u64>>();
    let mut models = stats::by_model(pool, range.from, range.to).await?;
    for usage in &mut models {
        if let Some(name) = name_of(&usage.model) {
            usage.model = name;
        }
    }
    let chart_error = |e: charts::ChartError| AppError::unexpected(e);
    let charts = vec![
        Chart {
            title_id: "chart-prompts",
            svg: charts::daily_lines(
                &days,
                &[
                    ("prompts", values(|s| s.prompts), charts::GREEN),
                    ("answers", values(|s| s.answers), charts::BLUE),
                    ("refused", values(|s| s.refused_prompts), charts::ORANGE),
                ],
            )
            .map_err(chart_error)?,
        },
        Chart {
            title_id: "chart-users",
            svg: charts::daily_lines(
                &days,
                &[
                    ("active", values(|s| s.active_users), charts::PURPLE),
                    ("new", values(|s| s.new_users), charts::ORANGE),
                ],
            )
            .map_err(chart_error)?,
        },
        Chart {
            title_id: "chart-tokens",
            svg: charts::daily_lines(
                &days,
                &[
                    ("prompt", values(|s| s.prompt_tokens), charts::BLUE),
                    ("completion", values(|s| s.completion_tokens), charts::GREEN),
                ],
            )
            .map_err(chart_error)?,
        },
        Chart {
            title_id: "chart-models",
            svg: charts::bars(
                &models.iter().map(|m| m.model.clone()).collect::<Vec<_>>(),
                &models.iter().map(|m| m.prompts).collect::<Vec<_>>(),
                charts::ORANGE,
            )
            .map_err(chart_error)?,
        },
    ];
    Ok(Dashboard {
        today: stats::sums(pool, Some((today, today))).await?,
        all_time: stats::sums(pool, None).await?,
        range_sums: DayStats {
            active_users: stats::active_users(pool, range.from, range.to).await?,
            ..stats::sums(pool, Some((range.from, range.to))).await?
        },
        users_total,
        users_blocked,
        users_verified,
        chats_now,
        chats_today,
        charts,
        models,
    })
}
