//! Page text → overlapping chunks sized for the embedding model (all-MiniLM-L6-v2 reads 256
//! tokens: about 1,000 characters of prose).
//!
//! A chunk never crosses a page, so every chunk cites one page. Sizes count characters, not
//! bytes (a Cyrillic letter is two bytes). Cuts fall, in order of preference, at a paragraph
//! end, at a sentence end, at a word boundary; the next chunk starts a little earlier (the
//! overlap) at a sentence or word start, so that a fact cut in two is whole in one of them.
//! Each chunk looks at a bounded window of characters: the whole is linear in the text, and
//! it works on slices of the page text (no per-character copies).
use std::ops::Range;

use crate::knowledge::pdf::PageText;
use crate::knowledge::structure::{self, Block, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkConfig {
    /// No chunk is longer.
    pub max_chars: usize,
    /// Cuts are looked for from this length on; a paragraph or sentence end before it (but
    /// past half of `max_chars`) still beats cutting inside a sentence.
    pub target_chars: usize,
    /// How far back the next chunk starts. Kept under a quarter of `max_chars`.
    pub overlap_chars: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        ChunkConfig {
            max_chars: 1_000,
            target_chars: 800,
            overlap_chars: 150,
        }
    }
}

impl ChunkConfig {
    /// Limits that always make progress: `max_chars` at least 8, `target_chars` between
    /// half of it and all of it, the overlap at most a quarter of it.
    fn sane(self) -> ChunkConfig {
        let max_chars = self.max_chars.max(8);
        ChunkConfig {
            max_chars,
            target_chars: self.target_chars.clamp(max_chars / 2, max_chars),
            overlap_chars: self.overlap_chars.min(max_chars / 4),
        }
    }
}

/// What a passage is, for ranking: a table of contents or an index names every topic and
/// answers none, so search ranks such pages below the body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PassageKind {
    #[default]
    Body = 0,
    /// A table of contents (or list of figures/tables).
    Contents,
    /// A back-of-book index.
    Index,
}

impl PassageKind {
    /// The name stored with each row of a model's table.
    pub fn as_str(self) -> &'static str {
        match self {
            PassageKind::Body => "body",
            PassageKind::Contents => "contents",
            PassageKind::Index => "index",
        }
    }

    /// Reads a stored name; anything unknown (or a table from before kinds) is body text.
    pub fn parse(name: &str) -> PassageKind {
        match name {
            "contents" => PassageKind::Contents,
            "index" => PassageKind::Index,
            _ => PassageKind::Body,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub page: u32,
    /// 0-based position among all chunks of the document.
    pub index: u32,
    pub text: String,
    /// The headings the passage sits under, outermost first, joined by " > " ("" if none).
    pub section: String,
    pub kind: PassageKind,
}

/// Chunks of every page, in page order; empty pages give none. Each carries the section path
/// in effect where its text starts and whether it is part of a contents or index listing
/// (see [`structure`]).
pub fn chunk_pages(pages: &[PageText], cfg: ChunkConfig) -> Vec<Chunk> {
    let cfg = cfg.sane();
    let structure = structure::analyse(pages);
    let mut chunks = Vec::new();
    for (page, blocks) in pages.iter().zip(&structure) {
        for range in split(&page.text, cfg) {
            let text = page.text[range.clone()].to_owned();
            let (section, kind) = describe(blocks, &range);
            chunks.push(Chunk {
                page: page.page,
                index: u32::try_from(chunks.len()).unwrap_or(u32::MAX),
                text,
                section,
                kind,
            });
        }
    }
    chunks
}

/// The section of a chunk covering `range` of its page (the one in effect at its first line
/// of body text, so that a chunk starting with a running header or a heading is filed under
/// what it is about), and its kind (what most of its text is).
fn describe(blocks: &[Block], range: &Range<usize>) -> (String, PassageKind) {
    let inside: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.range.start < range.end && b.range.end > range.start)
        .collect();
    let section = inside
        .iter()
        .find(|b| b.role == Role::Body)
        .or(inside.last())
        .map_or_else(String::new, |b| b.section.to_string());
    let mut chars = [0usize; 3];
    for block in inside.iter().filter(|b| b.role != Role::Furniture) {
        let len = block.range.end.min(range.end) - block.range.start.max(range.start);
        chars[block.kind as usize] += len;
    }
    let total: usize = chars.iter().sum();
    let kind = [PassageKind::Contents, PassageKind::Index]
        .into_iter()
        .find(|&k| chars[k as usize] * 2 > total)
        .unwrap_or(PassageKind::Body);
    (section, kind)
}

