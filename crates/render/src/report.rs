//! The data an executive report (PDF) or workbook (XLSX) is made from.
//!
//! Plain values the server fills in: text is already worded and formatted for
//! people (KPI cards), while table cells stay typed so the PDF can format them and
//! the workbook can store real numbers and dates.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::format;

/// One headline metric, as shown on a KPI card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportKpi {
    /// What is measured, e.g. "MRR".
    pub label: String,
    /// The formatted value, e.g. "$1.23M".
    pub value: String,
    /// The formatted change, e.g. "▲ 3.2%", or "" when there is no comparison.
    pub change: String,
    /// The comparison value, e.g. "vs $1.2M before", or "".
    pub previous: String,
    /// "On target", "Watch", "Off target", or "" when the metric has no target.
    pub status: String,
    /// Whether the change was good or bad news by the metric's direction (the
    /// arrow's colour; the status against the target is a separate signal).
    pub tone: Tone,
    /// The value, typed (for the workbook's numeric cells).
    pub value_cell: CellValue,
    /// The change, typed: relative (a ratio) or, for ratios, in points.
    pub change_cell: CellValue,
    /// The comparison value, typed.
    pub previous_cell: CellValue,
}

/// Whether a change is good news, bad news or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// The metric moved the way it should (up for MRR, down for churn).
    Good,
    /// The metric moved the wrong way.
    Bad,
    /// No change, or no comparison.
    #[default]
    Neutral,
}

impl Tone {
    /// The colour a change in this tone is printed in (the page's good/bad colours).
    pub fn hex(self) -> &'static str {
        match self {
            Tone::Good => "#0b6e35",
            Tone::Bad => "#b42318",
            Tone::Neutral => "#576170",
        }
    }
}

/// A chart to place in the report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportChart {
    /// The heading above the chart, e.g. "MRR".
    pub title: String,
    /// A complete SVG document from [`crate::charts`], drawn with [`crate::Palette::print`].
    pub svg: String,
}

/// One typed table cell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CellValue {
    /// Free text, e.g. a customer name.
    Text(String),
    /// An amount in the report's currency.
    Money(Decimal),
    /// A ratio shown as a percentage: 0.0325 is 3.25%.
    Ratio(Decimal),
    /// A whole number, e.g. customers.
    Count(i64),
    /// Any other number, e.g. a quick ratio.
    Number(Decimal),
    /// A change of a ratio in percentage points: 0.012 is +1.2 pp.
    Points(Decimal),
    /// A calendar date.
    Date(NaiveDate),
    /// No value.
    #[default]
    Empty,
}

impl CellValue {
    /// Whether the value is numeric, and so right-aligned in print.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            CellValue::Money(_)
                | CellValue::Ratio(_)
                | CellValue::Count(_)
                | CellValue::Number(_)
                | CellValue::Points(_)
        )
    }

    /// The value as people read it: money in `currency`, ratios as percentages with
    /// one decimal, counts with separators, numbers with two decimals, dates as
    /// YYYY-MM-DD.
    pub fn display(&self, currency: &str) -> String {
        match self {
            CellValue::Text(t) => t.clone(),
            CellValue::Money(v) => format::money(*v, currency),
            CellValue::Ratio(v) => format::percent(*v, 1),
            CellValue::Count(n) => format::count(Decimal::from(*n)),
            CellValue::Number(v) => format::number(*v, 2),
            CellValue::Points(v) => format::signed_points(*v),
            CellValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            CellValue::Empty => String::new(),
        }
    }
}

/// A titled table of typed rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTable {
    /// The heading, e.g. "Top customers"; also the worksheet name in workbooks.
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows of cells; a short row is padded with empty cells.
    pub rows: Vec<Vec<CellValue>>,
}

/// Everything in one report or workbook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportModel {
    /// The organisation the report is for.
    pub tenant_name: String,
    /// The report's title, e.g. "Executive report".
    pub title: String,
    /// The period covered, e.g. "Jan 1 – Mar 31, 2026".
    pub period: String,
    /// The comparison period, e.g. "Oct 1 – Dec 31, 2025", if any.
    pub comparison: Option<String>,
    /// The filters applied, e.g. "All customers" or "segment: smb".
    pub filters: String,
    /// ISO 4217 code that money cells are in, e.g. "USD".
    pub currency: String,
    /// When the report was made, e.g. "2026-11-22 03:40 UTC".
    pub generated_at: String,
    /// Headline metrics.
    pub kpis: Vec<ReportKpi>,
    /// Charts, in order.
    pub charts: Vec<ReportChart>,
    /// Tables, in order.
    pub tables: Vec<ReportTable>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn cells_display_with_the_crate_formats() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(CellValue::Money(dec!(-1234.5)).display("USD"), "−$1,234.50");
        assert_eq!(
            CellValue::Money(dec!(1234.5)).display("CHF"),
            "CHF 1,234.50"
        );
        assert_eq!(CellValue::Ratio(dec!(0.0325)).display("USD"), "3.3%");
        assert_eq!(CellValue::Count(1_204_000).display("USD"), "1,204,000");
        assert_eq!(CellValue::Number(dec!(2.345)).display("USD"), "2.35");
        assert_eq!(CellValue::Date(d).display("USD"), "2026-03-09");
        assert_eq!(CellValue::Text("Acme".into()).display("USD"), "Acme");
        assert_eq!(CellValue::Empty.display("USD"), "");
        assert!(CellValue::Count(1).is_numeric());
        assert!(!CellValue::Date(d).is_numeric());
    }
}
