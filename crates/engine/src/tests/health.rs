//! Health scores: the documented component formulas, re-weighting, bands,
//! the predictive check, and no look-ahead.

use super::support::*;
use crate::health::{
    Band, ComponentKind, HealthSettings, Scoring, Trend, auc, engagement_score, payment_score,
    profitability_score, support_score, usage_score,
};
use crate::{Ledger, Records, TenantSettings};
use chrono::NaiveDate;
use proptest::prelude::*;
use quarterdeck_domain::TimePoint;
use quarterdeck_domain::records::{Activity, ActivityType, Event, PaymentStatus, Ticket};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn ticket(id: &str, customer: &str, at: &str, priority: &str) -> Ticket {
    Ticket {
        id: id.into(),
        customer_id: customer.into(),
        opened_at: TimePoint::parse(at).unwrap(),
        closed_at: None,
        first_response_at: None,
        priority: Some(priority.into()),
        csm: None,
        attributes: Default::default(),
    }
}

fn activity(id: &str, customer: &str, at: &str) -> Activity {
    Activity {
        id: id.into(),
        customer_id: customer.into(),
        kind: ActivityType::Call,
        at: TimePoint::parse(at).unwrap(),
        csm: "ana".into(),
        attributes: Default::default(),
    }
}

fn usage(id: &str, customer: &str, at: &str) -> Event {
    Event {
        id: id.into(),
        name: "report_viewed".into(),
        at: TimePoint::parse(at).unwrap(),
        customer_id: Some(customer.into()),
        user_id: Some("u1".into()),
        user_type: None,
        properties: Default::default(),
    }
}

#[test]
fn component_formulas_follow_the_documented_defaults() {
    // Payment: 40 off up to 30 days past due, 70 to 60, 100 beyond; 15 for
    // a month of MRR or more overdue; 30 per failed payment.
    assert_eq!(payment_score(0, dec("0"), dec("100"), 0), 100);
    assert_eq!(payment_score(1, dec("50"), dec("100"), 0), 60);
    assert_eq!(payment_score(45, dec("100"), dec("100"), 0), 15);
    assert_eq!(payment_score(200, dec("500"), dec("100"), 5), 0);
    assert_eq!(payment_score(0, dec("0"), dec("100"), 2), 40);
    // Usage: the last 30 days as a share of the 30 before.
    assert_eq!(usage_score(50, 100), 50);
    assert_eq!(usage_score(150, 100), 100);
    assert_eq!(usage_score(0, 0), 0);
    assert_eq!(usage_score(3, 0), 100);
    // Support: q against the segment mean (floored at two normal tickets).
    assert_eq!(support_score(0, dec("10")), 100);
    assert_eq!(support_score(10, dec("10")), 80);
    assert_eq!(support_score(20, dec("10")), 40);
    assert_eq!(support_score(30, dec("10")), 0);
    assert_eq!(
        support_score(2, dec("0.5")),
        100,
        "one ticket in a quiet segment"
    );
    // Engagement: 100 within the segment's usual gap, 0 from three times it.
    assert_eq!(engagement_score(10, 30), 100);
    assert_eq!(engagement_score(60, 30), 50);
    assert_eq!(engagement_score(90, 30), 0);
    assert_eq!(engagement_score(300, 375), 100, "a tech-touch segment");
    // Profitability: 200 × margin.
    assert_eq!(profitability_score(Some(dec("0.25"))), 50);
    assert_eq!(profitability_score(Some(dec("0.8"))), 100);
    assert_eq!(profitability_score(Some(dec("-0.3"))), 0);
    assert_eq!(profitability_score(None), 0);
}

#[test]
fn bands_and_trends_use_the_settings() {
    let s = HealthSettings::default();
    assert_eq!(s.band(70), Band::Healthy);
    assert_eq!(s.band(69), Band::AtRisk);
    assert_eq!(s.band(40), Band::AtRisk);
    assert_eq!(s.band(39), Band::Critical);
    assert_eq!(Trend::of(60, Some(55)), Trend::Improving);
    assert_eq!(Trend::of(60, Some(64)), Trend::Stable);
    assert_eq!(Trend::of(60, Some(65)), Trend::Declining);
    assert_eq!(Trend::of(60, None), Trend::Stable);
    assert!(HealthSettings::default().check().is_ok());
    let bad = HealthSettings {
        healthy_from: 40,
        critical_below: 40,
        ..HealthSettings::default()
    };
    assert!(bad.check().unwrap_err().contains("below the healthy"));
}

