//! Sentence embeddings with all-MiniLM-L6-v2 (BERT) on the CPU.
//!
//! The app embeds knowledge-base chunks and user questions for retrieval
//! without a hosted embeddings API. This mirrors sentence-transformers:
//! tokenise with padding + attention mask, run BERT, mean-pool over real
//! (unmasked) tokens, then L2-normalise so dot product = cosine similarity.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use serde::Deserialize;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::llm::local::error::LocalModelError;

/// Texts are run through BERT this many at a time to bound memory.
pub const EMBED_BATCH: usize = 32;
/// Used when the folder has no `sentence_bert_config.json`.
const FALLBACK_MAX_TOKENS: usize = 256;
/// Guards the L2 normalisation against an all-zero vector.
const NORM_EPSILON: f64 = 1e-12;

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: usize,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

/// A loaded sentence-embedding model.
pub struct LocalEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dimension: usize,
    max_tokens: usize,
}

impl LocalEmbedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `model_dir`.
    pub fn load(model_dir: &Path) -> Result<Self, LocalModelError> {
        let config: Config = read_json(&model_dir.join("config.json"))?;
        check_mean_pooling(model_dir)?;
        let max_tokens =
            read_json::<SentenceBertConfig>(&model_dir.join("sentence_bert_config.json"))
                .map(|c| c.max_seq_length)
                .unwrap_or(FALLBACK_MAX_TOKENS)
                .min(config.max_position_embeddings);
        let tokenizer = load_tokenizer(&model_dir.join("tokenizer.json"), max_tokens)?;
        let device = Device::Cpu;
        let weights_path = model_dir.join("model.safetensors");
        let bytes = std::fs::read(&weights_path).map_err(|source| LocalModelError::Io {
            path: weights_path.clone(),
            source,
        })?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DTYPE, &device)
            .map_err(LocalModelError::candle("reading model.safetensors"))?;
        let model =
            BertModel::load(vb, &config).map_err(LocalModelError::candle("building BERT"))?;
        Ok(Self {
            model,
            tokenizer,
            device,
            dimension: config.hidden_size,
            max_tokens,
        })
    }

    /// Length of every embedding vector (384 for MiniLM-L6).
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Inputs longer than this many tokens (incl. `[CLS]`/`[SEP]`) are truncated.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// One L2-normalised vector per text, in input order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, LocalModelError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(EMBED_BATCH) {
            out.extend(self.embed_batch(batch)?);
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, LocalModelError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(LocalModelError::tokenizer("tokenising texts to embed"))?;
        let ids = stack(&encodings, |e| e.get_ids(), &self.device)?;
        let type_ids = stack(&encodings, |e| e.get_type_ids(), &self.device)?;
        let mask = stack(&encodings, |e| e.get_attention_mask(), &self.device)?;
        let hidden = self
            .model
            .forward(&ids, &type_ids, Some(&mask))
            .map_err(LocalModelError::candle("running BERT"))?;
        let pooled = mean_pool(&hidden, &mask).map_err(LocalModelError::candle("mean pooling"))?;
        let normalised = l2_normalise(&pooled).map_err(LocalModelError::candle("normalising"))?;
        normalised
            .to_vec2::<f32>()
            .map_err(LocalModelError::candle("copying embeddings out"))
    }
}

/// Average of token vectors where `mask` is 1: `(n, len, d), (n, len) -> (n, d)`.
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1.0, f64::MAX)?;
    summed.broadcast_div(&counts)
}

fn l2_normalise(v: &Tensor) -> candle_core::Result<Tensor> {
    let norms = v
        .sqr()?
        .sum_keepdim(1)?
        .sqrt()?
        .clamp(NORM_EPSILON, f64::MAX)?;
    v.broadcast_div(&norms)
}

/// Stacks one per-encoding id list into an `(n, len)` u32 tensor.
fn stack(
    encodings: &[tokenizers::Encoding],
    field: impl Fn(&tokenizers::Encoding) -> &[u32],
    device: &Device,
) -> Result<Tensor, LocalModelError> {
    let rows = encodings
        .iter()
        .map(|e| Tensor::new(field(e), device))
        .collect::<candle_core::Result<Vec<_>>>()
        .and_then(|rows| Tensor::stack(&rows, 0));
    rows.map_err(LocalModelError::candle("building input tensors"))
}

fn load_tokenizer(path: &Path, max_tokens: usize) -> Result<Tokenizer, LocalModelError> {
    let mut tokenizer =
        Tokenizer::from_file(path).map_err(|e| invalid(path, format!("bad tokenizer: {e}")))?;
    // tokenizer.json ships fixed 128-token padding/truncation; use the
    // model's real limit and pad only to the longest text of each batch.
    let mut padding = tokenizer
        .get_padding()
        .cloned()
        .unwrap_or_else(PaddingParams::default);
    padding.strategy = PaddingStrategy::BatchLongest;
    tokenizer.with_padding(Some(padding));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: max_tokens,
            ..Default::default()
        }))
        .map_err(|e| invalid(path, format!("bad truncation settings: {e}")))?;
    Ok(tokenizer)
}

fn check_mean_pooling(model_dir: &Path) -> Result<(), LocalModelError> {
    let path = model_dir.join("1_Pooling").join("config.json");
    if !path.exists() {
        return Ok(()); // plain BERT folder: mean pooling is the sentence-transformers default
    }
    let pooling: PoolingConfig = read_json(&path)?;
    if pooling.pooling_mode_mean_tokens {
        Ok(())
    } else {
        Err(invalid(&path, "only mean pooling is supported".into()))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LocalModelError> {
    let text = std::fs::read_to_string(path).map_err(|source| LocalModelError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| invalid(path, format!("bad JSON: {e}")))
}

fn invalid(path: &Path, reason: String) -> LocalModelError {
    LocalModelError::InvalidModel {
        path: PathBuf::from(path),
        reason,
    }
}
