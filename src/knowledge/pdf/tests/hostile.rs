//! Files made to hurt the server: each is stopped by the document's budget, quickly, with its
//! reason (issue 25).
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::super::*;
use super::hostile_pdfs::*;

async fn read(pdf: Vec<u8>, budget: PdfBudget) -> Result<Vec<PageText>, PdfError> {
    let limits = PdfLimits {
        budget,
        ..PdfLimits::default()
    };
    extract_pages_from_bytes(pdf, limits).await
}

#[tokio::test]
async fn a_tounicode_bomb_stops_at_the_budget_of_one_stream() {
    let pdf = tounicode_bomb();
    assert!(pdf.len() < 64 * 1024, "{} bytes", pdf.len());
    let started = Instant::now();

    let error = read(pdf, PdfBudget::default()).await;

    assert_eq!(error, Err(PdfError::TooMuchContent(Exhausted::StreamBytes)));
    assert_eq!(error.map_err(|e| e.code()), Err("too_much_content"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn pages_sharing_one_huge_text_stream_stop_on_the_first_page() {
    let pdf = shared_content_pages(2_000, 1 << 20);
    let started = Instant::now();

    let error = read(pdf, PdfBudget::default()).await;

    assert_eq!(error, Err(PdfError::TooMuchContent(Exhausted::PageChars)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_text_of_the_whole_document_is_bounded() {
    // 300 pages of ~2,000 characters: a real document's size, over a small text budget.
    let pdf = shared_content_pages(300, 2_500);
    let small = PdfBudget {
        text_chars: 100_000,
        ..PdfBudget::default()
    };

    let error = read(pdf.clone(), small).await;

    assert_eq!(error, Err(PdfError::TooMuchContent(Exhausted::TextChars)));
    assert!(read(pdf, PdfBudget::default()).await.is_ok());
}

#[tokio::test]
async fn a_stream_drawn_on_every_page_is_charged_on_every_page() {
    // 64 KiB of drawing on each of 600 pages: under the stream budget, over the document's.
    let pdf = shared_drawing_pages(600, 64 << 10);
    let small = PdfBudget {
        document_bytes: 16 << 20,
        ..PdfBudget::default()
    };

    let error = read(pdf, small).await;

    assert_eq!(
        error,
        Err(PdfError::TooMuchContent(Exhausted::DocumentBytes))
    );
}

#[tokio::test]
async fn repeated_width_ranges_are_charged_to_the_font() {
    // Each `0 65535 1` is 65,536 widths: 200 of them would be 13 million inserts.
    let started = Instant::now();

    let error = read(repeated_widths(200), PdfBudget::default()).await;

    assert_eq!(error, Err(PdfError::TooMuchContent(Exhausted::FontEntries)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_unicode_map_over_every_four_byte_code_costs_one_entry() {
    // lopdf would expand this one range into four billion reverse-map entries.
    let cmap = b"1 begincodespacerange\n<00000000> <FFFFFFFF>\nendcodespacerange\n\
                 1 beginbfrange\n<00000000> <FFFFFFFF> <0041>\nendbfrange\n";
    let pdf = super::hand_made::one_page_pdf(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", SENTENCE.repeat(2)).as_bytes(),
        &[&super::hand_made::stream(cmap)],
    );
    let started = Instant::now();

    let pages = read(pdf, PdfBudget::default()).await.expect("readable");

    assert_eq!(pages[0].text, SENTENCE.repeat(2).trim());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_cancelled_reading_stops_inside_its_work() {
    // 2,000 pages of 100 KiB of drawing each: seconds of parsing, all within the budget.
    let path = std::env::temp_dir().join(format!("drawing-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, shared_drawing_pages(2_000, 100 << 10)).expect("written");
    let cancel = CancellationToken::new();
    let started = Instant::now();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.cancel();
    });

    let outcome = extract_pages_until(&path, PdfLimits::default(), &cancel).await;

    std::fs::remove_file(&path).ok();
    assert_eq!(outcome, Err(PdfError::Cancelled));
    // Returned only once the reader had stopped (it waits for the thread).
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
}

/// What one hostile file costs to read: `HOSTILE=bomb|pages|drawing cargo test --lib
/// measure_a_hostile_file -- --ignored --nocapture`. Process CPU time and the peak of the
/// resident set over the reading alone (the peak is reset once the file is made).
#[tokio::test]
#[ignore = "a measurement, run by hand"]
async fn measure_a_hostile_file() {
    let which = std::env::var("HOSTILE").unwrap_or_else(|_| "bomb".into());
    let pdf = match which.as_str() {
        "bomb" => tounicode_bomb(),
        "pages" => shared_content_pages(2_000, 1 << 20),
        _ => shared_drawing_pages(2_000, 100 << 10),
    };
    let bytes = pdf.len();
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak reset");
    let (cpu, rss) = (cpu_seconds(), status_kib("VmRSS:"));
    let started = Instant::now();

    let outcome = extract_pages_from_bytes(pdf, PdfLimits::default()).await;

    let wall = started.elapsed();
    let cpu = cpu_seconds() - cpu;
    let peak = status_kib("VmHWM:").saturating_sub(rss);
    let outcome = outcome.map(|pages| pages.len()).map_err(|e| e.to_string());
    println!(
        "{which} ({bytes} bytes): {outcome:?}; wall {wall:.2?}, CPU {cpu:.2} s, peak RSS +{} MiB",
        peak / 1024
    );
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let after_name = &stat[stat.rfind(')').expect("a name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime: fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
