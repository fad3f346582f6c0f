//! Hand-built histories, one behaviour each.

use super::support::*;
use crate::money::round_money;
use crate::{
    CohortGrain, Filter, Grain, Ledger, MovementSummary, Records, TenantSettings, WarningKind,
};
use chrono_tz::Tz;
use quarterdeck_domain::BillingInterval;
use rust_decimal::dec;

fn assert_invariant(s: &MovementSummary) {
    assert_eq!(s.movements.net_new(), s.mrr_end - s.mrr_start, "{s:?}");
}

#[test]
fn billing_periods_of_every_length() {
    use BillingInterval::*;
    let cases = [
        (Year, 1, dec!(1200), dec!(100)),
        (Quarter, 1, dec!(300), dec!(100)),
        (HalfYear, 1, dec!(600), dec!(100)),
        (Month, 2, dec!(20), dec!(10)),
        (Week, 1, dec!(10), dec!(43.33)),
        (Day, 1, dec!(1), dec!(30.42)),
    ];
    for (interval, count, amount, monthly) in cases {
        let l = ledger(&[start("e", "c", "s", "2025-01-15", amount)
            .every(count, interval)
            .ev()]);
        assert_eq!(
            round_money(l.mrr_on(d("2025-06-01"), &all())),
            monthly,
            "{interval:?}"
        );
        assert_eq!(l.mrr_on(d("2025-01-14"), &all()), dec!(0));
        let m = l.movements(period("2025-01-01", "2025-01-31"), &all());
        assert_eq!(m.movements.new, l.mrr_on(d("2025-01-15"), &all()));
        assert_eq!(m.movements.new_customers, 1);
    }
}

#[test]
fn quantity_and_discount() {
    let l = ledger(&[
        start("e", "c", "s", "2025-01-01", dec!(20))
            .quantity(dec!(3))
            .discount(dec!(10))
            .ev(),
        change("f", "c", "s", "2025-02-01", dec!(20))
            .quantity(dec!(4))
            .discount(dec!(10))
            .ev(),
    ]);
    assert_eq!(l.mrr_on(d("2025-01-31"), &all()), dec!(50));
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(70));
    let m = l
        .movements(period("2025-02-01", "2025-02-28"), &all())
        .movements;
    assert_eq!((m.expansion, m.expansions), (dec!(20), 1));
}

#[test]
fn trials_count_from_their_end() {
    let l = ledger(&[
        start("e", "c", "s", "2025-01-01", dec!(50))
            .trial_until("2025-01-15")
            .ev(),
        // A trial cancelled before it ends never pays.
        start("f", "t", "s", "2025-01-01", dec!(50))
            .trial_until("2025-01-15")
            .ev(),
        cancel("g", "t", "s", "2025-01-10"),
    ]);
    assert_eq!(l.mrr_on(d("2025-01-14"), &all()), dec!(0));
    assert_eq!(l.mrr_on(d("2025-01-15"), &all()), dec!(50));
    let m = l
        .movements(period("2025-01-01", "2025-01-31"), &all())
        .movements;
    assert_eq!(
        (m.new, m.new_customers, m.churned_customers),
        (dec!(50), 1, 0)
    );
    assert_eq!(l.timeline("c").unwrap().first_paid(), Some(d("2025-01-15")));
    assert!(l.timeline("t").unwrap().is_empty());
}

#[test]
fn second_subscription_is_expansion_and_ending_one_is_contraction() {
    let l = ledger(&[
        start("e1", "c", "s1", "2025-01-01", dec!(50)).ev(),
        start("e2", "c", "s2", "2025-02-10", dec!(30)).ev(),
        cancel("e3", "c", "s2", "2025-03-01"),
    ]);
    let feb = l
        .movements(period("2025-02-01", "2025-02-28"), &all())
        .movements;
    assert_eq!(
        (feb.new, feb.expansion, feb.new_customers),
        (dec!(0), dec!(30), 0)
    );
    let mar = l
        .movements(period("2025-03-01", "2025-03-31"), &all())
        .movements;
    assert_eq!(
        (mar.contraction, mar.churn, mar.churned_customers),
        (dec!(30), dec!(0), 0)
    );
}

