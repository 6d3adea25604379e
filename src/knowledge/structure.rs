//! What the lines of a document are, read from its text alone: headings (and the section
//! path they open), running headers and footers, tables of contents and back-of-book indexes.
//!
//! Normalised page text has one paragraph (or one table row) a line, so a "block" here is a
//! line. Everything errs on the side of "body text": a false heading puts every passage after
//! it under a wrong title, while a missed one only leaves the path shorter.
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use crate::knowledge::chunk::PassageKind;
use crate::knowledge::pdf::PageText;

mod headings;
mod listings;
#[cfg(test)]
#[path = "structure_tests.rs"]
mod tests;

use headings::{Around, Outline};
use listings::page_kinds;

/// One line of a page, and what it is.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    /// Byte range in the page text, trimmed.
    pub range: Range<usize>,
    pub role: Role,
    pub kind: PassageKind,
    /// The section path in effect from this block on (a heading's includes itself).
    pub section: Rc<str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Body,
    Heading,
    /// A running header or footer, or a page number.
    Furniture,
}

/// The blocks of every page, in page order.
pub(crate) fn analyse(pages: &[PageText]) -> Vec<Vec<Block>> {
    let mut lines: Vec<Vec<Line>> = pages.iter().map(|p| Line::all(&p.text)).collect();
    mark_furniture(&mut lines);
    let kinds = page_kinds(&lines);
    let mut blocks = Vec::with_capacity(pages.len());
    let mut outline = Outline::default();
    let flat: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .flat_map(|(p, ls)| (0..ls.len()).map(move |i| (p, i)))
        .filter(|&(p, i)| !lines[p][i].furniture)
        .collect();
    let mut heading_at = HashMap::new();
    for (n, &(p, i)) in flat.iter().enumerate() {
        if kinds[p]
            .iter()
            .any(|k| k.0 == i && k.1 != PassageKind::Body)
        {
            continue;
        }
        let line = &lines[p][i];
        let previous = n.checked_sub(1).and_then(|m| flat.get(m));
        let previous = previous
            .filter(|(pp, _)| *pp == p)
            .map(|&(pp, pi)| &lines[pp][pi]);
        let after_heading = n
            .checked_sub(1)
            .and_then(|m| flat.get(m))
            .is_some_and(|key| heading_at.contains_key(key));
        let next = flat.get(n + 1).map(|&(np, ni)| &lines[np][ni]);
        let after = flat.get(n + 2).map(|&(np, ni)| &lines[np][ni]);
        let around = Around {
            previous,
            after_heading,
            next,
            after,
        };
        if let Some(title) = outline.heading(line, &around) {
            heading_at.insert((p, i), title);
        }
    }
    let mut section: Rc<str> = Rc::from("");
    let mut outline = Outline::default();
    for (p, page_lines) in lines.iter().enumerate() {
        let mut page_blocks = Vec::with_capacity(page_lines.len());
        for (i, line) in page_lines.iter().enumerate() {
            let mut role = if line.furniture {
                Role::Furniture
            } else {
                Role::Body
            };
            if let Some(heading) = heading_at.get(&(p, i)) {
                role = Role::Heading;
                outline.push(heading.clone());
                section = Rc::from(outline.path());
            }
            let kind = kinds[p]
                .iter()
                .find(|k| k.0 == i)
                .map_or(PassageKind::Body, |k| k.1);
            page_blocks.push(Block {
                range: line.range.clone(),
                role,
                kind,
                section: section.clone(),
            });
        }
        blocks.push(page_blocks);
    }
    blocks
}

/// A line of page text with what is known about it.
struct Line<'a> {
    text: &'a str,
    range: Range<usize>,
    furniture: bool,
}

impl<'a> Line<'a> {
    fn all(text: &'a str) -> Vec<Line<'a>> {
        let mut out = Vec::new();
        let mut at = 0;
        for raw in text.split('\n') {
            let start = at + (raw.len() - raw.trim_start().len());
            let trimmed = raw.trim();
            if !trimmed.is_empty() {
                out.push(Line {
                    text: trimmed,
                    range: start..start + trimmed.len(),
                    furniture: false,
                });
            }
            at += raw.len() + 1;
        }
        out
    }

    fn words(&self) -> usize {
        self.text.split_whitespace().count()
    }

    /// A paragraph of running text, as follows a heading.
    fn is_prose(&self) -> bool {
        self.words() >= 10 && !is_page_number(self.text)
    }
}

// Running headers and footers

/// How many lines at each end of a page may be a running header or footer.
const EDGE_LINES: usize = 2;
/// A line at a page's edge seen on this many pages (digits aside) is a running header.
const MIN_REPEATS: usize = 3;

fn mark_furniture(pages: &mut [Vec<Line>]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for page in pages.iter() {
        let mut keys: Vec<String> = edges(page.len()).map(|i| edge_key(page[i].text)).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            *seen.entry(key).or_default() += 1;
        }
    }
    for page in pages.iter_mut() {
        for i in edges(page.len()).collect::<Vec<_>>() {
            let line = &mut page[i];
            let repeated = seen.get(&edge_key(line.text)).copied().unwrap_or(0) >= MIN_REPEATS;
            line.furniture = is_page_number(line.text) || (repeated && line.text.len() <= 120);
        }
    }
}

/// The indexes of the lines at a page's top and bottom.
fn edges(len: usize) -> impl Iterator<Item = usize> {
    let top = 0..EDGE_LINES.min(len);
    let bottom = len.saturating_sub(EDGE_LINES).max(top.end)..len;
    top.chain(bottom)
}

/// A line with its numbers blurred (page numbers change from page to page).
fn edge_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !key.ends_with('#') {
                key.push('#');
            }
        } else {
            key.extend(c.to_lowercase());
        }
    }
    key
}

/// "12", "- 12 -", "xiv", "Page 3", "Page 3 of 10", "Стр. 5".
fn is_page_number(text: &str) -> bool {
    let lower = text.to_lowercase();
    let mut rest = lower.trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c == ' ');
    for prefix in ["page", "p.", "стр.", "страница", "sahifa", "bet"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
            break;
        }
    }
    let mut parts = rest.split_whitespace();
    let first = parts.next().unwrap_or("");
    let number = |s: &str| is_arabic(s) || roman(s).is_some();
    match (parts.next(), parts.next(), parts.next()) {
        (None, ..) => number(first),
        (Some("of" | "из" | "/"), Some(total), None) => number(first) && is_arabic(total),
        _ => false,
    }
}

fn is_arabic(s: &str) -> bool {
    (1..=5).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// A Roman numeral up to 39 ("iv", "XII").
fn roman(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    let upper = s.chars().all(|c| "IVX".contains(c));
    let lower = s.chars().all(|c| "ivx".contains(c));
    if !upper && !lower {
        return None;
    }
    let value = |c: char| match c.to_ascii_lowercase() {
        'i' => 1,
        'v' => 5,
        _ => 10,
    };
    let chars: Vec<u32> = s.chars().map(value).collect();
    let mut total = 0;
    for (i, &v) in chars.iter().enumerate() {
        if chars.get(i + 1).is_some_and(|&n| n > v) {
            total -= v as i32;
        } else {
            total += v as i32;
        }
    }
    let total = u32::try_from(total).ok().filter(|&t| t > 0)?;
    // Only the canonical spelling: "iiii" or "vx" is not a numeral.
    (to_roman(total) == s.to_ascii_lowercase()).then_some(total)
}

fn to_roman(mut n: u32) -> String {
    let mut out = String::new();
    for (value, digits) in [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")] {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}
