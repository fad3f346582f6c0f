//! Alert rules and what they find, computed from a tenant's engine. Pure:
//! the same evaluation runs after an ingest, on the schedule and in tests.
//!
//! - Threshold rules compare a metric over the month to date (or its change
//!   against the same span before) with a value, optionally "for N days":
//!   the condition must hold on each of the last N+1 days.
//! - Event rules look at the last `lookback_days` of movements: a large
//!   account churns or contracts, an unexpected churn (no warning sign in
//!   the 90 days before: no contraction, nothing overdue), a major expansion,
//!   and a churn-rate spike (this month's customer churn rate above the mean
//!   of the twelve months before plus two standard deviations).

use chrono::{Datelike, Duration, Months, NaiveDate};
use quarterdeck_app::engines::TenantEngine;
use quarterdeck_app::metrics::answers::figures_with;
use quarterdeck_engine::{Filter, MovementKind, Period};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub use quarterdeck_domain::Severity;

/// Which side of the value fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Above,
    Below,
}

/// A threshold rule set by an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdRule {
    /// Stable id (part of the de-duplication key).
    pub id: String,
    /// e.g. "Monthly churn above 3 %".
    pub name: String,
    /// A summary metric name (`customer_churn_rate`, `ar_overdue`, `nrr`…).
    pub metric: String,
    pub op: Op,
    /// The threshold; for relative rules a fraction of change (0.05 = 5 %).
    pub value: Decimal,
    /// Compare the change against the same span before, not the value.
    #[serde(default)]
    pub relative: bool,
    /// The condition must hold this many days in a row before it fires.
    #[serde(default)]
    pub for_days: u32,
    #[serde(default)]
    pub filter: Filter,
    pub severity: Severity,
}

impl ThresholdRule {
    /// Checks the rule's fields; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.chars().count() > 120 {
            return Err("name: 1–120 characters".into());
        }
        if quarterdeck_engine::catalogue::metric(&self.metric).is_none() {
            return Err(format!("metric: `{}` is not a summary metric", self.metric));
        }
        if self.for_days > 90 {
            return Err("for_days: at most 90".into());
        }
        if self.relative && self.value < Decimal::ZERO {
            return Err(
                "value: a relative change is given as a positive fraction (0.05 = 5 %)".into(),
            );
        }
        Ok(())
    }
}

/// Settings of the built-in event rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSettings {
    /// An account is large from this ARR (default 100,000).
    pub large_account_arr: Decimal,
    /// An expansion is major from this share of the account's MRR before it.
    pub major_expansion_share: Decimal,
    /// … and from this MRR amount.
    pub major_expansion_min: Decimal,
    /// How many days back events are looked for.
    pub lookback_days: i64,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            large_account_arr: Decimal::from(100_000),
            major_expansion_share: Decimal::new(5, 1),
            major_expansion_min: Decimal::from(1_000),
            lookback_days: 7,
        }
    }
}

/// Something a rule found: stored as an alert (one open alert per key).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// De-duplication key: the same key never opens a second alert while one is open.
    pub key: String,
    /// The rule that found it (`threshold:<id>`, `large_account_churn`, …).
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    /// What triggered it (values, dates, customer), stored with the alert.
    pub detail: Value,
}

fn month_to_date(day: NaiveDate) -> Period {
    Period::new(day.with_day(1).unwrap_or(day), day).expect("1st precedes the day")
}

/// The rule's measured value on `day` (value, or change against the span before).
fn measure(e: &TenantEngine, rule: &ThresholdRule, day: NaiveDate) -> Option<Decimal> {
    let margin = e.gross_margin_setting();
    let period = month_to_date(day);
    let now = figures_with(&e.ledger, period, &rule.filter, margin)
        .remove(rule.metric.as_str())
        .flatten()?;
    if !rule.relative {
        return Some(now);
    }
    let before = figures_with(&e.ledger, period.previous_period(), &rule.filter, margin)
        .remove(rule.metric.as_str())
        .flatten()?;
    // The same relative change the summary reports (null when before is 0).
    quarterdeck_app::metrics::json::change(Some(now), Some(before))
}

fn holds(rule: &ThresholdRule, v: Decimal) -> bool {
    match (rule.relative, rule.op) {
        (false, Op::Above) => v > rule.value,
        (false, Op::Below) => v < rule.value,
        (true, Op::Above) => v > rule.value,
        (true, Op::Below) => v < -rule.value,
    }
}

