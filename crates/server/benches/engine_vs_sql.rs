//! The in-memory engine against plain SQL over the same `records` table, on the
//! demo company in PostgreSQL.
//!
//! Run: `QUARTERDECK_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench -p quarterdeck-server --bench engine_vs_sql`
//! Options (env): `BENCH_CUSTOMERS` (comma-separated sizes, default "1000,10000"),
//! `BENCH_RUNS` (timed runs per figure, the median is reported; default 5),
//! `BENCH_WORK_MEM` (PostgreSQL `work_mem` for the SQL session; default: the
//! server's), `BENCH_EXPLAIN` (set: print the query plan with `EXPLAIN ANALYZE`).
//!
//! Per size: a fresh database and tenant, the demo company (seed 42, history
//! ending 2026-11-01) loaded through `ingest::validate` + `ingest::commit`
//! (not timed, but its rate is reported), then
//! - engine build: `Engines::build` (read every body, parse, build the ledger);
//! - engine summary: `metrics::answers::figures` for 2025-11-01..2026-10-31 and
//!   its previous period (every summary metric, billing included);
//! - engine MRR: `Ledger::movements` for the same two periods (the MRR part only);
//! - SQL: the MRR part (MRR at the start and end states, the five movements and
//!   their counts) of both periods, in one query over `records.body::jsonb`.
//!
//! The SQL answer must equal the engine's (cents for amounts, exact counts):
//! a difference is printed loudly and the bench exits with status 1.

use chrono::NaiveDate;
use quarterdeck_app::metrics::answers::figures;
use quarterdeck_app::{AppState, admin, ingest};
use quarterdeck_demo::{DemoConfig, generate};
use quarterdeck_domain::Collection;
use quarterdeck_engine::{Filter, Ledger, Period, round_money};
use quarterdeck_store::StoreTarget;
use quarterdeck_store::testing::{Backend, fresh};
use rust_decimal::Decimal;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};
use std::time::{Duration, Instant};

/// Rows per generated batch (as `quarterdeck demo`).
const BATCH: usize = 5_000;

