//! Server-side rendering helpers shared by the HTML pages, the PDF report and the
//! email digests: number formatting and standalone SVG charts.
//!
//! Everything here is pure: functions take values and return strings, so the same
//! output can be inlined into HTML, rasterised for PDF or attached to an email.

pub mod charts;
pub mod format;
pub mod movement;
pub mod palette;
pub mod svg;

pub use charts::{
    Bar, BarBucket, BarChart, BarSegment, ForecastPoint, LineChart, StackedBars, Waterfall,
    WaterfallStep, bar_chart, heat_cell_style, line_chart, nice_ticks, sparkline, stacked_bars,
    waterfall,
};
pub use format::ValueFormat;
pub use movement::MovementKind;
pub use palette::Palette;
