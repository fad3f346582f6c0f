//! Billing, cash, profitability and drill-down: hand-built scenarios.

use super::support::*;
use crate::{ArAging, Filter, Grain, MovementKind, WarningKind};
use quarterdeck_domain::records::{InvoiceStatus, PaymentStatus};
use quarterdeck_domain::{Currency, TimePoint};
use rust_decimal::{Decimal, dec};

use PaymentStatus::{Failed, Refunded, Succeeded};

#[test]
fn partial_payments_refunds_and_credits() {
    let mut inv = invoice("i1", "c", "2025-01-01", "2025-01-31", dec!(1000));
    inv.tax = dec!(100);
    inv.credits = dec!(50);
    let pays = [
        payment("p1", "i1", "2025-01-10T12:00:00Z", dec!(400), Succeeded),
        payment("p2", "i1", "2025-01-20", dec!(200), Failed),
        payment("p3", "i1", "2025-02-05", dec!(300), Succeeded),
        payment("p4", "i1", "2025-02-10", dec!(-100), Refunded),
    ];
    let l = billing_ledger(&[], &[], &[inv], &pays, &[], &[], &[]);
    let open = |day: &str| l.open_balance("i1", d(day));
    assert_eq!(open("2024-12-31"), None, "not issued yet");
    assert_eq!(open("2025-01-01"), Some(dec!(1050)));
    assert_eq!(open("2025-01-09"), Some(dec!(1050)));
    assert_eq!(open("2025-01-10"), Some(dec!(650)));
    assert_eq!(
        open("2025-01-20"),
        Some(dec!(650)),
        "failed payments don't count"
    );
    assert_eq!(open("2025-02-05"), Some(dec!(350)));
    assert_eq!(open("2025-02-10"), Some(dec!(450)), "a refund reopens");
    assert_eq!(l.open_balance("nope", d("2025-02-10")), None);
    assert_eq!(
        l.revenue(period("2025-01-01", "2025-01-31"), &all()),
        dec!(1000)
    );
    assert_eq!(
        l.revenue(period("2025-02-01", "2025-02-28"), &all()),
        dec!(0)
    );
    let aging = l.ar_aging(d("2025-02-10"), &all());
    assert_eq!(
        aging,
        ArAging {
            d1_30: dec!(450),
            total: dec!(450),
            ..ArAging::default()
        }
    );
    assert_eq!(l.ar_overdue(d("2025-02-10"), &all()), dec!(450));
    assert_eq!(l.ar_overdue(d("2025-01-31"), &all()), dec!(0));
    assert_eq!(l.ar_aging(d("2025-01-31"), &all()).current, dec!(650));
    // The account page's list: payments as counted, the open balance on the day.
    let list = l.customer_invoices("c", d("2025-02-10"));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].total, dec!(1050));
    assert_eq!(
        list[0].payments,
        vec![
            (d("2025-01-10"), dec!(400)),
            (d("2025-02-05"), dec!(300)),
            (d("2025-02-10"), dec!(-100))
        ]
    );
    assert_eq!(list[0].open, Some(dec!(450)));
    assert!(l.customer_invoices("nobody", d("2025-02-10")).is_empty());
}

#[test]
fn overpayment_never_goes_below_zero() {
    let inv = invoice("i1", "c", "2025-01-01", "2025-01-31", dec!(100));
    let pays = [
        payment("p1", "i1", "2025-01-02", dec!(100), Succeeded),
        payment("p2", "i1", "2025-01-03", dec!(30), Succeeded),
        payment("p3", "i1", "2025-01-10", dec!(-50), Refunded),
        payment("p4", "i1", "2025-01-15", dec!(20), Succeeded),
    ];
    let l = billing_ledger(&[], &[], &[inv], &pays, &[], &[], &[]);
    assert_eq!(l.open_balance("i1", d("2025-01-01")), Some(dec!(100)));
    assert_eq!(l.open_balance("i1", d("2025-01-03")), Some(dec!(0)));
    assert_eq!(l.ar_aging(d("2025-01-03"), &all()).total, dec!(0));
    // 130 paid − 50 refunded: 20 open again, until the last payment.
    assert_eq!(l.open_balance("i1", d("2025-01-10")), Some(dec!(20)));
    assert_eq!(l.open_balance("i1", d("2025-01-15")), Some(dec!(0)));
    assert_eq!(l.open_balance("i1", d("2026-01-15")), Some(dec!(0)));
}

