//! Team answers (api.md, `GET /api/v1/team`; metrics.md, Team): each CSM's
//! book beside the team average, a leaderboard, utilisation against the
//! capacity targets by segment, and the rebalancing recommendation.

use super::health::NONE;
use super::json::{self, money};
use super::query::MetricQuery;
use super::result::period_json;
use crate::engines::TenantEngine;
use chrono::NaiveDate;
use quarterdeck_domain::records::ActivityType;
use quarterdeck_engine::Filter;
use quarterdeck_engine::health::Band;
use quarterdeck_engine::team::{Capacity, Plan, Seat, rebalance};
use quarterdeck_store::{Store, StoreResult, TenantId};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where capacity targets are kept (a JSON object: segment → {"accounts",
/// "arr"}); customers without a segment use `(none)`.
pub const CSM_CAPACITY: &str = "csm_capacity";

#[derive(Debug, Deserialize)]
struct StoredCapacity {
    #[serde(default)]
    accounts: Option<u32>,
    #[serde(default)]
    arr: Option<Decimal>,
}

/// The tenant's capacity targets, read from the store.
pub async fn load_capacity(
    store: &dyn Store,
    tenant: TenantId,
) -> StoreResult<BTreeMap<String, Capacity>> {
    let doc = store.get_config(tenant, CSM_CAPACITY).await?;
    Ok(capacity_targets(doc.as_deref()))
}

/// Stores capacity targets; returns the document written.
pub async fn store_capacity(
    store: &dyn Store,
    tenant: TenantId,
    targets: &BTreeMap<String, Capacity>,
) -> StoreResult<String> {
    // Amounts as decimal strings, exact (the API writes them as numbers).
    let doc: Map<String, Value> = targets
        .iter()
        .map(|(s, c)| {
            let arr = c.arr.map(|a| a.to_string());
            (s.clone(), json!({"accounts": c.accounts, "arr": arr}))
        })
        .collect();
    let doc = Value::Object(doc).to_string();
    store.set_config(tenant, CSM_CAPACITY, &doc).await?;
    Ok(doc)
}

/// Reads capacity targets from their stored document (none when absent or
/// unreadable: utilisation is then undefined).
fn capacity_targets(doc: Option<&str>) -> BTreeMap<String, Capacity> {
    doc.and_then(|d| serde_json::from_str::<BTreeMap<String, StoredCapacity>>(d).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(segment, c)| {
            (
                segment,
                Capacity {
                    accounts: c.accounts.filter(|a| *a > 0),
                    arr: c.arr.filter(|r| *r > Decimal::ZERO),
                },
            )
        })
        .filter(|(_, c)| c.accounts.is_some() || c.arr.is_some())
        .collect()
}

/// Capacity targets as the API and the stored document write them.
pub fn capacity_json(targets: &BTreeMap<String, Capacity>) -> Value {
    Value::Object(
        targets
            .iter()
            .map(|(s, c)| {
                (
                    s.clone(),
                    json!({"accounts": c.accounts, "arr": c.arr.map(money)}),
                )
            })
            .collect(),
    )
}

/// One CSM's book (or the team average, with `csm` empty).
#[derive(Debug, Clone, PartialEq)]
pub struct CsmRow {
    pub csm: String,
    /// Paying accounts on the day asked.
    pub accounts: Option<Decimal>,
    pub arr: Option<Decimal>,
    pub avg_health: Option<Decimal>,
    /// Accounts in the at-risk or critical band.
    pub at_risk_accounts: Option<Decimal>,
    /// Renewals due in the 90 days after the day asked: (ARR, count).
    pub renewals_due_90d: (Option<Decimal>, Option<Decimal>),
    /// Meetings, emails, calls and tasks in the period.
    pub activities: [(ActivityType, Option<Decimal>); 4],
    pub median_first_response_hours: Option<Decimal>,
    pub grr: Option<Decimal>,
    pub nrr: Option<Decimal>,
    /// Expansion ARR won in the period.
    pub expansion_won: Option<Decimal>,
    /// Average health on the day asked less that on the period's eve.
    pub health_change: Option<Decimal>,
    pub utilisation: Option<Decimal>,
}

/// One recommended move, with the account's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Reassign {
    pub customer_id: String,
    pub name: Option<String>,
    pub from: String,
    pub to: String,
    pub segment: String,
    pub arr: Decimal,
}

/// The team view.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub as_of: NaiveDate,
    pub currency: String,
    pub filters: Value,
    pub partial: bool,
    pub csms: Vec<CsmRow>,
    pub average: CsmRow,
    pub capacity: BTreeMap<String, Capacity>,
    pub moves: Vec<Reassign>,
    /// Segment → CSMs it lacks, where no moves can bring everyone within capacity.
    pub short_of: BTreeMap<String, u32>,
    /// Paying accounts without a CSM: (count, ARR).
    pub unassigned: (u64, Decimal),
    /// The last six month ends, each with every CSM's average health then
    /// (in `csms` order) and the team's (all their accounts together).
    pub history: Vec<(NaiveDate, Vec<Option<Decimal>>, Option<Decimal>)>,
}

