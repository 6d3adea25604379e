//! Request bodies, read and parsed here (not by actix's extractors, whose errors would become
//! the site's HTML pages): a body over the size limit or malformed JSON is an OpenAI-shaped 400.
use actix_web::http::StatusCode;
use actix_web::web;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The JSON body as `T`, at most `limit` bytes.
pub async fn json<T: DeserializeOwned>(
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::invalid("body", "The request body was cut off."))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                "request_too_large",
                format!("The request body is larger than {} KB.", limit / 1024),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&bytes).map_err(|error| {
        ApiError::invalid(
            "body",
            format!("We could not parse the JSON body of your request: {error}"),
        )
    })
}

/// How large an API body may be: a whole conversation comes with every call.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// The request size limit set for the API's scope.
pub fn limit(req: &actix_web::HttpRequest) -> usize {
    req.app_data::<web::Data<BodyLimit>>()
        .map_or(2 * 1024 * 1024, |limit| limit.0)
}
