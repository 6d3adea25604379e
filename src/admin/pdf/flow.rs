//! Page layout: lines of fixed height with their text and decorations, placed down the pages
//! with page breaks between them.

use super::style::{ASCENDER, BODY_SIZE, DESCENDER, Ink, MARGIN, TOP};
use super::wrap::{LineBuf, Run};

/// Something drawn across a line's box besides its text.
#[derive(Clone, Debug)]
pub(super) enum Deco {
    /// A filled band the full height of the line (code and table header backgrounds).
    Fill { x: f32, width: f32, ink: Ink },
    /// A vertical stroke the full height of the line (table borders, quote bars).
    Bar { x: f32, thickness: f32, ink: Ink },
    /// A horizontal stroke `down` points below the top of the line.
    Rule {
        x: f32,
        width: f32,
        down: f32,
        thickness: f32,
    },
}

/// Text placed at an x position on a line.
#[derive(Clone, Debug)]
pub(super) struct Placed {
    pub(super) x: f32,
    pub(super) run: Run,
}

/// The unit of page layout: a box of fixed height holding text and decorations. Lines never
/// split, so a page break can only fall between them.
#[derive(Clone, Debug, Default)]
pub(super) struct Line {
    pub(super) height: f32,
    /// Distance from the top of the box down to the text baseline.
    pub(super) baseline: f32,
    pub(super) texts: Vec<Placed>,
    pub(super) decos: Vec<Deco>,
    /// Only lines that hold text take a pending list marker (not padding lines).
    pub(super) is_text: bool,
}

impl Line {
    /// A line of text starting at `x`, as tall as its largest type needs.
    pub(super) fn text(x: f32, buf: LineBuf, leading: f32) -> Line {
        let size = buf.max_size().unwrap_or(BODY_SIZE);
        let height = size * leading;
        let mut line = Line {
            height,
            baseline: baseline_in(height, size),
            is_text: true,
            ..Line::default()
        };
        line.put_runs(x, buf);
        line
    }

    /// An empty strip, for padding above and below boxes.
    pub(super) fn strip(height: f32) -> Line {
        Line {
            height,
            ..Line::default()
        }
    }

    /// Places the runs of `buf` side by side, the first at `x`.
    pub(super) fn put_runs(&mut self, x: f32, buf: LineBuf) {
        let mut x = x;
        for run in buf.runs {
            let width = run.width;
            self.texts.push(Placed { x, run });
            x += width;
        }
    }
}

/// Where the baseline goes so that type of `size` sits centred in a box `height` tall.
pub(super) fn baseline_in(height: f32, size: f32) -> f32 {
    (height - (ASCENDER + DESCENDER) * size) / 2.0 + ASCENDER * size
}

/// A line with its position on the page (the y of its top edge, from the page bottom).
#[derive(Debug)]
pub(super) struct Placement {
    pub(super) top: f32,
    pub(super) line: Line,
}

/// Pages filled top to bottom. A line that would cross the bottom margin goes to a new page.
pub(super) struct Flow {
    pages: Vec<Vec<Placement>>,
    y: f32,
}

impl Flow {
    pub(super) fn new() -> Flow {
        Flow {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// How many pages have been started.
    pub(super) fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub(super) fn page_is_empty(&self) -> bool {
        self.pages.last().is_none_or(Vec::is_empty)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    pub(super) fn start_on_new_page(&mut self) {
        if !self.page_is_empty() {
            self.new_page();
        }
    }

    /// Vertical space between blocks; none at the top of a page.
    pub(super) fn gap(&mut self, points: f32) {
        if !self.page_is_empty() {
            self.y -= points;
        }
    }

    /// Starts a new page unless `height` still fits here (used to keep a heading with the
    /// text after it and a table row in one piece, when that is possible at all).
    pub(super) fn keep(&mut self, height: f32) {
        if !self.page_is_empty() && self.y - height < MARGIN && height <= TOP - MARGIN {
            self.new_page();
        }
    }

    pub(super) fn place(&mut self, line: Line) {
        if !self.page_is_empty() && self.y - line.height < MARGIN {
            self.new_page();
        }
        let top = self.y;
        self.y -= line.height;
        if let Some(page) = self.pages.last_mut() {
            page.push(Placement { top, line });
        }
    }

    pub(super) fn finish(self) -> Vec<Vec<Placement>> {
        self.pages
    }
}
