//! Headings and the outline they make: numbered ones nest by their numbers, and a heading
//! must fit where the outline stands ("3.2" after "3.1", not "2" after "5").
use super::listings::has_leader;
use super::{Line, is_arabic, roman};

/// The lines around a candidate heading (furniture skipped); `previous` only on the same page.
pub(super) struct Around<'l, 'a> {
    pub(super) previous: Option<&'l Line<'a>>,
    pub(super) after_heading: bool,
    pub(super) next: Option<&'l Line<'a>>,
    pub(super) after: Option<&'l Line<'a>>,
}

/// A heading as it enters the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Heading {
    /// "3.2.1" → [3, 2, 1]; `None` for a title without a number.
    numbers: Option<Vec<u32>>,
    title: String,
}

/// The headings in effect: numbered ones nest by their numbers, an unnumbered title sits
/// under the deepest numbered one until the next heading.
#[derive(Default)]
pub(super) struct Outline {
    numbered: Vec<Heading>,
    unnumbered: Option<Heading>,
}

const MAX_HEADING_CHARS: usize = 90;
pub(super) const MAX_HEADING_WORDS: usize = 12;
const MAX_TITLE_WORDS: usize = 7;

impl Outline {
    pub(super) fn path(&self) -> String {
        let titles = self.numbered.iter().chain(&self.unnumbered);
        titles
            .map(|h| h.title.as_str())
            .collect::<Vec<_>>()
            .join(" > ")
    }

    pub(super) fn push(&mut self, heading: Heading) {
        self.unnumbered = None;
        match &heading.numbers {
            None => self.unnumbered = Some(heading),
            Some(numbers) => {
                let depth = numbers.len();
                self.numbered.retain(|h| {
                    h.numbers
                        .as_ref()
                        .is_some_and(|n| n.len() < depth && numbers.starts_with(n))
                });
                self.numbered.push(heading);
            }
        }
    }

    /// Whether `line` opens a section (and the heading if so), given its neighbours; a
    /// heading taken is pushed.
    pub(super) fn heading(&mut self, line: &Line, around: &Around) -> Option<Heading> {
        let heading = self.numbered_heading(line, around).or_else(|| {
            let isolated = around.after_heading || around.previous.is_none_or(Line::is_prose);
            let opens = around.next.is_some_and(Line::is_prose);
            (isolated && opens && is_title(line.text)).then(|| Heading {
                numbers: None,
                title: line.text.to_owned(),
            })
        })?;
        self.push(heading.clone());
        Some(heading)
    }

    fn numbered_heading(&self, line: &Line, around: &Around) -> Option<Heading> {
        let Around {
            previous,
            next,
            after,
            ..
        } = *around;
        let (numbers, title) = numbered(line.text)?;
        let depth = numbers.len();
        // An item of a numbered list: its neighbour is numbered alike.
        let sibling = |l: &Line| numbered(l.text).is_some_and(|(n, _)| n.len() == depth);
        if previous.is_some_and(sibling) {
            return None;
        }
        let next = next?;
        let opens = next.is_prose()
            || numbered(next.text).is_some_and(|(n, _)| n.len() > depth)
            || (after.is_some_and(Line::is_prose) && is_title(next.text));
        if !opens || sibling(next) || !self.follows(&numbers) {
            return None;
        }
        Some(Heading {
            numbers: Some(numbers),
            title: title.to_owned(),
        })
    }

    /// Whether a heading numbered so can come next: "3.2" after "3.1" or "3", "4" after
    /// "3.5", "3.1" as the first of a chapter whose heading was missed; not "2" after "5",
    /// nor "7.3" out of nowhere.
    fn follows(&self, numbers: &[u32]) -> bool {
        let Some((&last, parent)) = numbers.split_last() else {
            return false;
        };
        let current: Vec<&[u32]> = self
            .numbered
            .iter()
            .filter_map(|h| h.numbers.as_deref())
            .collect();
        // The heading at this depth now in effect, under the same parent.
        let sibling = current
            .iter()
            .find(|n| n.len() == numbers.len() && n.starts_with(parent))
            .map(|n| n[n.len() - 1]);
        let parent_open = parent.is_empty() || current.contains(&parent);
        match sibling {
            Some(s) => last > s && last <= s + 2,
            None if parent_open => last <= 2 || (parent.is_empty() && current.is_empty()),
            // A parent not seen: only the first child, of a parent later than what is open.
            None => last == 1 && current.last().is_none_or(|c| parent > *c),
        }
    }
}

