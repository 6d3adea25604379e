//! Tables of contents and back-of-book indexes: pages of entries ending in page numbers.
use super::Line;
use super::headings::{MAX_HEADING_WORDS, dotted};
use crate::knowledge::chunk::PassageKind;

/// Lines naming a table of contents (or a list of figures/tables) or an index.
const CONTENTS_TITLES: &[&str] = &[
    "contents",
    "table of contents",
    "list of figures",
    "list of tables",
    "содержание",
    "оглавление",
    "список рисунков",
    "список таблиц",
    "mundarija",
    "inhalt",
    "inhaltsverzeichnis",
    "sommaire",
    "table des matières",
];
const INDEX_TITLES: &[&str] = &[
    "index",
    "general index",
    "subject index",
    "указатель",
    "предметный указатель",
    "алфавитный указатель",
    "koʻrsatkich",
    "ko'rsatkich",
    "ko‘rsatkich",
    "register",
];

/// For each page, the lines that belong to a contents or index listing, and which.
pub(super) fn page_kinds(pages: &[Vec<Line>]) -> Vec<Vec<(usize, PassageKind)>> {
    let mut out: Vec<Vec<(usize, PassageKind)>> = Vec::with_capacity(pages.len());
    let mut previous = PassageKind::Body;
    for (p, page) in pages.iter().enumerate() {
        let body: Vec<(usize, &Line)> = page
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.furniture)
            .collect();
        let titled = |titles: &[&str]| {
            body.iter()
                .take(3)
                .position(|(_, l)| is_titled(l.text, titles))
        };
        let late = p * 2 >= pages.len();
        let kind = if let Some(at) = titled(CONTENTS_TITLES) {
            listing(&body[at..], PassageKind::Contents, 3)
        } else if let Some(at) = titled(INDEX_TITLES) {
            listing(&body[at..], PassageKind::Index, 3)
        } else {
            // No title: a page that continues a listing, or that is one beyond doubt.
            let strict = |kind| if previous == kind { 4 } else { 8 };
            let contents = listing(&body, PassageKind::Contents, strict(PassageKind::Contents));
            let index = if late || previous == PassageKind::Index {
                listing(&body, PassageKind::Index, strict(PassageKind::Index))
            } else {
                Vec::new()
            };
            let share = |lines: &[(usize, PassageKind)]| {
                let chars: usize = lines.iter().map(|&(i, _)| page[i].text.len()).sum();
                let all: usize = body.iter().map(|(_, l)| l.text.len()).sum();
                chars * 2 > all
            };
            if share(&contents) {
                contents
            } else if share(&index) {
                index
            } else {
                Vec::new()
            }
        };
        previous = kind.first().map_or(PassageKind::Body, |k| k.1);
        out.push(kind);
    }
    out
}

fn is_titled(text: &str, titles: &[&str]) -> bool {
    let lower = text.trim_end_matches([':', '.']).trim().to_lowercase();
    titles.contains(&lower.as_str())
}

/// The lines from the start of `lines` that make a listing of `kind` (its title included),
/// if they have at least `min_entries` entries; the listing ends at the first line of prose
/// that has none.
fn listing(
    lines: &[(usize, &Line)],
    kind: PassageKind,
    min_entries: usize,
) -> Vec<(usize, PassageKind)> {
    let mut taken = Vec::new();
    let mut entries = 0;
    for (n, (i, line)) in lines.iter().enumerate() {
        let found = Entries::of(line.text);
        let is_entry_line = match kind {
            PassageKind::Index => found.is_index(),
            _ => found.is_contents(),
        };
        let title =
            n == 0 && (is_titled(line.text, CONTENTS_TITLES) || is_titled(line.text, INDEX_TITLES));
        // A chapter line without a page number, when entries follow it.
        let between = !line.is_prose()
            && lines.get(n + 1).is_some_and(|(_, l)| {
                let f = Entries::of(l.text);
                match kind {
                    PassageKind::Index => f.is_index(),
                    _ => f.is_contents(),
                }
            });
        if is_entry_line {
            entries += found.entries;
        } else if !(title || between || (line.words() <= 3 && kind == PassageKind::Index)) {
            break;
        }
        taken.push((*i, kind));
    }
    if entries >= min_entries {
        taken
    } else {
        Vec::new()
    }
}

