//! Answers to metric queries, computed from a tenant's ledger. Pure.

use super::json;
use super::limits::{self, Budget, grain_name};
use super::result::{period_json, rounded};
use super::{MetricQuery, QueryError};
use crate::engines::TenantEngine;
use chrono::{Datelike, Months, NaiveDate};
use quarterdeck_engine::health::Band;
use quarterdeck_engine::period::{day_before, is_month_end};
use quarterdeck_engine::{CohortGrain, Filter, Grain, Ledger, MovementKind, Period};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub use quarterdeck_engine::DEFAULT_GROSS_MARGIN;

use quarterdeck_engine::catalogue;
pub use quarterdeck_engine::catalogue::Unit;

/// The unit of a metric name, or a 400-worthy error naming `param`.
pub fn unit_of(name: &str, param: &str) -> Result<Unit, QueryError> {
    catalogue::metric(name)
        .map(|m| m.unit)
        .ok_or_else(|| QueryError {
            param: param.into(),
            message: format!(
                "unknown metric `{name}`; metrics are {}",
                catalogue::names().collect::<Vec<_>>().join(", ")
            ),
        })
}

/// Gross margin for a period: from cost data when the tenant has any, else the setting.
fn gross_margin(
    ledger: &Ledger,
    period: Period,
    filter: &Filter,
    setting: Decimal,
) -> Option<Decimal> {
    if ledger.has_cost_data() {
        ledger.gross_margin(period, filter)
    } else {
        Some(setting)
    }
}

/// Every summary metric over one period, with the default gross-margin setting.
pub fn figures(
    ledger: &Ledger,
    period: Period,
    filter: &Filter,
) -> BTreeMap<&'static str, Option<Decimal>> {
    figures_with(ledger, period, filter, DEFAULT_GROSS_MARGIN)
}

/// Every summary metric over one period; `margin_setting` is the tenant's
/// gross margin for when it has no cost data.
pub fn figures_with(
    ledger: &Ledger,
    period: Period,
    filter: &Filter,
    margin_setting: Decimal,
) -> BTreeMap<&'static str, Option<Decimal>> {
    // LTV takes the gross margin of the same twelve months as its churn rate.
    let ttm = Period::trailing_twelve_months(period.to);
    let ltv_margin = gross_margin(ledger, ttm, filter, margin_setting).unwrap_or(margin_setting);
    let s = ledger.revenue_summary(period, ltv_margin, filter);
    let p = &s.period;
    let m = &p.summary.movements;
    let ar = ledger.ar_aging(period.to, filter);
    let d = |x: Decimal| Some(x);
    let n = |x: u64| Some(Decimal::from(x));
    BTreeMap::from([
        ("mrr", d(p.summary.mrr_end)),
        ("arr", d(p.summary.mrr_end * Decimal::from(12))),
        ("paying_customers", n(p.summary.paying_end)),
        ("arpa", s.arpa),
        ("new_mrr", d(m.new)),
        ("expansion_mrr", d(m.expansion)),
        ("contraction_mrr", d(m.contraction)),
        ("churned_mrr", d(m.churn)),
        ("reactivation_mrr", d(m.reactivation)),
        ("net_new_mrr", d(m.net_new())),
        ("new_customers", n(m.new_customers)),
        ("reactivated_customers", n(m.reactivated_customers)),
        ("churned_customers", n(m.churned_customers)),
        ("customer_churn_rate", p.customer_churn_rate),
        ("gross_mrr_churn_rate", p.gross_mrr_churn_rate),
        ("net_mrr_churn_rate", p.net_mrr_churn_rate),
        (
            "avg_monthly_customer_churn_rate",
            s.per_month.customer_churn_rate,
        ),
        (
            "avg_monthly_gross_mrr_churn_rate",
            s.per_month.gross_mrr_churn_rate,
        ),
        (
            "avg_monthly_net_mrr_churn_rate",
            s.per_month.net_mrr_churn_rate,
        ),
        ("grr", s.trailing_twelve_months.revenue_retention.grr),
        ("nrr", s.trailing_twelve_months.revenue_retention.nrr),
        ("grr_period", p.revenue_retention.grr),
        ("nrr_period", p.revenue_retention.nrr),
        ("quick_ratio", p.quick_ratio),
        ("ltv", s.ltv),
        ("revenue", d(ledger.revenue(period, filter))),
        (
            "gross_margin",
            gross_margin(ledger, period, filter, margin_setting),
        ),
        ("ar_total", d(ar.total)),
        ("ar_overdue", d(ar.overdue())),
        ("dso", ledger.dso(period, filter)),
        // Read from the engine's health scores by `figures_of`.
        ("arr_at_risk", None),
        ("arr_at_risk_watch", None),
        ("critical_customers", None),
        ("avg_health", None),
    ])
}

