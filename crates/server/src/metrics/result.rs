//! Typed answers: what the engine computed for a query, rounded exactly as
//! the API writes it. The API serialises these; pages, documents, digests and
//! alerts read the typed values, so nothing decodes our own JSON.

use super::json::{self, change, round_money, round_ratio};
use quarterdeck_engine::Period;
use quarterdeck_engine::catalogue::{METRICS, Unit};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// One metric of a summary, as the API states it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figure {
    /// The value for the period (`None`: undefined).
    pub value: Option<Decimal>,
    /// The value for the comparison period.
    pub previous: Option<Decimal>,
    /// Relative change, `None` when previous is zero or either is undefined.
    pub change: Option<Decimal>,
}

/// Every summary metric for a period and its comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The selected days.
    pub period: Period,
    /// The comparison period, if any.
    pub compare: Option<Period>,
    /// The reporting currency code.
    pub currency: String,
    /// The filters as the API writes them.
    pub filters: Value,
    /// Each metric in display order, with its unit.
    pub metrics: Vec<(&'static str, Unit, Figure)>,
}

/// A value rounded as the API writes a metric of `unit`.
pub fn rounded(unit: Unit, v: Option<Decimal>) -> Option<Decimal> {
    let v = v?;
    Some(match unit {
        Unit::Money => round_money(v),
        // Days and multiples are written like ratios.
        Unit::Ratio | Unit::Days | Unit::Multiple => round_ratio(v),
        Unit::Count => Decimal::from(v.trunc().mantissa() as i64),
    })
}

/// The JSON of a value of `unit` (null when undefined).
pub fn write(unit: Unit, v: Option<Decimal>) -> Value {
    match (unit, rounded(unit, v)) {
        (_, None) => Value::Null,
        (Unit::Count, Some(d)) => Value::from(d.mantissa() as i64),
        (Unit::Money, Some(d)) => json::money(d),
        (Unit::Ratio | Unit::Days | Unit::Multiple, Some(d)) => json::ratio(Some(d)),
    }
}

impl Summary {
    /// Builds the answer from raw values (`now`, `before` by metric name).
    pub fn from_values(
        period: Period,
        compare: Option<Period>,
        currency: String,
        filters: Value,
        now: impl Fn(&str) -> Option<Decimal>,
        before: impl Fn(&str) -> Option<Decimal>,
    ) -> Self {
        let metrics = METRICS
            .iter()
            .map(|m| {
                let (v, p) = (now(m.name), before(m.name));
                let figure = Figure {
                    value: rounded(m.unit, v),
                    previous: rounded(m.unit, p),
                    // From the exact values, rounded as a ratio.
                    change: change(v, p).map(round_ratio),
                };
                (m.name, m.unit, figure)
            })
            .collect();
        Self {
            period,
            compare,
            currency,
            filters,
            metrics,
        }
    }

    /// One metric's figure (all undefined for an unknown name).
    pub fn get(&self, name: &str) -> Figure {
        self.metrics
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, f)| *f)
            .unwrap_or_default()
    }

    /// One metric's value for the period.
    pub fn value(&self, name: &str) -> Option<Decimal> {
        self.get(name).value
    }

    /// The API's JSON (`GET /api/v1/metrics/summary`).
    pub fn to_json(&self) -> Value {
        let period = |p: Period| json!({"from": p.from.to_string(), "to": p.to.to_string()});
        let mut metrics = Map::new();
        for (name, unit, f) in &self.metrics {
            metrics.insert(
                (*name).to_string(),
                json!({
                    "value": write(*unit, f.value),
                    "previous": write(*unit, f.previous),
                    "change": json::ratio(f.change),
                }),
            );
        }
        json!({
            "period": period(self.period),
            "compare": self.compare.map(period),
            "currency": self.currency,
            "filters": self.filters,
            "metrics": metrics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn typed_values_are_what_the_json_says() {
        let p = Period::new("2026-01-01".parse().unwrap(), "2026-01-31".parse().unwrap()).unwrap();
        let s = Summary::from_values(
            p,
            None,
            "USD".into(),
            json!({}),
            |m| match m {
                "mrr" => Some(dec!(1234.565)),
                "customer_churn_rate" => Some(dec!(0.03254999)),
                "paying_customers" => Some(dec!(12)),
                _ => None,
            },
            |m| (m == "mrr").then_some(dec!(1000)),
        );
        let mrr = s.get("mrr");
        assert_eq!(mrr.value, Some(dec!(1234.57)));
        assert_eq!(mrr.change, Some(dec!(0.234565)));
        assert_eq!(s.value("customer_churn_rate"), Some(dec!(0.03255)));
        let j = s.to_json();
        assert_eq!(j["metrics"]["mrr"]["value"].to_string(), "1234.57");
        assert_eq!(j["metrics"]["paying_customers"]["value"].to_string(), "12");
        assert_eq!(j["metrics"]["ltv"]["value"], Value::Null);
        assert_eq!(s.get("no_such_metric"), Figure::default());
    }
}
