//! An uploaded PDF → the normalised text of each page, or a reason it cannot be used.
//!
//! Parsing is CPU-bound and lopdf is known to panic on some malformed files, so it runs on
//! the blocking pool, inside `catch_unwind` (once for loading, once per page) and under a
//! time limit. What a document may cost is counted while it is read ([`PdfBudget`]): the
//! reading stops, with its reason, at the first limit crossed, when its time is up or when it
//! is cancelled. What comes out is checked before anyone embeds it: a scanned PDF has no text
//! layer, and a PDF whose fonts have no Unicode map gives replacement characters.
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lopdf::xref::XrefRecovery;
use lopdf::{Document, LoadOptions};
use tokio_util::sync::CancellationToken;

use crate::i18n::Msg;
use crate::knowledge::text::normalize;

mod budget;
mod cmap;
mod content;
mod fonts;
mod lines;
mod matrix;
mod unicode;

use budget::{Budget, Stop};
pub use budget::{Exhausted, PdfBudget};
use fonts::FontCache;
#[cfg(test)]
mod tests;

/// What an upload may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdfLimits {
    pub max_pages: u32,
    pub max_bytes: u64,
    /// For the whole extraction. The blocking thread is told to stop, and stops at its next
    /// step (a content operation, a glyph, a font map entry); loading the file cannot be
    /// interrupted (each stream lopdf decodes then is bounded by the budget).
    pub timeout: Duration,
    pub budget: PdfBudget,
}

/// Chunks one page may give on average: with `MODEL_PDF_MAX_PAGES` this bounds what one
/// document costs to embed. A dense page of small print gives about ten.
pub const CHUNKS_PER_PAGE: usize = 16;

impl PdfLimits {
    /// The most chunks a document may be cut into.
    pub fn max_chunks(&self) -> usize {
        (self.max_pages as usize).saturating_mul(CHUNKS_PER_PAGE)
    }
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            max_pages: 2_000,
            max_bytes: 64 * 1024 * 1024,
            timeout: Duration::from_secs(120),
            budget: PdfBudget::default(),
        }
    }
}

/// The text of one page, normalised (see [`normalize`]); empty when the page has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageText {
    /// 1-based, as viewers number pages.
    pub page: u32,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PdfError {
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    #[error("the file has {bytes} bytes, over the limit of {max}")]
    TooLarge { bytes: u64, max: u64 },
    #[error("the file is not a PDF")]
    NotPdf,
    #[error("the PDF is damaged: {0}")]
    Malformed(String),
    #[error("the PDF needs a password")]
    Encrypted,
    #[error("the PDF has no pages")]
    NoPages,
    #[error("the PDF has {pages} pages, over the limit of {max}")]
    TooManyPages { pages: u32, max: u32 },
    #[error("the PDF has no text layer ({chars} characters on {pages} pages)")]
    NoText { chars: usize, pages: u32 },
    #[error("the PDF's text cannot be decoded ({bad} of {chars} characters)")]
    Garbled { bad: usize, chars: usize },
    #[error("reading the PDF took longer than {0:?}")]
    Timeout(Duration),
    #[error("the PDF is too much to read: {}", .0.describe())]
    TooMuchContent(Exhausted),
    #[error("the reading was stopped")]
    Cancelled,
}