/// Evaluates one threshold rule on `today`.
pub fn evaluate_threshold(
    e: &TenantEngine,
    rule: &ThresholdRule,
    today: NaiveDate,
) -> Option<Finding> {
    let mut values = Vec::new();
    for back in 0..=i64::from(rule.for_days) {
        let day = today - Duration::days(back);
        let v = measure(e, rule, day)?;
        if !holds(rule, v) {
            return None;
        }
        values.push(json!({"date": day.to_string(), "value": v.to_string()}));
    }
    let current = values.first().cloned().unwrap_or(Value::Null);
    Some(Finding {
        key: format!("threshold:{}", rule.id),
        rule: format!("threshold:{}", rule.id),
        severity: rule.severity,
        title: rule.name.clone(),
        detail: json!({
            "metric": rule.metric,
            "op": rule.op,
            "threshold": rule.value.to_string(),
            "relative": rule.relative,
            "for_days": rule.for_days,
            "filter": rule.filter,
            "measured": current,
            "history": values,
        }),
    })
}

/// Evaluates the built-in event rules on `today`.
pub fn evaluate_events(e: &TenantEngine, s: &EventSettings, today: NaiveDate) -> Vec<Finding> {
    let ledger = &e.ledger;
    let all = Filter::all();
    let Some(window) = Period::new(today - Duration::days(s.lookback_days - 1), today) else {
        return Vec::new();
    };
    let currency = ledger.settings().currency.code().to_string();
    let money = |d: Decimal| quarterdeck_render::format::money(d, &currency);
    let name = |id: &str| {
        ledger
            .account(id, today)
            .and_then(|a| a.name)
            .unwrap_or_else(|| id.to_string())
    };
    let mut out = Vec::new();
    // Who had something overdue, per day asked (each scan covers every invoice).
    let mut overdue_by_day = std::collections::HashMap::new();
    for kind in [
        MovementKind::Churn,
        MovementKind::Contraction,
        MovementKind::Expansion,
    ] {
        for (id, _) in ledger.movement_contributors(window, kind, &all) {
            for (day, k, amount) in ledger.customer_movements(&id, window) {
                if k != kind {
                    continue;
                }
                let before = ledger
                    .timeline(&id)
                    .map(|t| t.value_on(day - Duration::days(1)))
                    .unwrap_or_default();
                let arr_before = before * Decimal::from(12);
                let base = json!({
                    "customer_id": id, "customer": name(&id), "date": day.to_string(),
                    "amount": amount.to_string(), "mrr_before": before.to_string(),
                });
                match kind {
                    MovementKind::Churn | MovementKind::Contraction
                        if arr_before >= s.large_account_arr =>
                    {
                        let verb = if kind == MovementKind::Churn {
                            "churned"
                        } else {
                            "contracted"
                        };
                        out.push(Finding {
                            key: format!("large_account_{verb}:{id}:{day}"),
                            rule: "large_account".into(),
                            severity: Severity::Critical,
                            title: format!(
                                "Large account {} {verb} ({} MRR)",
                                name(&id),
                                money(amount)
                            ),
                            detail: base.clone(),
                        });
                    }
                    _ => {}
                }
                // Only accounts of some size: a tenth of a large account's ARR.
                let sizeable = arr_before >= s.large_account_arr / Decimal::from(10);
                if kind == MovementKind::Churn
                    && sizeable
                    && unexpected(e, &id, day, &mut overdue_by_day)
                {
                    out.push(Finding {
                        key: format!("unexpected_churn:{id}:{day}"),
                        rule: "unexpected_churn".into(),
                        severity: Severity::Warning,
                        title: format!(
                            "Unexpected churn: {} (no warning sign in the 90 days before)",
                            name(&id)
                        ),
                        detail: base.clone(),
                    });
                }
                if kind == MovementKind::Expansion
                    && amount >= s.major_expansion_min
                    && amount >= before * s.major_expansion_share
                {
                    out.push(Finding {
                        key: format!("major_expansion:{id}:{day}"),
                        rule: "major_expansion".into(),
                        severity: Severity::Info,
                        title: format!("Major expansion: {} (+{} MRR)", name(&id), money(amount)),
                        detail: base,
                    });
                }
            }
        }
    }
    out.extend(churn_spike(e, today));
    out
}

