//! Tables: cells are collected until the table ends, then laid out as a grid with wrapped
//! cells and a header row repeated on each page, or row by row when too wide for a grid.

use pulldown_cmark::Alignment;

use super::flow::{Deco, Line, baseline_in};
use super::fonts::Metrics;
use super::markdown::Body;
use super::style::{
    CELL_PAD, HEADER_BACKGROUND, LEADING, MIN_COLUMN, RIGHT, RULE_INK, Style, TABLE_SIZE,
};
use super::wrap::{Inline, LineBuf, wrap_inline};

/// A table being collected: cells keep their inline content until the table ends and the
/// column widths can be chosen.
#[derive(Debug, Default)]
pub(super) struct TableBuf {
    alignments: Vec<Alignment>,
    rows: Vec<TableRow>,
}

#[derive(Debug, Default)]
struct TableRow {
    header: bool,
    cells: Vec<Vec<Inline>>,
}

impl TableBuf {
    /// The number of columns: of the widest row or of the delimiter row, at least one.
    fn columns(&self) -> usize {
        self.rows
            .iter()
            .map(|row| row.cells.len())
            .max()
            .unwrap_or(0)
            .max(self.alignments.len())
            .max(1)
    }
}

impl Body<'_> {
    pub(super) fn start_table(&mut self, alignments: Vec<Alignment>) {
        self.flush_inline();
        self.table = Some(TableBuf {
            alignments,
            rows: Vec::new(),
        });
    }

    /// The header row: its text is bold.
    pub(super) fn start_table_head(&mut self) {
        self.start_row(true);
        self.spans.bold += 1;
    }

    pub(super) fn end_table_head(&mut self) {
        self.spans.bold = self.spans.bold.saturating_sub(1);
    }

    pub(super) fn start_row(&mut self, header: bool) {
        self.inline.clear();
        if let Some(table) = self.table.as_mut() {
            table.rows.push(TableRow {
                header,
                cells: Vec::new(),
            });
        }
    }

    pub(super) fn start_cell(&mut self) {
        self.inline.clear();
    }

    /// The inline content read since the cell started becomes the cell's.
    pub(super) fn end_cell(&mut self) {
        let cell = std::mem::take(&mut self.inline);
        if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
            row.cells.push(cell);
        }
    }

    pub(super) fn end_table(&mut self) {
        if let Some(table) = self.table.take() {
            self.table(table);
        }
        self.inline.clear();
        self.gap(6.0);
    }

    /// A table as a grid: columns as wide as their text when that fits, else the width
    /// shared out (narrow columns keep their width, wide ones split the rest), cell text
    /// wrapped, the header row bold on grey. A table too wide for that is printed row by row.
    fn table(&mut self, table: TableBuf) {
        let columns = table.columns();
        let left = self.left();
        let available = RIGHT - left;
        if columns as f32 * MIN_COLUMN > available {
            self.table_as_text(table);
            return;
        }
        let natural = natural_widths(self.metrics, &table.rows, columns);
        let edges = column_edges(left, &share_width(&natural, available));
        self.grid_rows(&table, &edges);
    }

    /// The rows of a grid between the column `edges`. A row is kept on one page if it fits
    /// on one; when the table goes on to a new page, its header row is repeated there.
    fn grid_rows(&mut self, table: &TableBuf, edges: &[f32]) {
        let header = table.rows.first().filter(|row| row.header);
        let mut page = self.flow.page_count();
        for row in &table.rows {
            let cells = self.wrap_row(row, edges);
            self.flow.keep(row_height(&cells));
            if self.flow.page_count() != page
                && !row.header
                && let Some(header) = header
            {
                let header_cells = self.wrap_row(header, edges);
                self.table_row(true, header_cells, &table.alignments, edges);
            }
            self.table_row(row.header, cells, &table.alignments, edges);
            page = self.flow.page_count();
        }
    }

    /// Each cell's text wrapped to its column.
    fn wrap_row(&self, row: &TableRow, edges: &[f32]) -> Vec<Vec<LineBuf>> {
        edges
            .windows(2)
            .enumerate()
            .map(|(c, edge)| match row.cells.get(c) {
                Some(cell) => {
                    let inner = (edge[1] - edge[0] - 2.0 * CELL_PAD).max(1.0);
                    wrap_inline(self.metrics, cell, inner)
                }
                None => Vec::new(),
            })
            .collect()
    }

    /// One table row: a padding strip with the top border, the cells' lines side by side,
    /// a padding strip with the bottom border. Every strip carries the column borders, so a
    /// row taller than the rest of the page continues on the next one.
    fn table_row(
        &mut self,
        header: bool,
        cells: Vec<Vec<LineBuf>>,
        alignments: &[Alignment],
        edges: &[f32],
    ) {
        let line_height = TABLE_SIZE * LEADING;
        let lines = row_lines(&cells);
        self.emit(row_strip(edges, header, CELL_PAD, Some(0.0)));
        let mut cells: Vec<std::vec::IntoIter<LineBuf>> =
            cells.into_iter().map(Vec::into_iter).collect();
        for _ in 0..lines {
            let mut line = row_strip(edges, header, line_height, None);
            line.is_text = true;
            line.baseline = baseline_in(line_height, TABLE_SIZE);
            for (c, (cell, edge)) in cells.iter_mut().zip(edges.windows(2)).enumerate() {
                if let Some(buf) = cell.next() {
                    place_in_cell(&mut line, buf, edge[0], edge[1], alignments.get(c));
                }
            }
            self.emit(line);
        }
        self.emit(row_strip(edges, header, CELL_PAD, Some(CELL_PAD)));
    }

    /// A table with too many columns for a grid: each row as one paragraph, cells separated
    /// by a thin vertical line character.
    fn table_as_text(&mut self, table: TableBuf) {
        let left = self.left();
        for row in table.rows {
            let mut items = Vec::new();
            for (c, cell) in row.cells.into_iter().enumerate() {
                if c > 0 {
                    items.push(Inline::Text(
                        " │ ".to_string(),
                        Style::plain(TABLE_SIZE, RULE_INK),
                    ));
                }
                items.extend(cell);
            }
            for buf in wrap_inline(self.metrics, &items, RIGHT - left) {
                self.emit(Line::text(left, buf, LEADING));
            }
            self.gap(2.0);
        }
    }
}

