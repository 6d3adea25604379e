//! Tests of the whole renderer: text extracted back out of the PDF, page breaks, fonts,
//! dates, bounds, and speed and safety on hostile Markdown.

use std::time::{Duration, Instant};

use lopdf::Document;
use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::fonts::Metrics;
use super::layout::layout;
use super::style::{MARGIN, RIGHT, TOP};
use super::{PrintedChat, PrintedMessage, render};

const SAMPLE: &str = "# Sayohat rejasi

Salom! **Muhim:** poyezd `Afrosiyob` soat 8:00 da joʻnaydi. Oʻzbekiston, gʻalaba, maʼlumot.

Русский текст: Поезд идёт *два часа*.

- Toshkent
  - Samarqand
    - Buxoro
- Xiva

1. birinchi
2. ikkinchi

```rust
fn main() {
    let x = 1;
    if x > 0 {
        return;
    }
}
```

| Shahar | Masofa |
|---|---:|
| Samarqand | 300 km |
| Buxoro | 570 km |

> Iqtibos matni

---

<b>raw html</b>
";

fn chat(title: &str, markdown: &str) -> PrintedChat {
    PrintedChat {
        title: title.to_string(),
        details: "User: dilnoza · Model: gpt-4o-mini · Started: 21 Nov 2026, 14:05".into(),
        messages: vec![
            PrintedMessage {
                who: "User".into(),
                when: "21 Nov 2026, 14:05".into(),
                markdown: "Samarqandga qanday boraman?".into(),
            },
            PrintedMessage {
                who: "Assistant (gpt-4o-mini)".into(),
                when: "21 Nov 2026, 14:06".into(),
                markdown: markdown.into(),
            },
        ],
    }
}

/// A fixed creation date: 21 Nov 2026, 14:05:30 in Tashkent (UTC+5).
fn created() -> OffsetDateTime {
    let offset = UtcOffset::from_hms(5, 0, 0).unwrap();
    Date::from_calendar_date(2026, Month::November, 21)
        .and_then(|day| day.with_hms(14, 5, 30))
        .unwrap()
        .assume_offset(offset)
}

/// The text of each page, as lopdf extracts it.
fn pages_text(bytes: &[u8]) -> Vec<String> {
    let doc = Document::load_mem(bytes).expect("a valid PDF");
    doc.get_pages()
        .keys()
        .map(|n| doc.extract_text(&[*n]).expect("extractable text"))
        .collect()
}

fn assert_fast(started: Instant) {
    let took = started.elapsed();
    eprintln!("render took {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn markdown_prints_its_structure_and_no_markers() {
    let bytes = render(&[chat("Sayohat — Поездка", SAMPLE)], created()).unwrap();
    let text = pages_text(&bytes).join("\n");
    for word in [
        "Sayohat rejasi",
        "Muhim:",
        "Afrosiyob",
        "Oʻzbekiston",
        "gʻalaba",
        "maʼlumot",
        "Поезд идёт два часа",
        "Toshkent",
        "Buxoro",
        "birinchi",
        "fn main() {",
        "Shahar",
        "570 km",
        "Iqtibos matni",
        "<b>raw html</b>",
        "Assistant (gpt-4o-mini) · 21 Nov 2026, 14:06",
    ] {
        assert!(text.contains(word), "{word:?} missing from:\n{text}");
    }
    for marker in ["```", "**", "`", "# Sayohat", "|---", "| Shahar"] {
        assert!(!text.contains(marker), "{marker:?} printed:\n{text}");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"    let x = 1;"), "{lines:#?}");
    assert!(lines.contains(&"        return;"), "{lines:#?}");
}

