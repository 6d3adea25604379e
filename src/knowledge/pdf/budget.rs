//! What reading one document may cost, counted while it is read.
//!
//! A PDF's size on disk says little about the work it asks for: a 4 KB stream of Flate
//! inside Flate inflates to gigabytes, 2,000 pages may all draw one 1 MiB content stream, a
//! font's `W` entry `0 65535 1` names 65,536 widths. Every loop of the reader (pages, content
//! operations, font maps, decompression) charges what it does here and asks whether it may go
//! on; the first limit crossed (or a cancellation) ends the whole reading, and the reason is
//! kept for the caller. The counters are cells: the reader is single-threaded and its parts
//! share one `&Budget`.
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use lopdf::Stream;

/// The limits of one document. The defaults fit every real PDF we have met many times over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdfBudget {
    /// Decompressed bytes of any one stream (content, form, font map), and of each stream
    /// lopdf decodes while loading the file (object and cross-reference streams).
    pub stream_bytes: usize,
    /// Decompressed bytes of all streams read for the document's text, counted every time a
    /// stream is drawn (a stream shared by every page counts on every page).
    pub document_bytes: usize,
    /// Characters drawn in the whole document.
    pub text_chars: usize,
    /// Characters drawn on one page (each is kept with its position until the page ends).
    pub page_chars: usize,
    /// Entries of one font's maps (`ToUnicode` mappings, `W` widths).
    pub font_entries: usize,
    /// Entries of all fonts' maps together.
    pub document_font_entries: usize,
}

impl Default for PdfBudget {
    fn default() -> Self {
        PdfBudget {
            stream_bytes: 32 << 20,
            document_bytes: 256 << 20,
            text_chars: 20_000_000,
            page_chars: 512 * 1024,
            font_entries: 2 * 65_536,
            document_font_entries: 1 << 21,
        }
    }
}

/// What ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    StreamBytes,
    DocumentBytes,
    TextChars,
    PageChars,
    FontEntries,
    /// Checked after reading: the text cuts into more chunks than may be embedded.
    Chunks,
}

impl Exhausted {
    pub fn describe(self) -> &'static str {
        match self {
            Exhausted::StreamBytes => "a stream decompresses to more bytes than allowed",
            Exhausted::DocumentBytes => "its streams decompress to more bytes than allowed",
            Exhausted::TextChars => "it draws more characters than allowed",
            Exhausted::PageChars => "a page draws more characters than allowed",
            Exhausted::FontEntries => "its fonts' maps have more entries than allowed",
            Exhausted::Chunks => "its text gives more chunks than may be embedded",
        }
    }
}

/// Why the reading stopped before the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    Cancelled,
    Exhausted(Exhausted),
}

/// A stream naming more filters than this is refused: each filter may produce up to
/// `stream_bytes`, and files use one or two.
const MAX_FILTERS: usize = 3;

pub(super) struct Budget<'c> {
    limits: PdfBudget,
    cancelled: &'c AtomicBool,
    bytes: Cell<usize>,
    chars: Cell<usize>,
    page_chars: Cell<usize>,
    font_entries: Cell<usize>,
    stop: Cell<Option<Stop>>,
}

impl<'c> Budget<'c> {
    pub(super) fn new(limits: PdfBudget, cancelled: &'c AtomicBool) -> Self {
        Budget {
            limits,
            cancelled,
            bytes: Cell::new(0),
            chars: Cell::new(0),
            page_chars: Cell::new(0),
            font_entries: Cell::new(0),
            stop: Cell::new(None),
        }
    }

    /// Whether the reading must stop now (a limit was crossed, or it was cancelled). Cheap:
    /// called for every content operation.
    pub(super) fn stopped(&self) -> bool {
        if self.stop.get().is_some() {
            return true;
        }
        if self.cancelled.load(Ordering::Relaxed) {
            self.stop.set(Some(Stop::Cancelled));
            return true;
        }
        false
    }

    /// Why it stopped, once it has.
    pub(super) fn stop(&self) -> Option<Stop> {
        self.stopped();
        self.stop.get()
    }

    pub(super) fn exhaust(&self, what: Exhausted) {
        if self.stop.get().is_none() {
            self.stop.set(Some(Stop::Exhausted(what)));
        }
    }

    /// Adds `n` to `counter`; `false` (and the reading stops) past `max`.
    fn charge(&self, counter: &Cell<usize>, n: usize, max: usize, what: Exhausted) -> bool {
        let total = counter.get().saturating_add(n);
        counter.set(total);
        if total > max {
            self.exhaust(what);
        }
        !self.stopped()
    }

    pub(super) fn start_page(&self) {
        self.page_chars.set(0);
    }

    /// One character drawn. `false`: stop drawing.
    pub(super) fn char_drawn(&self) -> bool {
        let page_max = self.limits.page_chars;
        self.charge(&self.chars, 1, self.limits.text_chars, Exhausted::TextChars)
            && self.charge(&self.page_chars, 1, page_max, Exhausted::PageChars)
    }

    /// `n` more entries in the maps of a font that already has `font_total` (them included).
    /// `false`: stop reading the font.
    pub(super) fn font_entries(&self, n: usize, font_total: usize) -> bool {
        if font_total > self.limits.font_entries {
            self.exhaust(Exhausted::FontEntries);
        }
        let max = self.limits.document_font_entries;
        self.charge(&self.font_entries, n, max, Exhausted::FontEntries)
    }

    /// The stream's decoded content, bounded by what one stream and what is left of the
    /// document may use, and charged to the document. `None` when it cannot be decoded; the
    /// reading stops when it is over budget.
    pub(super) fn decode(&self, stream: &Stream) -> Option<Vec<u8>> {
        if self.stopped() {
            return None;
        }
        let filters = stream.filters().map_or(0, |f| f.len());
        if filters > MAX_FILTERS {
            self.exhaust(Exhausted::StreamBytes);
            return None;
        }
        let left = self.limits.document_bytes.saturating_sub(self.bytes.get());
        let limit = self.limits.stream_bytes.min(left);
        let decoded = stream.get_plain_content_with_limit(limit);
        match decoded {
            Ok(content) => {
                // Every filter wrote about this much (each may have written up to `limit`).
                let work = content.len().saturating_mul(filters.max(1));
                let max = self.limits.document_bytes;
                self.charge(&self.bytes, work, max, Exhausted::DocumentBytes)
                    .then_some(content)
            }
            Err(error) if is_over_limit(&error) => {
                let what = if limit < self.limits.stream_bytes {
                    Exhausted::DocumentBytes
                } else {
                    Exhausted::StreamBytes
                };
                self.exhaust(what);
                None
            }
            Err(error) => {
                tracing::debug!(%error, "a stream could not be decoded");
                // A failed decoder may still have written up to the limit.
                let max = self.limits.document_bytes;
                self.charge(
                    &self.bytes,
                    stream.content.len(),
                    max,
                    Exhausted::DocumentBytes,
                );
                None
            }
        }
    }
}

/// lopdf's "this stream decompresses to more than you allowed".
pub(super) fn is_over_limit(error: &lopdf::Error) -> bool {
    matches!(
        error,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })
            | lopdf::Error::Decompress(lopdf::DecompressError::TooManyFilters { .. })
    )
}
