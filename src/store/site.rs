//! The `setting` and `model` projections, read side.
use serde::Serialize;
use sqlx::MySqlPool;

use time::PrimitiveDateTime;

use crate::domain::ModelKind;

/// The site-wide prompts-per-chat limit (`fallback` until the site stream has one).
pub async fn default_prompt_limit(pool: &MySqlPool, fallback: u32) -> Result<u32, sqlx::Error> {
    let value: Option<String> =
        sqlx::query_scalar("SELECT value FROM setting WHERE name = 'default_prompt_limit'")
            .fetch_optional(pool)
            .await?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(fallback))
}

/// A row of `model` (site models and PDF models share the table): the one row type of the
/// table (reads, and the rebuild's fold).
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ModelRow {
    pub id: String,
    pub name: String,
    pub file: Option<String>,
    pub vector: Option<String>,
    #[serde(with = "crate::store::iso")]
    pub date: PrimitiveDateTime,
    #[sqlx(try_from = "String")]
    pub kind: ModelKind,
    pub enabled: bool,
    pub is_default: bool,
    pub position: u32,
    pub description: Option<String>,
    pub instructions: Option<String>,
    pub instructions_version: Option<u32>,
    pub base_model: Option<String>,
    /// A PDF model's `pdf_models::aggregate::Status`, as stored.
    pub status: Option<String>,
    pub pages: Option<u32>,
    pub chunks: Option<u32>,
    pub pdf_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub original_name: Option<String>,
    pub embedder: Option<String>,
    pub dimension: Option<u32>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    #[serde(with = "crate::store::iso::option")]
    pub launched_at: Option<PrimitiveDateTime>,
    #[serde(with = "crate::store::iso::option")]
    pub updated_at: Option<PrimitiveDateTime>,
}

pub async fn models(pool: &MySqlPool) -> Result<Vec<ModelRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, file, vector, date, kind, enabled, is_default, position, description, \
         instructions, instructions_version, base_model, status, pages, chunks, pdf_bytes, sha256, \
         original_name, embedder, dimension, error_code, error_detail, launched_at, updated_at \
         FROM model ORDER BY position, id",
    )
    .fetch_all(pool)
    .await
}
