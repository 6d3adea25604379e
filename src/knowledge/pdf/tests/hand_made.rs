//! PDFs written byte by byte, for what real tools will not make: undecodable fonts, broken
//! pages, text in form XObjects, thousands of pages.
use std::time::Duration;

use super::super::*;

const SENTENCE: &str = "The quick brown fox jumps over the lazy dog again and again. ";

/// A PDF from numbered object bodies, with a correct cross-reference table. Object 1 must
/// be the catalog.
fn hand_made_pdf(objects: &[&[u8]]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    let trailer = format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.extend_from_slice(trailer.as_bytes());
    pdf
}

pub(super) fn stream(content: &[u8]) -> Vec<u8> {
    stream_with("", content)
}

fn stream_with(entries: &str, content: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {entries} /Length {} >>\nstream\n", content.len()).into_bytes();
    s.extend_from_slice(content);
    s.extend_from_slice(b"\nendstream");
    s
}

/// One page showing `content` with font /F1 = object 5.
pub(super) fn one_page_pdf(font: &[u8], content: &[u8], extra: &[&[u8]]) -> Vec<u8> {
    let page_content = stream(content);
    let mut objects: Vec<&[u8]> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
           /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        &page_content,
        font,
    ];
    objects.extend_from_slice(extra);
    hand_made_pdf(&objects)
}

/// `pages` pages that share one content stream and font.
fn many_pages_pdf(pages: usize) -> Vec<u8> {
    let kids: String = (0..pages).map(|i| format!("{} 0 R ", i + 5)).collect();
    let tree = format!("<< /Type /Pages /Kids [{kids}] /Count {pages} >>");
    let content = stream(format!("BT /F1 12 Tf 72 720 Td ({SENTENCE}) Tj ET").as_bytes());
    let page =
        b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>";
    let mut objects: Vec<&[u8]> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>",
        tree.as_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        &content,
    ];
    objects.extend(std::iter::repeat_n(page.as_slice(), pages));
    hand_made_pdf(&objects)
}

#[tokio::test]
async fn hand_made_text_pdf_is_read() {
    let content = format!(
        "BT /F1 12 Tf 72 720 Td ({}) Tj 0 -14 Td ({}) Tj ET",
        SENTENCE.repeat(2),
        SENTENCE.trim()
    );
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
    let pdf = one_page_pdf(font, content.as_bytes(), &[]);

    let pages = extract_pages_from_bytes(pdf, PdfLimits::default())
        .await
        .expect("readable");
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].text, SENTENCE.repeat(3).trim());
}

#[tokio::test]
async fn a_composite_font_without_unicode_map_is_garbled() {
    // Identity-H with no ToUnicode: the codes are glyph ids, and lopdf alone would read
    // them as StandardEncoding and give plausible-looking garbage.
    let glyphs: String = (0..400).map(|i| format!("{:04X}", 36 + i % 40)).collect();
    let content = format!("BT /F1 12 Tf 72 720 Td <{glyphs}> Tj ET");
    let font = b"<< /Type /Font /Subtype /Type0 /BaseFont /AAAAAA+Some \
                 /Encoding /Identity-H /DescendantFonts [6 0 R] >>";
    let descendant: &[u8] = b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /AAAAAA+Some \
        /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 >>";
    let pdf = one_page_pdf(font, content.as_bytes(), &[descendant]);

    let error = extract_pages_from_bytes(pdf, PdfLimits::default()).await;
    assert_eq!(error.map_err(|e| e.code()), Err("garbled"));
}

#[tokio::test]
async fn text_mapped_to_private_use_characters_is_garbled() {
    // A ToUnicode map that sends every code to the Private Use Area, as symbol fonts do.
    let cmap = stream(
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
          /CMapName /PrivateUse def\n/CMapType 2 def\n\
          1 begincodespacerange\n<00> <FF>\nendcodespacerange\n\
          1 beginbfrange\n<20> <7E> <E020>\nendbfrange\n\
          endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n",
    );
    let content = format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", SENTENCE.repeat(3));
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>";
    let pdf = one_page_pdf(font, content.as_bytes(), &[&cmap]);

    let error = extract_pages_from_bytes(pdf, PdfLimits::default()).await;
    assert_eq!(error.map_err(|e| e.code()), Err("garbled"));
}

#[tokio::test]
async fn glyph_names_lopdf_does_not_know_are_read_one_by_one() {
    // lopdf drops the whole /Differences for one unknown name and reads StandardEncoding:
    // "A" would come out as "A", not "Ж".
    let content = format!("BT /F1 12 Tf 72 720 Td ({SENTENCE}A B C) Tj ET");
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Custom \
                 /Encoding << /Differences [65 /uni0416 /g123 /afii10017] >> >>";
    let pdf = one_page_pdf(font, content.as_bytes(), &[]);

    let pages = extract_pages_from_bytes(pdf, PdfLimits::default())
        .await
        .expect("readable");
    // g123 means nothing: U+FFFD, dropped from the text.
    assert_eq!(pages[0].text, format!("{SENTENCE}Ж А"));
}

#[tokio::test]
async fn a_page_that_cannot_be_read_is_empty_not_fatal() {
    // Page 2 is its own parent: looking up its inherited resources runs in a circle.
    let good = stream(format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", SENTENCE.repeat(2)).as_bytes());
    let pdf = hand_made_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        &good,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 6 0 R /Contents 4 0 R >>",
    ]);

    let pages = extract_pages_from_bytes(pdf, PdfLimits::default())
        .await
        .expect("readable");
    assert_eq!(pages.len(), 2);
    assert!(pages[0].text.starts_with("The quick brown fox"));
    assert_eq!(pages[1].text, "");
}

#[tokio::test]
async fn text_in_form_xobjects_is_found() {
    let form = stream_with(
        "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>",
        format!("BT /F1 12 Tf 0 0 Td ({}) Tj ET", SENTENCE.trim()).as_bytes(),
    );
    let pdf = hand_made_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Resources << /XObject << /X1 6 0 R >> >> /Contents 4 0 R >>",
        &stream(b"q 1 0 0 1 72 700 cm /X1 Do Q"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        &form,
    ]);

    let pages = extract_pages_from_bytes(pdf, PdfLimits::default())
        .await
        .expect("readable");
    assert_eq!(pages[0].text, SENTENCE.trim());
}

#[tokio::test]
async fn the_default_limits_stop_a_long_pdf() {
    let error = extract_pages_from_bytes(many_pages_pdf(2_001), PdfLimits::default()).await;
    assert_eq!(
        error,
        Err(PdfError::TooManyPages {
            pages: 2_001,
            max: 2_000
        })
    );

    // Loading 2,000 pages alone takes longer than a millisecond.
    let limits = PdfLimits {
        timeout: Duration::from_millis(1),
        ..PdfLimits::default()
    };
    let error = extract_pages_from_bytes(many_pages_pdf(2_000), limits).await;
    assert_eq!(error, Err(PdfError::Timeout(Duration::from_millis(1))));
}
