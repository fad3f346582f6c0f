//! Health answers (api.md, Customer success): the portfolio on a day, one
//! account's score with its components and history, and the predictive
//! check, all from the engine's cached scores so every view agrees.

use super::json::{self, money};
use super::query::{MetricQuery, QueryError, parse_date};
use super::result::period_json;
use crate::engines::TenantEngine;
use chrono::{Days, NaiveDate};
use quarterdeck_engine::health::{Backtest, Band, Health, Trend};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Accounts listed as most at risk.
pub const TOP_AT_RISK: usize = 10;

/// Counts and ARR of a set of scored customers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub scored: u32,
    /// Sum of scores (for the average).
    pub score_sum: u64,
    /// (customers, ARR) per band: healthy, at risk, critical.
    pub bands: [(u32, Decimal); 3],
    /// Improving, stable, declining.
    pub trend: [u32; 3],
}

impl Tally {
    fn add(&mut self, h: &Health, trend: Trend) {
        self.scored += 1;
        self.score_sum += u64::from(h.score);
        let b = band_index(h.band);
        self.bands[b].0 += 1;
        self.bands[b].1 += h.arr;
        self.trend[match trend {
            Trend::Improving => 0,
            Trend::Stable => 1,
            Trend::Declining => 2,
        }] += 1;
    }

    /// The mean score, to one decimal place.
    pub fn average(&self) -> Option<Decimal> {
        (self.scored > 0)
            .then(|| (Decimal::from(self.score_sum) / Decimal::from(self.scored)).round_dp(1))
    }

    /// ARR of the critical band.
    pub fn arr_at_risk(&self) -> Decimal {
        self.bands[2].1
    }

    /// ARR of the at-risk band (the watch list).
    pub fn arr_watch(&self) -> Decimal {
        self.bands[1].1
    }

    /// One of the summary's health metrics (`arr_at_risk`,
    /// `arr_at_risk_watch`, `critical_customers`, `avg_health`); `None`
    /// when nobody is scored or for another name.
    pub fn figure(&self, metric: &str) -> Option<Decimal> {
        if self.scored == 0 {
            return None;
        }
        match metric {
            "arr_at_risk" => Some(self.arr_at_risk()),
            "arr_at_risk_watch" => Some(self.arr_watch()),
            "critical_customers" => Some(Decimal::from(self.bands[2].0)),
            "avg_health" => self.average(),
            _ => None,
        }
    }

    /// Scored ARR.
    pub fn arr(&self) -> Decimal {
        self.bands.iter().map(|b| b.1).sum()
    }

    fn to_json(&self) -> Value {
        let mut bands = Map::new();
        for (i, band) in Band::ALL.iter().enumerate() {
            bands.insert(
                band.key().into(),
                json!({"customers": self.bands[i].0, "arr": money(self.bands[i].1)}),
            );
        }
        json!({
            "scored": self.scored,
            "average": json::decimal(self.average()),
            "arr": money(self.arr()),
            "bands": bands,
            "arr_at_risk": money(self.arr_at_risk()),
            "arr_at_risk_watch": money(self.arr_watch()),
            "trend": {"improving": self.trend[0], "stable": self.trend[1], "declining": self.trend[2]},
        })
    }
}

fn band_index(b: Band) -> usize {
    Band::ALL.iter().position(|x| *x == b).expect("a band")
}

/// One account in a list, with its trend and descriptive fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub health: Health,
    pub trend: Trend,
    pub id: String,
    pub name: Option<String>,
    pub segment: Option<String>,
    pub csm: Option<String>,
}

impl Scored {
    /// A score with its trend and the customer's fields.
    pub fn of(e: &TenantEngine, health: Health, trend: Trend) -> Self {
        let c = e.ledger.customer_ref(health.slot);
        Scored {
            id: c.id.to_string(),
            name: c.name.map(str::to_string),
            segment: c.segment.map(str::to_string),
            csm: c.csm.map(str::to_string),
            health,
            trend,
        }
    }
}

