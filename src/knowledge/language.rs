//! Which of the product's languages a text is in — enough to tell whether a question and a
//! document differ (an Uzbek question over an English manual), not a general detector.
//! Cyrillic letters mean Russian; Latin text with Uzbek's letters (o‘, g‘) or its everyday
//! words means Uzbek; other Latin text is taken as English.

/// A language the product is used in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    English,
    Russian,
    Uzbek,
}

impl Language {
    /// The name a prompt uses ("Write it in Russian").
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Russian => "Russian",
            Language::Uzbek => "Uzbek (Latin script)",
        }
    }
}

/// Everyday Uzbek words that English and Russian texts do not use.
const UZBEK_WORDS: &[&str] = &[
    "va",
    "uchun",
    "bilan",
    "qanday",
    "nima",
    "qaysi",
    "qachon",
    "necha",
    "kerak",
    "mumkin",
    "yoki",
    "ham",
    "emas",
    "haqida",
    "bo'ladi",
    "bo‘ladi",
    "qilish",
    "qiladi",
    "bu",
    "menga",
    "qayerda",
    "nega",
    "agar",
    "lekin",
    "uni",
    "bir",
    "qancha",
    "hamda",
];

/// Endings of Uzbek words that English words (almost) never have: the question particle,
/// the genitive, "the one in", plural cases.
const UZBEK_ENDINGS: &[&str] = &["mi", "ning", "dagi", "larni", "larga", "lardan", "moqda"];

/// Whether a (lowercase) word has an Uzbek shape: a `q` followed by `a`, `o` or `i`
/// (English writes `qu`; "qemu" and "sql" are not caught), or an ending of [`UZBEK_ENDINGS`]
/// on a word long enough to have a stem.
fn uzbek_form(word: &str) -> bool {
    let q_sound = word
        .as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'q' && matches!(pair[1], b'a' | b'o' | b'i'))
        || (word.len() > 3 && word.ends_with('q'));
    let ending = word.chars().count() > 4 && UZBEK_ENDINGS.iter().any(|e| word.ends_with(e));
    q_sound || ending
}

/// The language of `text`, or `None` when it has too few letters to tell.
pub fn guess(text: &str) -> Option<Language> {
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_alphabetic() {
            if ('\u{0400}'..='\u{04FF}').contains(&c) {
                cyrillic += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
    }
    if cyrillic + latin < 3 {
        return None;
    }
    if cyrillic > latin {
        return Some(Language::Russian);
    }
    let lower = text.to_lowercase();
    let marks = ["o'", "g'", "o‘", "g‘", "o`", "g`", "oʻ", "gʻ"];
    let marked = marks
        .iter()
        .map(|m| lower.matches(m).count())
        .sum::<usize>();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || "'‘`ʻ".contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    let uzbek_words = words.iter().filter(|w| UZBEK_WORDS.contains(w)).count();
    let uzbek_forms = words.iter().filter(|w| uzbek_form(w)).count();
    // "don't" and "o'clock" are English too: one mark alone is not enough in a long text.
    let uzbek = uzbek_words * 2 + marked + uzbek_forms >= 2.max(words.len() / 25);
    Some(if uzbek {
        Language::Uzbek
    } else {
        Language::English
    })
}

/// The languages a set of passages is written in, told paragraph by paragraph (a handbook
/// may give each paragraph in three languages), with how many paragraphs each has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mix {
    counts: [usize; 3],
}

impl Mix {
    pub fn of<'a>(texts: impl Iterator<Item = &'a str>) -> Mix {
        let mut mix = Mix::default();
        for paragraph in texts.flat_map(|t| t.split('\n')) {
            if let Some(language) = guess(paragraph) {
                mix.counts[language as usize] += 1;
            }
        }
        mix
    }

    /// Whether some paragraph is in `language`.
    pub fn has(&self, language: Language) -> bool {
        self.counts[language as usize] > 0
    }

    /// The language of most paragraphs (`None` when no paragraph could be told).
    pub fn main(&self) -> Option<Language> {
        let (index, count) = self
            .counts
            .iter()
            .enumerate()
            .max_by_key(|(i, count)| (**count, usize::MAX - i))?;
        (*count > 0).then(|| [Language::English, Language::Russian, Language::Uzbek][index])
    }

    /// Whether a question in `asked` can meet these passages word for word: yes when it is in
    /// one of their languages or either side cannot be told.
    pub fn shares(&self, asked: Option<Language>) -> bool {
        match asked {
            Some(language) => self.main().is_none() || self.has(language),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_of_the_product_is_told_apart() {
        let cases = [
            ("How do I print two pages on one sheet?", Language::English),
            (
                "Как напечатать две страницы на одном листе?",
                Language::Russian,
            ),
            (
                "Bir varaqqa ikki sahifani qanday chop etaman?",
                Language::Uzbek,
            ),
            (
                "Printer qog'ozni tortmayapti, nima qilish kerak?",
                Language::Uzbek,
            ),
            (
                "Parol necha belgidan iborat bo'lishi kerak?",
                Language::Uzbek,
            ),
            (
                "Dasturning versiya raqamini qayerdan topaman?",
                Language::Uzbek,
            ),
            (
                "Old paneldagi qizil chiroq nimani bildiradi?",
                Language::Uzbek,
            ),
            ("Undan internetsiz foydalansa bo'ladimi?", Language::Uzbek),
            ("Don't restart the daemon at 5 o'clock.", Language::English),
            (
                "Run qemu with the SQL server image; the Qt frontend is optional.",
                Language::English,
            ),
            (
                "The printer driver reads the configuration file at start-up and then waits.",
                Language::English,
            ),
        ];
        for (text, language) in cases {
            assert_eq!(guess(text), Some(language), "{text}");
        }
        assert_eq!(guess("42 !"), None);
    }

    #[test]
    fn a_handbook_in_three_languages_shares_each_of_them() {
        let page = "The reading room of maps is on the second floor.\n\
                    Зал карт находится на втором этаже.\n\
                    Xaritalar zali ikkinchi qavatda joylashgan va u yerda oʻrik daraxtlari oʻsadi.";
        let mix = Mix::of([page].into_iter());
        for language in [Language::English, Language::Russian, Language::Uzbek] {
            assert!(mix.shares(Some(language)), "{language:?}");
        }
        let manual = Mix::of(
            [
                "Press the red button to print.",
                "Paper jams: open the tray.",
            ]
            .into_iter(),
        );
        assert_eq!(manual.main(), Some(Language::English));
        assert!(!manual.shares(Some(Language::Uzbek)));
        assert!(manual.shares(None));
        assert_eq!(Mix::of(std::iter::empty()).main(), None);
    }
}
