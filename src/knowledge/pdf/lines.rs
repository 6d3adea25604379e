//! Glyphs as drawn → lines → the page's text, with word gaps, line breaks and paragraph
//! breaks read from where the glyphs stand.
//!
//! Within a line, glyphs are put in the order they stand, not the order they were drawn:
//! LibreOffice draws a character its font lacks (the Uzbek ʻ in many fonts) from a fallback
//! font after the rest of the line, and a fake bold draws every word twice.
use std::ops::Range;

/// A gap between two glyphs on one line wider than this share of the font size is a word
/// space (a space is 0.25–0.33 of it; kerning and letter spacing stay well under 0.1).
const WORD_GAP: f32 = 0.15;
/// A move across the line direction over this share of the font size starts a new line
/// (a superscript moves about a third of it).
const NEW_LINE: f32 = 0.5;
/// The same text drawn again closer than this share of the font size is one glyph drawn
/// twice (fake bold, shadow).
const SAME_PLACE: f32 = 0.1;
/// A new paragraph starts where a line is further below the previous one than this many
/// times the page's usual line spacing.
const PARAGRAPH_GAP: f32 = 1.25;
/// The drops (in font sizes) that can be a line spacing, to find the usual one.
const LINE_SPACINGS: Range<f32> = 0.5..4.0;

/// A point where drawing text starts or ends, in user space, with the direction of the text
/// there (a unit vector) and the font size (in user space units).
#[derive(Clone, Copy, Debug)]
pub(super) struct Pen {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) direction: (f32, f32),
    pub(super) size: f32,
}

/// The lines of one page as its glyphs are drawn.
pub(super) struct PageLines {
    done: Vec<Line>,
    current: GlyphLine,
    /// Where the last glyph ended.
    pen: Option<Pen>,
}

impl PageLines {
    pub(super) fn new() -> Self {
        PageLines {
            done: Vec::new(),
            current: GlyphLine::new(0.0, 0.0, (1.0, 0.0)),
            pen: None,
        }
    }

    /// Adds a glyph drawn from `start` to `end` (its advance, without letter spacing), whose
    /// text `decode` appends. It starts a new line when it stands off the current one.
    pub(super) fn glyph(&mut self, start: &Pen, end: &Pen, decode: impl FnOnce(&mut String)) {
        match self.pen {
            None => self.current = GlyphLine::new(0.0, start.size, start.direction),
            Some(previous) => {
                let size = previous.size.max(start.size);
                let (ux, uy) = previous.direction;
                let up = (start.y - previous.y) * ux - (start.x - previous.x) * uy;
                if size > f32::EPSILON && up.abs() > NEW_LINE * size {
                    let next = GlyphLine::new(-up / size, start.size, start.direction);
                    let line = std::mem::replace(&mut self.current, next);
                    self.done.push(line.finish());
                }
            }
        }
        self.current.push(start, end, decode);
        self.pen = Some(*end);
    }

    /// The page's text: lines separated by `\n`, paragraphs by a blank line.
    pub(super) fn text(mut self) -> String {
        self.done.push(self.current.finish());
        assemble(self.done)
    }
}

/// A line being drawn: the text of its glyphs, and where each glyph stands along the line.
struct GlyphLine {
    text: String,
    glyphs: Vec<Glyph>,
    drop: f32,
    size: f32,
    direction: (f32, f32),
}

struct Glyph {
    /// Where the glyph starts and ends along the line.
    x: f32,
    end: f32,
    size: f32,
    /// Its text in `GlyphLine::text`.
    bytes: Range<usize>,
}

impl GlyphLine {
    fn new(drop: f32, size: f32, direction: (f32, f32)) -> Self {
        GlyphLine {
            text: String::new(),
            glyphs: Vec::new(),
            drop,
            size,
            direction,
        }
    }

    fn along(&self, pen: &Pen) -> f32 {
        pen.x * self.direction.0 + pen.y * self.direction.1
    }

    fn push(&mut self, start: &Pen, end: &Pen, decode: impl FnOnce(&mut String)) {
        let first = self.text.len();
        decode(&mut self.text);
        let x = self.along(start);
        self.glyphs.push(Glyph {
            x,
            end: self.along(end).max(x),
            size: start.size,
            bytes: first..self.text.len(),
        });
    }

    /// The glyphs in the order they stand on the line (drawing order for right-to-left
    /// scripts, whose visual order is not their reading order), a space between glyphs a
    /// word apart, a glyph drawn twice in one place once.
    fn finish(self) -> Line {
        let piece = |g: &Glyph| self.text.get(g.bytes.clone()).unwrap_or_default();
        let mut order: Vec<&Glyph> = self.glyphs.iter().filter(|g| !g.bytes.is_empty()).collect();
        if !self.text.chars().any(is_right_to_left) {
            order.sort_by(|a, b| a.x.total_cmp(&b.x));
        }
        let mut text = String::with_capacity(self.text.len() + 8);
        let mut previous: Option<&Glyph> = None;
        for glyph in order {
            let this = piece(glyph);
            if let Some(previous) = previous {
                let size = previous.size.max(glyph.size);
                if (glyph.x - previous.x).abs() < SAME_PLACE * size && this == piece(previous) {
                    continue;
                }
                let apart = glyph.x - previous.end > WORD_GAP * size;
                if apart
                    && !text.ends_with(char::is_whitespace)
                    && !this.starts_with(char::is_whitespace)
                {
                    text.push(' ');
                }
            }
            text.push_str(this);
            previous = Some(glyph);
        }
        Line {
            text,
            drop: self.drop,
            size: self.size,
        }
    }
}

