//! The OpenAI-compatible backend (async-openai): streamed chat completions with usage, timeouts,
//! retries only before the first token, and readable errors for the usual failures.
use std::sync::Arc;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionResponseStream, ChatCompletionStreamOptions, CreateChatCompletionRequest,
    CreateChatCompletionStreamResponse, FinishReason, StopConfiguration,
};
use futures::future::BoxFuture;
use futures::{StreamExt, stream};
use secrecy::ExposeSecret;
use thread_local::ThreadLocal;

use super::{ChatBackend, ChatRequest, LlmError, Role, StreamItem, TokenStream};
use crate::configuration::LlmSettings;

/// async-openai itself retries 429, 5xx and connection errors with backoff; this layer adds
/// retries for a stream that opens but fails or stays silent before its first token.
const ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub struct OpenAiBackend {
    clients: Arc<Clients>,
    first_token_timeout: Duration,
    idle_timeout: Duration,
}

/// One HTTP client (and so one pool of upstream connections) per thread. hyper runs each
/// connection as a task on the runtime that opened it: with one shared pool, an answer written
/// on one thread would often read a connection driven by another, a thread hop per piece of
/// the answer. Per thread, the connection, the answer's task and (see `registry`) the browser's
/// response share one.
struct Clients {
    first: Client<OpenAIConfig>,
    connect_timeout: Duration,
    per_thread: ThreadLocal<Client<OpenAIConfig>>,
}

impl Clients {
    fn build(
        config: &OpenAIConfig,
        connect_timeout: Duration,
    ) -> Result<Client<OpenAIConfig>, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .build()?;
        Ok(Client::with_config(config.clone()).with_http_client(http))
    }

    fn here(&self) -> &Client<OpenAIConfig> {
        self.per_thread.get_or(|| {
            // Building the same client succeeded once (`from_settings`); if it ever fails, this
            // thread shares the first one.
            Self::build(self.first.config(), self.connect_timeout)
                .unwrap_or_else(|_| self.first.clone())
        })
    }
}

impl OpenAiBackend {
    /// `None` when no API key is set.
    pub fn from_settings(settings: &LlmSettings) -> Option<Result<Self, reqwest::Error>> {
        let key = settings.api_key.as_ref()?;
        let config = OpenAIConfig::new()
            .with_api_key(key.expose_secret())
            .with_api_base(settings.base_url.trim_end_matches('/'));
        let connect_timeout = Duration::from_secs(settings.connect_timeout_secs);
        Some(
            Clients::build(&config, connect_timeout).map(|first| OpenAiBackend {
                clients: Arc::new(Clients {
                    first,
                    connect_timeout,
                    per_thread: ThreadLocal::new(),
                }),
                first_token_timeout: Duration::from_secs(settings.first_token_timeout_secs),
                idle_timeout: Duration::from_secs(settings.idle_timeout_secs),
            }),
        )
    }

    /// This thread's client.
    pub fn client(&self) -> &Client<OpenAIConfig> {
        self.clients.here()
    }
}

fn to_openai(request: &ChatRequest) -> CreateChatCompletionRequest {
    let messages = request
        .messages
        .iter()
        .map(|m| match m.role {
            Role::System => ChatCompletionRequestMessage::System(
                ChatCompletionRequestSystemMessage::from(m.content.as_str()),
            ),
            Role::User => ChatCompletionRequestMessage::User(
                ChatCompletionRequestUserMessage::from(m.content.as_str()),
            ),
            Role::Assistant => ChatCompletionRequestMessage::Assistant(
                ChatCompletionRequestAssistantMessage::from(m.content.as_str()),
            ),
        })
        .collect();
    CreateChatCompletionRequest {
        model: request.model.clone(),
        messages,
        stream: Some(true),
        stream_options: Some(ChatCompletionStreamOptions {
            include_usage: Some(true),
            ..Default::default()
        }),
        temperature: request.options.temperature,
        max_completion_tokens: request.options.max_tokens,
        stop: (!request.options.stop.is_empty())
            .then(|| StopConfiguration::StringArray(request.options.stop.clone())),
        ..Default::default()
    }
}