/// The day the team view is judged on: the period's last day, never after today.
pub fn as_of(q: &MetricQuery) -> NaiveDate {
    q.period.to.min(q.calendar.today)
}

fn mean(values: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    let present: Vec<Decimal> = values.flatten().collect();
    let n = Decimal::from(present.len() as u64);
    quarterdeck_engine::money::ratio(present.into_iter().sum(), n)
}

/// A mean of counts, to two places (a team average of 0.33 meetings).
fn mean2(values: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    mean(values).map(|d| d.round_dp(2))
}

fn count(n: usize) -> Option<Decimal> {
    Some(Decimal::from(n as u64))
}

/// `GET /api/v1/team`, typed.
pub fn team_of(e: &TenantEngine, q: &MetricQuery, capacity: BTreeMap<String, Capacity>) -> Team {
    let l = &e.ledger;
    let day = as_of(q);
    let today = q.calendar.today;
    let eve = q.period.from.pred_opt().unwrap_or(q.period.from);
    let mut names: BTreeSet<String> = l.filter_values().csm.into_iter().collect();
    if let Some(chosen) = &q.filter.csm {
        names.retain(|c| chosen.contains(c));
    }
    // Each slot's row (its CSM among `names`, if the query covers it),
    // read once for every pass.
    let covered = l.covers(&q.filter);
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let row_of: Vec<Option<usize>> = (0..l.customer_count() as u32)
        .map(|slot| {
            let csm = l.customer_ref(slot).csm;
            csm.filter(|_| covered.get(slot as usize).copied().unwrap_or(false))
                .and_then(|c| index.get(c).copied())
        })
        .collect();
    let row = |slot: u32| row_of.get(slot as usize).copied().flatten();
    // (accounts, ARR) by CSM and segment, for utilisation and rebalancing.
    let book_filter = Filter {
        csm: None,
        ..q.filter.clone()
    };
    let paying = l.paying_on(day, &book_filter);
    let mut books: BTreeMap<(&str, &str), Vec<(u32, Decimal)>> = BTreeMap::new();
    let mut unassigned = (0u64, Decimal::ZERO);
    for &(slot, arr) in &paying {
        let c = l.customer_ref(slot);
        match c.csm {
            Some(csm) => books
                .entry((c.segment.unwrap_or(NONE), csm))
                .or_default()
                .push((slot, arr)),
            None => {
                unassigned.0 += 1;
                unassigned.1 += arr;
            }
        }
    }
    let by_csm = utilisation_of(&books, &capacity);
    // Health now and on the period's eve: (Σ scores, scored, at risk) per row.
    let health = |d: NaiveDate| {
        let mut sums = vec![(0u64, 0u64, 0u64); names.len()];
        for h in e.health_on(d.min(today)).iter() {
            if let Some(r) = row(h.slot) {
                sums[r].0 += u64::from(h.score);
                sums[r].1 += 1;
                sums[r].2 += u64::from(h.band != Band::Healthy);
            }
        }
        sums
    };
    let (now, before) = (health(day), health(eve));
    let average_of = |(sum, n, _): (u64, u64, u64)| {
        quarterdeck_engine::money::ratio(Decimal::from(sum), Decimal::from(n))
    };
    let mut due = vec![(Decimal::ZERO, 0usize); names.len()];
    let ahead = quarterdeck_engine::renewals::days_after(day, 90);
    for r in e.renewals(ahead, day, today, &book_filter) {
        if let Some(i) = row(r.slot) {
            due[i].0 += r.arr;
            due[i].1 += 1;
        }
    }
    let figures = l.books(q.period, &book_filter, names.len(), row);
    let twelve = Decimal::from(12);
    let csms: Vec<CsmRow> = names
        .iter()
        .zip(figures)
        .enumerate()
        .map(|(i, (csm, b))| {
            let avg_now = average_of(now[i]);
            CsmRow {
                csm: csm.clone(),
                accounts: Some(Decimal::from(b.paying_end)),
                arr: Some(b.mrr_end * twelve),
                avg_health: avg_now,
                at_risk_accounts: Some(Decimal::from(now[i].2)),
                renewals_due_90d: (Some(due[i].0), count(due[i].1)),
                activities: b
                    .activities_by_kind()
                    .map(|(k, n)| (k, Some(Decimal::from(n)))),
                median_first_response_hours: b.median_first_response_hours(),
                grr: b.retention().grr,
                nrr: b.retention().nrr,
                expansion_won: Some(b.expansion_won),
                health_change: avg_now.zip(average_of(before[i])).map(|(a, b)| a - b),
                utilisation: by_csm.get(csm).copied(),
            }
        })
        .collect();
    let average = CsmRow {
        csm: String::new(),
        accounts: mean2(csms.iter().map(|r| r.accounts)),
        arr: mean(csms.iter().map(|r| r.arr)),
        avg_health: mean(csms.iter().map(|r| r.avg_health)),
        at_risk_accounts: mean2(csms.iter().map(|r| r.at_risk_accounts)),
        renewals_due_90d: (
            mean(csms.iter().map(|r| r.renewals_due_90d.0)),
            mean2(csms.iter().map(|r| r.renewals_due_90d.1)),
        ),
        activities: std::array::from_fn(|i| {
            (
                quarterdeck_engine::signals::ACTIVITY_KINDS[i],
                mean2(csms.iter().map(|r| r.activities[i].1)),
            )
        }),
        median_first_response_hours: mean2(csms.iter().map(|r| r.median_first_response_hours)),
        grr: mean(csms.iter().map(|r| r.grr)),
        nrr: mean(csms.iter().map(|r| r.nrr)),
        expansion_won: mean(csms.iter().map(|r| r.expansion_won)),
        health_change: mean(csms.iter().map(|r| r.health_change)),
        utilisation: mean(csms.iter().map(|r| r.utilisation)),
    };
    // Rebalancing, per segment with targets, over every CSM of the segment;
    // only moves of accounts the query covers are listed.
    let mut moves = Vec::new();
    let mut short_of = BTreeMap::new();
    let segments: BTreeSet<&str> = books.keys().map(|k| k.0).collect();
    for segment in segments {
        let Some(cap) = capacity.get(segment) else {
            continue;
        };
        let seats: Vec<Seat> = books
            .range((segment, "")..)
            .take_while(|(k, _)| k.0 == segment)
            .map(|((_, csm), accounts)| Seat {
                csm: csm.to_string(),
                accounts: accounts.clone(),
            })
            .collect();
        // The search can take a while on a large book: kept until the books
        // themselves change.
        let plan = e.kept(
            &format!("rebalance:{day}:{book_filter:?}:{segment}:{cap:?}"),
            &crate::engines::REVENUE_READ,
            || rebalance(&seats, cap),
        );
        match &*plan {
            Plan::Moves(list) => {
                for m in list
                    .iter()
                    .filter(|m| covered.get(m.slot as usize).copied().unwrap_or(false))
                {
                    let c = l.customer_ref(m.slot);
                    moves.push(Reassign {
                        customer_id: c.id.to_string(),
                        name: c.name.map(str::to_string),
                        from: seats[m.from].csm.clone(),
                        to: seats[m.to].csm.clone(),
                        segment: segment.to_string(),
                        arr: m.arr,
                    });
                }
            }
            Plan::Short(n) => {
                short_of.insert(segment.to_string(), *n);
            }
        }
    }
    // Each CSM's average health at the last six month ends, and the team's
    // (the customers the query covers that have a CSM).
    let ends = quarterdeck_engine::period::month_ends(day);
    let history = ends
        .iter()
        .rev()
        .take(6)
        .rev()
        .map(|m| {
            let mut sums = vec![(0u64, 0u64); names.len()];
            let mut team = (0u64, 0u64);
            for h in e.health_on(*m).iter() {
                if let Some(r) = row(h.slot) {
                    sums[r].0 += u64::from(h.score);
                    sums[r].1 += 1;
                    team.0 += u64::from(h.score);
                    team.1 += 1;
                }
            }
            let avg = |(sum, n): (u64, u64)| {
                quarterdeck_engine::money::ratio(Decimal::from(sum), Decimal::from(n))
                    .map(|d| d.round_dp(1))
            };
            (*m, sums.into_iter().map(avg).collect(), avg(team))
        })
        .collect();
    Team {
        history,
        as_of: day,
        currency: l.settings().currency.code().to_string(),
        filters: q.filters_json(),
        partial: q.partial(),
        csms,
        average,
        capacity,
        moves,
        short_of,
        unassigned,
    }
}

