//! The text of one page, read from its content stream with the positions of the text.
//!
//! lopdf's `extract_text` ignores text positioning (`Td`, `Tm`, kerning), so the lines of a
//! PDF from ghostscript or groff run together ("documentationabout") and a word hyphenated at
//! a line end is never seen as such. Here the pen is followed as a PDF viewer would (text
//! and graphics matrices, glyph widths, character and word spacing), and every glyph is
//! handed to [`PageLines`] with where it starts and ends, which recovers the line breaks,
//! paragraph gaps and the word gaps drawn as space rather than written as a space
//! character. Form XObjects are followed too. Columns are not detected: lines come in the
//! order they are drawn.
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::budget::Budget;
use super::fonts::FontCache;
use super::lines::{PageLines, Pen};
use super::matrix::Matrix;

const MAX_FORM_DEPTH: u32 = 8;
/// Forms drawn per page (a form drawn from a form drawn from a form can multiply).
const MAX_FORMS: u32 = 1_000;
const MAX_SAVED_STATES: usize = 256;

/// The page's text: lines separated by `\n`, paragraphs by a blank line. What it costs is
/// charged to `budget`; once that runs out the walk stops, and the caller asks it why.
pub(super) fn page_text<'a, 'b>(
    doc: &'a Document,
    page_id: ObjectId,
    fonts: &mut FontCache<'a, 'b>,
    budget: &'b Budget<'b>,
) -> lopdf::Result<String> {
    budget.start_page();
    let content = page_content(doc, page_id, budget);
    let resources = Resources::of_page(doc, page_id)?;
    let mut walker = Walker::new(doc, fonts, budget);
    walker.run(&content, &resources, 0);
    Ok(walker.page.text())
}

/// The page's content streams, decoded within the budget, one after another. A stream whose
/// filter fails is taken as it is, as lopdf and viewers do (some are not compressed at all).
fn page_content(doc: &Document, page_id: ObjectId, budget: &Budget) -> Vec<u8> {
    let mut content = Vec::new();
    for id in doc.get_page_contents(page_id) {
        let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else {
            continue;
        };
        match budget.decode(stream) {
            Some(decoded) => content.extend_from_slice(&decoded),
            None if budget.stopped() => break,
            None => content.extend_from_slice(&stream.content),
        }
        content.push(b'\n');
    }
    content
}

/// The fonts and XObjects a content stream can name.
struct Resources<'a> {
    fonts: Option<&'a Dictionary>,
    xobjects: Option<&'a Dictionary>,
}

impl<'a> Resources<'a> {
    fn of_page(doc: &'a Document, page_id: ObjectId) -> lopdf::Result<Self> {
        let (direct, referenced) = doc.get_page_resources(page_id)?;
        let dicts: Vec<&Dictionary> = direct
            .into_iter()
            .chain(
                referenced
                    .into_iter()
                    .filter_map(|id| doc.get_dictionary(id).ok()),
            )
            .collect();
        let find = |key: &[u8]| dicts.iter().find_map(|d| sub_dict(doc, d, key));
        Ok(Resources {
            fonts: find(b"Font"),
            xobjects: find(b"XObject"),
        })
    }

    /// A form's own resources, or (allowed in old files) its parent's.
    fn of_form(doc: &'a Document, form: &'a Dictionary, parent: &Resources<'a>) -> Self {
        match sub_dict(doc, form, b"Resources") {
            Some(own) => Resources {
                fonts: sub_dict(doc, own, b"Font"),
                xobjects: sub_dict(doc, own, b"XObject"),
            },
            None => Resources {
                fonts: parent.fonts,
                xobjects: parent.xobjects,
            },
        }
    }
}

fn sub_dict<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    dict.get_deref(key, doc).and_then(Object::as_dict).ok()
}

#[derive(Clone)]
struct GraphicsState {
    ctm: Matrix,
    char_spacing: f32,
    word_spacing: f32,
    horizontal_scale: f32,
    leading: f32,
    /// Index into the [`FontCache`].
    font: Option<usize>,
    font_size: f32,
}

