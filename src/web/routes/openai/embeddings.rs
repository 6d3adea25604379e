//! `POST /v1/embeddings`: the site's own embedder (the one its PDF models are built with), so a
//! notebook embeds exactly as the PDF models do. `input_type: "query"` embeds questions the
//! way the retrieval does (E5 reads `query:` and `passage:` differently); the default is
//! passages. Vectors are unit length, as floats or base64 (little-endian f32), as OpenAI sends.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use super::auth::authenticate;
use super::body;
use super::error::ApiError;
use crate::pdf_models::PdfModels;

/// Texts one call may embed (each costs ~0.1–0.5 s of CPU with the local model).
const MAX_INPUTS: usize = 64;
/// Characters per text (the local model reads the first 512 tokens anyway).
const MAX_CHARS: usize = 8_000;

#[derive(Deserialize)]
struct EmbeddingRequest {
    model: String,
    input: Input,
    #[serde(default)]
    encoding_format: Option<String>,
    #[serde(default)]
    input_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Input {
    One(String),
    Many(Vec<String>),
}

/// The embedder's names: `local:multilingual-e5-small` (as models record it) or the bare name.
fn names_match(asked: &str, embedder_id: &str) -> bool {
    asked == embedder_id
        || embedder_id
            .split_once(':')
            .is_some_and(|(_, name)| name == asked)
}

pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<MySqlPool>,
    models: web::Data<PdfModels>,
) -> HttpResponse {
    let result = async {
        authenticate(&req, &pool).await?;
        let request: EmbeddingRequest = body::json(payload, body::limit(&req)).await?;
        let knowledge = models.knowledge();
        let embedder_id = knowledge.embedder_id();
        if !names_match(&request.model, &embedder_id) {
            return Err(ApiError {
                message: format!(
                    "The model `{}` is not this site's embedder; use `{embedder_id}`.",
                    request.model
                ),
                ..ApiError::unknown_model(&request.model)
            });
        }
        let texts = match request.input {
            Input::One(text) => vec![text],
            Input::Many(texts) => texts,
        };
        if texts.is_empty() || texts.len() > MAX_INPUTS {
            return Err(ApiError::invalid(
                "input",
                format!("`input` must hold 1 to {MAX_INPUTS} texts."),
            ));
        }
        if texts
            .iter()
            .any(|t| t.trim().is_empty() || t.chars().count() > MAX_CHARS)
        {
            return Err(ApiError::invalid(
                "input",
                format!("Each text must be non-empty and at most {MAX_CHARS} characters."),
            ));
        }
        let base64 = match request.encoding_format.as_deref() {
            None | Some("float") => false,
            Some("base64") => true,
            Some(_) => {
                return Err(ApiError::invalid(
                    "encoding_format",
                    "`encoding_format` must be `float` or `base64`.",
                ));
            }
        };
        let queries = match request.input_type.as_deref() {
            None | Some("passage" | "document" | "search_document") => false,
            Some("query" | "search_query") => true,
            Some(_) => {
                return Err(ApiError::invalid(
                    "input_type",
                    "`input_type` must be `query` or `passage`.",
                ));
            }
        };
        let tokens: usize = texts.iter().map(|t| t.chars().count().div_ceil(4)).sum();
        let unavailable = |error: crate::llm::LlmError| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "embedder_unavailable",
                format!("The embedder cannot run now: {error}"),
            )
        };
        let embedder = knowledge.embedder().await.map_err(unavailable)?;
        let vectors = if queries {
            embedder.embed_queries(texts).await
        } else {
            embedder.embed(texts).await
        }
        .map_err(unavailable)?;
        let data: Vec<Value> = vectors
            .iter()
            .enumerate()
            .map(|(index, vector)| {
                let embedding = if base64 {
                    let bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
                    json!(base64::engine::general_purpose::STANDARD.encode(bytes))
                } else {
                    json!(vector)
                };
                json!({ "object": "embedding", "index": index, "embedding": embedding })
            })
            .collect();
        Ok::<_, ApiError>(HttpResponse::Ok().json(json!({
            "object": "list",
            "data": data,
            "model": embedder_id,
            "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
        })))
    };
    result.await.unwrap_or_else(|error| error.response())
}
