//! Reading the metric answers (the same JSON the API returns) and writing
//! their numbers for people: the page shows exactly what the API says.

use crate::metrics::answers::{METRICS, Unit};
use quarterdeck_render::ValueFormat;
use quarterdeck_render::format;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// A JSON number (exact, thanks to arbitrary precision) as a decimal.
pub fn dec(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

/// The display format of a summary metric.
pub fn format_of(metric: &str, currency: &str) -> ValueFormat {
    let unit = METRICS
        .iter()
        .find(|(n, _)| *n == metric)
        .map_or(Unit::Ratio, |(_, u)| *u);
    match (metric, unit) {
        ("dso", _) => ValueFormat::Days,
        ("quick_ratio", _) => ValueFormat::Ratio,
        (_, Unit::Money) => ValueFormat::Money {
            currency: currency.to_string(),
        },
        (_, Unit::Count) => ValueFormat::Count,
        (_, Unit::Ratio) => ValueFormat::Percent,
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
    match metric {
        "customer_churn_rate" => {
            "No paying customers at the start of the period, so a churn rate is undefined."
        }
        "gross_mrr_churn_rate" | "net_mrr_churn_rate" => {
            "No MRR at the start of the period, so a churn rate is undefined."
        }
        "grr" | "nrr" | "grr_period" | "nrr_period" => {
            "No MRR at the start of the window, so retention is undefined."
        }
        "arpa" => "No paying customers at the end of the period.",
        "quick_ratio" => "No contraction or churn in the period, so the quick ratio is undefined.",
        "ltv" => "LTV needs a churn rate above zero over the trailing twelve months.",
        "gross_margin" => "No revenue in the period, so the margin is undefined.",
        "dso" => "No revenue billed in the period, so DSO is undefined.",
        "arr_at_risk" => "Health scores are not computed yet, so ARR at risk is unknown.",
        _ => "Not defined for this period and filter.",
    }
}

/// Which way is good for a metric (churn going down is good).
pub fn lower_is_better(metric: &str) -> bool {
    matches!(
        metric,
        "customer_churn_rate"
            | "gross_mrr_churn_rate"
            | "net_mrr_churn_rate"
            | "churned_mrr"
            | "contraction_mrr"
            | "churned_customers"
            | "ar_total"
            | "ar_overdue"
            | "dso"
            | "arr_at_risk"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_stay_exact() {
        let v: Value = serde_json::from_str("1234567.89").unwrap();
        assert_eq!(dec(&v), Some(Decimal::from_str("1234567.89").unwrap()));
        assert_eq!(dec(&Value::Null), None);
        assert_eq!(show(None, &ValueFormat::Percent), "—");
    }
}