#[test]
fn auc_counts_ordered_pairs_and_ties_half() {
    assert_eq!(auc(&[(10, true), (90, false)]), Some(Decimal::ONE));
    assert_eq!(auc(&[(90, true), (10, false)]), Some(Decimal::ZERO));
    assert_eq!(auc(&[(50, true), (50, false)]), Some(dec("0.5")));
    // Churners 20 and 60; stayers 40 and 80: pairs won 20<40, 20<80, 60<80.
    assert_eq!(
        auc(&[(20, true), (60, true), (40, false), (80, false)]),
        Some(dec("0.75"))
    );
    assert_eq!(auc(&[(20, true)]), None);
}

/// Two paying customers since January; one falls behind on payment and
/// support in May.
fn history(extra_after: bool) -> Ledger {
    let customers = [customer("good", "smb"), customer("bad", "smb")];
    let events = [
        start("e1", "good", "s1", "2026-01-01", dec("100")).ev(),
        start("e2", "bad", "s2", "2026-01-01", dec("100")).ev(),
    ];
    let invoices = [
        invoice("i1", "good", "2026-04-01", "2026-04-15", dec("100")),
        invoice("i2", "bad", "2026-04-01", "2026-04-15", dec("100")),
    ];
    let mut payments = vec![
        payment(
            "p1",
            "i1",
            "2026-04-10",
            dec("100"),
            PaymentStatus::Succeeded,
        ),
        payment("p2", "i2", "2026-04-20", dec("100"), PaymentStatus::Failed),
    ];
    let mut tickets = vec![
        ticket("t1", "bad", "2026-05-02", "urgent"),
        ticket("t2", "bad", "2026-05-10", "high"),
        ticket("t3", "good", "2026-05-03", "low"),
    ];
    let mut activities = vec![activity("a1", "good", "2026-05-20")];
    let mut events_used = Vec::new();
    for day in 1..=28 {
        events_used.push(usage(
            &format!("g{day}"),
            "good",
            &format!("2026-04-{day:02}"),
        ));
        events_used.push(usage(
            &format!("h{day}"),
            "good",
            &format!("2026-05-{day:02}"),
        ));
        events_used.push(usage(
            &format!("b{day}"),
            "bad",
            &format!("2026-04-{day:02}"),
        ));
    }
    if extra_after {
        // Everything dated after the day asked must change nothing.
        payments.push(payment(
            "p3",
            "i2",
            "2026-06-02",
            dec("100"),
            PaymentStatus::Succeeded,
        ));
        tickets.push(ticket("t4", "good", "2026-06-01", "urgent"));
        activities.push(activity("a2", "bad", "2026-06-01"));
        events_used.push(usage("late", "bad", "2026-06-01"));
    }
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    b.customers(&customers);
    b.subscription_events(&events);
    b.invoices(&invoices);
    b.payments(&payments);
    b.tickets(&tickets);
    b.activities(&activities);
    b.events(&events_used);
    let _ = Records::default();
    b.build()
}

fn day() -> NaiveDate {
    d("2026-05-31")
}

#[test]
fn a_score_shows_its_components_and_what_each_contributed() {
    let l = history(false);
    let s = HealthSettings::default();
    let bad = l.health_of("bad", day(), &s).unwrap();
    let kinds: Vec<_> = bad.components.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ComponentKind::Payment,
            ComponentKind::Usage,
            ComponentKind::Support,
            ComponentKind::Engagement
        ],
        "profitability is left out without costs"
    );
    let weights: Decimal = bad.components.iter().map(|c| c.weight).sum();
    assert_eq!(
        weights.round_dp(10),
        Decimal::ONE,
        "re-weighted to sum to 1"
    );
    // Payment: 46 days past due (−70), a month of MRR overdue (−15), one failed payment (−30).
    assert_eq!(bad.components[0].score, 0);
    // Usage: none in May after 28 days in April.
    assert_eq!(bad.components[1].score, 0);
    let total: Decimal = bad.components.iter().map(|c| c.contribution).sum();
    assert_eq!(Decimal::from(bad.score), total.round());
    assert_eq!(bad.band, Band::Critical);
    let good = l.health_of("good", day(), &s).unwrap();
    assert_eq!(good.band, Band::Healthy, "{good:?}");
    assert_eq!(good.arr, dec("1200"));
    let all = l.health_on(day(), &all(), &s);
    assert_eq!(all.len(), 2);
}

