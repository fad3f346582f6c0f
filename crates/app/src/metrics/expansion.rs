//! Expansion answers (api.md, `GET /api/v1/expansion`): the open and
//! weighted pipeline by type and stage, the ten largest open opportunities,
//! won and lost in the period, the win rate by count and by amount, and
//! expansion ARR won against the tenant's target.

use super::json::{self, money};
use super::query::{MetricQuery, QueryError};
use super::result::period_json;
use crate::engines::TenantEngine;
use quarterdeck_engine::expansion::{Expansion, Pipeline, type_key};
use quarterdeck_store::{Store, StoreResult, TenantId};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Open opportunities listed.
pub const TOP: usize = 10;

/// The name a tenant's expansion target is kept under among its KPI targets.
pub const METRIC: &str = "expansion_arr";

/// Where stage default probabilities are kept (a JSON object: stage →
/// fraction), until Settings edits them.
pub const STAGE_PROBABILITIES: &str = "stage_probabilities";

/// The tenant's own expansion target (ARR won in a period), if it set one.
pub fn own_target(t: &super::targets::TenantTargets) -> Option<Decimal> {
    t.own.get(METRIC).map(|t| t.good)
}

/// The tenant's stage default probabilities, read from the store.
pub async fn load_stage_probabilities(
    store: &dyn Store,
    tenant: TenantId,
) -> StoreResult<HashMap<String, Decimal>> {
    let doc = store.get_config(tenant, STAGE_PROBABILITIES).await?;
    Ok(stage_probabilities(doc.as_deref()))
}

/// Stores stage default probabilities; returns the document written.
pub async fn store_stage_probabilities(
    store: &dyn Store,
    tenant: TenantId,
    stages: &std::collections::BTreeMap<String, Decimal>,
) -> StoreResult<String> {
    let doc = serde_json::to_string(stages).expect("stages serialise");
    store.set_config(tenant, STAGE_PROBABILITIES, &doc).await?;
    Ok(doc)
}

/// Reads stage default probabilities from their stored document (none when
/// absent or unreadable: the 0.5 default applies).
fn stage_probabilities(doc: Option<&str>) -> HashMap<String, Decimal> {
    doc.and_then(|d| serde_json::from_str::<HashMap<String, Decimal>>(d).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, p)| (Decimal::ZERO..=Decimal::ONE).contains(p))
        .collect()
}

/// The pipeline of a query, typed, with each listed opportunity's name.
pub fn expansion_of(
    e: &TenantEngine,
    q: &MetricQuery,
    stages: &HashMap<String, Decimal>,
) -> (Expansion, Vec<Option<String>>) {
    let x = e.ledger.expansion(q.period, &q.filter, stages);
    let names = x
        .open_list
        .iter()
        .take(TOP)
        .map(|o| {
            e.ledger
                .slot_number(&o.customer_id)
                .and_then(|s| e.ledger.customer_ref(s).name.map(str::to_string))
        })
        .collect();
    (x, names)
}

fn pipeline(p: &Pipeline) -> Value {
    json!({"value": money(p.value), "weighted": money(p.weighted), "count": p.count})
}

/// The answer as the API writes it (`currency`: the reporting currency's code).
pub fn to_json(
    currency: &str,
    q: &MetricQuery,
    x: &Expansion,
    names: &[Option<String>],
    target: Option<Decimal>,
) -> Value {
    let by = |m: Vec<(String, Pipeline)>| -> Value {
        m.into_iter()
            .map(|(k, p)| (k, pipeline(&p)))
            .collect::<Map<_, _>>()
            .into()
    };
    json!({
        "period": period_json(q.period),
        "compare": q.comparison().map(period_json),
        "filters": q.filters_json(),
        "partial": q.partial(),
        "currency": currency,
        "open": pipeline(&x.open),
        "by_type": by(x.by_type.iter().map(|(k, p)| (k.to_string(), *p)).collect()),
        "by_stage": by(x.by_stage.iter().map(|(k, p)| (k.clone(), *p)).collect()),
        "won": {"value": money(x.won.0), "count": x.won.1},
        "lost": {"value": money(x.lost.0), "count": x.lost.1},
        "win_rate": {"count": json::ratio(x.win_rate_count()), "amount": json::ratio(x.win_rate_amount())},
        "target": json::opt_money(target),
        "top": x.open_list.iter().take(TOP).zip(names).map(|(o, name)| json!({
            "id": o.id, "customer_id": o.customer_id, "name": name, "type": type_key(o.kind),
            "stage": o.stage, "close_date": o.close.to_string(), "value": money(o.value),
            "probability": json::ratio(Some(o.probability)), "owner": o.owner,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/expansion`.
pub fn expansion(
    e: &TenantEngine,
    q: &MetricQuery,
    stages: &HashMap<String, Decimal>,
    target: Option<Decimal>,
) -> Result<Value, QueryError> {
    let (x, names) = expansion_of(e, q, stages);
    Ok(to_json(
        e.ledger.settings().currency.code(),
        q,
        &x,
        &names,
        target,
    ))
}
