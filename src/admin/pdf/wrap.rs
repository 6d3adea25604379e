//! Measured text and line filling: runs of one face and style, line buffers, and greedy word
//! wrapping of inline content.

use super::fonts::{Face, Metrics};
use super::style::Style;

/// A run of text in one face and style, with its measured width.
#[derive(Clone, Debug)]
pub(super) struct Run {
    pub(super) face: Face,
    pub(super) style: Style,
    pub(super) text: String,
    pub(super) width: f32,
}

/// Runs laid side by side, with their total width: one line, or one word being built.
#[derive(Default, Debug)]
pub(super) struct LineBuf {
    pub(super) runs: Vec<Run>,
    pub(super) width: f32,
}

impl LineBuf {
    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Adds one shaped character, extending the last run when the face and style match.
    pub(super) fn push(&mut self, face: Face, style: Style, c: char, width: f32) {
        match self.runs.last_mut() {
            Some(run) if run.face == face && run.style == style => {
                run.text.push(c);
                run.width += width;
            }
            _ => self.runs.push(Run {
                face,
                style,
                text: c.to_string(),
                width,
            }),
        }
        self.width += width;
    }

    /// Appends another buffer's runs, merging at the seam when they look the same.
    fn append(&mut self, other: LineBuf) {
        for run in other.runs {
            match self.runs.last_mut() {
                Some(last) if last.face == run.face && last.style == run.style => {
                    last.text.push_str(&run.text);
                    last.width += run.width;
                }
                _ => self.runs.push(run),
            }
        }
        self.width += other.width;
    }

    /// A space between words, in the face of the text before it. It is shaded or struck
    /// through only if the words on both sides are (inside a code span or a strikethrough,
    /// not just after one).
    fn push_space(&mut self, width: f32, next: Option<Style>) {
        if let Some(last) = self.runs.last() {
            let next = next.unwrap_or(last.style);
            let style = Style {
                shaded: last.style.shaded && next.shaded,
                strike: last.style.strike && next.strike,
                ..last.style
            };
            self.push(last.face, style, ' ', width);
        }
    }

    fn last_face(&self) -> Option<(Face, f32)> {
        self.runs.last().map(|run| (run.face, run.style.size))
    }

    pub(super) fn max_size(&self) -> Option<f32> {
        self.runs.iter().map(|run| run.style.size).reduce(f32::max)
    }
}

/// Inline content of a paragraph, heading or table cell, as it arrives from the parser.
#[derive(Debug)]
pub(super) enum Inline {
    Text(String, Style),
    Break,
}

/// Wraps inline content into lines at most `max` points wide.
pub(super) fn wrap_inline(metrics: &Metrics, items: &[Inline], max: f32) -> Vec<LineBuf> {
    let mut wrapper = Wrapper::new(metrics, max);
    for item in items {
        match item {
            Inline::Text(text, style) => wrapper.push_text(text, *style),
            Inline::Break => wrapper.hard_break(),
        }
    }
    wrapper.finish()
}

/// Greedy line filling for flowing text. Whitespace separates words and collapses; a word
/// wider than the line is cut between characters. Each character is shaped and measured
/// once, so the work is linear in the text, however long its words are.
struct Wrapper<'m> {
    metrics: &'m Metrics,
    max: f32,
    lines: Vec<LineBuf>,
    line: LineBuf,
    word: LineBuf,
    space_before_word: bool,
}

impl<'m> Wrapper<'m> {
    fn new(metrics: &'m Metrics, max: f32) -> Wrapper<'m> {
        Wrapper {
            metrics,
            max,
            lines: Vec::new(),
            line: LineBuf::default(),
            word: LineBuf::default(),
            space_before_word: false,
        }
    }

    fn push_text(&mut self, text: &str, style: Style) {
        let face = style.face();
        for c in text.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                self.end_word();
                self.space_before_word = true;
            } else if let Some((face, c, width)) = self.metrics.shape(face, c, style.size) {
                self.word.push(face, style, c, width);
            }
        }
    }

    fn hard_break(&mut self) {
        self.end_word();
        self.lines.push(std::mem::take(&mut self.line));
        self.space_before_word = false;
    }

    /// Puts the word just finished on the line (after a space if one came before it), or on
    /// the next line if it does not fit, or cuts it if no line can hold it.
    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.word);
        let space = match self.line.last_face() {
            Some((face, size)) if self.space_before_word => {
                self.metrics.advance(face, ' ', size).unwrap_or(size / 3.0)
            }
            _ => 0.0,
        };
        self.space_before_word = false;
        if self.line.width + space + word.width <= self.max {
            if space > 0.0 {
                let next = word.runs.first().map(|run| run.style);
                self.line.push_space(space, next);
            }
            self.line.append(word);
            return;
        }
        if !self.line.is_empty() {
            self.lines.push(std::mem::take(&mut self.line));
        }
        if word.width <= self.max {
            self.line.append(word);
        } else {
            self.cut_long_word(word);
        }
    }

    /// A word longer than the line is cut where the line is full (at least one character
    /// per line, so a column narrower than a character still makes progress).
    fn cut_long_word(&mut self, word: LineBuf) {
        for run in word.runs {
            for c in run.text.chars() {
                let width = self
                    .metrics
                    .advance(run.face, c, run.style.size)
                    .unwrap_or(0.0);
                if self.line.width + width > self.max && !self.line.is_empty() {
                    self.lines.push(std::mem::take(&mut self.line));
                }
                self.line.push(run.face, run.style, c, width);
            }
        }
    }

    fn finish(mut self) -> Vec<LineBuf> {
        self.end_word();
        if !self.line.is_empty() {
            self.lines.push(self.line);
        }
        self.lines
    }
}
