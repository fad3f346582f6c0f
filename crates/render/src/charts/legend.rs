//! Legends: a swatch plus text for each series, so colour is never the only cue.

use super::labels::text_width;
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// Height of one legend row.
const ROW: f64 = 18.0;
/// Width of a swatch.
const SWATCH: f64 = 14.0;

/// How a legend entry is drawn.
#[derive(Debug, Clone)]
pub(crate) enum Swatch {
    /// A filled square, for bars.
    Block { fill: String, class: String },
    /// A short line, for series.
    Line { stroke: String, class: String },
    /// A translucent block crossed by a dashed line, for a forecast with its band.
    Band {
        fill: String,
        stroke: String,
        class: String,
    },
    /// A dotted line, for a period still in progress.
    Dotted { stroke: String, class: String },
    /// A block crossed by white stripes, for bars of a period still in progress.
    Hatched { fill: String, class: String },
    /// A short dark dash with a dot, for net markers.
    Marker { stroke: String, class: String },
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub swatch: Swatch,
    pub label: String,
}

/// Positions (x, row) for each item, wrapping before `max_x`.
fn layout(items: &[Item], x0: f64, max_x: f64) -> Vec<(f64, usize)> {
    let mut out = Vec::with_capacity(items.len());
    let (mut x, mut row) = (x0, 0);
    for item in items {
        let w = SWATCH + 6.0 + text_width(&item.label, 12.0);
        if x > x0 && x + w > max_x {
            x = x0;
            row += 1;
        }
        out.push((x, row));
        x += w + 18.0;
    }
    out
}

/// Vertical space the legend needs (zero without items).
pub(crate) fn height(items: &[Item], x0: f64, max_x: f64) -> f64 {
    layout(items, x0, max_x)
        .last()
        .map_or(0.0, |(_, row)| (*row + 1) as f64 * ROW)
}

/// Draws the legend with its top-left corner at (`x0`, `y0`).
pub(crate) fn draw(
    svg: &mut Svg,
    items: &[Item],
    (x0, y0): (f64, f64),
    max_x: f64,
    palette: &Palette,
) {
    if items.is_empty() {
        return;
    }
    svg.open("g", &[("class", "qd-legend")]);
    for (item, (x, row)) in items.iter().zip(layout(items, x0, max_x)) {
        let y = y0 + row as f64 * ROW;
        let mid = y + 6.0;
        match &item.swatch {
            Swatch::Block { fill, class } => {
                let d = format!("M{} {}h12v12h-12z", px(x + 1.0), px(y));
                svg.empty("path", &[("class", class), ("d", &d), ("fill", fill)]);
            }
            Swatch::Line { stroke, class } => line(svg, class, stroke, x, mid, None),
            Swatch::Dotted { stroke, class } => line(svg, class, stroke, x, mid, Some("2 3")),
            Swatch::Hatched { fill, class } => {
                let d = format!("M{} {}h12v12h-12z", px(x + 1.0), px(y));
                svg.empty("path", &[("class", class), ("d", &d), ("fill", fill)]);
                super::hatch::stripes(svg, (x + 1.0, y, 12.0, 12.0));
            }
            Swatch::Band {
                fill,
                stroke,
                class,
            } => {
                let d = format!("M{} {}h{SWATCH}v12h-{SWATCH}z", px(x), px(y));
                svg.empty(
                    "path",
                    &[
                        ("class", "qd-band"),
                        ("d", &d),
                        ("fill", fill),
                        ("fill-opacity", "0.15"),
                    ],
                );
                line(svg, class, stroke, x, mid, Some("4 2"));
            }
            Swatch::Marker { stroke, class } => {
                line(svg, class, stroke, x, mid, None);
                svg.empty(
                    "circle",
                    &[
                        ("class", class),
                        ("cx", &px(x + SWATCH / 2.0)),
                        ("cy", &px(mid)),
                        ("r", "2.5"),
                        ("fill", stroke),
                    ],
                );
            }
        }
        svg.text(
            "text",
            &[
                ("class", "qd-label qd-legend-label"),
                ("x", &px(x + SWATCH + 6.0)),
                ("y", &px(mid + 4.0)),
                ("fill", &palette.text),
            ],
            &item.label,
        );
    }
    svg.close("g");
}

fn line(svg: &mut Svg, class: &str, stroke: &str, x: f64, y: f64, dash: Option<&str>) {
    let (x1, x2, yy) = (px(x), px(x + SWATCH), px(y));
    let mut attrs = vec![
        ("class", class),
        ("x1", x1.as_str()),
        ("x2", x2.as_str()),
        ("y1", yy.as_str()),
        ("y2", yy.as_str()),
        ("stroke", stroke),
        ("stroke-width", "2"),
        ("stroke-linecap", "round"),
    ];
    if let Some(d) = dash {
        attrs.push(("stroke-dasharray", d));
    }
    svg.empty("line", &attrs);
}
