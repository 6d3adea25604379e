//! Painting: placed lines turned into printpdf drawing operations (backgrounds and strokes,
//! code shading, text, strikethrough), the page numbers, and the A4 pages.

use printpdf::{
    Color, FontId, Line as PathLine, LinePoint, Op, PaintMode, PdfFontHandle, PdfPage, Point, Pt,
    Rect, Rgb, TextItem,
};

use super::flow::{Deco, Line, Placed, Placement};
use super::fonts::{Face, Metrics};
use super::style::{
    ASCENDER, CODE_BACKGROUND, DESCENDER, FOOTER_BASELINE, FOOTER_SIZE, Ink, META_INK, PAGE_HEIGHT,
    PAGE_WIDTH, RULE_INK, Style,
};
use super::wrap::LineBuf;

/// "n / N", centred in the bottom margin.
pub(super) fn footer(metrics: &Metrics, number: usize, total: usize) -> Line {
    let text = format!("{number} / {total}");
    let mut buf = LineBuf::default();
    let style = Style::plain(FOOTER_SIZE, META_INK);
    for c in text.chars() {
        if let Some((face, c, width)) = metrics.shape(Face::Sans, c, FOOTER_SIZE) {
            buf.push(face, style, c, width);
        }
    }
    let x = (PAGE_WIDTH - buf.width) / 2.0;
    Line::text(x, buf, 1.0)
}

/// One page's drawing operations: each line's backgrounds and strokes, then its text, then
/// the page number. `fonts` holds the document's font of each face, by `Face::index`.
pub(super) fn paint_page(fonts: &[Option<FontId>], page: &[Placement], footer: &Line) -> Vec<Op> {
    let mut ops = Vec::new();
    for placement in page {
        let line = &placement.line;
        let baseline = placement.top - line.baseline;
        paint_decos(&mut ops, placement.top, line);
        paint_shading(&mut ops, baseline, line);
        paint_text(&mut ops, fonts, baseline, line);
        paint_strikes(&mut ops, baseline, line);
    }
    paint_text(&mut ops, fonts, FOOTER_BASELINE, footer);
    ops
}

pub(super) fn a4_page(ops: Vec<Op>) -> PdfPage {
    let size = Rect::from_wh(Pt(PAGE_WIDTH), Pt(PAGE_HEIGHT));
    PdfPage {
        media_box: size.clone(),
        trim_box: size.clone(),
        crop_box: size,
        ops,
    }
}

fn paint_decos(ops: &mut Vec<Op>, top: f32, line: &Line) {
    let bottom = top - line.height;
    for deco in &line.decos {
        match *deco {
            Deco::Fill { x, width, ink } => fill_rect(ops, x, bottom, width, line.height, ink),
            Deco::Bar { x, thickness, ink } => stroke(ops, (x, bottom), (x, top), thickness, ink),
            Deco::Rule {
                x,
                width,
                down,
                thickness,
            } => stroke(
                ops,
                (x, top - down),
                (x + width, top - down),
                thickness,
                RULE_INK,
            ),
        }
    }
}

/// Grey boxes behind inline code, drawn before the text.
fn paint_shading(ops: &mut Vec<Op>, baseline: f32, line: &Line) {
    for placed in line.texts.iter().filter(|p| p.run.style.shaded) {
        let size = placed.run.style.size;
        let below = DESCENDER * size;
        fill_rect(
            ops,
            placed.x - 1.0,
            baseline - below,
            placed.run.width + 2.0,
            (ASCENDER + DESCENDER) * size,
            CODE_BACKGROUND,
        );
    }
}

/// A line's text in one text object: each run sets its font and colour and moves the text
/// position (`Td` is relative to the previous run's start inside one object).
fn paint_text(ops: &mut Vec<Op>, fonts: &[Option<FontId>], baseline: f32, line: &Line) {
    let runs: Vec<(&Placed, &FontId)> = line
        .texts
        .iter()
        .filter(|p| !p.run.text.is_empty())
        .filter_map(|p| Some((p, fonts.get(p.run.face.index())?.as_ref()?)))
        .collect();
    if runs.is_empty() {
        return;
    }
    ops.push(Op::StartTextSection);
    let mut at = (0.0, 0.0);
    for (placed, font) in runs {
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font.clone()),
            size: Pt(placed.run.style.size),
        });
        ops.push(Op::SetFillColor {
            col: color(placed.run.style.ink),
        });
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Pt(placed.x - at.0),
                y: Pt(baseline - at.1),
            },
        });
        at = (placed.x, baseline);
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(placed.run.text.clone())],
        });
    }
    ops.push(Op::EndTextSection);
}

fn paint_strikes(ops: &mut Vec<Op>, baseline: f32, line: &Line) {
    for placed in line.texts.iter().filter(|p| p.run.style.strike) {
        let y = baseline + 0.3 * placed.run.style.size;
        let end = placed.x + placed.run.width;
        stroke(ops, (placed.x, y), (end, y), 0.6, placed.run.style.ink);
    }
}

fn fill_rect(ops: &mut Vec<Op>, x: f32, y: f32, width: f32, height: f32, ink: Ink) {
    ops.push(Op::SetFillColor { col: color(ink) });
    ops.push(Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(width),
            height: Pt(height),
            mode: Some(PaintMode::Fill),
            winding_order: None,
        },
    });
}

fn stroke(ops: &mut Vec<Op>, from: (f32, f32), to: (f32, f32), thickness: f32, ink: Ink) {
    let point = |(x, y): (f32, f32)| LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    };
    ops.push(Op::SetOutlineColor { col: color(ink) });
    ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
    ops.push(Op::DrawLine {
        line: PathLine {
            points: vec![point(from), point(to)],
            is_closed: false,
        },
    });
}

fn color(ink: Ink) -> Color {
    Color::Rgb(Rgb {
        r: ink.0,
        g: ink.1,
        b: ink.2,
        icc_profile: None,
    })
}