#[test]
fn cancel_and_reactivate() {
    let l = ledger(&[
        start("e1", "c", "s1", "2025-01-01", dec!(50)).ev(),
        cancel("e2", "c", "s1", "2025-03-01"),
        start("e3", "c", "s2", "2025-05-01", dec!(40)).ev(),
    ]);
    let year = l.movement_series(period("2025-01-01", "2025-12-31"), Grain::Month, &all());
    assert_eq!(year[0].summary.movements.new, dec!(50));
    assert_eq!(year[2].summary.movements.churn, dec!(50));
    assert_eq!(year[2].summary.movements.churned_customers, 1);
    assert_eq!(year[4].summary.movements.reactivation, dec!(40));
    assert_eq!(year[4].summary.movements.reactivated_customers, 1);
    assert_eq!(year[4].summary.movements.new_customers, 0);
    for b in &year {
        assert_invariant(&b.summary);
    }
    assert_eq!(year[11].summary.mrr_end, dec!(40));
}

#[test]
fn several_changes_in_one_day_net_to_one_movement() {
    let l = ledger(&[
        start("e1", "c", "s", "2025-01-01", dec!(50)).ev(),
        change("e2", "c", "s", "2025-04-10T09:00:00Z", dec!(80)).ev(),
        change("e3", "c", "s", "2025-04-10T15:00:00Z", dec!(60)).ev(),
        // Up and back down on one day: no movement at all.
        change("e4", "c", "s", "2025-05-10T09:00:00Z", dec!(90)).ev(),
        change("e5", "c", "s", "2025-05-10T10:00:00Z", dec!(60)).ev(),
        // Started and cancelled on one day: never counts.
        start("x1", "x", "s", "2025-04-10T09:00:00Z", dec!(99)).ev(),
        cancel("x2", "x", "s", "2025-04-10T18:00:00Z"),
    ]);
    let m = l
        .movements(period("2025-04-01", "2025-05-31"), &all())
        .movements;
    assert_eq!(
        (m.expansion, m.expansions, m.contractions, m.new_customers),
        (dec!(10), 1, 0, 0)
    );
}

#[test]
fn events_at_the_same_instant_are_ordered_by_id() {
    let l = ledger(&[
        start("e1", "c", "s", "2025-01-01", dec!(50)).ev(),
        change("e3", "c", "s", "2025-02-01", dec!(70)).ev(),
        change("e2", "c", "s", "2025-02-01", dec!(60)).ev(),
    ]);
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(70));
}

#[test]
fn a_later_exchange_rate_makes_no_movement() {
    let rates = [
        fx("2025-01-01", "EUR", dec!(1.10)),
        fx("2025-02-01", "EUR", dec!(1.20)),
    ];
    let events = [
        start("e1", "c", "s", "2025-01-05", dec!(100))
            .currency("EUR")
            .ev(),
        change("e2", "c", "s", "2025-04-01", dec!(200))
            .currency("EUR")
            .ev(),
    ];
    let l = ledger_with(Tz::UTC, &[], &events, &rates);
    assert_eq!(l.mrr_on(d("2025-03-31"), &all()), dec!(110));
    let feb_mar = l.movements(period("2025-02-01", "2025-03-31"), &all());
    assert_eq!(feb_mar.movements, Default::default());
    assert_eq!(l.mrr_on(d("2025-04-01"), &all()), dec!(240));
    let apr = l
        .movements(period("2025-04-01", "2025-04-30"), &all())
        .movements;
    assert_eq!(apr.expansion, dec!(130));
    assert_eq!(l.warnings().count(), 0);
    // The rate change shows only as exchange-rate impact: 100 EUR booked at
    // 1.10, worth 1.20 on March 31 → +10; the April price is booked at 1.20 → 0.
    assert_eq!(l.fx_impact(d("2025-01-31"), &all()), dec!(0));
    assert_eq!(l.fx_impact(d("2025-03-31"), &all()), dec!(10));
    assert_eq!(l.fx_impact(d("2025-04-01"), &all()), dec!(0));
}

