//! The look of the document: page geometry, type sizes, spacing, colours, and the `Style` of a
//! piece of text.

use pulldown_cmark::HeadingLevel;

use super::fonts::Face;

// Page geometry, in points (A4 portrait).
pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;
pub(super) const MARGIN: f32 = 50.0;
pub(super) const TOP: f32 = PAGE_HEIGHT - MARGIN;
pub(super) const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// The page number sits in the bottom margin, below the text area.
pub(super) const FOOTER_BASELINE: f32 = MARGIN / 2.0;

// Type sizes, in points.
pub(super) const TITLE_SIZE: f32 = 18.0;
pub(super) const META_SIZE: f32 = 8.5;
pub(super) const BODY_SIZE: f32 = 10.5;
pub(super) const TABLE_SIZE: f32 = 9.5;
pub(super) const CODE_SIZE: f32 = 9.0;
pub(super) const FOOTER_SIZE: f32 = 8.0;

/// Line height as a multiple of the type size.
pub(super) const LEADING: f32 = 1.4;
pub(super) const CODE_LEADING: f32 = 1.3;
/// DejaVu's ascender and descender, as fractions of the em: used to centre text in its line.
pub(super) const ASCENDER: f32 = 0.928;
pub(super) const DESCENDER: f32 = 0.236;

// Indentation and padding, in points.
pub(super) const ITEM_INDENT: f32 = 18.0;
pub(super) const QUOTE_INDENT: f32 = 14.0;
/// Nesting deeper than this no longer indents: the text keeps at least ~300 pt of width.
pub(super) const MAX_INDENT: f32 = 180.0;
pub(super) const MARKER_GAP: f32 = 5.0;
pub(super) const CODE_PAD: f32 = 6.0;
pub(super) const CELL_PAD: f32 = 4.0;
/// A table whose columns would be narrower than this is printed row by row instead.
pub(super) const MIN_COLUMN: f32 = 36.0;
/// Tab stops in code blocks, in characters.
pub(super) const TAB_WIDTH: usize = 4;

/// A colour as RGB fractions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Ink(pub(super) f32, pub(super) f32, pub(super) f32);

pub(super) const BLACK: Ink = Ink(0.0, 0.0, 0.0);
pub(super) const META_INK: Ink = Ink(0.42, 0.42, 0.42);
pub(super) const QUOTE_INK: Ink = Ink(0.3, 0.3, 0.3);
pub(super) const LINK_INK: Ink = Ink(0.05, 0.3, 0.6);
pub(super) const CODE_BACKGROUND: Ink = Ink(0.945, 0.945, 0.945);
pub(super) const HEADER_BACKGROUND: Ink = Ink(0.91, 0.91, 0.91);
pub(super) const RULE_INK: Ink = Ink(0.72, 0.72, 0.72);
pub(super) const QUOTE_BAR_INK: Ink = Ink(0.78, 0.78, 0.78);

/// The type size of a heading.
pub(super) fn heading_size(level: HeadingLevel) -> f32 {
    match level {
        HeadingLevel::H1 => 15.0,
        HeadingLevel::H2 => 13.5,
        HeadingLevel::H3 => 12.0,
        _ => 11.0,
    }
}

/// How a piece of text looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Style {
    pub(super) bold: bool,
    pub(super) italic: bool,
    pub(super) mono: bool,
    pub(super) strike: bool,
    /// Inline code: a light grey box behind the text stands in for the backticks.
    pub(super) shaded: bool,
    pub(super) ink: Ink,
    pub(super) size: f32,
}

impl Style {
    pub(super) fn plain(size: f32, ink: Ink) -> Style {
        Style {
            bold: false,
            italic: false,
            mono: false,
            strike: false,
            shaded: false,
            ink,
            size,
        }
    }

    pub(super) fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    pub(super) fn mono(self) -> Style {
        Style { mono: true, ..self }
    }

    pub(super) fn face(self) -> Face {
        Face::of(self.bold, self.italic, self.mono)
    }
}
