//! The one error type handlers return, and the one place it becomes HTTP.
//!
//! Features keep their own `thiserror` enums and convert into `AppError`, which only knows
//! categories (not found, conflict, ...). `ResponseError` picks the status and a JSON body;
//! `web::errors::render` later turns error responses of pages into translated HTML pages.
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::i18n::{Lang, Msg};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {}", .0.id)]
    BadRequest(Msg),
    /// No (valid) session: pages redirect to the login page, the API answers 401.
    #[error("not logged in")]
    Unauthorized,
    #[error("forbidden: {}", .0.id)]
    Forbidden(Msg),
    /// Also what another user's chat looks like: its existence is not revealed.
    #[error("not found")]
    NotFound,
    #[error("conflict: {}", .0.id)]
    Conflict(Msg),
    #[error("invalid input: {}", .0.id)]
    Unprocessable(Msg),
    /// A body (an upload, say) over its limit: 413.
    #[error("too large: {}", .0.id)]
    TooLarge(Msg),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// A limit of one kind of action (bots made an hour, say), with its own message: 429 with
    /// `Retry-After`.
    #[error("too many: {}", .msg.id)]
    Throttled { msg: Msg, retry_after_secs: u64 },
    /// A usage quota is used up (with when it resets, in the message).
    #[error("quota exceeded: {}", .0.id)]
    QuotaExceeded(Msg),
    #[error("unavailable: {}", .0.id)]
    Unavailable(Msg),
    /// Too much work queued right now (password hashing, say): 503 with `Retry-After`.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    /// A stable machine-readable code for the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Unprocessable(_) => "invalid_input",
            AppError::TooLarge(_) => "too_large",
            AppError::RateLimited { .. } | AppError::Throttled { .. } => "rate_limited",
            AppError::QuotaExceeded(_) => "quota_exceeded",
            AppError::Unavailable(_) => "unavailable",
            AppError::Busy { .. } => "busy",
            AppError::Unexpected(_) => "internal",
        }
    }

    /// What the user reads.
    pub fn message(&self) -> Msg {
        match self {
            AppError::BadRequest(msg)
            | AppError::Forbidden(msg)
            | AppError::Conflict(msg)
            | AppError::Unprocessable(msg)
            | AppError::TooLarge(msg)
            | AppError::QuotaExceeded(msg)
            | AppError::Unavailable(msg)
            | AppError::Throttled { msg, .. } => msg.clone(),
            AppError::Unauthorized => Msg::new("error-unauthorized"),
            AppError::NotFound => Msg::new("error-not-found"),
            AppError::RateLimited { retry_after_secs } => {
                Msg::new("error-rate-limited").arg("minutes", retry_after_secs.div_ceil(60).max(1))
            }
            AppError::Busy { .. } => Msg::new("error-server-busy"),
            AppError::Unexpected(_) => Msg::new("error-internal"),
        }
    }

    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        AppError::Unexpected(error.into())
    }
}

impl From<crate::accounts::password::HashError> for AppError {
    fn from(error: crate::accounts::password::HashError) -> Self {
        match error {
            crate::accounts::password::HashError::Busy => AppError::Busy {
                retry_after_secs: 2,
            },
            other => AppError::unexpected(other),
        }
    }
}

/// Whether a database error means "the server cannot serve this right now" (restarting,
/// network, pool exhausted, a Galera node outside the cluster, a lost race that ran out of
/// retries) rather than a bug: nothing was written, and such requests get a 503 with
/// `Retry-After`.
pub fn database_unreachable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
    ) || crate::database::node_unavailable(error)
        // A lost race that ran out of retries: nothing was written; try again shortly.
        || crate::database::transient(error)
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if database_unreachable(&error) {
            tracing::warn!(%error, "Database unreachable: answering 503");
            return AppError::Busy {
                retry_after_secs: 5,
            };
        }
        AppError::Unexpected(anyhow::Error::new(error).context("database query failed"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited { .. }
            | AppError::Throttled { .. }
            | AppError::QuotaExceeded(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Unexpected(error) = self {
            tracing::error!(error = ?error, "Request failed");
        }
        let mut response = HttpResponse::build(self.status_code()).json(error_body(self, Lang::En));
        if let AppError::RateLimited { retry_after_secs }
        | AppError::Throttled {
            retry_after_secs, ..
        }
        | AppError::Busy { retry_after_secs } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response
    }
}

/// `{"error": {"code": ..., "message": ...}}` in the reader's language.
pub fn error_body(error: &AppError, lang: Lang) -> serde_json::Value {
    json!({ "error": { "code": error.code(), "message": error.message().translate(lang) } })
}

/// Errors that other layers (extractors, the router) produce, as `AppError`s.
pub fn from_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => AppError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(Msg::new("error-too-large")),
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Forbidden(Msg::new("error-forbidden")),
        StatusCode::TOO_MANY_REQUESTS => AppError::RateLimited {
            retry_after_secs: 60,
        },
        status if status.is_client_error() => AppError::BadRequest(Msg::new("error-bad-request")),
        _ => AppError::Unexpected(anyhow::anyhow!("status {status}")),
    }
}
