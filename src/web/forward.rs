//! Sends a request about a chat's live answer on to the instance writing it (`chat::forward`
//! decides when) and streams that instance's response back as it comes: an SSE answer passes
//! through chunk by chunk. The owner authenticates the request as usual (sessions live in the
//! shared database), so the client's cookies and CSRF header go along.
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;

use crate::chat::forward::{Hop, Owner};

/// Marks a forwarded request: the owner answers it itself and never forwards it again.
pub const HEADER: &str = "x-cbf-forwarded";

/// What the owner needs to see the request as the client sent it: the session and CSRF
/// cookies and token, what the CSRF check compares (origin, fetch metadata, host), the
/// language and the format asked for.
const PASSED_ON: [&str; 13] = [
    "cookie",
    "x-csrf-token",
    "origin",
    "sec-fetch-site",
    "host",
    "content-type",
    "accept",
    "accept-language",
    "user-agent",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
];

/// The owner's response headers that describe the body (`content-encoding: identity` keeps an
/// SSE stream uncompressed, so it is not held back in a compressor).
const PASSED_BACK: [&str; 6] = [
    "content-type",
    "content-encoding",
    "cache-control",
    "x-accel-buffering",
    "retry-after",
    "content-language",
];

/// A live instance answers its connection at once; a dead one must not hold the request.
const CONNECT_WITHIN: Duration = Duration::from_secs(2);
/// The owner's response headers come as soon as it has looked at its actor.
const HEADERS_WITHIN: Duration = Duration::from_secs(10);

/// Whether a request was forwarded to this instance by another one.
pub fn hop(req: &HttpRequest) -> Hop {
    if req.headers().contains_key(HEADER) {
        Hop::Forwarded
    } else {
        Hop::First
    }
}

/// The HTTP client that forwards requests to other instances.
#[derive(Clone)]
pub struct Forwarder {
    client: reqwest::Client,
}

impl Forwarder {
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_WITHIN)
            .redirect(reqwest::redirect::Policy::none())
            // Instances talk to each other directly, never through an HTTP_PROXY.
            .no_proxy()
            .build()?;
        Ok(Forwarder { client })
    }

    /// `req` (with `body`) as the owner answers it, streamed; `None` when the owner cannot be
    /// reached or fails, so the caller answers as if no answer were being written.
    pub async fn send(
        &self,
        owner: &Owner,
        req: &HttpRequest,
        body: Bytes,
    ) -> Option<HttpResponse> {
        let instance = &owner.instance_id;
        let path = req
            .uri()
            .path_and_query()
            .map_or(req.path(), |path| path.as_str());
        let url = match owner.address.join(path) {
            Ok(url) => url,
            Err(error) => {
                tracing::warn!(%instance, %error, "Cannot build the owner's URL");
                return None;
            }
        };
        let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).ok()?;
        let mut request = self
            .client
            .request(method, url)
            .header(HEADER, "1")
            .body(body);
        for name in PASSED_ON {
            for value in req.headers().get_all(name) {
                request = request.header(name, value.as_bytes());
            }
        }
        let response = match tokio::time::timeout(HEADERS_WITHIN, request.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                tracing::warn!(%instance, %error, "The instance writing the answer cannot be reached");
                return None;
            }
            Err(_) => {
                tracing::warn!(%instance, "The instance writing the answer did not respond");
                return None;
            }
        };
        let status = StatusCode::from_u16(response.status().as_u16()).ok()?;
        if status.is_server_error() {
            tracing::warn!(%instance, %status, "The instance writing the answer failed");
            return None;
        }
        let mut answer = HttpResponse::build(status);
        for name in PASSED_BACK {
            if let Some(value) = response.headers().get(name) {
                answer.insert_header((name, value.as_bytes()));
            }
        }
        if status == StatusCode::NO_CONTENT {
            return Some(answer.finish());
        }
        Some(answer.streaming(response.bytes_stream()))
    }
}
