//! Writing the metric answers' numbers for people: formats, dashes and
//! which way is good, all from the metric catalogue.

use chrono::{Datelike, NaiveDate};
use quarterdeck_engine::catalogue::{self, Unit as CatalogueUnit};
use quarterdeck_render::format;
use quarterdeck_render::{CellValue, Tone, ValueFormat};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The display format of a summary metric (from its catalogue unit).
pub fn format_of(metric: &str, currency: &str) -> ValueFormat {
    match catalogue::metric(metric).map_or(CatalogueUnit::Ratio, |m| m.unit) {
        CatalogueUnit::Days => ValueFormat::Days,
        CatalogueUnit::Multiple => ValueFormat::Ratio,
        CatalogueUnit::Money => ValueFormat::Money {
            currency: currency.to_string(),
        },
        CatalogueUnit::Count => ValueFormat::Count,
        CatalogueUnit::Ratio => ValueFormat::Percent,
        CatalogueUnit::Score => ValueFormat::Score,
    }
}

/// The format of a metric on a card: money briefly ($1.15M), the rest as
/// `format_of` (the exact figure goes in the hover text and the tables).
pub fn brief_format_of(metric: &str, currency: &str) -> ValueFormat {
    match format_of(metric, currency) {
        ValueFormat::Money { currency } => ValueFormat::MoneyCompact { currency },
        other => other,
    }
}

/// A value for a table cell or card, "—" when undefined.
pub fn show(v: Option<Decimal>, f: &ValueFormat) -> String {
    v.map_or_else(|| "—".to_string(), |v| f.apply(v))
}

/// A metric's value as a typed cell (for workbooks): money, a ratio, a whole
/// count or a number; no value is an empty cell.
pub fn cell_of(metric: &str, v: Option<Decimal>) -> CellValue {
    let Some(v) = v else {
        return CellValue::Empty;
    };
    match catalogue::metric(metric).map_or(CatalogueUnit::Ratio, |m| m.unit) {
        CatalogueUnit::Money => CellValue::Money(v),
        CatalogueUnit::Ratio => CellValue::Ratio(v),
        CatalogueUnit::Count if v.fract().is_zero() => {
            v.to_i64().map_or(CellValue::Number(v), CellValue::Count)
        }
        _ => CellValue::Number(v),
    }
}

/// A metric's change as a typed cell: in points for ratios, else relative.
pub fn change_cell_of(metric: &str, f: &crate::metrics::result::Figure) -> CellValue {
    let points = catalogue::metric(metric).is_some_and(|d| d.unit == CatalogueUnit::Ratio);
    match (points, f.change_pp, f.change) {
        (true, Some(pp), _) => CellValue::Points(pp),
        (false, _, Some(c)) => CellValue::Ratio(c),
        _ => CellValue::Empty,
    }
}

/// Whether a move in direction `dir` (`up`, `down`, `flat`, from [`change_of`])
/// is good news for `metric`.
pub fn tone_of(metric: &str, dir: &str) -> Tone {
    match (dir, lower_is_better(metric)) {
        ("up", false) | ("down", true) => Tone::Good,
        ("up", true) | ("down", false) => Tone::Bad,
        _ => Tone::Neutral,
    }
}

/// Money for a table cell.
pub fn money(v: Option<Decimal>, currency: &str) -> String {
    v.map_or_else(|| "—".to_string(), |v| format::money(v, currency))
}

/// Why a metric has no value, for the "—" hover text.
pub fn why_undefined(metric: &str) -> &'static str {
    catalogue::metric(metric).map_or("Not defined for this period and filter.", |m| {
        m.undefined_when
    })
}

/// Which way is good for a metric (churn going down is good).
pub fn lower_is_better(metric: &str) -> bool {
    catalogue::metric(metric).is_some_and(|m| m.lower_is_better())
}

/// A readable date range.
pub fn period_label(from: NaiveDate, to: NaiveDate) -> String {
    if from.year() == to.year() {
        format!("{} – {}", from.format("%b %-d"), to.format("%b %-d, %Y"))
    } else {
        format!(
            "{} – {}",
            from.format("%b %-d, %Y"),
            to.format("%b %-d, %Y")
        )
    }
}

/// "Mar 1 – Mar 31, 2026" for a period (digests and reports).
pub fn period_label_of(p: quarterdeck_engine::Period) -> String {
    period_label(p.from, p.to)
}

/// Which way a figure moved and how the move reads: "▲ 3.2%", or for a
/// ratio in percentage points, "▲ 1.2 pp"; `("flat", "")` when there is no
/// change to tell. The direction is `up`, `down` or `flat`.
pub fn change_of(metric: &str, f: &crate::metrics::result::Figure) -> (&'static str, String) {
    let points = catalogue::metric(metric).is_some_and(|d| d.unit == CatalogueUnit::Ratio);
    movement(if points { f.change_pp } else { f.change }, points)
}

/// How a change reads: a relative change ("▲ 3.2%") or, with `points`, a
/// difference of ratios in percentage points ("▲ 1.2 pp"), with its direction.
pub fn movement(change: Option<Decimal>, points: bool) -> (&'static str, String) {
    let Some(c) = change else {
        return ("flat", String::new());
    };
    // A change that shows as 0.0 reads as no change: no arrow, no colour.
    let shown = (c * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let (arrow, dir) = if shown.is_zero() {
        ("▬", "flat")
    } else if c > Decimal::ZERO {
        ("▲", "up")
    } else if c < Decimal::ZERO {
        ("▼", "down")
    } else {
        ("▬", "flat")
    };
    let text = if points {
        format::signed_points(c)
    } else {
        format::signed_change(c)
    };
    (
        dir,
        format!("{arrow} {}", text.trim_start_matches(['+', '−'])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_values_show_a_dash() {
        assert_eq!(show(None, &ValueFormat::Percent), "—");
        assert_eq!(format_of("dso", "USD"), ValueFormat::Days);
        assert!(lower_is_better("customer_churn_rate") && !lower_is_better("mrr"));
        use crate::metrics::result::Figure;
        let f = Figure {
            value: Some(Decimal::new(5, 2)),
            previous: Some(Decimal::new(4, 2)),
            change: Some(Decimal::new(25, 2)),
            change_pp: Some(Decimal::new(1, 2)),
        };
        assert_eq!(
            change_of("customer_churn_rate", &f),
            ("up", "▲ 1.0 pp".into())
        );
        assert_eq!(change_of("mrr", &f), ("up", "▲ 25.0%".into()));
        assert_eq!(
            change_of("mrr", &Figure::default()),
            ("flat", String::new())
        );
        // −0.04 pp shows as 0.0 pp: flat and grey, never a green "▼ 0.0 pp".
        let tiny = Figure {
            change_pp: Some(Decimal::new(-4, 4)),
            change: Some(Decimal::new(-4, 4)),
            ..f
        };
        assert_eq!(
            change_of("net_mrr_churn_rate", &tiny),
            ("flat", "▬ 0.0 pp".into())
        );
        assert_eq!(change_of("mrr", &tiny), ("flat", "▬ 0.0%".into()));
        assert_eq!(tone_of("net_mrr_churn_rate", "flat"), Tone::Neutral);
    }
}