#[test]
fn a_day_s_score_ignores_records_dated_after_it() {
    let s = HealthSettings::default();
    let before = history(false).health_on(day(), &all(), &s);
    let after = history(true).health_on(day(), &all(), &s);
    assert_eq!(before, after);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// However records dated after D are added, every score of day D stays.
    #[test]
    fn later_records_never_move_a_score(
        tickets in prop::collection::vec((0u32..60, 0usize..4), 0..12),
        touches in prop::collection::vec(0u32..60, 0..6),
        uses in prop::collection::vec(0u32..60, 0..30),
        cut in 0u32..60,
    ) {
        let first = d("2026-03-01");
        let at = |n: u32| (first + chrono::Days::new(u64::from(n))).to_string();
        let build = |all_records: bool| {
            let keep = |n: u32| all_records || n <= cut;
            let t: Vec<Ticket> = tickets.iter().enumerate().filter(|(_, x)| keep(x.0))
                .map(|(i, (n, p))| ticket(&format!("t{i}"), "c", &at(*n), ["low", "normal", "high", "urgent"][*p]))
                .collect();
            let a: Vec<Activity> = touches.iter().enumerate().filter(|(_, n)| keep(**n))
                .map(|(i, n)| activity(&format!("a{i}"), "c", &at(*n))).collect();
            let e: Vec<Event> = uses.iter().enumerate().filter(|(_, n)| keep(**n))
                .map(|(i, n)| usage(&format!("e{i}"), "c", &at(*n))).collect();
            let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
            b.customers(&[customer("c", "smb")]);
            b.subscription_events(&[start("e", "c", "s", "2026-01-01", dec("50")).ev()]);
            b.tickets(&t);
            b.activities(&a);
            b.events(&e);
            b.build()
        };
        let day = first + chrono::Days::new(u64::from(cut));
        let s = HealthSettings::default();
        prop_assert_eq!(
            build(false).health_on(day, &all(), &s),
            build(true).health_on(day, &all(), &s)
        );
    }
}

#[test]
fn the_predictive_check_counts_bands_and_churn_within_90_days() {
    // "bad" is critical at the end of May and churns in July; "good" stays.
    let customers = [customer("good", "smb"), customer("bad", "smb")];
    let events = [
        start("e1", "good", "s1", "2026-01-01", dec("100")).ev(),
        start("e2", "bad", "s2", "2026-01-01", dec("100")).ev(),
        cancel("e3", "bad", "s2", "2026-07-15"),
    ];
    let invoices = [invoice("i2", "bad", "2026-04-01", "2026-04-15", dec("100"))];
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    b.customers(&customers);
    b.subscription_events(&events);
    b.invoices(&invoices);
    b.tickets(&[ticket("t1", "bad", "2026-05-02", "urgent")]);
    let l = b.build();
    let s = HealthSettings::default();
    let check = l.health_backtest(d("2026-12-03"), &all(), &s);
    assert_eq!(check.months.len(), 12);
    assert_eq!(check.months.last().unwrap().month_end, d("2026-11-30"));
    assert!(!check.months.last().unwrap().complete);
    let may = check
        .months
        .iter()
        .find(|m| m.month_end == d("2026-05-31"))
        .unwrap();
    let scored: u32 = may.bands.iter().map(|b| b.0).sum();
    assert_eq!(scored, 2, "band counts sum to the customers scored");
    let churned: u32 = may.bands.iter().map(|b| b.1).sum();
    assert_eq!(churned, 1);
    assert_eq!(check.auc, Some(Decimal::ONE), "{check:?}");
}