impl PdfError {
    /// A stable machine-readable reason, for the API and the logs.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Unreadable(_) => "unreadable",
            PdfError::TooLarge { .. } => "too_large",
            PdfError::NotPdf => "not_pdf",
            PdfError::Malformed(_) => "malformed",
            PdfError::Encrypted => "encrypted",
            PdfError::NoPages => "no_pages",
            PdfError::TooManyPages { .. } => "too_many_pages",
            PdfError::NoText { .. } => "no_text",
            PdfError::Garbled { .. } => "garbled",
            PdfError::Timeout(_) => "timeout",
            PdfError::TooMuchContent(_) => "too_much_content",
            PdfError::Cancelled => "cancelled",
        }
    }

    /// What the admin who uploaded the file reads.
    pub fn message(&self) -> Msg {
        match self {
            PdfError::Unreadable(_) => Msg::new("pdf-unreadable"),
            PdfError::TooLarge { bytes, max } => Msg::new("pdf-too-large")
                .arg("size", megabytes(*bytes))
                .arg("max", megabytes(*max)),
            PdfError::NotPdf => Msg::new("pdf-not-pdf"),
            PdfError::Malformed(_) => Msg::new("pdf-malformed"),
            PdfError::Encrypted => Msg::new("pdf-encrypted"),
            PdfError::NoPages => Msg::new("pdf-no-pages"),
            PdfError::TooManyPages { pages, max } => Msg::new("pdf-too-many-pages")
                .arg("pages", pages)
                .arg("max", max),
            PdfError::NoText { .. } => Msg::new("pdf-no-text"),
            PdfError::Garbled { .. } => Msg::new("pdf-garbled"),
            PdfError::Timeout(limit) => Msg::new("pdf-timeout").arg("seconds", limit.as_secs()),
            PdfError::TooMuchContent(_) => Msg::new("pdf-too-much-content"),
            PdfError::Cancelled => Msg::new("pdf-cancelled"),
        }
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// Reads the PDF at `path` (see [`extract_pages_from_bytes`]).
pub async fn extract_pages(path: &Path, limits: PdfLimits) -> Result<Vec<PageText>, PdfError> {
    extract_pages_until(path, limits, &CancellationToken::new()).await
}

/// Reads the PDF at `path` until `cancel` says stop (the model was deleted, its PDF replaced).
pub async fn extract_pages_until(
    path: &Path,
    limits: PdfLimits,
    cancel: &CancellationToken,
) -> Result<Vec<PageText>, PdfError> {
    let unreadable = |e: std::io::Error| PdfError::Unreadable(e.to_string());
    let bytes = tokio::fs::metadata(path).await.map_err(unreadable)?.len();
    check_size(bytes, &limits)?;
    let pdf = tokio::fs::read(path).await.map_err(unreadable)?;
    read_bytes(pdf, limits, cancel).await
}

/// The text of every page, in order, empty pages included (they keep the numbering).
pub async fn extract_pages_from_bytes(
    pdf: Vec<u8>,
    limits: PdfLimits,
) -> Result<Vec<PageText>, PdfError> {
    read_bytes(pdf, limits, &CancellationToken::new()).await
}

#[tracing::instrument(name = "Extracting PDF text", skip_all, fields(bytes = pdf.len()))]
async fn read_bytes(
    pdf: Vec<u8>,
    limits: PdfLimits,
    cancel: &CancellationToken,
) -> Result<Vec<PageText>, PdfError> {
    check_size(pdf.len() as u64, &limits)?;
    if !has_pdf_header(&pdf) {
        return Err(PdfError::NotPdf);
    }
    let cancelled = Arc::new(AtomicBool::new(false));
    let span = tracing::Span::current();
    let mut task = tokio::task::spawn_blocking({
        let cancelled = Arc::clone(&cancelled);
        move || span.in_scope(|| read_pdf(&pdf, limits, &cancelled))
    });
    let reason = tokio::select! {
        joined = &mut task => {
            return joined.unwrap_or_else(|join_error| {
                Err(PdfError::Malformed(format!("the reader stopped: {join_error}")))
            });
        }
        () = tokio::time::sleep(limits.timeout) => {
            tracing::warn!(timeout = ?limits.timeout, "PDF extraction timed out");
            PdfError::Timeout(limits.timeout)
        }
        () = cancel.cancelled() => PdfError::Cancelled,
    };
    // The reader looks at `cancelled` at every step (a content operation, a glyph, a font map
    // entry), so the thread stops at once and its memory goes with it; the answer waits for
    // that. Loading the file cannot be interrupted: it is not waited for past a bound.
    cancelled.store(true, Ordering::Relaxed);
    if tokio::time::timeout(STOP_WAIT, task).await.is_err() {
        tracing::warn!("the PDF reader is still loading the file; it stops when it is done");
    }
    Err(reason)
}

/// How long a stopped reading is waited for.
const STOP_WAIT: Duration = Duration::from_secs(5);

fn check_size(bytes: u64, limits: &PdfLimits) -> Result<(), PdfError> {
    if bytes > limits.max_bytes {
        return Err(PdfError::TooLarge {
            bytes,
            max: limits.max_bytes,
        });
    }
    Ok(())
}

/// `%PDF-` at the start, or within the first KiB as viewers tolerate (some generators
/// write a few bytes of junk first).
fn has_pdf_header(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Runs on the blocking pool.
fn read_pdf(
    pdf: &[u8],
    limits: PdfLimits,
    cancelled: &AtomicBool,
) -> Result<Vec<PageText>, PdfError> {
    let budget = Budget::new(limits.budget, cancelled);
    let (doc, damaged) = load(pdf, &limits.budget)?;
    let page_ids = doc.get_pages();
    let pages = u32::try_from(page_ids.len()).unwrap_or(u32::MAX);
    match pages {
        0 if damaged => return Err(PdfError::Malformed("no page survived the repair".into())),
        0 => return Err(PdfError::NoPages),
        _ if pages > limits.max_pages => {
            let max = limits.max_pages;
            return Err(PdfError::TooManyPages { pages, max });
        }
        _ => {}
    }
    let mut fonts = FontCache::new(&doc, &budget);
    let mut stats = TextStats::default();
    let mut out = Vec::with_capacity(page_ids.len());
    for (&page, &id) in &page_ids {
        let raw = guarded("reading a page", || {
            content::page_text(&doc, id, &mut fonts, &budget)
        })
        .and_then(|read| read.map_err(|e| PdfError::Malformed(e.to_string())));
        match budget.stop() {
            Some(Stop::Cancelled) => return Err(PdfError::Cancelled),
            Some(Stop::Exhausted(what)) => {
                tracing::warn!(page, reason = what.describe(), "PDF over its budget");
                return Err(PdfError::TooMuchContent(what));
            }
            None => {}
        }
        let text = match raw {
            Ok(raw) => {
                stats.add(&raw);
                normalize(&raw)
            }
            Err(error) => {
                stats.failed_pages += 1;
                tracing::warn!(page, %error, "unreadable page taken as empty");
                String::new()
            }
        };
        out.push(PageText { page, text });
    }
    stats.verdict(pages, damaged).map(|()| out)
}

/// The document, and whether its cross-reference table had to be rebuilt (a damaged file).
/// lopdf decodes object and cross-reference streams while loading, each within the budget of
/// one stream.
fn load(pdf: &[u8], budget: &PdfBudget) -> Result<(Document, bool), PdfError> {
    let options = LoadOptions {
        max_decompressed_size: Some(budget.stream_bytes),
        ..LoadOptions::default()
    };
    let loaded = guarded("loading", || Document::load_mem_with_options(pdf, options))?;
    let doc = loaded.map_err(load_error)?;
    // lopdf tries the empty user password itself; a file still encrypted needs a real one.
    if doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    let damaged = doc.xref_recovery == Some(XrefRecovery::Reconstructed);
    Ok((doc, damaged))
}

/// Runs `f`, turning a panic into [`PdfError::Malformed`].
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, PdfError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::warn!(%reason, "the PDF reader panicked while {what}");
        PdfError::Malformed(format!("the reader panicked while {what}: {reason}"))
    })
}

