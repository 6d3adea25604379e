//! `POST /v1/chat/completions`: the last user message is the prompt and the messages before it
//! its context; the chat service saves it (a chat of source `api`) before any model is asked,
//! under the web's quota and rate rules, and the answer is the chat actor's, as in the web.
//! Streamed as OpenAI's `chat.completion.chunk` events or returned whole.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use sqlx::MySqlPool;

use super::auth::{ApiCaller, authenticate};
use super::body;
use super::error::ApiError;
use super::stream::{self, Reply};
use crate::catalog::Catalog;
use crate::chat::service::{ApiCall, ChatService, PromptInput};
use crate::domain::{ChatId, MessageStatus};
use crate::i18n::Lang;
use crate::llm::{BackendStatus, ChatMessage, RequestOptions, Role};

/// The header that continues an API chat (its id comes back in the same header).
pub const CHAT_ID_HEADER: &str = "X-Chat-Id";

#[derive(Deserialize)]
struct CompletionRequest {
    model: String,
    messages: Vec<RequestMessage>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    stream_options: Option<StreamOptions>,
    #[serde(default)]
    temperature: Option<f32>,
    #[serde(default)]
    max_tokens: Option<u32>,
    #[serde(default)]
    max_completion_tokens: Option<u32>,
    #[serde(default)]
    stop: Option<Stop>,
    #[serde(default)]
    n: Option<u32>,
    /// OpenAI's end-user id; `chat:<id>` (or a bare chat id) continues that API chat.
    #[serde(default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Stop {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct RequestMessage {
    role: String,
    #[serde(default)]
    content: Option<Content>,
}

/// A message's text: a string, or content parts of which the text ones count.
#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
struct Part {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

impl Content {
    fn text(self) -> Result<String, ApiError> {
        match self {
            Content::Text(text) => Ok(text),
            Content::Parts(parts) => {
                let mut text = String::new();
                for part in parts {
                    if part.kind != "text" {
                        return Err(ApiError::invalid(
                            "messages",
                            format!(
                                "Content parts of type `{}` are not supported; send text.",
                                part.kind
                            ),
                        ));
                    }
                    text.push_str(part.text.as_deref().unwrap_or_default());
                }
                Ok(text)
            }
        }
    }
}

/// What the body asks, checked: the context, the prompt, the sampling wishes.
struct Asked {
    model: String,
    context: Vec<ChatMessage>,
    prompt: String,
    options: RequestOptions,
    stream: bool,
    include_usage: bool,
    chat: Option<String>,
}

fn check(request: CompletionRequest) -> Result<Asked, ApiError> {
    if request.model.trim().is_empty() {
        return Err(ApiError::invalid("model", "`model` is required."));
    }
    if request.n.is_some_and(|n| n != 1) {
        return Err(ApiError::invalid(
            "n",
            "Only one choice (`n`: 1) is supported.",
        ));
    }
    if let Some(t) = request.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return Err(ApiError::invalid(
            "temperature",
            "`temperature` must be between 0 and 2.",
        ));
    }
    let max_tokens = request.max_completion_tokens.or(request.max_tokens);
    if max_tokens == Some(0) {
        return Err(ApiError::invalid(
            "max_tokens",
            "`max_tokens` must be at least 1.",
        ));
    }
    let stop = match request.stop {
        None => Vec::new(),
        Some(Stop::One(stop)) => vec![stop],
        Some(Stop::Many(stops)) => stops,
    };
    if stop.len() > 4 {
        return Err(ApiError::invalid(
            "stop",
            "At most 4 stop sequences are supported.",
        ));
    }
    let mut messages = Vec::with_capacity(request.messages.len());
    for message in request.messages {
        let role = match message.role.as_str() {
            "system" | "developer" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => {
                return Err(ApiError::invalid(
                    "messages",
                    format!(
                        "Messages of role `{other}` are not supported (tools are not offered)."
                    ),
                ));
            }
        };
        let content = message
            .content
            .map(Content::text)
            .transpose()?
            .unwrap_or_default();
        messages.push(ChatMessage { role, content });
    }
    let prompt = match messages.pop() {
        Some(ChatMessage {
            role: Role::User,
            content,
        }) => content,
        _ => {
            return Err(ApiError::invalid(
                "messages",
                "`messages` must end with a message of role `user`.",
            ));
        }
    };
    Ok(Asked {
        model: request.model,
        context: messages,
        prompt,
        options: RequestOptions {
            temperature: request.temperature,
            max_tokens,
            stop,
        },
        stream: request.stream,
        include_usage: request.stream_options.is_some_and(|o| o.include_usage),
        chat: request.user,
    })
}

