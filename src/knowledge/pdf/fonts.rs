//! What the page walker needs from a font: the Unicode text of a character code and how far
//! the code moves the pen (to tell a word gap from a kerning pair).
use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::budget::Budget;
use super::unicode::TextDecoder;

/// Glyph widths are in thousandths of the font size, except in Type3 fonts (`FontMatrix`).
const GLYPH_SCALE: f32 = 0.001;
/// A guess for a font that lists no widths (the standard 14 fonts may omit them).
const UNKNOWN_WIDTH: f32 = 500.0;

/// The fonts met so far in one document, loaded once (a `ToUnicode` map is parsed once, not
/// on every page that uses the font).
pub(super) struct FontCache<'a, 'b> {
    doc: &'a Document,
    budget: &'b Budget<'b>,
    fonts: Vec<Font<'a>>,
    /// Fonts are told apart by their dictionary: the same object wherever it is named.
    by_dict: HashMap<*const Dictionary, usize>,
}

impl<'a, 'b> FontCache<'a, 'b> {
    pub(super) fn new(doc: &'a Document, budget: &'b Budget<'b>) -> Self {
        FontCache {
            doc,
            budget,
            fonts: Vec::new(),
            by_dict: HashMap::new(),
        }
    }

    /// The font's index, loading it on first use.
    pub(super) fn index(&mut self, dict: &'a Dictionary) -> usize {
        let (doc, fonts, budget) = (self.doc, &mut self.fonts, self.budget);
        *self
            .by_dict
            .entry(std::ptr::from_ref(dict))
            .or_insert_with(|| {
                fonts.push(Font::load(doc, dict, budget));
                fonts.len() - 1
            })
    }

    pub(super) fn get(&self, index: usize) -> Option<&Font<'a>> {
        self.fonts.get(index)
    }
}

pub(super) struct Font<'a> {
    text: TextDecoder<'a>,
    /// Composite (Type0) fonts use two-byte codes (true of Identity-H and of nearly every
    /// CMap met in practice; a mixed-width CMap is read as two-byte too).
    two_byte: bool,
    widths: Widths,
    scale: f32,
}

enum Widths {
    Simple {
        first: u32,
        widths: Vec<f32>,
        missing: f32,
    },
    Cid {
        widths: HashMap<u32, f32>,
        default: f32,
    },
}

impl<'a> Font<'a> {
    fn load(doc: &'a Document, dict: &'a Dictionary, budget: &Budget) -> Font<'a> {
        let subtype = dict.get(b"Subtype").and_then(Object::as_name).ok();
        let two_byte = subtype == Some(b"Type0".as_slice());
        let text = TextDecoder::load(doc, dict, two_byte, budget);
        let widths = if two_byte {
            cid_widths(doc, dict, budget)
        } else {
            simple_widths(doc, dict)
        };
        let scale = match subtype {
            Some(b"Type3") => type3_scale(doc, dict),
            _ => GLYPH_SCALE,
        };
        Font {
            text,
            two_byte,
            widths,
            scale,
        }
    }

    /// The codes of a shown string, each with its bytes.
    pub(super) fn codes<'s>(&self, bytes: &'s [u8]) -> impl Iterator<Item = &'s [u8]> {
        bytes.chunks(if self.two_byte { 2 } else { 1 })
    }

    /// Appends the text of one code (U+FFFD when it has none that can be known).
    pub(super) fn decode(&self, code: &[u8], out: &mut String) {
        self.text.decode(code, out);
    }

    /// How far the code moves the pen, as a fraction of the font size.
    pub(super) fn advance(&self, code: &[u8]) -> f32 {
        let code = code.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        let width = match &self.widths {
            Widths::Simple {
                first,
                widths,
                missing,
            } => code
                .checked_sub(*first)
                .and_then(|i| widths.get(i as usize))
                .copied()
                .unwrap_or(*missing),
            Widths::Cid { widths, default } => widths.get(&code).copied().unwrap_or(*default),
        };
        width * self.scale
    }

    /// Whether word spacing (`Tw`) applies to this code: only to a single-byte space.
    pub(super) fn is_word_space(&self, code: &[u8]) -> bool {
        !self.two_byte && code == b" "
    }
}

