//! Alert rules and what they find, computed from a tenant's engine. Pure:
//! the same evaluation runs after an ingest, on the schedule and in tests.
//!
//! - Threshold rules compare a metric over their window (or its change
//!   against the same span before) with a value, optionally "for N days":
//!   the condition must hold on each of the last N+1 days. A rate is judged
//!   on the last complete month unless the rule says otherwise: on the 1st,
//!   a month to date is one day, and one cancellation reads as a 40 % churn.
//! - Event rules look at the last `lookback_days` of movements: a large
//!   account churns or contracts, an unexpected churn (no warning sign in
//!   the 90 days before: no contraction, nothing overdue), a major expansion,
//!   and a churn-rate spike (this month's customer churn rate above the mean
//!   of the twelve months before plus two standard deviations).

use chrono::{Datelike, Duration, Months, NaiveDate};
use quarterdeck_app::engines::TenantEngine;
use quarterdeck_app::metrics::answers::figures_of;
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
    /// The days the metric is measured over.
    #[serde(default)]
    pub window: Window,
}

/// The days a threshold rule measures its metric over, seen from a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Rates and margins over the last complete month; amounts and counts
    /// over the month to date (what rules stored before windows meant).
    #[default]
    Auto,
    /// The last complete month.
    LastMonth,
    /// The 1st of the month to the day.
    MonthToDate,
    /// The 30 days ending on the day.
    Last30Days,
}

impl Window {
    /// Every choice, with its words, for forms.
    pub const CHOICES: [(Window, &'static str, &'static str); 4] = [
        (
            Window::Auto,
            "auto",
            "rates: last complete month; amounts: month to date",
        ),
        (Window::LastMonth, "last_month", "the last complete month"),
        (Window::MonthToDate, "month_to_date", "the month to date"),
        (Window::Last30Days, "last_30_days", "the last 30 days"),
    ];

    /// Parses a form or API value (`last_month`, …).
    pub fn parse(s: &str) -> Result<Window, String> {
        Self::CHOICES
            .iter()
            .find(|(_, name, _)| *name == s.trim())
            .map(|(w, _, _)| *w)
            .ok_or_else(|| {
                format!("`{s}` is not one of auto, last_month, month_to_date, last_30_days")
            })
    }

    /// What `Auto` means for `metric`.
    fn resolved(self, metric: &str) -> Window {
        match self {
            Window::Auto if is_rate(metric) => Window::LastMonth,
            Window::Auto => Window::MonthToDate,
            w => w,
        }
    }

    /// The window's days seen from `day`.
    pub fn period(self, metric: &str, day: NaiveDate) -> Period {
        match self.resolved(metric) {
            Window::LastMonth => {
                let first = day.with_day(1).unwrap_or(day);
                let end = first.pred_opt().unwrap_or(first);
                Period::new(end.with_day(1).unwrap_or(end), end).expect("a month")
            }
            Window::Last30Days => {
                Period::new(day - Duration::days(29), day).expect("29 days before")
            }
            _ => month_to_date(day),
        }
    }

    /// The window in words for `metric`, e.g. "over the last complete month".
    pub fn words(self, metric: &str) -> &'static str {
        match self.resolved(metric) {
            Window::LastMonth => "over the last complete month",
            Window::Last30Days => "over the last 30 days",
            _ => "over the month to date",
        }
    }
}

/// Whether a metric is a rate, margin or other ratio (shown as a percentage).
pub fn is_rate(metric: &str) -> bool {
    quarterdeck_engine::catalogue::metric(metric)
        .is_some_and(|m| m.unit == quarterdeck_engine::catalogue::Unit::Ratio)
}

impl ThresholdRule {
    /// The rule in words: "Customer churn rate above 3.0 % over the last
    /// complete month, for 2 days in a row, segment smb".
    pub fn describe(&self, currency: &str) -> String {
        let label = quarterdeck_engine::catalogue::metric(&self.metric)
            .map_or(self.metric.as_str(), |m| m.label);
        let op = match self.op {
            Op::Above => "above",
            Op::Below => "below",
        };
        let what = if self.relative {
            let verb = match self.op {
                Op::Above => "rises more than",
                Op::Below => "falls more than",
            };
            format!(
                "{label} {verb} {} against the span before",
                quarterdeck_render::format::percent(self.value, 1)
            )
        } else {
            let f = quarterdeck_app::metrics::display::format_of(&self.metric, currency);
            format!("{label} {op} {}", f.apply(self.value))
        };
        let mut out = format!("{what} {}", self.window.words(&self.metric));
        if self.for_days > 0 {
            out.push_str(&format!(", for {} days in a row", self.for_days + 1));
        }
        if let Some(segments) = &self.filter.segment {
            let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
            out.push_str(&format!(", segment {}", segments.join(", ")));
        }
        out
    }
}

