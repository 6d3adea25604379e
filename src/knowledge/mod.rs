//! Knowledge for PDF models: an uploaded PDF becomes page-tagged text chunks
//! ([`pdf::extract_pages`] → [`chunk::chunk_pages`]), which are embedded and searched so that
//! answers can cite their pages.
pub mod bridge;
pub mod chunk;
pub mod language;
pub mod pdf;
pub mod retrieval;
pub(crate) mod structure;
pub mod text;
pub mod vectors;

pub use chunk::{Chunk, ChunkConfig, PassageKind, chunk_pages};
pub use pdf::{
    Exhausted, PageText, PdfBudget, PdfError, PdfLimits, extract_pages, extract_pages_from_bytes,
    extract_pages_until,
};
pub use text::normalize;
