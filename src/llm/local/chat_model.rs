//! The local chat model on llama.cpp (through `llama-cpp-2`): any GGUF chat model, its own chat
//! template and tokenizer, and a KV cache that survives between turns.
//!
//! One context holds one live sequence. Before an answer, the prompt's tokens are compared with
//! the live sequence and with the few sequences kept aside ([`PrefixCache`]); only the tokens no
//! cache holds are computed (a follow-up computes the new question, a regenerate nearly nothing).
use std::num::NonZeroU32;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::OnceLock;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{LlamaStateSeqFlags, SeqState};

use super::error::LocalModelError;
use super::prefix_cache::{PrefixCache, shared_prefix};
use super::types::{ChatMessage, FinishReason, Generation, GenerationParams, Sampling};
use super::utf8::Utf8Joiner;

/// Prompt tokens computed per step (llama.cpp's own default).
const BATCH_TOKENS: u32 = 512;
/// Sample from the output of the last token computed.
const LAST_OUTPUT: i32 = -1;
/// The one sequence of the context.
const SEQ: i32 = 0;
/// A live sequence this long or longer is kept aside before another conversation replaces most
/// of it (shorter ones cost more to keep than to compute again).
const WORTH_KEEPING: usize = 64;

/// How to load the model.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// CPU threads for generation, one token at a time (its threads wait for each other at
    /// every layer, so one busy core slows all of them).
    pub threads: usize,
    /// CPU threads for prompt processing (large batches: little waiting).
    pub batch_threads: usize,
    /// Conversations whose KV cache is kept aside besides the live one.
    pub cached_chats: usize,
    /// Prompt + answer in tokens (capped at what the model was trained for).
    pub context_tokens: usize,
}

/// A loaded chat model. One generation at a time (`&mut self`).
pub struct LocalChatModel {
    model: &'static LlamaModel,
    context: LlamaContext<'static>,
    template: LlamaChatTemplate,
    name: String,
    context_tokens: usize,
    /// The tokens whose keys and values are in the live sequence, in order.
    live: Vec<LlamaToken>,
    kept: PrefixCache<SeqState>,
}

/// llama.cpp's process-wide initialisation (once; its log goes to `tracing`).
fn backend() -> Result<&'static LlamaBackend, LocalModelError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(LocalModelError::engine("starting llama.cpp"))
}