/// Each CSM's utilisation: max(Σ accounts ÷ target accounts, Σ ARR ÷
/// target ARR) over the segments of their book that have targets.
fn utilisation_of(
    books: &BTreeMap<(&str, &str), Vec<(u32, Decimal)>>,
    capacity: &BTreeMap<String, Capacity>,
) -> BTreeMap<String, Decimal> {
    let mut load: BTreeMap<&str, (Option<Decimal>, Option<Decimal>)> = BTreeMap::new();
    for ((segment, csm), accounts) in books {
        let Some(cap) = capacity.get(*segment) else {
            continue;
        };
        let l = load.entry(csm).or_default();
        if let Some(a) = cap.accounts {
            *l.0.get_or_insert(Decimal::ZERO) +=
                Decimal::from(accounts.len() as u64) / Decimal::from(a);
        }
        if let Some(r) = cap.arr {
            let arr: Decimal = accounts.iter().map(|a| a.1).sum();
            *l.1.get_or_insert(Decimal::ZERO) += arr / r;
        }
    }
    load.into_iter()
        .filter_map(|(csm, (a, b))| {
            let u = match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            u.map(|u| (csm.to_string(), u))
        })
        .collect()
}

/// Each CSM's utilisation on `day` over the whole book (for alerts).
pub fn utilisation_on(
    e: &TenantEngine,
    day: NaiveDate,
    capacity: &BTreeMap<String, Capacity>,
) -> BTreeMap<String, (Decimal, usize, Decimal)> {
    let l = &e.ledger;
    let mut books: BTreeMap<(&str, &str), Vec<(u32, Decimal)>> = BTreeMap::new();
    for (slot, arr) in l.paying_on(day, &Filter::all()) {
        let c = l.customer_ref(slot);
        if let Some(csm) = c.csm {
            books
                .entry((c.segment.unwrap_or(NONE), csm))
                .or_default()
                .push((slot, arr));
        }
    }
    utilisation_of(&books, capacity)
        .into_iter()
        .map(|(csm, u)| {
            let (n, arr) = books
                .iter()
                .filter(|(k, _)| k.1 == csm)
                .fold((0, Decimal::ZERO), |(n, a), (_, v)| {
                    (n + v.len(), a + v.iter().map(|x| x.1).sum::<Decimal>())
                });
            (csm, (u, n, arr))
        })
        .collect()
}

