//! Engine benchmarks on the demo company (`quarterdeck_demo::generate`).
//!
//! `cargo bench -p quarterdeck-engine --bench engine` runs 1k and 10k customers;
//! `ENGINE_BENCH_LARGE=1` adds 100k and `ENGINE_BENCH_HUGE=1` adds 1M (about
//! 6 minutes and 6.4 GB: the records are streamed into the ledger, not kept).
//! Data generation and parsing happen before any timing.
//!
//! Besides criterion's timings, each size prints the ledger's heap: the bytes
//! allocated by building it, counted by the global allocator (mimalloc, as in
//! the server) and still held once it is built.

use chrono::{Days, NaiveDate};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use quarterdeck_demo::{DemoConfig, generate};
use quarterdeck_domain::records::{
    Cost, Customer, FxRate, Invoice, Payment, SubscriptionEvent, TimeEntry,
};
use quarterdeck_domain::{AnyRecord, parse_record};
use quarterdeck_engine::{
    CohortGrain, Filter, Grain, Ledger, LedgerBuilder, Period, Records, TenantSettings,
};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Counts the bytes held, so the ledger's own size can be read off exactly.
#[global_allocator]
static ALLOCATOR: cap::Cap<mimalloc::MiMalloc> = cap::Cap::new(mimalloc::MiMalloc, usize::MAX);

/// The typed records of one demo company (kept only where the build is
/// benchmarked repeatedly).
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

/// Every `step`-th record of a kind, up to 1,000: the incremental batches.
struct Samples {
    step: usize,
    seen: [usize; 3],
    events: Vec<SubscriptionEvent>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
}

impl Samples {
    fn take<T: Clone>(seen: &mut usize, step: usize, into: &mut Vec<T>, r: &T) {
        if seen.is_multiple_of(step) && into.len() < 1000 {
            into.push(r.clone());
        }
        *seen += 1;
    }
}

