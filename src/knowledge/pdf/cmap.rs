//! A font's `ToUnicode` CMap, read here rather than by lopdf.
//!
//! lopdf's reader expands every `bfrange` into a reverse map, one entry per code: the ten bytes
//! `<00000000> <FFFFFFFF> <0000>` become four billion inserts. Here a range stays one entry,
//! every entry is charged to the [`Budget`], and lookups find the range holding a code. What
//! a code maps to follows lopdf (and the standard, 9.10.3): a range's single target counts up
//! in its last UTF-16 unit, an array target gives one string per code.
use std::collections::BTreeMap;

use super::budget::Budget;

/// Lookups step back over at most this many nested ranges to find one that holds a code.
const NESTED: usize = 8;

#[derive(Default)]
pub(super) struct ToUnicode {
    /// By code length (1–4 bytes), each range by its first code.
    ranges: [BTreeMap<u32, Range>; 4],
    entries: usize,
}

struct Range {
    last: u32,
    target: Target,
}

enum Target {
    /// The first code's text; each next code adds one to its last unit.
    Counting(Vec<u16>),
    /// One text per code.
    Each(Vec<Vec<u16>>),
}

impl ToUnicode {
    /// The map in `cmap`; `None` when it maps nothing, or the budget ran out on it.
    pub(super) fn parse(cmap: &[u8], budget: &Budget) -> Option<ToUnicode> {
        let mut map = ToUnicode::default();
        let mut tokens = Tokens { rest: cmap };
        while let Some(token) = tokens.next() {
            let complete = match token {
                Token::Keyword(b"beginbfchar") => map.bf_chars(&mut tokens, budget),
                Token::Keyword(b"beginbfrange") => map.bf_ranges(&mut tokens, budget),
                _ => true,
            };
            if !complete || budget.stopped() {
                return None;
            }
        }
        (map.entries > 0).then_some(map)
    }

    /// The text of `code` read as `len` bytes.
    pub(super) fn get(&self, code: u32, len: u8) -> Option<Vec<u16>> {
        let ranges = self.ranges.get(usize::from(len).checked_sub(1)?)?;
        let (first, range) = ranges
            .range(..=code)
            .rev()
            .take(NESTED)
            .find(|(_, range)| range.last >= code)?;
        let offset = code - first;
        match &range.target {
            Target::Counting(units) => {
                let mut units = units.clone();
                let last = units.last_mut()?;
                *last = last.wrapping_add(offset as u16);
                Some(units)
            }
            Target::Each(texts) => texts.get(offset as usize).cloned(),
        }
    }

    /// `false` when the budget ran out.
    fn add(&mut self, first: Code, last: u32, target: Target, budget: &Budget) -> bool {
        let cost = match &target {
            Target::Counting(_) => 1,
            Target::Each(texts) => texts.len().max(1),
        };
        self.entries = self.entries.saturating_add(cost);
        if !budget.font_entries(cost, self.entries) {
            return false;
        }
        if last >= first.value
            && let Some(ranges) = self.ranges.get_mut(first.len - 1)
        {
            ranges.insert(first.value, Range { last, target });
        }
        true
    }

    /// `<code> <text>` lines up to `endbfchar`.
    fn bf_chars(&mut self, tokens: &mut Tokens, budget: &Budget) -> bool {
        loop {
            let code = match tokens.next() {
                Some(Token::Hex(bytes)) => Code::of(&bytes),
                Some(Token::Keyword(b"endbfchar")) | None => return true,
                Some(_) => continue,
            };
            let Some(Token::Hex(text)) = tokens.next() else {
                continue;
            };
            if let Some(code) = code
                && !self.add(code, code.value, Target::Counting(units(&text)), budget)
            {
                return false;
            }
        }
    }

    /// `<first> <last> <text>` or `<first> <last> [<text> …]` lines up to `endbfrange`.
    fn bf_ranges(&mut self, tokens: &mut Tokens, budget: &Budget) -> bool {
        loop {
            let first = match tokens.next() {
                Some(Token::Hex(bytes)) => Code::of(&bytes),
                Some(Token::Keyword(b"endbfrange")) | None => return true,
                Some(_) => continue,
            };
            let Some(Token::Hex(last)) = tokens.next() else {
                continue;
            };
            let target = match tokens.next() {
                Some(Token::Hex(text)) => Target::Counting(units(&text)),
                Some(Token::ArrayStart) => {
                    let mut texts = Vec::new();
                    while let Some(Token::Hex(text)) = tokens.next() {
                        texts.push(units(&text));
                        if texts.len() > 0xFFFF {
                            break;
                        }
                    }
                    Target::Each(texts)
                }
                _ => continue,
            };
            let (Some(first), Some(last)) = (first, Code::of(&last)) else {
                continue;
            };
            if !self.add(first, last.value, target, budget) {
                return false;
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Code {
    value: u32,
    len: usize,
}

impl Code {
    /// A source code of 1–4 bytes.
    fn of(bytes: &[u8]) -> Option<Code> {
        if bytes.is_empty() || bytes.len() > 4 {
            return None;
        }
        let value = bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        Some(Code {
            value,
            len: bytes.len(),
        })
    }
}

/// UTF-16BE units (an odd last byte is taken as the high byte of a unit).
fn units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]))
        .collect()
}

enum Token<'a> {
    Hex(Vec<u8>),
    ArrayStart,
    /// Anything else: keywords, numbers, names (with their slash), delimiters.
    Keyword(&'a [u8]),
}

