//! Save-play answers (api.md, `GET /api/v1/save-plays/summary`): plays open
//! on the period's last day, closed within it, and the success rate.

use super::json;
use super::query::MetricQuery;
use super::result::period_json;
use crate::engines::TenantEngine;
use quarterdeck_engine::team::PlaySummary;
use serde_json::{Value, json};

/// The counts of the query's plays.
pub fn summary_of(e: &TenantEngine, q: &MetricQuery) -> PlaySummary {
    PlaySummary::of(&e.ledger.save_plays(q.period, &q.filter))
}

/// `GET /api/v1/save-plays/summary`.
pub fn summary(e: &TenantEngine, q: &MetricQuery) -> Value {
    let s = summary_of(e, q);
    json!({
        "period": period_json(q.period),
        "compare": q.comparison().map(period_json),
        "filters": q.filters_json(),
        "partial": q.partial(),
        "open": s.open,
        "saved": s.saved,
        "lost": s.lost,
        "success_rate": json::ratio(s.success_rate()),
    })
}
