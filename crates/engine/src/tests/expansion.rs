//! Expansion pipeline: metrics.md's worked win rate and weighted values.

use super::support::*;
use crate::TenantSettings;
use quarterdeck_domain::TimePoint;
use quarterdeck_domain::records::{Opportunity, OpportunityStatus, OpportunityType};
use rust_decimal::Decimal;
use std::collections::HashMap;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn opp(
    id: &str,
    kind: OpportunityType,
    amount: &str,
    close: &str,
    status: OpportunityStatus,
    p: Option<&str>,
) -> Opportunity {
    Opportunity {
        id: id.into(),
        customer_id: "c".into(),
        kind,
        amount: dec(amount),
        close_date: TimePoint::parse(close).unwrap(),
        stage: "proposal".into(),
        status,
        probability: p.map(dec),
        owner: None,
        currency: None,
        attributes: Default::default(),
    }
}

#[test]
fn worked_example_win_rate_by_count_and_amount() {
    // Expansion closed: 3 won worth $30k, 1 lost worth $50k.
    use OpportunityStatus::*;
    use OpportunityType::*;
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    b.customers(&[customer("c", "smb")]);
    b.opportunities(&[
        opp("w1", Upsell, "10000", "2026-02-01", Won, None),
        opp("w2", CrossSell, "10000", "2026-02-10", Won, None),
        opp("w3", Upgrade, "10000", "2026-03-01", Won, None),
        opp("l1", Upsell, "50000", "2026-03-05", Lost, None),
        // Outside the period, and a renewal: neither counts.
        opp("w4", Upsell, "99999", "2025-12-01", Won, None),
        opp("r1", Renewal, "99999", "2026-02-01", Lost, None),
        // Open: $20k at 0.25 and $10k at the stage default.
        opp("o1", Upsell, "20000", "2026-06-01", Open, Some("0.25")),
        opp("o2", Upgrade, "10000", "2026-06-01", Open, None),
    ]);
    let l = b.build();
    let x = l.expansion(period("2026-01-01", "2026-03-31"), &all(), &HashMap::new());
    assert_eq!(x.won, (dec("30000"), 3));
    assert_eq!(x.lost, (dec("50000"), 1));
    assert_eq!(x.win_rate_count(), Some(dec("0.75")));
    assert_eq!(x.win_rate_amount(), Some(dec("0.375")));
    assert_eq!(x.open.value, dec("30000"));
    assert_eq!(x.open.weighted, dec("10000"), "20k × 0.25 + 10k × 0.5");
    assert_eq!(x.by_type["upsell"].count, 1);
    assert_eq!(x.open_list[0].id, "o1", "largest first");
    let staged = l.expansion(
        period("2026-01-01", "2026-03-31"),
        &all(),
        &HashMap::from([("proposal".to_string(), dec("0.4"))]),
    );
    assert_eq!(
        staged.open.weighted,
        dec("9000"),
        "the stage default replaces 0.5"
    );
}
