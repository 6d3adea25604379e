//! How a font's character codes become Unicode: lopdf's decoding, with three repairs.
//!
//! 1. A `ToUnicode` map wins over `/Encoding` for the codes it maps, as the PDF standard
//!    says (9.10.2) and viewers do; lopdf reads only `/Encoding` when there is one. The map
//!    of a one-byte font is looked up by code value whatever its hex width (gropdf writes
//!    `<008c>` for the one-byte code 0x8c; lopdf would never match it).
//! 2. lopdf drops a whole `/Differences` array for one glyph name it does not know
//!    (`uni0416`, `g123`) and silently decodes with StandardEncoding. Here the array is read
//!    again name by name: `uniXXXX`/`uXXXX` names are decoded, unknown names give U+FFFD.
//! 3. A composite font without a `ToUnicode` map has glyph ids for codes; lopdf's
//!    StandardEncoding reading of them looks like text but is garbage. It gives U+FFFD.
//!
//! U+FFFD is what the quality check counts to call a PDF garbled.
use std::collections::HashMap;
use std::sync::LazyLock;

use lopdf::{Dictionary, Document, Encoding, Object};

use super::budget::Budget;
use super::cmap::ToUnicode;

pub(super) struct TextDecoder<'a> {
    /// The font's `ToUnicode` map.
    to_unicode: Option<ToUnicode>,
    /// From `/Encoding`; `None` when the codes cannot be mapped that way.
    encoding: Option<Encoding<'a>>,
    /// One-byte codes whose `/Differences` entry lopdf could not read, and their text
    /// (`None`: a glyph name with no known meaning).
    differences: HashMap<u8, Option<String>>,
}

impl<'a> TextDecoder<'a> {
    pub(super) fn load(
        doc: &'a Document,
        font: &'a Dictionary,
        two_byte: bool,
        budget: &Budget,
    ) -> Self {
        let to_unicode = to_unicode(doc, font, budget);
        let encoding = match font_encoding(doc, font) {
            Ok(Encoding::OneByteEncoding(_)) if two_byte => None,
            // Encodings lopdf cannot decode fail in `write_to_string`: U+FFFD as well.
            Ok(encoding) => Some(encoding),
            Err(error) => {
                tracing::debug!(%error, "unreadable font encoding");
                None
            }
        };
        let differences = match &encoding {
            Some(Encoding::OneByteEncoding(_)) if !two_byte => own_differences(doc, font),
            _ => HashMap::new(),
        };
        TextDecoder {
            to_unicode,
            encoding,
            differences,
        }
    }

