//! Writing the metric answers' numbers for people: formats, dashes and
//! which way is good, all from the metric catalogue.

use chrono::{Datelike, NaiveDate};
use quarterdeck_engine::catalogue::{self, Unit as CatalogueUnit};
use quarterdeck_render::ValueFormat;
use quarterdeck_render::format;
use rust_decimal::Decimal;

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
    }
}

/// A value for a table cell or card, "—" when undefined.
pub fn show(v: Option<Decimal>, f: &ValueFormat) -> String {
    v.map_or_else(|| "—".to_string(), |v| f.apply(v))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_values_show_a_dash() {
        assert_eq!(show(None, &ValueFormat::Percent), "—");
        assert_eq!(format_of("dso", "USD"), ValueFormat::Days);
        assert!(lower_is_better("customer_churn_rate") && !lower_is_better("mrr"));
    }
}