/// The CSMs ranked on one figure, best first (those without it last).
pub fn ranked(rows: &[CsmRow], figure: impl Fn(&CsmRow) -> Option<Decimal>) -> Vec<&CsmRow> {
    let mut list: Vec<&CsmRow> = rows.iter().collect();
    list.sort_by(|a, b| figure(b).cmp(&figure(a)).then_with(|| a.csm.cmp(&b.csm)));
    list
}

/// A figure of a CSM's row.
pub type Figure = fn(&CsmRow) -> Option<Decimal>;

/// The figures the leaderboard ranks on, by key.
pub const LEADERBOARD: [(&str, Figure); 3] = [
    ("grr", |r| r.grr),
    ("expansion_won", |r| r.expansion_won),
    ("health_change", |r| r.health_change),
];

/// An activity kind as the API names it (`meeting`, …).
pub fn activity_key(k: ActivityType) -> &'static str {
    match k {
        ActivityType::Meeting => "meeting",
        ActivityType::Email => "email",
        ActivityType::Call => "call",
        ActivityType::Task => "task",
    }
}

fn row_json(r: &CsmRow) -> Value {
    let activities: Map<String, Value> = r
        .activities
        .iter()
        .map(|(k, n)| (activity_key(*k).to_string(), json::decimal(*n)))
        .collect();
    json!({
        "csm": r.csm,
        "accounts": json::decimal(r.accounts),
        "arr": json::opt_money(r.arr),
        "avg_health": json::decimal(r.avg_health.map(|d| d.round_dp(1))),
        "at_risk_accounts": json::decimal(r.at_risk_accounts),
        "renewals_due_90d": {
            "arr": json::opt_money(r.renewals_due_90d.0),
            "count": json::decimal(r.renewals_due_90d.1),
        },
        "activities": activities,
        "median_first_response_hours": json::decimal(r.median_first_response_hours.map(|d| d.round_dp(2))),
        "grr": json::ratio(r.grr),
        "nrr": json::ratio(r.nrr),
        "expansion_won": json::opt_money(r.expansion_won),
        "health_change": json::decimal(r.health_change.map(|d| d.round_dp(1))),
        "utilisation": json::ratio(r.utilisation),
    })
}

