//! Quotes and lists: the stack of open containers with their indentation, and what they add
//! to each line sent to the flow (quote bars, list markers).

use super::flow::{Deco, Line};
use super::fonts::Face;
use super::markdown::Body;
use super::style::{
    BLACK, BODY_SIZE, ITEM_INDENT, LEADING, MARGIN, MARKER_GAP, MAX_INDENT, QUOTE_BAR_INK,
    QUOTE_INDENT, Style,
};
use super::wrap::LineBuf;

/// What an open Markdown container adds to the lines inside it.
#[derive(Debug)]
enum Container {
    Quote {
        has_bar: bool,
    },
    List {
        next_number: Option<u64>,
        item_indent: f32,
    },
    Item,
}

/// An open container and where text inside it starts.
#[derive(Debug)]
pub(super) struct Frame {
    container: Container,
    /// The left edge of text inside this container.
    left: f32,
}

impl Body<'_> {
    /// The left edge of text at the current nesting.
    pub(super) fn left(&self) -> f32 {
        self.frames.last().map_or(MARGIN, |frame| frame.left)
    }

    pub(super) fn start_quote(&mut self) {
        self.flush_inline();
        self.open(Container::Quote { has_bar: false }, QUOTE_INDENT);
    }

    pub(super) fn end_quote(&mut self) {
        self.flush_inline();
        self.close();
        self.gap(3.0);
    }

    /// A list, numbered from `start` or bulleted.
    pub(super) fn start_list(&mut self, start: Option<u64>) {
        self.flush_inline();
        self.list_depth += 1;
        let item_indent = self.item_indent(start);
        self.open(
            Container::List {
                next_number: start,
                item_indent,
            },
            0.0,
        );
    }

    pub(super) fn end_list(&mut self) {
        self.flush_inline();
        self.list_depth = self.list_depth.saturating_sub(1);
        self.close();
        if self.list_depth == 0 {
            self.gap(4.0);
        }
    }

    /// Opens a list item and queues its marker: "n." in numbered lists, a bullet by depth
    /// otherwise.
    pub(super) fn start_item(&mut self) {
        self.flush_inline();
        let depth = self.list_depth;
        let (marker, indent) = match self.frames.last_mut() {
            Some(Frame {
                container:
                    Container::List {
                        next_number: Some(n),
                        item_indent,
                    },
                ..
            }) => {
                let text = format!("{n}.");
                *n = n.saturating_add(1);
                (text, *item_indent)
            }
            _ => (
                ["•", "◦", "▪"][depth.saturating_sub(1) % 3].to_string(),
                ITEM_INDENT,
            ),
        };
        self.open(Container::Item, indent);
        let right = self.left() - MARKER_GAP;
        self.markers.push((right, marker));
    }

    pub(super) fn end_item(&mut self) {
        self.flush_inline();
        self.place_pending_markers();
        self.close();
        self.gap(1.5);
    }

    /// Opens a container, indenting what follows by `indent` (up to the cap).
    fn open(&mut self, mut container: Container, indent: f32) {
        let left = self.left();
        let inner = (left + indent).min(MARGIN + MAX_INDENT);
        if let Container::Quote { has_bar } = &mut container {
            self.quote_depth += 1;
            if inner > left {
                self.bars.push(left + 3.0);
                *has_bar = true;
            }
        }
        self.frames.push(Frame {
            container,
            left: inner,
        });
    }

    fn close(&mut self) {
        if let Some(Frame {
            container: Container::Quote { has_bar },
            ..
        }) = self.frames.pop()
        {
            self.quote_depth = self.quote_depth.saturating_sub(1);
            if has_bar {
                self.bars.pop();
            }
        }
    }

    /// How far a list's items are indented: enough for a bullet, or for the numbers of a
    /// numbered list (measured on its tenth number, so "9." and "10." line up).
    fn item_indent(&self, start: Option<u64>) -> f32 {
        let Some(start) = start else {
            return ITEM_INDENT;
        };
        let widest = format!("{}.", start.saturating_add(9));
        let width: f32 = widest
            .chars()
            .filter_map(|c| self.metrics.advance(Face::Sans, c, BODY_SIZE))
            .sum();
        ITEM_INDENT.max(width + MARKER_GAP + 3.0)
    }

    /// Sends a line to the flow, adding the bars of open quotes and any waiting list markers.
    pub(super) fn emit(&mut self, mut line: Line) {
        for &x in &self.bars {
            line.decos.push(Deco::Bar {
                x,
                thickness: 2.0,
                ink: QUOTE_BAR_INK,
            });
        }
        if line.is_text && !self.markers.is_empty() {
            self.put_markers(&mut line);
        }
        self.flow.place(line);
    }

    /// The waiting list markers, right-aligned before their items' text on `line`, in type
    /// no larger than the line's.
    fn put_markers(&mut self, line: &mut Line) {
        let size = BODY_SIZE.min(line.height / LEADING.max(1.0)).max(1.0);
        for (right, marker) in std::mem::take(&mut self.markers) {
            let mut buf = LineBuf::default();
            for c in marker.chars() {
                if let Some((face, c, width)) = self.metrics.shape(Face::Sans, c, size) {
                    buf.push(face, Style::plain(size, BLACK), c, width);
                }
            }
            let x = (right - buf.width).max(MARGIN / 2.0);
            line.put_runs(x, buf);
        }
    }

    /// A list item with no text of its own still shows its marker.
    pub(super) fn place_pending_markers(&mut self) {
        if !self.markers.is_empty() {
            self.emit(Line::text(self.left(), LineBuf::default(), LEADING));
        }
    }
}