fn load_error(error: lopdf::Error) -> PdfError {
    use lopdf::Error;
    if budget::is_over_limit(&error) {
        return PdfError::TooMuchContent(Exhausted::StreamBytes);
    }
    match error {
        Error::Decryption(_)
        | Error::InvalidPassword
        | Error::UnsupportedSecurityHandler(_)
        | Error::AlreadyEncrypted => PdfError::Encrypted,
        other => PdfError::Malformed(other.to_string()),
    }
}

/// Below this many visible characters per page on average, the PDF is taken for a scan (a
/// scan may still carry a page number or a stamp as text). Low, so that a short note is not
/// taken for one.
const MIN_CHARS_PER_PAGE: usize = 20;
/// Fewer undecodable characters than this are not worth a verdict.
const MIN_GARBAGE: usize = 20;
/// Over this share of undecodable characters, the text is taken for garbage.
const MAX_GARBAGE_SHARE: f64 = 0.1;

/// Counts over the raw text, before normalisation hides control characters.
#[derive(Default)]
struct TextStats {
    /// Non-whitespace characters.
    visible: usize,
    /// Of those: U+FFFD (no Unicode mapping), control and private-use characters, which is
    /// what a font without a usable encoding produces.
    garbage: usize,
    /// Pages whose content could not be read at all.
    failed_pages: u32,
}

impl TextStats {
    fn add(&mut self, raw: &str) {
        for c in raw.chars().filter(|c| !c.is_whitespace()) {
            self.visible += 1;
            if is_garbage(c) {
                self.garbage += 1;
            }
        }
    }

    /// Whether the text of `pages` pages is worth embedding. A damaged file without text is
    /// called damaged: the text may have been in the part that is missing.
    fn verdict(&self, pages: u32, damaged: bool) -> Result<(), PdfError> {
        let (chars, bad) = (self.visible, self.garbage);
        if self.failed_pages >= pages {
            return Err(PdfError::Malformed("no page could be read".into()));
        }
        if bad >= MIN_GARBAGE && bad as f64 > MAX_GARBAGE_SHARE * chars as f64 {
            return Err(PdfError::Garbled { bad, chars });
        }
        if chars - bad < MIN_CHARS_PER_PAGE.saturating_mul(pages as usize) {
            if damaged {
                return Err(PdfError::Malformed("no text survived the repair".into()));
            }
            return Err(PdfError::NoText { chars, pages });
        }
        Ok(())
    }
}

fn is_garbage(c: char) -> bool {
    c == char::REPLACEMENT_CHARACTER
        || c.is_control()
        || matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}')
}
