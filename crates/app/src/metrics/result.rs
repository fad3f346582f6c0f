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
    /// For a ratio: value − previous in points of the fraction (0.012 = 1.2 pp).
    pub change_pp: Option<Decimal>,
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
    /// Whether the period ends after today.
    pub partial: bool,
}

/// A value rounded as the API writes a metric of `unit`.
pub fn rounded(unit: Unit, v: Option<Decimal>) -> Option<Decimal> {
    let v = v?;
    Some(match unit {
        Unit::Money => round_money(v),
        // Days and multiples are written like ratios.
        Unit::Ratio | Unit::Days | Unit::Multiple | Unit::Score => round_ratio(v),
        Unit::Count => Decimal::from(v.trunc().mantissa() as i64),
    })
}

/// The JSON of a value of `unit` (null when undefined).
pub fn write(unit: Unit, v: Option<Decimal>) -> Value {
    match (unit, rounded(unit, v)) {
        (_, None) => Value::Null,
        (Unit::Count, Some(d)) => Value::from(d.mantissa() as i64),
        (Unit::Money, Some(d)) => json::money(d),
        (Unit::Ratio | Unit::Days | Unit::Multiple | Unit::Score, Some(d)) => json::ratio(Some(d)),
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
        Self::from_values_on(period, compare, currency, filters, now, before, false)
    }

    /// The same, saying whether the period ends after today.
    pub fn from_values_on(
        period: Period,
        compare: Option<Period>,
        currency: String,
        filters: Value,
        now: impl Fn(&str) -> Option<Decimal>,
        before: impl Fn(&str) -> Option<Decimal>,
        partial: bool,
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
                    change_pp: match (m.unit, v, p) {
                        (Unit::Ratio, Some(v), Some(p)) => Some(round_ratio(v - p)),
                        _ => None,
                    },
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
            partial,
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
        let mut metrics = Map::new();
        for (name, unit, f) in &self.metrics {
            let mut figure = json!({
                "value": write(*unit, f.value),
                "previous": write(*unit, f.previous),
                "change": json::ratio(f.change),
            });
            if *unit == Unit::Ratio {
                figure["change_pp"] = json::ratio(f.change_pp);
            }
            metrics.insert((*name).to_string(), figure);
        }
        json!({
            "period": period_json(self.period),
            "compare": self.compare.map(period_json),
            "currency": self.currency,
            "filters": self.filters,
            "partial": self.partial,
            "metrics": metrics,
        })
    }
}

/// The six-month MRR forecast with its backtest (`GET /api/v1/metrics/forecast`).
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastAnswer {
    /// The selected days (the history ends with the last whole month in them).
    pub period: Period,
    /// The reporting currency code.
    pub currency: String,
    /// The filters as the API writes them.
    pub filters: Value,
    /// Whether the period ends after today.
    pub partial: bool,
    /// MRR at each whole month's end the forecast is fitted to, oldest first.
    pub history: Vec<(chrono::NaiveDate, Decimal)>,
    /// The forecast month ends with value and 95 % band, rounded to cents.
    pub steps: Vec<(chrono::NaiveDate, quarterdeck_engine::ForecastStep)>,
    /// The rolling-origin backtest beside the naive forecast's.
    pub backtest: quarterdeck_engine::Backtest,
}

impl ForecastAnswer {
    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let errors = |e: &quarterdeck_engine::BacktestError| json!({"mape": json::ratio(e.mape), "mase": json::ratio(e.mase)});
        json!({
            "period": period_json(self.period),
            "currency": self.currency,
            "filters": self.filters,
            "partial": self.partial,
            "method": quarterdeck_engine::FORECAST_METHOD,
            "history": self.history.iter().map(|(d, v)| json!({"date": d.to_string(), "value": json::money(*v)})).collect::<Vec<_>>(),
            "points": self.steps.iter().map(|(d, f)| json!({
                "date": d.to_string(),
                "value": json::money(f.value),
                "low": json::money(f.low),
                "high": json::money(f.high),
            })).collect::<Vec<_>>(),
            "backtest": {
                "months": self.backtest.months,
                "method": errors(&self.backtest.method),
                "naive": errors(&self.backtest.naive),
            },
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

/// A period as the API writes it.
pub(super) fn period_json(p: Period) -> Value {
    json!({"from": p.from.to_string(), "to": p.to.to_string()})
}

/// One metric by bucket (`GET /api/v1/metrics/series`).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The metric's API name.
    pub metric: String,
    /// How it is measured.
    pub unit: Unit,
    /// The bucket size's API name.
    pub interval: &'static str,
    /// The selected days.
    pub period: Period,
    /// The reporting currency code.
    pub currency: String,
    /// The filters as the API writes them.
    pub filters: Value,
    /// Each bucket's last day (clipped to the period) and value, rounded.
    pub points: Vec<(chrono::NaiveDate, Option<Decimal>)>,
    /// Today: a point dated after it is partial.
    pub today: chrono::NaiveDate,
}

impl Series {
    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let points: Vec<Value> = self
            .points
            .iter()
            .map(|(d, v)| {
                let mut point = json!({"date": d.to_string(), "value": write(self.unit, *v)});
                if *d > self.today {
                    point["partial"] = Value::Bool(true);
                }
                point
            })
            .collect();
        json!({
            "metric": self.metric,
            "interval": self.interval,
            "period": period_json(self.period),
            "currency": self.currency,
            "filters": self.filters,
            "partial": self.period.is_partial(self.today),
            "points": points,
        })
    }
}

/// One bucket of MRR movements, in money rounded to cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovementRow {
    /// The bucket's first day inside the period.
    pub from: chrono::NaiveDate,
    /// Its last day inside the period.
    pub to: chrono::NaiveDate,
    pub new: Decimal,
    pub expansion: Decimal,
    pub contraction: Decimal,
    pub churn: Decimal,
    pub reactivation: Decimal,
    pub net_new: Decimal,
    pub mrr_start: Decimal,
    pub mrr_end: Decimal,
    pub new_customers: u64,
    pub reactivated_customers: u64,
    pub churned_customers: u64,
}