impl Team {
    /// The answer as the API writes it.
    pub fn to_json(&self, q: &MetricQuery) -> Value {
        let csms: Vec<Value> = self.csms.iter().map(row_json).collect();
        let mut average = row_json(&self.average);
        if let Some(o) = average.as_object_mut() {
            o.remove("csm");
        }
        let leaderboard: Map<String, Value> = LEADERBOARD
            .iter()
            .map(|(key, figure)| {
                let order: Vec<&str> = ranked(&self.csms, figure)
                    .into_iter()
                    .map(|r| r.csm.as_str())
                    .collect();
                (key.to_string(), json!(order))
            })
            .collect();
        let moves: Vec<Value> = self
            .moves
            .iter()
            .map(|m| {
                json!({"customer_id": m.customer_id, "name": m.name, "from": m.from,
                    "to": m.to, "segment": m.segment, "arr": money(m.arr)})
            })
            .collect();
        json!({
            "as_of": self.as_of.to_string(),
            "period": period_json(q.period),
            "compare": q.comparison().map(period_json),
            "filters": self.filters,
            "partial": self.partial,
            "currency": self.currency,
            "csms": csms,
            "team_average": average,
            "leaderboard": leaderboard,
            "capacity": capacity_json(&self.capacity),
            "rebalancing": {"moves": moves, "short_of_csms": self.short_of},
            "unassigned": {"accounts": self.unassigned.0, "arr": money(self.unassigned.1)},
            "health_history": self.history.iter().map(|(d, per, all)| {
                let by: Map<String, Value> = self
                    .csms
                    .iter()
                    .zip(per)
                    .map(|(r, v)| (r.csm.clone(), json::decimal(*v)))
                    .collect();
                json!({"date": d.to_string(), "by_csm": by, "team": json::decimal(*all)})
            }).collect::<Vec<Value>>(),
        })
    }
}

/// `GET /api/v1/team`.
pub fn team(e: &TenantEngine, q: &MetricQuery, capacity: BTreeMap<String, Capacity>) -> Value {
    team_of(e, q, capacity).to_json(q)
}
