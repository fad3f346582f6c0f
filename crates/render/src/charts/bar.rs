//! Simple category bars, e.g. receivables by age bucket.

use rust_decimal::Decimal;

use super::columns::{Columns, category_labels, value_label, value_labels_fit};
use super::frame::{EDGE, domain_with_zero, empty_state, frame_with_legend};
use crate::format::ValueFormat;
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// One value per category.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique per page; prefixes the ids of `<title>` and `<desc>`.
    pub id: String,
    /// Accessible name, e.g. "Receivables by age".
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// Bars in display order.
    pub bars: Vec<Bar>,
    /// How values are shown.
    pub format: ValueFormat,
    /// Colours.
    pub palette: Palette,
}

/// One category's bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Category label, e.g. "Current", "1–30".
    pub label: String,
    /// The value; negative bars hang below zero.
    pub value: Decimal,
    /// Drill-down link for the bar.
    pub href: Option<String>,
    /// Draw in the warning colour with a bold value (e.g. overdue buckets), so the
    /// emphasis does not rely on colour alone.
    pub emphasis: bool,
}

/// Renders the bar chart as a standalone SVG document.
pub fn bar_chart(chart: &BarChart) -> String {
    let (w, h, p, f) = (chart.width, chart.height, &chart.palette, &chart.format);
    let mut svg = Svg::begin(
        &chart.id,
        &chart.title,
        &chart.description,
        w,
        h,
        "qd-bar-chart",
    );
    if chart.bars.is_empty() {
        empty_state(&mut svg, w, h, p);
        return svg.finish();
    }
    let domain = domain_with_zero(chart.bars.iter().map(|b| b.value));
    // 18 px of headroom keeps the value label over the tallest bar inside the chart.
    let frame = frame_with_legend((w, h), EDGE + 4.0, domain, f, &[], 18.0);
    frame.draw_grid(&mut svg, p);
    let cols = Columns::new(&frame, chart.bars.len(), 72.0);
    let zero = frame.y(Decimal::ZERO);

    svg.open("g", &[("class", "qd-bars")]);
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = frame.y(bar.value);
        let (class, fill) = if bar.emphasis {
            ("qd-bar qd-emphasis", &p.emphasis)
        } else {
            ("qd-bar", &p.accent)
        };
        let linked = svg.open_link(bar.href.as_deref());
        svg.titled(
            "rect",
            &[
                ("class", class),
                ("x", &px(cols.bar_left(i))),
                ("y", &px(y.min(zero))),
                ("width", &px(cols.bar)),
                ("height", &px((zero - y).abs())),
                ("fill", fill),
            ],
            &format!("{}: {}", bar.label, f.detail(bar.value)),
        );
        svg.close_link(linked);
    }
    svg.close("g");
    frame.draw_zero_line(&mut svg, p);

    let texts: Vec<String> = chart.bars.iter().map(|b| f.short(b.value)).collect();
    if value_labels_fit(&cols, &texts) {
        svg.open("g", &[("class", "qd-values")]);
        for (i, (bar, text)) in chart.bars.iter().zip(&texts).enumerate() {
            // Labels sit above the bar, or just above zero for a bar hanging below it.
            let y = frame.y(bar.value).min(zero) - 6.0;
            value_label(&mut svg, (cols.centre(i), y), text, bar.emphasis, p);
        }
        svg.close("g");
    }
    let labels: Vec<&str> = chart.bars.iter().map(|b| b.label.as_str()).collect();
    category_labels(&mut svg, &frame, &cols, &labels, p);
    svg.finish()
}