/// Maps the library's errors to what the user can act on.
pub fn map_error(error: OpenAIError) -> LlmError {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let code = response.api_error.code.clone().unwrap_or_default();
            let message = response.api_error.message.clone();
            match (status, code.as_str()) {
                (401, _) | (_, "invalid_api_key") => LlmError::InvalidKey,
                (429, "insufficient_quota") | (_, "insufficient_quota") => LlmError::QuotaExceeded,
                (429, _) => LlmError::RateLimited,
                (_, "context_length_exceeded") => LlmError::ContextTooLong,
                (404, _) | (_, "model_not_found") => LlmError::UnknownModel(message),
                _ => LlmError::Upstream { status, message },
            }
        }
        OpenAIError::Reqwest(e) if e.is_timeout() => LlmError::Timeout,
        OpenAIError::Reqwest(e) if e.is_connect() => LlmError::Connection(e.to_string()),
        OpenAIError::Reqwest(e) => LlmError::Interrupted(e.to_string()),
        other => LlmError::Interrupted(other.to_string()),
    }
}

fn finish_reason(reason: &FinishReason) -> &'static str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::FunctionCall => "function_call",
    }
}

fn items(chunk: CreateChatCompletionStreamResponse) -> Vec<StreamItem> {
    let mut items = Vec::new();
    for choice in chunk.choices {
        if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
            items.push(StreamItem::Delta(text));
        }
        if let Some(reason) = &choice.finish_reason {
            items.push(StreamItem::Finish(finish_reason(reason).to_owned()));
        }
    }
    if let Some(usage) = chunk.usage {
        items.push(StreamItem::Usage {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        });
    }
    items
}

/// Opens the stream and reads until the first text (or the end), so failures before the first
/// token can be retried. Returns what was read and the rest of the stream.
async fn open(
    client: &Client<OpenAIConfig>,
    request: CreateChatCompletionRequest,
) -> Result<(Vec<StreamItem>, ChatCompletionResponseStream), LlmError> {
    let mut upstream = client
        .chat()
        .create_stream(request)
        .await
        .map_err(map_error)?;
    let mut read = Vec::new();
    while let Some(chunk) = upstream.next().await {
        let chunk_items = items(chunk.map_err(map_error)?);
        let has_text = chunk_items
            .iter()
            .any(|i| matches!(i, StreamItem::Delta(_)));
        read.extend(chunk_items);
        if has_text {
            break;
        }
    }
    Ok((read, upstream))
}

/// The rest of the stream, failing with `Timeout` when the server goes quiet for too long.
fn with_idle_timeout(upstream: ChatCompletionResponseStream, idle: Duration) -> TokenStream {
    let rest = stream::unfold(Some(upstream), move |state| async move {
        let mut upstream = state?;
        match tokio::time::timeout(idle, upstream.next()).await {
            Err(_) => Some((vec![Err(LlmError::Timeout)], None)),
            Ok(None) => None,
            Ok(Some(Err(e))) => Some((vec![Err(map_error(e))], None)),
            Ok(Some(Ok(chunk))) => {
                Some((items(chunk).into_iter().map(Ok).collect(), Some(upstream)))
            }
        }
    })
    .flat_map(stream::iter);
    Box::pin(rest)
}

impl ChatBackend for OpenAiBackend {
    fn stream(&self, request: ChatRequest) -> BoxFuture<'static, Result<TokenStream, LlmError>> {
        let backend = self.clone();
        Box::pin(async move {
            let request = to_openai(&request);
            let mut last_error = LlmError::Timeout;
            for attempt in 1..=ATTEMPTS {
                let opened = tokio::time::timeout(
                    backend.first_token_timeout,
                    open(backend.client(), request.clone()),
                )
                .await;
                match opened {
                    Ok(Ok((first, rest))) => {
                        let first = stream::iter(first.into_iter().map(Ok));
                        return Ok(Box::pin(
                            first.chain(with_idle_timeout(rest, backend.idle_timeout)),
                        ) as TokenStream);
                    }
                    Ok(Err(error @ LlmError::Interrupted(_))) => last_error = error,
                    Ok(Err(error)) => return Err(error),
                    Err(_) => last_error = LlmError::Timeout,
                }
                tracing::warn!(attempt, error = %last_error, "Model request failed before the first token; retrying");
                tokio::time::sleep(Duration::from_millis(300 * u64::from(attempt))).await;
            }
            Err(last_error)
        })
    }
}
