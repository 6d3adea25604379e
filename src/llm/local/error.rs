//! Errors raised while loading or running a local model.
//!
//! Kept separate from [`crate::llm::local::weights::WeightsError`] because the app shows
//! these to users at chat time (e.g. [`LocalModelError::ContextTooLong`]),
//! whereas weight errors happen at start-up.

use std::path::PathBuf;

/// Anything that can go wrong while loading or running a local model.
#[derive(Debug, thiserror::Error)]
pub enum LocalModelError {
    /// A model file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The model files are present but unusable (bad metadata, bad config).
    #[error("invalid model at {path}: {reason}")]
    InvalidModel { path: PathBuf, reason: String },
    /// llama.cpp refused or failed a step.
    #[error("the local model failed while {context}: {message}")]
    Engine {
        context: &'static str,
        message: String,
    },
    /// A tensor operation inside candle (embeddings) failed.
    #[error("model computation failed while {context}: {source}")]
    Candle {
        context: &'static str,
        #[source]
        source: candle_core::Error,
    },
    /// Tokenising or detokenising failed.
    #[error("tokenizer failed while {context}: {message}")]
    Tokenizer {
        context: &'static str,
        message: String,
    },
    /// The chat template could not be compiled or rendered.
    #[error("chat template failed: {0}")]
    Template(String),
    /// The conversation does not fit in the configured context window.
    #[error(
        "the conversation is too long for the local model: {prompt_tokens} prompt tokens, limit {limit}"
    )]
    ContextTooLong { prompt_tokens: usize, limit: usize },
    /// The caller passed parameters the engine cannot honour.
    #[error("invalid generation parameters: {0}")]
    InvalidParams(String),
}

impl LocalModelError {
    /// Wraps a candle error with a short description of what was being done.
    pub(crate) fn candle(context: &'static str) -> impl FnOnce(candle_core::Error) -> Self {
        move |source| Self::Candle { context, source }
    }

    /// Wraps a llama.cpp error with a short description of what was being done.
    pub(crate) fn engine<E: std::fmt::Display>(context: &'static str) -> impl FnOnce(E) -> Self {
        move |err| Self::Engine {
            context,
            message: err.to_string(),
        }
    }

    /// Wraps a tokenizers error (a boxed `dyn Error`) with context.
    pub(crate) fn tokenizer<E: std::fmt::Display>(context: &'static str) -> impl FnOnce(E) -> Self {
        move |err| Self::Tokenizer {
            context,
            message: err.to_string(),
        }
    }
}
