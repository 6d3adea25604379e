//! Language models behind one interface. The chat actor asks `Backends` for the backend of a
//! model id and streams from it; it never knows whether OpenAI (or any OpenAI-compatible
//! server) or the embedded local model answers.
pub mod embed;
pub mod local;
pub mod openai;
pub mod stop;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::domain::ModelRef;
use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

/// The whole conversation for one answer.
#[derive(Clone, Debug)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// A fresh random seed when the user asked for another answer (Regenerate): the local model
    /// samples with it instead of its fixed seed, so the answer is not the same text again.
    /// `None` for a first answer, which stays reproducible. (OpenAI samples anew anyway.)
    pub variation: Option<u64>,
    /// What an API client asked for (temperature, length, stop sequences); the web sends none.
    pub options: RequestOptions,
}

/// A client's sampling wishes (`/v1/chat/completions`); `None` = the backend's own default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestOptions {
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Text at which the answer ends (not included), at most 4 as OpenAI allows.
    pub stop: Vec<String>,
}

/// A passage a retrieval-backed model (a PDF model) was shown, numbered as it cites it (`[S1]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The `n` of `[Sn]`.
    pub label: u32,
    /// The chunk's place in the model's table.
    pub chunk: u32,
    /// 1-based page of the PDF.
    pub page: u32,
    /// The fused retrieval score (higher is closer).
    pub score: f32,
}

/// What a backend streams: text pieces, then (at most once) the usage and the finish reason.
/// A shared backend (the local model) may first say where the request waits in its queue; a
/// retrieval-backed one first says which passages it put before the question.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    Queued(usize),
    Sources {
        sources: Vec<Source>,
        /// The version of the model's instructions that answers.
        instructions_version: u32,
    },
    Delta(String),
    Usage {
        prompt_tokens: u32,
        completion_tokens: u32,
    },
    Finish(String),
}

pub type TokenStream = Pin<Box<dyn Stream<Item = Result<StreamItem, LlmError>> + Send>>;

/// Whether a backend can answer now (shown in the model picker).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BackendStatus {
    Ready,
    Loading { detail: String },
    Unavailable { reason: String },
}

pub trait ChatBackend: Send + Sync + 'static {
    /// Opens the answer stream; errors before the first token come back here.
    fn stream(&self, request: ChatRequest) -> BoxFuture<'static, Result<TokenStream, LlmError>>;

    fn status(&self) -> BackendStatus {
        BackendStatus::Ready
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("the API key was refused")]
    InvalidKey,
    #[error("the account's quota is used up")]
    QuotaExceeded,
    #[error("the model is rate limited")]
    RateLimited,
    #[error("the conversation is too long for the model")]
    ContextTooLong,
    #[error("unknown model {0}")]
    UnknownModel(String),
    #[error("the model did not answer in time")]
    Timeout,
    #[error("could not reach the model server: {0}")]
    Connection(String),
    #[error("the model server failed ({status}): {message}")]
    Upstream { status: u16, message: String },
    #[error("the model is not available: {0}")]
    Unavailable(String),
    /// This server lacks what the model needs (an API key, the offline model's weights): the
    /// reason is for the admin and the log, users read plain words.
    #[error("the model is not set up on this server: {0}")]
    NotSetUp(String),
    #[error("the answer stream broke off: {0}")]
    Interrupted(String),
    /// A bot's answer began to repeat its instructions word for word (`bots::leak`).
    #[error("the answer repeated the bot's instructions")]
    Withheld,
}

impl LlmError {
    /// What the user reads under the failed answer.
    pub fn message(&self) -> Msg {
        match self {
            LlmError::InvalidKey => Msg::new("llm-invalid-key"),
            LlmError::QuotaExceeded => Msg::new("llm-quota"),
            LlmError::RateLimited => Msg::new("llm-rate-limited"),
            LlmError::ContextTooLong => Msg::new("llm-context-too-long"),
            LlmError::UnknownModel(model) => Msg::new("llm-unknown-model").arg("model", model),
            LlmError::Timeout => Msg::new("llm-timeout"),
            LlmError::Connection(_) => Msg::new("llm-connection"),
            LlmError::Upstream { status, .. } => Msg::new("llm-upstream").arg("status", status),
            LlmError::Unavailable(reason) => Msg::new("llm-unavailable").arg("reason", reason),
            LlmError::NotSetUp(_) => Msg::new("llm-not-set-up"),
            LlmError::Interrupted(_) => Msg::new("llm-interrupted"),
            LlmError::Withheld => Msg::new("bot-answer-withheld"),
        }
    }
}

/// Which backend answers which model id. Upstream models share the OpenAI-compatible client;
/// the local model (and later PDF models) register their own.
#[derive(Clone, Default)]
pub struct Backends {
    upstream: Option<Arc<dyn ChatBackend>>,
    by_model: HashMap<String, Arc<dyn ChatBackend>>,
}

impl Backends {
    pub fn new(upstream: Option<Arc<dyn ChatBackend>>) -> Self {
        Backends {
            upstream,
            by_model: HashMap::new(),
        }
    }

    pub fn register(&mut self, model_id: &str, backend: Arc<dyn ChatBackend>) {
        self.by_model.insert(model_id.to_owned(), backend);
    }

    pub fn for_model(&self, model_id: &str) -> Result<Arc<dyn ChatBackend>, LlmError> {
        if let Some(backend) = self.by_model.get(model_id) {
            return Ok(backend.clone());
        }
        match ModelRef::parse(model_id) {
            Some(ModelRef::Upstream(_)) => self
                .upstream
                .clone()
                .ok_or_else(|| LlmError::NotSetUp("no OPENAI_API_KEY is set".into())),
            _ => Err(LlmError::UnknownModel(model_id.to_owned())),
        }
    }

    /// Whether this server has a backend for `model_id` (an upstream model needs an API key, the
    /// local model `LOCAL_MODEL`), whether or not it can answer at this moment.
    pub fn set_up(&self, model_id: &str) -> bool {
        self.for_model(model_id).is_ok()
    }

    /// The upstream (OpenAI-compatible) backend when it is the one that answers `model_id`;
    /// `None` for the local model and other registered backends.
    pub fn upstream_for(&self, model_id: &str) -> Option<Arc<dyn ChatBackend>> {
        let backend = self.for_model(model_id).ok()?;
        let upstream = self.upstream.as_ref()?;
        Arc::ptr_eq(&backend, upstream).then_some(backend)
    }

    pub fn status(&self, model_id: &str) -> BackendStatus {
        match self.for_model(model_id) {
            Ok(backend) => backend.status(),
            // The admin's settings page shows this reason: it may name the setting to fix.
            Err(LlmError::NotSetUp(reason)) => BackendStatus::Unavailable { reason },
            Err(error) => BackendStatus::Unavailable {
                reason: error.message().translate(crate::i18n::Lang::En),
            },
        }
    }
}
