//! Dashboard charts as SVG, drawn on the server with plotters: no CDN, no script.
use plotters::prelude::*;
use time::Date;

#[derive(Debug, thiserror::Error)]
#[error("could not draw the chart: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// The drawing's size and text size: the SVG is scaled to its card (~370 px wide on a desktop,
/// ~350 on a phone), so text is drawn large enough to stay readable there (≥ 12 px).
const SIZE: (u32, u32) = (560, 280);
const FONT: u32 = 22;

pub const GREEN: RGBColor = RGBColor(16, 163, 127);
pub const BLUE: RGBColor = RGBColor(59, 130, 246);
pub const ORANGE: RGBColor = RGBColor(245, 158, 11);
pub const PURPLE: RGBColor = RGBColor(139, 92, 246);

/// Lines over days: `series` are (name, one value per day, colour).
pub fn daily_lines(
    days: &[Date],
    series: &[(&str, Vec<u64>, RGBColor)],
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, SIZE.1)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max = series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1);
        let n = days.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(68)
            .build_cartesian_2d(
                0usize..n.saturating_sub(1).max(1),
                0u64..(max + max / 10 + 1),
            )
            .map_err(err)?;
        let label = |i: &usize| {
            days.get(*i)
                .map(|d| format!("{:02}-{:02}", u8::from(d.month()), d.day()))
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&label)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(("sans-serif", FONT))
            .draw()
            .map_err(err)?;
        for (name, values, color) in series {
            let color = *color;
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(i, v)| (i, *v)),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(220, 220, 220))
                .label_font(("sans-serif", FONT))
                .position(SeriesLabelPosition::UpperLeft)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Horizontal-free bars for categories (prompts per model).
pub fn bars(categories: &[String], values: &[u64], color: RGBColor) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, SIZE.1)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max = values.iter().copied().max().unwrap_or(0).max(1);
        let n = categories.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(68)
            .build_cartesian_2d((0usize..n).into_segmented(), 0u64..(max + max / 10 + 1))
            .map_err(err)?;
        let label = |segment: &SegmentValue<usize>| match segment {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                categories.get(*i).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&label)
            .label_style(("sans-serif", FONT))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(color.filled())
                    .margin(12)
                    .data(values.iter().enumerate().map(|(i, v)| (i, *v))),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn charts_are_svg_documents() {
        let days = [
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 02),
            date!(2026 - 11 - 03),
        ];
        let svg = daily_lines(
            &days,
            &[
                ("prompts", vec![1, 5, 3], GREEN),
                ("users", vec![1, 2, 2], BLUE),
            ],
        )
        .unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("polyline") && svg.contains("11-02"),
            "{svg}"
        );
        let svg = bars(&["gpt-4o".into(), "local".into()], &[10, 4], ORANGE).unwrap();
        assert!(svg.contains("<rect") && svg.contains("gpt-4o"));
    }
}
