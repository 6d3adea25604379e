//! Chats printed as a PDF: each message's Markdown is laid out on A4 pages and written with
//! `printpdf`.
//!
//! Why it is built this way:
//! - printpdf is used without its default `html` feature, which would pull in a whole HTML/CSS
//!   layout engine (azul). Without it printpdf only places text where it is told, so the layout
//!   (wrapping, page breaks, lists, tables, code blocks) is done here, on glyph advances read
//!   with `ttf-parser`. printpdf embeds each DejaVu face used as a Unicode (Identity-H) font
//!   with a ToUnicode map, so text can be copied out of the PDF; the faces are subset here
//!   (with allsorts, printpdf's own font library) because printpdf only subsets with its
//!   layout feature on.
//! - Markdown is read with pulldown-cmark as a stream of events. Blocks are laid out as the
//!   events arrive, with an explicit stack of open containers instead of recursion, so deeply
//!   nested input can neither overflow the stack nor push text off the page (indentation is
//!   capped).
//! - Every step is linear in the text: words and lines are measured as they grow, never
//!   re-measured from their start.
//! - Nothing is read from or written to the system: the fonts are compiled in (the `dejavu`
//!   crate) and the creation date is the caller's.
//!
//! The pieces, in the order the work happens:
//! - `layout`: every chat from a new page, its header, then its messages;
//! - `markdown`: the walker over pulldown-cmark's events (`Body`), with its block kinds in
//!   `containers` (quotes, lists), `code` (code blocks) and `table` (tables);
//! - `wrap`: measured runs of text and greedy line filling;
//! - `flow`: lines of fixed height placed down pages, with page breaks between them;
//! - `fonts`: the DejaVu faces, their metrics, subsetting and embedding;
//! - `paint`: placed lines turned into printpdf drawing operations, and the page numbers;
//! - `style`: page geometry, type sizes, spacing and colours.

mod code;
mod containers;
mod flow;
mod fonts;
mod layout;
mod markdown;
mod paint;
mod style;
mod table;
#[cfg(test)]
mod tests;
mod wrap;

use printpdf::{PdfDocument, PdfSaveOptions};
use time::{OffsetDateTime, UtcOffset};

/// One message as printed: who wrote it, when (already formatted for the reader, e.g. in
/// their time zone), and its Markdown text.
pub struct PrintedMessage {
    pub who: String,
    pub when: String,
    pub markdown: String,
}

/// One chat as printed: a title, a line of details under it, and the messages in order.
pub struct PrintedChat {
    pub title: String,
    pub details: String,
    pub messages: Vec<PrintedMessage>,
}

/// Why a PDF could not be made. Layout itself cannot fail; only the embedded fonts and the
/// writer can.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font {0} cannot be read")]
    Font(&'static str),
    #[error("could not write the PDF: {0}")]
    Write(String),
}

/// Every chat starts on a new page; `created` becomes the document's creation date. Pure CPU
/// work (the caller runs it on the blocking pool).
pub fn render(chats: &[PrintedChat], created: OffsetDateTime) -> Result<Vec<u8>, PdfError> {
    let metrics = fonts::Metrics::load()?;
    let pages = layout::layout(&metrics, chats);
    let footers: Vec<flow::Line> = (1..=pages.len())
        .map(|number| paint::footer(&metrics, number, pages.len()))
        .collect();
    let title = match chats {
        [only] => only.title.as_str(),
        _ => "Chats",
    };
    let mut doc = PdfDocument::new(title);
    // printpdf leaves the dates at 1970 unless told otherwise.
    let created = pdf_date(created);
    doc.metadata.info.creation_date = created;
    doc.metadata.info.modification_date = created;
    doc.metadata.info.metadata_date = created;
    let drawn = pages.iter().flatten().map(|p| &p.line).chain(&footers);
    let fonts = fonts::register_fonts(&mut doc, &metrics, &fonts::used_chars(drawn))?;
    let pdf_pages = pages
        .iter()
        .zip(&footers)
        .map(|(page, footer)| paint::a4_page(paint::paint_page(&fonts, page, footer)))
        .collect();
    let mut warnings = Vec::new();
    let bytes = doc
        .with_pages(pdf_pages)
        .save(&PdfSaveOptions::default(), &mut warnings);
    if bytes.is_empty() {
        return Err(PdfError::Write(format!("{warnings:?}")));
    }
    Ok(bytes)
}

/// `when` in printpdf's own date type, in UTC: printpdf writes a date's fields followed by
/// "+00'00'" whatever offset it carries. (A time so near the end of the calendar that UTC
/// has no year for it keeps its own wall clock.)
fn pdf_date(when: OffsetDateTime) -> printpdf::DateTime {
    let utc = when.checked_to_offset(UtcOffset::UTC).unwrap_or(when);
    printpdf::DateTime {
        date: printpdf::Date {
            year: utc.year(),
            month: u8::from(utc.month()),
            day: utc.day(),
        },
        time: printpdf::Time {
            hour: utc.hour(),
            minute: utc.minute(),
            second: utc.second(),
            millisecond: utc.millisecond(),
        },
        offset: printpdf::Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    }
}