/// The PostScript tokens a CMap is written in, as far as a CMap needs them.
struct Tokens<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let start = self.rest.iter().position(|b| !is_space(*b))?;
            self.rest = &self.rest[start..];
            match self.rest[0] {
                b'%' => {
                    let end = self.rest.iter().position(|b| matches!(b, b'\r' | b'\n'));
                    self.rest = &self.rest[end.unwrap_or(self.rest.len())..];
                }
                b'(' => self.skip_string(),
                b'<' if self.rest.get(1) == Some(&b'<') => return Some(self.take(2)),
                b'<' => return Some(self.hex()),
                b'[' => {
                    self.rest = &self.rest[1..];
                    return Some(Token::ArrayStart);
                }
                b']' | b'{' | b'}' | b'>' => return Some(self.take(1)),
                b'/' => {
                    let len = 1 + self.rest[1..]
                        .iter()
                        .position(|b| is_space(*b) || is_delimiter(*b))
                        .unwrap_or(self.rest.len() - 1);
                    return Some(self.take(len));
                }
                _ => {
                    let len = self
                        .rest
                        .iter()
                        .position(|b| is_space(*b) || is_delimiter(*b))
                        .unwrap_or(self.rest.len());
                    return Some(self.take(len.max(1)));
                }
            }
        }
    }
}

impl<'a> Tokens<'a> {
    fn take(&mut self, len: usize) -> Token<'a> {
        let (token, rest) = self.rest.split_at(len);
        self.rest = rest;
        Token::Keyword(token)
    }

    /// `<48 65 6C>`: whitespace inside is ignored, an odd last digit is followed by a 0.
    fn hex(&mut self) -> Token<'a> {
        let end = self.rest.iter().position(|b| *b == b'>');
        let (inside, rest) = match end {
            Some(end) => (&self.rest[1..end], &self.rest[end + 1..]),
            None => (&self.rest[1..], &[][..]),
        };
        self.rest = rest;
        let digits: Vec<u8> = inside
            .iter()
            .filter_map(|b| char::from(*b).to_digit(16))
            .map(|d| d as u8)
            .collect();
        let bytes = digits
            .chunks(2)
            .map(|pair| (pair[0] << 4) | pair.get(1).copied().unwrap_or(0))
            .collect();
        Token::Hex(bytes)
    }

    /// A literal string `( … )`, with nested parentheses and escapes.
    fn skip_string(&mut self) {
        let mut depth = 0usize;
        let mut escaped = false;
        for (i, b) in self.rest.iter().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.rest = &self.rest[i + 1..];
                        return;
                    }
                }
                _ => {}
            }
        }
        self.rest = &[];
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0C' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::super::budget::{Exhausted, PdfBudget, Stop};
    use super::*;

    const CMAP: &[u8] = b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
        /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
        /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
        1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
        2 beginbfchar\n<0003> <0020>\n<0011><00660069>\nendbfchar\n\
        2 beginbfrange\n<0024> <0026> <0041>\n<0030> <0032> [<0430> <0431> <D835DC00>]\nendbfrange\n\
        1 beginbfchar\n<41> <0416>\nendbfchar\n\
        endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

    fn text(map: &ToUnicode, code: u32, len: u8) -> Option<String> {
        map.get(code, len).map(|u| String::from_utf16_lossy(&u))
    }

    #[test]
    fn chars_ranges_and_arrays_are_mapped_by_code_length() {
        let cancelled = AtomicBool::new(false);
        let budget = Budget::new(PdfBudget::default(), &cancelled);
        let map = ToUnicode::parse(CMAP, &budget).expect("a map");

        assert_eq!(text(&map, 0x0003, 2).as_deref(), Some(" "));
        assert_eq!(text(&map, 0x0011, 2).as_deref(), Some("fi"));
        assert_eq!(text(&map, 0x0025, 2).as_deref(), Some("B"));
        assert_eq!(text(&map, 0x0026, 2).as_deref(), Some("C"));
        assert_eq!(text(&map, 0x0027, 2), None);
        assert_eq!(text(&map, 0x0031, 2).as_deref(), Some("б"));
        assert_eq!(text(&map, 0x0032, 2).as_deref(), Some("𝐀"));
        assert_eq!(text(&map, 0x41, 1).as_deref(), Some("Ж"));
        assert_eq!(text(&map, 0x41, 2), None);
        assert_eq!(budget.stop(), None);
    }

    #[test]
    fn a_range_over_every_code_is_one_entry() {
        let cancelled = AtomicBool::new(false);
        let budget = Budget::new(PdfBudget::default(), &cancelled);
        let cmap = b"1 beginbfrange\n<00000000> <FFFFFFFF> <0041>\nendbfrange\n";
        let started = std::time::Instant::now();

        let map = ToUnicode::parse(cmap, &budget).expect("a map");

        assert!(started.elapsed() < std::time::Duration::from_millis(50));
        assert_eq!(text(&map, 0x0000_0001, 4).as_deref(), Some("B"));
        assert_eq!(map.entries, 1);
    }

    #[test]
    fn too_many_entries_stop_the_reading() {
        let cancelled = AtomicBool::new(false);
        let limits = PdfBudget {
            font_entries: 1_000,
            ..PdfBudget::default()
        };
        let budget = Budget::new(limits, &cancelled);
        let mut cmap = b"2000 beginbfchar\n".to_vec();
        for code in 0..2_000u32 {
            cmap.extend_from_slice(format!("<{code:04X}> <0041>\n").as_bytes());
        }
        cmap.extend_from_slice(b"endbfchar\n");

        assert!(ToUnicode::parse(&cmap, &budget).is_none());
        assert_eq!(budget.stop(), Some(Stop::Exhausted(Exhausted::FontEntries)));
    }
}