/// A ledger built from the demo company, streamed through `LedgerBuilder`.
struct Built {
    ledger: Ledger,
    /// The records, when kept.
    data: Option<Data>,
    samples: Samples,
    /// Time spent in the builder (adding records and building), not generating.
    build_time: Duration,
    /// Bytes the ledger holds.
    heap: usize,
    /// Of which tickets, CSM activities and usage events (health signals).
    cs_heap: usize,
    /// (tickets, activities, usage events) loaded.
    cs_counts: [usize; 3],
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn demo(customers: usize, keep: bool) -> Built {
    let started = Instant::now();
    let settings = TenantSettings::default();
    // What the builder holds after each call (its temporaries are freed by then).
    let mut heap = 0usize;
    let mut builder = LedgerBuilder::new(settings);
    let mut data = Data::default();
    let mut samples = Samples {
        step: (customers / 1000).max(1),
        seen: [0; 3],
        events: Vec::new(),
        invoices: Vec::new(),
        payments: Vec::new(),
    };
    let mut in_builder = Duration::ZERO;
    let mut cs_heap = 0usize;
    let mut cs_counts = [0usize; 3];
    let mut counts = [0usize; 7];
    let config = DemoConfig {
        customers,
        seed: 42,
        today: today(),
    };
    generate(&config, 10_000, &mut |collection, rows| {
        let mut chunk = Data::default();
        let (mut tickets, mut activities, mut usage) = (Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            match parse_record(collection, &row).map_err(|e| format!("{e:?}"))? {
                AnyRecord::Customer(r) => chunk.customers.push(r),
                AnyRecord::SubscriptionEvent(r) => chunk.events.push(r),
                AnyRecord::Invoice(mut r) => {
                    r.lines.clear();
                    chunk.invoices.push(r)
                }
                AnyRecord::Payment(r) => chunk.payments.push(r),
                AnyRecord::Cost(r) => chunk.costs.push(r),
                AnyRecord::TimeEntry(r) => chunk.time_entries.push(r),
                AnyRecord::FxRate(r) => chunk.rates.push(r),
                AnyRecord::Ticket(mut r) => {
                    r.attributes.clear();
                    tickets.push(r)
                }
                AnyRecord::Activity(mut r) => {
                    r.attributes.clear();
                    activities.push(r)
                }
                AnyRecord::Event(mut r) => {
                    r.properties.clear();
                    usage.push(r)
                }
                _ => {}
            }
        }
        // The health signals, counted apart: their heap is stated on its own.
        let before = ALLOCATOR.allocated();
        builder.tickets(&tickets);
        builder.activities(&activities);
        builder.events(&usage);
        cs_heap = (cs_heap + ALLOCATOR.allocated()).wrapping_sub(before);
        cs_counts[0] += tickets.len();
        cs_counts[1] += activities.len();
        cs_counts[2] += usage.len();
        drop((tickets, activities, usage));
        let s = &mut samples;
        for e in chunk.events.iter().filter(|e| e.state.is_some()) {
            Samples::take(&mut s.seen[0], s.step, &mut s.events, e);
        }
        for i in &chunk.invoices {
            Samples::take(&mut s.seen[1], s.step, &mut s.invoices, i);
        }
        for p in &chunk.payments {
            Samples::take(&mut s.seen[2], s.step, &mut s.payments, p);
        }
        let before = ALLOCATOR.allocated();
        let t = Instant::now();
        builder.customers(&chunk.customers);
        builder.subscription_events(&chunk.events);
        builder.fx_rates(&chunk.rates);
        builder.invoices(&chunk.invoices);
        builder.payments(&chunk.payments);
        builder.costs(&chunk.costs);
        builder.time_entries(&chunk.time_entries);
        in_builder += t.elapsed();
        heap = (heap + ALLOCATOR.allocated()).wrapping_sub(before);
        for (n, len) in counts.iter_mut().zip([
            chunk.customers.len(),
            chunk.events.len(),
            chunk.invoices.len(),
            chunk.payments.len(),
            chunk.costs.len(),
            chunk.time_entries.len(),
            chunk.rates.len(),
        ]) {
            *n += len;
        }
        if keep {
            data.customers.append(&mut chunk.customers);
            data.events.append(&mut chunk.events);
            data.invoices.append(&mut chunk.invoices);
            data.payments.append(&mut chunk.payments);
            data.costs.append(&mut chunk.costs);
            data.time_entries.append(&mut chunk.time_entries);
            data.rates.append(&mut chunk.rates);
        }
        Ok(())
    })
    .expect("the demo company generates");
    let before = ALLOCATOR.allocated();
    let t = Instant::now();
    let ledger = builder.build();
    let build_time = in_builder + t.elapsed();
    let heap = (heap + ALLOCATOR.allocated()).wrapping_sub(before) + cs_heap;
    let [c, e, i, p, k, h, r] = counts;
    eprintln!(
        "demo {customers} customers: {c} customers, {e} events, {i} invoices, {p} payments, {k} costs, {h} time entries, {r} rates; generated in {:.1?}; ledger built in {build_time:.1?}, heap {:.1} MB",
        started.elapsed(),
        heap as f64 / 1e6
    );
    Built {
        ledger,
        data: keep.then_some(data),
        samples,
        build_time,
        heap,
        cs_heap,
        cs_counts,
    }
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

/// The sampled events, each with its amount changed.
fn changed_events(events: &[SubscriptionEvent]) -> Vec<SubscriptionEvent> {
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Some(s) = e.state.as_mut() {
                s.amount += Decimal::ONE;
            }
            e
        })
        .collect()
}

/// Times `upsert` of a batch, alternating between `changed` and `original`
/// so that every iteration really changes its records.
fn batch<T>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    n: usize,
    ledger: &mut Ledger,
    original: &[T],
    changed: &[T],
    upsert: fn(&mut Ledger, &[T]),
) {
    let mut flip = false;
    group.bench_function(BenchmarkId::new(name, n), |b| {
        b.iter(|| {
            flip = !flip;
            upsert(ledger, if flip { changed } else { original });
        })
    });
}

