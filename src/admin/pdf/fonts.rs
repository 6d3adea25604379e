//! The DejaVu faces: which ones there are, their glyph coverage and advances, and each used
//! face subset to the characters drawn and added to the document.

use std::borrow::Cow;
use std::collections::BTreeSet;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::{FontId, ParsedFont, PdfDocument};

use super::PdfError;
use super::flow::Line;

/// The DejaVu faces the document can use. Each is embedded only if some text uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Face {
    Sans,
    SansBold,
    SansItalic,
    SansBoldItalic,
    Mono,
    MonoBold,
    MonoItalic,
    MonoBoldItalic,
}

const FACES: [Face; 8] = [
    Face::Sans,
    Face::SansBold,
    Face::SansItalic,
    Face::SansBoldItalic,
    Face::Mono,
    Face::MonoBold,
    Face::MonoItalic,
    Face::MonoBoldItalic,
];

impl Face {
    pub(super) fn of(bold: bool, italic: bool, mono: bool) -> Face {
        match (mono, bold, italic) {
            (false, false, false) => Face::Sans,
            (false, true, false) => Face::SansBold,
            (false, false, true) => Face::SansItalic,
            (false, true, true) => Face::SansBoldItalic,
            (true, false, false) => Face::Mono,
            (true, true, false) => Face::MonoBold,
            (true, false, true) => Face::MonoItalic,
            (true, true, true) => Face::MonoBoldItalic,
        }
    }

    /// The face's place in `FACES`, and in every per-face list indexed by it.
    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// The proportional face of the same weight and slant: DejaVu Sans covers more
    /// characters than DejaVu Sans Mono, so it is where a code character missing from the
    /// mono face is looked for.
    fn sans(self) -> Face {
        match self {
            Face::Mono => Face::Sans,
            Face::MonoBold => Face::SansBold,
            Face::MonoItalic => Face::SansItalic,
            Face::MonoBoldItalic => Face::SansBoldItalic,
            other => other,
        }
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Sans => dejavu::sans::regular(),
            Face::SansBold => dejavu::sans::bold(),
            Face::SansItalic => dejavu::sans::oblique(),
            Face::SansBoldItalic => dejavu::sans::bold_oblique(),
            Face::Mono => dejavu::sans_mono::regular(),
            Face::MonoBold => dejavu::sans_mono::bold(),
            Face::MonoItalic => dejavu::sans_mono::oblique(),
            Face::MonoBoldItalic => dejavu::sans_mono::bold_oblique(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Face::Sans => "DejaVuSans",
            Face::SansBold => "DejaVuSans-Bold",
            Face::SansItalic => "DejaVuSans-Oblique",
            Face::SansBoldItalic => "DejaVuSans-BoldOblique",
            Face::Mono => "DejaVuSansMono",
            Face::MonoBold => "DejaVuSansMono-Bold",
            Face::MonoItalic => "DejaVuSansMono-Oblique",
            Face::MonoBoldItalic => "DejaVuSansMono-BoldOblique",
        }
    }
}

/// Glyph coverage and advances of the faces, read with ttf-parser (cheap: it parses lazily).
pub(super) struct Metrics {
    faces: Vec<ttf_parser::Face<'static>>,
}

