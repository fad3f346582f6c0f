//! Delinquency (metrics.md, MRR): hand-built scenarios.

use super::support::*;
use crate::{
    CohortGrain, DelinquentSpan, Filter, Ledger, MovementKind, Records, TenantSettings, Timeline,
};
use quarterdeck_domain::records::{
    Customer, Invoice, InvoiceStatus, Payment, PaymentStatus, SubscriptionEvent,
};
use rust_decimal::dec;

use MovementKind::{Churn, New, Reactivation};
use PaymentStatus::{Refunded, Succeeded};

fn settings(days: Option<u32>) -> TenantSettings {
    TenantSettings {
        delinquency_days: days,
        ..TenantSettings::default()
    }
}

fn build(
    days: Option<u32>,
    customers: &[Customer],
    events: &[SubscriptionEvent],
    invoices: &[Invoice],
    payments: &[Payment],
) -> Ledger {
    Ledger::new(
        settings(days),
        Records {
            customers,
            subscription_events: events,
            invoices,
            payments,
            ..Records::default()
        },
    )
}

/// Customer `c` pays $100 a month from January; invoice `i1` (January) is paid
/// on time, invoice `i2` ($100, due February 15) is paid late.
fn late_payer() -> (Vec<SubscriptionEvent>, Vec<Invoice>) {
    let events = vec![start("e1", "c", "s", "2025-01-01", dec!(100)).ev()];
    let invoices = vec![
        invoice("i1", "c", "2025-01-01", "2025-01-15", dec!(100)),
        invoice("i2", "c", "2025-02-01", "2025-02-15", dec!(100)),
    ];
    (events, invoices)
}

fn on_time() -> Payment {
    payment("p1", "i1", "2025-01-10", dec!(100), Succeeded)
}

#[test]
fn churned_from_due_plus_n_and_reactivated_on_the_payment_day() {
    let (events, invoices) = late_payer();
    let pays = [
        on_time(),
        payment("p2", "i2", "2025-03-10T15:00:00Z", dec!(100), Succeeded),
    ];
    let l = build(Some(10), &[], &events, &invoices, &pays);
    let mrr = |day: &str| l.mrr_on(d(day), &all());
    assert_eq!(mrr("2025-02-24"), dec!(100), "9 days past due");
    assert_eq!(mrr("2025-02-25"), dec!(0), "due + 10: churned");
    assert_eq!(mrr("2025-03-09"), dec!(0));
    assert_eq!(
        mrr("2025-03-10"),
        dec!(100),
        "paid: back on the payment day"
    );
    assert_eq!(
        l.delinquent_spans("c"),
        vec![DelinquentSpan {
            from: d("2025-02-25"),
            until: Some(d("2025-03-10")),
        }]
    );
    assert_eq!(
        l.customer_movements("c", period("2025-01-01", "2025-12-31")),
        vec![
            (d("2025-01-01"), New, dec!(100)),
            (d("2025-02-25"), Churn, dec!(100)),
            (d("2025-03-10"), Reactivation, dec!(100)),
        ]
    );
    let feb = l.movements(period("2025-02-01", "2025-02-28"), &all());
    assert_eq!(feb.movements.churn, dec!(100));
    assert_eq!(feb.movements.churned_customers, 1);
    assert_eq!(
        (feb.mrr_start, feb.mrr_end, feb.paying_end),
        (dec!(100), dec!(0), 0)
    );
    let mar = l.movements(period("2025-03-01", "2025-03-31"), &all());
    assert_eq!(mar.movements.reactivation, dec!(100));
    assert_eq!(mar.movements.reactivated_customers, 1);
    assert_eq!(
        l.movement_contributors(period("2025-02-01", "2025-02-28"), Churn, &all()),
        vec![("c".to_string(), dec!(100))]
    );
    // Retention sees the adjusted timeline: the customer is out at the end of February.
    let r = l.retention(period("2025-02-01", "2025-02-28"), &all());
    assert_eq!(r.customer_churn_rate, Some(dec!(1)));
    assert_eq!(r.revenue_retention.nrr, Some(dec!(0)));
    // The account list shows MRR 0 while delinquent.
    let customers = [customer("c", "smb")];
    let l = build(Some(10), &customers, &events, &invoices, &pays);
    assert_eq!(l.accounts(d("2025-03-01"), &all())[0].mrr, dec!(0));
    assert_eq!(l.accounts(d("2025-03-10"), &all())[0].mrr, dec!(100));
}