/// One metric over one period (series buckets); health metrics read the
/// scores of the period's last day, today at the latest.
fn figure(
    e: &TenantEngine,
    name: &str,
    period: Period,
    filter: &Filter,
    today: chrono::NaiveDate,
) -> Option<Decimal> {
    let ledger = &e.ledger;
    match name {
        "revenue" => Some(ledger.revenue(period, filter)),
        "gross_margin" => gross_margin(ledger, period, filter, e.gross_margin_setting()),
        "ar_total" => Some(ledger.ar_aging(period.to, filter).total),
        "ar_overdue" => Some(ledger.ar_overdue(period.to, filter)),
        "dso" => ledger.dso(period, filter),
        "arpa" => ledger.arpa_on(period.to, filter),
        "grr" | "nrr" => {
            let r = ledger
                .trailing_twelve_month_retention(period.to, filter)
                .revenue_retention;
            if name == "grr" { r.grr } else { r.nrr }
        }
        "arr_at_risk" | "arr_at_risk_watch" | "critical_customers" | "avg_health" => {
            super::health::figures(e, filter, period.to.min(today))
                .into_iter()
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v)
        }
        "ltv"
        | "avg_monthly_customer_churn_rate"
        | "avg_monthly_gross_mrr_churn_rate"
        | "avg_monthly_net_mrr_churn_rate" => {
            // The same margin as the summary's LTV: of the twelve months ending `to`.
            let setting = e.gross_margin_setting();
            let ttm = Period::trailing_twelve_months(period.to);
            let margin = gross_margin(ledger, ttm, filter, setting).unwrap_or(setting);
            let s = ledger.revenue_summary(period, margin, filter);
            match name {
                "ltv" => s.ltv,
                "avg_monthly_customer_churn_rate" => s.per_month.customer_churn_rate,
                "avg_monthly_gross_mrr_churn_rate" => s.per_month.gross_mrr_churn_rate,
                _ => s.per_month.net_mrr_churn_rate,
            }
        }
        _ => {
            let r = ledger.retention(period, filter);
            match name {
                "customer_churn_rate" => r.customer_churn_rate,
                "gross_mrr_churn_rate" => r.gross_mrr_churn_rate,
                "net_mrr_churn_rate" => r.net_mrr_churn_rate,
                "grr_period" => r.revenue_retention.grr,
                "nrr_period" => r.revenue_retention.nrr,
                "quick_ratio" => r.quick_ratio,
                _ => None,
            }
        }
    }
}

/// Every summary metric over one period from a tenant's engine: the
/// ledger's figures, the tenant's margin setting, and ARR at risk from the
/// health scores of the period's last day (today at the latest).
pub fn figures_of(
    e: &TenantEngine,
    period: Period,
    filter: &Filter,
    today: chrono::NaiveDate,
) -> BTreeMap<&'static str, Option<Decimal>> {
    // Kept across writes of tickets, activities, usage and pipelines.
    let margin = e.gross_margin_setting();
    let revenue = e.kept(
        &format!("figures:{period:?}:{filter:?}:{margin}"),
        &crate::engines::REVENUE_READ,
        || figures_with(&e.ledger, period, filter, margin),
    );
    let mut f = BTreeMap::clone(&revenue);
    f.extend(super::health::figures(e, filter, period.to.min(today)));
    f
}