/// The demo company, loaded through the builder with every collection the
/// health score reads.
fn demo_ledger(customers: usize, today: NaiveDate) -> Ledger {
    ledger_of(&demo_records(customers, today))
}

/// A ledger built from `records` through the builder (every collection the
/// health score reads; pipelines are not needed here).
fn ledger_of(records: &[quarterdeck_domain::AnyRecord]) -> Ledger {
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    for r in records {
        use quarterdeck_domain::AnyRecord::*;
        match r.clone() {
            Customer(x) => b.customers(&[x]),
            SubscriptionEvent(x) => b.subscription_events(&[x]),
            Invoice(x) => b.invoices(&[x]),
            Payment(x) => b.payments(&[x]),
            Cost(x) => b.costs(&[x]),
            TimeEntry(x) => b.time_entries(&[x]),
            FxRate(x) => b.fx_rates(&[x]),
            Ticket(x) => b.tickets(&[x]),
            Activity(x) => b.activities(&[x]),
            Event(x) => b.events(&[x]),
            _ => {}
        }
    }
    b.build()
}

/// The bar for the default formula: on the demo company, whose
/// churners show warning signs, the critical band churns at least three
/// times as often as the healthy band within 90 days.
#[test]
fn on_the_demo_the_critical_band_churns_three_times_as_often_as_the_healthy() {
    let today: NaiveDate =
        std::env::var("QD_HEALTH_TODAY").map_or(d("2026-06-30"), |v| v.parse().unwrap());
    let l = demo_ledger(1500, today);
    let check = l.health_backtest(today, &all(), &HealthSettings::default());
    let healthy = check.rate(Band::Healthy).unwrap();
    let critical = check.rate(Band::Critical).unwrap();
    let counts: Vec<_> = check.months.iter().map(|m| m.bands).collect();
    eprintln!(
        "healthy {healthy:.4} at risk {:?} critical {critical:.4} auc {:?}\n{counts:?}",
        check.rate(Band::AtRisk),
        check.auc
    );
    assert!(
        critical >= healthy * Decimal::from(3),
        "critical {critical} vs healthy {healthy}"
    );
    let at_risk = check.rate(Band::AtRisk).unwrap();
    assert!(at_risk > healthy, "at risk {at_risk} vs healthy {healthy}");
    assert!(check.auc.unwrap() > dec("0.5"), "{:?}", check.auc);
}

#[test]
fn time_to_value_is_the_median_days_from_first_paid_to_first_use() {
    let mut b = crate::ledger::LedgerBuilder::new(TenantSettings::default());
    b.customers(&[
        customer("a", "smb"),
        customer("b", "smb"),
        customer("c", "smb"),
    ]);
    b.subscription_events(&[
        start("e1", "a", "s1", "2026-03-01", dec("10")).ev(),
        start("e2", "b", "s2", "2026-03-01", dec("10")).ev(),
        start("e3", "c", "s3", "2026-03-01", dec("10")).ev(),
    ]);
    b.events(&[
        usage("u1", "a", "2026-03-05"),
        usage("u2", "b", "2026-03-21"),
        usage("u3", "b", "2026-02-20"),
    ]);
    b.tickets(&[
        ticket("t1", "a", "2026-03-02", "low"),
        ticket("t2", "c", "2026-04-02", "low"),
    ]);
    let l = b.build();
    // a: 4 days; b: 20 days (usage before paying does not count); c: none.
    assert_eq!(l.time_to_value(d("2026-06-30"), &all()), Some(dec("12")));
    assert_eq!(
        l.tickets_opened(period("2026-03-01", "2026-03-31"), &all()),
        1
    );
}

/// The demo company's records, as parsed, with a ledger built from them.
fn demo_records(customers: usize, today: NaiveDate) -> Vec<quarterdeck_domain::AnyRecord> {
    use quarterdeck_domain::parse_record;
    let config = quarterdeck_demo::DemoConfig {
        customers,
        seed: 42,
        today,
    };
    let mut out = Vec::new();
    quarterdeck_demo::generate(&config, 10_000, &mut |collection, rows| {
        for row in rows {
            out.push(parse_record(collection, &row).map_err(|e| format!("{e:?}"))?);
        }
        Ok(())
    })
    .unwrap();
    out
}