fn number(doc: &Document, object: &Object) -> Option<f32> {
    doc.dereference(object)
        .ok()
        .and_then(|(_, object)| object.as_float().ok())
}

fn array<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Vec<Object>> {
    dict.get_deref(key, doc).and_then(Object::as_array).ok()
}

fn simple_widths(doc: &Document, dict: &Dictionary) -> Widths {
    let first = dict
        .get(b"FirstChar")
        .ok()
        .and_then(|o| number(doc, o))
        .map_or(0, |n| n.max(0.0) as u32);
    let widths = array(doc, dict, b"Widths")
        .map(|list| {
            list.iter()
                .map(|o| number(doc, o).unwrap_or(UNKNOWN_WIDTH))
                .collect()
        })
        .unwrap_or_default();
    let missing = dict
        .get_deref(b"FontDescriptor", doc)
        .and_then(Object::as_dict)
        .ok()
        .and_then(|d| d.get(b"MissingWidth").ok())
        .and_then(|o| number(doc, o))
        .filter(|w| *w > 0.0)
        .unwrap_or(UNKNOWN_WIDTH);
    Widths::Simple {
        first,
        widths,
        missing,
    }
}

/// `W` of the descendant CIDFont: `c [w1 w2 ...]` or `c_first c_last w`. Codes are taken
/// as CIDs (true of Identity-H, the encoding nearly all generators use). Every width listed
/// is charged to the budget: `0 65535 1` is 65,536 of them, and a font may say it again and
/// again.
fn cid_widths(doc: &Document, dict: &Dictionary, budget: &Budget) -> Widths {
    let descendant = array(doc, dict, b"DescendantFonts")
        .and_then(|list| list.first())
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok());
    let default = descendant
        .and_then(|d| d.get(b"DW").ok())
        .and_then(|o| number(doc, o))
        .unwrap_or(1000.0);
    let mut widths = HashMap::new();
    let list = descendant.and_then(|d| array(doc, d, b"W"));
    let mut items = list.map(|l| l.as_slice()).unwrap_or_default().iter();
    // A hostile W could list billions of CIDs in one range; real fonts have < 65,536 glyphs.
    const MAX_CID: f32 = 65_535.0;
    let mut listed = 0usize;
    while let Some(first) = items.next().and_then(|o| number(doc, o)) {
        let Some(next) = items.next() else { break };
        let first = first.clamp(0.0, MAX_CID) as u32;
        if let Ok((_, Object::Array(run))) = doc.dereference(next) {
            let count = run.len().min((MAX_CID as u32 - first) as usize + 1);
            listed = listed.saturating_add(count);
            if !budget.font_entries(count, listed) {
                break;
            }
            let cids = first..=MAX_CID as u32;
            for (cid, w) in cids.zip(run) {
                widths.insert(cid, number(doc, w).unwrap_or(default));
            }
        } else {
            let last = number(doc, next).map_or(0, |n| n.clamp(0.0, MAX_CID) as u32);
            let Some(w) = items.next().and_then(|o| number(doc, o)) else {
                break;
            };
            let count = (last + 1).saturating_sub(first) as usize;
            listed = listed.saturating_add(count);
            if !budget.font_entries(count, listed) {
                break;
            }
            for cid in first..=last {
                widths.insert(cid, w);
            }
        }
    }
    Widths::Cid { widths, default }
}

fn type3_scale(doc: &Document, dict: &Dictionary) -> f32 {
    array(doc, dict, b"FontMatrix")
        .and_then(|m| m.first())
        .and_then(|o| number(doc, o))
        .map_or(GLYPH_SCALE, f32::abs)
}