struct Walker<'a, 'b, 'f> {
    doc: &'a Document,
    fonts: &'f mut FontCache<'a, 'b>,
    budget: &'b Budget<'b>,
    state: GraphicsState,
    saved: Vec<GraphicsState>,
    text_matrix: Matrix,
    line_matrix: Matrix,
    page: PageLines,
    forms_drawn: u32,
}

impl<'a, 'b, 'f> Walker<'a, 'b, 'f> {
    fn new(doc: &'a Document, fonts: &'f mut FontCache<'a, 'b>, budget: &'b Budget<'b>) -> Self {
        Walker {
            doc,
            fonts,
            budget,
            state: GraphicsState {
                ctm: Matrix::IDENTITY,
                char_spacing: 0.0,
                word_spacing: 0.0,
                horizontal_scale: 1.0,
                leading: 0.0,
                font: None,
                font_size: 0.0,
            },
            saved: Vec::new(),
            text_matrix: Matrix::IDENTITY,
            line_matrix: Matrix::IDENTITY,
            page: PageLines::new(),
            forms_drawn: 0,
        }
    }

    fn run(&mut self, content: &[u8], resources: &Resources<'a>, depth: u32) {
        for operation in Content::decode_iter(content) {
            if self.budget.stopped() {
                return;
            }
            match operation {
                Ok(operation) => self.apply(&operation, resources, depth),
                Err(error) => {
                    // Keep the text read so far, as viewers do.
                    tracing::debug!(%error, "content stream breaks off");
                    break;
                }
            }
        }
    }

    fn apply(&mut self, op: &Operation, resources: &Resources<'a>, depth: u32) {
        let num = |i: usize| op.operands.get(i).and_then(|o| o.as_float().ok());
        match op.operator.as_str() {
            "q" if self.saved.len() < MAX_SAVED_STATES => self.saved.push(self.state.clone()),
            "Q" => {
                if let Some(state) = self.saved.pop() {
                    self.state = state;
                }
            }
            "cm" => {
                if let Some(m) = Matrix::from_operands(&op.operands) {
                    self.state.ctm = m.then(self.state.ctm);
                }
            }
            "BT" => {
                self.text_matrix = Matrix::IDENTITY;
                self.line_matrix = Matrix::IDENTITY;
            }
            "Tc" => self.state.char_spacing = num(0).unwrap_or(0.0),
            "Tw" => self.state.word_spacing = num(0).unwrap_or(0.0),
            "Tz" => self.state.horizontal_scale = num(0).unwrap_or(100.0) / 100.0,
            "TL" => self.state.leading = num(0).unwrap_or(0.0),
            "Tf" => self.set_font(op, resources),
            "Td" | "TD" => {
                let (tx, ty) = (num(0).unwrap_or(0.0), num(1).unwrap_or(0.0));
                if op.operator == "TD" {
                    self.state.leading = -ty;
                }
                self.move_line(tx, ty);
            }
            "Tm" => {
                if let Some(m) = Matrix::from_operands(&op.operands) {
                    self.text_matrix = m;
                    self.line_matrix = m;
                }
            }
            "T*" => self.move_line(0.0, -self.state.leading),
            "Tj" => self.show_operand(op.operands.first()),
            "'" => {
                self.move_line(0.0, -self.state.leading);
                self.show_operand(op.operands.first());
            }
            "\"" => {
                self.state.word_spacing = num(0).unwrap_or(0.0);
                self.state.char_spacing = num(1).unwrap_or(0.0);
                self.move_line(0.0, -self.state.leading);
                self.show_operand(op.operands.get(2));
            }
            "TJ" => {
                let items = op.operands.first().and_then(|o| o.as_array().ok());
                for item in items.into_iter().flatten() {
                    match item {
                        Object::String(bytes, _) => self.show(bytes),
                        other => {
                            let adjust = other.as_float().unwrap_or(0.0);
                            let tx = -adjust / 1000.0
                                * self.state.font_size
                                * self.state.horizontal_scale;
                            self.text_matrix = Matrix::translate(tx, 0.0).then(self.text_matrix);
                        }
                    }
                }
            }
            "Do" if depth < MAX_FORM_DEPTH && self.forms_drawn < MAX_FORMS => {
                self.draw_form(op, resources, depth);
            }
            _ => {}
        }
    }