#[test]
fn missing_rates_are_recorded() {
    let rates = [fx("2025-03-01", "EUR", dec!(1.5))];
    let events = [
        start("e1", "c", "s", "2025-01-05", dec!(100))
            .currency("EUR")
            .ev(),
        start("e2", "g", "s", "2025-01-05", dec!(100))
            .currency("GBP")
            .ev(),
    ];
    let l = ledger_with(Tz::UTC, &[], &events, &rates);
    // The earliest later rate stands in; a currency with no rate counts as 0.
    assert_eq!(l.mrr_on(d("2025-01-05"), &all()), dec!(150));
    let mut kinds: Vec<_> = l
        .warnings()
        .map(|w| (w.event_id.clone(), w.kind.clone()))
        .collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    let eur = quarterdeck_domain::Currency::parse("EUR").unwrap();
    let gbp = quarterdeck_domain::Currency::parse("GBP").unwrap();
    assert_eq!(
        kinds,
        vec![
            (
                "e1".into(),
                WarningKind::FxRateFromLaterDate {
                    currency: eur,
                    rate_date: d("2025-03-01")
                }
            ),
            ("e2".into(), WarningKind::NoFxRate { currency: gbp }),
        ]
    );
}

#[test]
fn a_period_starting_mid_month() {
    let l = ledger(&[
        start("e1", "early", "s", "2025-01-10", dec!(50)).ev(),
        start("e2", "late", "s", "2025-01-20", dec!(30)).ev(),
        change("e3", "early", "s", "2025-02-14", dec!(70)).ev(),
        change("e4", "early", "s", "2025-02-15", dec!(10)).ev(),
    ]);
    let m = l.movements(period("2025-01-15", "2025-02-14"), &all());
    assert_eq!((m.mrr_start, m.paying_start), (dec!(50), 1));
    assert_eq!((m.movements.new, m.movements.new_customers), (dec!(30), 1));
    assert_eq!(m.movements.expansion, dec!(20));
    assert_eq!(m.mrr_end, dec!(100));
    assert_invariant(&m);
    let weeks = l.movement_series(period("2025-01-15", "2025-02-14"), Grain::Week, &all());
    assert_eq!(weeks[0].start, d("2025-01-13"));
    assert_eq!(weeks[0].summary.period.from, d("2025-01-15"));
    assert_eq!(weeks.last().unwrap().summary.mrr_end, dec!(100));
}

#[test]
fn a_filter_selecting_no_one_gives_none() {
    let customers = [customer("c", "smb")];
    let l = ledger_with(
        Tz::UTC,
        &customers,
        &[start("e", "c", "s", "2024-01-01", dec!(50)).ev()],
        &[],
    );
    let nobody = Filter::segments(["enterprise"]);
    let end = d("2025-06-30");
    assert_eq!(l.mrr_on(end, &nobody), dec!(0));
    assert_eq!(l.arpa_on(end, &nobody), None);
    let r = l.retention(period("2025-06-01", "2025-06-30"), &nobody);
    assert_eq!(r.customer_churn_rate, None);
    assert_eq!(r.gross_mrr_churn_rate, None);
    assert_eq!(r.net_mrr_churn_rate, None);
    assert_eq!(r.quick_ratio, None);
    assert_eq!(r.revenue_retention.nrr, None);
    assert_eq!(r.revenue_retention.grr, None);
    assert_eq!(l.ltv(end, dec!(0.8), &nobody), None);
    assert!(
        l.cohorts(
            CohortGrain::Month,
            period("2024-01-01", "2024-12-31"),
            &nobody
        )
        .iter()
        .all(|c| c.customers == 0 && c.cells.iter().all(|x| x.logo_retention.is_none()))
    );
    // No churn at all: the ratios that divide by churn are None, not infinite.
    let smb = Filter::segments(["smb"]);
    let r = l.retention(period("2025-06-01", "2025-06-30"), &smb);
    assert_eq!(r.quick_ratio, None);
    assert_eq!(r.customer_churn_rate, Some(dec!(0)));
    assert_eq!(l.ltv(end, dec!(0.8), &smb), None);
}

