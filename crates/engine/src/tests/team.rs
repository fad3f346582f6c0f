//! Team figures and save plays: the success rate with metrics.md's
//! saved-then-churned rule, activities by kind, the median first response.

use super::support::*;
use crate::team::{Outcome, PlaySummary};
use crate::{Ledger, TenantSettings};
use quarterdeck_domain::TimePoint;
use quarterdeck_domain::records::{Activity, ActivityType, PlayStatus, SavePlay, Ticket};
use rust_decimal::Decimal;

fn play(
    id: &str,
    customer: &str,
    opened: &str,
    status: PlayStatus,
    closed: Option<&str>,
) -> SavePlay {
    SavePlay {
        id: id.into(),
        customer_id: customer.into(),
        owner: "ana".into(),
        reason: None,
        opened_at: TimePoint::parse(opened).unwrap(),
        target_date: None,
        status,
        closed_at: closed.map(|c| TimePoint::parse(c).unwrap()),
        attributes: Default::default(),
    }
}

fn ticket(id: &str, opened: &str, answered: Option<&str>) -> Ticket {
    Ticket {
        id: id.into(),
        customer_id: "a".into(),
        opened_at: TimePoint::parse(opened).unwrap(),
        closed_at: None,
        first_response_at: answered.map(|t| TimePoint::parse(t).unwrap()),
        priority: None,
        csm: None,
        attributes: Default::default(),
    }
}

fn touch(id: &str, kind: ActivityType, at: &str) -> Activity {
    Activity {
        id: id.into(),
        customer_id: "a".into(),
        kind,
        at: TimePoint::parse(at).unwrap(),
        csm: "ana".into(),
        attributes: Default::default(),
    }
}

#[test]
fn a_saved_account_that_churns_within_90_days_counts_as_lost_from_that_day() {
    use PlayStatus::*;
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    b.customers(&[
        customer("a", "smb"),
        customer("b", "smb"),
        customer("c", "smb"),
        customer("d", "smb"),
    ]);
    b.subscription_events(&[
        start("s1", "a", "sa", "2025-01-01", Decimal::from(100)).ev(),
        start("s2", "b", "sb", "2025-01-01", Decimal::from(100)).ev(),
        // b churns 40 days after its play was saved; c 120 days after.
        cancel("x2", "b", "sb", "2026-03-12"),
        start("s3", "c", "sc", "2025-01-01", Decimal::from(100)).ev(),
        cancel("x3", "c", "sc", "2026-06-01"),
        start("s4", "d", "sd", "2025-01-01", Decimal::from(100)).ev(),
    ]);
    b.save_plays(&[
        play("p1", "a", "2026-01-05", Saved, Some("2026-02-01")),
        play("p2", "b", "2026-01-05", Saved, Some("2026-02-01")),
        play("p3", "c", "2026-01-05", Saved, Some("2026-02-01")),
        play("p4", "d", "2026-01-05", Lost, Some("2026-02-20")),
        play("p5", "d", "2026-02-25", Open, None),
        // Closed before the period: not counted.
        play("p6", "a", "2025-10-01", Lost, Some("2025-11-01")),
    ]);
    let l = b.build();
    // Asked at the end of February: b has not churned yet.
    let feb = l.save_plays(period("2026-02-01", "2026-02-28"), &all());
    assert_eq!(
        PlaySummary::of(&feb),
        PlaySummary {
            open: 1,
            saved: 3,
            lost: 1
        }
    );
    // Asked at the end of March: b churned on March 12, within 90 days.
    let q1 = l.save_plays(period("2026-01-01", "2026-03-31"), &all());
    let s = PlaySummary::of(&q1);
    assert_eq!(
        s,
        PlaySummary {
            open: 1,
            saved: 2,
            lost: 2
        }
    );
    assert_eq!(s.success_rate(), Some(Decimal::new(5, 1)));
    let b_play = q1.iter().find(|r| r.play.id == "p2").unwrap();
    assert_eq!(b_play.outcome, Outcome::ChurnedAfterSave(d("2026-03-12")));
    // c churned 120 days after its close: still saved.
    let h1 = l.save_plays(period("2026-01-01", "2026-06-30"), &all());
    assert_eq!(
        h1.iter().find(|r| r.play.id == "p3").unwrap().outcome,
        Outcome::Saved
    );
    // Before any play closed there is no rate.
    let jan = l.save_plays(period("2026-01-01", "2026-01-31"), &all());
    assert_eq!(PlaySummary::of(&jan).success_rate(), None);
    assert_eq!(l.plays_of("d").len(), 2);
}

#[test]
fn activities_by_kind_and_the_median_first_response() {
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    b.customers(&[customer("a", "smb")]);
    b.subscription_events(&[start("s1", "a", "sa", "2025-01-01", Decimal::from(100)).ev()]);
    b.activities(&[
        touch("a1", ActivityType::Meeting, "2026-02-02T10:00:00Z"),
        touch("a2", ActivityType::Email, "2026-02-03T10:00:00Z"),
        touch("a3", ActivityType::Email, "2026-02-04T10:00:00Z"),
        touch("a4", ActivityType::Task, "2026-03-04T10:00:00Z"),
    ]);
    b.tickets(&[
        ticket("t1", "2026-02-01T09:00:00Z", Some("2026-02-01T10:00:00Z")),
        ticket("t2", "2026-02-02T09:00:00Z", Some("2026-02-02T11:30:00Z")),
        ticket("t3", "2026-02-03T09:00:00Z", None),
        ticket("t4", "2026-03-01T09:00:00Z", Some("2026-03-03T09:00:00Z")),
    ]);
    let mut l = b.build();
    let feb = period("2026-02-01", "2026-02-28");
    let one = |l: &Ledger, p| l.books(p, &all(), 1, |_| Some(0)).remove(0);
    let counts: Vec<u64> = one(&l, feb)
        .activities_by_kind()
        .iter()
        .map(|k| k.1)
        .collect();
    assert_eq!(counts, [1, 2, 0, 0]);
    // One hour and two and a half: the median of two is their mean.
    assert_eq!(
        one(&l, feb).median_first_response_hours(),
        Some(Decimal::new(175, 2))
    );
    // A re-sent ticket replaces its response; a removed one takes it along.
    l.upsert_tickets(&[ticket(
        "t2",
        "2026-02-02T09:00:00Z",
        Some("2026-02-02T12:00:00Z"),
    )]);
    assert_eq!(
        one(&l, feb).median_first_response_hours(),
        Some(Decimal::from(2))
    );
    l.remove_tickets(["t1"]);
    assert_eq!(
        one(&l, feb).median_first_response_hours(),
        Some(Decimal::from(3))
    );
    assert_eq!(
        one(&l, period("2026-04-01", "2026-04-30")).median_first_response_hours(),
        None
    );
}