/// The portfolio on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    pub as_of: NaiveDate,
    pub partial: bool,
    pub currency: String,
    pub filters: Value,
    pub all: Tally,
    /// The same on the comparison period's last day, if any.
    pub previous: Option<(NaiveDate, Tally)>,
    /// The lowest scores first.
    pub top_at_risk: Vec<Scored>,
    pub by_segment: BTreeMap<String, Tally>,
    pub by_csm: BTreeMap<String, Tally>,
    /// ARR in the critical and at-risk bands at each of the last twelve
    /// month ends (and the day asked).
    pub risk_history: Vec<(NaiveDate, Decimal, Decimal)>,
    pub backtest: Backtest,
    /// ARR churned, contracted and expanded in the period (12 × the MRR movements).
    pub retention_actual: [Option<Decimal>; 3],
    /// Of the churn expected in 90 days, what is due for renewal then.
    pub renewal_churn_forecast: Option<Decimal>,
}

impl Portfolio {
    /// ARR expected to churn in the next 90 days: each band's ARR now times
    /// the share of that band that churned within 90 days in the predictive
    /// check (a band without history counts nothing); `None` before any
    /// month end's 90 days are over.
    pub fn churn_forecast(&self) -> Option<Decimal> {
        if !self.backtest.months.iter().any(|m| m.complete) {
            return None;
        }
        Some(
            Band::ALL
                .iter()
                .enumerate()
                .map(|(i, b)| self.all.bands[i].1 * self.backtest.rate(*b).unwrap_or_default())
                .sum(),
        )
    }
}

/// The day a health question is asked about: `as_of`, else the period's
/// last day, never after today (scores of days to come do not exist).
pub fn as_of(q: &MetricQuery) -> Result<NaiveDate, QueryError> {
    let day = match q.extra("as_of") {
        Some(d) => parse_date("as_of", d)?,
        None => q.period.to,
    };
    Ok(day.min(q.calendar.today))
}

/// The scores of `day` the query's filter covers: the engine's cached
/// scores themselves when it covers everyone, else a filtered copy.
pub fn scores(e: &TenantEngine, q: &MetricQuery, day: NaiveDate) -> Arc<Vec<Health>> {
    let all = e.health_on(day);
    if q.filter.is_all() {
        return all;
    }
    let covers = e.ledger.covers(&q.filter);
    Arc::new(
        all.iter()
            .filter(|h| covers.get(h.slot as usize).copied().unwrap_or(false))
            .cloned()
            .collect(),
    )
}

/// A day's scores indexed by slot, for trends.
#[derive(Debug, Clone, Default)]
pub struct BySlot(Vec<Option<u8>>);

impl BySlot {
    /// The score of the customer in `slot`, if scored.
    pub fn score(&self, slot: u32) -> Option<u8> {
        self.0.get(slot as usize).copied().flatten()
    }
}

/// Each customer's score 30 days before `day` (by slot), for trends.
pub fn month_before(e: &TenantEngine, day: NaiveDate) -> BySlot {
    let before = day.checked_sub_days(Days::new(30)).unwrap_or(day);
    let mut by = vec![None; e.ledger.customer_count()];
    for h in e.health_on(before).iter() {
        if let Some(s) = by.get_mut(h.slot as usize) {
            *s = Some(h.score);
        }
    }
    BySlot(by)
}

/// Tallies scores (with their trends) overall.
fn tally(scores: &[Health], before: &BySlot) -> Tally {
    let mut t = Tally::default();
    for h in scores {
        t.add(h, Trend::of(h.score, before.score(h.slot)));
    }
    t
}

pub use quarterdeck_engine::period::month_ends;

/// Which predictive check the portfolio of `q` would show (see
/// `TenantEngine::backtest_stamp`), for memo keys: a filtered portfolio
/// checks its own customers from the version's scores (0).
pub fn check_stamp(e: &TenantEngine, q: &MetricQuery) -> u64 {
    match as_of(q) {
        Ok(day) if q.filter.is_all() => e.backtest_stamp(q.calendar.today.min(day)),
        _ => 0,
    }
}

