//! The plot area shared by charts with a value axis: margins, the y scale, grid lines
//! with tick labels, the zero line, and the empty state.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::labels::text_width;
use super::ticks::nice_ticks;
use crate::format::ValueFormat;
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// Space kept clear at the outer edges so nothing touches the border.
pub(crate) const EDGE: f64 = 12.0;
/// Room below the plot for category/date labels.
pub(crate) const BOTTOM: f64 = 34.0;
/// Distance from the plot bottom to the baseline of x labels.
pub(crate) const X_LABEL_DY: f64 = 20.0;

/// A laid-out plot: pixel bounds plus the value scale and its ticks.
#[derive(Debug)]
pub(crate) struct Frame {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    lo: f64,
    hi: f64,
    ticks: Vec<Decimal>,
    labels: Vec<String>,
}

impl Frame {
    /// Lays out a `width`×`height` chart whose value axis covers `min..=max`, with
    /// `top` px above the plot and `right_margin` px right of it.
    pub fn new(
        width: u32,
        height: u32,
        top: f64,
        right_margin: f64,
        (min, max): (Decimal, Decimal),
        format: &ValueFormat,
    ) -> Frame {
        let (width, height) = (f64::from(width), f64::from(height));
        let bottom = (height - BOTTOM).max(top + 1.0);
        // Roughly one grid line per 50 px keeps the grid light but readable.
        let n = ((bottom - top) / 50.0).round().clamp(2.0, 6.0) as usize + 1;
        let ticks = nice_ticks(min, max, n);
        let labels = format.axis_labels(&ticks);
        let label_width = labels
            .iter()
            .map(|l| text_width(l, 12.0))
            .fold(0.0, f64::max);
        let left = (EDGE + label_width + 8.0).max(40.0);
        let right = (width - right_margin).max(left + 1.0);
        let lo = ticks.first().and_then(|t| t.to_f64()).unwrap_or(0.0);
        let hi = ticks.last().and_then(|t| t.to_f64()).unwrap_or(1.0);
        Frame {
            left,
            right,
            top,
            bottom,
            lo,
            hi,
            ticks,
            labels,
        }
    }

    /// The y pixel of a value.
    pub fn y(&self, v: Decimal) -> f64 {
        self.y_f64(v.to_f64().unwrap_or(0.0))
    }

    fn y_f64(&self, v: f64) -> f64 {
        if self.hi <= self.lo {
            return self.bottom;
        }
        self.bottom - (v - self.lo) / (self.hi - self.lo) * (self.bottom - self.top)
    }

    /// Plot width in px.
    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    /// Light horizontal grid lines with value labels on the left.
    pub fn draw_grid(&self, svg: &mut Svg, palette: &Palette) {
        svg.open("g", &[("class", "qd-grid-lines")]);
        for (tick, label) in self.ticks.iter().zip(&self.labels) {
            let y = crisp(self.y(*tick));
            svg.empty(
                "line",
                &[
                    ("class", "qd-grid"),
                    ("x1", &px(self.left)),
                    ("x2", &px(self.right)),
                    ("y1", &px(y)),
                    ("y2", &px(y)),
                    ("stroke", &palette.grid),
                    ("stroke-width", "1"),
                ],
            );
            svg.text(
                "text",
                &[
                    ("class", "qd-label qd-tick"),
                    ("x", &px(self.left - 8.0)),
                    ("y", &px(y + 4.0)),
                    ("text-anchor", "end"),
                    ("fill", &palette.muted),
                ],
                label,
            );
        }
        svg.close("g");
    }

    /// The zero line, drawn over bars and bands so the baseline stays visible.
    pub fn draw_zero_line(&self, svg: &mut Svg, palette: &Palette) {
        if self.lo > 0.0 || self.hi < 0.0 {
            return;
        }
        let y = crisp(self.y(Decimal::ZERO));
        svg.empty(
            "line",
            &[
                ("class", "qd-axis"),
                ("x1", &px(self.left)),
                ("x2", &px(self.right)),
                ("y1", &px(y)),
                ("y2", &px(y)),
                ("stroke", &palette.axis),
                ("stroke-width", "1"),
            ],
        );
    }

    /// Category or date labels below the plot, centred on the given x positions.
    pub fn draw_x_labels(&self, svg: &mut Svg, palette: &Palette, labels: &[(f64, String)]) {
        svg.open("g", &[("class", "qd-x-labels")]);
        for (x, text) in labels {
            svg.text(
                "text",
                &[
                    ("class", "qd-label qd-tick"),
                    ("x", &px(*x)),
                    ("y", &px(self.bottom + X_LABEL_DY)),
                    ("text-anchor", "middle"),
                    ("fill", &palette.muted),
                ],
                text,
            );
        }
        svg.close("g");
    }
}

/// Centres a 1 px line on a pixel row so it renders sharp rather than as a 2 px smear.
fn crisp(y: f64) -> f64 {
    y.floor() + 0.5
}

/// The smallest and largest of `values` and zero: bars and MRR lines start at zero
/// so heights are honest.
pub(crate) fn domain_with_zero(values: impl IntoIterator<Item = Decimal>) -> (Decimal, Decimal) {
    values
        .into_iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The "No data for this period" message in place of a plot.
pub(crate) fn empty_state(svg: &mut Svg, width: u32, height: u32, palette: &Palette) {
    svg.text(
        "text",
        &[
            ("class", "qd-label qd-empty"),
            ("x", &px(f64::from(width) / 2.0)),
            ("y", &px(f64::from(height) / 2.0 + 5.0)),
            ("text-anchor", "middle"),
            ("font-size", "14px"),
            ("fill", &palette.muted),
        ],
        "No data for this period",
    );
}

/// A frame with the legend's rows reserved above it, plus `headroom` px (e.g. for
/// value labels over the tallest bar). The legend starts at the plot's left edge,
/// which depends on the tick labels, hence the probe layout first.
pub(crate) fn frame_with_legend(
    (width, height): (u32, u32),
    right_margin: f64,
    domain: (Decimal, Decimal),
    format: &ValueFormat,
    legend: &[super::legend::Item],
    headroom: f64,
) -> Frame {
    let probe = Frame::new(width, height, 40.0, right_margin, domain, format);
    let max_x = f64::from(width) - EDGE;
    let legend_height = super::legend::height(legend, probe.left, max_x);
    let gap = if legend.is_empty() { 4.0 } else { 12.0 };
    Frame::new(
        width,
        height,
        EDGE + legend_height + gap + headroom,
        right_margin,
        domain,
        format,
    )
}
