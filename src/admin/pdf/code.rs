//! Code blocks: monospace on a grey band, every character kept, tabs expanded, long lines
//! cut and continued with a hanging indent.

use super::flow::{Deco, Line, baseline_in};
use super::fonts::{Face, Metrics};
use super::markdown::Body;
use super::style::{
    BLACK, CODE_BACKGROUND, CODE_LEADING, CODE_PAD, CODE_SIZE, RIGHT, Style, TAB_WIDTH,
};
use super::wrap::LineBuf;

impl Body<'_> {
    /// From here until the block ends, text is collected as code.
    pub(super) fn start_code_block(&mut self) {
        self.flush_inline();
        self.code = Some(String::new());
    }

    pub(super) fn end_code_block(&mut self) {
        if let Some(code) = self.code.take() {
            self.code_block(&code);
        }
        self.gap(6.0);
    }

    /// A code block: monospace on a grey band, every space kept, long lines cut and
    /// continued (indented) on the next line. The band is drawn per line, so a block that
    /// runs onto the next page simply continues there.
    fn code_block(&mut self, code: &str) {
        let left = self.left();
        let band = Deco::Fill {
            x: left,
            width: RIGHT - left,
            ink: CODE_BACKGROUND,
        };
        let text_x = left + CODE_PAD;
        let width = RIGHT - CODE_PAD - text_x;
        let continued = 2.0
            * self
                .metrics
                .advance(Face::Mono, ' ', CODE_SIZE)
                .unwrap_or(CODE_SIZE / 2.0);
        let mut pad = Line::strip(CODE_PAD * 0.7);
        pad.decos.push(band.clone());
        self.emit(pad.clone());
        let code = code.strip_suffix('\n').unwrap_or(code);
        for source_line in code.split('\n') {
            let source_line = source_line.strip_suffix('\r').unwrap_or(source_line);
            for (buf, offset) in wrap_code_line(self.metrics, source_line, width, continued) {
                let mut line = Line::text(text_x + offset, buf, CODE_LEADING);
                line.height = CODE_SIZE * CODE_LEADING;
                line.baseline = baseline_in(line.height, CODE_SIZE);
                line.decos.push(band.clone());
                self.emit(line);
            }
        }
        self.emit(pad);
    }
}

/// One line of a code block, cut into pieces at most `max` points wide, each with its x
/// offset. Every character is kept, spaces included; tabs go to the next stop. Pieces after
/// the first hang `hang` points further in than the line's own indentation (up to half the
/// width), so a continuation reads as one; nothing is added to the copied text.
fn wrap_code_line(metrics: &Metrics, line: &str, max: f32, hang: f32) -> Vec<(LineBuf, f32)> {
    let style = Style::plain(CODE_SIZE, BLACK).mono();
    let mut pieces = Vec::new();
    let mut current = LineBuf::default();
    let mut offset = 0.0;
    let mut indent = 0.0;
    let mut in_indent = true;
    for c in expand_tabs(line).chars() {
        let Some((face, c, width)) = metrics.shape(Face::Mono, c, CODE_SIZE) else {
            continue;
        };
        in_indent &= c == ' ';
        if in_indent {
            indent += width;
        }
        if offset + current.width + width > max && !current.is_empty() {
            pieces.push((std::mem::take(&mut current), offset));
            offset = (indent + hang).min(max / 2.0);
        }
        current.push(face, style, c, width);
    }
    pieces.push((current, offset));
    pieces
}

/// `line` with each tab replaced by spaces up to the next tab stop.
fn expand_tabs(line: &str) -> String {
    let mut expanded = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = TAB_WIDTH - column % TAB_WIDTH;
            expanded.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else {
            expanded.push(c);
            column += 1;
        }
    }
    expanded
}
