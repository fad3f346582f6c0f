//! Engine benchmarks on the demo company (`quarterdeck_demo::generate`).
//!
//! `cargo bench -p quarterdeck-engine --bench engine` runs 1k and 10k customers;
//! `ENGINE_BENCH_LARGE=1` adds 100k and `ENGINE_BENCH_HUGE=1` adds 1M. Data
//! generation and parsing happen before any timing.

use chrono::{Days, NaiveDate};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use quarterdeck_demo::{DemoConfig, generate};
use quarterdeck_domain::records::{
    Cost, Customer, FxRate, Invoice, Payment, SubscriptionEvent, TimeEntry,
};
use quarterdeck_domain::{AnyRecord, parse_record};
use quarterdeck_engine::{CohortGrain, Filter, Grain, Ledger, Period, Records, TenantSettings};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The typed records of one demo company.
#[derive(Default)]
struct Data {
    customers: Vec<Customer>,
    events: Vec<SubscriptionEvent>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    costs: Vec<Cost>,
    time_entries: Vec<TimeEntry>,
    rates: Vec<FxRate>,
}

impl Data {
    fn records(&self) -> Records<'_> {
        Records {
            customers: &self.customers,
            subscription_events: &self.events,
            fx_rates: &self.rates,
            invoices: &self.invoices,
            payments: &self.payments,
            costs: &self.costs,
            time_entries: &self.time_entries,
        }
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn demo(customers: usize) -> Data {
    let t = Instant::now();
    let mut data = Data::default();
    let config = DemoConfig {
        customers,
        seed: 42,
        today: today(),
    };
    generate(&config, 10_000, &mut |collection, rows| {
        for row in rows {
            match parse_record(collection, &row).map_err(|e| format!("{e:?}"))? {
                AnyRecord::Customer(r) => data.customers.push(r),
                AnyRecord::SubscriptionEvent(r) => data.events.push(r),
                AnyRecord::Invoice(r) => data.invoices.push(r),
                AnyRecord::Payment(r) => data.payments.push(r),
                AnyRecord::Cost(r) => data.costs.push(r),
                AnyRecord::TimeEntry(r) => data.time_entries.push(r),
                AnyRecord::FxRate(r) => data.rates.push(r),
                _ => {}
            }
        }
        Ok(())
    })
    .expect("the demo company generates");
    eprintln!(
        "demo {customers} customers: {} events, {} invoices, {} payments, {} costs, {} time entries, {} rates (generated and parsed in {:.1?})",
        data.events.len(),
        data.invoices.len(),
        data.payments.len(),
        data.costs.len(),
        data.time_entries.len(),
        data.rates.len(),
        t.elapsed()
    );
    data
}

fn sizes() -> Vec<usize> {
    let on = |k: &str| std::env::var(k).is_ok_and(|v| v == "1");
    let mut s = vec![1_000, 10_000];
    if on("ENGINE_BENCH_LARGE") {
        s.push(100_000);
    }
    if on("ENGINE_BENCH_HUGE") {
        s.push(1_000_000);
    }
    s
}

/// 1,000 subscription events spread over the customers, each with its amount changed.
fn changed_batch(events: &[SubscriptionEvent]) -> Vec<SubscriptionEvent> {
    let with_state: Vec<&SubscriptionEvent> = events.iter().filter(|e| e.state.is_some()).collect();
    let step = (with_state.len() / 1000).max(1);
    with_state
        .iter()
        .step_by(step)
        .take(1000)
        .map(|e| {
            let mut e = (*e).clone();
            if let Some(s) = e.state.as_mut() {
                s.amount += Decimal::ONE;
            }
            e
        })
        .collect()
}

fn engine(c: &mut Criterion) {
    let settings = TenantSettings::default();
    let all = Filter::all();
    let to = today() - Days::new(1);
    let year = Period::new(to - Days::new(364), to).unwrap();
    let three_years = Period::new(to - Days::new(3 * 365 - 1), to).unwrap();
    for n in sizes() {
        let data = demo(n);
        let mut group = c.benchmark_group("engine");
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 100_000 { 5 } else { 2 }));

        group.bench_with_input(BenchmarkId::new("ledger_build", n), &data, |b, data| {
            b.iter_with_large_drop(|| Ledger::new(settings, data.records()))
        });

        let mut ledger = Ledger::new(settings, data.records());
        let points: usize = ledger
            .customer_ids()
            .filter_map(|id| ledger.timeline(id))
            .map(|t| t.points().len())
            .sum();
        eprintln!(
            "ledger {n}: {} customers, {points} MRR change points (~{:.1} MB of timelines)",
            ledger.customer_count(),
            (points * 20 + ledger.customer_count() * 64) as f64 / 1e6
        );

        group.bench_function(
            BenchmarkId::new("revenue_summary_year_and_previous", n),
            |b| {
                b.iter(|| {
                    let now = ledger.revenue_summary(black_box(year), Decimal::new(8, 1), &all);
                    let before =
                        ledger.revenue_summary(year.previous_period(), Decimal::new(8, 1), &all);
                    (now, before)
                })
            },
        );
        group.bench_function(BenchmarkId::new("movement_series_monthly_3y", n), |b| {
            b.iter(|| ledger.movement_series(black_box(three_years), Grain::Month, &all))
        });
        group.bench_function(BenchmarkId::new("cohorts_monthly_3y", n), |b| {
            b.iter(|| ledger.cohorts(CohortGrain::Month, black_box(three_years), &all))
        });
        black_box(ledger.ar_aging(to, &all)); // builds the billing index once
        group.bench_function(BenchmarkId::new("ar_aging", n), |b| {
            b.iter(|| ledger.ar_aging(black_box(to), &all))
        });

        let changed = changed_batch(&data.events);
        let original: Vec<SubscriptionEvent> = {
            let ids: std::collections::HashSet<&str> =
                changed.iter().map(|e| e.id.as_str()).collect();
            data.events
                .iter()
                .filter(|e| ids.contains(e.id.as_str()))
                .cloned()
                .collect()
        };
        let mut flip = false;
        group.bench_function(BenchmarkId::new("upsert_1000_events", n), |b| {
            b.iter(|| {
                flip = !flip;
                ledger.upsert_subscription_events(if flip { &changed } else { &original });
            })
        });
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