/// The summary of a query, typed (`GET /api/v1/metrics/summary` serialises it).
pub fn summary_of(e: &TenantEngine, q: &MetricQuery) -> super::result::Summary {
    let ledger = &e.ledger;
    let today = q.calendar.today;
    let now = figures_of(e, q.period, &q.filter, today);
    let before = q.comparison().map(|c| figures_of(e, c, &q.filter, today));
    super::result::Summary::from_values_on(
        q.period,
        q.comparison(),
        ledger.settings().currency.code().to_string(),
        q.filters_json(),
        |name| now.get(name).copied().flatten(),
        |name| before.as_ref().and_then(|b| b.get(name).copied().flatten()),
        q.partial(),
    )
}

/// `GET /api/v1/metrics/summary`.
pub fn summary(e: &TenantEngine, q: &MetricQuery) -> Value {
    summary_of(e, q).to_json()
}

/// `GET /api/v1/metrics/series?metric=&interval=`.
pub fn series(e: &TenantEngine, q: &MetricQuery) -> Result<Value, QueryError> {
    series_of(e, q).map(|s| s.to_json())
}

/// One metric by bucket, typed.
pub fn series_of(e: &TenantEngine, q: &MetricQuery) -> Result<super::result::Series, QueryError> {
    let ledger = &e.ledger;
    let name = q.extra("metric").ok_or_else(|| QueryError {
        param: "metric".into(),
        message: "is required, e.g. metric=mrr".into(),
    })?;
    let unit = unit_of(name, "metric")?;
    let grain = q.interval(Grain::Month)?;
    let fiscal_start = ledger.settings().fiscal_start();
    limits::check_buckets(q.period, grain, fiscal_start)?;
    let budget = Budget::start();
    let movement_family = matches!(
        name,
        "mrr"
            | "arr"
            | "paying_customers"
            | "new_mrr"
            | "expansion_mrr"
            | "contraction_mrr"
            | "churned_mrr"
            | "reactivation_mrr"
            | "net_new_mrr"
            | "new_customers"
            | "reactivated_customers"
            | "churned_customers"
    );
    let points: Vec<(chrono::NaiveDate, Option<Decimal>)> = if movement_family {
        // One pass over the customers for every bucket.
        ledger
            .movement_series(q.period, grain, &q.filter)
            .into_iter()
            .map(|b| {
                let s = &b.summary;
                let m = &s.movements;
                let v = match name {
                    "mrr" => s.mrr_end,
                    "arr" => s.mrr_end * Decimal::from(12),
                    "paying_customers" => Decimal::from(s.paying_end),
                    "new_mrr" => m.new,
                    "expansion_mrr" => m.expansion,
                    "contraction_mrr" => m.contraction,
                    "churned_mrr" => m.churn,
                    "reactivation_mrr" => m.reactivation,
                    "net_new_mrr" => m.net_new(),
                    "new_customers" => Decimal::from(m.new_customers),
                    "reactivated_customers" => Decimal::from(m.reactivated_customers),
                    _ => Decimal::from(m.churned_customers),
                };
                (s.period.to, rounded(unit, Some(v)))
            })
            .collect()
    } else {
        // One computation per bucket: the budget stops a slow metric over many buckets.
        grain
            .buckets(q.period, fiscal_start)
            .into_iter()
            .map(|b| {
                budget.check()?;
                let v = figure(e, name, b.period, &q.filter, q.calendar.today);
                Ok((b.period.to, rounded(unit, v)))
            })
            .collect::<Result<_, QueryError>>()?
    };
    Ok(super::result::Series {
        metric: name.to_string(),
        unit,
        interval: grain_name(grain),
        period: q.period,
        currency: ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        points,
        today: q.calendar.today,
    })
}

/// `GET /api/v1/metrics/movements?interval=`.
pub fn movements(e: &TenantEngine, q: &MetricQuery) -> Result<Value, QueryError> {
    movements_of(e, q).map(|m| m.to_json())
}