impl MovementRow {
    /// A movement amount by its API name (`new`, `churn`, `net_new`, …); zero for others.
    pub fn amount(&self, name: &str) -> Decimal {
        match name {
            "new" => self.new,
            "expansion" => self.expansion,
            "contraction" => self.contraction,
            "churn" => self.churn,
            "reactivation" => self.reactivation,
            "net_new" => self.net_new,
            "mrr_start" => self.mrr_start,
            "mrr_end" => self.mrr_end,
            _ => Decimal::ZERO,
        }
    }
}

/// MRR movements by bucket (`GET /api/v1/metrics/movements`).
#[derive(Debug, Clone, PartialEq)]
pub struct MovementTable {
    /// The bucket size's API name.
    pub interval: &'static str,
    /// The selected days.
    pub period: Period,
    /// The reporting currency code.
    pub currency: String,
    /// The filters as the API writes them.
    pub filters: Value,
    /// The buckets, oldest first.
    pub buckets: Vec<MovementRow>,
    /// Today: a bucket ending after it is partial.
    pub today: chrono::NaiveDate,
}

impl MovementTable {
    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let buckets: Vec<Value> = self
            .buckets
            .iter()
            .map(|b| {
                let mut row = json!({
                    "date": b.to.to_string(),
                    "from": b.from.to_string(),
                    "new": json::money(b.new),
                    "expansion": json::money(b.expansion),
                    "contraction": json::money(b.contraction),
                    "churn": json::money(b.churn),
                    "reactivation": json::money(b.reactivation),
                    "net_new": json::money(b.net_new),
                    "mrr_start": json::money(b.mrr_start),
                    "mrr_end": json::money(b.mrr_end),
                    "new_customers": b.new_customers,
                    "reactivated_customers": b.reactivated_customers,
                    "churned_customers": b.churned_customers,
                });
                if b.to > self.today {
                    row["partial"] = Value::Bool(true);
                }
                row
            })
            .collect();
        json!({
            "interval": self.interval,
            "period": period_json(self.period),
            "currency": self.currency,
            "filters": self.filters,
            "partial": self.period.is_partial(self.today),
            "buckets": buckets,
        })
    }
}

/// The AR aging buckets' API names and labels, in order.
pub const AGING_BUCKETS: [(&str, &str); 5] = [
    ("current", "Current"),
    ("d1_30", "1–30 days"),
    ("d31_60", "31–60 days"),
    ("d61_90", "61–90 days"),
    ("d90_plus", "90+ days"),
];

/// AR aging on a day (`GET /api/v1/metrics/ar-aging`), rounded to cents.
#[derive(Debug, Clone, PartialEq)]
pub struct Aging {
    /// The day the balances are taken on.
    pub as_of: chrono::NaiveDate,
    /// The reporting currency code.
    pub currency: String,
    /// The filters as the API writes them.
    pub filters: Value,
    /// Open balances by bucket, in `AGING_BUCKETS` order.
    pub buckets: [Decimal; 5],
    /// Every open balance.
    pub total: Decimal,
    /// Past due.
    pub overdue: Decimal,
    /// Whether the period (or the day) asked ends after today.
    pub partial: bool,
}

impl Aging {
    /// A bucket by its API name (zero for an unknown one).
    pub fn bucket(&self, name: &str) -> Decimal {
        AGING_BUCKETS
            .iter()
            .position(|(n, _)| *n == name)
            .map_or(Decimal::ZERO, |i| self.buckets[i])
    }

    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let mut buckets = Map::new();
        for ((name, _), v) in AGING_BUCKETS.iter().zip(self.buckets) {
            buckets.insert((*name).to_string(), json::money(v));
        }
        json!({
            "as_of": self.as_of.to_string(),
            "currency": self.currency,
            "filters": self.filters,
            "partial": self.partial,
            "buckets": buckets,
            "total": json::money(self.total),
            "overdue": json::money(self.overdue),
        })
    }
}

