//! Renewal answers (api.md, `GET /api/v1/renewals`): what is due in the
//! window and where it stands as of the day asked, the forecast renewal rate
//! against its target, and what falls due in the next 30, 60 and 90 days.

use super::json::{self, money};
use super::query::{MetricQuery, QueryError, parse_date};
use super::result::period_json;
use crate::engines::TenantEngine;
use chrono::NaiveDate;
use quarterdeck_engine::Period;
use quarterdeck_engine::renewals::{Renewal, RenewalStage, RenewalTotals};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// The forecast renewal rate a tenant aims at unless it sets its own
/// (`forecast_renewal_rate` among its KPI targets).
pub const DEFAULT_TARGET: Decimal = Decimal::from_parts(9, 0, 0, false, 1);

/// The renewals of a window, as of a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Renewals {
    pub as_of: NaiveDate,
    pub window: Period,
    pub currency: String,
    pub filters: Value,
    pub partial: bool,
    pub totals: RenewalTotals,
    pub target: Decimal,
    /// Due 0–30, 31–60 and 61–90 days after `as_of`: (ARR, count).
    pub upcoming: [(Decimal, u32); 3],
    /// Every renewal of the window, with the customer's name and CSM.
    pub items: Vec<(Renewal, Option<String>, Option<String>)>,
}

/// The day renewals are judged on: `as_of`, else today.
pub fn as_of(q: &MetricQuery) -> Result<NaiveDate, QueryError> {
    match q.extra("as_of") {
        Some(d) => parse_date("as_of", d),
        None => Ok(q.calendar.today),
    }
}

/// `GET /api/v1/renewals`, typed.
pub fn renewals_of(
    e: &TenantEngine,
    q: &MetricQuery,
    target: Option<Decimal>,
) -> Result<Renewals, QueryError> {
    let day = as_of(q)?;
    // Staged with health bands of the day asked (today at the latest: no
    // scores ahead).
    let today = q.calendar.today;
    let list = e.renewals(q.period, day, today, &q.filter);
    let totals = RenewalTotals::of(&list);
    let next = e.renewals(
        quarterdeck_engine::renewals::days_after(day, 90),
        day,
        today,
        &q.filter,
    );
    let mut upcoming = [(Decimal::ZERO, 0u32); 3];
    for r in &next {
        let d = (r.due - day).num_days();
        let i = match d {
            ..=30 => 0,
            31..=60 => 1,
            _ => 2,
        };
        upcoming[i].0 += r.arr;
        upcoming[i].1 += 1;
    }
    let items = list
        .into_iter()
        .map(|r| {
            let c = e.ledger.customer_ref(r.slot);
            let (name, csm) = (c.name.map(str::to_string), c.csm.map(str::to_string));
            (r, name, csm)
        })
        .collect();
    Ok(Renewals {
        as_of: day,
        window: q.period,
        currency: e.ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        partial: q.partial(),
        totals,
        target: target.unwrap_or(DEFAULT_TARGET),
        upcoming,
        items,
    })
}

fn tally(arr: Decimal, count: u32) -> Value {
    json!({"arr": money(arr), "count": count})
}

impl Renewals {
    /// The answer as the API writes it.
    pub fn to_json(&self, q: &MetricQuery) -> Value {
        let mut stages = Map::new();
        for (i, s) in RenewalStage::ALL.iter().enumerate() {
            let (arr, n) = self.totals.stages[i];
            stages.insert(s.key().into(), tally(arr, n));
        }
        json!({
            "as_of": self.as_of.to_string(),
            "period": period_json(self.window),
            "compare": q.comparison().map(period_json),
            "filters": self.filters,
            "partial": self.partial,
            "currency": self.currency,
            "due": tally(self.totals.due.0, self.totals.due.1),
            "stages": stages,
            "forecast_rate": json::ratio(self.totals.forecast_rate()),
            "target": json::ratio(Some(self.target)),
            "upcoming": {
                "d0_30": tally(self.upcoming[0].0, self.upcoming[0].1),
                "d31_60": tally(self.upcoming[1].0, self.upcoming[1].1),
                "d61_90": tally(self.upcoming[2].0, self.upcoming[2].1),
            },
            "items": self.items.iter().map(|(r, name, csm)| json!({
                "customer_id": r.customer_id,
                "name": name,
                "due_date": r.due.to_string(),
                "arr": money(r.arr),
                "stage": r.stage.key(),
                "source": if r.opportunity_id.is_some() { "opportunity" } else { "term_end" },
                "csm": csm,
            })).collect::<Vec<_>>(),
        })
    }
}

/// `GET /api/v1/renewals`.
pub fn renewals(
    e: &TenantEngine,
    q: &MetricQuery,
    target: Option<Decimal>,
) -> Result<Value, QueryError> {
    Ok(renewals_of(e, q, target)?.to_json(q))
}

/// The tenant's own forecast-renewal-rate target, if it set one.
pub fn own_target(t: &super::targets::TenantTargets) -> Option<Decimal> {
    t.own.get(METRIC).map(|t| t.good)
}

/// The name a tenant's renewal target is kept under among its KPI targets.
pub const METRIC: &str = "forecast_renewal_rate";