fn is_right_to_left(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}')
}

/// One line of text as drawn.
struct Line {
    text: String,
    /// How far below the previous line this one starts, in font sizes (negative: above).
    drop: f32,
    /// The font size where the line starts, in user space units.
    size: f32,
}

/// Lines joined with `\n`; a blank line where the gap to the previous line is clearly wider
/// than the page's usual line spacing, where the text jumps up (a new column, a footnote
/// drawn before the body) or where the font size changes (a heading).
fn assemble(lines: Vec<Line>) -> String {
    let mut drops: Vec<f32> = lines
        .iter()
        .skip(1)
        .map(|l| l.drop)
        .filter(|d| LINE_SPACINGS.contains(d))
        .collect();
    drops.sort_by(f32::total_cmp);
    let usual = drops.get(drops.len() / 2).copied().unwrap_or(1.2);
    let mut out = String::new();
    let mut previous_size = None;
    for line in lines {
        let text = line.text.trim();
        if text.is_empty() {
            continue;
        }
        if let Some(previous_size) = previous_size {
            let paragraph = line.drop < 0.0
                || line.drop > PARAGRAPH_GAP * usual
                || differ(previous_size, line.size);
            out.push_str(if paragraph { "\n\n" } else { "\n" });
        }
        out.push_str(text);
        previous_size = Some(line.size);
    }
    out
}

/// Font sizes that tell a heading from body text (not rounding noise).
fn differ(a: f32, b: f32) -> bool {
    let (small, large) = if a < b { (a, b) } else { (b, a) };
    large > small * 1.15
}

#[cfg(test)]
mod tests {
    use super::{Line, PageLines, Pen, assemble};

    /// Draws `text` one character per glyph, 6 units wide each, from `x` on baseline `y`.
    fn draw(page: &mut PageLines, text: &str, x: f32, y: f32) {
        let pen = |x: f32| Pen {
            x,
            y,
            direction: (1.0, 0.0),
            size: 10.0,
        };
        for (i, c) in text.chars().enumerate() {
            let start = x + 6.0 * i as f32;
            page.glyph(&pen(start), &pen(start + 6.0), |out| out.push(c));
        }
    }

    #[test]
    fn glyphs_are_read_in_the_order_they_stand() {
        let mut page = PageLines::new();
        // "qoʻllanma" with the ʻ drawn last, from another font, in the gap left for it.
        draw(&mut page, "qo", 0.0, 700.0);
        draw(&mut page, "llanma", 18.0, 700.0);
        draw(&mut page, "ʻ", 12.0, 700.0);
        assert_eq!(page.text(), "qoʻllanma");
    }

    #[test]
    fn gaps_make_spaces_and_moves_across_make_lines() {
        let mut page = PageLines::new();
        draw(&mut page, "two", 0.0, 700.0);
        draw(&mut page, "words", 20.0, 700.0); // a 2-unit gap: 0.2 of the size
        draw(&mut page, "next", 0.0, 688.0);
        draw(&mut page, "line", 24.0, 688.0); // touching: one word
        assert_eq!(page.text(), "two words\nnextline");
    }

    #[test]
    fn a_word_drawn_twice_for_bold_is_read_once() {
        let mut page = PageLines::new();
        draw(&mut page, "Bold", 0.0, 700.0);
        draw(&mut page, "Bold", 0.4, 700.0);
        assert_eq!(page.text(), "Bold");
    }

    #[test]
    fn right_to_left_lines_keep_their_drawing_order() {
        let mut page = PageLines::new();
        // Hebrew drawn in reading order from right to left.
        draw(&mut page, "ב", 12.0, 700.0);
        draw(&mut page, "א", 6.0, 700.0);
        assert_eq!(page.text(), "בא");
    }

    fn line(text: &str, drop: f32, size: f32) -> Line {
        Line {
            text: text.into(),
            drop,
            size,
        }
    }

    #[test]
    fn a_wider_gap_a_jump_up_or_a_new_font_size_start_a_paragraph() {
        let lines = vec![
            line("Title", 0.0, 16.0),
            line("First line", 1.8, 11.0),
            line("second line", 1.17, 11.0),
            line("third line.", 1.17, 11.0),
            line("New paragraph", 1.7, 11.0),
            line("goes on.", 1.17, 11.0),
            line("Next column", -50.0, 11.0),
        ];
        assert_eq!(
            assemble(lines),
            "Title\n\nFirst line\nsecond line\nthird line.\n\nNew paragraph\ngoes on.\n\nNext column"
        );
    }

    #[test]
    fn blank_lines_are_skipped() {
        let lines = vec![
            line("", 0.0, 0.0),
            line("One", 1.2, 10.0),
            line("  ", 1.2, 10.0),
            line("two", 1.2, 10.0),
        ];
        assert_eq!(assemble(lines), "One\ntwo");
    }
}