// Positions below are byte offsets into the page text, always at character boundaries
// (taken from `Bounds`); lengths are counted in characters.

/// The byte ranges of a page's chunks, trimmed.
fn split(text: &str, cfg: ChunkConfig) -> Vec<Range<usize>> {
    let bounds = Bounds::of(text);
    let mut out = Vec::new();
    let mut start = skip_whitespace(text, 0);
    while start < text.len() {
        let Some(window) = Window::after(&bounds, start, cfg) else {
            push_trimmed(&mut out, text, start..text.len());
            break;
        };
        let cut = find_cut(text, &window);
        push_trimmed(&mut out, text, start..cut);
        let next = overlap_start(text, &bounds, start, cut, cfg.overlap_chars);
        start = skip_whitespace(text, next);
    }
    out
}

/// The byte offset of every character, and of the end.
struct Bounds(Vec<usize>);

impl Bounds {
    fn of(text: &str) -> Self {
        let mut bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bounds.push(text.len());
        Bounds(bounds)
    }

    /// The character index of a byte offset at a character boundary.
    fn index(&self, offset: usize) -> usize {
        self.0.binary_search(&offset).unwrap_or_else(|i| i)
    }

    /// The byte offset `chars` characters after (or, negative, before) `offset`, clamped to
    /// the text.
    fn offset(&self, offset: usize, chars: isize) -> usize {
        let index = self.index(offset).saturating_add_signed(chars);
        self.0.get(index).or(self.0.last()).copied().unwrap_or(0)
    }
}

fn push_trimmed(out: &mut Vec<Range<usize>>, text: &str, range: Range<usize>) {
    let chunk = &text[range.clone()];
    let start = range.start + (chunk.len() - chunk.trim_start().len());
    let end = range.start + chunk.trim_end().len();
    if start < end {
        out.push(start..end);
    }
}

fn skip_whitespace(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    at + (rest.len() - rest.trim_start().len())
}

/// Where a cut may fall for the chunk starting at `start`: from `lo` (half of `max_chars`)
/// to `hi` (`max_chars`), preferably from `target` on.
struct Window {
    lo: usize,
    target: usize,
    hi: usize,
}

impl Window {
    /// `None` when the rest of the text fits in one chunk.
    fn after(bounds: &Bounds, start: usize, cfg: ChunkConfig) -> Option<Window> {
        let first = bounds.index(start);
        let at = |chars: usize| bounds.0.get(first.checked_add(chars)?).copied();
        // The character at `hi` must exist: more than `max_chars` are left.
        at(cfg.max_chars.checked_add(1)?)?;
        Some(Window {
            lo: at(cfg.max_chars / 2)?,
            target: at(cfg.target_chars)?,
            hi: at(cfg.max_chars)?,
        })
    }
}

/// Where the chunk ends (exclusive): a paragraph end from `target` on, else a sentence end
/// from there, else the last paragraph or sentence end in the window, else the last word
/// boundary, else `hi`.
fn find_cut(text: &str, window: &Window) -> usize {
    let (mut paragraph, mut sentence, mut early_end, mut word) = (None, None, None, None);
    // Backwards, so the first hit of each kind is the latest one. Cutting at `hi` itself
    // keeps `max_chars` characters, so the character at `hi` is looked at too.
    let hi_end = window.hi + text[window.hi..].chars().next().map_or(0, char::len_utf8);
    for (offset, c) in text[window.lo..hi_end].char_indices().rev() {
        if !c.is_whitespace() {
            continue;
        }
        let i = window.lo + offset;
        word = word.or(Some(i));
        let is_paragraph = c == '\n' && text[i + 1..].starts_with('\n');
        let is_sentence = !is_paragraph && ends_sentence(&text[..i]);
        if i >= window.target {
            if is_paragraph {
                paragraph = Some(i);
                break;
            }
            if is_sentence {
                sentence = sentence.or(Some(i));
            }
        } else if sentence.is_some() {
            // Only a paragraph end could have beaten it, and those are looked for above.
            break;
        } else if is_paragraph || is_sentence {
            early_end = Some(i);
            break;
        }
    }
    paragraph
        .or(sentence)
        .or(early_end)
        .or(word)
        .unwrap_or(window.hi)
}

