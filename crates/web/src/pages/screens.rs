//! Charts drawn for the screen they are seen on: SVG text scales with the
//! drawing, so one drawing squeezed onto a phone would have 5 px labels.

use quarterdeck_render::Chart;

/// The width charts are drawn at below 1,024 px: phones (a 310–370 px column)
/// and tablets (up to 960 px; text grows to about 30 px at most).
const PHONE_WIDTH: u32 = 330;

/// The chart drawn at its own width for wide screens and again for phones and
/// tablets; the stylesheet shows the one that fits (`.chart-wide`, `.chart-phone`).
/// A chart's own width is about its column at 1,024–1,440 px wide, so its text
/// stays at 11 px or more there.
pub fn for_screens(chart: &impl Chart) -> String {
    format!(
        "<div class=\"chart-wide\">{}</div><div class=\"chart-phone\">{}</div>",
        chart.svg(),
        chart.at_width(PHONE_WIDTH, "-phone").svg()
    )
}