/// The MRR part of the summary (metrics.md, MRR and MRR movements), in SQL.
///
/// `$1` tenant id, `$2` reporting currency, `$3` tenant time zone, `$4..$5` the
/// previous period, `$6..$7` the period (inclusive dates). One row per period.
///
/// Rules as the engine applies them (docs/metric-choices.md):
/// - an event falls on the tenant-local day of `effective_at` (a bare date is that day);
/// - per subscription (of one customer), events apply in order of effective
///   instant, then id (byte order); the state on a day is the one after the
///   day's last event, so a start and a cancel on the same day never count;
/// - `start` / `change` set the whole state and make it active, `cancel` (or a
///   row without an amount) ends it and clears any trial;
/// - trials: a `start` sets the trial end (or none), a `change` without one
///   keeps the running trial; the subscription counts from the trial's last day;
/// - monthly value = (amount × quantity − discount) × rate ÷ months ÷ count,
///   rounded to 10 places, floored at 0, 0 beyond 10^15; the rate is the
///   latest of the event's day (last instant of a day wins), else the earliest
///   later one, else none (counts 0); the reporting currency and no currency use 1;
/// - movements per customer per day with a change, "paid before" over the
///   customer's whole history.
const MRR_SQL: &str = r#"
WITH
ev AS (
    SELECT id, customer_id, subscription_id,
           kind = 'start' AS starts,
           (kind = 'cancel' OR amount IS NULL) AS ends,
           CASE WHEN length(effective_at) = 10
                THEN effective_at::date::timestamp AT TIME ZONE $3::text
                ELSE effective_at::timestamptz END AS at,
           CASE WHEN length(effective_at) = 10 THEN effective_at::date
                ELSE (effective_at::timestamptz AT TIME ZONE $3::text)::date END AS day,
           CASE WHEN kind = 'cancel' OR amount IS NULL THEN NULL
                WHEN length(trial_ends_at) = 10 THEN trial_ends_at::date
                ELSE (trial_ends_at::timestamptz AT TIME ZONE $3::text)::date END AS trial_day,
           NULLIF(currency, $2::text) AS currency,
           (amount * coalesce(quantity, 1) - coalesce(discount, 0))
             * CASE billing WHEN 'day' THEN 365 WHEN 'week' THEN 52 ELSE 1 END AS net,
           CASE billing WHEN 'quarter' THEN 3 WHEN 'half_year' THEN 6
                WHEN 'year' THEN 12 WHEN 'week' THEN 12 WHEN 'day' THEN 12 ELSE 1 END
             * greatest(coalesce(interval_count, 1), 1) AS months
    FROM (
        -- Ids compare in byte order ("C"), as the engine orders them.
        SELECT b->>'id' COLLATE "C" AS id,
               b->>'customer_id' COLLATE "C" AS customer_id,
               b->>'subscription_id' COLLATE "C" AS subscription_id,
               b->>'type' AS kind,
               b->>'effective_at' AS effective_at,
               b->>'trial_ends_at' AS trial_ends_at,
               b->>'currency' AS currency,
               (b->>'amount')::numeric AS amount,
               (b->>'quantity')::numeric AS quantity,
               (b->>'discount')::numeric AS discount,
               b->>'interval' AS billing,
               (b->>'interval_count')::int AS interval_count
        FROM (SELECT body::jsonb AS b FROM records
              WHERE tenant_id = $1 AND collection = 'subscription-events'
              -- OFFSET 0 keeps this subquery apart, so each body is parsed once.
              OFFSET 0) r
    ) e
),
fx_day AS (
    SELECT DISTINCT ON (currency, day) currency, day, rate
    FROM (SELECT currency, rate,
                 CASE WHEN length(date) = 10 THEN date::date
                      ELSE (date::timestamptz AT TIME ZONE $3::text)::date END AS day,
                 CASE WHEN length(date) = 10 THEN date::date::timestamp AT TIME ZONE $3::text
                      ELSE date::timestamptz END AS at
          FROM (SELECT b->>'currency' AS currency, b->>'date' AS date,
                       (b->>'rate')::numeric AS rate
                FROM (SELECT body::jsonb AS b FROM records
                      WHERE tenant_id = $1 AND collection = 'fx-rates' OFFSET 0) r) f) x
    WHERE currency <> $2::text
    ORDER BY currency, day, at DESC
),
ev_rate AS (
    SELECT k.currency, k.day,
           coalesce((SELECT f.rate FROM fx_day f
                     WHERE f.currency = k.currency AND f.day <= k.day
                     ORDER BY f.day DESC LIMIT 1),
                    (SELECT f.rate FROM fx_day f
                     WHERE f.currency = k.currency
                     ORDER BY f.day LIMIT 1)) AS rate
    FROM (SELECT DISTINCT currency, day FROM ev WHERE currency IS NOT NULL) k
),
valued AS (
    SELECT id, customer_id, subscription_id, starts, ends, at, day, trial_day,
           CASE WHEN ends OR v IS NULL OR abs(v) > 1e15 THEN 0
                ELSE greatest(round(v, 10), 0) END AS value
    FROM (SELECT e.*,
                 e.net * CASE WHEN e.currency IS NULL THEN 1 ELSE r.rate END
                   * 1.00000000000000000000 / e.months AS v
          FROM ev e LEFT JOIN ev_rate r ON r.currency = e.currency AND r.day = e.day) x
),
grouped AS (
    -- A start or an end begins a new trial scope.
    SELECT v.*,
           count(*) FILTER (WHERE starts OR ends)
             OVER (PARTITION BY customer_id, subscription_id ORDER BY at, id) AS grp
    FROM valued v
),
trial_grouped AS (
    SELECT g.*,
           count(trial_day)
             OVER (PARTITION BY customer_id, subscription_id, grp ORDER BY at, id) AS tgrp
    FROM grouped g
),
event_state AS (
    -- The running trial end: the scope's latest trial end so far.
    SELECT customer_id, subscription_id, day, at, id, ends, value,
           first_value(trial_day)
             OVER (PARTITION BY customer_id, subscription_id, grp, tgrp
                   ORDER BY at, id) AS trial
    FROM trial_grouped
),
day_state AS (
    SELECT DISTINCT ON (customer_id, subscription_id, day)
           customer_id, subscription_id, day, ends, value, trial
    FROM event_state
    ORDER BY customer_id, subscription_id, day, at DESC, id DESC
),
day_next AS (
    SELECT d.*,
           lead(day) OVER (PARTITION BY customer_id, subscription_id ORDER BY day) AS next_day
    FROM day_state d
),
steps AS (
    SELECT customer_id, subscription_id, day,
           CASE WHEN NOT ends AND (trial IS NULL OR day >= trial) THEN value ELSE 0 END AS v
    FROM day_next
    UNION ALL
    -- A trial ending before the subscription's next event day.
    SELECT customer_id, subscription_id, trial, value
    FROM day_next
    WHERE NOT ends AND trial > day AND (next_day IS NULL OR trial < next_day)
),
sub_delta AS (
    SELECT customer_id, day,
           v - coalesce(lag(v) OVER (PARTITION BY customer_id, subscription_id ORDER BY day), 0)
             AS delta
    FROM steps
),
cust_day AS (
    SELECT customer_id, day, sum(delta) AS delta FROM sub_delta GROUP BY customer_id, day
),
timeline AS (
    SELECT customer_id, day, delta,
           sum(delta) OVER (PARTITION BY customer_id ORDER BY day) AS cur
    FROM cust_day
),
moves AS (
    SELECT day, delta, cur, cur - delta AS prev,
           coalesce(bool_or(cur > 0) OVER (PARTITION BY customer_id ORDER BY day
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS paid_before
    FROM timeline
),
classified AS (
    SELECT day, delta,
           CASE WHEN prev <= 0 AND cur > 0 THEN
                     CASE WHEN paid_before THEN 'reactivation' ELSE 'new' END
                WHEN prev > 0 AND cur <= 0 THEN 'churn'
                WHEN prev > 0 AND cur > prev THEN 'expansion'
                WHEN prev > 0 AND cur < prev THEN 'contraction' END AS kind,
           CASE WHEN prev <= 0 THEN cur WHEN cur <= 0 THEN prev ELSE abs(delta) END AS amount
    FROM moves
),
periods (label, from_day, to_day) AS (
    VALUES ('previous', $4::date, $5::date), ('current', $6::date, $7::date)
)
SELECT p.label,
       coalesce(sum(c.delta) FILTER (WHERE c.day < p.from_day), 0)::text AS mrr_start,
       coalesce(sum(c.delta) FILTER (WHERE c.day <= p.to_day), 0)::text AS mrr_end,
       coalesce(sum(c.amount) FILTER (WHERE c.kind = 'new' AND c.day >= p.from_day AND c.day <= p.to_day), 0)::text AS new,
       coalesce(sum(c.amount) FILTER (WHERE c.kind = 'expansion' AND c.day >= p.from_day AND c.day <= p.to_day), 0)::text AS expansion,
       coalesce(sum(c.amount) FILTER (WHERE c.kind = 'contraction' AND c.day >= p.from_day AND c.day <= p.to_day), 0)::text AS contraction,
       coalesce(sum(c.amount) FILTER (WHERE c.kind = 'churn' AND c.day >= p.from_day AND c.day <= p.to_day), 0)::text AS churn,
       coalesce(sum(c.amount) FILTER (WHERE c.kind = 'reactivation' AND c.day >= p.from_day AND c.day <= p.to_day), 0)::text AS reactivation,
       count(*) FILTER (WHERE c.kind = 'new' AND c.day >= p.from_day AND c.day <= p.to_day) AS new_n,
       count(*) FILTER (WHERE c.kind = 'expansion' AND c.day >= p.from_day AND c.day <= p.to_day) AS expansion_n,
       count(*) FILTER (WHERE c.kind = 'contraction' AND c.day >= p.from_day AND c.day <= p.to_day) AS contraction_n,
       count(*) FILTER (WHERE c.kind = 'churn' AND c.day >= p.from_day AND c.day <= p.to_day) AS churn_n,
       count(*) FILTER (WHERE c.kind = 'reactivation' AND c.day >= p.from_day AND c.day <= p.to_day) AS reactivation_n
FROM periods p CROSS JOIN classified c
GROUP BY p.label
"#;

/// The MRR part of a period's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MrrPart {
    mrr_start: Decimal,
    mrr_end: Decimal,
    /// new, expansion, contraction, churn, reactivation.
    amounts: [Decimal; 5],
    /// The number of movements of each kind, same order.
    counts: [u64; 5],
}

const KINDS: [&str; 5] = ["new", "expansion", "contraction", "churn", "reactivation"];

impl MrrPart {
    fn rounded(&self) -> MrrPart {
        MrrPart {
            mrr_start: round_money(self.mrr_start),
            mrr_end: round_money(self.mrr_end),
            amounts: self.amounts.map(round_money),
            counts: self.counts,
        }
    }

    /// Each differing figure as `name: reference vs other`.
    fn differences(&self, other: &MrrPart) -> Vec<String> {
        let mut out = Vec::new();
        let mut money = |name: &str, a: Decimal, b: Decimal| {
            if a != b {
                out.push(format!("{name}: engine {a} vs SQL {b}"));
            }
        };
        money("mrr_start", self.mrr_start, other.mrr_start);
        money("mrr_end", self.mrr_end, other.mrr_end);
        for (i, kind) in KINDS.iter().enumerate() {
            money(kind, self.amounts[i], other.amounts[i]);
        }
        for (i, kind) in KINDS.iter().enumerate() {
            if self.counts[i] != other.counts[i] {
                out.push(format!(
                    "{kind} count: engine {} vs SQL {}",
                    self.counts[i], other.counts[i]
                ));
            }
        }
        out
    }
}

/// The engine's MRR part of a period: the summary figures, plus the start MRR
/// and the expansion / contraction counts from `Ledger::movements`.
fn engine_part(ledger: &Ledger, period: Period) -> MrrPart {
    let f = figures(ledger, period, &Filter::all());
    let get = |name: &str| f.get(name).copied().flatten().unwrap_or_default();
    let count = |name: &str| u64::try_from(get(name).trunc().mantissa()).unwrap_or(0);
    let m = ledger.movements(period, &Filter::all());
    let part = MrrPart {
        mrr_start: m.mrr_start,
        mrr_end: get("mrr"),
        amounts: [
            get("new_mrr"),
            get("expansion_mrr"),
            get("contraction_mrr"),
            get("churned_mrr"),
            get("reactivation_mrr"),
        ],
        counts: [
            count("new_customers"),
            m.movements.expansions,
            m.movements.contractions,
            count("churned_customers"),
            count("reactivated_customers"),
        ],
    };
    // The summary and the movement scan are one engine: they must agree exactly.
    let mv = &m.movements;
    let scan = MrrPart {
        mrr_start: m.mrr_start,
        mrr_end: m.mrr_end,
        amounts: [
            mv.new,
            mv.expansion,
            mv.contraction,
            mv.churn,
            mv.reactivation,
        ],
        counts: [
            mv.new_customers,
            mv.expansions,
            mv.contractions,
            mv.churned_customers,
            mv.reactivated_customers,
        ],
    };
    assert_eq!(part, scan, "figures and Ledger::movements disagree");
    part
}

/// Runs `MRR_SQL`: (previous, current).
async fn sql_parts(
    conn: &mut PgConnection,
    tenant: &quarterdeck_store::Tenant,
    previous: Period,
    current: Period,
) -> (MrrPart, MrrPart) {
    let rows = sqlx::query(MRR_SQL)
        .bind(tenant.id)
        .bind(tenant.currency.code())
        .bind(&tenant.timezone)
        .bind(previous.from)
        .bind(previous.to)
        .bind(current.from)
        .bind(current.to)
        .fetch_all(conn)
        .await
        .expect("the MRR query runs");
    let mut previous_part = None;
    let mut current_part = None;
    for row in rows {
        let dec = |col: &str| -> Decimal {
            let text: String = row.get(col);
            text.parse()
                .unwrap_or_else(|e| panic!("{col} = {text}: {e}"))
        };
        let count = |col: &str| -> u64 { row.get::<i64, _>(col) as u64 };
        let part = MrrPart {
            mrr_start: dec("mrr_start"),
            mrr_end: dec("mrr_end"),
            amounts: KINDS.map(dec),
            counts: KINDS.map(|k| count(&format!("{k}_n"))),
        };
        match row.get::<String, _>("label").as_str() {
            "previous" => previous_part = Some(part),
            _ => current_part = Some(part),
        }
    }
    let empty = MrrPart {
        mrr_start: Decimal::ZERO,
        mrr_end: Decimal::ZERO,
        amounts: [Decimal::ZERO; 5],
        counts: [0; 5],
    };
    (
        previous_part.unwrap_or_else(|| empty.clone()),
        current_part.unwrap_or(empty),
    )
}

/// Prints PostgreSQL's `EXPLAIN ANALYZE` of `MRR_SQL` (with `BENCH_EXPLAIN` set).
async fn explain(
    conn: &mut PgConnection,
    tenant: &quarterdeck_store::Tenant,
    previous: Period,
    current: Period,
) {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "EXPLAIN (ANALYZE, BUFFERS) {MRR_SQL}"
    )))
    .bind(tenant.id)
    .bind(tenant.currency.code())
    .bind(&tenant.timezone)
    .bind(previous.from)
    .bind(previous.to)
    .bind(current.from)
    .bind(current.to)
    .fetch_all(conn)
    .await
    .expect("the MRR query explains");
    for row in rows {
        println!("{}", row.get::<String, _>(0));
    }
}