#[test]
fn foreign_currency_invoice_converts_at_its_issue_date() {
    let rates = [
        fx("2025-01-01", "EUR", dec!(1.10)),
        fx("2025-02-01", "EUR", dec!(1.20)),
    ];
    let mut inv = invoice("i1", "c", "2025-01-15", "2025-02-14", dec!(100));
    inv.currency = Currency::parse("EUR").unwrap();
    inv.tax = dec!(20);
    let mut usd = payment("p2", "i1", "2025-02-12", dec!(20), Succeeded);
    usd.currency = Some(Currency::USD);
    let pays = [
        // In the invoice's currency: at the invoice's rate (1.10), not the payment day's (1.20).
        payment("p1", "i1", "2025-02-10", dec!(50), Succeeded),
        usd,
    ];
    let l = billing_ledger(&[], &[], &[inv], &pays, &[], &[], &rates);
    assert_eq!(
        l.revenue(period("2025-01-01", "2025-01-31"), &all()),
        dec!(110)
    );
    assert_eq!(l.open_balance("i1", d("2025-01-20")), Some(dec!(132)));
    assert_eq!(l.open_balance("i1", d("2025-02-10")), Some(dec!(77)));
    assert_eq!(l.open_balance("i1", d("2025-02-12")), Some(dec!(57)));
    assert!(l.billing_warnings().is_empty());

    // Without any EUR rate the amounts count as 0, with a warning.
    let mut l = l;
    l.remove_fx_rates(rates.iter().map(quarterdeck_domain::records::Record::key));
    assert_eq!(
        l.revenue(period("2025-01-01", "2025-01-31"), &all()),
        dec!(0)
    );
    assert!(
        l.billing_warnings()
            .iter()
            .any(|w| matches!(w.kind, WarningKind::NoFxRate { .. }))
    );
}

#[test]
fn written_off_void_and_draft_invoices() {
    let mut written_off = invoice("i1", "c", "2025-01-01", "2025-01-31", dec!(100));
    written_off.status = Some(InvoiceStatus::Uncollectible);
    let mut void = invoice("i2", "c", "2025-01-02", "2025-02-01", dec!(200));
    void.status = Some(InvoiceStatus::Void);
    let mut draft = invoice("i3", "c", "2025-01-03", "2025-02-02", dec!(400));
    draft.status = Some(InvoiceStatus::Draft);
    let mut paid = invoice("i4", "c", "2025-01-04", "2025-02-03", dec!(800));
    paid.status = Some(InvoiceStatus::Paid);
    let pays = [payment("p", "i4", "2025-01-20", dec!(800), Succeeded)];
    let l = billing_ledger(
        &[],
        &[],
        &[written_off, void, draft, paid],
        &pays,
        &[],
        &[],
        &[],
    );
    // A written-off invoice was still billed; void and draft never were.
    assert_eq!(
        l.revenue(period("2025-01-01", "2025-01-31"), &all()),
        dec!(900)
    );
    assert_eq!(l.ar_aging(d("2025-01-10"), &all()).total, dec!(800));
    assert_eq!(l.ar_aging(d("2025-03-10"), &all()).total, dec!(0));
    assert_eq!(l.open_balance("i1", d("2025-03-10")), None);
    assert!(l.overdue_invoices(d("2025-03-10"), &all()).is_empty());
}

