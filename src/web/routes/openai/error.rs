//! OpenAI's error shape, `{"error": {"message", "type", "param", "code"}}`, with the status its
//! clients expect (401 bad key, 403 blocked, 404 unknown model, 429 limits with `Retry-After`,
//! 400 bad body). Handlers return these as ordinary responses, so the site's HTML error pages
//! never answer an API client.
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::json;

use crate::error::AppError;
use crate::i18n::{Lang, Msg};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
    pub param: Option<&'static str>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: String,
    ) -> Self {
        ApiError {
            status,
            kind,
            code,
            message,
            param: None,
            retry_after_secs: None,
        }
    }

    /// 400: the body is not what the API takes.
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            param: Some(param),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "invalid_request",
                message.into(),
            )
        }
    }

    pub fn unknown_model(model: &str) -> Self {
        ApiError {
            param: Some("model"),
            ..ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "model_not_found",
                format!("The model `{model}` does not exist or you do not have access to it."),
            )
        }
    }

    pub fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after_secs {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        }))
    }

    /// The site's own errors (usage rules, chats) in the API's words and statuses.
    pub fn from_app(error: AppError, lang: Lang) -> Self {
        let text = |msg: &Msg| msg.translate(lang);
        match error {
            AppError::Unauthorized => invalid_key(),
            AppError::Forbidden(msg) => ApiError::new(
                StatusCode::FORBIDDEN,
                "permission_error",
                "forbidden",
                text(&msg),
            ),
            AppError::NotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "not_found",
                "No such chat: `X-Chat-Id` must name an API chat of this key's owner.".into(),
            ),
            AppError::BadRequest(msg) | AppError::Unprocessable(msg) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "invalid_request",
                text(&msg),
            ),
            AppError::TooLarge(msg) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "too_large",
                text(&msg),
            ),
            AppError::Conflict(msg) if msg.id == "chat-limit-reached" => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                "chat_limit_reached",
                text(&msg),
            ),
            AppError::Conflict(msg) => ApiError::new(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "conflict",
                text(&msg),
            ),
            AppError::QuotaExceeded(msg) => {
                let (code, wait) = quota_wait(&msg);
                ApiError {
                    retry_after_secs: Some(wait),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate_limit_error",
                        code,
                        text(&msg),
                    )
                }
            }
            AppError::RateLimited { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_error",
                    "rate_limited",
                    text(
                        &Msg::new("error-rate-limited")
                            .arg("minutes", retry_after_secs.div_ceil(60)),
                    ),
                )
            },
            AppError::Throttled {
                msg,
                retry_after_secs,
            } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_error",
                    "rate_limited",
                    text(&msg),
                )
            },
            AppError::Unavailable(msg) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "unavailable",
                text(&msg),
            ),
            AppError::Busy { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "server_error",
                    "busy",
                    "The server is busy; try again shortly.".into(),
                )
            },
            AppError::Unexpected(error) => {
                tracing::error!(error = %error, "API request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "internal_error",
                    "The server had an error while processing your request.".into(),
                )
            }
        }
    }
}

/// 401 for a missing, unknown, revoked or expired key (which of them is not said).
pub fn invalid_key() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. Create one on your profile page (API keys) and send it as \
         `Authorization: Bearer cbf-…`."
            .into(),
    )
}

/// The code and the wait of a usage rule: the per-minute prompt rate, or the daily quota
/// (until the next UTC midnight).
fn quota_wait(msg: &Msg) -> (&'static str, u64) {
    let arg = |name: &str| {
        msg.args
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    match msg.id {
        "chat-too-fast" => ("rate_limited", arg("seconds").max(1)),
        _ => (
            "daily_quota_exceeded",
            (arg("hours") * 3600 + arg("minutes") * 60 + 60).max(1),
        ),
    }
}

/// Any other path under the API.
pub async fn unknown_route() -> HttpResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "unknown_url",
        "Unknown request URL. This server offers GET /v1/models, POST /v1/chat/completions \
         and POST /v1/embeddings."
            .into(),
    )
    .response()
}
