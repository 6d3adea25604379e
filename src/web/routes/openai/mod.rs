//! The OpenAI-compatible API (`/v1`, and `/api/v1` for clients configured that way): personal
//! keys (`Authorization: Bearer cbf-…`) reach the same models, PDF models and bots as the web,
//! through the same chat service, so every call is a chat of source `api` in the event log,
//! under the same quota and rate rules. Every answer, error included, is OpenAI-shaped JSON.
mod auth;
mod body;
mod completions;
mod embeddings;
mod error;
mod models;
mod stream;

use actix_cors::Cors;
use actix_web::http::{Method, header};
use actix_web::web;

pub use error::ApiError;

/// Where the API is mounted.
pub const PREFIXES: [&str; 2] = ["/v1", "/api/v1"];

/// Whether a path belongs to the API (no cookies, no CSRF token: a Bearer key per request).
pub fn is_api_path(path: &str) -> bool {
    PREFIXES
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// The API under `prefix`, with CORS for the configured origins only; bodies up to `max_body`
/// bytes (at least 2 MB: a whole conversation comes with every call).
pub fn scope(
    prefix: &'static str,
    cors_origins: Vec<String>,
    max_body: usize,
) -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-chat-id"),
        ])
        .expose_headers([header::HeaderName::from_static("x-chat-id")])
        .max_age(3600);
    for origin in &cors_origins {
        cors = cors.allowed_origin(origin);
    }
    web::scope(prefix)
        .wrap(cors)
        .app_data(web::Data::new(body::BodyLimit(
            max_body.max(2 * 1024 * 1024),
        )))
        .route("/models", web::get().to(models::list))
        .route("/models/{id:.*}", web::get().to(models::one))
        .route("/chat/completions", web::post().to(completions::create))
        .route("/embeddings", web::post().to(embeddings::create))
        .default_service(web::to(error::unknown_route))
}
