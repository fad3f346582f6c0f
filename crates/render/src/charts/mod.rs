//! Standalone SVG charts.
//!
//! Each function returns a complete `<svg>` document: sized in px, labelled for
//! screen readers through `<title>`/`<desc>`, drawn with concrete colours from a
//! [`Palette`] and tagged with `qd-*` classes so page CSS can restyle it.

mod bar;
mod columns;
mod frame;
mod heat;
mod labels;
mod legend;
mod line;
mod sparkline;
mod stacked;
mod ticks;
mod waterfall;

pub use crate::format::ValueFormat;
pub use crate::movement::MovementKind;
pub use crate::palette::Palette;
pub use bar::{Bar, BarChart, bar_chart};
pub use heat::heat_cell_style;
pub use line::{ForecastPoint, LineChart, line_chart};
pub use sparkline::sparkline;
pub use stacked::{BarBucket, BarSegment, StackedBars, stacked_bars};
pub use ticks::nice_ticks;
pub use waterfall::{Waterfall, WaterfallStep, waterfall};
