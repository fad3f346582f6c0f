//! Diagonal white stripes over a mark: how a bar of a period still in progress is
//! drawn apart from whole periods, in any colour and without relying on colour.

use std::fmt::Write as _;

use crate::svg::{Svg, px};

/// Distance between stripes along an edge, px.
const PITCH: f64 = 5.0;

/// Draws 45° stripes cut to the rectangle `(x, y, width, height)`. Plain lines
/// instead of a `<pattern>`, so no ids are needed and every renderer (browsers,
/// resvg for PNG and PDF) draws the same.
pub(crate) fn stripes(svg: &mut Svg, (x, y, width, height): (f64, f64, f64, f64)) {
    if width <= 0.0 || height <= 0.0 {
        return;
    }
    // A stripe is the set of points u + v = c, with u rightwards from the left edge
    // and v upwards from the bottom edge, cut to 0 ≤ u ≤ width, 0 ≤ v ≤ height.
    let mut d = String::new();
    let mut c = PITCH / 2.0;
    while c < width + height {
        let (u0, u1) = ((c - height).max(0.0), c.min(width));
        let _ = write!(
            d,
            "M{} {}L{} {}",
            px(x + u0),
            px(y + height - (c - u0)),
            px(x + u1),
            px(y + height - (c - u1))
        );
        c += PITCH;
    }
    svg.empty(
        "path",
        &[
            ("class", "qd-hatch"),
            ("d", &d),
            ("stroke", "#ffffff"),
            ("stroke-opacity", "0.75"),
            ("stroke-width", "1.5"),
            ("fill", "none"),
            // The bar underneath keeps its tooltip and link.
            ("pointer-events", "none"),
        ],
    );
}