/// MRR movements by bucket, typed.
pub fn movements_of(
    e: &TenantEngine,
    q: &MetricQuery,
) -> Result<super::result::MovementTable, QueryError> {
    let ledger = &e.ledger;
    let grain = q.interval(Grain::Month)?;
    limits::check_buckets(q.period, grain, ledger.settings().fiscal_start())?;
    let money = json::round_money;
    let buckets = ledger
        .movement_series(q.period, grain, &q.filter)
        .into_iter()
        .map(|b| {
            let s = &b.summary;
            let m = &s.movements;
            super::result::MovementRow {
                from: s.period.from,
                to: s.period.to,
                new: money(m.new),
                expansion: money(m.expansion),
                contraction: money(m.contraction),
                churn: money(m.churn),
                reactivation: money(m.reactivation),
                net_new: money(m.net_new()),
                mrr_start: money(s.mrr_start),
                mrr_end: money(s.mrr_end),
                new_customers: m.new_customers,
                reactivated_customers: m.reactivated_customers,
                churned_customers: m.churned_customers,
            }
        })
        .collect();
    Ok(super::result::MovementTable {
        interval: grain_name(grain),
        period: q.period,
        currency: ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        buckets,
        today: q.calendar.today,
    })
}

/// Parses a movement kind from the URL.
pub fn movement_kind(s: &str) -> Result<MovementKind, QueryError> {
    Ok(match s {
        "new" => MovementKind::New,
        "expansion" => MovementKind::Expansion,
        "contraction" => MovementKind::Contraction,
        "churn" => MovementKind::Churn,
        "reactivation" => MovementKind::Reactivation,
        other => {
            return Err(QueryError {
                param: "kind".into(),
                message: format!(
                    "`{other}` is not new, expansion, contraction, churn or reactivation"
                ),
            });
        }
    })
}

/// `GET /api/v1/metrics/movements/{date}/{kind}`: the customers behind one bar.
pub fn movement_drilldown(
    e: &TenantEngine,
    q: &MetricQuery,
    date: chrono::NaiveDate,
    kind: MovementKind,
) -> Result<Value, QueryError> {
    let ledger = &e.ledger;
    let grain = q.interval(Grain::Month)?;
    limits::check_buckets(q.period, grain, ledger.settings().fiscal_start())?;
    let bucket = grain
        .buckets(q.period, ledger.settings().fiscal_start())
        .into_iter()
        .find(|b| b.period.from <= date && date <= b.period.to)
        .ok_or_else(|| QueryError {
            param: "date".into(),
            message: format!(
                "{date} is not inside the period {}..{}",
                q.period.from, q.period.to
            ),
        })?;
    let names: BTreeMap<String, Option<String>> = ledger
        .accounts(bucket.period.to, &q.filter)
        .into_iter()
        .map(|a| (a.customer_id, a.name))
        .collect();
    let contributors = ledger.movement_contributors(bucket.period, kind, &q.filter);
    let total: Decimal = contributors.iter().map(|c| c.1).sum();
    let customers: Vec<Value> = contributors
        .into_iter()
        .map(|(id, amount)| {
            json!({"id": id, "name": names.get(&id).cloned().flatten(), "amount": json::money(amount)})
        })
        .collect();
    Ok(json!({
        "bucket": period_json(bucket.period),
        "kind": format!("{kind:?}").to_lowercase(),
        "total": json::money(total),
        "currency": ledger.settings().currency.code(),
        "filters": q.filters_json(),
        "customers": customers,
    }))
}

/// `GET /api/v1/metrics/cohorts?by=month|quarter&measure=logos|mrr`.
pub fn cohorts(e: &TenantEngine, q: &MetricQuery) -> Result<Value, QueryError> {
    cohorts_of(e, q).map(|c| c.to_json())
}