fn upsert_one(l: &mut Ledger, r: &quarterdeck_domain::AnyRecord) {
    use quarterdeck_domain::AnyRecord::*;
    match r.clone() {
        Customer(x) => l.upsert_customers(&[x]),
        SubscriptionEvent(x) => l.upsert_subscription_events(&[x]),
        Invoice(x) => l.upsert_invoices(&[x]),
        Payment(x) => l.upsert_payments(&[x]),
        Cost(x) => l.upsert_costs(&[x]),
        TimeEntry(x) => l.upsert_time_entries(&[x]),
        FxRate(x) => l.upsert_fx_rates(&[x]),
        Ticket(x) => l.upsert_tickets(&[x]),
        Activity(x) => l.upsert_activities(&[x]),
        Event(x) => l.upsert_events(&[x]),
        Opportunity(x) => l.upsert_opportunities(&[x]),
        SavePlay(x) => l.upsert_save_plays(&[x]),
        Datapoint(_) => {}
    }
}

/// Moves a record's day by `days` (re-sent with another date).
fn shifted(r: &quarterdeck_domain::AnyRecord, days: i64) -> quarterdeck_domain::AnyRecord {
    use quarterdeck_domain::AnyRecord::*;
    let mv = |t: &mut TimePoint| {
        let day = t.local_date(chrono_tz::Tz::UTC) + chrono::Duration::days(days);
        *t = TimePoint::parse(&day.to_string()).unwrap();
    };
    let mut r = r.clone();
    match &mut r {
        SubscriptionEvent(x) => mv(&mut x.effective_at),
        Invoice(x) => {
            mv(&mut x.issued_at);
            mv(&mut x.due_at);
        }
        Payment(x) => mv(&mut x.paid_at),
        Cost(x) => mv(&mut x.date),
        TimeEntry(x) => mv(&mut x.date),
        Ticket(x) => {
            mv(&mut x.opened_at);
            x.first_response_at = None;
            x.closed_at = None;
        }
        Activity(x) => mv(&mut x.at),
        Event(x) => mv(&mut x.at),
        _ => {}
    }
    r
}