/// What a threshold alert found, in words: "Customer churn rate was 50.0 %
/// over Nov 1 – Nov 30, 2026; the rule fires above 30.0 %." `None` for other
/// alerts (their titles already say what happened).
pub fn explain(detail: &Value, currency: &str) -> Option<String> {
    let metric = detail.get("metric")?.as_str()?;
    let measured: Decimal = detail.pointer("/measured/value")?.as_str()?.parse().ok()?;
    let threshold: Decimal = detail.get("threshold")?.as_str()?.parse().ok()?;
    let relative = detail
        .get("relative")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let label = quarterdeck_engine::catalogue::metric(metric).map_or(metric, |m| m.label);
    let op = match detail.get("op").and_then(Value::as_str) {
        Some("below") => "below",
        _ => "above",
    };
    let span = match (
        detail.pointer("/period/from").and_then(Value::as_str),
        detail.pointer("/period/to").and_then(Value::as_str),
    ) {
        (Some(from), Some(to)) => match (from.parse::<NaiveDate>(), to.parse::<NaiveDate>()) {
            (Ok(f), Ok(t)) => format!(
                " over {}",
                quarterdeck_app::metrics::display::period_label(f, t)
            ),
            _ => String::new(),
        },
        _ => String::new(),
    };
    Some(if relative {
        format!(
            "{label} changed {}{span} against the span before; the rule fires past {} {op}.",
            quarterdeck_render::format::signed_change(measured),
            quarterdeck_render::format::percent(threshold, 1)
        )
    } else {
        let f = quarterdeck_app::metrics::display::format_of(metric, currency);
        format!(
            "{label} was {}{span}; the rule fires {op} {}.",
            f.apply(measured),
            f.apply(threshold)
        )
    })
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
    /// A CSM is over capacity above this utilisation (default 100 %).
    #[serde(default = "default_utilisation_limit")]
    pub csm_utilisation_above: Decimal,
    /// Capacity targets by segment (kept in their own settings document).
    #[serde(skip)]
    pub capacity: std::collections::BTreeMap<String, quarterdeck_engine::team::Capacity>,
}

fn default_utilisation_limit() -> Decimal {
    Decimal::ONE
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            large_account_arr: Decimal::from(100_000),
            major_expansion_share: Decimal::new(5, 1),
            major_expansion_min: Decimal::from(1_000),
            lookback_days: 7,
            csm_utilisation_above: default_utilisation_limit(),
            capacity: Default::default(),
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
    let period = rule.window.period(&rule.metric, day);
    let now = figures_of(e, period, &rule.filter, day)
        .remove(rule.metric.as_str())
        .flatten()?;
    if !rule.relative {
        return Some(now);
    }
    let before = figures_of(e, period.previous_period(), &rule.filter, day)
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
            "window": rule.window,
            "period": {
                "from": rule.window.period(&rule.metric, today).from.to_string(),
                "to": rule.window.period(&rule.metric, today).to.to_string(),
            },
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
    out.extend(health_events(e, s, today));
    out.extend(team_events(e, s, window, today));
    out
}

/// Team events: a CSM above the utilisation limit, and a major expansion
/// opportunity won (ARR of at least twelve times the major MRR amount and
/// the major share of the account's ARR before it).
fn team_events(
    e: &TenantEngine,
    s: &EventSettings,
    window: Period,
    today: NaiveDate,
) -> Vec<Finding> {
    let ledger = &e.ledger;
    let currency = ledger.settings().currency.code().to_string();
    let money = |d: Decimal| quarterdeck_render::format::money(d, &currency);
    let mut out = Vec::new();
    for (csm, (u, accounts, arr)) in
        quarterdeck_app::metrics::team::utilisation_on(e, today, &s.capacity)
    {
        if u <= s.csm_utilisation_above {
            continue;
        }
        let shown = quarterdeck_render::format::percent(u, 0);
        out.push(Finding {
            key: format!("csm_over_capacity:{csm}"),
            rule: "csm_over_capacity".into(),
            severity: Severity::Warning,
            title: format!(
                "{} is at {shown} of capacity ({accounts} accounts, {} ARR)",
                quarterdeck_engine::filter::human("csm", &csm),
                money(arr)
            ),
            detail: json!({
                "csm": csm, "date": today.to_string(), "utilisation": u.round_dp(4).to_string(),
                "accounts": accounts, "arr": arr.to_string(),
            }),
        });
    }
    let x = ledger.expansion(window, &Filter::all(), &Default::default());
    for o in &x.won_list {
        let before = ledger
            .timeline(&o.customer_id)
            .map(|t| t.value_on(o.close - Duration::days(1)) * Decimal::from(12))
            .unwrap_or_default();
        if o.value < s.major_expansion_min * Decimal::from(12)
            || o.value < before * s.major_expansion_share
        {
            continue;
        }
        let name = ledger
            .slot_number(&o.customer_id)
            .and_then(|slot| ledger.customer_ref(slot).name)
            .unwrap_or(&o.customer_id)
            .to_string();
        out.push(Finding {
            key: format!("major_expansion_won:{}", o.id),
            rule: "major_expansion_won".into(),
            severity: Severity::Info,
            title: format!(
                "Major expansion won: {name} (+{} ARR, {})",
                money(o.value),
                quarterdeck_engine::expansion::type_key(o.kind).replace('_', "-")
            ),
            detail: json!({
                "customer_id": o.customer_id, "customer": name, "date": o.close.to_string(),
                "opportunity_id": o.id, "arr": o.value.to_string(), "arr_before": before.to_string(),
            }),
        });
    }
    out
}