/// Cohort retention, typed.
pub fn cohorts_of(
    e: &TenantEngine,
    q: &MetricQuery,
) -> Result<super::result::CohortTable, QueryError> {
    let ledger = &e.ledger;
    let grain = match q.extra("by") {
        None | Some("month") => CohortGrain::Month,
        Some("quarter") => CohortGrain::Quarter,
        Some(other) => {
            return Err(QueryError {
                param: "by".into(),
                message: format!("`{other}` is not month or quarter"),
            });
        }
    };
    let logos = match q.extra("measure") {
        None | Some("logos") => true,
        Some("mrr") => false,
        Some(other) => {
            return Err(QueryError {
                param: "measure".into(),
                message: format!("`{other}` is not logos or mrr"),
            });
        }
    };
    limits::check_cohort_cells(q.period, grain.grain(), ledger.settings().fiscal_start())?;
    let cohorts = ledger
        .cohorts(grain, q.period, &q.filter)
        .into_iter()
        .map(|c| {
            let label = match grain {
                CohortGrain::Month => c.start.format("%Y-%m").to_string(),
                CohortGrain::Quarter => format!(
                    "{}-Q{}",
                    c.start.format("%Y"),
                    (chrono::Datelike::month(&c.start) - 1) / 3 + 1
                ),
            };
            let values = c
                .cells
                .iter()
                .map(|cell| {
                    let r = if logos {
                        cell.logo_retention
                    } else {
                        cell.revenue_retention
                    };
                    r.map(json::round_ratio)
                })
                .collect();
            super::result::CohortRow {
                label,
                start: c.start,
                size: c.customers,
                values,
            }
        })
        .collect();
    Ok(super::result::CohortTable {
        by: if grain == CohortGrain::Month {
            "month"
        } else {
            "quarter"
        },
        measure: if logos { "logos" } else { "mrr" },
        period: q.period,
        filters: q.filters_json(),
        cohorts,
        partial: q.partial(),
    })
}

/// `GET /api/v1/metrics/ar-aging?as_of=`.
pub fn ar_aging(e: &TenantEngine, q: &MetricQuery) -> Result<Value, QueryError> {
    ar_aging_of(e, q).map(|a| a.to_json())
}

/// AR aging on `as_of` (default: the period's last day), typed.
pub fn ar_aging_of(e: &TenantEngine, q: &MetricQuery) -> Result<super::result::Aging, QueryError> {
    let ledger = &e.ledger;
    let as_of = match q.extra("as_of") {
        Some(d) => super::query::parse_date("as_of", d)?,
        None => q.period.to,
    };
    let a = ledger.ar_aging(as_of, &q.filter);
    let money = json::round_money;
    Ok(super::result::Aging {
        as_of,
        currency: ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        buckets: [a.current, a.d1_30, a.d31_60, a.d61_90, a.d90_plus].map(money),
        total: money(a.total),
        overdue: money(a.overdue()),
        partial: as_of > q.calendar.today,
    })
}

/// Longest account search (characters).
pub const MAX_SEARCH: usize = 200;

/// Largest page of accounts.
const MAX_ACCOUNTS_PAGE: usize = 1000;

/// The accounts the query selects on its last day, in its `sort` order
/// (`-mrr` by default; `health` keeps only that band). Plans are filled in
/// for every row only when `with_plans` (they cost a replay per customer).
pub fn sorted_accounts(
    e: &TenantEngine,
    q: &MetricQuery,
    with_plans: bool,
) -> Result<Vec<quarterdeck_engine::AccountRow>, QueryError> {
    let ledger = &e.ledger;
    let sort = q.extra("sort").unwrap_or("-mrr");
    let (key, descending) = sort.strip_prefix('-').map_or((sort, false), |k| (k, true));
    let mut rows = if key == "plan" || with_plans {
        ledger.accounts(q.period.to, &q.filter)
    } else {
        ledger.accounts_without_plans(q.period.to, &q.filter)
    };
    // `search`: a piece of the name or id, any case.
    if let Some(needle) = q.extra("search").map(str::to_lowercase) {
        if needle.chars().count() > MAX_SEARCH {
            return Err(QueryError {
                param: "search".into(),
                message: format!("is at most {MAX_SEARCH} characters"),
            });
        }
        rows.retain(|a| {
            a.customer_id.to_lowercase().contains(&needle)
                || a.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        });
    }
    // `paying`: `only` keeps accounts with MRR on the day (the pages' default), `all` every one.
    match q.extra("paying") {
        None | Some("all") => {}
        Some("only") => rows.retain(|a| a.mrr > Decimal::ZERO),
        Some(other) => {
            return Err(QueryError {
                param: "paying".into(),
                message: format!("`{other}` is not only or all"),
            });
        }
    }
    let needs_health = q.extra("health").is_some() || key == "health";
    let health = if needs_health {
        health_index(e, q)
    } else {
        HashMap::new()
    };
    if let Some(name) = q.extra("health") {
        let Some(band) = Band::parse(name) else {
            return Err(QueryError {
                param: "health".into(),
                message: format!("`{name}` is not healthy, at_risk or critical"),
            });
        };
        rows.retain(|a| health.get(&a.customer_id).is_some_and(|h| h.1 == band));
    }
    let text = |o: &Option<String>| o.clone().unwrap_or_default().to_lowercase();
    match key {
        "mrr" | "arr" => rows.sort_by(|a, b| {
            a.mrr
                .cmp(&b.mrr)
                .then_with(|| b.customer_id.cmp(&a.customer_id))
        }),
        "name" => rows.sort_by_cached_key(|a| (text(&a.name), a.customer_id.clone())),
        "segment" => rows.sort_by_cached_key(|a| (text(&a.segment), a.customer_id.clone())),
        "csm" => rows.sort_by_cached_key(|a| (text(&a.csm), a.customer_id.clone())),
        "plan" => rows.sort_by_cached_key(|a| (text(&a.plan), a.customer_id.clone())),
        "region" => rows.sort_by_cached_key(|a| (text(&a.region), a.customer_id.clone())),
        "id" => rows.sort_by(|a, b| a.customer_id.cmp(&b.customer_id)),
        // Lowest score first; accounts not scored after every scored one.
        "health" => rows.sort_by_cached_key(|a| {
            (
                health
                    .get(&a.customer_id)
                    .map_or(u16::MAX, |h| u16::from(h.0)),
                a.customer_id.clone(),
            )
        }),
        other => {
            return Err(QueryError {
                param: "sort".into(),
                message: format!(
                    "`{other}` is not a sort key; use mrr, arr, name, segment, csm, plan, region, id or health, with - for descending"
                ),
            });
        }
    }
    if descending {
        rows.reverse();
    }
    Ok(rows)
}