#[test]
fn filters_by_segment_csm_region_and_plan() {
    let mut other = customer("b", "enterprise");
    other.csm = Some("li".into());
    other.region = None;
    let customers = [customer("a", "smb"), other];
    let events = [
        start("e1", "a", "s", "2025-01-01", dec!(10))
            .plan("basic")
            .ev(),
        start("e2", "b", "s", "2025-01-01", dec!(100))
            .plan("pro")
            .ev(),
        change("e3", "b", "s", "2025-03-01", dec!(120))
            .plan("max")
            .ev(),
    ];
    let l = ledger_with(Tz::UTC, &customers, &events, &[]);
    let day = d("2025-06-01");
    let set = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        l.mrr_on(
            day,
            &Filter {
                csm: set(&["li"]),
                ..Filter::all()
            }
        ),
        dec!(120)
    );
    assert_eq!(
        l.mrr_on(
            day,
            &Filter {
                region: set(&["emea"]),
                ..Filter::all()
            }
        ),
        dec!(10)
    );
    // Plan matches any subscription that ever had the plan; the whole customer counts.
    assert_eq!(
        l.mrr_on(
            day,
            &Filter {
                plan: set(&["pro"]),
                ..Filter::all()
            }
        ),
        dec!(120)
    );
    assert_eq!(
        l.mrr_on(
            day,
            &Filter {
                plan: set(&["basic", "max"]),
                ..Filter::all()
            }
        ),
        dec!(130)
    );
    let both = Filter {
        plan: set(&["pro"]),
        segment: set(&["smb"]),
        ..Filter::all()
    };
    assert_eq!(l.mrr_on(day, &both), dec!(0));
}

#[test]
fn the_time_zone_moves_an_event_across_a_month_boundary() {
    // 03:00 UTC on Feb 1 is still Jan 31 in New York.
    let events = [start("e", "c", "s", "2025-02-01T03:00:00Z", dec!(50)).ev()];
    let ny: Tz = "America/New_York".parse().unwrap();
    let year = period("2025-01-01", "2025-12-31");
    let in_ny = ledger_with(ny, &[], &events, &[]).movement_series(year, Grain::Month, &all());
    assert_eq!(in_ny[0].summary.movements.new, dec!(50));
    assert_eq!(in_ny[1].summary.movements.new, dec!(0));
    let in_utc =
        ledger_with(Tz::UTC, &[], &events, &[]).movement_series(year, Grain::Month, &all());
    assert_eq!(in_utc[0].summary.movements.new, dec!(0));
    assert_eq!(in_utc[1].summary.movements.new, dec!(50));
    // A bare date is local midnight wherever the tenant is.
    let dated = [start("e", "c", "s", "2025-02-01", dec!(50)).ev()];
    let l = ledger_with(ny, &[], &dated, &[]);
    assert_eq!(l.mrr_on(d("2025-01-31"), &all()), dec!(0));
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(50));
}

#[test]
fn fiscal_quarters_and_years() {
    let settings = TenantSettings {
        fiscal_year_start_month: 4,
        ..TenantSettings::default()
    };
    let events = [
        start("e1", "c", "s", "2025-03-15", dec!(50)).ev(),
        change("e2", "c", "s", "2025-04-15", dec!(80)).ev(),
    ];
    let l = Ledger::new(
        settings,
        Records {
            subscription_events: &events,
            ..Records::default()
        },
    );
    let q = l.movement_series(period("2025-01-01", "2025-12-31"), Grain::Quarter, &all());
    let starts: Vec<_> = q.iter().map(|b| b.start).collect();
    assert_eq!(
        starts,
        vec![
            d("2025-01-01"),
            d("2025-04-01"),
            d("2025-07-01"),
            d("2025-10-01")
        ]
    );
    assert_eq!(q[0].summary.movements.new, dec!(50));
    assert_eq!(q[1].summary.movements.expansion, dec!(30));
    let y = l.movement_series(period("2025-01-01", "2025-12-31"), Grain::Year, &all());
    assert_eq!(y.len(), 2);
    assert_eq!(y[0].start, d("2024-04-01"));
    assert_eq!(y[1].start, d("2025-04-01"));
    assert_eq!(y[1].summary.mrr_start, dec!(50));
}