    pub(super) fn decode(&self, code: &[u8], out: &mut String) {
        if let Some(map) = &self.to_unicode {
            let value = code.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            // The code's own width first, then the other one.
            let widths: [u8; 2] = if code.len() == 1 { [1, 2] } else { [2, 1] };
            let units = widths.into_iter().find_map(|width| {
                map.get(value, width)
                    .filter(|units| units.as_slice() != [0xFFFD] && !units.is_empty())
            });
            if let Some(units) = units {
                out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
                return;
            }
        }
        if let [byte] = code
            && let Some(text) = self.differences.get(byte)
        {
            out.push_str(text.as_deref().unwrap_or("\u{FFFD}"));
            return;
        }
        let decoded = match &self.encoding {
            Some(encoding) => encoding.write_to_string(code, out).is_ok(),
            None => false,
        };
        if !decoded {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// The font's `ToUnicode` map, if it has a readable one (its stream decoded within the
/// budget, its entries charged to it).
fn to_unicode(doc: &Document, font: &Dictionary, budget: &Budget) -> Option<ToUnicode> {
    let stream = font
        .get_deref(b"ToUnicode", doc)
        .and_then(Object::as_stream)
        .ok()?;
    let cmap = budget.decode(stream)?;
    ToUnicode::parse(&cmap, budget)
}

/// A font with no `/Encoding`, for [`font_encoding`].
static STANDARD_FONT: LazyLock<Dictionary> = LazyLock::new(|| {
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Encoding", Object::Name(b"StandardEncoding".to_vec()));
    font
});

/// The font's `/Encoding` as lopdf reads it, except that lopdf is never let near the
/// `ToUnicode` stream: it reads that stream for a font without `/Encoding` or with an
/// `Identity-H`/`Identity-V` one, without a budget, and expands its ranges one code at a time.
/// Such a font's codes mean nothing without its `ToUnicode` map, which [`to_unicode`] reads.
fn font_encoding<'a>(doc: &'a Document, font: &'a Dictionary) -> lopdf::Result<Encoding<'a>> {
    let Ok(mut encoding) = font.get(b"Encoding") else {
        return STANDARD_FONT.get_font_encoding(doc);
    };
    for _ in 0..8 {
        match encoding {
            Object::Reference(id) => encoding = doc.get_object(*id)?,
            _ => break,
        }
    }
    let base = match encoding {
        Object::Dictionary(dict) => dict.get(b"BaseEncoding").ok(),
        other => Some(other),
    };
    match base.and_then(|o| o.as_name().ok()) {
        Some(b"Identity-H" | b"Identity-V") => Err(lopdf::Error::Unimplemented(
            "identity encoding without a map",
        )),
        // No stream is read on this path: a limit of 0 keeps it so.
        _ => font.get_font_encoding_with_limit(doc, 0),
    }
}

/// The font's `/Differences`, read without lopdf's all-or-nothing rule.
fn own_differences(doc: &Document, font: &Dictionary) -> HashMap<u8, Option<String>> {
    let list = font
        .get_deref(b"Encoding", doc)
        .and_then(Object::as_dict)
        .and_then(|encoding| encoding.get_deref(b"Differences", doc))
        .and_then(Object::as_array);
    let mut differences = HashMap::new();
    let mut code: Option<u8> = None;
    for item in list.map(|l| l.as_slice()).unwrap_or_default() {
        match item {
            Object::Integer(n) => code = u8::try_from(*n).ok(),
            Object::Name(name) => {
                if let Some(c) = code {
                    differences.insert(c, glyph_text(doc, name));
                }
                code = code.and_then(|c| c.checked_add(1));
            }
            _ => {}
        }
    }
    differences
}

/// The text of a glyph name: `uniXXXX[XXXX…]`, `uXXXX[XX]` or a name lopdf knows (the Adobe
/// Glyph List: `Zhe`, `afii10024`, `fi`).
fn glyph_text(doc: &Document, name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    if let Some(hex) = name.strip_prefix("uni")
        && hex.len() % 4 == 0
        && !hex.is_empty()
    {
        let units: Option<Vec<u16>> = (0..hex.len())
            .step_by(4)
            .map(|i| u16::from_str_radix(hex.get(i..i + 4)?, 16).ok())
            .collect();
        return String::from_utf16(&units?).ok();
    }
    if let Some(hex) = name.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
    {
        return Some(c.to_string());
    }
    // Ask lopdf about this one name.
    let entry = vec![Object::Integer(65), Object::Name(name.as_bytes().to_vec())];
    let mut encoding = Dictionary::new();
    encoding.set("Differences", Object::Array(entry));
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Encoding", Object::Dictionary(encoding));
    match font.get_font_encoding(doc) {
        Ok(known @ Encoding::Differences(_)) => {
            known.bytes_to_string(b"A").ok().filter(|t| !t.is_empty())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::glyph_text;

    #[test]
    fn glyph_names_become_text() {
        let doc = lopdf::Document::new();
        let text = |name: &str| glyph_text(&doc, name.as_bytes());
        assert_eq!(text("uni0416").as_deref(), Some("Ж"));
        assert_eq!(text("uni00660069").as_deref(), Some("fi"));
        assert_eq!(text("u1F600").as_deref(), Some("😀"));
        assert_eq!(text("afii10024").as_deref(), Some("Ж"));
        assert_eq!(text("Aacute").as_deref(), Some("Á"));
        assert_eq!(text("fi").as_deref(), Some("\u{FB01}"));
        assert_eq!(text("g123"), None);
        assert_eq!(text("uniD800"), None);
        assert_eq!(text("uni04"), None);
    }
}