/// `GET /api/v1/accounts?sort=&limit=&cursor=`.
pub fn accounts(e: &TenantEngine, q: &MetricQuery) -> Result<Value, QueryError> {
    accounts_of(e, q).map(|a| a.to_json())
}

/// Score and band of every account scored on `day` (today at the latest).
pub fn health_index(e: &TenantEngine, q: &MetricQuery) -> HashMap<String, (u8, Band)> {
    e.health_on(q.period.to.min(q.calendar.today))
        .iter()
        .map(|h| {
            let id = e.ledger.customer_ref(h.slot).id.to_string();
            (id, (h.score, h.band))
        })
        .collect()
}

fn account_line(
    a: quarterdeck_engine::AccountRow,
    health: &HashMap<String, (u8, Band)>,
) -> super::result::AccountLine {
    super::result::AccountLine {
        health: health.get(&a.customer_id).copied(),
        id: a.customer_id,
        name: a.name,
        segment: a.segment,
        csm: a.csm,
        region: a.region,
        plan: a.plan,
        mrr: json::round_money(a.mrr),
        arr: json::round_money(a.arr),
    }
}

/// A page of accounts, typed.
pub fn accounts_of(
    e: &TenantEngine,
    q: &MetricQuery,
) -> Result<super::result::AccountList, QueryError> {
    let ledger = &e.ledger;
    // Check the page before sorting: a bad `limit` costs nothing.
    let limit = match q.extra("limit") {
        None => 50,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_ACCOUNTS_PAGE).contains(n))
            .ok_or_else(|| QueryError {
                param: "limit".into(),
                message: format!("must be a whole number from 1 to {MAX_ACCOUNTS_PAGE}"),
            })?,
    };
    let offset = match q.extra("cursor") {
        None => 0,
        Some(s) => s.parse::<usize>().map_err(|_| QueryError {
            param: "cursor".into(),
            message: "is not one this API gave out (use next_cursor)".into(),
        })?,
    };
    let rows = sorted_accounts(e, q, false)?;
    let health = health_index(e, q);
    let total = rows.len();
    let page: Vec<super::result::AccountLine> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|mut a| {
            if a.plan.is_none() {
                a.plan = ledger.plan_on(&a.customer_id, q.period.to);
            }
            account_line(a, &health)
        })
        .collect();
    let next = offset + page.len();
    Ok(super::result::AccountList {
        as_of: q.period.to,
        currency: ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        total,
        data: page,
        next_cursor: (next < total).then(|| next.to_string()),
        partial: q.partial(),
    })
}

