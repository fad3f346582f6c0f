//! A timing check at 100k customers (ignored by default; run in release:
//! `cargo test --release -p quarterdeck-engine -- --ignored --nocapture perf`).

use super::support::*;
use crate::{Filter, Grain, Ledger, Records, TenantSettings};
use quarterdeck_domain::records::{Invoice, Payment, PaymentStatus, SubscriptionEvent};
use rust_decimal::{Decimal, dec};
use std::time::Instant;

fn synthetic(customers: usize) -> Vec<SubscriptionEvent> {
    let mut events = Vec::with_capacity(customers * 4);
    let mut seed: u64 = 42;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for c in 0..customers {
        let id = format!("c{c}");
        let day = |offset: u64| {
            (d("2023-01-01") + chrono::Days::new(offset))
                .format("%Y-%m-%d")
                .to_string()
        };
        let begin = next(900);
        let amount = Decimal::from(10 + next(500));
        events.push(start(&format!("{id}a"), &id, "s", &day(begin), amount).ev());
        if next(2) == 0 {
            let amount = Decimal::from(10 + next(800));
            events.push(
                change(
                    &format!("{id}b"),
                    &id,
                    "s",
                    &day(begin + 30 + next(300)),
                    amount,
                )
                .ev(),
            );
        }
        if next(3) == 0 {
            events.push(cancel(
                &format!("{id}c"),
                &id,
                "s",
                &day(begin + 60 + next(600)),
            ));
        }
        if next(4) == 0 {
            let e = start(
                &format!("{id}d"),
                &id,
                "t",
                &day(begin + next(400)),
                dec!(99),
            );
            events.push(e.every(1, quarterdeck_domain::BillingInterval::Year).ev());
        }
    }
    events
}