#[test]
fn aging_bucket_boundaries() {
    let day = d("2025-06-30");
    // Due k days before `day`, amount 2^i, so each bucket's sum names its members.
    let ks = [-5i64, 0, 1, 30, 31, 60, 61, 90, 91];
    let invoices: Vec<_> = ks
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let due = day - chrono::Duration::days(k);
            let issued = due - chrono::Duration::days(30);
            invoice(
                &format!("i{i}"),
                "c",
                &issued.to_string(),
                &due.to_string(),
                Decimal::from(1u64 << i),
            )
        })
        .collect();
    let l = billing_ledger(&[], &[], &invoices, &[], &[], &[], &[]);
    let a = l.ar_aging(day, &all());
    assert_eq!(
        a,
        ArAging {
            current: dec!(3),    // -5 and 0 days
            d1_30: dec!(12),     // 1 and 30
            d31_60: dec!(48),    // 31 and 60
            d61_90: dec!(192),   // 61 and 90
            d90_plus: dec!(256), // 91
            total: dec!(511),
        }
    );
    assert_eq!(
        a.current + a.d1_30 + a.d31_60 + a.d61_90 + a.d90_plus,
        a.total
    );
    let overdue = l.overdue_invoices(day, &all());
    let days: Vec<i64> = overdue.iter().map(|o| o.days_past_due).collect();
    assert_eq!(days, vec![91, 90, 61, 60, 31, 30, 1]);
    assert_eq!(overdue[0].invoice_id, "i8");
    assert_eq!(overdue[0].open_balance, dec!(256));
    assert_eq!(overdue[0].due_date, d("2025-03-31"));
}

#[test]
fn dso_example() {
    // January: $3,100 billed, $1,000 still open on the 31st → 1000 ÷ 3100 × 31 = 10 days.
    let invoices = [
        invoice("i1", "c", "2025-01-05", "2025-02-04", dec!(2100)),
        invoice("i2", "c", "2025-01-20", "2025-02-19", dec!(1000)),
    ];
    let pays = [payment("p", "i1", "2025-01-25", dec!(2100), Succeeded)];
    let l = billing_ledger(&[], &[], &invoices, &pays, &[], &[], &[]);
    assert_eq!(
        l.dso(period("2025-01-01", "2025-01-31"), &all()),
        Some(dec!(10))
    );
    // No revenue billed: no DSO.
    assert_eq!(l.dso(period("2025-03-01", "2025-03-31"), &all()), None);
}

#[test]
fn gross_margin_with_and_without_cost_data() {
    let customers = [customer("a", "smb"), customer("b", "ent")];
    let invoices = [
        invoice("i1", "a", "2025-01-05", "2025-02-04", dec!(600)),
        invoice("i2", "b", "2025-01-05", "2025-02-04", dec!(400)),
    ];
    let plain = billing_ledger(&customers, &[], &invoices, &[], &[], &[], &[]);
    let jan = period("2025-01-01", "2025-01-31");
    assert!(!plain.has_cost_data());
    assert_eq!(plain.gross_margin(jan, &all()), Some(dec!(1)));
    assert_eq!(plain.gross_margin_or(jan, &all(), dec!(0.80)), dec!(0.80));

    let costs = [
        cost("k1", None, "2025-01-10", dec!(100), true),
        cost("k2", None, "2025-01-10", dec!(50), false), // overhead: not cost of service
        cost("k3", Some("b"), "2025-02-10", dec!(70), true), // another month
    ];
    let time = [
        hours("t1", "a", "2025-01-12", dec!(10), Some(dec!(20))),
        hours("t2", "b", "2025-01-12", dec!(3), None), // no rate: costs 0
    ];
    let l = billing_ledger(&customers, &[], &invoices, &[], &costs, &time, &[]);
    assert!(l.has_cost_data());
    // (1000 − 100 − 200) ÷ 1000
    assert_eq!(l.gross_margin(jan, &all()), Some(dec!(0.7)));
    assert_eq!(l.gross_margin_or(jan, &all(), dec!(0.80)), dec!(0.7));
    // A segment: costs without a customer are left out. (600 − 200) ÷ 600
    let smb = Filter::segments(["smb"]);
    assert_eq!(l.cost_of_service(jan, &smb), dec!(200));
    assert_eq!(
        l.gross_margin(jan, &smb).map(|m| m.round_dp(4)),
        Some(dec!(0.6667))
    );
    // No revenue: no margin, and the setting is used.
    let mar = period("2025-03-01", "2025-03-31");
    assert_eq!(l.gross_margin(mar, &all()), None);
    assert_eq!(l.gross_margin_or(mar, &all(), dec!(0.8)), dec!(0.8));
}

