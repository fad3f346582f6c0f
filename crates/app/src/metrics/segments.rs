//! Segments side by side (api.md, `GET /api/v1/segments`): customers, ARR,
//! average health, GRR and NRR, expansion rate, time to value and tickets
//! per account, for each segment and for all customers.

use super::answers::figures_of;
use super::json;
use super::query::MetricQuery;
use super::result::period_json;
use crate::engines::TenantEngine;
use quarterdeck_engine::Filter;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// One segment's row (`segment` is `None` for all customers).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub segment: Option<String>,
    pub customers: Option<Decimal>,
    pub arr: Option<Decimal>,
    pub avg_health: Option<Decimal>,
    pub grr: Option<Decimal>,
    pub nrr: Option<Decimal>,
    /// Expansion MRR in the period ÷ MRR at its start.
    pub expansion_rate: Option<Decimal>,
    pub time_to_value_days: Option<Decimal>,
    pub tickets: u64,
    pub tickets_per_account: Option<Decimal>,
}

/// Every segment of the query's customers (its own segment filter narrows
/// the list), then all of them together.
pub fn segments_of(e: &TenantEngine, q: &MetricQuery) -> Vec<SegmentRow> {
    let l = &e.ledger;
    let mut names: BTreeSet<String> = l.filter_values().segment.into_iter().collect();
    if let Some(chosen) = &q.filter.segment {
        names.retain(|s| chosen.contains(s));
    }
    let row = |segment: Option<String>| {
        let mut filter: Filter = q.filter.clone();
        if let Some(s) = &segment {
            filter.segment = Some(BTreeSet::from([s.clone()]));
        }
        let f = figures_of(e, q.period, &filter, q.calendar.today);
        let get = |k: &str| f.get(k).copied().flatten();
        let eve = q.period.from.pred_opt().unwrap_or(q.period.from);
        let start = *e.kept(
            &format!("mrr_on:{eve}:{filter:?}"),
            &crate::engines::REVENUE_READ,
            || l.mrr_on(eve, &filter),
        );
        let tickets = l.tickets_opened(q.period, &filter);
        let customers = get("paying_customers");
        SegmentRow {
            customers,
            arr: get("arr"),
            avg_health: get("avg_health"),
            grr: get("grr"),
            nrr: get("nrr"),
            expansion_rate: get("expansion_mrr")
                .and_then(|x| quarterdeck_engine::money::ratio(x, start)),
            time_to_value_days: l.time_to_value(q.period.to, &filter),
            tickets,
            tickets_per_account: customers
                .and_then(|c| quarterdeck_engine::money::ratio(Decimal::from(tickets), c)),
            segment,
        }
    };
    names
        .into_iter()
        .map(|s| row(Some(s)))
        .chain(std::iter::once(row(None)))
        .collect()
}

/// `GET /api/v1/segments`.
pub fn segments(e: &TenantEngine, q: &MetricQuery) -> Value {
    let rows: Vec<Value> = segments_of(e, q)
        .into_iter()
        .map(|r| {
            json!({
                "segment": r.segment.unwrap_or_else(|| "all".into()),
                "customers": json::decimal(r.customers),
                "arr": json::opt_money(r.arr),
                "avg_health": json::decimal(r.avg_health),
                "grr": json::ratio(r.grr),
                "nrr": json::ratio(r.nrr),
                "expansion_rate": json::ratio(r.expansion_rate),
                "time_to_value_days": json::decimal(r.time_to_value_days),
                "tickets": r.tickets,
                "tickets_per_account": json::ratio(r.tickets_per_account),
            })
        })
        .collect();
    json!({
        "period": period_json(q.period),
        "compare": q.comparison().map(period_json),
        "filters": q.filters_json(),
        "partial": q.partial(),
        "currency": e.ledger.settings().currency.code(),
        "segments": rows,
    })
}
