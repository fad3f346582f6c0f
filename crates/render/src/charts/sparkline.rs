//! Word-sized trend lines for KPI cards.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::palette::Palette;
use crate::svg::{Svg, px};

/// A tiny line with no axes and a dot on the latest value. Empty input gives an empty
/// (but valid) SVG; a single value gives just the dot. The vertical scale is the
/// values' own range, since a sparkline shows shape, not magnitude.
pub fn sparkline(
    id: &str,
    title: &str,
    values: &[Decimal],
    width: u32,
    height: u32,
    palette: &Palette,
) -> String {
    let desc = match values.len() {
        0 => "No data".to_owned(),
        1 => "One value".to_owned(),
        n => format!("Trend over {n} periods"),
    };
    let mut svg = Svg::begin(id, title, &desc, width, height, "qd-sparkline");
    if values.is_empty() {
        return svg.finish();
    }
    // Inset by the dot's radius plus stroke so the dot is never clipped.
    let pad = 3.5;
    let (w, h) = (f64::from(width), f64::from(height));
    let nums: Vec<f64> = values.iter().map(|v| v.to_f64().unwrap_or(0.0)).collect();
    let (lo, hi) = nums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let x = |i: usize| {
        if nums.len() < 2 {
            w / 2.0
        } else {
            pad + i as f64 / (nums.len() - 1) as f64 * (w - 2.0 * pad).max(0.0)
        }
    };
    let y = |v: f64| {
        if hi > lo {
            h - pad - (v - lo) / (hi - lo) * (h - 2.0 * pad).max(0.0)
        } else {
            h / 2.0
        }
    };
    if nums.len() > 1 {
        let d: Vec<String> = nums
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{} {}", px(x(i)), px(y(*v))))
            .collect();
        svg.empty(
            "path",
            &[
                ("class", "qd-line"),
                ("d", &format!("M{}", d.join("L"))),
                ("fill", "none"),
                ("stroke", &palette.accent),
                ("stroke-width", "1.5"),
                ("stroke-linejoin", "round"),
                ("stroke-linecap", "round"),
            ],
        );
    }
    let last = nums.len() - 1;
    svg.empty(
        "circle",
        &[
            ("class", "qd-line qd-marker"),
            ("cx", &px(x(last))),
            ("cy", &px(y(nums[last]))),
            ("r", "2.5"),
            ("fill", &palette.accent),
        ],
    );
    svg.finish()
}