#[test]
fn cohorts_follow_logos_and_revenue() {
    let l = ledger(&[
        start("a1", "a", "s", "2025-01-05", dec!(100)).ev(),
        start("b1", "b", "s", "2025-01-20", dec!(100)).ev(),
        start("c1", "c", "s", "2025-02-03", dec!(50)).ev(),
        cancel("a2", "a", "s", "2025-03-10"),
        change("b2", "b", "s", "2025-03-11", dec!(250)).ev(),
        // A pre-cohort customer is in no cohort.
        start("z1", "z", "s", "2024-06-01", dec!(10)).ev(),
    ]);
    let cohorts = l.cohorts(
        CohortGrain::Month,
        period("2025-01-01", "2025-04-15"),
        &all(),
    );
    assert_eq!(cohorts.len(), 4);
    let jan = &cohorts[0];
    assert_eq!(
        (jan.start, jan.customers, jan.cells.len()),
        (d("2025-01-01"), 2, 4)
    );
    assert_eq!(jan.cells[0].mrr, dec!(200));
    assert_eq!(jan.cells[2].logo_retention, Some(dec!(0.5)));
    assert_eq!(jan.cells[2].revenue_retention, Some(dec!(1.25)));
    assert_eq!(jan.cells[3].measured_on, d("2025-04-15"));
    let feb = &cohorts[1];
    assert_eq!(
        (feb.customers, feb.cells[0].mrr, feb.cells.len()),
        (1, dec!(50), 3)
    );
    assert_eq!(cohorts[3].customers, 0);
    assert_eq!(cohorts[3].cells[0].revenue_retention, None);
    let q = l.cohorts(
        CohortGrain::Quarter,
        period("2025-01-01", "2025-06-30"),
        &all(),
    );
    assert_eq!((q[0].customers, q[0].cells[0].mrr), (3, dec!(300)));
    assert_eq!(q[0].cells[1].revenue_retention, Some(dec!(1)));
}

#[test]
fn incremental_updates_equal_a_rebuild() {
    let customers = [customer("a", "smb"), customer("b", "mid")];
    let first = [
        start("a1", "a", "s", "2025-01-01", dec!(10))
            .plan("basic")
            .ev(),
        start("b1", "b", "s", "2025-01-01", dec!(20)).ev(),
        change("b2", "b", "s", "2025-02-01", dec!(25)).ev(),
    ];
    let mut l = ledger_with(Tz::UTC, &customers, &first, &[]);
    // Replace b2 (now for customer a), add a new customer, remove a1.
    let later = [
        change("b2", "a", "s", "2025-02-01", dec!(15))
            .plan("pro")
            .ev(),
        start("c1", "c", "s", "2025-03-01", dec!(5)).ev(),
    ];
    l.upsert_subscription_events(&later);
    l.remove_subscription_events(["a1"]);
    let expected = [first[1].clone(), later[0].clone(), later[1].clone()];
    let rebuilt = ledger_with(Tz::UTC, &customers, &expected, &[]);
    for id in ["a", "b", "c"] {
        assert_eq!(l.timeline(id), rebuilt.timeline(id), "{id}");
    }
    let pro = Filter {
        plan: Some(["pro".to_string()].into()),
        ..Filter::all()
    };
    assert_eq!(
        l.mrr_on(d("2025-03-01"), &pro),
        rebuilt.mrr_on(d("2025-03-01"), &pro)
    );
    assert_eq!(l.mrr_on(d("2025-03-01"), &all()), dec!(40));
    l.remove_customers(["c"]);
    assert_eq!(l.timeline("c"), None);
    assert_eq!(l.customer_count(), 2);
}

#[test]
fn a_new_rate_recomputes_foreign_customers() {
    let events = [start("e1", "c", "s", "2025-01-05", dec!(100))
        .currency("EUR")
        .ev()];
    let mut l = ledger_with(Tz::UTC, &[], &events, &[]);
    assert_eq!(l.mrr_on(d("2025-01-05"), &all()), dec!(0));
    let rates = [fx("2025-01-01", "EUR", dec!(1.1))];
    l.upsert_fx_rates(&rates);
    assert_eq!(l.mrr_on(d("2025-01-05"), &all()), dec!(110));
    assert_eq!(l.warnings().count(), 0);
}
