//! `GET /healthz`: is the app up and can it reach its database?
use actix_web::{HttpResponse, web};
use serde_json::json;
use sqlx::MySqlPool;

pub async fn healthz(pool: web::Data<MySqlPool>) -> HttpResponse {
    let version = env!("CARGO_PKG_VERSION");
    match crate::store::ping(&pool).await {
        Ok(()) => {
            HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok", "version": version }))
        }
        Err(error) => {
            tracing::warn!(%error, "Health check: database unreachable");
            HttpResponse::ServiceUnavailable().json(
                json!({ "status": "unavailable", "database": "unreachable", "version": version }),
            )
        }
    }
}