#[test]
fn the_first_delinquent_day_is_due_plus_n_even_with_n_zero() {
    let (events, invoices) = late_payer();
    let l = build(Some(0), &[], &events, &invoices, &[on_time()]);
    assert_eq!(l.mrr_on(d("2025-02-14"), &all()), dec!(100));
    assert_eq!(
        l.mrr_on(d("2025-02-15"), &all()),
        dec!(0),
        "unpaid at the end of its due day"
    );
    assert_eq!(
        l.delinquent_spans("c"),
        vec![DelinquentSpan {
            from: d("2025-02-15"),
            until: None,
        }]
    );
    // Paid on the due day itself: never delinquent.
    let pays = [
        on_time(),
        payment("p2", "i2", "2025-02-15", dec!(100), Succeeded),
    ];
    let l = build(Some(0), &[], &events, &invoices, &pays);
    assert!(l.delinquent_spans("c").is_empty());
    assert_eq!(l.mrr_on(d("2025-02-15"), &all()), dec!(100));
}

#[test]
fn a_partial_payment_does_not_reactivate_and_a_refund_reopens() {
    let (events, invoices) = late_payer();
    let pays = [
        on_time(),
        payment("p2", "i2", "2025-03-01", dec!(60), Succeeded),
        payment("p3", "i2", "2025-03-05", dec!(40), Succeeded),
        payment("p4", "i2", "2025-03-20", dec!(-50), Refunded),
    ];
    let l = build(Some(10), &[], &events, &invoices, &pays);
    let mrr = |day: &str| l.mrr_on(d(day), &all());
    assert_eq!(mrr("2025-03-01"), dec!(0), "$40 still open");
    assert_eq!(mrr("2025-03-04"), dec!(0));
    assert_eq!(mrr("2025-03-05"), dec!(100), "paid in full");
    assert_eq!(mrr("2025-03-19"), dec!(100));
    assert_eq!(
        mrr("2025-03-20"),
        dec!(0),
        "a refund reopens a past-due balance"
    );
    let spans = l.delinquent_spans("c");
    assert_eq!(
        spans,
        vec![
            DelinquentSpan {
                from: d("2025-02-25"),
                until: Some(d("2025-03-05")),
            },
            DelinquentSpan {
                from: d("2025-03-20"),
                until: None,
            },
        ]
    );
    assert!(spans[0].contains(d("2025-03-04")) && !spans[0].contains(d("2025-03-05")));
    let m = l
        .movements(period("2025-03-01", "2025-03-31"), &all())
        .movements;
    assert_eq!((m.reactivated_customers, m.churned_customers), (1, 1));
    // A partial payment made before due + N does not prevent the churn either.
    let pays = [
        on_time(),
        payment("p2", "i2", "2025-02-20", dec!(99.99), Succeeded),
    ];
    let l = build(Some(10), &[], &events, &invoices, &pays);
    assert_eq!(l.mrr_on(d("2025-02-25"), &all()), dec!(0));
}

#[test]
fn a_payment_made_before_due_plus_n_prevents_the_churn() {
    let (events, invoices) = late_payer();
    let pays = [
        on_time(),
        payment("p2", "i2", "2025-02-24", dec!(100), Succeeded),
    ];
    let late_but_in_time = build(Some(10), &[], &events, &invoices, &pays);
    let off = build(None, &[], &events, &invoices, &pays);
    assert_eq!(late_but_in_time.timeline("c"), off.timeline("c"));
}

