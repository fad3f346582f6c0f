//! Standalone SVG charts.
//!
//! Each function returns a complete `<svg>` document: sized in px, labelled for
//! screen readers through `<title>`/`<desc>`, drawn with concrete colours from a
//! [`Palette`] and tagged with `qd-*` classes so page CSS can restyle it.

mod bar;
mod columns;
mod frame;
mod hatch;
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
pub use line::{DateAxis, ForecastPoint, LineChart, line_chart};
pub use sparkline::sparkline;
pub use stacked::{BarBucket, BarSegment, StackedBars, stacked_bars};
pub use ticks::nice_ticks;
pub use waterfall::{Waterfall, WaterfallStep, waterfall};

/// A chart that can be drawn at another width, so a page can draw it once for
/// wide screens and once for phones and keep its text legible on both.
pub trait Chart: Clone {
    /// The chart as a standalone SVG document.
    fn svg(&self) -> String;
    /// The same chart at `width` px, its ids suffixed so both copies can share a page.
    fn at_width(&self, width: u32, id_suffix: &str) -> Self;
}

/// Implements [`Chart`] for a chart struct with `id` and `width` fields.
macro_rules! chart {
    ($ty:ty, $draw:path) => {
        impl Chart for $ty {
            fn svg(&self) -> String {
                $draw(self)
            }
            fn at_width(&self, width: u32, id_suffix: &str) -> Self {
                let mut c = self.clone();
                c.width = width;
                c.id.push_str(id_suffix);
                c
            }
        }
    };
}
chart!(LineChart, line_chart);
chart!(StackedBars, stacked_bars);
chart!(Waterfall, waterfall);
chart!(BarChart, bar_chart);