#[test]
#[ignore]
fn perf_summary_at_100k_customers() {
    let events = synthetic(100_000);
    let t = Instant::now();
    let mut l = Ledger::new(
        TenantSettings::default(),
        Records {
            subscription_events: &events,
            ..Records::default()
        },
    );
    println!("build {} events: {:?}", events.len(), t.elapsed());
    let year = period("2025-01-01", "2025-12-31");
    let f = Filter::all();
    for _ in 0..3 {
        let t = Instant::now();
        let s = l.revenue_summary(year, dec!(0.8), &f);
        let summary = t.elapsed();
        let t = Instant::now();
        let months = l.movement_series(year, Grain::Month, &f);
        let monthly = t.elapsed();
        let t = Instant::now();
        let days = l.movement_series(year, Grain::Day, &f);
        let daily = t.elapsed();
        let t = Instant::now();
        let mrr = l.mrr_on(year.to, &f);
        let point = t.elapsed();
        println!(
            "summary {summary:?} (nrr {:?}), monthly series {monthly:?} ({}), daily series {daily:?} ({}), mrr_on {point:?} ({mrr})",
            s.trailing_twelve_months.revenue_retention.nrr,
            months.len(),
            days.len()
        );
    }
    let values: Vec<Decimal> = l
        .customer_ids()
        .map(|id| l.timeline(id).unwrap().value_on(year.to))
        .collect();
    let t = Instant::now();
    let total: Decimal = values.iter().sum();
    println!(
        "baseline: sum of {} contiguous decimals {:?} ({total})",
        values.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let n = l
        .customer_ids()
        .map(|id| l.timeline(id).unwrap().points().len())
        .sum::<usize>();
    println!("points {n} ({:?})", t.elapsed());
    let t = Instant::now();
    l.upsert_subscription_events(&[change("c5b", "c5", "s", "2025-03-01", dec!(1)).ev()]);
    println!("incremental upsert: {:?}", t.elapsed());

    // Delinquency: three invoices per customer, most paid on time, some late, some never.
    let (invoices, payments) = synthetic_billing(100_000);
    for days in [None, Some(30)] {
        let t = Instant::now();
        let _ = Ledger::new(
            TenantSettings {
                delinquency_days: days,
                ..TenantSettings::default()
            },
            Records {
                invoices: &invoices,
                payments: &payments,
                ..Records::default()
            },
        );
        println!(
            "delinquency {days:?}: billing records alone {:?}",
            t.elapsed()
        );
        let t = Instant::now();
        let mut l = Ledger::new(
            TenantSettings {
                delinquency_days: days,
                ..TenantSettings::default()
            },
            Records {
                subscription_events: &events,
                invoices: &invoices,
                payments: &payments,
                ..Records::default()
            },
        );
        let built = t.elapsed();
        for x in ["x1", "x2", "x3"] {
            let t = Instant::now();
            let p = payment(x, "c7i0", "2025-03-01", dec!(1), PaymentStatus::Succeeded);
            l.upsert_payments(&[p]);
            print!("{:?} ", t.elapsed());
        }
        let t = Instant::now();
        l.upsert_payments(&[payment(
            "x",
            "c7i0",
            "2025-03-01",
            dec!(1),
            PaymentStatus::Succeeded,
        )]);
        println!(
            "delinquency {days:?}: build with {} invoices, {} payments: {built:?}; one payment: {:?}; mrr {}",
            invoices.len(),
            payments.len(),
            t.elapsed(),
            l.mrr_on(year.to, &f)
        );
    }
}

fn synthetic_billing(customers: usize) -> (Vec<Invoice>, Vec<Payment>) {
    let (mut invoices, mut payments) = (Vec::new(), Vec::new());
    for c in 0..customers {
        for k in 0..3u64 {
            let id = format!("c{c}i{k}");
            let issued = d("2024-01-01") + chrono::Days::new(k * 120 + (c as u64 % 28));
            let due = issued + chrono::Days::new(30);
            let day = |x: chrono::NaiveDate| x.format("%Y-%m-%d").to_string();
            invoices.push(invoice(
                &id,
                &format!("c{c}"),
                &day(issued),
                &day(due),
                dec!(100),
            ));
            let late = match (c + k as usize) % 10 {
                0 => continue,
                1 | 2 => 75,
                _ => 10,
            };
            let paid = day(issued + chrono::Days::new(late));
            payments.push(payment(
                &format!("{id}p"),
                &id,
                &paid,
                dec!(100),
                PaymentStatus::Succeeded,
            ));
        }
    }
    (invoices, payments)
}

/// The records of one demo company: customers, events, invoices, payments,
/// costs, time entries and rates.
type DemoRecords = (
    Vec<quarterdeck_domain::records::Customer>,
    Vec<SubscriptionEvent>,
    Vec<Invoice>,
    Vec<Payment>,
    Vec<quarterdeck_domain::records::Cost>,
    Vec<quarterdeck_domain::records::TimeEntry>,
    Vec<quarterdeck_domain::records::FxRate>,
);

/// The records of the demo company at `customers` customers.
fn demo_records(customers: usize) -> DemoRecords {
    use quarterdeck_domain::{AnyRecord, parse_record};
    let mut out = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let config = quarterdeck_demo::DemoConfig {
        customers,
        seed: 42,
        today: d("2025-06-30"),
    };
    quarterdeck_demo::generate(&config, 10_000, &mut |collection, rows| {
        for row in rows {
            match parse_record(collection, &row).map_err(|e| format!("{e:?}"))? {
                AnyRecord::Customer(r) => out.0.push(r),
                AnyRecord::SubscriptionEvent(r) => out.1.push(r),
                AnyRecord::Invoice(mut r) => {
                    r.lines.clear();
                    r.attributes.clear();
                    out.2.push(r)
                }
                AnyRecord::Payment(r) => out.3.push(r),
                AnyRecord::Cost(mut r) => {
                    r.description = None;
                    out.4.push(r)
                }
                AnyRecord::TimeEntry(r) => out.5.push(r),
                AnyRecord::FxRate(r) => out.6.push(r),
                _ => {}
            }
        }
        Ok(())
    })
    .expect("the demo company generates");
    out
}

/// Resident memory of the process in MB (Linux; 0 elsewhere).
fn rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / 1_000_000)
}