/// Whether the text ends with a sentence: a terminator, maybe followed by closing quotes
/// or brackets.
fn ends_sentence(before: &str) -> bool {
    for c in before.chars().rev().take(4) {
        match c {
            '.' | '!' | '?' | '…' | '。' | '！' | '？' => return true,
            '"' | '\'' | '»' | '”' | '’' | ')' | ']' => continue,
            _ => return false,
        }
    }
    false
}

/// Where the chunk after `start..cut` begins: the earliest sentence start within `overlap`
/// characters before the cut, else the earliest word start there, else exactly there. Always
/// after `start`, so that chunking moves on.
fn overlap_start(text: &str, bounds: &Bounds, start: usize, cut: usize, overlap: usize) -> usize {
    let back = isize::try_from(overlap).unwrap_or(isize::MAX);
    let from = bounds.offset(cut, -back).max(bounds.offset(start, 1));
    let mut previous = text[..from].chars().next_back();
    let mut first_word = None;
    for (offset, c) in text[from..cut].char_indices() {
        let i = from + offset;
        if previous.is_some_and(char::is_whitespace) && !c.is_whitespace() {
            if ends_sentence(text[..i].trim_end()) {
                return i;
            }
            first_word = first_word.or(Some(i));
        }
        previous = Some(c);
    }
    first_word.unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn page(page: u32, text: &str) -> PageText {
        PageText {
            page,
            text: text.to_owned(),
        }
    }

    fn sentences(n: usize, word: &str) -> String {
        (0..n)
            .map(|i| format!("{word} number {i} is here and it is long enough to count."))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_short_page_is_one_chunk() {
        let chunks = chunk_pages(&[page(1, "  Short text.  ")], ChunkConfig::default());
        assert_eq!(
            chunks,
            vec![Chunk {
                page: 1,
                index: 0,
                text: "Short text.".into(),
                section: String::new(),
                kind: PassageKind::Body,
            }]
        );
    }

    #[test]
    fn empty_pages_give_no_chunks_and_indexes_run_across_pages() {
        let long = sentences(60, "Sentence");
        let pages = [
            page(1, &long),
            page(2, ""),
            page(3, " \n\n "),
            page(4, &long),
        ];
        let chunks = chunk_pages(&pages, ChunkConfig::default());
        assert!(chunks.iter().all(|c| c.page == 1 || c.page == 4));
        assert!(chunks.iter().any(|c| c.page == 4));
        let indexes: Vec<u32> = chunks.iter().map(|c| c.index).collect();
        let expected: Vec<u32> = (0..chunks.len() as u32).collect();
        assert_eq!(indexes, expected);
        // Pages stay in order.
        assert!(chunks.windows(2).all(|w| w[0].page <= w[1].page));
    }

    #[test]
    fn chunks_are_sized_in_characters_and_cut_at_sentence_ends() {
        // Cyrillic: two bytes a letter, so a byte count would give half-sized chunks.
        let text = sentences(80, "Предложение");
        let chunks = chunk_pages(&[page(1, &text)], ChunkConfig::default());
        assert!(chunks.len() > 3);
        for chunk in &chunks[..chunks.len() - 1] {
            let len = chunk.text.chars().count();
            assert!((500..=1000).contains(&len), "{len} characters");
            assert!(chunk.text.ends_with('.'), "{:?}", chunk.text);
            assert!(chunk.text.starts_with("Предложение"), "{:?}", chunk.text);
        }
        assert!(chunks.iter().map(|c| c.text.chars().count()).max() > Some(800));
    }

    #[test]
    fn consecutive_chunks_overlap() {
        let text = sentences(80, "Sentence");
        let chunks = chunk_pages(&[page(1, &text)], ChunkConfig::default());
        for pair in chunks.windows(2) {
            let head: String = pair[1].text.chars().take(40).collect();
            assert!(pair[0].text.contains(&head), "no overlap: {head:?}");
        }
        // Nothing is lost: every sentence is in some chunk.
        for i in 0..80 {
            let needle = format!("number {i} is here");
            assert!(chunks.iter().any(|c| c.text.contains(&needle)), "{needle}");
        }
    }

    #[test]
    fn prefers_a_paragraph_end() {
        let first = sentences(15, "First");
        assert!((800..1000).contains(&first.chars().count()));
        let second = sentences(10, "Second");
        let text = format!("{first}\n\n{second}");
        let chunks = chunk_pages(&[page(1, &text)], ChunkConfig::default());
        assert_eq!(chunks[0].text, first);
    }

    #[test]
    fn falls_back_to_word_boundaries_then_to_a_hard_cut() {
        let words = "слово ".repeat(400);
        let chunks = chunk_pages(&[page(1, &words)], ChunkConfig::default());
        for chunk in &chunks {
            assert!(
                chunk.text.split(' ').all(|w| w == "слово"),
                "{:?}",
                chunk.text
            );
            assert!(chunk.text.chars().count() <= 1000);
        }
        let blob = "ўзбек".repeat(700); // 3,500 characters, no space at all
        let chunks = chunk_pages(&[page(1, &blob)], ChunkConfig::default());
        assert!(chunks.len() >= 4);
        assert!(chunks.iter().all(|c| c.text.chars().count() <= 1000));
    }

    #[test]
    fn odd_configs_still_make_progress() {
        let text = sentences(20, "Sentence");
        let huge = usize::MAX;
        for (max_chars, target_chars, overlap_chars) in
            [(0, 0, 0), (10, 50, 1000), (100, 1, 99), (huge, huge, huge)]
        {
            let cfg = ChunkConfig {
                max_chars,
                target_chars,
                overlap_chars,
            };
            let chunks = chunk_pages(&[page(1, &text)], cfg);
            let max = cfg.sane().max_chars;
            assert!(chunks.iter().all(|c| c.text.chars().count() <= max));
            // The end of the text is in the last chunk.
            assert!(chunks.last().is_some_and(|c| text.ends_with(&c.text)));
        }
    }

    #[test]
    fn chunking_a_thousand_pages_takes_well_under_a_second() {
        // Mixed Latin and Cyrillic prose, ~3,000 characters a page, with paragraphs.
        let text = format!(
            "{}\n\n{}",
            sentences(25, "Oʻzbekiston"),
            sentences(25, "Предложение")
        );
        let text: String = text.chars().take(3_000).collect();
        let pages: Vec<PageText> = (1..=1_000).map(|n| page(n, &text)).collect();
        // The best of three: a busy machine (other tests, other builds) slows single runs.
        let mut took = Duration::MAX;
        let mut chunks = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            chunks = chunk_pages(&pages, ChunkConfig::default());
            took = took.min(started.elapsed());
        }
        eprintln!(
            "chunked 1,000 pages of 3,000 characters into {} chunks in {took:?}",
            chunks.len()
        );
        assert!(chunks.len() >= 3_000);
        // Unoptimised test builds are ~10 times slower than release. Reading the structure
        // (headings, running headers, contents and index listings) takes about as long as the
        // cutting itself: 1.08 s here in a debug build on 2 cores, 1.6 s with the load average
        // at 3.6, and over 2 s once with other test binaries and Chromium busy on both cores.
        let limit = if cfg!(debug_assertions) { 3_000 } else { 250 };
        assert!(took < Duration::from_millis(limit), "took {took:?}");
    }
}