#[test]
fn each_face_is_embedded_only_when_used_and_subset() {
    let bytes = render(&[chat("Fonts", SAMPLE)], created()).unwrap();
    let doc = Document::load_mem(&bytes).unwrap();
    let names: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Type0"))
        .filter_map(|d| d.get(b"BaseFont").and_then(|n| n.as_name()).ok())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    for face in ["DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"] {
        assert!(
            names
                .iter()
                .any(|n| n.len() == face.len() + 7 && n.ends_with(&format!("+{face}"))),
            "{face} not in {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.contains("MonoBoldOblique")),
        "{names:?}"
    );
    assert!(
        bytes.len() < 400_000,
        "{} bytes: fonts not subset?",
        bytes.len()
    );
}

#[test]
fn a_long_table_repeats_its_header_on_the_next_page() {
    let rows: String = (1..=120).map(|i| format!("| {i} | qator |\n")).collect();
    let markdown = format!("| Raqam | Matn |\n|---|---|\n{rows}");
    let pages = pages_text(&render(&[chat("Table", &markdown)], created()).unwrap());
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for page in &pages {
        assert_eq!(page.matches("Raqam").count(), 1, "{page}");
    }
    assert!(pages.concat().contains("120"));
}

#[test]
fn raw_html_blocks_print_as_text_line_by_line() {
    let markdown = "<div class=\"x\">\n<script>alert(1)</script>\n</div>\n\nAfter.";
    let text = pages_text(&render(&[chat("Html", markdown)], created()).unwrap()).concat();
    let lines: Vec<&str> = text.lines().collect();
    for line in [
        "<div class=\"x\">",
        "<script>alert(1)</script>",
        "</div>",
        "After.",
    ] {
        assert!(lines.contains(&line), "{line:?} not a line of:\n{text}");
    }
}

#[test]
fn no_chats_give_a_valid_one_page_pdf() {
    let bytes = render(&[], created()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(pages_text(&bytes).len(), 1);
}

#[test]
fn every_chat_starts_on_its_own_page() {
    let chats: Vec<_> = ["Birinchi", "Второй", "Third"]
        .iter()
        .map(|t| chat(t, "Qisqa javob."))
        .collect();
    let pages = pages_text(&render(&chats, created()).unwrap());
    assert_eq!(pages.len(), 3);
    for (page, title) in pages.iter().zip(["Birinchi", "Второй", "Third"]) {
        assert!(page.contains(title), "{page}");
    }
    assert!(pages[2].contains("3 / 3"), "{}", pages[2]);
}

#[test]
fn a_long_unbreakable_word_wraps_fast() {
    let started = Instant::now();
    let bytes = render(&[chat("Word", &"x".repeat(32_000))], created()).unwrap();
    assert_fast(started);
    let text = pages_text(&bytes).concat();
    assert_eq!(text.matches('x').count(), 32_000);
}

#[test]
fn a_run_of_combining_marks_wraps_fast() {
    let marks = format!("a{}", "\u{0301}".repeat(32_000));
    let started = Instant::now();
    let bytes = render(&[chat("Marks", &format!("{marks} {marks}"))], created()).unwrap();
    assert_fast(started);
    Document::load_mem(&bytes).unwrap();
    let started = Instant::now();
    render(&[chat("Code", &format!("```\n{marks}\n```"))], created()).unwrap();
    assert_fast(started);
    let started = Instant::now();
    render(
        &[chat("Tabs", &format!("```\n{}\n```", "\t".repeat(32_000)))],
        created(),
    )
    .unwrap();
    assert_fast(started);
}

#[test]
fn a_long_code_block_continues_on_the_next_pages() {
    let code: String = (0..300).map(|i| format!("    line {i}\n")).collect();
    let pages =
        pages_text(&render(&[chat("Code", &format!("```\n{code}```"))], created()).unwrap());
    assert!(pages.len() >= 3, "{} pages", pages.len());
    assert!(
        pages[1].lines().any(|l| l.starts_with("    line ")),
        "{}",
        pages[1]
    );
    assert!(pages.concat().contains("    line 299"));
}

#[test]
fn long_code_lines_wrap_and_keep_every_character() {
    let long = format!("        let s = \"{}\";", "ab".repeat(200));
    let bytes = render(&[chat("Wide", &format!("```\n{long}\n```"))], created()).unwrap();
    let text = pages_text(&bytes).concat();
    assert_eq!(text.replace('\n', "").matches("ab").count(), 200, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("        let s = \"abab"))
    );
}

#[test]
fn nothing_is_drawn_outside_the_text_area() {
    let long_table = (0..80)
        .map(|i| format!("| {i} | {} |\n", "so'z ".repeat(i % 30)))
        .collect::<String>();
    let markdown = format!(
        "{SAMPLE}\n\n| a | b |\n|---|---|\n{long_table}\n\n{}",
        "> - nested\n>   1. deep `code` text ".repeat(40)
    );
    let metrics = Metrics::load().unwrap();
    let pages = layout(&metrics, &[chat("Bounds", &markdown)]);
    assert!(pages.len() > 2);
    for placement in pages.iter().flatten() {
        assert!(placement.top <= TOP + 0.01, "{placement:?}");
        assert!(
            placement.top - placement.line.height >= MARGIN - 0.01,
            "{placement:?}"
        );
        for placed in &placement.line.texts {
            assert!(placed.x >= MARGIN / 2.0, "{placed:?}");
            assert!(placed.x + placed.run.width <= RIGHT + 0.01, "{placed:?}");
        }
    }
}

#[test]
fn characters_missing_from_the_fonts_do_not_break_anything() {
    let text = "emoji \u{1F9EA} private \u{E000} last \u{10FFFF} nul \0 tag a\u{E0041}b tab\tend";
    let markdown = format!("{text}\n\n```\n{text}\n```\n\n| {text} |\n|-|\n| x |");
    let bytes = render(&[chat(text, &markdown)], created()).unwrap();
    let all = pages_text(&bytes).concat();
    assert!(
        all.contains("emoji ? private ? last ? nul tag ab tab end"),
        "{all}"
    );
    assert!(
        all.contains("emoji ? private ? last ? nul  tag ab tab  end"),
        "{all}"
    );
}

#[test]
fn deep_nesting_and_odd_tables_are_safe_and_fast() {
    let started = Instant::now();
    let inputs = [
        format!("{} quoted", ">".repeat(5_000)),
        format!("{}item", "- ".repeat(3_000)),
        (0..2_000)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect(),
        format!("{}\n", "*a ".repeat(5_000)),
        format!(
            "|{}\n|{}\n|{}",
            "a|".repeat(500),
            "-|".repeat(500),
            "b|".repeat(500)
        ),
        "| a | b |\n|---|---|\n| only one |\n| 1 | 2 | 3 | 4 |".to_string(),
        "1. \n2.\n-\n>\n```\n".to_string(),
        "999999999999999. big number\n".to_string(),
    ];
    for markdown in &inputs {
        let bytes = render(&[chat("Odd", markdown)], created()).unwrap();
        Document::load_mem(&bytes).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Random Markdown-ish text: rendering never fails and always gives a readable PDF.
#[test]
fn random_markdown_always_renders() {
    let alphabet: Vec<char> = "ab yЖʻ*_`~#>-+|:.1\n\n\t\\[]()!<>/😀\u{0301}"
        .chars()
        .collect();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..60 {
        let text: String = (0..400)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let bytes = render(&[chat(&text, &text)], created()).unwrap();
        Document::load_mem(&bytes).unwrap();
    }
}

#[test]
fn the_creation_date_is_the_callers_in_utc() {
    let doc = Document::load_mem(&render(&[], created()).unwrap()).unwrap();
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .unwrap();
    let info = doc.get_dictionary(info).unwrap();
    for key in [&b"CreationDate"[..], b"ModDate"] {
        let date = info.get(key).and_then(|o| o.as_str()).unwrap();
        assert_eq!(
            date,
            b"D:20261121090530+00'00'",
            "{}",
            String::from_utf8_lossy(key)
        );
    }
}
