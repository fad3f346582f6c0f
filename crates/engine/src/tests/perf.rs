//! A timing check at 100k customers (ignored by default; run in release:
//! `cargo test --release -p quarterdeck-engine -- --ignored --nocapture perf`).

use super::support::*;
use crate::{Filter, Grain, Ledger, Records, TenantSettings};
use quarterdeck_domain::records::SubscriptionEvent;
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
}
