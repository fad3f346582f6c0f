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
