//! Chats as a PDF, written on the server with lopdf. The text is set in DejaVu Sans (from the
//! `dejavu` crate), embedded as a Unicode (Type0 / Identity-H) font, so Uzbek, Russian and
//! English all print, and copying text out of the PDF works (ToUnicode map).
use std::collections::BTreeMap;

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, ObjectId, Stream, StringFormat, dictionary};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY_SIZE: f32 = 10.5;
const HEADER_SIZE: f32 = 15.0;
const META_SIZE: f32 = 8.5;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font cannot be read: {0}")]
    Font(String),
    #[error("could not write the PDF: {0}")]
    Write(#[from] lopdf::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Lays out text line by line and page by page, then writes the document.
pub struct PdfBuilder {
    font: ttf_parser::Face<'static>,
    pages: Vec<Content>,
    current: Vec<Operation>,
    y: f32,
    used: BTreeMap<u16, char>,
}

impl PdfBuilder {
    pub fn new() -> Result<Self, PdfError> {
        let font = ttf_parser::Face::parse(dejavu::sans::regular(), 0)
            .map_err(|e| PdfError::Font(e.to_string()))?;
        Ok(PdfBuilder {
            font,
            pages: Vec::new(),
            current: Vec::new(),
            y: PAGE_HEIGHT - MARGIN,
            used: BTreeMap::new(),
        })
    }

    fn glyph(&mut self, c: char) -> u16 {
        let id = self
            .font
            .glyph_index(c)
            .or_else(|| self.font.glyph_index('?'))
            .map(|g| g.0)
            .unwrap_or(0);
        self.used.entry(id).or_insert(c);
        id
    }

    /// The advance of one character, in points at `size`.
    fn advance(&self, c: char, size: f32) -> f32 {
        let units = f32::from(self.font.units_per_em());
        self.font
            .glyph_index(c)
            .and_then(|g| self.font.glyph_hor_advance(g))
            .map_or(500.0, f32::from)
            * size
            / units
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// Splits a paragraph into lines that fit the page width. Widths are summed as the line
    /// grows, so the work is linear in the text (a run of 32,000 zero-width combining marks
    /// included).
    fn wrap(&self, paragraph: &str, size: f32) -> Vec<String> {
        let max = PAGE_WIDTH - 2.0 * MARGIN;
        let space = self.advance(' ', size);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split(' ') {
            let word_width = self.width(word, size);
            let joined = if line.is_empty() {
                word_width
            } else {
                line_width + space + word_width
            };
            if joined <= max {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width = joined;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if word_width <= max {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            // A word longer than a line is cut where it must be.
            for c in word.chars() {
                let width = self.advance(c, size);
                if line_width + width > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += width;
            }
        }
        lines.push(line);
        lines
    }

    pub fn new_page(&mut self) {
        if !self.current.is_empty() {
            self.pages.push(Content {
                operations: std::mem::take(&mut self.current),
            });
        }
        self.y = PAGE_HEIGHT - MARGIN;
    }

    fn line(&mut self, text: &str, size: f32, gray: f32) {
        let height = size * 1.4;
        if self.y - height < MARGIN {
            self.new_page();
        }
        self.y -= height;
        let glyphs: Vec<u8> = text
            .chars()
            .map(|c| self.glyph(c))
            .flat_map(u16::to_be_bytes)
            .collect();
        self.current.extend([
            Operation::new("BT", vec![]),
            Operation::new("rg", vec![gray.into(), gray.into(), gray.into()]),
            Operation::new("Tf", vec!["F1".into(), size.into()]),
            Operation::new("Td", vec![MARGIN.into(), self.y.into()]),
            Operation::new(
                "Tj",
                vec![Object::String(glyphs, StringFormat::Hexadecimal)],
            ),
            Operation::new("ET", vec![]),
        ]);
    }

    fn paragraphs(&mut self, text: &str, size: f32, gray: f32) {
        for paragraph in text.split('\n') {
            let paragraph = paragraph.replace('\t', "    ").replace('\r', "");
            for line in self.wrap(&paragraph, size) {
                self.line(&line, size, gray);
            }
        }
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    pub fn header(&mut self, title: &str, details: &str) {
        self.paragraphs(title, HEADER_SIZE, 0.0);
        self.paragraphs(details, META_SIZE, 0.35);
        self.space(8.0);
    }

    pub fn message(&mut self, who: &str, text: &str) {
        self.paragraphs(who, META_SIZE, 0.4);
        self.paragraphs(text, BODY_SIZE, 0.0);
        self.space(6.0);
    }

    fn to_unicode(&self) -> Vec<u8> {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) \
             /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.used.iter().collect();
        for chunk in entries.chunks(100) {
            cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (glyph, c) in chunk {
                let mut units = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                cmap.push_str(&format!("<{glyph:04X}> <{hex}>\n"));
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        cmap.into_bytes()
    }

    fn font_object(&self, doc: &mut Document) -> Result<ObjectId, PdfError> {
        let bytes = dejavu::sans::regular();
        let mut file = Stream::new(
            dictionary! { "Length1" => bytes.len() as i64 },
            bytes.to_vec(),
        );
        file.compress()?;
        let file_id = doc.add_object(file);
        let units = f32::from(self.font.units_per_em());
        let scale = |v: i16| (f32::from(v) * 1000.0 / units) as i64;
        let bbox = self.font.global_bounding_box();
        let descriptor = doc.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "DejaVuSans", "Flags" => 32,
            "FontBBox" => vec![scale(bbox.x_min).into(), scale(bbox.y_min).into(), scale(bbox.x_max).into(), scale(bbox.y_max).into()],
            "ItalicAngle" => 0, "Ascent" => scale(self.font.ascender()), "Descent" => scale(self.font.descender()),
            "CapHeight" => scale(self.font.capital_height().unwrap_or(self.font.ascender())), "StemV" => 80,
            "FontFile2" => file_id,
        });
        let mut widths = Vec::new();
        for glyph in self.used.keys() {
            let advance = self
                .font
                .glyph_hor_advance(ttf_parser::GlyphId(*glyph))
                .unwrap_or(0);
            widths.push(Object::Integer(i64::from(*glyph)));
            widths.push(Object::Array(vec![Object::Integer(
                (f32::from(advance) * 1000.0 / units) as i64,
            )]));
        }
        let cid_font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "DejaVuSans",
            "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
            "FontDescriptor" => descriptor, "CIDToGIDMap" => "Identity", "W" => widths,
        });
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, self.to_unicode()));
        Ok(doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "DejaVuSans", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![cid_font.into()], "ToUnicode" => to_unicode,
        }))
    }

    /// Writes the whole document.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        self.new_page();
        if self.pages.is_empty() {
            self.pages.push(Content {
                operations: Vec::new(),
            });
        }
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let font_id = self.font_object(&mut doc)?;
        let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
        let mut kids = Vec::new();
        for content in std::mem::take(&mut self.pages) {
            let mut stream = Stream::new(dictionary! {}, content.encode()?);
            stream.compress()?;
            let content_id = doc.add_object(stream);
            let page = doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
            });
            kids.push(page.into());
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multilingual_chat_becomes_a_readable_pdf() {
        let mut pdf = PdfBuilder::new().unwrap();
        pdf.header("Sayohat rejasi — Поездка", "user: dilnoza · 2026-11-21");
        pdf.message("User", "Samarqandga qanday boraman?");
        pdf.message("Assistant", &"Поезд «Афросиёб» идёт два часа. ".repeat(200));
        let bytes = pdf.finish().unwrap();
        assert!(bytes.starts_with(b"%PDF-1.7"));
        let doc = Document::load_mem(&bytes).expect("a valid PDF");
        assert!(
            doc.get_pages().len() >= 2,
            "long text flows onto more pages"
        );
        let text = doc.extract_text(&[1]).unwrap_or_default();
        assert!(text.contains("Samarqandga"), "{text}");
    }

    #[test]
    fn a_run_of_zero_width_marks_wraps_in_linear_time() {
        let mut pdf = PdfBuilder::new().unwrap();
        let marks = format!("a{}", "\u{0301}".repeat(32_000));
        let started = std::time::Instant::now();
        pdf.message(
            "User",
            &format!("{marks} {marks} {}", "word ".repeat(2_000)),
        );
        let bytes = pdf.finish().unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        Document::load_mem(&bytes).expect("a valid PDF");
    }
}
