//! Incremental detokenisation that only ever emits complete UTF-8 text.
//!
//! Byte-level BPE tokens can split a multi-byte character (Cyrillic, CJK,
//! emoji) across tokens; decoding a lone token then yields U+FFFD. Like
//! candle's `TokenOutputStream` (and HF TGI), we decode a small window of
//! recent tokens and only emit the new suffix once it no longer ends in
//! U+FFFD, so every chunk is valid text and the chunks concatenate to the
//! full decode.
//!
//! Adapted from candle 0.11 `token_output_stream.rs` (MIT OR Apache-2.0), see NOTICE.md.

use tokenizers::Tokenizer;

use crate::llm::local::error::LocalModelError;

/// Turns a growing list of token ids into text chunks.
pub struct TextStream<'a> {
    tokenizer: &'a Tokenizer,
    tokens: Vec<u32>,
    /// Start of the decode window (tokens before it are fully emitted).
    prefix_offset: usize,
    /// Tokens before this index have had their text emitted.
    read_offset: usize,
}

impl<'a> TextStream<'a> {
    pub fn new(tokenizer: &'a Tokenizer) -> Self {
        Self {
            tokenizer,
            tokens: Vec::new(),
            prefix_offset: 0,
            read_offset: 0,
        }
    }

    /// All tokens pushed so far.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Adds `token`; returns newly completed text, if any.
    pub fn push(&mut self, token: u32) -> Result<Option<String>, LocalModelError> {
        self.tokens.push(token);
        let prefix = self.decode(self.prefix_offset, self.read_offset)?;
        let full = self.decode(self.prefix_offset, self.tokens.len())?;
        if full.len() <= prefix.len() || full.ends_with(char::REPLACEMENT_CHARACTER) {
            return Ok(None);
        }
        let Some(delta) = full.get(prefix.len()..) else {
            return Ok(None);
        };
        let delta = delta.to_owned();
        self.prefix_offset = self.read_offset;
        self.read_offset = self.tokens.len();
        Ok(Some(delta))
    }

    /// Text of tokens not yet emitted (may end in U+FFFD if the model stopped
    /// mid-character). Call once when generation ends.
    pub fn flush(&mut self) -> Result<Option<String>, LocalModelError> {
        let prefix = self.decode(self.prefix_offset, self.read_offset)?;
        let full = self.decode(self.prefix_offset, self.tokens.len())?;
        self.prefix_offset = self.tokens.len();
        self.read_offset = self.tokens.len();
        Ok(full
            .get(prefix.len()..)
            .filter(|s| !s.is_empty())
            .map(str::to_owned))
    }

    fn decode(&self, start: usize, end: usize) -> Result<String, LocalModelError> {
        self.tokenizer
            .decode(&self.tokens[start..end], true)
            .map_err(LocalModelError::tokenizer("decoding generated tokens"))
    }
}