#[test]
fn two_customers_one_delinquent_and_filters() {
    let customers = [customer("a", "smb"), customer("b", "ent")];
    let events = [
        start("e1", "a", "s", "2025-01-01", dec!(100)).ev(),
        start("e2", "b", "s", "2025-01-01", dec!(300)).ev(),
    ];
    let invoices = [
        invoice("ia", "a", "2025-01-01", "2025-01-31", dec!(100)),
        invoice("ib", "b", "2025-01-01", "2025-01-31", dec!(300)),
    ];
    let pays = [payment("pa", "ia", "2025-01-20", dec!(100), Succeeded)];
    let l = build(Some(30), &customers, &events, &invoices, &pays);
    let off = build(None, &customers, &events, &invoices, &pays);
    let year = period("2025-01-01", "2025-12-31");
    let smb = Filter::segments(["smb"]);
    let ent = Filter::segments(["ent"]);
    assert_eq!(l.movements(year, &smb), off.movements(year, &smb));
    // Due January 31 + 30 days = March 2.
    assert_eq!(l.mrr_on(d("2025-03-01"), &all()), dec!(400));
    assert_eq!(l.mrr_on(d("2025-03-02"), &all()), dec!(100));
    assert_eq!(l.mrr_on(d("2025-03-02"), &smb), dec!(100));
    assert_eq!(l.mrr_on(d("2025-03-02"), &ent), dec!(0));
    assert_eq!(
        l.mrr_on(d("2025-03-02"), &Filter::segments(["mid"])),
        dec!(0)
    );
    let e = l.movements(year, &ent);
    assert_eq!(e.movements.churn, dec!(300));
    assert_eq!(e.movements.churned_customers, 1);
    let mar = period("2025-03-01", "2025-03-31");
    assert_eq!(
        l.movement_contributors(mar, Churn, &all()),
        vec![("b".to_string(), dec!(300))]
    );
    assert!(l.movement_contributors(mar, Churn, &smb).is_empty());
    assert_eq!(l.paying_customers_on(d("2025-03-02"), &all()), 1);
    assert_eq!(l.arpa_on(d("2025-03-02"), &all()), Some(dec!(100)));
    let whole = l.movements(year, &all());
    assert_eq!(whole.movements.net_new(), whole.mrr_end - whole.mrr_start);
    let accounts = l.accounts(d("2025-03-02"), &all());
    assert_eq!(
        accounts
            .iter()
            .map(|a| (a.customer_id.as_str(), a.mrr))
            .collect::<Vec<_>>(),
        vec![("a", dec!(100)), ("b", dec!(0))]
    );
    // Billing figures do not change with the setting.
    assert_eq!(
        l.ar_aging(d("2025-03-02"), &all()),
        off.ar_aging(d("2025-03-02"), &all())
    );
}

#[test]
fn the_setting_off_changes_nothing() {
    let (events, invoices) = late_payer();
    let customers = [customer("c", "smb")];
    let pays = [on_time()];
    let off = build(None, &customers, &events, &invoices, &pays);
    let without_billing = build(None, &customers, &events, &[], &[]);
    assert_eq!(off.timeline("c"), without_billing.timeline("c"));
    assert!(off.delinquent_spans("c").is_empty());
    let year = period("2025-01-01", "2025-12-31");
    assert_eq!(
        off.movements(year, &all()),
        without_billing.movements(year, &all())
    );
    assert_eq!(off.mrr_on(d("2025-06-01"), &all()), dec!(100));
    assert_eq!(TenantSettings::default().delinquency_days, None);
    // And on, with everything paid on time, it changes nothing either.
    let paid = [
        on_time(),
        payment("p2", "i2", "2025-02-14", dec!(100), Succeeded),
    ];
    let on = build(Some(5), &customers, &events, &invoices, &paid);
    assert_eq!(on.timeline("c"), without_billing.timeline("c"));
}

#[test]
fn delinquent_before_ever_paying_makes_the_payment_day_new() {
    // Billed in advance, unpaid: the customer never has MRR_c > 0 until it pays.
    let events = [start("e1", "c", "s", "2025-01-01", dec!(100)).ev()];
    let invoices = [invoice("i1", "c", "2024-12-01", "2024-12-15", dec!(100))];
    let pays = [payment("p1", "i1", "2025-02-03", dec!(100), Succeeded)];
    let l = build(Some(7), &[], &events, &invoices, &pays);
    assert_eq!(l.mrr_on(d("2025-01-01"), &all()), dec!(0));
    assert_eq!(l.timeline("c").unwrap().first_paid(), Some(d("2025-02-03")));
    assert_eq!(
        l.customer_movements("c", period("2024-12-01", "2025-12-31")),
        vec![(d("2025-02-03"), New, dec!(100))]
    );
    let cohorts = l.cohorts(
        CohortGrain::Month,
        period("2025-01-01", "2025-03-31"),
        &all(),
    );
    let sizes: Vec<_> = cohorts.iter().map(|c| (c.start, c.customers)).collect();
    assert_eq!(
        sizes,
        vec![
            (d("2025-01-01"), 0),
            (d("2025-02-01"), 1),
            (d("2025-03-01"), 0)
        ]
    );
}

