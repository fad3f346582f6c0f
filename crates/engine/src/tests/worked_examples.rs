//! Every worked example of metrics.md (the revenue metrics, and the viral coefficient).

use super::support::*;
use crate::money::round_money;
use crate::retention::{gross_mrr_churn_rate, ltv, net_mrr_churn_rate, quick_ratio};
use crate::{Filter, Movements};
use quarterdeck_domain::BillingInterval;
use rust_decimal::{Decimal, dec};

#[test]
fn seats_plus_add_on_is_85() {
    // 5 seats × $5/month, then 2 more seats of a $30/month add-on.
    let l = ledger(&[
        start("e1", "c1", "seats", "2025-01-01", dec!(5))
            .quantity(dec!(5))
            .ev(),
        start("e2", "c1", "addon", "2025-02-01", dec!(30))
            .quantity(dec!(2))
            .ev(),
    ]);
    assert_eq!(l.mrr_on(d("2025-01-31"), &all()), dec!(25));
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(85));
}

#[test]
fn annual_plan_of_2000_is_166_67() {
    let l = ledger(&[start("e1", "c1", "s1", "2025-01-01", dec!(2000))
        .every(1, BillingInterval::Year)
        .ev()]);
    assert_eq!(round_money(l.mrr_on(d("2025-06-01"), &all())), dec!(166.67));
}

#[test]
fn monthly_and_annual_customers_make_12_500() {
    let mut events = Vec::new();
    for i in 0..100 {
        events.push(
            start(
                &format!("m{i}"),
                &format!("m{i}"),
                "s",
                "2025-01-01",
                dec!(100),
            )
            .ev(),
        );
    }
    for i in 0..50 {
        let e = start(
            &format!("y{i}"),
            &format!("y{i}"),
            "s",
            "2025-01-01",
            dec!(600),
        );
        events.push(e.every(1, BillingInterval::Year).ev());
    }
    let l = ledger(&events);
    assert_eq!(l.mrr_on(d("2025-01-01"), &all()), dec!(12500));
    assert_eq!(l.paying_customers_on(d("2025-01-01"), &all()), 150);
}

#[test]
fn half_off_for_life_is_5() {
    let l = ledger(&[start("e1", "c1", "s1", "2025-01-01", dec!(10))
        .discount(dec!(5))
        .ev()]);
    assert_eq!(l.mrr_on(d("2026-01-01"), &all()), dec!(5));
}

#[test]
fn gross_and_net_mrr_churn_20_and_10_percent() {
    let m = Movements {
        churn: dec!(10),
        contraction: dec!(10),
        expansion: dec!(10),
        ..Movements::default()
    };
    assert_eq!(gross_mrr_churn_rate(&m, dec!(100)), Some(dec!(0.2)));
    assert_eq!(net_mrr_churn_rate(&m, dec!(100)), Some(dec!(0.1)));

    // The same through the ledger: start MRR 100 = 10 + 30 + 60.
    let l = ledger(&[
        start("a1", "a", "s", "2025-01-01", dec!(10)).ev(),
        start("b1", "b", "s", "2025-01-01", dec!(30)).ev(),
        start("c1", "c", "s", "2025-01-01", dec!(60)).ev(),
        cancel("a2", "a", "s", "2025-02-10"),
        change("b2", "b", "s", "2025-02-11", dec!(20)).ev(),
        change("c2", "c", "s", "2025-02-12", dec!(70)).ev(),
    ]);
    let r = l.retention(period("2025-02-01", "2025-02-28"), &all());
    assert_eq!(r.summary.mrr_start, dec!(100));
    assert_eq!(r.gross_mrr_churn_rate, Some(dec!(0.2)));
    assert_eq!(r.net_mrr_churn_rate, Some(dec!(0.1)));
    assert_eq!(
        r.customer_churn_rate.map(|x| x.round_dp(4)),
        Some(dec!(0.3333))
    );
}