fn env_sizes() -> Vec<usize> {
    std::env::var("BENCH_CUSTOMERS")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect()
}

fn env_runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5)
}

/// Resident set size of this process in KiB (Linux `VmRSS`).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    let n = times.len();
    let mid = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    };
    mid.as_secs_f64() * 1000.0
}

/// One size's measurements.
struct Line {
    customers: usize,
    records: usize,
    load_rate: f64,
    build_ms: f64,
    summary_ms: f64,
    mrr_ms: f64,
    sql_ms: f64,
    agrees: bool,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let sizes = env_sizes();
    let runs = env_runs();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).expect("a date");
    let period = Period::new(
        NaiveDate::from_ymd_opt(2025, 11, 1).expect("a date"),
        NaiveDate::from_ymd_opt(2026, 10, 31).expect("a date"),
    )
    .expect("a period");
    let previous = period.previous_period();
    println!(
        "engine_vs_sql: demo company (seed 42, today {today}), period {}..{} and previous {}..{}, \
         median of {runs} runs",
        period.from, period.to, previous.from, previous.to
    );
    let Some(edges_ok) = edge_cases().await else {
        eprintln!("engine_vs_sql needs PostgreSQL: nothing measured");
        return;
    };
    let mut lines = Vec::new();
    for &customers in &sizes {
        match measure(customers, today, period, previous, runs).await {
            Some(line) => lines.push(line),
            None => {
                eprintln!("engine_vs_sql needs PostgreSQL: nothing measured");
                return;
            }
        }
    }
    println!();
    println!(
        "{:>10} {:>10} {:>12} {:>13} {:>15} {:>11} {:>11} {:>12} {:>12} {:>6}",
        "customers",
        "records",
        "load rows/s",
        "eng build ms",
        "eng summary ms",
        "eng MRR ms",
        "SQL MRR ms",
        "SQL/summary",
        "SQL/eng MRR",
        "agree"
    );
    for l in &lines {
        println!(
            "{:>10} {:>10} {:>12.0} {:>13.1} {:>15.2} {:>11.2} {:>11.1} {:>12.1} {:>12.0} {:>6}",
            l.customers,
            l.records,
            l.load_rate,
            l.build_ms,
            l.summary_ms,
            l.mrr_ms,
            l.sql_ms,
            l.sql_ms / l.summary_ms,
            l.sql_ms / l.mrr_ms,
            if l.agrees { "yes" } else { "NO" }
        );
    }
    println!(
        "(eng summary = figures() for both periods: all 28 summary metrics, billing included; \
         eng MRR = Ledger::movements for both periods; SQL MRR = the one query, both periods.)"
    );
    if !edges_ok || lines.iter().any(|l| !l.agrees) {
        eprintln!("\n!!! SQL AND ENGINE DISAGREE (details above) !!!");
        std::process::exit(1);
    }
}