impl LocalChatModel {
    /// Loads a GGUF file. The weights stay loaded for the life of the process (the context
    /// borrows them), which is how the app uses its one local model.
    pub fn load(gguf: &Path, options: &LoadOptions) -> Result<Self, LocalModelError> {
        let backend = backend()?;
        let invalid = |reason: String| LocalModelError::InvalidModel {
            path: gguf.to_owned(),
            reason,
        };
        let model = LlamaModel::load_from_file(backend, gguf, &LlamaModelParams::default())
            .map_err(|e| invalid(format!("llama.cpp cannot load it: {e}")))?;
        let model: &'static LlamaModel = Box::leak(Box::new(model));
        let trained = usize::try_from(model.n_ctx_train()).unwrap_or(usize::MAX);
        let context_tokens = options.context_tokens.min(trained).max(256);
        let threads = i32::try_from(options.threads.max(1)).unwrap_or(1);
        let batch_threads = i32::try_from(options.batch_threads.max(1)).unwrap_or(1);
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(
                u32::try_from(context_tokens).unwrap_or(u32::MAX),
            ))
            .with_n_batch(BATCH_TOKENS)
            .with_n_ubatch(BATCH_TOKENS)
            .with_n_seq_max(1)
            .with_n_threads(threads)
            .with_n_threads_batch(batch_threads);
        let context = model
            .new_context(backend, params)
            .map_err(|e| invalid(format!("no context of {context_tokens} tokens: {e}")))?;
        let template = chat_template(model).map_err(invalid)?;
        let name = model
            .meta_val_str("general.name")
            .ok()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| {
                gguf.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "local model".into())
            });
        let mut loaded = LocalChatModel {
            model,
            context,
            template,
            name,
            context_tokens,
            live: Vec::new(),
            kept: PrefixCache::new(options.cached_chats),
        };
        loaded.warm_up()?;
        tracing::info!(
            name = %loaded.name,
            context_tokens,
            threads,
            batch_threads,
            "local chat model loaded"
        );
        Ok(loaded)
    }

    /// Touches every weight once (a one-token step), so the first answer does not pay for it.
    fn warm_up(&mut self) -> Result<(), LocalModelError> {
        let Some(&token) = self.model.vocab().tokenize(b"Hello", false, false).first() else {
            return Ok(());
        };
        let mut batch = LlamaBatch::new(1, 1);
        batch
            .add(token, 0, &[SEQ], true)
            .map_err(LocalModelError::engine("warming up"))?;
        self.context
            .decode(&mut batch)
            .map_err(LocalModelError::engine("warming up"))?;
        self.forget_from(0)
    }

    /// The model's display name (`general.name`, else the file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Prompt + answer, in tokens.
    pub fn context_tokens(&self) -> usize {
        self.context_tokens
    }

    /// How many tokens the rendered prompt for `messages` takes.
    pub fn count_prompt_tokens(&self, messages: &[ChatMessage]) -> Result<usize, LocalModelError> {
        Ok(self.encode_prompt(messages)?.len())
    }

    /// Generates the assistant's reply to `messages`, streaming text to `on_text`; returning
    /// `ControlFlow::Break(())` from it cancels.
    pub fn generate(
        &mut self,
        messages: &[ChatMessage],
        params: &GenerationParams,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Generation, LocalModelError> {
        if messages.is_empty() {
            return Err(LocalModelError::InvalidParams(
                "the conversation has no messages".into(),
            ));
        }
        let prompt = self.encode_prompt(messages)?;
        let limit = params.max_context_tokens.min(self.context_tokens);
        if prompt.len() >= limit {
            return Err(LocalModelError::ContextTooLong {
                prompt_tokens: prompt.len(),
                limit,
            });
        }
        let budget = params.max_new_tokens.min(limit - prompt.len());
        let (reused, outcome) = self
            .continue_from_cache(&prompt, budget, params.sampling, on_text)
            .inspect_err(|_| self.forget_everything())?;
        Ok(Generation {
            prompt_tokens: to_u32(prompt.len()),
            reused_tokens: to_u32(reused),
            completion_tokens: to_u32(outcome.tokens),
            finish_reason: outcome.finish,
        })
    }

    fn encode_prompt(&self, messages: &[ChatMessage]) -> Result<Vec<LlamaToken>, LocalModelError> {
        let chat = messages
            .iter()
            .map(|m| {
                // C strings: a NUL byte in someone's text would end it early.
                LlamaChatMessage::new(m.role.as_str().into(), m.content.replace('\0', ""))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LocalModelError::Template(e.to_string()))?;
        let text = self
            .model
            .apply_chat_template(&self.template, &chat, true)
            .map_err(|e| LocalModelError::Template(e.to_string()))?;
        // The template wrote the special tokens as text: parse them, add none of its own.
        Ok(self.model.vocab().tokenize(text.as_bytes(), false, true))
    }

    /// Makes the live sequence the cached one sharing most with `prompt` and cuts it to the
    /// shared part. Returns how many prompt tokens need no computing.
    fn reuse_cache(&mut self, prompt: &[LlamaToken]) -> Result<usize, LocalModelError> {
        let wanted = ids(prompt);
        let live = ids(&self.live);
        let mut shared = shared_prefix(&live, &wanted);
        if let Some(hit) = self.kept.take_best(&wanted, shared) {
            self.keep_live_aside(live)?;
            self.forget_from(0)?;
            self.context
                .state_seq_set(&hit.state, SEQ)
                .map_err(LocalModelError::engine("restoring a kept conversation"))?;
            self.live = hit.tokens.into_iter().map(LlamaToken).collect();
            shared = hit.shared;
        } else if shared < self.live.len() / 2 && self.live.len() >= WORTH_KEEPING {
            // Another conversation takes over most of the live one: keep it for its next turn.
            self.keep_live_aside(live)?;
        }
        // The last prompt token is always computed: its output starts the answer.
        let keep = shared.min(prompt.len().saturating_sub(1));
        self.forget_from(keep)?;
        Ok(keep)
    }

    fn keep_live_aside(&mut self, live: Vec<i32>) -> Result<(), LocalModelError> {
        if live.is_empty() {
            return Ok(());
        }
        let state = self
            .context
            .state_seq_get(SEQ, LlamaStateSeqFlags::empty())
            .map_err(LocalModelError::engine("keeping a conversation aside"))?;
        self.kept.put(live, state);
        Ok(())
    }

    /// Computes what the cache does not hold of `prompt`, then the answer. Returns how many
    /// prompt tokens came from the cache.
    fn continue_from_cache(
        &mut self,
        prompt: &[LlamaToken],
        budget: usize,
        sampling: Sampling,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
    ) -> Result<(usize, Outcome), LocalModelError> {
        let reused = self.reuse_cache(prompt)?;
        self.compute(&prompt[reused..])?;
        Ok((reused, self.answer(budget, sampling, on_text)?))
    }

    /// After a failed step nothing in the cache can be trusted: the next answer starts afresh.
    fn forget_everything(&mut self) {
        self.context.clear_kv_cache();
        self.live.clear();
        self.kept = PrefixCache::new(self.kept.capacity());
    }

    /// Drops the live sequence from position `from` on.
    fn forget_from(&mut self, from: usize) -> Result<(), LocalModelError> {
        let p0 = u32::try_from(from).unwrap_or(u32::MAX);
        self.context
            .kv_cache_seq_rm(SEQ, Some(p0), None)
            .map_err(LocalModelError::engine("trimming the KV cache"))?;
        self.live.truncate(from);
        Ok(())
    }

    /// Computes `tokens` after the live sequence, in batches; the last one's logits are kept.
    fn compute(&mut self, tokens: &[LlamaToken]) -> Result<(), LocalModelError> {
        let mut batch = LlamaBatch::new(BATCH_TOKENS as usize, 1);
        for (n, chunk) in tokens.chunks(BATCH_TOKENS as usize).enumerate() {
            let last_chunk = (n + 1) * (BATCH_TOKENS as usize) >= tokens.len();
            batch.clear();
            for (i, &token) in chunk.iter().enumerate() {
                let position = i32::try_from(self.live.len()).unwrap_or(i32::MAX);
                let logits = last_chunk && i + 1 == chunk.len();
                batch
                    .add(token, position, &[SEQ], logits)
                    .map_err(LocalModelError::engine("reading the prompt"))?;
                self.live.push(token);
            }
            self.context
                .decode(&mut batch)
                .map_err(LocalModelError::engine("reading the prompt"))?;
        }
        Ok(())
    }

    /// Samples up to `budget` tokens after the computed prompt, feeding each back.
    fn answer(
        &mut self,
        budget: usize,
        sampling: Sampling,
        on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Outcome, LocalModelError> {
        let vocab = self.model.vocab();
        let mut sampler = sampler(sampling);
        let mut joiner = Utf8Joiner::default();
        let mut batch = LlamaBatch::new(1, 1);
        let mut tokens = 0;
        let mut finish = FinishReason::Length;
        while tokens < budget {
            let token = sampler.sample(&self.context, LAST_OUTPUT);
            if vocab.is_eog(token) {
                finish = FinishReason::Stop;
                break;
            }
            tokens += 1;
            let text = joiner.push(&vocab.token_to_piece(token, false, None));
            if !text.is_empty() && on_text(&text).is_break() {
                finish = FinishReason::Cancelled;
                break;
            }
            if tokens == budget {
                break;
            }
            batch.clear();
            let position = i32::try_from(self.live.len()).unwrap_or(i32::MAX);
            batch
                .add(token, position, &[SEQ], true)
                .map_err(LocalModelError::engine("generating"))?;
            self.context
                .decode(&mut batch)
                .map_err(LocalModelError::engine("generating"))?;
            self.live.push(token);
        }
        let rest = joiner.finish();
        if finish != FinishReason::Cancelled && !rest.is_empty() {
            let _ = on_text(&rest);
        }
        Ok(Outcome { tokens, finish })
    }
}

struct Outcome {
    tokens: usize,
    finish: FinishReason,
}

/// The GGUF's own chat template when llama.cpp knows how to apply it; otherwise ChatML (what
/// Qwen and many fine-tunes speak), with a warning in the log.
fn chat_template(model: &LlamaModel) -> Result<LlamaChatTemplate, String> {
    let chatml = || LlamaChatTemplate::new("chatml").map_err(|e| e.to_string());
    let Ok(own) = model.chat_template(None) else {
        tracing::warn!("The local model's GGUF has no chat template: using ChatML");
        return chatml();
    };
    let probe = [
        LlamaChatMessage::new("system".into(), "s".into()),
        LlamaChatMessage::new("user".into(), "u".into()),
    ]
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| e.to_string())?;
    match model.apply_chat_template(&own, &probe, true) {
        Ok(_) => Ok(own),
        Err(error) => {
            tracing::warn!(%error, "llama.cpp cannot apply the GGUF's chat template: using ChatML");
            chatml()
        }
    }
}

/// Greedy at temperature 0; otherwise top-p then temperature, drawn with the seed.
fn sampler(sampling: Sampling) -> LlamaSampler {
    if sampling.temperature <= 0.0 {
        return LlamaSampler::greedy();
    }
    LlamaSampler::chain_simple([
        LlamaSampler::top_k(40),
        LlamaSampler::top_p(sampling.top_p, 1),
        LlamaSampler::temp(sampling.temperature),
        LlamaSampler::dist(sampling.seed),
    ])
}

fn ids(tokens: &[LlamaToken]) -> Vec<i32> {
    tokens.iter().map(|t| t.0).collect()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