#[test]
fn client_profitability_and_effective_hourly_rate() {
    let invoices = [
        invoice("i1", "a", "2025-01-05", "2025-02-04", dec!(1000)),
        invoice("i2", "c", "2025-01-05", "2025-02-04", dec!(200)),
        invoice("i3", "d", "2024-12-05", "2025-01-04", dec!(999)), // outside the period
    ];
    let costs = [
        cost("k1", Some("a"), "2025-01-10", dec!(100), false),
        cost("k2", Some("c"), "2025-01-10", dec!(300), true),
        cost("k3", None, "2025-01-10", dec!(1000), true),
    ];
    let time = [
        hours("t1", "a", "2025-01-12", dec!(4), Some(dec!(30))),
        hours("t2", "a", "2025-01-13", dec!(6), Some(dec!(30))),
        hours("t3", "b", "2025-01-13", dec!(5), None),
    ];
    let l = billing_ledger(&[], &[], &invoices, &[], &costs, &time, &[]);
    let rows = l.client_profitability(period("2025-01-01", "2025-01-31"), &all());
    let ids: Vec<&str> = rows.iter().map(|r| r.customer_id.as_str()).collect();
    assert_eq!(ids, vec!["c", "b", "a"], "least profitable first");
    let a = &rows[2];
    assert_eq!(
        (a.revenue, a.direct_costs, a.labour_cost, a.hours, a.profit),
        (dec!(1000), dec!(100), dec!(300), dec!(10), dec!(600))
    );
    assert_eq!(a.margin, Some(dec!(0.6)));
    assert_eq!(a.effective_hourly_rate, Some(dec!(100)));
    let b = &rows[1];
    assert_eq!(
        (b.revenue, b.labour_cost, b.profit),
        (dec!(0), dec!(0), dec!(0))
    );
    assert_eq!((b.margin, b.effective_hourly_rate), (None, Some(dec!(0))));
    let c = &rows[0];
    assert_eq!((c.profit, c.margin), (dec!(-100), Some(dec!(-0.5))));
    assert_eq!(c.effective_hourly_rate, None);
}

#[test]
fn removals_and_upserts_update_billing() {
    let mut l = billing_ledger(
        &[],
        &[],
        &[invoice("i1", "c", "2025-01-01", "2025-01-31", dec!(100))],
        &[payment("p1", "i1", "2025-01-05", dec!(60), Succeeded)],
        &[cost("k1", Some("c"), "2025-01-10", dec!(10), true)],
        &[hours("t1", "c", "2025-01-12", dec!(1), Some(dec!(20)))],
        &[],
    );
    let jan = period("2025-01-01", "2025-01-31");
    let day = d("2025-01-20");
    assert_eq!(l.ar_aging(day, &all()).total, dec!(40));
    assert_eq!(l.cost_of_service(jan, &all()), dec!(30));
    l.remove_payments(["p1"]);
    assert_eq!(l.ar_aging(day, &all()).total, dec!(100));
    l.upsert_payments(&[payment("p1", "i1", "2025-01-05", dec!(100), Succeeded)]);
    assert_eq!(l.ar_aging(day, &all()).total, dec!(0));
    l.remove_costs(["k1"]);
    assert_eq!(l.cost_of_service(jan, &all()), dec!(20));
    l.remove_time_entries(["t1"]);
    assert_eq!(l.cost_of_service(jan, &all()), dec!(0));
    assert!(!l.has_cost_data());
    l.upsert_invoices(&[invoice("i2", "c", "2025-01-02", "2025-01-31", dec!(5))]);
    assert_eq!(l.revenue(jan, &all()), dec!(105));
    l.remove_invoices(["i1", "i2"]);
    assert_eq!(l.revenue(jan, &all()), dec!(0));
    let [invoices, _, costs, time_entries] = l.billing_record_counts();
    assert_eq!(invoices, 0);
    assert_eq!(costs + time_entries, 0);
    l.upsert_costs(&[cost("k2", None, "2025-01-10", dec!(7), true)]);
    l.upsert_time_entries(&[hours("t2", "c", "2025-01-12", dec!(2), Some(dec!(1)))]);
    assert_eq!(l.cost_of_service(jan, &all()), dec!(9));
}