/// Hand-written events for the rules the demo company may not exercise: same-day
/// order by instant then id (byte order), start and cancel on one day, trials
/// (kept by a change, cancelled before they end, ending before the start), a
/// change acting as a start, reactivation, RFC 3339 instants with offsets,
/// weekly / daily / every-N intervals, discounts, a rate only after the day,
/// two rates on one day, a currency without rates. SQL must equal the engine
/// exactly (10 places). `None` without PostgreSQL.
async fn edge_cases() -> Option<bool> {
    let t = fresh(Backend::Postgres).await.expect("a fresh database")?;
    let StoreTarget::Url(url) = &t.target else {
        panic!("a PostgreSQL store has a URL")
    };
    let tenant = admin::create_tenant(t.store.as_ref(), "edges", None, "USD", "UTC")
        .await
        .expect("a tenant");
    let state = AppState::new(t.store.clone());
    let rates = serde_json::json!([
        {"date": "2025-03-01", "currency": "EUR", "rate": "1.1"},
        {"date": "2025-06-01", "currency": "EUR", "rate": "1.15"},
        {"date": "2025-06-01T12:00:00Z", "currency": "EUR", "rate": "1.2"},
        {"date": "2025-09-01T00:00:00+02:00", "currency": "EUR", "rate": "1.3"},
    ]);
    let ev = |id: &str, c: &str, s: &str, kind: &str, at: &str, extra: serde_json::Value| {
        let mut row = serde_json::json!({
            "id": id, "customer_id": c, "subscription_id": s, "type": kind, "effective_at": at,
        });
        if let (Some(row), Some(extra)) = (row.as_object_mut(), extra.as_object()) {
            row.extend(extra.clone());
        }
        row
    };
    let amount = |a: &str| serde_json::json!({ "amount": a });
    let none = serde_json::json!({});
    let events = vec![
        // Same-day changes: the later instant wins; cancel, then a change restarts.
        ev("e01", "c1", "s1", "start", "2025-01-10", amount("100")),
        ev(
            "e02",
            "c1",
            "s1",
            "change",
            "2025-03-05T15:00:00Z",
            amount("150"),
        ),
        ev(
            "e03",
            "c1",
            "s1",
            "change",
            "2025-03-05T09:00:00Z",
            amount("120"),
        ),
        ev("e04", "c1", "s1", "cancel", "2025-07-01", none.clone()),
        ev("e05", "c1", "s1", "change", "2025-09-01", amount("80")),
        // A trial kept by a change without one; EUR before its first rate.
        ev(
            "e06",
            "c2",
            "s2",
            "start",
            "2025-02-01",
            serde_json::json!({"amount": "300", "interval": "year", "currency": "EUR",
                              "trial_ends_at": "2025-02-15"}),
        ),
        ev(
            "e07",
            "c2",
            "s2",
            "change",
            "2025-02-10",
            serde_json::json!({"amount": "300", "interval": "year", "currency": "EUR",
                              "quantity": 2}),
        ),
        // A trial cancelled before it ends never counts.
        ev(
            "e08",
            "c3",
            "s3",
            "start",
            "2025-04-01",
            serde_json::json!({"amount": "40", "trial_ends_at": "2025-04-20"}),
        ),
        ev("e09", "c3", "s3", "cancel", "2025-04-10", none.clone()),
        // Start and cancel on one day; weekly every 2; a currency without rates.
        ev("e10", "c4", "s4a", "start", "2025-05-05", amount("500")),
        ev("e11", "c4", "s4a", "cancel", "2025-05-05", none.clone()),
        ev(
            "e12",
            "c4",
            "s4b",
            "start",
            "2025-05-06",
            serde_json::json!({"amount": "10", "interval": "week", "interval_count": 2}),
        ),
        ev(
            "e13",
            "c4",
            "s4c",
            "start",
            "2025-06-01",
            serde_json::json!({"amount": "1", "interval": "day", "currency": "GBP"}),
        ),
        // Two subscriptions: ending one is contraction, the last churn.
        ev(
            "e14",
            "c5",
            "s5a",
            "start",
            "2025-01-01",
            serde_json::json!({"amount": "50", "quantity": 3, "discount": "10"}),
        ),
        ev(
            "e15",
            "c5",
            "s5b",
            "start",
            "2025-08-01",
            serde_json::json!({"amount": "600", "interval": "half_year"}),
        ),
        ev("e16", "c5", "s5a", "cancel", "2025-10-01", none.clone()),
        ev("e17", "c5", "s5b", "cancel", "2025-11-01", none.clone()),
        // An instant with an offset (July 1 in UTC); two same-day rates (the later wins).
        ev(
            "e18",
            "c6",
            "s6",
            "start",
            "2025-06-30T23:30:00-02:00",
            serde_json::json!({"amount": "90", "interval": "quarter", "currency": "EUR"}),
        ),
        ev(
            "e19",
            "c6",
            "s6",
            "change",
            "2025-06-01T18:00:00Z",
            serde_json::json!({"amount": "45", "interval": "quarter", "currency": "EUR"}),
        ),
        // A change with no start, carrying a trial; a change replacing a trial.
        ev(
            "e20",
            "c7",
            "s7",
            "change",
            "2025-03-03",
            serde_json::json!({"amount": "70", "trial_ends_at": "2025-03-10"}),
        ),
        ev(
            "e21",
            "c7",
            "s7",
            "change",
            "2025-03-05",
            serde_json::json!({"amount": "75", "trial_ends_at": "2025-03-20"}),
        ),
        // An event on the trial's last day counts that day.
        ev("e29", "c7", "s7", "change", "2025-03-20", amount("80")),
        // A trial end given as an instant (May 11 in UTC).
        ev(
            "e30",
            "c12",
            "s12",
            "start",
            "2025-05-01",
            serde_json::json!({"amount": "15", "trial_ends_at": "2025-05-10T23:00:00-05:00"}),
        ),
        // A trial that ended before the start counts at once.
        ev(
            "e22",
            "c8",
            "s8",
            "start",
            "2025-01-25",
            serde_json::json!({"amount": "33.33", "trial_ends_at": "2025-01-20"}),
        ),
        // Same instant: ties broken by id in byte order ("Z9" < "a9").
        ev("a9", "c9", "s9", "start", "2025-02-02", amount("20")),
        ev("Z9", "c9", "s9", "start", "2025-02-02", amount("10")),
        // Free plan, then paid; a cancelled trial re-started.
        ev("e23", "c10", "s10", "start", "2025-01-05", amount("0")),
        ev("e24", "c10", "s10", "change", "2025-04-05", amount("25")),
        ev(
            "e25",
            "c11",
            "s11",
            "start",
            "2025-01-05",
            serde_json::json!({"amount": "60", "trial_ends_at": "2025-12-31"}),
        ),
        ev("e26", "c11", "s11", "cancel", "2025-02-05", none.clone()),
        ev("e27", "c11", "s11", "start", "2025-03-05", amount("60")),
        ev(
            "e28",
            "c11",
            "s11",
            "change",
            "2025-11-15",
            serde_json::json!({"amount": "60", "interval": "month", "interval_count": 3}),
        ),
    ];
    for (collection, rows) in [
        (
            Collection::FxRates,
            rates.as_array().cloned().unwrap_or_default(),
        ),
        (Collection::SubscriptionEvents, events),
    ] {
        let batch = ingest::validate(collection, &rows)
            .unwrap_or_else(|e| panic!("edge-case {collection} rows: {e:?}"));
        ingest::commit(&state, tenant.id, &batch)
            .await
            .expect("stored");
    }
    let engine = state
        .engines
        .build(&tenant)
        .await
        .expect("the engine builds");
    let mut conn = PgConnection::connect(url).await.expect("a connection");
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("a date");
    let mut ok = true;
    for (a, b) in [
        (
            Period::new(d(2025, 1, 1), d(2025, 12, 31)),
            Period::new(d(2025, 4, 1), d(2025, 9, 30)),
        ),
        (
            Period::new(d(2025, 2, 1), d(2025, 2, 28)),
            Period::new(d(2025, 3, 1), d(2025, 3, 31)),
        ),
        (
            Period::new(d(2025, 7, 1), d(2025, 7, 1)),
            Period::new(d(2025, 11, 1), d(2025, 11, 30)),
        ),
    ] {
        let (a, b) = (a.expect("a period"), b.expect("a period"));
        let (sql_a, sql_b) = sql_parts(&mut conn, &tenant, a, b).await;
        for (p, from_sql) in [(a, sql_a), (b, sql_b)] {
            let reference = engine_part(&engine.ledger, p);
            let diffs = reference.differences(&from_sql);
            if !diffs.is_empty() {
                ok = false;
                eprintln!("  !!! edge cases {}..{}: MISMATCH", p.from, p.to);
                for d in diffs {
                    eprintln!("  !!!   {d}");
                }
            }
        }
    }
    conn.close().await.ok();
    println!(
        "edge cases ({} customers, hand-written): SQL {} the engine exactly",
        engine.ledger.customer_count(),
        if ok { "equals" } else { "DIFFERS FROM" }
    );
    Some(ok)
}

