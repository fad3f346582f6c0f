//! Concrete chart colours.
//!
//! Every mark carries one of these as a presentation attribute (so resvg and PDF
//! output get real colours without CSS) plus a `qd-*` class that page CSS can use to
//! restyle it, e.g. for a dark theme.

use crate::movement::MovementKind;

/// The colours a chart is drawn with (CSS colour strings, normally hex).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Palette {
    /// Page background; used for marker outlines and gaps between stacked segments.
    pub background: String,
    /// Primary text, e.g. legend labels.
    pub text: String,
    /// Secondary text such as tick labels (kept at WCAG AA contrast).
    pub muted: String,
    /// Horizontal grid lines.
    pub grid: String,
    /// The zero line and connectors.
    pub axis: String,
    /// The main series, e.g. the MRR line.
    pub accent: String,
    /// The forecast uncertainty band (drawn with transparency over the grid).
    pub band: String,
    /// Start and end totals in a waterfall.
    pub total: String,
    /// Bars that need attention, e.g. overdue receivables.
    pub emphasis: String,
    /// Net markers on stacked bars.
    pub net: String,
    /// New business.
    pub new: String,
    /// Expansion of existing customers.
    pub expansion: String,
    /// Returning customers.
    pub reactivation: String,
    /// Downgrades.
    pub contraction: String,
    /// Lost customers.
    pub churn: String,
}

impl Palette {
    /// Colours for screens with a light background.
    ///
    /// Movement colours follow the Okabe–Ito set, chosen to stay distinguishable
    /// with the common forms of colour blindness.
    pub fn light() -> Palette {
        Palette {
            background: "#ffffff".into(),
            text: "#1f2937".into(),
            muted: "#5f6b7a".into(),
            grid: "#e5e7eb".into(),
            axis: "#6b7280".into(),
            accent: "#2563eb".into(),
            band: "#2563eb".into(),
            total: "#64748b".into(),
            emphasis: "#d55e00".into(),
            net: "#1f2937".into(),
            new: "#0072b2".into(),
            expansion: "#009e73".into(),
            reactivation: "#cc79a7".into(),
            contraction: "#e69f00".into(),
            churn: "#d55e00".into(),
        }
    }

    /// Colours for paper: darker text and grid lines that survive printing.
    pub fn print() -> Palette {
        Palette {
            text: "#111827".into(),
            muted: "#4b5563".into(),
            grid: "#d1d5db".into(),
            axis: "#4b5563".into(),
            accent: "#1d4ed8".into(),
            band: "#1d4ed8".into(),
            total: "#475569".into(),
            net: "#111827".into(),
            ..Palette::light()
        }
    }

    /// The fill for a revenue movement.
    pub fn movement(&self, kind: MovementKind) -> &str {
        match kind {
            MovementKind::New => &self.new,
            MovementKind::Expansion => &self.expansion,
            MovementKind::Reactivation => &self.reactivation,
            MovementKind::Contraction => &self.contraction,
            MovementKind::Churn => &self.churn,
        }
    }
}

impl Default for Palette {
    fn default() -> Self {
        Palette::light()
    }
}