/// "3.2 Title", "3.2. Title", "Chapter 4: Title", "Глава 2. Title", "2-bob Title", "IV. Title",
/// "Appendix B Title": the numbers and the whole line as the title.
fn numbered(text: &str) -> Option<(Vec<u32>, &str)> {
    if text.chars().count() > MAX_HEADING_CHARS
        || text.split_whitespace().count() > MAX_HEADING_WORDS
        || has_leader(text)
        || ends_with_number(text)
    {
        return None;
    }
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim_start();
    if let Some(n) = chapter_number(first, rest) {
        let title_start = rest.split_once(' ').map_or("", |(_, r)| r);
        // "Chapter 4" alone is a heading; "Chapter 4 shows how…" is prose.
        let ok = title_start.is_empty()
            || title_start.starts_with(|c: char| !c.is_lowercase())
            || rest.starts_with(|c: char| c.is_ascii_digit()) && is_title_text(title_start);
        return (ok && !ends_like_prose(title_start)).then(|| (vec![n], text));
    }
    if let Some(n) = uzbek_chapter(first) {
        let ok = rest.is_empty() || (is_title_text(rest) && !ends_like_prose(rest));
        return ok.then(|| (vec![n], text));
    }
    let numbers = dotted(first).or_else(|| {
        let roman = first.strip_suffix('.').and_then(roman)?;
        first
            .starts_with(|c: char| c.is_ascii_uppercase())
            .then(|| vec![roman])
    })?;
    (is_title_text(rest) && !ends_like_prose(rest)).then_some((numbers, text))
}

/// "3", "3.", "3.2", "3.2.1." (each part at most 3 digits, the first 1–99, at most 5 deep).
pub(super) fn dotted(token: &str) -> Option<Vec<u32>> {
    let token = token.strip_suffix('.').unwrap_or(token);
    let numbers: Option<Vec<u32>> = token
        .split('.')
        .map(|p| {
            (!p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    numbers.filter(|n| n.len() <= 5 && (1..100).contains(&n[0]))
}

const CHAPTER_WORDS: &[&str] = &[
    "chapter",
    "глава",
    "раздел",
    "appendix",
    "приложение",
    "bob",
    "boʻlim",
    "bo'lim",
    "bo‘lim",
];

/// "Chapter 4", "CHAPTER IV", "Глава 2.", "Appendix B:", "Bob 3": the number.
fn chapter_number(word: &str, rest: &str) -> Option<u32> {
    let word = word.to_lowercase();
    if !CHAPTER_WORDS.contains(&word.as_str()) {
        return None;
    }
    let token = rest.split_whitespace().next()?;
    let token = token.trim_end_matches(['.', ':']);
    if let Some(n) = dotted(token).filter(|n| n.len() == 1) {
        return Some(n[0]);
    }
    if let Some(n) = roman(token) {
        return Some(n);
    }
    // "Appendix B", "Приложение А": a single capital letter.
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_uppercase() => {
            let n = if c.is_ascii_uppercase() {
                c as u32 - 'A' as u32 + 1
            } else {
                c as u32 % 64 + 1
            };
            Some(n)
        }
        _ => None,
    }
}

/// "2-bob", "3-boʻlim" (Uzbek: "chapter 2", "section 3").
fn uzbek_chapter(word: &str) -> Option<u32> {
    let (number, name) = word.split_once('-')?;
    let name = name.trim_end_matches(['.', ':']).to_lowercase();
    if !CHAPTER_WORDS[5..].contains(&name.as_str()) {
        return None;
    }
    dotted(number).filter(|n| n.len() == 1).map(|n| n[0])
}

/// The text of a heading after its number: starts with a capital (or a letter of a script
/// without case), a handful of words, not a sentence.
fn is_title_text(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let words = text.split_whitespace().count();
    first.is_alphabetic()
        && !first.is_lowercase()
        && (1..=MAX_HEADING_WORDS).contains(&words)
        && !text.ends_with([',', ';', ':'])
}

/// Ends like a sentence (a heading does not end with a full stop) or carries one inside.
fn ends_like_prose(text: &str) -> bool {
    let t = text.trim_end();
    (t.ends_with('.') && !t.ends_with("...")) || t.ends_with([',', ';', ':']) || t.contains(". ")
}

/// An unnumbered heading: short, starts with a capital, no final stop, no number at the end,
/// not a caption or a note.
pub(super) fn is_title(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if text.chars().count() > 60
        || words > MAX_TITLE_WORDS
        || !is_title_text(text)
        || ends_like_prose(text)
        || ends_with_number(text)
        || has_leader(text)
        || text.contains(['=', '{', '}', '\\', '|', '@', '/', '(', '"', '_'])
        || is_caps_row(text)
    {
        return false;
    }
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches(['.', ':'])
        .to_lowercase();
    const NOT_TITLES: &[&str] = &[
        "figure",
        "fig",
        "table",
        "note",
        "notes",
        "warning",
        "caution",
        "tip",
        "important",
        "see",
        "рис",
        "рисунок",
        "таблица",
        "примечание",
        "внимание",
        "см",
        "rasm",
        "jadval",
        "eslatma",
        "diqqat",
    ];
    !NOT_TITLES.contains(&first.as_str())
}

pub(super) fn ends_with_number(text: &str) -> bool {
    let last = text.split_whitespace().next_back().unwrap_or("");
    let last = last.trim_end_matches([',', '.', ')']);
    is_arabic(last) || (roman(last).is_some() && last.len() > 1 && last == last.to_lowercase())
}

/// Several words in capitals with nothing else: a table's header row far more often than a
/// heading (small-capital column titles come out as capitals).
fn is_caps_row(text: &str) -> bool {
    text.split_whitespace().count() >= 2 && !text.chars().any(char::is_lowercase)
}