#[test]
fn movement_contributors_and_customer_history() {
    let events = [
        start("e1", "a", "s", "2025-01-05", dec!(100)).ev(),
        start("e2", "b", "s", "2025-01-10", dec!(300)).ev(),
        change("e3", "a", "s", "2025-02-01", dec!(150)).ev(),
        change("e4", "a", "s", "2025-02-10", dec!(180)).ev(),
        cancel("e5", "b", "s", "2025-02-15"),
        start("e6", "b", "s2", "2025-03-03", dec!(50)).ev(),
    ];
    let l = ledger(&events);
    let jan = period("2025-01-01", "2025-01-31");
    assert_eq!(
        l.movement_contributors(jan, MovementKind::New, &all()),
        vec![("b".to_string(), dec!(300)), ("a".to_string(), dec!(100))]
    );
    let q1 = period("2025-01-01", "2025-03-31");
    assert_eq!(
        l.movement_contributors(q1, MovementKind::Expansion, &all()),
        vec![("a".to_string(), dec!(80))]
    );
    assert_eq!(
        l.movement_contributors(q1, MovementKind::Reactivation, &all()),
        vec![("b".to_string(), dec!(50))]
    );
    assert!(
        l.movement_contributors(q1, MovementKind::Contraction, &all())
            .is_empty()
    );
    assert_eq!(
        l.customer_movements("a", q1),
        vec![
            (d("2025-01-05"), MovementKind::New, dec!(100)),
            (d("2025-02-01"), MovementKind::Expansion, dec!(50)),
            (d("2025-02-10"), MovementKind::Expansion, dec!(30)),
        ]
    );
    assert_eq!(
        l.customer_movements("b", period("2025-02-01", "2025-03-31")),
        vec![
            (d("2025-02-15"), MovementKind::Churn, dec!(300)),
            (d("2025-03-03"), MovementKind::Reactivation, dec!(50)),
        ]
    );
    assert!(l.customer_movements("zz", q1).is_empty());
    assert_eq!(
        l.customer_mrr_history("a", period("2025-01-15", "2025-03-10"), Grain::Month),
        vec![
            (d("2025-01-31"), dec!(100)),
            (d("2025-02-28"), dec!(180)),
            (d("2025-03-10"), dec!(180)),
        ]
    );
    assert!(l.customer_mrr_history("zz", q1, Grain::Month).is_empty());
}