fn engine(c: &mut Criterion) {
    let settings = TenantSettings::default();
    let all = Filter::all();
    let to = today() - Days::new(1);
    let year = Period::new(to - Days::new(364), to).unwrap();
    let three_years = Period::new(to - Days::new(3 * 365 - 1), to).unwrap();
    for n in sizes() {
        let huge = n >= 1_000_000;
        let Built {
            mut ledger,
            data,
            samples,
            build_time,
            heap,
            cs_heap,
            cs_counts,
        } = demo(n, !huge);
        let mut group = c.benchmark_group("engine");
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 100_000 { 5 } else { 2 }));

        match &data {
            Some(data) => {
                group.bench_with_input(BenchmarkId::new("ledger_build", n), data, |b, data| {
                    b.iter_with_large_drop(|| Ledger::new(settings, data.records()))
                });
            }
            None => eprintln!("engine/ledger_build/{n}: one build, {build_time:.2?}"),
        }
        eprintln!(
            "engine/ledger_heap/{n}: {:.1} MB ({} customers)",
            heap as f64 / 1e6,
            ledger.customer_count()
        );
        drop(data);
        let paying = ledger.paying_customers_on(to, &all);
        eprintln!(
            "engine/cs_heap/{n}: {:.1} MB for {} tickets, {} activities, {} usage events ({:.0} bytes per customer); {paying} paying on {to}",
            cs_heap as f64 / 1e6,
            cs_counts[0],
            cs_counts[1],
            cs_counts[2],
            cs_heap as f64 / ledger.customer_count().max(1) as f64,
        );
        let health = quarterdeck_engine::health::HealthSettings::default();
        // The per-customer signal lists are built on first read; time them apart.
        let t = Instant::now();
        black_box(ledger.health_on(to, &all, &health));
        eprintln!("engine/health_first_read/{n}: {:.1?}", t.elapsed());
        group.bench_function(BenchmarkId::new("health_one_day", n), |b| {
            b.iter(|| ledger.health_on(black_box(to), &all, &health))
        });
        group.bench_function(BenchmarkId::new("health_predictive_check", n), |b| {
            b.iter(|| ledger.health_backtest(black_box(to), &all, &health))
        });
        // A ticket arrives: today's scores re-scored for its customer (and
        // its segment's support means) against scoring everyone again.
        {
            let before = ledger.health_day_scores(to, &health);
            let customer = ledger
                .customer_ref(before.scores[before.scores.len() / 2].slot)
                .id
                .to_string();
            let ticket: AnyRecord = parse_record(
                quarterdeck_domain::Collection::Tickets,
                &serde_json::json!({"id": "bench_ticket", "customer_id": customer,
                    "opened_at": to.to_string(), "priority": "urgent"}),
            )
            .expect("a ticket");
            let slots = ledger
                .health_customers_of_upsert(std::slice::from_ref(&ticket))
                .expect("a ticket's customer");
            let shares = ledger.health_shares(to, &slots);
            let mut after = ledger.clone();
            if let AnyRecord::Ticket(t) = ticket {
                after.upsert_tickets(&[t]);
            }
            assert_eq!(
                after.rescored(&before, to, &shares, &health),
                after.health_day_scores(to, &health)
            );
            group.bench_function(BenchmarkId::new("health_rescore_after_a_ticket", n), |b| {
                b.iter(|| after.rescored(black_box(&before), to, &shares, &health))
            });
        }
        let ahead = Period::new(to, to + Days::new(90)).expect("ordered");
        eprintln!(
            "engine/renewals/{n}: {} due in the 90 days after {to}",
            ledger.renewals(ahead, to, &all, |_| false).len()
        );
        group.bench_function(BenchmarkId::new("renewals_next_90_days", n), |b| {
            b.iter(|| ledger.renewals(black_box(ahead), to, &all, |_| false))
        });

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
        group.bench_function(BenchmarkId::new("billing_year_and_previous", n), |b| {
            b.iter(|| {
                [black_box(year), year.previous_period()].map(|p| {
                    (
                        ledger.revenue(p, &all),
                        ledger.ar_aging(p.to, &all),
                        ledger.dso(p, &all),
                        ledger.gross_margin(p, &all),
                    )
                })
            })
        });
        group.bench_function(BenchmarkId::new("movement_series_monthly_3y", n), |b| {
            b.iter(|| ledger.movement_series(black_box(three_years), Grain::Month, &all))
        });
        group.bench_function(BenchmarkId::new("cohorts_monthly_3y", n), |b| {
            b.iter(|| ledger.cohorts(CohortGrain::Month, black_box(three_years), &all))
        });
        group.bench_function(BenchmarkId::new("ar_aging", n), |b| {
            b.iter(|| ledger.ar_aging(black_box(to), &all))
        });

        let events = changed_events(&samples.events);
        batch(
            &mut group,
            "upsert_1000_events",
            n,
            &mut ledger,
            &samples.events,
            &events,
            Ledger::upsert_subscription_events,
        );
        let mut invoices = samples.invoices.clone();
        for inv in &mut invoices {
            inv.amount += Decimal::ONE;
        }
        batch(
            &mut group,
            "upsert_1000_invoices",
            n,
            &mut ledger,
            &samples.invoices,
            &invoices,
            Ledger::upsert_invoices,
        );
        let mut payments = samples.payments.clone();
        for p in &mut payments {
            p.amount -= Decimal::ONE;
        }
        batch(
            &mut group,
            "upsert_1000_payments",
            n,
            &mut ledger,
            &samples.payments,
            &payments,
            Ledger::upsert_payments,
        );
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
