//! CSRF protection for every state-changing request: a double-submit token (cookie + form
//! field `csrf` or header `X-CSRF-Token`, never the query string) plus Fetch-Metadata / Origin
//! checks; a login gets a fresh token. GET never
//! changes state, so it only hands out the token. In a `multipart/form-data` post (uploads) the
//! `csrf` field must be the first part: only that much of the body is read (see `multipart`).
use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::i18n::Msg;

mod multipart;

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf";

#[derive(Clone, Debug)]
pub struct CsrfConfig {
    pub cookie_name: &'static str,
    pub secure: bool,
    /// `scheme://host[:port]` of PUBLIC_URL.
    pub public_origin: String,
    pub max_body_bytes: usize,
}

/// The token of this request, for templates (hidden field) and the page's `<meta>`.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn forbidden() -> AppError {
    AppError::Forbidden(Msg::new("error-csrf"))
}

/// Cross-site requests are refused by what the browser says about them.
fn same_origin(req: &ServiceRequest, config: &CsrfConfig) -> bool {
    let headers = req.headers();
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|site| site != "same-origin" && site != "none") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = req.connection_info().host().to_owned();
    origin == config.public_origin
        || origin == format!("http://{host}")
        || origin == format!("https://{host}")
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, AppError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest(Msg::new("error-bad-form")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::BadRequest(Msg::new("error-too-large")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn restore_body(req: &mut ServiceRequest, body: Bytes) {
    let stream = futures::stream::once(async move { Ok::<Bytes, PayloadError>(body) });
    req.set_payload(Payload::from(
        Box::pin(stream) as actix_http::BoxedPayloadStream
    ));
}

async fn submitted_token(
    req: &mut ServiceRequest,
    limit: usize,
) -> Result<Option<String>, AppError> {
    if let Some(value) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return Ok(Some(value.to_owned()));
    }
    // Never from the query string: URLs end up in logs, history and `Referer` headers.
    if multipart::is_multipart_form(req) {
        return Ok(multipart::first_part_token(req, FIELD).await);
    }
    if req.content_type() != mime::APPLICATION_WWW_FORM_URLENCODED.essence_str() {
        return Ok(None);
    }
    let body = read_body(req, limit).await?;
    let token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    restore_body(req, body);
    Ok(token)
}

/// A response that carries this (set by `rotated`) gets a fresh CSRF token: a login gives the
/// browser a new token, so one planted before the login (login CSRF, a shared computer) is
/// worth nothing after it.
#[derive(Clone, Copy, Debug)]
struct RotateToken;

/// Marks `response` (a successful login's) to carry a fresh CSRF token.
pub fn rotated(mut response: actix_web::HttpResponse) -> actix_web::HttpResponse {
    response.extensions_mut().insert(RotateToken);
    response
}

/// Refusals come back as error responses (not `Err`), so the error renderer sees them.
pub async fn protect<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let config = req
        .app_data::<web::Data<CsrfConfig>>()
        .map(|c| c.get_ref().clone())
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("CsrfConfig missing")))?;
    // The OpenAI-compatible API authenticates each request by its `Authorization: Bearer` key
    // and never reads a cookie, so a forged cross-site request has nothing to ride on.
    if crate::web::routes::openai::is_api_path(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let existing = req
        .cookie(config.cookie_name)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    if !is_safe(req.method()) {
        if !same_origin(&req, &config) {
            return Ok(req.error_response(forbidden()).map_into_right_body());
        }
        let submitted = match submitted_token(&mut req, config.max_body_bytes).await {
            Ok(submitted) => submitted,
            Err(error) => return Ok(req.error_response(error).map_into_right_body()),
        };
        let valid = match (&existing, &submitted) {
            (Some(cookie), Some(submitted)) => {
                bool::from(cookie.as_bytes().ct_eq(submitted.as_bytes()))
            }
            _ => false,
        };
        if !valid {
            return Ok(req.error_response(forbidden()).map_into_right_body());
        }
    }
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.call(req).await?.map_into_left_body();
    let rotate = response.response().extensions().contains::<RotateToken>();
    if existing.is_none() || rotate {
        let token = if rotate { new_token() } else { token };
        let cookie = Cookie::build(config.cookie_name, token)
            .path("/")
            .http_only(true)
            .secure(config.secure)
            .same_site(SameSite::Lax)
            .max_age(Duration::days(30))
            .finish();
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}