#[test]
fn which_invoices_count() {
    let (events, mut invoices) = late_payer();
    let pays = [on_time()];
    let mrr_mar = |invoices: &[Invoice]| {
        build(Some(10), &[], &events, invoices, &pays).mrr_on(d("2025-03-01"), &all())
    };
    assert_eq!(mrr_mar(&invoices), dec!(0), "open");
    invoices[1].status = None;
    assert_eq!(mrr_mar(&invoices), dec!(0), "no status");
    invoices[1].status = Some(InvoiceStatus::Paid);
    assert_eq!(
        mrr_mar(&invoices),
        dec!(0),
        "paid status without payment records"
    );
    invoices[1].status = Some(InvoiceStatus::Uncollectible);
    assert_eq!(mrr_mar(&invoices), dec!(0), "written off: still unpaid");
    invoices[1].status = Some(InvoiceStatus::Void);
    assert_eq!(mrr_mar(&invoices), dec!(100), "void");
    invoices[1].status = Some(InvoiceStatus::Draft);
    assert_eq!(mrr_mar(&invoices), dec!(100), "draft");
    invoices[1].status = Some(InvoiceStatus::Open);
    invoices[1].credits = dec!(100);
    assert_eq!(mrr_mar(&invoices), dec!(100), "credited in full");
}

#[test]
fn the_oldest_unpaid_invoice_decides_and_overlaps_merge() {
    let events = [start("e1", "c", "s", "2025-01-01", dec!(100)).ev()];
    let invoices = [
        invoice("i1", "c", "2025-01-01", "2025-01-15", dec!(100)),
        invoice("i2", "c", "2025-02-01", "2025-02-15", dec!(100)),
    ];
    // i1 is paid after i2 falls due + N: still delinquent until i2 is paid too.
    let pays = [
        payment("p1", "i1", "2025-02-28", dec!(100), Succeeded),
        payment("p2", "i2", "2025-03-10", dec!(100), Succeeded),
    ];
    let l = build(Some(5), &[], &events, &invoices, &pays);
    assert_eq!(
        l.delinquent_spans("c"),
        vec![DelinquentSpan {
            from: d("2025-01-20"),
            until: Some(d("2025-03-10")),
        }]
    );
    let m = l
        .movements(period("2025-01-01", "2025-12-31"), &all())
        .movements;
    assert_eq!((m.churned_customers, m.reactivated_customers), (1, 1));
}

#[test]
fn a_cancelled_customer_who_pays_late_does_not_come_back() {
    let events = [
        start("e1", "c", "s", "2025-01-01", dec!(100)).ev(),
        cancel("e2", "c", "s", "2025-03-01"),
    ];
    let invoices = [invoice("i1", "c", "2025-02-01", "2025-02-10", dec!(100))];
    let pays = [payment("p1", "i1", "2025-04-01", dec!(100), Succeeded)];
    let l = build(Some(5), &[], &events, &invoices, &pays);
    assert_eq!(
        l.customer_movements("c", period("2025-01-01", "2025-12-31")),
        vec![
            (d("2025-01-01"), New, dec!(100)),
            (d("2025-02-15"), Churn, dec!(100)),
        ]
    );
}

