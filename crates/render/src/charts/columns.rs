//! Shared geometry and labelling for charts made of vertical bars, one per column.

use super::frame::Frame;
use super::labels::{fit, text_width};
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// Evenly divided columns across a frame, each with a centred bar.
#[derive(Debug)]
pub(crate) struct Columns {
    left: f64,
    /// Width of one column.
    pub band: f64,
    /// Width of the bar inside it.
    pub bar: f64,
}

impl Columns {
    /// `n` columns across `frame`, bars taking most of each column but at most
    /// `max_bar` px so a handful of bars does not turn into slabs.
    pub fn new(frame: &Frame, n: usize, max_bar: f64) -> Columns {
        let band = frame.width() / n.max(1) as f64;
        let bar = (band * 0.64).clamp(1.0, max_bar.max(1.0));
        Columns {
            left: frame.left,
            band,
            bar,
        }
    }

    /// Centre x of column `i`.
    pub fn centre(&self, i: usize) -> f64 {
        self.left + (i as f64 + 0.5) * self.band
    }

    /// Left x of the bar in column `i`.
    pub fn bar_left(&self, i: usize) -> f64 {
        self.centre(i) - self.bar / 2.0
    }
}

/// A value label over a bar, with a background-coloured halo so grid lines behind it
/// do not cut through the digits.
pub(crate) fn value_label(
    svg: &mut Svg,
    (x, y): (f64, f64),
    text: &str,
    strong: bool,
    palette: &Palette,
) {
    svg.text(
        "text",
        &[
            ("class", "qd-label qd-value"),
            ("x", &px(x)),
            ("y", &px(y)),
            ("text-anchor", "middle"),
            ("fill", &palette.text),
            ("font-weight", if strong { "700" } else { "400" }),
            ("stroke", &palette.background),
            ("stroke-width", "3"),
            ("stroke-linejoin", "round"),
            ("paint-order", "stroke"),
        ],
        text,
    );
}

/// Whether every value label fits over its bar's column without touching neighbours.
pub(crate) fn value_labels_fit(columns: &Columns, labels: &[String]) -> bool {
    labels
        .iter()
        .all(|l| text_width(l, 12.0) <= columns.band - 4.0)
}

/// Category names under each column. When one is wider than its column, the
/// labels alternate between two rows (each then has two columns of room);
/// what still does not fit is shortened with "…", the full name on hover.
pub(crate) fn category_labels(
    svg: &mut Svg,
    frame: &Frame,
    columns: &Columns,
    labels: &[&str],
    palette: &Palette,
) {
    let stagger = labels.len() > 1
        && labels
            .iter()
            .any(|l| text_width(l, 12.0) > columns.band - 4.0);
    let room = if stagger {
        2.0 * columns.band - 6.0
    } else {
        columns.band - 4.0
    };
    svg.open("g", &[("class", "qd-x-labels")]);
    for (i, label) in labels.iter().enumerate() {
        let shown = fit(label, room, 12.0);
        // Two rows fit in the room under the plot: 15 and 29 px below it.
        let dy = match (stagger, i % 2) {
            (false, _) => super::frame::X_LABEL_DY,
            (true, 0) => 15.0,
            (true, _) => 29.0,
        };
        let (x, y) = (px(columns.centre(i)), px(frame.bottom + dy));
        let attrs = [
            ("class", "qd-label qd-tick"),
            ("x", x.as_str()),
            ("y", y.as_str()),
            ("text-anchor", "middle"),
            ("fill", palette.muted.as_str()),
        ];
        if shown == *label {
            svg.text("text", &attrs, label);
        } else {
            svg.text_titled(&attrs, &shown, label);
        }
    }
    svg.close("g");
}