/// One cohort's row of a cohort table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    /// `2025-01` or `2025-Q1`.
    pub label: String,
    /// The cohort period's first day.
    pub start: chrono::NaiveDate,
    /// Customers in the cohort.
    pub size: u64,
    /// Retention at each age, as a ratio (rounded as the API writes it).
    pub values: Vec<Option<Decimal>>,
}

/// Cohort retention (`GET /api/v1/metrics/cohorts`).
#[derive(Debug, Clone, PartialEq)]
pub struct CohortTable {
    /// `month` or `quarter`.
    pub by: &'static str,
    /// `logos` or `mrr`.
    pub measure: &'static str,
    /// The selected days.
    pub period: Period,
    /// The filters as the API writes them.
    pub filters: Value,
    /// The cohorts, oldest first.
    pub cohorts: Vec<CohortRow>,
    /// Whether the period (or the day) asked ends after today.
    pub partial: bool,
}

impl CohortTable {
    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let cohorts: Vec<Value> = self
            .cohorts
            .iter()
            .map(|c| {
                let values: Vec<Value> = c.values.iter().map(|v| json::ratio(*v)).collect();
                json!({"cohort": c.label, "start": c.start.to_string(), "size": c.size, "values": values})
            })
            .collect();
        json!({
            "by": self.by,
            "measure": self.measure,
            "period": period_json(self.period),
            "filters": self.filters,
            "partial": self.partial,
            "cohorts": cohorts,
        })
    }
}

/// One account as lists show it (money rounded to cents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLine {
    pub id: String,
    pub name: Option<String>,
    pub segment: Option<String>,
    pub csm: Option<String>,
    pub region: Option<String>,
    pub plan: Option<String>,
    pub mrr: Decimal,
    pub arr: Decimal,
    /// Score and band on the day, when the account is scored.
    pub health: Option<(u8, quarterdeck_engine::health::Band)>,
}

impl AccountLine {
    /// Its fields as the API writes them.
    fn json_fields(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id, "name": self.name, "segment": self.segment, "csm": self.csm,
            "region": self.region, "plan": self.plan,
            "mrr": json::money(self.mrr), "arr": json::money(self.arr),
            "health_score": self.health.map(|h| h.0),
            "health_band": self.health.map(|h| h.1.key()),
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// A text field by name (`segment`, `csm`, `plan`, `region`).
    pub fn text(&self, field: &str) -> Option<&str> {
        match field {
            "segment" => self.segment.as_deref(),
            "csm" => self.csm.as_deref(),
            "plan" => self.plan.as_deref(),
            "region" => self.region.as_deref(),
            "name" => self.name.as_deref(),
            _ => None,
        }
    }
}

/// A page of accounts (`GET /api/v1/accounts`).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountList {
    /// The day MRR is read on.
    pub as_of: chrono::NaiveDate,
    /// The reporting currency code.
    pub currency: String,
    /// The filters as the API writes them.
    pub filters: Value,
    /// How many accounts the query selects in all.
    pub total: usize,
    /// This page.
    pub data: Vec<AccountLine>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
    /// Whether the period (or the day) asked ends after today.
    pub partial: bool,
}

impl AccountList {
    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let data: Vec<Value> = self
            .data
            .iter()
            .map(|a| Value::Object(a.json_fields()))
            .collect();
        json!({
            "as_of": self.as_of.to_string(),
            "currency": self.currency,
            "filters": self.filters,
            "partial": self.partial,
            "total": self.total,
            "data": data,
            "next_cursor": self.next_cursor,
        })
    }
}

/// One account with its history (`GET /api/v1/accounts/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountDetail {
    /// What the lists show.
    pub line: AccountLine,
    /// The reporting currency code.
    pub currency: String,
    /// The selected days.
    pub period: Period,
    /// MRR at each bucket's end.
    pub history: Vec<(chrono::NaiveDate, Decimal)>,
    /// Its movements: day, kind (`new`, `churn`, …) and amount.
    pub movements: Vec<(chrono::NaiveDate, String, Decimal)>,
    /// Whether the period (or the day) asked ends after today.
    pub partial: bool,
}

impl AccountDetail {
    /// The API's JSON.
    pub fn to_json(&self) -> Value {
        let mut m = self.line.json_fields();
        m.insert("currency".into(), json!(self.currency));
        m.insert("partial".into(), json!(self.partial));
        m.insert("period".into(), period_json(self.period));
        m.insert(
            "history".into(),
            self.history
                .iter()
                .map(|(d, v)| json!({"date": d.to_string(), "mrr": json::money(*v)}))
                .collect(),
        );
        m.insert(
            "movements".into(),
            self.movements
                .iter()
                .map(|(d, k, v)| json!({"date": d.to_string(), "kind": k, "amount": json::money(*v)}))
                .collect(),
        );
        Value::Object(m)
    }
}
