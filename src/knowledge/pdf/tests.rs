//! Extraction from PDFs made by real tools (tests/fixtures/pdfs, see make.sh there); the
//! cases the tools will not make are in `hand_made`.
use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::i18n::Lang;
use crate::knowledge::chunk::{ChunkConfig, chunk_pages};

mod hand_made;
mod hostile;
mod hostile_pdfs;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pdfs")).join(name)
}

async fn extract(name: &str) -> Result<Vec<PageText>, PdfError> {
    extract_pages(&fixture(name), PdfLimits::default()).await
}

async fn code_of(name: &str) -> &'static str {
    match extract(name).await {
        Ok(pages) => panic!("{name} was accepted: {pages:?}"),
        Err(error) => error.code(),
    }
}

/// The pages whose text contains `needle`.
fn pages_with(pages: &[PageText], needle: &str) -> Vec<u32> {
    pages
        .iter()
        .filter(|p| p.text.contains(needle))
        .map(|p| p.page)
        .collect()
}

#[tokio::test]
async fn libreoffice_pages_keep_their_numbers_and_facts() {
    let pages = extract("multilingual.pdf").await.expect("readable");

    assert_eq!(pages.iter().map(|p| p.page).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(pages_with(&pages, "Bodomcha"), [2]);
    assert_eq!(pages_with(&pages, "drawn in 1402"), [2]);
    assert_eq!(pages_with(&pages, "под синим камнем"), [3]);
    assert_eq!(pages_with(&pages, "Margʻilon shahrida 14-iyun"), [3]);
}

#[tokio::test]
async fn cyrillic_and_uzbek_latin_survive_normalised() {
    let pages = extract("multilingual.pdf").await.expect("readable");
    let first = &pages[0].text;

    for phrase in [
        "Шёлкового пути",
        "Посетителей просят мыть руки",
        "Ushbu qoʻllanma Ipak yoʻli kutubxonasining oʻqish zallari",
        "choʻllarni kesib oʻtgan",
    ] {
        assert!(first.contains(phrase), "{phrase:?} not in {first:?}");
    }
    assert!(pages[1].text.contains("Gʻarbiy derazadan bogʻ koʻrinadi"));
    for page in &pages {
        assert_eq!(page.text, normalize(&page.text), "not NFKC-normalised");
    }
}

#[tokio::test]
async fn characters_drawn_from_a_fallback_font_stay_in_their_words() {
    // C059 has no ʻ: LibreOffice draws each one from another font after the rest of the
    // line. Read in drawing order, "qoʻllanma" came out as "qo llanma … ʻ".
    let pages = extract("fallback-font.pdf").await.expect("readable");

    assert!(
        pages[0]
            .text
            .contains("Ushbu qoʻllanma Ipak yoʻli kutubxonasining oʻqish")
    );
    assert!(pages[1].text.contains("Gʻarbiy derazadan bogʻ koʻrinadi"));
    assert_eq!(pages_with(&pages, "Margʻilon shahrida"), [3]);
    assert!(pages.iter().all(|p| !p.text.contains(" ʻ")), "{pages:?}");
}

#[tokio::test]
async fn visual_lines_are_joined_into_sentences() {
    let pages = extract("multilingual.pdf").await.expect("readable");

    // Each of these runs over a line end in the PDF.
    assert!(
        pages[0]
            .text
            .contains("the collections of the Silk Road Library")
    );
    assert!(pages[0].text.contains("дневники путешественников"));
    // The "fl" ligature of DejaVu Serif comes out as two letters.
    assert!(pages[1].text.contains("on the second floor."));
}

#[tokio::test]
async fn chunks_of_a_real_pdf_cite_the_page_of_their_fact() {
    let pages = extract("multilingual.pdf").await.expect("readable");
    let chunks = chunk_pages(&pages, ChunkConfig::default());

    let page_of = |needle: &str| -> Vec<u32> {
        chunks
            .iter()
            .filter(|c| c.text.contains(needle))
            .map(|c| c.page)
            .collect()
    };
    assert!(!page_of("Bodomcha").is_empty());
    assert!(page_of("Bodomcha").iter().all(|&p| p == 2));
    assert!(!page_of("синим камнем").is_empty());
    assert!(page_of("синим камнем").iter().all(|&p| p == 3));
}

/// The groff source says this (src/hyphenated.ms); the PDFs have it over hyphenated lines.
const GROFF_PHRASES: [&str; 5] = [
    "International organizations publish extraordinarily comprehensive documentation about",
    "administrative responsibilities and environmental considerations.",
    "Characteristically, representatives misunderstand the recommendations,",
    "The Toshkent-Samarqand railway is mentioned",
    "incomprehensibly complicated specifications.",
];

#[tokio::test]
async fn ghostscript_lines_words_and_hyphenation_are_recovered() {
    // Lines placed with Td, justified with Tc/Tw, words split over two Tj for kerning.
    let pages = extract("hyphenated.pdf").await.expect("readable");
    let text = &pages[0].text;

    for phrase in GROFF_PHRASES {
        assert!(text.contains(phrase), "{phrase:?} not in {text:?}");
    }
    assert!(!text.contains("ex-"), "{text:?}");
}

#[tokio::test]
async fn gropdf_lines_hyphenation_and_ligatures_are_recovered() {
    // Lines placed with Tm, TJ kerning, and ligatures only in a ToUnicode map whose codes
    // are written two bytes wide for a one-byte font.
    let pages = extract("gropdf.pdf").await.expect("readable");
    let text = &pages[0].text;

    for phrase in GROFF_PHRASES {
        assert!(text.contains(phrase), "{phrase:?} not in {text:?}");
    }
}

#[tokio::test]
async fn bad_files_give_their_reason() {
    assert_eq!(code_of("encrypted.pdf").await, "encrypted");
    assert_eq!(code_of("encrypted-aes128.pdf").await, "encrypted");
    assert_eq!(code_of("scanned.pdf").await, "no_text");
    assert_eq!(code_of("truncated.pdf").await, "malformed");
    assert_eq!(code_of("not-a-pdf.pdf").await, "not_pdf");
    assert_eq!(code_of("zero-pages.pdf").await, "no_pages");
    assert_eq!(code_of("no-such-file.pdf").await, "unreadable");
}

#[tokio::test]
async fn an_owner_password_alone_does_not_stop_reading() {
    let pages = extract("owner-password-only.pdf").await.expect("readable");
    assert_eq!(pages_with(&pages, "Bodomcha"), [2]);
}

#[tokio::test]
async fn limits_are_enforced() {
    let path = fixture("multilingual.pdf");
    let limits = |max_pages, max_bytes, timeout| PdfLimits {
        max_pages,
        max_bytes,
        timeout,
        budget: PdfBudget::default(),
    };
    let minute = Duration::from_secs(60);

    let error = extract_pages(&path, limits(2, 1 << 20, minute)).await;
    assert_eq!(error, Err(PdfError::TooManyPages { pages: 3, max: 2 }));
    let error = extract_pages(&path, limits(10, 1_000, minute)).await;
    assert_eq!(error.map_err(|e| e.code()), Err("too_large"));
    let bytes = std::fs::read(&path).expect("fixture");
    let error = extract_pages_from_bytes(bytes, limits(10, 1_000, minute)).await;
    assert_eq!(error.map_err(|e| e.code()), Err("too_large"));
}

#[tokio::test]
async fn damaged_copies_never_panic() {
    let original = std::fs::read(fixture("multilingual.pdf")).expect("fixture");
    let mut accepted = 0;
    for i in 1..40 {
        let cut = original.len() * i / 40;
        let mut damaged = original[..cut].to_vec();
        // And a burst of noise in the middle of what is left.
        let at = cut / 2;
        for (k, byte) in damaged.iter_mut().skip(at).take(64).enumerate() {
            *byte = byte.wrapping_mul(31).wrapping_add(k as u8);
        }
        damaged[..5].copy_from_slice(b"%PDF-");
        match extract_pages_from_bytes(damaged, PdfLimits::default()).await {
            Ok(_) => accepted += 1,
            Err(error) => assert!(
                ["malformed", "no_text", "no_pages", "garbled"].contains(&error.code()),
                "{error:?}"
            ),
        }
    }
    // Lenient repair may keep what it can, but a half file is not a whole one.
    assert!(accepted < 39, "every damaged copy was accepted");
}

#[test]
fn text_stats_tell_scans_and_garbage_from_text() {
    const SENTENCE: &str = "The quick brown fox jumps over the lazy dog again and again. ";
    let verdict = |text: &str, pages: u32| {
        let mut stats = TextStats::default();
        stats.add(text);
        stats.verdict(pages, false).map_err(|e| e.code())
    };
    assert_eq!(verdict(&SENTENCE.repeat(2), 1), Ok(()));
    assert_eq!(verdict("Page 1", 1), Err("no_text"));
    let short_note = "This PDF file is encrypted and can't be opened.";
    assert_eq!(verdict(short_note, 1), Ok(()));
    assert_eq!(verdict(&SENTENCE.repeat(2), 10), Err("no_text"));
    let mostly_replacement = "\u{FFFD}".repeat(60) + SENTENCE;
    assert_eq!(verdict(&mostly_replacement, 1), Err("garbled"));
    let some_bullets = "\u{F0B7} ".repeat(3) + &SENTENCE.repeat(3);
    assert_eq!(verdict(&some_bullets, 1), Ok(()));
    let controls: String = (0..100u8).map(|i| char::from(1 + i % 8)).collect();
    assert_eq!(verdict(&(controls + SENTENCE), 1), Err("garbled"));
}

#[test]
fn the_header_may_follow_a_little_junk() {
    assert!(has_pdf_header(b"%PDF-1.7\n"));
    assert!(has_pdf_header(b"\xEF\xBB\xBF\r\n%PDF-1.4"));
    assert!(!has_pdf_header(b"PK\x03\x04 a zip file"));
    assert!(!has_pdf_header(b""));
}

#[test]
fn every_error_has_a_distinct_code_and_a_translated_message() {
    let errors = [
        PdfError::Unreadable("gone".into()),
        PdfError::TooLarge {
            bytes: 80 << 20,
            max: 64 << 20,
        },
        PdfError::NotPdf,
        PdfError::Malformed("xref".into()),
        PdfError::Encrypted,
        PdfError::NoPages,
        PdfError::TooManyPages {
            pages: 2_400,
            max: 2_000,
        },
        PdfError::NoText { chars: 0, pages: 3 },
        PdfError::Garbled {
            bad: 90,
            chars: 100,
        },
        PdfError::Timeout(Duration::from_secs(120)),
        PdfError::TooMuchContent(Exhausted::DocumentBytes),
        PdfError::Cancelled,
    ];
    let mut codes: Vec<_> = errors.iter().map(PdfError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());

    for error in &errors {
        let english = error.message().translate(Lang::En);
        for lang in Lang::ALL {
            let text = error.message().translate(lang);
            assert!(
                !text.is_empty() && !text.contains("pdf-"),
                "{lang:?}: {text}"
            );
            assert!(!text.contains('{'), "unfilled argument: {text}");
            if lang != Lang::En {
                assert_ne!(text, english, "{lang:?} is not translated");
            }
        }
    }
    let too_many = errors[6].message().translate(Lang::Ru);
    assert!(
        too_many.contains("2400") && too_many.contains("2000"),
        "{too_many}"
    );
    let scanned = errors[7].message().translate(Lang::En);
    assert!(
        scanned.contains("scanned") && scanned.contains("OCR"),
        "{scanned}"
    );
}