/// Each column's width if no cell in it were wrapped, padding included.
fn natural_widths(metrics: &Metrics, rows: &[TableRow], columns: usize) -> Vec<f32> {
    (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.cells.get(c))
                .map(|cell| {
                    wrap_inline(metrics, cell, f32::INFINITY)
                        .iter()
                        .map(|l| l.width)
                        .fold(0.0, f32::max)
                })
                .fold(0.0, f32::max)
                + 2.0 * CELL_PAD
        })
        .collect()
}

/// Column widths for a table `available` points wide: every column gets its natural width if
/// all fit; otherwise narrow columns keep theirs and the others share what is left evenly
/// ("water filling", narrowest first).
fn share_width(natural: &[f32], available: f32) -> Vec<f32> {
    if natural.iter().sum::<f32>() <= available {
        return natural.to_vec();
    }
    let mut order: Vec<usize> = (0..natural.len()).collect();
    order.sort_by(|a, b| natural[*a].total_cmp(&natural[*b]));
    let mut widths = vec![0.0; natural.len()];
    let mut remaining = available;
    for (done, &c) in order.iter().enumerate() {
        let share = remaining / (natural.len() - done) as f32;
        widths[c] = natural[c].min(share);
        remaining -= widths[c];
    }
    widths
}

/// The x of every column border, from `left`: one more than there are columns.
fn column_edges(left: f32, widths: &[f32]) -> Vec<f32> {
    let mut edges = vec![left];
    for width in widths {
        let last = edges.last().copied().unwrap_or(left);
        edges.push(last + width);
    }
    edges
}

/// How many lines the tallest cell of a row takes (at least one).
fn row_lines(cells: &[Vec<LineBuf>]) -> usize {
    cells.iter().map(Vec::len).max().unwrap_or(0).max(1)
}

/// The height of a table row, padding included.
fn row_height(cells: &[Vec<LineBuf>]) -> f32 {
    TABLE_SIZE * LEADING * row_lines(cells) as f32 + 2.0 * CELL_PAD
}

/// A strip of a table row `height` tall: header shading, the column borders, and a
/// horizontal border `rule_down` points below its top if asked for.
fn row_strip(edges: &[f32], header: bool, height: f32, rule_down: Option<f32>) -> Line {
    let mut line = Line::strip(height);
    let (Some(&first), Some(&last)) = (edges.first(), edges.last()) else {
        return line;
    };
    if header {
        line.decos.push(Deco::Fill {
            x: first,
            width: last - first,
            ink: HEADER_BACKGROUND,
        });
    }
    for &x in edges {
        line.decos.push(Deco::Bar {
            x,
            thickness: 0.5,
            ink: RULE_INK,
        });
    }
    if let Some(down) = rule_down {
        line.decos.push(Deco::Rule {
            x: first,
            width: last - first,
            down,
            thickness: 0.5,
        });
    }
    line
}

/// Puts one wrapped line of a cell between the column edges `left` and `right`, aligned as
/// the table's delimiter row asks.
fn place_in_cell(line: &mut Line, buf: LineBuf, left: f32, right: f32, align: Option<&Alignment>) {
    let slack = (right - left - 2.0 * CELL_PAD - buf.width).max(0.0);
    let offset = match align {
        Some(Alignment::Right) => slack,
        Some(Alignment::Center) => slack / 2.0,
        _ => 0.0,
    };
    line.put_runs(left + CELL_PAD + offset, buf);
}
