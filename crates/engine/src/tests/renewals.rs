//! Renewals: metrics.md's worked example, term ends of annual
//! subscriptions, opportunities standing for term ends, and stage totals.

use super::support::*;
use crate::renewals::{RenewalStage, RenewalTotals};
use crate::{Ledger, TenantSettings};
use quarterdeck_domain::records::{Opportunity, OpportunityStatus, OpportunityType};
use quarterdeck_domain::{BillingInterval, TimePoint};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn renewal(
    id: &str,
    customer: &str,
    close: &str,
    amount: &str,
    status: OpportunityStatus,
) -> Opportunity {
    Opportunity {
        id: id.into(),
        customer_id: customer.into(),
        kind: OpportunityType::Renewal,
        amount: dec(amount),
        close_date: TimePoint::parse(close).unwrap(),
        stage: "negotiation".into(),
        status,
        probability: None,
        owner: None,
        currency: None,
        attributes: Default::default(),
    }
}

fn build(
    events: &[quarterdeck_domain::records::SubscriptionEvent],
    opps: &[Opportunity],
) -> Ledger {
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    let ids: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e.customer_id.as_str())
        .chain(opps.iter().map(|o| o.customer_id.as_str()))
        .collect();
    let customers: Vec<_> = ids.into_iter().map(|c| customer(c, "smb")).collect();
    b.customers(&customers);
    b.subscription_events(events);
    b.opportunities(opps);
    b.build()
}

#[test]
fn worked_example_forecast_renewal_rate_is_70_percent() {
    // Renewals due $100k: renewed $40k, on track $30k, at risk $20k, churned $10k.
    use OpportunityStatus::*;
    let l = build(
        &[],
        &[
            renewal("o1", "a", "2026-03-10", "40000", Won),
            renewal("o2", "b", "2026-03-20", "30000", Open),
            renewal("o3", "c", "2026-03-25", "20000", Open),
            renewal("o4", "d", "2026-03-05", "10000", Lost),
        ],
    );
    let items = l.renewals(
        period("2026-03-01", "2026-03-31"),
        d("2026-03-15"),
        &all(),
        |slot| slot == l.slot_number("c").unwrap(),
    );
    let stages: Vec<_> = items
        .iter()
        .map(|r| (r.customer_id.as_str(), r.stage))
        .collect();
    assert_eq!(
        stages,
        [
            ("d", RenewalStage::Churned),
            ("a", RenewalStage::Renewed),
            ("b", RenewalStage::OnTrack),
            ("c", RenewalStage::AtRisk)
        ]
    );
    let t = RenewalTotals::of(&items);
    assert_eq!(t.due, (dec("100000"), 4));
    assert_eq!(t.forecast_rate(), Some(dec("0.7")));
    let sum: Decimal = t.stages.iter().map(|s| s.0).sum();
    assert_eq!(sum, t.due.0, "stage ARR sums to ARR due");
    // An open renewal past its close day is late.
    let later = l.renewals(
        period("2026-03-01", "2026-03-31"),
        d("2026-03-22"),
        &all(),
        |_| false,
    );
    assert_eq!(
        later.iter().find(|r| r.customer_id == "b").unwrap().stage,
        RenewalStage::Late
    );
}

#[test]
fn annual_term_ends_are_due_unless_an_opportunity_stands_for_them() {
    let yearly = |id: &str, c: &str| {
        start(id, c, &format!("s{c}"), "2025-01-15", dec("1200"))
            .every(1, BillingInterval::Year)
            .ev()
    };
    let events = vec![
        yearly("e1", "kept"),
        yearly("e2", "gone"),
        cancel("e3", "gone", "sgone", "2026-01-15"),
        yearly("e4", "opp"),
        start("e5", "monthly", "smonthly", "2025-01-15", dec("100")).ev(),
    ];
    let l = build(
        &events,
        &[renewal(
            "o1",
            "opp",
            "2026-01-30",
            "1500",
            OpportunityStatus::Open,
        )],
    );
    let items = l.renewals(
        period("2026-01-01", "2026-01-31"),
        d("2026-01-20"),
        &all(),
        |_| false,
    );
    let got: Vec<_> = items
        .iter()
        .map(|r| {
            (
                r.customer_id.as_str(),
                r.due.to_string(),
                r.arr,
                r.stage,
                r.opportunity_id.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "gone",
                "2026-01-15".to_string(),
                dec("1200"),
                RenewalStage::Churned,
                false
            ),
            (
                "kept",
                "2026-01-15".to_string(),
                dec("1200"),
                RenewalStage::Renewed,
                false
            ),
            (
                "opp",
                "2026-01-30".to_string(),
                dec("1500"),
                RenewalStage::OnTrack,
                true
            ),
        ],
        "monthly billing has no term end; the opportunity stands for the term end"
    );
    // Asked before the term end, the kept subscription is on track.
    let early = l.renewals(
        period("2026-01-01", "2026-01-31"),
        d("2026-01-10"),
        &all(),
        |_| false,
    );
    assert_eq!(
        early
            .iter()
            .find(|r| r.customer_id == "kept")
            .unwrap()
            .stage,
        RenewalStage::OnTrack
    );
}