/// Loads a company of `customers` into a fresh database and measures it; `None`
/// when no PostgreSQL server is configured.
async fn measure(
    customers: usize,
    today: NaiveDate,
    period: Period,
    previous: Period,
    runs: usize,
) -> Option<Line> {
    let t = fresh(Backend::Postgres).await.expect("a fresh database")?;
    let StoreTarget::Url(url) = &t.target else {
        panic!("a PostgreSQL store has a URL")
    };
    let tenant = admin::create_tenant(t.store.as_ref(), "bench", None, "USD", "UTC")
        .await
        .expect("a tenant");
    let state = AppState::new(t.store.clone());
    println!("\n== {customers} customers");

    // Load: generate and validate on a blocking thread while this task commits.
    let config = DemoConfig {
        customers,
        seed: 42,
        today,
    };
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ingest::ValidBatch>(4);
    let generator = tokio::task::spawn_blocking(move || {
        generate(&config, BATCH, &mut |collection, rows| {
            let batch = ingest::validate(collection, &rows).map_err(|e| {
                format!("invalid demo {collection} rows: {:?}", &e[..e.len().min(3)])
            })?;
            tx.blocking_send(batch)
                .map_err(|_| "storage stopped".to_string())
        })
    });
    while let Some(batch) = rx.recv().await {
        ingest::commit(&state, tenant.id, &batch)
            .await
            .expect("the batch is stored");
    }
    let summary = generator
        .await
        .expect("the generator ran")
        .expect("the company was generated");
    let load_secs = started.elapsed().as_secs_f64();
    let load_rate = summary.rows as f64 / load_secs;
    let events = summary
        .by_collection
        .iter()
        .find(|(c, _)| c.slug() == "subscription-events")
        .map_or(0, |(_, n)| *n);
    println!(
        "loaded {} records ({events} subscription events) in {load_secs:.1} s: {load_rate:.0} rows/s",
        summary.rows
    );

    let mut conn = PgConnection::connect(url).await.expect("a connection");
    sqlx::query("ANALYZE records")
        .execute(&mut conn)
        .await
        .expect("analyze");
    if let Ok(work_mem) = std::env::var("BENCH_WORK_MEM") {
        sqlx::query("SELECT set_config('work_mem', $1, false)")
            .bind(work_mem)
            .fetch_one(&mut conn)
            .await
            .expect("work_mem set");
    }
    let work_mem: String = sqlx::query_scalar("SHOW work_mem")
        .fetch_one(&mut conn)
        .await
        .expect("work_mem");
    println!("PostgreSQL work_mem for the SQL: {work_mem}");

    // Memory: RSS around one build, with the engine held, then dropped.
    let rss_before = rss_kib();
    let started = Instant::now();
    let engine = state
        .engines
        .build(&tenant)
        .await
        .expect("the engine builds");
    let mut build_times = vec![started.elapsed()];
    let rss_held = rss_kib();
    drop(engine);
    let rss_dropped = rss_kib();
    let diff = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => mib(Some(a.saturating_sub(b))),
        _ => "?".into(),
    };
    println!(
        "RSS before engine build {}, engine held {} (+{}), engine dropped {} (-{})",
        mib(rss_before),
        mib(rss_held),
        diff(rss_held, rss_before),
        mib(rss_dropped),
        diff(rss_held, rss_dropped),
    );
    // Build time: the median over `runs` builds; the last engine answers the queries.
    let mut engine = None;
    for _ in 1..runs.max(2) {
        let started = Instant::now();
        let built = state
            .engines
            .build(&tenant)
            .await
            .expect("the engine builds");
        build_times.push(started.elapsed());
        engine = Some(built);
    }
    let engine = engine.expect("at least one more build");
    let ledger = &engine.ledger;
    println!(
        "engine: {} customers with a timeline",
        ledger.customer_count()
    );

    // Engine summary (both periods), and the MRR part alone. The first call
    // (cold caches) is timed apart.
    let started = Instant::now();
    std::hint::black_box(figures(ledger, period, &Filter::all()));
    std::hint::black_box(figures(ledger, previous, &Filter::all()));
    println!(
        "first engine summary after the build: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut summary_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let now = figures(ledger, period, &Filter::all());
        let before = figures(ledger, previous, &Filter::all());
        summary_times.push(started.elapsed());
        std::hint::black_box((now, before));
    }
    let mut mrr_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let now = ledger.movements(period, &Filter::all());
        let before = ledger.movements(previous, &Filter::all());
        mrr_times.push(started.elapsed());
        std::hint::black_box((now, before));
    }

    if std::env::var_os("BENCH_EXPLAIN").is_some() {
        explain(&mut conn, &tenant, previous, period).await;
    }
    // SQL (both periods in one query).
    let mut sql_times = Vec::with_capacity(runs);
    let mut sql = None;
    for _ in 0..runs {
        let started = Instant::now();
        let parts = sql_parts(&mut conn, &tenant, previous, period).await;
        sql_times.push(started.elapsed());
        sql = Some(parts);
    }
    let (sql_previous, sql_current) = sql.expect("at least one run");

    // Check: the engine is the reference.
    let mut agrees = true;
    for (label, p, from_sql) in [
        ("previous", previous, sql_previous),
        ("current", period, sql_current),
    ] {
        let reference = engine_part(ledger, p);
        let diffs = reference.rounded().differences(&from_sql.rounded());
        println!(
            "{label} {}..{}: MRR {} -> {}, new {} ({}), expansion {} ({}), contraction {} ({}), \
             churn {} ({}), reactivation {} ({})",
            p.from,
            p.to,
            round_money(reference.mrr_start),
            round_money(reference.mrr_end),
            round_money(reference.amounts[0]),
            reference.counts[0],
            round_money(reference.amounts[1]),
            reference.counts[1],
            round_money(reference.amounts[2]),
            reference.counts[2],
            round_money(reference.amounts[3]),
            reference.counts[3],
            round_money(reference.amounts[4]),
            reference.counts[4],
        );
        if diffs.is_empty() {
            let exact = reference == from_sql;
            println!(
                "  SQL agrees with the engine (to the cent{})",
                if exact { "; exactly, to 10 places" } else { "" }
            );
            if !exact {
                println!("  below a cent: {:?}", reference.differences(&from_sql));
            }
        } else {
            agrees = false;
            eprintln!(
                "  !!! MISMATCH between SQL and engine for {label} {}..{}:",
                p.from, p.to
            );
            for d in diffs {
                eprintln!("  !!!   {d}");
            }
        }
    }
    conn.close().await.ok();

    Some(Line {
        customers,
        records: summary.rows,
        load_rate,
        build_ms: median_ms(build_times),
        summary_ms: median_ms(summary_times),
        mrr_ms: median_ms(mrr_times),
        sql_ms: median_ms(sql_times),
        agrees,
    })
}