/// What a line holds of listing entries: "Title ....... 12", "3.2 Title 45", "term, 12, 45".
#[derive(Debug, Default)]
struct Entries {
    /// Entries ending in a page number.
    entries: usize,
    /// Of those, with a dot leader.
    leaders: usize,
    /// Page numbers that do not go down from one entry to the next, out of `entries - 1`.
    ascending: usize,
    /// Entries whose term starts with a letter not before the previous entry's.
    alphabetical: usize,
    words: usize,
    numbers: usize,
    /// Words ending a sentence.
    sentences: usize,
    /// Tokens that are neither words nor page numbers ("0.0", "-38").
    others: usize,
    /// Entries whose term was seen before in the line (data, not an index).
    repeats: usize,
}

impl Entries {
    fn of(text: &str) -> Entries {
        let mut e = Entries::default();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let mut last_page: Option<u32> = None;
        let mut last_letter: Option<char> = None;
        let mut term_letter: Option<char> = None;
        let mut in_leader = false;
        let mut saw_words = false;
        let mut terms: Vec<String> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let bare = token.trim_end_matches([',', ';']);
            if bare.chars().all(|c| c == '.' || c == '…' || c == '·') {
                in_leader =
                    in_leader || bare.len() >= 3 || tokens[i..].iter().take(3).all(|t| *t == ".");
                continue;
            }
            if let Some(page) = page_number(bare) {
                e.numbers += 1;
                // A number after words ends an entry: "Setup 12", "Setup ... 12", "cable, 22".
                let ends_entry = saw_words;
                if ends_entry {
                    e.entries += 1;
                    if in_leader {
                        e.leaders += 1;
                    }
                    if last_page.is_some_and(|l| page >= l) {
                        e.ascending += 1;
                    }
                    last_page = Some(page);
                    if let Some(letter) = term_letter.take() {
                        if last_letter.is_some_and(|l| letter >= l) {
                            e.alphabetical += 1;
                        }
                        last_letter = Some(letter);
                    }
                    saw_words = false;
                    in_leader = false;
                }
                continue;
            }
            let (trailing_dots, word) = split_leader(token);
            if word.chars().any(char::is_alphabetic) {
                e.words += 1;
                if !saw_words {
                    let term = word.to_lowercase();
                    if terms.contains(&term) {
                        e.repeats += 1;
                    } else if terms.len() < 64 {
                        terms.push(term);
                    }
                    term_letter = word
                        .chars()
                        .find(|c| c.is_alphabetic())
                        .map(|c| c.to_lowercase().next().unwrap_or(c));
                }
                saw_words = true;
                if word.ends_with(['.', '!', '?'])
                    && word.chars().filter(|c| c.is_alphabetic()).count() > 3
                    && tokens
                        .get(i + 1)
                        .is_some_and(|t| t.starts_with(char::is_uppercase))
                {
                    e.sentences += 1;
                }
            }
            if !word.chars().any(char::is_alphabetic) && dotted(word).is_none() {
                e.others += 1;
            }
            in_leader = trailing_dots;
        }
        e
    }

    /// Page numbers that (nearly) never go down, over several entries.
    fn ascending(&self) -> bool {
        self.entries >= 3 && self.ascending * 10 >= (self.entries - 1) * 9
    }

    /// Entries with leaders, or page numbers going up through the line; not prose.
    fn is_contents(&self) -> bool {
        self.entries >= 1
            && self.sentences * 4 <= self.entries
            && (self.leaders * 2 >= self.entries
                || (self.entries == 1 && self.words <= MAX_HEADING_WORDS)
                || (self.ascending() && self.numbers * 6 >= self.words))
    }

    /// Short terms with page numbers, in alphabetical order; not prose.
    fn is_index(&self) -> bool {
        self.entries >= 2
            && self.leaders * 2 < self.entries
            && self.sentences * 4 <= self.entries
            && self.numbers * 4 >= self.words
            && self.words <= self.entries * 5
            && self.alphabetical * 10 >= (self.entries - 1) * 6
            && self.others * 4 <= self.numbers
            && self.repeats * 5 <= self.entries
            && !(self.entries >= 5 && self.ascending())
    }
}

/// A page number in a listing: 1–4 digits, or a lowercase Roman numeral (front matter).
fn page_number(token: &str) -> Option<u32> {
    if (1..=4).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_digit()) {
        return token.parse().ok();
    }
    // "12–15", "12-15"
    if let Some((a, _)) = token.split_once(['-', '–']) {
        return page_number(a).filter(|_| token.len() <= 9);
    }
    None
}

/// "Introduction......." → (true, "Introduction").
fn split_leader(token: &str) -> (bool, &str) {
    let word = token.trim_end_matches(['.', '…']);
    let dots = token.len() - word.len();
    if dots >= 3 {
        (true, word)
    } else {
        (false, token)
    }
}

pub(super) fn has_leader(text: &str) -> bool {
    text.contains("....") || text.contains(". . . .") || text.contains("…")
}