#[test]
fn billing_updates_recompute_the_customer() {
    let (events, invoices) = late_payer();
    let customers = [customer("c", "smb"), customer("x", "ent")];
    let events = [
        events[0].clone(),
        start("e2", "x", "s", "2025-01-01", dec!(50)).ev(),
    ];
    let mut l = build(Some(10), &customers, &events, &[], &[]);
    let rebuilt = |invoices: &[Invoice], pays: &[Payment]| {
        build(Some(10), &customers, &events, invoices, pays)
    };
    let same = |l: &Ledger, r: &Ledger| {
        for id in ["c", "x"] {
            assert_eq!(l.timeline(id), r.timeline(id), "{id}");
        }
    };
    // A payment before its invoice arrives, then the invoices.
    let p1 = on_time();
    l.upsert_payments(std::slice::from_ref(&p1));
    l.upsert_invoices(&invoices);
    same(&l, &rebuilt(&invoices, std::slice::from_ref(&p1)));
    assert_eq!(l.mrr_on(d("2025-03-01"), &all()), dec!(50));
    // Paying reactivates; removing the payment churns again.
    let p2 = payment("p2", "i2", "2025-03-10", dec!(100), Succeeded);
    l.upsert_payments(std::slice::from_ref(&p2));
    assert_eq!(l.mrr_on(d("2025-03-10"), &all()), dec!(150));
    same(&l, &rebuilt(&invoices, &[p1.clone(), p2.clone()]));
    l.remove_payments(["p2"]);
    assert_eq!(l.mrr_on(d("2025-03-10"), &all()), dec!(50));
    // A payment re-sent against another invoice moves.
    let mut moved = p1.clone();
    moved.invoice_id = "i2".into();
    l.upsert_payments(std::slice::from_ref(&moved));
    same(&l, &rebuilt(&invoices, std::slice::from_ref(&moved)));
    assert_eq!(l.delinquent_spans("c")[0].from, d("2025-01-25"));
    // An invoice re-sent under another customer moves its delinquency.
    let mut i2 = invoices[1].clone();
    i2.customer_id = "x".into();
    let now = [invoices[0].clone(), i2.clone()];
    l.upsert_invoices(std::slice::from_ref(&i2));
    same(&l, &rebuilt(&now, std::slice::from_ref(&moved)));
    assert_eq!(
        l.mrr_on(d("2025-03-01"), &Filter::segments(["smb"])),
        dec!(0)
    );
    assert!(
        l.delinquent_spans("x").is_empty(),
        "i2 is paid by the moved payment"
    );
    // Removing the unpaid invoice ends the delinquency.
    l.remove_invoices(["i1"]);
    same(&l, &rebuilt(&[i2], std::slice::from_ref(&moved)));
    assert_eq!(l.mrr_on(d("2025-03-01"), &all()), dec!(150));
    assert!(l.delinquent_spans("c").is_empty());
}

#[test]
fn masking_a_timeline() {
    let t = Timeline::from_sorted_steps([
        (d("2025-01-01"), dec!(10)),
        (d("2025-02-01"), dec!(20)),
        (d("2025-04-01"), dec!(0)),
    ]);
    let spans = [
        DelinquentSpan {
            from: d("2024-12-01"),
            until: Some(d("2025-01-05")),
        },
        DelinquentSpan {
            from: d("2025-01-20"),
            until: Some(d("2025-02-01")),
        },
        DelinquentSpan {
            from: d("2025-03-01"),
            until: None,
        },
    ];
    let masked = t.without(&spans);
    assert_eq!(
        masked.view().points(),
        &[
            (d("2025-01-05"), dec!(10)),
            (d("2025-01-20"), dec!(0)),
            (d("2025-02-01"), dec!(20)),
            (d("2025-03-01"), dec!(0)),
        ]
    );
    assert_eq!(masked.view().first_paid(), Some(d("2025-01-05")));
}

#[test]
fn rates_arriving_recompute_customers_billed_in_other_currencies() {
    let events = [start("e1", "c", "s", "2025-01-01", dec!(100)).ev()];
    let mut inv = invoice("i1", "c", "2025-01-01", "2025-01-15", dec!(100));
    inv.currency = quarterdeck_domain::Currency::parse("EUR").unwrap();
    let invoices = [inv];
    let mut l = build(Some(10), &[], &events, &invoices, &[]);
    // Without any EUR rate the invoice converts to 0 (a `NoFxRate` billing warning): nothing owed.
    assert!(l.delinquent_spans("c").is_empty());
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(100));
    let rates = [fx("2025-01-01", "EUR", dec!(1.1))];
    l.upsert_fx_rates(&rates);
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(0));
    let rebuilt = Ledger::new(
        settings(Some(10)),
        Records {
            subscription_events: &events,
            invoices: &invoices,
            fx_rates: &rates,
            ..Records::default()
        },
    );
    assert_eq!(l.timeline("c"), rebuilt.timeline("c"));
    l.remove_fx_rates(["EUR|2025-01-01"]);
    assert_eq!(l.mrr_on(d("2025-02-01"), &all()), dec!(100));
}