#[test]
fn quick_ratio_3_5() {
    let m = Movements {
        new: dec!(20000),
        expansion: dec!(8000),
        churn: dec!(5000),
        contraction: dec!(3000),
        ..Movements::default()
    };
    assert_eq!(quick_ratio(&m), Some(dec!(3.5)));

    let l = ledger(&[
        start("a1", "a", "s", "2025-01-01", dec!(5000)).ev(),
        start("b1", "b", "s", "2025-01-01", dec!(10000)).ev(),
        start("c1", "c", "s", "2025-01-01", dec!(10000)).ev(),
        cancel("a2", "a", "s", "2025-03-05"),
        change("b2", "b", "s", "2025-03-06", dec!(7000)).ev(),
        change("c2", "c", "s", "2025-03-07", dec!(18000)).ev(),
        start("d1", "d", "s", "2025-03-08", dec!(20000)).ev(),
    ]);
    assert_eq!(
        l.retention(period("2025-03-01", "2025-03-31"), &all())
            .quick_ratio,
        Some(dec!(3.5))
    );
}

#[test]
fn grr_94_percent() {
    // Start $200k; churn $8k, contraction $4k, no expansion, over the trailing twelve months.
    let l = ledger(&[
        start("a1", "a", "s", "2024-06-01", dec!(8000)).ev(),
        start("b1", "b", "s", "2024-06-01", dec!(10000)).ev(),
        start("c1", "c", "s", "2024-06-01", dec!(182000)).ev(),
        cancel("a2", "a", "s", "2025-04-01"),
        change("b2", "b", "s", "2025-05-01", dec!(6000)).ev(),
        // Joined during the period: in neither NRR nor GRR.
        start("d1", "d", "s", "2025-03-01", dec!(50000)).ev(),
    ]);
    let ttm = l.trailing_twelve_month_retention(d("2025-12-31"), &all());
    assert_eq!(ttm.summary.period, period("2025-01-01", "2025-12-31"));
    assert_eq!(ttm.summary.mrr_start, dec!(200000));
    assert_eq!(ttm.revenue_retention.grr, Some(dec!(0.94)));
    assert_eq!(ttm.revenue_retention.nrr, Some(dec!(0.94)));
    let summary = l.revenue_summary(period("2025-12-01", "2025-12-31"), dec!(0.8), &all());
    assert_eq!(
        summary.trailing_twelve_months.revenue_retention.grr,
        Some(dec!(0.94))
    );
    assert_eq!(
        summary.trailing_twelve_months.summary.movements,
        ttm.summary.movements
    );
}

#[test]
fn ltv_2000() {
    assert_eq!(
        ltv(Some(dec!(100)), dec!(1), Some(dec!(0.05))),
        Some(dec!(2000))
    );

    // 20 customers at $100; each month of 2024 one leaves and one joins.
    let mut events = Vec::new();
    for i in 0..20 {
        events.push(
            start(
                &format!("s{i}"),
                &format!("c{i}"),
                "s",
                "2023-12-01",
                dec!(100),
            )
            .ev(),
        );
    }
    for m in 1..=12 {
        let day = format!("2024-{m:02}-15");
        events.push(cancel(&format!("x{m}"), &format!("c{}", m - 1), "s", &day));
        events.push(start(&format!("n{m}"), &format!("n{m}"), "s", &day, dec!(100)).ev());
    }
    let l = ledger(&events);
    let end = d("2024-12-31");
    assert_eq!(l.arpa_on(end, &all()), Some(dec!(100)));
    assert_eq!(
        l.average_monthly_customer_churn_rate(end, &all()),
        Some(dec!(0.05))
    );
    assert_eq!(l.ltv(end, Decimal::ONE, &all()), Some(dec!(2000)));
    let s = l.revenue_summary(
        period("2024-12-01", "2024-12-31"),
        Decimal::ONE,
        &Filter::all(),
    );
    assert_eq!(s.ltv, Some(dec!(2000)));
}

#[test]
fn arpa_300() {
    let events: Vec<_> = [100, 200, 300, 400, 500]
        .iter()
        .map(|&a| {
            start(
                &format!("e{a}"),
                &format!("c{a}"),
                "s",
                "2025-01-01",
                Decimal::from(a),
            )
            .ev()
        })
        .collect();
    let l = ledger(&events);
    assert_eq!(l.mrr_on(d("2025-01-01"), &all()), dec!(1500));
    assert_eq!(l.arpa_on(d("2025-01-01"), &all()), Some(dec!(300)));
}

#[test]
fn viral_coefficient_0_70() {
    // 3.5 invitations per inviting user, 20 % of them accepted.
    assert_eq!(crate::viral_coefficient(35, 10, 7), Some(dec!(0.70)));
    assert_eq!(crate::viral_coefficient(0, 0, 0), None, "nobody invited");
    assert_eq!(
        crate::viral_coefficient(0, 3, 0),
        None,
        "no invitation sent"
    );
}
