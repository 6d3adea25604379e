//! The few GGUF metadata fields the chat engine needs.
//!
//! Reading them up front (before the weights are loaded) gives clear
//! errors for unsupported files and keeps the model name, context window
//! and chat template with the engine.

use std::path::Path;

use candle_core::quantized::gguf_file::{Content, Value};
use tokenizers::Tokenizer;

use crate::llm::local::error::LocalModelError;

/// Architectures [`super::qwen2::Qwen2`] can run.
const SUPPORTED_ARCHS: &[&str] = &["qwen2"];
/// Token texts that end an assistant turn in common chat formats.
const EOG_TOKEN_TEXTS: &[&str] = &["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>"];
/// Metadata keys holding end-of-generation token ids.
const EOG_ID_KEYS: &[&str] = &[
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.eot_token_id",
    "tokenizer.ggml.eom_token_id",
];

/// Model facts read from GGUF metadata.
#[derive(Debug, Clone)]
pub struct GgufInfo {
    /// `general.name`, or the file stem if absent.
    pub name: String,
    /// `general.architecture`, e.g. `qwen2`.
    pub architecture: String,
    /// `<arch>.context_length`: the model's trained context window.
    pub context_length: usize,
    /// `tokenizer.chat_template`, if the file has one.
    pub chat_template: Option<String>,
    pub bos_token_id: Option<u32>,
    pub eos_token_id: Option<u32>,
}

impl GgufInfo {
    /// Extracts the info from parsed GGUF `content` read from `path`.
    pub fn from_content(content: &Content, path: &Path) -> Result<Self, LocalModelError> {
        let invalid = |reason: String| LocalModelError::InvalidModel {
            path: path.to_owned(),
            reason,
        };
        let architecture = string(content, "general.architecture")
            .ok_or_else(|| invalid("missing general.architecture".into()))?;
        if !SUPPORTED_ARCHS.contains(&architecture.as_str()) {
            return Err(invalid(format!(
                "unsupported architecture `{architecture}` (need qwen2)"
            )));
        }
        let key = format!("{architecture}.context_length");
        let context_length =
            number(content, &key).ok_or_else(|| invalid(format!("missing {key}")))? as usize;
        let name = string(content, "general.name").unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Ok(Self {
            name,
            architecture,
            context_length,
            chat_template: string(content, "tokenizer.chat_template"),
            bos_token_id: number(content, "tokenizer.ggml.bos_token_id"),
            eos_token_id: number(content, "tokenizer.ggml.eos_token_id"),
        })
    }
}

/// Every token id that should end generation (sorted, deduplicated).
pub fn eog_token_ids(content: &Content, tokenizer: &Tokenizer) -> Vec<u32> {
    let mut ids: Vec<u32> = EOG_ID_KEYS
        .iter()
        .filter_map(|k| number(content, k))
        .collect();
    ids.extend(
        EOG_TOKEN_TEXTS
            .iter()
            .filter_map(|t| tokenizer.token_to_id(t)),
    );
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The text of token `id`, for template variables like `bos_token`.
pub fn token_text(tokenizer: &Tokenizer, id: Option<u32>) -> Option<String> {
    tokenizer.id_to_token(id?)
}

fn string(content: &Content, key: &str) -> Option<String> {
    content
        .metadata
        .get(key)
        .and_then(|v| v.to_string().ok())
        .cloned()
}

fn number(content: &Content, key: &str) -> Option<u32> {
    match content.metadata.get(key)? {
        Value::U8(v) => Some(u32::from(*v)),
        Value::U16(v) => Some(u32::from(*v)),
        Value::U32(v) => Some(*v),
        Value::U64(v) => u32::try_from(*v).ok(),
        Value::I32(v) => u32::try_from(*v).ok(),
        Value::I64(v) => u32::try_from(*v).ok(),
        _ => None,
    }
}