    fn move_line(&mut self, tx: f32, ty: f32) {
        self.line_matrix = Matrix::translate(tx, ty).then(self.line_matrix);
        self.text_matrix = self.line_matrix;
    }

    fn set_font(&mut self, op: &Operation, resources: &Resources<'a>) {
        self.state.font_size = op
            .operands
            .get(1)
            .and_then(|o| o.as_float().ok())
            .unwrap_or(0.0);
        let name = op.operands.first().and_then(|o| o.as_name().ok());
        let dict = name.and_then(|name| {
            let fonts = resources.fonts?;
            fonts
                .get_deref(name, self.doc)
                .and_then(Object::as_dict)
                .ok()
        });
        self.state.font = dict.map(|dict| self.fonts.index(dict));
    }

    fn show_operand(&mut self, operand: Option<&Object>) {
        if let Some(Object::String(bytes, _)) = operand {
            self.show(bytes);
        }
    }

    fn show(&mut self, bytes: &[u8]) {
        let Some(font) = self.state.font.and_then(|i| self.fonts.get(i)) else {
            return;
        };
        let (size, scale) = (self.state.font_size, self.state.horizontal_scale);
        for code in font.codes(bytes) {
            if !self.budget.char_drawn() {
                return;
            }
            let start = pen_at(self.text_matrix, &self.state);
            let width = font.advance(code) * size * scale;
            self.text_matrix = Matrix::translate(width, 0.0).then(self.text_matrix);
            let end = pen_at(self.text_matrix, &self.state);
            self.page.glyph(&start, &end, |out| font.decode(code, out));
            let mut spacing = self.state.char_spacing;
            if font.is_word_space(code) {
                spacing += self.state.word_spacing;
            }
            self.text_matrix = Matrix::translate(spacing * scale, 0.0).then(self.text_matrix);
        }
    }

    fn draw_form(&mut self, op: &Operation, resources: &Resources<'a>, depth: u32) {
        let doc = self.doc;
        let form = op
            .operands
            .first()
            .and_then(|o| o.as_name().ok())
            .zip(resources.xobjects)
            .and_then(|(name, xobjects)| xobjects.get_deref(name, doc).ok())
            .and_then(|o| o.as_stream().ok())
            .filter(|s| s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form"));
        let Some(form) = form else {
            return;
        };
        // Counted before reading: a form that fails to decode costs work too.
        self.forms_drawn += 1;
        let Some(content) = self.budget.decode(form) else {
            return;
        };
        let inner = Resources::of_form(doc, &form.dict, resources);
        let matrix = form
            .dict
            .get(b"Matrix")
            .and_then(Object::as_array)
            .ok()
            .and_then(|m| Matrix::from_operands(m))
            .unwrap_or(Matrix::IDENTITY);
        let saved = self.state.clone();
        let (text_matrix, line_matrix) = (self.text_matrix, self.line_matrix);
        self.state.ctm = matrix.then(self.state.ctm);
        self.run(&content, &inner, depth + 1);
        self.state = saved;
        self.text_matrix = text_matrix;
        self.line_matrix = line_matrix;
    }
}

/// Where text drawn now starts, in user space.
fn pen_at(text_matrix: Matrix, state: &GraphicsState) -> Pen {
    let m = text_matrix.then(state.ctm);
    let [a, b, c, d, _, _] = m.0;
    let (x, y) = m.origin();
    let along = a.hypot(b);
    let direction = if along > f32::EPSILON {
        (a / along, b / along)
    } else {
        (1.0, 0.0)
    };
    Pen {
        x,
        y,
        direction,
        size: (state.font_size * c.hypot(d)).abs(),
    }
}
