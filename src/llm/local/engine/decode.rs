//! The token loop: prefill the prompt, then sample and stream one token at a time.
//!
//! Split out of [`super::LocalChatModel`] so the loop borrows the model
//! mutably and the tokenizer immutably without fighting the borrow checker,
//! and so the stop rules (end-of-turn, length, cancel) live in one place.
//!
//! Adapted from candle 0.11 `quantized-qwen2-instruct` example (MIT OR Apache-2.0), see NOTICE.md.

use std::ops::ControlFlow;

use candle_core::{Device, Tensor};
use tokenizers::Tokenizer;

use super::qwen2::Qwen2;
use super::sampling::Sampler;
use super::stream::TextStream;
use super::types::FinishReason;
use crate::llm::local::error::LocalModelError;

/// Prompt tokens are fed in chunks of this size, bounding the attention
/// score matrix (heads x chunk x context) for long conversations.
pub const PREFILL_CHUNK: usize = 512;

/// Borrowed pieces of the engine one generation needs.
pub struct DecodeContext<'a> {
    pub model: &'a mut Qwen2,
    pub tokenizer: &'a Tokenizer,
    pub device: &'a Device,
    pub eog_ids: &'a [u32],
}

/// What the loop produced.
#[derive(Debug, Clone)]
pub struct DecodeOutcome {
    /// Generated token ids (end-of-turn token excluded).
    pub tokens: Vec<u32>,
    pub finish_reason: FinishReason,
}

/// Generates up to `budget` tokens after `prompt`, streaming text to `on_text`.
pub fn run(
    ctx: DecodeContext<'_>,
    prompt: &[u32],
    budget: usize,
    sampler: &mut Sampler,
    on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
) -> Result<DecodeOutcome, LocalModelError> {
    ctx.model.clear_kv_cache();
    let mut stream = TextStream::new(ctx.tokenizer);
    let mut finish_reason = FinishReason::Length;
    if budget == 0 {
        return Ok(DecodeOutcome {
            tokens: Vec::new(),
            finish_reason,
        });
    }
    let mut logits = prefill(ctx.model, ctx.device, prompt)?;
    for step in 0..budget {
        let token = sampler.next(&logits, stream.tokens())?;
        if ctx.eog_ids.contains(&token) {
            finish_reason = FinishReason::Stop;
            break;
        }
        if let Some(text) = stream.push(token)?
            && on_text(&text).is_break()
        {
            finish_reason = FinishReason::Cancelled;
            break;
        }
        if step + 1 < budget {
            logits = forward(ctx.model, ctx.device, &[token], prompt.len() + step)?;
        }
    }
    if finish_reason != FinishReason::Cancelled
        && let Some(rest) = stream.flush()?
    {
        // The reply is over either way; a late Break changes nothing.
        let _ = on_text(&rest);
    }
    Ok(DecodeOutcome {
        tokens: stream.tokens().to_vec(),
        finish_reason,
    })
}

/// Runs the whole prompt through the model; returns logits for the next token.
fn prefill(model: &mut Qwen2, device: &Device, prompt: &[u32]) -> Result<Tensor, LocalModelError> {
    let mut logits = None;
    for (i, chunk) in prompt.chunks(PREFILL_CHUNK).enumerate() {
        logits = Some(forward(model, device, chunk, i * PREFILL_CHUNK)?);
    }
    logits.ok_or_else(|| LocalModelError::InvalidParams("the rendered prompt is empty".into()))
}

fn forward(
    model: &mut Qwen2,
    device: &Device,
    tokens: &[u32],
    position: usize,
) -> Result<Tensor, LocalModelError> {
    let input = Tensor::new(tokens, device)
        .and_then(|t| t.unsqueeze(0))
        .map_err(LocalModelError::candle("building the input tensor"))?;
    model
        .forward(&input, position)
        .map_err(LocalModelError::candle("running the model"))
}