/// A write keeps the cached scores of the days it cannot move: for records
/// re-sent with earlier or later days, of every kind the score reads, the
/// days before the reach (asked before the write) score exactly as before,
/// and a write whose reach is everything is reported as such.
#[test]
fn a_write_leaves_the_scores_of_days_before_its_reach() {
    use crate::reach::Reach;
    let today = d("2026-06-30");
    let records = demo_records(120, today);
    let base = ledger_of(&records);
    let s = HealthSettings::default();
    let days: Vec<NaiveDate> = crate::period::month_ends(today);
    let before: Vec<_> = days
        .iter()
        .map(|day| base.health_on(*day, &all(), &s))
        .collect();
    let mut checked = 0;
    for (i, r) in records.iter().enumerate().filter(|(i, _)| i % 7 == 0) {
        for shift in [-200i64, -40, 35, 400] {
            let changed = shifted(r, shift);
            let mut l = base.clone();
            let reach = l.health_reach_of_upsert(std::slice::from_ref(&changed));
            upsert_one(&mut l, &changed);
            if matches!(changed, quarterdeck_domain::AnyRecord::Customer(_)) {
                assert_eq!(reach, Reach::Everything);
            }
            for (k, day) in days.iter().enumerate() {
                if reach.keeps(*day) && l.slot_layout() == base.slot_layout() {
                    assert_eq!(
                        l.health_on(*day, &all(), &s),
                        before[k],
                        "record {i} ({:?}) shifted {shift} days changed {day} (reach {reach:?})",
                        changed.collection()
                    );
                    checked += 1;
                }
            }
        }
        // Removing it reaches back to its day as stored.
        let mut l = base.clone();
        let reach = l.health_reach_of_removal(r.collection(), &r.key());
        match r.collection() {
            quarterdeck_domain::Collection::Tickets => l.remove_tickets([r.key()]),
            quarterdeck_domain::Collection::Activities => l.remove_activities([r.key()]),
            quarterdeck_domain::Collection::Events => l.remove_events([r.key()]),
            quarterdeck_domain::Collection::Payments => l.remove_payments([r.key()]),
            quarterdeck_domain::Collection::Invoices => l.remove_invoices([r.key()]),
            _ => continue,
        }
        for (k, day) in days.iter().enumerate() {
            if reach.keeps(*day) && l.slot_layout() == base.slot_layout() {
                assert_eq!(
                    l.health_on(*day, &all(), &s),
                    before[k],
                    "removing record {i} changed {day}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} days checked");
}

/// Re-scoring only the customers a write touched gives exactly the scores
/// (and the basis) of scoring everyone again: for records of every kind
/// the score reads, re-sent with other days or as new records, and for
/// removals, on month ends and a mid-month day.
#[test]
fn rescoring_the_touched_customers_equals_scoring_everyone() {
    let today = d("2026-06-30");
    let records = demo_records(150, today);
    let base = ledger_of(&records);
    let s = HealthSettings::default();
    let mut days: Vec<NaiveDate> = crate::period::month_ends(today);
    days.push(d("2026-06-15"));
    let before: Vec<_> = days
        .iter()
        .map(|day| base.health_day_scores(*day, &s))
        .collect();
    for (k, day) in days.iter().enumerate() {
        assert_eq!(*before[k].scores, base.health_on(*day, &all(), &s));
    }
    let check = |l: &Ledger, slots: Option<Vec<usize>>, what: &str, checked: &mut usize| {
        let Some(slots) = slots else { return };
        if l.health_shape() != base.health_shape() {
            return;
        }
        for (k, day) in days.iter().enumerate() {
            let shares = base.health_shares(*day, &slots);
            let again = l.rescored(&before[k], *day, &shares, &s);
            assert_eq!(again, l.health_day_scores(*day, &s), "{what} on {day}");
            *checked += 1;
        }
    };
    let mut checked = 0;
    let mut moved_someone = 0;
    for (i, r) in records.iter().enumerate().filter(|(i, _)| i % 7 == 0) {
        for shift in [-200i64, -20, 0, 400] {
            let mut changed = shifted(r, shift);
            if shift == 0 {
                // The same record under a new id: an addition.
                use quarterdeck_domain::AnyRecord::*;
                match &mut changed {
                    Ticket(x) => x.id.push_str("-new"),
                    Activity(x) => x.id.push_str("-new"),
                    Event(x) => x.id.push_str("-new"),
                    Payment(x) => x.id.push_str("-new"),
                    Invoice(x) => x.id.push_str("-new"),
                    SubscriptionEvent(x) => {
                        // A new customer's first subscription.
                        x.id.push_str("-new");
                        x.customer_id.push_str("-new");
                        x.subscription_id.push_str("-new");
                    }
                    _ => continue,
                }
            }
            let slots = base.health_customers_of_upsert(std::slice::from_ref(&changed));
            let mut l = base.clone();
            upsert_one(&mut l, &changed);
            if slots.as_ref().is_some_and(|s| !s.is_empty()) {
                moved_someone += 1;
            }
            let what = format!("record {i} ({:?}) shifted {shift}", changed.collection());
            check(&l, slots, &what, &mut checked);
        }
        let slots = base.health_customers_of_removal(r.collection(), &r.key());
        let mut l = base.clone();
        match r.collection() {
            quarterdeck_domain::Collection::Tickets => l.remove_tickets([r.key()]),
            quarterdeck_domain::Collection::Activities => l.remove_activities([r.key()]),
            quarterdeck_domain::Collection::Events => l.remove_events([r.key()]),
            quarterdeck_domain::Collection::Payments => l.remove_payments([r.key()]),
            quarterdeck_domain::Collection::Invoices => l.remove_invoices([r.key()]),
            quarterdeck_domain::Collection::SubscriptionEvents => {
                l.remove_subscription_events([r.key()])
            }
            _ => continue,
        }
        check(&l, slots, &format!("removing record {i}"), &mut checked);
    }
    assert!(checked > 1000, "only {checked} days checked");
    assert!(
        moved_someone > 100,
        "only {moved_someone} writes touched a customer"
    );
}