/// Whether a churn came without a warning sign in the 90 days before it.
fn unexpected(
    e: &TenantEngine,
    id: &str,
    day: NaiveDate,
    overdue_by_day: &mut std::collections::HashMap<NaiveDate, BTreeSet<String>>,
) -> bool {
    let Some(before) = Period::new(day - Duration::days(90), day - Duration::days(1)) else {
        return false;
    };
    let contracted = e
        .ledger
        .customer_movements(id, before)
        .iter()
        .any(|(_, k, _)| *k == MovementKind::Contraction);
    let overdue = overdue_by_day.entry(day).or_insert_with(|| {
        e.ledger
            .overdue_invoices(day - Duration::days(1), &Filter::all())
            .into_iter()
            .map(|o| o.customer_id)
            .collect()
    });
    !contracted && !overdue.contains(id)
}

/// This month's customer churn rate against the twelve months before.
fn churn_spike(e: &TenantEngine, today: NaiveDate) -> Option<Finding> {
    let all = Filter::all();
    let rate = |p: Period| e.ledger.retention(p, &all).customer_churn_rate;
    let now = rate(month_to_date(today))?;
    let first = today.with_day(1)?;
    let history: Vec<f64> = (1..=12)
        .filter_map(|m| {
            let start = first.checked_sub_months(Months::new(m))?;
            let end = start.checked_add_months(Months::new(1))?.pred_opt()?;
            rate(Period::new(start, end)?)?.to_f64()
        })
        .collect();
    if history.len() < 6 {
        return None;
    }
    let n = history.len() as f64;
    let mean = history.iter().sum::<f64>() / n;
    let sd = (history.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let limit = Decimal::from_f64(mean + 2.0 * sd)?.round_dp(4);
    (now > limit).then(|| Finding {
        key: format!("churn_spike:{}", first.format("%Y-%m")),
        rule: "churn_spike".into(),
        severity: Severity::Warning,
        title: format!(
            "Churn-rate spike: {} this month against a usual {}",
            quarterdeck_render::format::percent(now, 1),
            quarterdeck_render::format::percent(Decimal::from_f64(mean).unwrap_or_default(), 1)
        ),
        detail: json!({"rate": now.to_string(), "limit": limit.to_string(), "trailing_mean": mean, "trailing_sd": sd}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn rule(op: Op, value: Decimal, relative: bool) -> ThresholdRule {
        ThresholdRule {
            id: "r1".into(),
            name: "Churn high".into(),
            metric: "customer_churn_rate".into(),
            op,
            value,
            relative,
            for_days: 0,
            filter: Filter::all(),
            severity: Severity::Warning,
        }
    }

    #[test]
    fn thresholds_fire_on_the_right_side() {
        assert!(holds(&rule(Op::Above, dec!(0.03), false), dec!(0.031)));
        assert!(!holds(&rule(Op::Above, dec!(0.03), false), dec!(0.03)));
        assert!(holds(&rule(Op::Below, dec!(1.0), false), dec!(0.95)));
        // Relative: "below 5 %" means a fall of more than 5 %.
        assert!(holds(&rule(Op::Below, dec!(0.05), true), dec!(-0.06)));
        assert!(!holds(&rule(Op::Below, dec!(0.05), true), dec!(-0.04)));
        assert!(holds(&rule(Op::Above, dec!(0.05), true), dec!(0.06)));
    }

    #[test]
    fn rules_are_validated_field_by_field() {
        assert!(rule(Op::Above, dec!(0.03), false).validate().is_ok());
        let mut r = rule(Op::Above, dec!(0.03), false);
        r.metric = "mood".into();
        assert!(r.validate().unwrap_err().starts_with("metric:"));
        let mut r = rule(Op::Above, dec!(0.03), false);
        r.name = " ".into();
        assert!(r.validate().unwrap_err().starts_with("name:"));
        let mut r = rule(Op::Above, dec!(0.03), false);
        r.for_days = 91;
        assert!(r.validate().unwrap_err().starts_with("for_days:"));
        assert!(rule(Op::Above, dec!(-0.1), true).validate().is_err());
        assert_eq!(Severity::parse("critical"), Ok(Severity::Critical));
        assert!(Severity::parse("urgent").is_err());
    }
}
