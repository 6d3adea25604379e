//! Lines of a page → its text, with paragraph breaks guessed from the layout.

/// A new paragraph starts where a line is further below the previous one than this many
/// times the page's usual line spacing.
const PARAGRAPH_GAP: f32 = 1.25;
/// The drops (in font sizes) that can be a line spacing, to find the usual one.
const LINE_SPACINGS: std::ops::Range<f32> = 0.5..4.0;

/// One line of text as drawn.
pub(super) struct Line {
    pub(super) text: String,
    /// How far below the previous line this one starts, in font sizes (negative: above).
    pub(super) drop: f32,
    /// The font size where the line starts, in user space units.
    pub(super) size: f32,
}

/// Lines joined with `\n`; a blank line where the gap to the previous line is clearly wider
/// than the page's usual line spacing, where the text jumps up (a new column, a footnote
/// drawn before the body) or where the font size changes (a heading).
pub(super) fn assemble(lines: Vec<Line>) -> String {
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
    use super::{Line, assemble};

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
