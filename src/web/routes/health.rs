//! `GET /healthz`: is the app up, can it reach its database, and can each offered model answer
//! (`ready`, `loading` — the local model after a start — or `unavailable`)? Also how many
//! appends this process committed, in how many transactions (group commit), and how many lost a
//! commit race.
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use sqlx::MySqlPool;

use crate::catalog::Catalog;
use crate::llm::BackendStatus;

pub async fn healthz(pool: web::Data<MySqlPool>, catalog: web::Data<Catalog>) -> HttpResponse {
    let version = env!("CARGO_PKG_VERSION");
    let models: Map<String, Value> = catalog
        .models()
        .into_iter()
        .filter(|m| m.enabled)
        .map(|m| {
            let state = match catalog.status(&m.id) {
                BackendStatus::Ready => "ready",
                BackendStatus::Loading { .. } => "loading",
                BackendStatus::Unavailable { .. } => "unavailable",
            };
            (m.id, Value::from(state))
        })
        .collect();
    // Appends this process committed, and those that lost a commit race and were decided
    // again (on a Galera cluster: certification conflicts between nodes).
    let (committed, lost_races) = crate::events::append_counts();
    let commits = crate::events::commit_count();
    let appends = json!({ "committed": committed, "commits": commits, "lost_races": lost_races });
    match crate::store::ping(&pool).await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "ok", "database": "ok", "models": models, "appends": appends,
            "version": version
        })),
        Err(error) => {
            tracing::warn!(%error, "Health check: database unreachable");
            HttpResponse::ServiceUnavailable().json(
                json!({ "status": "unavailable", "database": "unreachable", "version": version }),
            )
        }
    }
}
