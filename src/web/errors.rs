//! Turns every error response into what the reader expects, in their language: an HTML page
//! for pages (a redirect to the login page when not logged in), JSON `{error:{code,message}}`
//! for `/api`. This is the only place errors are rendered.
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError};

use super::page::{Page, see_other};
use crate::error::{AppError, error_body, from_status};
use crate::i18n::Lang;

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // No clone of the request may be held while the inner services run (routing needs it
    // unshared), so everything is read back from the response.
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(response);
    }
    // Pages a handler rendered itself (a form with its messages, say) are left alone; bare
    // statuses from the router (405 for a wrong method) get a page too.
    let empty = matches!(
        response.response().body().size(),
        BodySize::None | BodySize::Sized(0)
    );
    let error = match response.response().error() {
        Some(error) => match error.as_error::<AppError>() {
            Some(app_error) => describe(app_error),
            None => describe(&from_status(status)),
        },
        None if empty => describe(&from_status(status)),
        None => return Ok(response),
    };
    let (request, original) = response.into_parts();
    let mut rendered = render_error(&request, &error, status);
    for (name, value) in original
        .headers()
        .iter()
        .filter(|(name, _)| *name == "retry-after" || *name == "set-cookie")
    {
        rendered.headers_mut().append(name.clone(), value.clone());
    }
    Ok(ServiceResponse::new(request, rendered))
}

/// What an error response says, detached from the response it came with.
struct Described {
    status: StatusCode,
    error: AppError,
}

fn describe(error: &AppError) -> Described {
    // Rebuild an owned copy: `AppError` holds an `anyhow::Error` that cannot be cloned.
    let owned = match error {
        AppError::BadRequest(m) => AppError::BadRequest(m.clone()),
        AppError::Unauthorized => AppError::Unauthorized,
        AppError::Forbidden(m) => AppError::Forbidden(m.clone()),
        AppError::NotFound => AppError::NotFound,
        AppError::Conflict(m) => AppError::Conflict(m.clone()),
        AppError::Unprocessable(m) => AppError::Unprocessable(m.clone()),
        AppError::TooLarge(m) => AppError::TooLarge(m.clone()),
        AppError::RateLimited { retry_after_secs } => AppError::RateLimited {
            retry_after_secs: *retry_after_secs,
        },
        AppError::Throttled {
            msg,
            retry_after_secs,
        } => AppError::Throttled {
            msg: msg.clone(),
            retry_after_secs: *retry_after_secs,
        },
        AppError::Unavailable(m) => AppError::Unavailable(m.clone()),
        AppError::Busy { retry_after_secs } => AppError::Busy {
            retry_after_secs: *retry_after_secs,
        },
        AppError::QuotaExceeded(m) => AppError::QuotaExceeded(m.clone()),
        AppError::Unexpected(_) => AppError::Unexpected(anyhow::anyhow!("internal error")),
    };
    Described {
        status: error.status_code(),
        error: owned,
    }
}

fn render_error(req: &HttpRequest, described: &Described, original: StatusCode) -> HttpResponse {
    let lang = Lang::from_request(req);
    // The status the handler chose wins over the category's default (e.g. 405 vs 404).
    let status = if original.is_client_error() || original.is_server_error() {
        original
    } else {
        described.status
    };
    if req.path().starts_with("/api/") {
        return HttpResponse::build(status).json(error_body(&described.error, lang));
    }
    if matches!(described.error, AppError::Unauthorized) {
        let login = if req.path().starts_with("/admin") {
            "/admin/login"
        } else {
            "/login"
        };
        let next: String = url::form_urlencoded::byte_serialize(req.path().as_bytes()).collect();
        return see_other(&format!("{login}?next={next}"));
    }
    let message = described.error.message();
    let page = Page::from_request_parts(req).and_then(|page| {
        let data = serde_json::json!({
            "status": status.as_u16(),
            "message": page.t(&message),
            "retry": status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE,
        });
        page.render_with_status(status, "error", data)
    });
    page.unwrap_or_else(|_| {
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message.translate(lang))
    })
}