/// `GET /api/v1/accounts/{id}`: one account with its MRR history and movements.
pub fn account(e: &TenantEngine, q: &MetricQuery, id: &str) -> Result<Option<Value>, QueryError> {
    Ok(account_of(e, q, id)?.map(|a| a.to_json()))
}

/// One account with its history and movements, typed.
pub fn account_of(
    e: &TenantEngine,
    q: &MetricQuery,
    id: &str,
) -> Result<Option<super::result::AccountDetail>, QueryError> {
    let ledger = &e.ledger;
    let Some(row) = ledger.account(id, q.period.to) else {
        return Ok(None);
    };
    let grain = q.interval(Grain::Month)?;
    limits::check_buckets(q.period, grain, ledger.settings().fiscal_start())?;
    let history = ledger
        .customer_mrr_history(id, q.period, grain)
        .into_iter()
        .map(|(d, v)| (d, json::round_money(v)))
        .collect();
    let movements = ledger
        .customer_movements(id, q.period)
        .into_iter()
        .map(|(d, k, v)| (d, format!("{k:?}").to_lowercase(), json::round_money(v)))
        .collect();
    Ok(Some(super::result::AccountDetail {
        line: account_line(row, &health_index(e, q)),
        currency: ledger.settings().currency.code().to_string(),
        period: q.period,
        history,
        movements,
        partial: q.partial(),
    }))
}

/// The twelve whole-or-partial months ending with `to`'s month.
pub fn last_twelve_months(to: NaiveDate) -> Period {
    let start = to
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .unwrap_or(to);
    Period::new(start, to).expect("start precedes to")
}

/// Monthly values of `metric` over the twelve months ending `q`'s `to`.
pub fn monthly_series(
    e: &TenantEngine,
    q: &MetricQuery,
    metric: &str,
) -> Vec<(NaiveDate, Option<Decimal>)> {
    let mut q12 = q.clone();
    q12.period = last_twelve_months(q.period.to);
    q12.extra = BTreeMap::from([
        ("metric".to_string(), metric.to_string()),
        ("interval".to_string(), "month".to_string()),
    ]);
    series_of(e, &q12).map(|s| s.points).unwrap_or_default()
}

/// Whole months of history a forecast is fitted to.
const FORECAST_HISTORY: u32 = 12;

/// The six-month MRR forecast from the last twelve whole months ending on or
/// before `q`'s `to`, with its rolling-origin backtest.
pub fn forecast_of(e: &TenantEngine, q: &MetricQuery) -> super::result::ForecastAnswer {
    let ledger = &e.ledger;
    let to = q.period.to;
    // The last whole month: `to`'s own when `to` is its last day.
    let last_end = if is_month_end(to) {
        to
    } else {
        day_before(to.with_day(1).unwrap_or(to))
    };
    let first = last_end
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(FORECAST_HISTORY - 1)))
        .unwrap_or(last_end);
    let history: Vec<(NaiveDate, Decimal)> = Period::new(first, last_end)
        .map(|p| {
            ledger
                .movement_series(p, Grain::Month, &q.filter)
                .into_iter()
                .map(|b| (b.summary.period.to, b.summary.mrr_end))
                .collect()
        })
        .unwrap_or_default();
    let values: Vec<Decimal> = history.iter().map(|(_, v)| *v).collect();
    let forecast = quarterdeck_engine::forecast_mrr(&values, 6);
    let steps = forecast
        .steps
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let end = last_end
                .with_day(1)?
                .checked_add_months(Months::new(i as u32 + 2))?
                .pred_opt()?;
            Some((end, f))
        })
        .collect();
    super::result::ForecastAnswer {
        period: q.period,
        currency: ledger.settings().currency.code().to_string(),
        filters: q.filters_json(),
        partial: q.partial(),
        history: history
            .into_iter()
            .map(|(d, v)| (d, json::round_money(v)))
            .collect(),
        steps,
        backtest: quarterdeck_engine::backtest(&values),
    }
}

/// `GET /api/v1/metrics/forecast`.
pub fn forecast(e: &TenantEngine, q: &MetricQuery) -> Value {
    forecast_of(e, q).to_json()
}