#[test]
#[ignore]
fn perf_billing_at_100k_customers() {
    let n = std::env::var("PERF_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let (customers, events, invoices, payments, costs, time_entries, rates) = demo_records(n);
    println!(
        "demo {n}: {} invoices, {} payments, {} costs, {} time entries ({:?})",
        invoices.len(),
        payments.len(),
        costs.len(),
        time_entries.len(),
        t.elapsed()
    );
    let before = rss_mb();
    let t = Instant::now();
    let mut l = Ledger::new(
        TenantSettings::default(),
        Records {
            customers: &customers,
            subscription_events: &events,
            fx_rates: &rates,
            invoices: &invoices,
            payments: &payments,
            costs: &costs,
            time_entries: &time_entries,
        },
    );
    let built = t.elapsed();
    println!(
        "build {built:?} (billing index included); resident memory grew ≈ {} MB (allocator included; the exact heap: `cargo bench -p quarterdeck-engine --bench engine`)",
        rss_mb().saturating_sub(before)
    );
    let year = period("2024-07-01", "2025-06-30");
    let previous = year.previous_period();
    let ttm = period("2023-07-01", "2024-06-30");
    let segment = customers
        .iter()
        .find_map(|c| c.segment.clone())
        .unwrap_or_default();
    for (name, f) in [
        ("all", Filter::all()),
        ("segment", Filter::segments([segment])),
    ] {
        for _ in 0..3 {
            let t = Instant::now();
            let mut r = Decimal::ZERO;
            for p in [year, previous] {
                r += l.revenue(p, &f);
            }
            let revenue = t.elapsed();
            let t = Instant::now();
            for p in [year, previous] {
                let _ = l.ar_aging(p.to, &f);
            }
            let ar = t.elapsed();
            let t = Instant::now();
            for p in [year, previous] {
                let _ = l.dso(p, &f);
            }
            let dso = t.elapsed();
            let t = Instant::now();
            for p in [year, previous, ttm] {
                let _ = l.gross_margin(p, &f);
            }
            let gm = t.elapsed();
            let t = Instant::now();
            for p in [year, previous] {
                let _ = l.revenue_summary(p, dec!(0.8), &f);
            }
            let summary = t.elapsed();
            println!(
                "{name}: 2×revenue {revenue:?} ({r}), 2×ar_aging {ar:?}, 2×dso {dso:?}, 3×gross_margin {gm:?}, 2×revenue_summary {summary:?}"
            );
        }
    }
    let mut batch: Vec<Invoice> = invoices
        .iter()
        .step_by(invoices.len() / 1000)
        .take(1000)
        .cloned()
        .collect();
    for inv in &mut batch {
        inv.amount += dec!(1);
    }
    let pays: Vec<Payment> = payments
        .iter()
        .step_by(payments.len() / 1000)
        .take(1000)
        .cloned()
        .collect();
    let rounds = std::env::var("PERF_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    for round in 0..rounds {
        let t = Instant::now();
        l.upsert_invoices(&batch);
        let inv_t = t.elapsed();
        let t = Instant::now();
        let _ = l.revenue(year, &Filter::all());
        let _ = l.ar_aging(year.to, &Filter::all());
        let read_t = t.elapsed();
        let t = Instant::now();
        l.upsert_payments(&pays);
        let pay_t = t.elapsed();
        let t = Instant::now();
        let _ = l.ar_aging(year.to, &Filter::all());
        println!(
            "round {round}: 1,000 invoices {inv_t:?} (then read {read_t:?}); 1,000 payments {pay_t:?} (then read {:?})",
            t.elapsed()
        );
    }
}
