//! The `setting` and `model` projections, read side.
use serde::Serialize;
use sqlx::MySqlPool;

use crate::site::events::ModelKind;

/// The site-wide prompts-per-chat limit (`fallback` until the site stream has one).
pub async fn default_prompt_limit(pool: &MySqlPool, fallback: u32) -> Result<u32, sqlx::Error> {
    let value: Option<String> =
        sqlx::query_scalar("SELECT value FROM setting WHERE name = 'default_prompt_limit'")
            .fetch_optional(pool)
            .await?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(fallback))
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ModelRow {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: ModelKind,
    pub enabled: bool,
    pub is_default: bool,
}

pub async fn models(pool: &MySqlPool) -> Result<Vec<ModelRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, kind, enabled, is_default FROM model ORDER BY position, id")
        .fetch_all(pool)
        .await
}