impl Metrics {
    pub(super) fn load() -> Result<Metrics, PdfError> {
        let faces = FACES
            .iter()
            .map(|face| {
                ttf_parser::Face::parse(face.bytes(), 0).map_err(|_| PdfError::Font(face.name()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Metrics { faces })
    }

    fn face(&self, face: Face) -> Option<&ttf_parser::Face<'static>> {
        self.faces.get(face.index())
    }

    /// The advance of `c` in `face` at `size`, if the face has a glyph for it.
    pub(super) fn advance(&self, face: Face, c: char, size: f32) -> Option<f32> {
        let font = self.face(face)?;
        let glyph = font.glyph_index(c)?;
        let units = f32::from(font.units_per_em().max(1));
        Some(f32::from(font.glyph_hor_advance(glyph).unwrap_or(0)) * size / units)
    }

    /// What is actually drawn for `c` wanted in `face`: the face itself if it has the glyph,
    /// else the proportional face, else '?'. Control and invisible formatting characters
    /// that no face draws are dropped (`None`) rather than shown as '?'.
    pub(super) fn shape(&self, face: Face, c: char, size: f32) -> Option<(Face, char, f32)> {
        if c.is_control() {
            return None;
        }
        if let Some(width) = self.advance(face, c, size) {
            return Some((face, c, width));
        }
        if let Some(width) = self.advance(face.sans(), c, size) {
            return Some((face.sans(), c, width));
        }
        if is_invisible(c) {
            return None;
        }
        let width = self.advance(face, '?', size).unwrap_or(size / 2.0);
        Some((face, '?', width))
    }
}

/// Default-ignorable characters (zero-width spaces and joiners, direction marks, variation
/// selectors, byte-order mark, tags): drawn as nothing when the font has no glyph for them.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The characters drawn in each face, over all pages and footers.
pub(super) fn used_chars<'p>(lines: impl Iterator<Item = &'p Line>) -> Vec<BTreeSet<char>> {
    let mut used = vec![BTreeSet::new(); FACES.len()];
    for line in lines {
        for placed in &line.texts {
            if let Some(chars) = used.get_mut(placed.run.face.index()) {
                chars.extend(placed.run.text.chars());
            }
        }
    }
    used
}

/// Adds each face that some text uses to the document, subset to the characters it draws.
/// The result is indexed by `Face::index`; faces no text uses have no font.
pub(super) fn register_fonts(
    doc: &mut PdfDocument,
    metrics: &Metrics,
    used: &[BTreeSet<char>],
) -> Result<Vec<Option<FontId>>, PdfError> {
    FACES
        .iter()
        .map(|&face| {
            let Some(chars) = used.get(face.index()).filter(|chars| !chars.is_empty()) else {
                return Ok(None);
            };
            let bytes = subset_face(metrics, face, chars);
            let mut warnings = Vec::new();
            let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
                .ok_or(PdfError::Font(face.name()))?;
            parsed.font_name = Some(format!("{}+{}", subset_tag(face, chars), face.name()));
            Ok(Some(doc.add_font(&parsed)))
        })
        .collect()
}

/// The face cut down to the glyphs of `chars` (glyph 0 first, as allsorts requires), with a
/// Unicode cmap so printpdf can still map the characters to the renumbered glyphs. printpdf
/// only subsets fonts itself with its `text_layout` feature, which brings in the azul layout
/// engine; allsorts is printpdf's own dependency, so doing it here adds no crate. If
/// subsetting fails, the whole face is embedded instead (larger, still correct).
fn subset_face(metrics: &Metrics, face: Face, chars: &BTreeSet<char>) -> Cow<'static, [u8]> {
    let Some(font) = metrics.face(face) else {
        return Cow::Borrowed(face.bytes());
    };
    let glyphs: BTreeSet<u16> = chars
        .iter()
        .filter_map(|&c| font.glyph_index(c))
        .map(|g| g.0)
        .filter(|&g| g != 0)
        .collect();
    let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
    let subset = ReadScope::new(face.bytes())
        .read::<FontData<'_>>()
        .ok()
        .and_then(|data| data.table_provider(0).ok())
        .and_then(|provider| {
            subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).ok()
        });
    match subset {
        Some(bytes) => Cow::Owned(bytes),
        None => Cow::Borrowed(face.bytes()),
    }
}

/// The six capital letters that name a font subset in a PDF (ISO 32000-1, 9.6.4), so
/// readers know the embedded font is not the whole face. Derived from the face and its
/// characters (FNV-1a), so two different subsets get different names.
fn subset_tag(face: Face, chars: &BTreeSet<char>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ face.index() as u64;
    for &c in chars {
        hash = (hash ^ u64::from(u32::from(c))).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect()
}
