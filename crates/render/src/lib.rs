//! Server-side rendering helpers shared by the HTML pages, the PDF report and the
//! email digests: number formatting, standalone SVG charts, and the documents made
//! from them (PDF report, XLSX workbook, PNG chart images).
//!
//! Everything here is pure: functions take values and return strings or bytes, so
//! the same output can be inlined into HTML, attached to an email or downloaded.
//! Documents use only the fonts embedded in this crate, never the system's.

pub mod charts;
pub mod csv_cell;
mod fonts;
pub mod format;
pub mod movement;
pub mod palette;
pub mod pdf;
pub mod png;
pub mod report;
pub mod svg;
pub mod xlsx;

pub use charts::{
    Bar, BarBucket, BarChart, BarSegment, Chart, DateAxis, ForecastPoint, LineChart, StackedBars,
    Waterfall, WaterfallStep, bar_chart, heat_cell_style, line_chart, nice_ticks, sparkline,
    stacked_bars, waterfall,
};
pub use format::ValueFormat;
pub use movement::MovementKind;
pub use palette::Palette;
pub use pdf::executive_pdf;
pub use png::svg_to_png;
pub use report::{CellValue, ReportChart, ReportKpi, ReportModel, ReportTable, Tone};
pub use xlsx::workbook;