/// Customer-success events: a large account whose health dropped to
/// critical within the look-back window, and renewals due in the next 30
/// days whose account is at risk (or that are late).
fn health_events(e: &TenantEngine, s: &EventSettings, today: NaiveDate) -> Vec<Finding> {
    use quarterdeck_engine::health::Band;
    use quarterdeck_engine::renewals::RenewalStage;
    let ledger = &e.ledger;
    let currency = ledger.settings().currency.code().to_string();
    let money = |d: Decimal| quarterdeck_render::format::money(d, &currency);
    let now = e.health_on(today);
    let before: std::collections::HashMap<u32, Band> = e
        .health_on(today - Duration::days(s.lookback_days))
        .iter()
        .map(|h| (h.slot, h.band))
        .collect();
    let mut out = Vec::new();
    for h in now.iter().filter(|h| h.band == Band::Critical) {
        if h.arr < s.large_account_arr || before.get(&h.slot) == Some(&Band::Critical) {
            continue;
        }
        let c = ledger.customer_ref(h.slot);
        let name = c.name.unwrap_or(c.id);
        out.push(Finding {
            key: format!("large_account_critical:{}:{today}", c.id),
            rule: "large_account_critical".into(),
            severity: Severity::Critical,
            title: format!(
                "Large account {name} dropped to critical health ({} of 100, {} ARR)",
                h.score,
                money(h.arr)
            ),
            detail: json!({
                "customer_id": c.id, "customer": name, "date": today.to_string(),
                "score": h.score, "arr": h.arr.to_string(),
            }),
        });
    }
    let next = quarterdeck_engine::renewals::days_after(today, 30);
    for r in e.renewals(next, today, today, &Filter::all()) {
        if !matches!(r.stage, RenewalStage::AtRisk | RenewalStage::Late) {
            continue;
        }
        let name = ledger
            .customer_ref(r.slot)
            .name
            .unwrap_or(&r.customer_id)
            .to_string();
        out.push(Finding {
            key: format!("renewal_at_risk:{}:{}", r.customer_id, r.due),
            rule: "renewal_at_risk".into(),
            severity: Severity::Warning,
            title: format!(
                "Renewal at risk: {name}, {} ARR due {}",
                money(r.arr),
                r.due.format("%b %-d")
            ),
            detail: json!({
                "customer_id": r.customer_id, "customer": name, "date": r.due.to_string(),
                "arr": r.arr.to_string(), "stage": r.stage.key(),
            }),
        });
    }
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

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn rates_are_judged_on_the_last_whole_month_by_default() {
        let on = day("2026-12-01");
        let p = Window::Auto.period("customer_churn_rate", on);
        assert_eq!((p.from, p.to), (day("2026-11-01"), day("2026-11-30")));
        // Amounts keep the month to date, as rules stored before windows did.
        let p = Window::Auto.period("mrr", on);
        assert_eq!((p.from, p.to), (on, on));
        let p = Window::Last30Days.period("mrr", day("2026-03-10"));
        assert_eq!((p.from, p.to), (day("2026-02-09"), day("2026-03-10")));
        let p = Window::LastMonth.period("mrr", day("2026-03-31"));
        assert_eq!((p.from, p.to), (day("2026-02-01"), day("2026-02-28")));
        // A rule stored without a window reads as Auto.
        let old =
            r#"{"id":"x","name":"n","metric":"mrr","op":"above","value":"1","severity":"warning"}"#;
        let r: ThresholdRule = serde_json::from_str(old).unwrap();
        assert_eq!(r.window, Window::Auto);
        for (w, name, _) in Window::CHOICES {
            assert_eq!(Window::parse(name), Ok(w));
        }
        assert!(Window::parse("yesterday").is_err());
    }

    #[test]
    fn rules_and_alerts_read_in_words() {
        let mut r = rule(Op::Above, dec!(0.03), false);
        r.window = Window::Auto;
        r.for_days = 2;
        assert_eq!(
            r.describe("USD"),
            "Customer churn rate above 3.0% over the last complete month, for 3 days in a row"
        );
        let detail = json!({
            "metric": "customer_churn_rate", "op": "above", "threshold": "0.03",
            "relative": false, "period": {"from": "2026-11-01", "to": "2026-11-30"},
            "measured": {"date": "2026-12-03", "value": "0.052"},
        });
        assert_eq!(
            explain(&detail, "USD").unwrap(),
            "Customer churn rate was 5.2% over Nov 1 – Nov 30, 2026; the rule fires above 3.0%."
        );
        assert_eq!(explain(&json!({"customer": "x"}), "USD"), None);
    }

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
            window: Window::MonthToDate,
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