#[test]
fn account_list() {
    let mut lapsed = customer("z", "smb");
    lapsed.name = "Zed Ltd".into();
    let customers = [customer("a", "ent"), lapsed];
    let events = [
        start("e1", "a", "s1", "2025-01-05", dec!(100))
            .plan("basic")
            .ev(),
        start("e2", "a", "s2", "2025-01-06", dec!(300))
            .plan("pro")
            .ev(),
        change("e3", "a", "s2", "2025-02-01", dec!(20)).ev(), // keeps plan "pro"
        start("e4", "x", "s", "2025-01-01", dec!(10))
            .plan("lite")
            .ev(), // no record
        start("e5", "y", "s", "2025-01-01", dec!(10)).ev(),
        cancel("e6", "y", "s", "2025-01-15"), // no record, no MRR: not listed
    ];
    let l = ledger_with(chrono_tz::Tz::UTC, &customers, &events, &[]);
    let rows = l.accounts(d("2025-01-20"), &all());
    let ids: Vec<&str> = rows.iter().map(|r| r.customer_id.as_str()).collect();
    assert_eq!(ids, vec!["a", "x", "z"]);
    assert_eq!(rows[0].plan.as_deref(), Some("pro"));
    assert_eq!((rows[0].mrr, rows[0].arr), (dec!(400), dec!(4800)));
    assert_eq!(rows[0].segment.as_deref(), Some("ent"));
    assert_eq!(rows[1].name, None);
    assert_eq!(rows[1].plan.as_deref(), Some("lite"));
    assert_eq!(
        (rows[2].name.as_deref(), rows[2].mrr),
        (Some("Zed Ltd"), dec!(0))
    );
    assert_eq!(rows[2].plan, None);
    // After the downgrade the basic subscription is the largest.
    let later = l.accounts(d("2025-02-20"), &all());
    assert_eq!(later[0].plan.as_deref(), Some("basic"));
    let ent = l.accounts(d("2025-02-20"), &Filter::segments(["ent"]));
    assert_eq!(ent.len(), 1);
    // The light listing is the same list without plans; plans and single
    // accounts are found on demand and agree with the full listing.
    for day in [d("2025-01-20"), d("2025-02-20")] {
        let full = l.accounts(day, &all());
        let light = l.accounts_without_plans(day, &all());
        assert_eq!(light.len(), full.len());
        for (f, li) in full.iter().zip(&light) {
            assert_eq!(li.plan, None);
            assert_eq!(
                (&li.customer_id, li.mrr, &li.name),
                (&f.customer_id, f.mrr, &f.name)
            );
            assert_eq!(l.plan_on(&f.customer_id, day), f.plan);
            assert_eq!(l.account(&f.customer_id, day).as_ref(), Some(f));
        }
    }
    assert_eq!(l.account("nobody", d("2025-01-20")), None);
    assert_eq!(
        l.account("y", d("2025-01-20")),
        None,
        "no record and no MRR"
    );
}

/// metrics.md, Costs: a cost with a service period is spread evenly over its
/// days (a month's hosting booked on the 1st counts 1/30 per day of June).
#[test]
fn costs_spread_over_their_service_period() {
    let customers = [customer("a", "smb")];
    let invoices = [invoice("i1", "a", "2025-06-01", "2025-06-30", dec!(1000))];
    let mut hosting = cost("k1", Some("a"), "2025-06-01", dec!(300), true);
    hosting.service_from = Some(TimePoint::parse("2025-06-01").unwrap());
    hosting.service_to = Some(TimePoint::parse("2025-06-30").unwrap());
    // 100 over three days: 33.3333333333 twice, the remainder on the last day.
    let mut odd = cost("k2", None, "2025-07-01", dec!(100), true);
    odd.service_from = Some(TimePoint::parse("2025-07-01").unwrap());
    odd.service_to = Some(TimePoint::parse("2025-07-03").unwrap());
    let l = billing_ledger(&customers, &[], &invoices, &[], &[hosting, odd], &[], &[]);
    let first_ten = period("2025-06-01", "2025-06-10");
    assert_eq!(l.cost_of_service(first_ten, &all()), dec!(100));
    assert_eq!(l.gross_margin(first_ten, &all()), Some(dec!(0.9)));
    let june = period("2025-06-01", "2025-06-30");
    assert_eq!(l.cost_of_service(june, &all()), dec!(300));
    assert_eq!(l.gross_margin(june, &all()), Some(dec!(0.7)));
    // The same through a customer filter (the per-customer path).
    let smb = Filter::segments(["smb"]);
    assert_eq!(l.cost_of_service(first_ten, &smb), dec!(100));
    let profit = l.client_profitability(first_ten, &all());
    assert_eq!(profit[0].direct_costs, dec!(100));
    // Shares sum exactly over the whole period; a part is its days' shares.
    assert_eq!(
        l.cost_of_service(period("2025-07-01", "2025-07-03"), &all()),
        dec!(100)
    );
    assert_eq!(
        l.cost_of_service(period("2025-07-01", "2025-07-02"), &all()),
        dec!(66.6666666666)
    );
    assert_eq!(
        l.cost_of_service(period("2025-06-20", "2025-07-01"), &all()),
        dec!(143.3333333333)
    );
}