/// `GET /api/v1/health`, typed.
pub fn portfolio_of(e: &TenantEngine, q: &MetricQuery) -> Result<Portfolio, QueryError> {
    let day = as_of(q)?;
    let now = scores(e, q, day);
    let before = month_before(e, day);
    let all = tally(&now, &before);
    let previous = q.comparison().map(|p| {
        let d = p.to.min(q.calendar.today);
        (d, tally(&scores(e, q, d), &month_before(e, d)))
    });
    let mut by_segment: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_csm: BTreeMap<&str, Tally> = BTreeMap::new();
    for h in now.iter() {
        let trend = Trend::of(h.score, before.score(h.slot));
        let c = e.ledger.customer_ref(h.slot);
        by_segment
            .entry(c.segment.unwrap_or(NONE))
            .or_default()
            .add(h, trend);
        by_csm
            .entry(c.csm.unwrap_or(NONE))
            .or_default()
            .add(h, trend);
    }
    let owned = |m: BTreeMap<&str, Tally>| -> BTreeMap<String, Tally> {
        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    };
    // Lowest score first; among equals the larger ARR (more at stake), then id.
    let mut lowest: Vec<&Health> = now.iter().collect();
    let key = |h: &Health| (h.score, std::cmp::Reverse(h.arr));
    let cut = TOP_AT_RISK.min(lowest.len());
    if cut > 0 {
        lowest.select_nth_unstable_by(cut - 1, |a, b| {
            key(a).cmp(&key(b)).then_with(|| {
                e.ledger
                    .customer_ref(a.slot)
                    .id
                    .cmp(e.ledger.customer_ref(b.slot).id)
            })
        });
    }
    lowest.truncate(cut);
    let mut listed: Vec<Scored> = lowest
        .into_iter()
        .map(|h| Scored::of(e, h.clone(), Trend::of(h.score, before.score(h.slot))))
        .collect();
    listed.sort_by(|a, b| {
        key(&a.health)
            .cmp(&key(&b.health))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut risk_history: Vec<(NaiveDate, Decimal, Decimal)> = month_ends(day)
        .into_iter()
        .map(|m| {
            let t = tally(&scores(e, q, m), &BySlot::default());
            (m, t.arr_at_risk(), t.arr_watch())
        })
        .collect();
    if risk_history.last().is_none_or(|r| r.0 != day) {
        risk_history.push((day, all.arr_at_risk(), all.arr_watch()));
    }
    // All customers: the check kept by the engine (computed in the background
    // after each write); a filtered portfolio checks its own customers.
    let check_day = q.calendar.today.min(day);
    let backtest = if q.filter.is_all() {
        Backtest::clone(&e.backtest_on(check_day))
    } else {
        e.ledger
            .health_backtest_from(check_day, |m| scores(e, q, m))
    };
    let renewal_churn_forecast = renewal_churn_forecast(e, q, day, &now, &backtest);
    let moved = e.ledger.movements(q.period, &q.filter).movements;
    let twelve = Decimal::from(12);
    let retention_actual = [
        Some(moved.churn * twelve),
        Some(moved.contraction * twelve),
        Some(moved.expansion * twelve),
    ];
    Ok(Portfolio {
        as_of: day,
        partial: q.partial(),
        currency: e.ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        all,
        previous,
        top_at_risk: listed,
        by_segment: owned(by_segment),
        by_csm: owned(by_csm),
        risk_history,
        backtest,
        retention_actual,
        renewal_churn_forecast,
    })
}

/// The churn expected among renewals due in the 90 days after `day`: a
/// renewal already lost counts in full, one already renewed not at all,
/// any other its ARR times the churn rate its account's band showed in the
/// predictive check (an unscored account: the healthy band's); `None`
/// before any month end's 90 days are over.
fn renewal_churn_forecast(
    e: &TenantEngine,
    q: &MetricQuery,
    day: NaiveDate,
    now: &[Health],
    backtest: &Backtest,
) -> Option<Decimal> {
    use quarterdeck_engine::renewals::RenewalStage;
    if !backtest.months.iter().any(|m| m.complete) {
        return None;
    }
    let mut band_of = vec![None; e.ledger.customer_count()];
    for h in now {
        if let Some(b) = band_of.get_mut(h.slot as usize) {
            *b = Some(h.band);
        }
    }
    let window = quarterdeck_engine::renewals::days_after(day, 90);
    let due = e.renewals(window, day, q.calendar.today, &q.filter);
    let rate = |slot: u32| {
        backtest
            .rate(
                band_of
                    .get(slot as usize)
                    .copied()
                    .flatten()
                    .unwrap_or(Band::Healthy),
            )
            .unwrap_or_default()
    };
    Some(
        due.iter()
            .map(|r| match r.stage {
                RenewalStage::Churned => r.arr,
                RenewalStage::Renewed => Decimal::ZERO,
                _ => r.arr * rate(r.slot),
            })
            .sum(),
    )
}

/// A customer without a segment or CSM, in breakdowns.
pub const NONE: &str = "(none)";

/// One scored account as the lists write it.
fn scored_json(s: &Scored) -> Value {
    let h = &s.health;
    json!({
        "id": s.id, "name": s.name, "score": h.score, "band": h.band.key(),
        "trend": s.trend.key(), "arr": money(h.arr), "csm": s.csm, "segment": s.segment,
    })
}

impl Portfolio {
    /// The answer as the API writes it.
    pub fn to_json(&self, q: &MetricQuery) -> Value {
        let mut v = self.all.to_json();
        let o = v.as_object_mut().expect("an object");
        o.insert("as_of".into(), json!(self.as_of.to_string()));
        o.insert("period".into(), period_json(q.period));
        o.insert("compare".into(), json!(q.comparison().map(period_json)));
        o.insert("filters".into(), self.filters.clone());
        o.insert("partial".into(), json!(self.partial));
        o.insert("currency".into(), json!(self.currency));
        o.insert(
            "previous".into(),
            self.previous.as_ref().map_or(Value::Null, |(d, t)| {
                let mut p = t.to_json();
                p.as_object_mut()
                    .expect("an object")
                    .insert("as_of".into(), json!(d.to_string()));
                p
            }),
        );
        o.insert(
            "top_at_risk".into(),
            self.top_at_risk.iter().map(scored_json).collect(),
        );
        let group = |m: &BTreeMap<String, Tally>| -> Value {
            m.iter()
                .map(|(k, t)| (k.clone(), t.to_json()))
                .collect::<Map<_, _>>()
                .into()
        };
        o.insert("by_segment".into(), group(&self.by_segment));
        o.insert("by_csm".into(), group(&self.by_csm));
        o.insert(
            "risk_history".into(),
            self.risk_history
                .iter()
                .map(|(d, c, w)| json!({"date": d.to_string(), "arr_at_risk": money(*c), "arr_at_risk_watch": money(*w)}))
                .collect(),
        );
        o.insert("backtest".into(), backtest_json(&self.backtest));
        o.insert(
            "churn_forecast_90d".into(),
            json::opt_money(self.churn_forecast()),
        );
        o.insert(
            "renewal_churn_forecast_90d".into(),
            json::opt_money(self.renewal_churn_forecast),
        );
        let [churned, contraction, expansion] = self.retention_actual;
        o.insert(
            "retention".into(),
            json!({
                "churned_arr": json::opt_money(churned),
                "contraction_arr": json::opt_money(contraction),
                "expansion_arr": json::opt_money(expansion),
            }),
        );
        v
    }
}

/// The predictive check as the API writes it.
pub fn backtest_json(b: &Backtest) -> Value {
    let months: Vec<Value> = b
        .months
        .iter()
        .map(|m| {
            let mut bands = Map::new();
            for (i, band) in Band::ALL.iter().enumerate() {
                let (n, c) = m.bands[i];
                let rate = (n > 0).then(|| Decimal::from(c) / Decimal::from(n));
                bands.insert(
                    band.key().into(),
                    json!({"customers": n, "churned_90d": c, "rate": json::ratio(rate)}),
                );
            }
            json!({"month_end": m.month_end.to_string(), "complete": m.complete, "bands": bands})
        })
        .collect();
    let mut rates = Map::new();
    for band in Band::ALL {
        rates.insert(band.key().into(), json::ratio(b.rate(band)));
    }
    json!({"auc": json::ratio(b.auc), "rates": rates, "window_days": quarterdeck_engine::health::CHURN_WINDOW_DAYS, "months": months})
}

/// `GET /api/v1/health`.
pub fn portfolio(e: &TenantEngine, q: &MetricQuery) -> Result<Value, QueryError> {
    Ok(portfolio_of(e, q)?.to_json(q))
}

/// One account's health, its trend and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountHealth {
    pub id: String,
    /// Explained: its components carry weights, contributions and inputs.
    pub health: Health,
    pub trend: Trend,
    /// (month end, score) over the last twelve month ends, then the day.
    pub history: Vec<(NaiveDate, Option<u8>)>,
}

/// `GET /api/v1/accounts/{id}/health`, typed; `None` when the account is
/// not scored on the day (not paying, or no data).
pub fn account_of(
    e: &TenantEngine,
    q: &MetricQuery,
    id: &str,
) -> Result<Option<AccountHealth>, QueryError> {
    let day = as_of(q)?;
    let Some(slot) = e.ledger.slot_number(id) else {
        return Ok(None);
    };
    let find = |d: NaiveDate| {
        let scores = e.health_on(d);
        // Scores are in slot order.
        scores
            .binary_search_by_key(&slot, |h| h.slot)
            .ok()
            .map(|i| scores[i].clone())
    };
    let Some(health) = e.ledger.health_of(id, day, &e.health_settings()) else {
        return Ok(None);
    };
    let before = day.checked_sub_days(Days::new(30)).unwrap_or(day);
    let trend = Trend::of(health.score, find(before).map(|h| h.score));
    let mut history: Vec<(NaiveDate, Option<u8>)> = month_ends(day)
        .into_iter()
        .map(|m| (m, find(m).map(|h| h.score)))
        .collect();
    if history.last().is_none_or(|h| h.0 != day) {
        history.push((day, Some(health.score)));
    }
    Ok(Some(AccountHealth {
        id: id.to_string(),
        health,
        trend,
        history,
    }))
}

impl AccountHealth {
    /// The answer as the API writes it.
    pub fn to_json(&self) -> Value {
        let h = &self.health;
        json!({
            "id": self.id,
            "as_of": h.day.to_string(),
            "score": h.score,
            "band": h.band.key(),
            "trend": self.trend.key(),
            "arr": money(h.arr),
            "components": h.components.iter().map(|c| json!({
                "name": c.kind.key(),
                "score": c.score,
                "weight": json::ratio(Some(c.weight)),
                "contribution": json::decimal(Some(c.contribution.round_dp(2))),
                "inputs": c.inputs.iter().map(|(k, v)| (k.to_string(), Value::from(v.clone()))).collect::<Map<_, _>>(),
            })).collect::<Vec<_>>(),
            "history": self.history.iter().map(|(d, s)| json!({"date": d.to_string(), "score": s})).collect::<Vec<_>>(),
        })
    }
}

/// `GET /api/v1/accounts/{id}/health`.
pub fn account(e: &TenantEngine, q: &MetricQuery, id: &str) -> Result<Option<Value>, QueryError> {
    Ok(account_of(e, q, id)?.map(|a| a.to_json()))
}

/// The summary's health metrics of the customers `filter` covers on `day`
/// (never after today): ARR at risk (critical band), ARR on watch (at-risk
/// band), critical accounts and the average score; all `None` when nobody
/// is scored.
pub fn figures(
    e: &TenantEngine,
    filter: &quarterdeck_engine::Filter,
    day: NaiveDate,
) -> [(&'static str, Option<Decimal>); 4] {
    let all = e.health_on(day);
    let covers = (!filter.is_all()).then(|| e.ledger.covers(filter));
    let mut t = Tally::default();
    for h in all
        .iter()
        .filter(|h| covers.as_ref().is_none_or(|c| c[h.slot as usize]))
    {
        t.add(h, Trend::Stable);
    }
    [
        "arr_at_risk",
        "arr_at_risk_watch",
        "critical_customers",
        "avg_health",
    ]
    .map(|m| (m, t.figure(m)))
}