/// The API chat to continue: `X-Chat-Id`, else a `user` of the form `chat:<id>` or `<id>`.
fn chat_to_continue(
    req: &HttpRequest,
    user_field: Option<&str>,
) -> Result<Option<ChatId>, ApiError> {
    let header = req
        .headers()
        .get(CHAT_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if let Some(header) = header {
        return ChatId::parse(header)
            .map(Some)
            .ok_or_else(|| ApiError::invalid("X-Chat-Id", "`X-Chat-Id` is not a chat id."));
    }
    Ok(user_field
        .map(|user| user.trim().strip_prefix("chat:").unwrap_or(user.trim()))
        .and_then(ChatId::parse))
}

pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
    service: web::Data<ChatService>,
) -> HttpResponse {
    let lang = Lang::from_request(&req);
    let result = async {
        let caller = authenticate(&req, &pool).await?;
        let asked = check(body::json(payload, body::limit(&req)).await?)?;
        answer(&req, &caller, asked, &catalog, &service, lang).await
    };
    result.await.unwrap_or_else(|error| error.response())
}

async fn answer(
    req: &HttpRequest,
    caller: &ApiCaller,
    asked: Asked,
    catalog: &Catalog,
    service: &ChatService,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    // The picker's rule (no query): an offered model that can answer now.
    let answers = catalog
        .offered_to(&asked.model, caller.user.uuid())
        .is_some_and(|m| !matches!(catalog.status(&m.id), BackendStatus::Unavailable { .. }));
    if !answers {
        return Err(ApiError::unknown_model(&asked.model));
    }
    let call = ApiCall {
        key: caller.key_id(),
        context: asked.context,
        options: asked.options,
        continue_chat: chat_to_continue(req, asked.chat.as_deref())?,
    };
    let input = PromptInput {
        text: &asked.prompt,
        model: &asked.model,
        lang,
        request_id: None,
        prompts_today: Some(caller.prompts_today),
    };
    let (chat_id, accepted) = service
        .api_prompt(&caller.user, call, input)
        .await
        .map_err(|error| ApiError::from_app(error, lang))?;
    let reply = Reply::new(accepted.answer_id, &asked.model, chat_id, catalog);
    if asked.stream {
        let body = stream::chunks(reply, accepted.subscription, asked.include_usage);
        return Ok(HttpResponse::Ok()
            .insert_header((CHAT_ID_HEADER, chat_id.to_string()))
            .insert_header(("Cache-Control", "no-cache"))
            // Sent as it comes: the compression middleware would hold the pieces back.
            .insert_header((actix_web::http::header::CONTENT_ENCODING, "identity"))
            .insert_header(("X-Accel-Buffering", "no"))
            .content_type("text/event-stream")
            .streaming(body));
    }
    let (summary, text) = stream::whole(accepted.subscription).await;
    if summary.status == MessageStatus::Failed {
        let message = summary
            .error
            .clone()
            .unwrap_or_else(|| "The model could not answer.".into());
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "server_error",
            "model_error",
            message,
        ));
    }
    let completion: Value = reply.completion(&summary, text);
    Ok(HttpResponse::Ok()
        .insert_header((CHAT_ID_HEADER, chat_id.to_string()))
        .json(completion))
}
