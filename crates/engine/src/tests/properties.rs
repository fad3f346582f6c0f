//! Property tests over random small histories, checked against a day-by-day oracle.

use crate::money::quantize;
use crate::movements::classify;
use crate::period::{day_after, day_before};
use crate::{
    CohortGrain, Filter, Grain, Ledger, MovementKind, Movements, Period, Records, TenantSettings,
};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use proptest::prelude::*;
use quarterdeck_domain::records::{
    Cost, Customer, FxRate, Invoice, Payment, SubscriptionEvent, SubscriptionEventType,
    SubscriptionState, TimeEntry,
};
use quarterdeck_domain::{BillingInterval, Currency, TimePoint};
use rust_decimal::{Decimal, dec};
use std::collections::BTreeMap;

const SEGMENTS: [&str; 3] = ["smb", "mid", "ent"];
const ZONES: [&str; 3] = ["UTC", "America/New_York", "Asia/Tokyo"];
/// Days of history generated after `base`.
const SPAN: u64 = 400;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

#[derive(Debug, Clone)]
struct GenEvent {
    sub: u8,
    kind: u8,
    day: u16,
    hour: u8,
    amount: u8,
    interval: u8,
    count: u32,
    quantity: u8,
    discount: bool,
    euro: bool,
    trial: Option<u8>,
}

#[derive(Debug, Clone)]
struct History {
    zone: usize,
    fiscal: u32,
    segments: Vec<usize>,
    events: Vec<(usize, GenEvent)>,
    rates: BTreeMap<u16, u8>,
}

fn gen_event() -> impl Strategy<Value = GenEvent> {
    (
        (
            0u8..3,
            prop_oneof![3 => Just(0u8), 4 => Just(1u8), 3 => Just(2u8)],
            0u16..SPAN as u16,
            0u8..24,
        ),
        (0u8..6, 0u8..6, 1u32..3, 1u8..4),
        (
            any::<bool>(),
            prop::bool::weighted(0.3),
            prop::option::weighted(0.2, 0u8..40),
        ),
    )
        .prop_map(
            |(
                (sub, kind, day, hour),
                (amount, interval, count, quantity),
                (discount, euro, trial),
            )| {
                GenEvent {
                    sub,
                    kind,
                    day,
                    hour,
                    amount,
                    interval,
                    count,
                    quantity,
                    discount,
                    euro,
                    trial,
                }
            },
        )
}

fn gen_history() -> impl Strategy<Value = History> {
    (
        0usize..3,
        1u32..13,
        prop::collection::vec(0usize..3, 1..6),
        prop::collection::btree_map(0u16..SPAN as u16, 0u8..4, 0..4),
    )
        .prop_flat_map(|(zone, fiscal, segments, rates)| {
            let n = segments.len();
            let events = prop::collection::vec((0..n, gen_event()), 0..24);
            (
                Just(zone),
                Just(fiscal),
                Just(segments),
                events,
                Just(rates),
            )
        })
        .prop_map(|(zone, fiscal, segments, events, rates)| History {
            zone,
            fiscal,
            segments,
            events,
            rates,
        })
}

struct Built {
    settings: TenantSettings,
    customers: Vec<Customer>,
    events: Vec<SubscriptionEvent>,
    rates: Vec<FxRate>,
}

fn at(day: u16, hour: u8) -> TimePoint {
    let date = base() + Days::new(u64::from(day));
    // Some events are bare dates (local midnight), most are instants in UTC.
    if hour.is_multiple_of(6) {
        TimePoint::Date(date)
    } else {
        TimePoint::parse(&format!("{date}T{hour:02}:00:00Z")).unwrap()
    }
}

fn build(h: &History) -> Built {
    let settings = TenantSettings {
        time_zone: ZONES[h.zone].parse().unwrap(),
        fiscal_year_start_month: h.fiscal,
        ..TenantSettings::default()
    };
    let customers = h
        .segments
        .iter()
        .enumerate()
        .map(|(i, &s)| Customer {
            id: format!("c{i}"),
            name: format!("C{i}"),
            segment: Some(SEGMENTS[s].into()),
            csm: None,
            region: None,
            country: None,
            created_at: None,
            user_type: None,
            attributes: Default::default(),
        })
        .collect();
    let amounts = [
        dec!(0),
        dec!(5),
        dec!(10),
        dec!(12.5),
        dec!(99.99),
        dec!(2000),
    ];
    let intervals = [
        BillingInterval::Day,
        BillingInterval::Week,
        BillingInterval::Month,
        BillingInterval::Quarter,
        BillingInterval::HalfYear,
        BillingInterval::Year,
    ];
    let euro = Currency::parse("EUR").unwrap();
    let events = h
        .events
        .iter()
        .enumerate()
        .map(|(j, (c, g))| {
            let kind = [
                SubscriptionEventType::Start,
                SubscriptionEventType::Change,
                SubscriptionEventType::Cancel,
            ][g.kind as usize];
            let amount = amounts[g.amount as usize];
            let quantity = Decimal::from(g.quantity);
            let state = (kind != SubscriptionEventType::Cancel).then(|| SubscriptionState {
                amount,
                currency: g.euro.then_some(euro),
                interval: intervals[g.interval as usize],
                interval_count: g.count,
                quantity,
                discount: if g.discount {
                    amount * quantity / dec!(4)
                } else {
                    Decimal::ZERO
                },
            });
            SubscriptionEvent {
                id: format!("e{j:02}"),
                customer_id: format!("c{c}"),
                subscription_id: format!("c{c}s{}", g.sub),
                kind,
                effective_at: at(g.day, g.hour),
                plan: Some(format!("p{}", g.sub)),
                state,
                trial_ends_at: g
                    .trial
                    .map(|t| at(g.day + u16::from(t), g.hour.wrapping_add(3) % 24)),
                attributes: Default::default(),
            }
        })
        .collect();
    let rate_values = [dec!(1.1), dec!(0.9), dec!(1.25), dec!(1)];
    let rates = h
        .rates
        .iter()
        .map(|(&day, &r)| FxRate {
            date: TimePoint::Date(base() + Days::new(u64::from(day))),
            currency: euro,
            rate: rate_values[r as usize],
        })
        .collect();
    Built {
        settings,
        customers,
        events,
        rates,
    }
}

fn ledger_of(b: &Built, events: &[SubscriptionEvent]) -> Ledger {
    Ledger::new(
        b.settings,
        Records {
            customers: &b.customers,
            subscription_events: events,
            fx_rates: &b.rates,
            ..Records::default()
        },
    )
}

/// MRR_c per customer per day, replaying every event for every day (no shortcuts).
struct Oracle {
    first: NaiveDate,
    days: usize,
    mrr: BTreeMap<String, Vec<Decimal>>,
}

impl Oracle {
    fn new(b: &Built) -> Self {
        let tz: Tz = b.settings.time_zone;
        let first = day_before(day_before(base()));
        let days = SPAN as usize + 300;
        let rate_on = |day: NaiveDate| {
            let mut rates: Vec<_> = b
                .rates
                .iter()
                .map(|r| (r.date.local_date(tz), r.rate))
                .collect();
            rates.sort();
            let before = rates.iter().rev().find(|r| r.0 <= day).map(|r| r.1);
            before
                .or(rates.first().map(|r| r.1))
                .unwrap_or(Decimal::ZERO)
        };
        let mut mrr = BTreeMap::new();
        for c in &b.customers {
            let mut subs: BTreeMap<&str, Vec<&SubscriptionEvent>> = BTreeMap::new();
            for e in b.events.iter().filter(|e| e.customer_id == c.id) {
                subs.entry(&e.subscription_id).or_default().push(e);
            }
            for list in subs.values_mut() {
                list.sort_by_key(|e| (e.effective_at.instant(tz), e.id.clone()));
            }
            let series = (0..days)
                .map(|i| {
                    let day = first + Days::new(i as u64);
                    let mut total = Decimal::ZERO;
                    for list in subs.values() {
                        let (mut value, mut active, mut trial) = (Decimal::ZERO, false, None);
                        for e in list.iter().filter(|e| e.effective_at.local_date(tz) <= day) {
                            let e_day = e.effective_at.local_date(tz);
                            match &e.state {
                                None => (value, active, trial) = (Decimal::ZERO, false, None),
                                Some(s) => {
                                    let rate = if s.currency.is_some() {
                                        rate_on(e_day)
                                    } else {
                                        Decimal::ONE
                                    };
                                    value = quantize(s.monthly_value() * rate);
                                    active = true;
                                    let t = e.trial_ends_at.map(|t| t.local_date(tz));
                                    trial = if e.kind == SubscriptionEventType::Start {
                                        t
                                    } else {
                                        t.or(trial)
                                    };
                                }
                            }
                        }
                        if active && trial.is_none_or(|t| day >= t) {
                            total += value;
                        }
                    }
                    total
                })
                .collect();
            mrr.insert(c.id.clone(), series);
        }
        Self { first, days, mrr }
    }

    fn index(&self, day: NaiveDate) -> usize {
        (day - self.first).num_days() as usize
    }

    fn movements(&self, period: Period, covered: impl Fn(&str) -> bool) -> Movements {
        let mut m = Movements::default();
        for (_, series) in self.mrr.iter().filter(|(id, _)| covered(id)) {
            for i in self.index(period.from)..=self.index(period.to) {
                let paid_before = series[..i].iter().any(|v| *v > Decimal::ZERO);
                if let Some((kind, amount)) = classify(series[i - 1], series[i], paid_before) {
                    m.add(kind, amount);
                }
            }
        }
        m
    }
}

fn period_from(a: u16, len: u16) -> Period {
    let from = base() + Days::new(u64::from(a));
    Period::new(from, from + Days::new(u64::from(len))).unwrap()
}

fn segment_filter(mask: u8) -> Filter {
    if mask == 0 {
        return Filter::all();
    }
    Filter::segments((0..3).filter(|i| mask & (1 << i) != 0).map(|i| SEGMENTS[i]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn timelines_match_the_day_by_day_oracle(h in gen_history()) {
        let b = build(&h);
        let l = ledger_of(&b, &b.events);
        let oracle = Oracle::new(&b);
        for i in 0..oracle.days {
            let day = oracle.first + Days::new(i as u64);
            let expected: Decimal = oracle.mrr.values().map(|s| s[i]).sum();
            prop_assert_eq!(l.mrr_on(day, &Filter::all()), expected, "day {}", day);
        }
    }

    #[test]
    fn movements_sum_to_the_mrr_change(h in gen_history(), a in 0u16..420, len in 0u16..200, mask in 0u8..8) {
        let b = build(&h);
        let l = ledger_of(&b, &b.events);
        let oracle = Oracle::new(&b);
        let p = period_from(a, len);
        let filter = segment_filter(mask);
        let s = l.movements(p, &filter);
        prop_assert_eq!(s.mrr_start, l.mrr_on(day_before(p.from), &filter));
        prop_assert_eq!(s.mrr_end, l.mrr_on(p.to, &filter));
        prop_assert_eq!(s.movements.net_new(), s.mrr_end - s.mrr_start);
        prop_assert_eq!(s.paying_end, l.paying_customers_on(p.to, &filter));
        let segment_of = |id: &str| {
            let c = b.customers.iter().find(|c| c.id == id).unwrap();
            c.segment.clone().unwrap()
        };
        let covered = |id: &str| filter.segment.as_ref().is_none_or(|set| set.contains(&segment_of(id)));
        prop_assert_eq!(&s.movements, &oracle.movements(p, covered));

        for grain in [Grain::Day, Grain::Week, Grain::Month, Grain::Quarter, Grain::Year] {
            let series = l.movement_series(p, grain, &filter);
            let mut total = Movements::default();
            let mut expected_start = s.mrr_start;
            let mut next_from = p.from;
            for bucket in &series {
                let x = &bucket.summary;
                prop_assert_eq!(x.period.from, next_from);
                prop_assert_eq!(x.mrr_start, expected_start);
                prop_assert_eq!(x.movements.net_new(), x.mrr_end - x.mrr_start);
                prop_assert_eq!(x.mrr_end, l.mrr_on(x.period.to, &filter));
                total.merge(&x.movements);
                expected_start = x.mrr_end;
                next_from = day_after(x.period.to);
            }
            prop_assert_eq!(day_before(next_from), p.to);
            prop_assert_eq!(&total, &s.movements);
        }
    }

    #[test]
    fn retention_is_bounded(h in gen_history(), a in 0u16..420, len in 0u16..400, mask in 0u8..8) {
        let b = build(&h);
        let l = ledger_of(&b, &b.events);
        let p = period_from(a, len);
        let filter = segment_filter(mask);
        let summary = l.revenue_summary(p, dec!(0.8), &filter);
        let ttm = l.trailing_twelve_month_retention(p.to, &filter);
        prop_assert_eq!(&summary.trailing_twelve_months.summary.movements, &ttm.summary.movements);
        prop_assert_eq!(summary.trailing_twelve_months.revenue_retention, ttm.revenue_retention);
        for r in [&summary.period, &ttm] {
            let rr = r.revenue_retention;
            prop_assert_eq!(rr.grr.is_some(), rr.nrr.is_some());
            if let (Some(grr), Some(nrr)) = (rr.grr, rr.nrr) {
                prop_assert!(grr >= Decimal::ZERO && grr <= Decimal::ONE, "grr {}", grr);
                prop_assert!(nrr >= grr, "nrr {} < grr {}", nrr, grr);
            }
            if let Some(rate) = r.customer_churn_rate {
                prop_assert!(rate >= Decimal::ZERO);
            }
            if let (Some(g), Some(n)) = (r.gross_mrr_churn_rate, r.net_mrr_churn_rate) {
                prop_assert!(n <= g);
            }
        }
    }

    #[test]
    fn segment_filters_partition_the_totals(h in gen_history(), a in 0u16..420, len in 0u16..200) {
        let b = build(&h);
        let l = ledger_of(&b, &b.events);
        let p = period_from(a, len);
        let whole = l.movements(p, &Filter::all());
        let mut sum = Movements::default();
        let (mut start, mut end, mut paying) = (Decimal::ZERO, Decimal::ZERO, 0);
        for s in SEGMENTS {
            let part = l.movements(p, &Filter::segments([s]));
            sum.merge(&part.movements);
            start += part.mrr_start;
            end += part.mrr_end;
            paying += part.paying_end;
        }
        prop_assert_eq!(sum, whole.movements);
        prop_assert_eq!((start, end, paying), (whole.mrr_start, whole.mrr_end, whole.paying_end));
        let cohorts = l.cohorts(CohortGrain::Month, p, &Filter::all());
        let in_cohorts: u64 = cohorts.iter().map(|c| c.customers).sum();
        let first_paid_in = |id: &str| l.timeline(id).and_then(|t| t.first_paid()).is_some_and(|f| f >= cohorts[0].start && f <= p.to);
        prop_assert_eq!(in_cohorts, l.customer_ids().filter(|id| first_paid_in(id)).count() as u64);
        for c in &cohorts {
            for cell in &c.cells {
                prop_assert!(cell.paying_customers <= c.customers);
                if let Some(logo) = cell.logo_retention {
                    prop_assert!(logo <= Decimal::ONE);
                }
            }
        }
    }

    #[test]
    fn incremental_updates_equal_a_rebuild(h in gen_history(), split in 0usize..24, replace in 0usize..24, drop in 0usize..24) {
        let b = build(&h);
        let n = b.events.len();
        let split = split.min(n);
        let mut l = ledger_of(&b, &b.events[..split]);
        for chunk in b.events[split..].chunks(3) {
            l.upsert_subscription_events(chunk);
        }
        let mut expected = b.events.clone();
        if n > 0 {
            // Re-send one event changed (moved to another customer), remove another.
            let mut moved = expected[replace % n].clone();
            moved.customer_id = "c0".into();
            moved.subscription_id = "c0s9".into();
            l.upsert_subscription_events(std::slice::from_ref(&moved));
            expected[replace % n] = moved;
            let gone = expected.remove(drop % n);
            l.remove_subscription_events([gone.id.as_str()]);
        }
        let rebuilt = ledger_of(&b, &expected);
        let mut ids: Vec<&str> = rebuilt.customer_ids().collect();
        ids.sort_unstable();
        let mut inc_ids: Vec<&str> = l.customer_ids().collect();
        inc_ids.sort_unstable();
        prop_assert_eq!(&ids, &inc_ids);
        for id in ids {
            prop_assert_eq!(l.timeline(id), rebuilt.timeline(id), "customer {}", id);
        }
        let mut w1: Vec<_> = l.warnings().map(|w| format!("{w:?}")).collect();
        let mut w2: Vec<_> = rebuilt.warnings().map(|w| format!("{w:?}")).collect();
        w1.sort();
        w2.sort();
        prop_assert_eq!(w1, w2);
        let p = period_from(0, 400);
        for plan in ["p0", "p1", "p2", "p9"] {
            let f = Filter { plan: Some([plan.to_string()].into()), ..Filter::all() };
            prop_assert_eq!(l.movements(p, &f), rebuilt.movements(p, &f));
        }
    }
}

/// A random invoice and its payment attempts: (customer, issue day, days to due,
/// amount index, tax, credit, status, euro, payments as (days after issue, fraction index, status)).
type GenInvoice = (
    usize,
    u16,
    u16,
    u8,
    bool,
    bool,
    u8,
    bool,
    Vec<(u16, u8, u8)>,
);

fn gen_invoices() -> impl Strategy<Value = Vec<GenInvoice>> {
    prop::collection::vec(
        (
            (0usize..6, 0u16..SPAN as u16, 0u16..60, 0u8..4),
            (
                any::<bool>(),
                prop::bool::weighted(0.2),
                0u8..6,
                prop::bool::weighted(0.3),
            ),
            prop::collection::vec((0u16..150, 0u8..4, 0u8..3), 0..4),
        )
            .prop_map(
                |((c, day, due, amount), (tax, credit, status, euro), pays)| {
                    (c, day, due, amount, tax, credit, status, euro, pays)
                },
            ),
        0..16,
    )
}

fn billing_records(b: &Built, generated: &[GenInvoice]) -> (Vec<Invoice>, Vec<Payment>) {
    use quarterdeck_domain::records::{InvoiceStatus, PaymentStatus};
    let amounts = [dec!(0), dec!(10), dec!(99.99), dec!(2500)];
    let fractions = [dec!(0.25), dec!(0.5), dec!(1), dec!(1.1)];
    let statuses = [
        None,
        Some(InvoiceStatus::Open),
        Some(InvoiceStatus::Paid),
        Some(InvoiceStatus::Void),
        Some(InvoiceStatus::Draft),
        Some(InvoiceStatus::Uncollectible),
    ];
    let mut invoices = Vec::new();
    let mut payments = Vec::new();
    for (i, (c, day, due, amount, tax, credit, status, euro, pays)) in generated.iter().enumerate()
    {
        let amount = amounts[*amount as usize];
        let tax = if *tax {
            amount * dec!(0.2)
        } else {
            Decimal::ZERO
        };
        let credits = if *credit {
            amount * dec!(0.1)
        } else {
            Decimal::ZERO
        };
        let id = format!("i{i}");
        invoices.push(Invoice {
            id: id.clone(),
            customer_id: format!("c{}", c % b.customers.len()),
            issued_at: at(*day, 6),
            due_at: at(day + due, 6),
            currency: if *euro {
                Currency::parse("EUR").unwrap()
            } else {
                Currency::USD
            },
            amount,
            tax,
            credits,
            status: statuses[*status as usize],
            lines: Vec::new(),
            attributes: Default::default(),
        });
        let total = amount + tax - credits;
        for (j, (after, fraction, st)) in pays.iter().enumerate() {
            let st = [
                PaymentStatus::Succeeded,
                PaymentStatus::Failed,
                PaymentStatus::Refunded,
            ][*st as usize];
            let mut value = total * fractions[*fraction as usize];
            if st == PaymentStatus::Refunded {
                value = -value / dec!(4);
            }
            payments.push(Payment {
                id: format!("{id}p{j}"),
                invoice_id: id.clone(),
                paid_at: at(day + after, 13),
                amount: value,
                currency: None,
                status: st,
                attributes: Default::default(),
            });
        }
    }
    (invoices, payments)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn contributors_sum_to_the_movement_totals(h in gen_history(), a in 0u16..420, len in 0u16..300, mask in 0u8..8) {
        let b = build(&h);
        let l = ledger_of(&b, &b.events);
        let p = period_from(a, len);
        let filter = segment_filter(mask);
        let m = l.movements(p, &filter).movements;
        let kinds = [
            (MovementKind::New, m.new, m.new_customers),
            (MovementKind::Reactivation, m.reactivation, m.reactivated_customers),
            (MovementKind::Expansion, m.expansion, m.expansions),
            (MovementKind::Contraction, m.contraction, m.contractions),
            (MovementKind::Churn, m.churn, m.churned_customers),
        ];
        for (kind, total, count) in kinds {
            let contributors = l.movement_contributors(p, kind, &filter);
            let sum: Decimal = contributors.iter().map(|c| c.1).sum();
            prop_assert_eq!(sum, total, "{:?}", kind);
            prop_assert!(contributors.len() as u64 <= count);
            prop_assert!(contributors.windows(2).all(|w| w[0].1 >= w[1].1));
            let per_customer: usize = contributors
                .iter()
                .map(|(id, _)| l.customer_movements(id, p).iter().filter(|x| x.1 == kind).count())
                .sum();
            prop_assert_eq!(per_customer as u64, count);
        }
    }

    #[test]
    fn ar_buckets_sum_and_segments_partition_billing(h in gen_history(), inv in gen_invoices(), a in 0u16..500, len in 0u16..200) {
        let b = build(&h);
        let (invoices, payments) = billing_records(&b, &inv);
        let l = Ledger::new(
            b.settings,
            Records {
                customers: &b.customers,
                subscription_events: &b.events,
                fx_rates: &b.rates,
                invoices: &invoices,
                payments: &payments,
                ..Records::default()
            },
        );
        let p = period_from(a, len);
        let day = p.to;
        let whole = l.ar_aging(day, &Filter::all());
        prop_assert_eq!(
            whole.current + whole.d1_30 + whole.d31_60 + whole.d61_90 + whole.d90_plus,
            whole.total
        );
        for x in [whole.current, whole.d1_30, whole.d31_60, whole.d61_90, whole.d90_plus] {
            prop_assert!(x >= Decimal::ZERO);
        }
        let overdue: Decimal = l.overdue_invoices(day, &Filter::all()).iter().map(|o| o.open_balance).sum();
        prop_assert_eq!(overdue, whole.total - whole.current);
        prop_assert_eq!(l.ar_overdue(day, &Filter::all()), overdue);
        let open: Decimal = invoices.iter().filter_map(|i| l.open_balance(&i.id, day)).sum();
        prop_assert_eq!(open, whole.total);
        let (mut revenue, mut ar, mut buckets) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for s in SEGMENTS {
            let f = Filter::segments([s]);
            revenue += l.revenue(p, &f);
            let part = l.ar_aging(day, &f);
            ar += part.total;
            buckets += part.d31_60;
        }
        prop_assert_eq!(revenue, l.revenue(p, &Filter::all()));
        prop_assert_eq!(ar, whole.total);
        prop_assert_eq!(buckets, whole.d31_60);
        let profit: Decimal = l.client_profitability(p, &Filter::all()).iter().map(|c| c.revenue).sum();
        prop_assert_eq!(profit, l.revenue(p, &Filter::all()));
    }
}

/// Builds a ledger with delinquency after `days` from every record of `b` and the given billing.
fn delinquent_ledger(b: &Built, days: u32, invoices: &[Invoice], payments: &[Payment]) -> Ledger {
    Ledger::new(
        TenantSettings {
            delinquency_days: Some(days),
            ..b.settings
        },
        Records {
            customers: &b.customers,
            subscription_events: &b.events,
            fx_rates: &b.rates,
            invoices,
            payments,
            ..Records::default()
        },
    )
}

/// Whether customer `id` has, on `day`, an invoice (not void or draft) unpaid
/// since at least due + `days` — replaying every payment, no shortcuts.
fn delinquent_on(
    b: &Built,
    days: u32,
    invoices: &[Invoice],
    payments: &[Payment],
    id: &str,
    day: NaiveDate,
) -> bool {
    use quarterdeck_domain::records::{InvoiceStatus, PaymentStatus};
    let tz: Tz = b.settings.time_zone;
    invoices.iter().any(|inv| {
        if inv.customer_id != id
            || matches!(inv.status, Some(InvoiceStatus::Void | InvoiceStatus::Draft))
            // A euro invoice without any rate converts to 0 (as billing does).
            || (inv.currency != Currency::USD && b.rates.is_empty())
        {
            return false;
        }
        let issued = inv.issued_at.local_date(tz);
        let due = inv.due_at.local_date(tz);
        if day < issued || day < due + Days::new(u64::from(days)) {
            return false;
        }
        let paid: Decimal = payments
            .iter()
            .filter(|p| p.invoice_id == inv.id && p.status != PaymentStatus::Failed)
            .filter(|p| p.paid_at.local_date(tz) <= day)
            .map(|p| p.amount)
            .sum();
        inv.total_due() - paid > Decimal::ZERO
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn delinquency_matches_the_day_by_day_oracle(
        h in gen_history(),
        inv in gen_invoices(),
        days in 0u32..40,
        a in 0u16..420,
        len in 0u16..200,
        mask in 0u8..8,
    ) {
        let b = build(&h);
        let (invoices, payments) = billing_records(&b, &inv);
        let l = delinquent_ledger(&b, days, &invoices, &payments);
        let mut oracle = Oracle::new(&b);
        for (id, series) in oracle.mrr.iter_mut() {
            for (i, v) in series.iter_mut().enumerate() {
                let day = oracle.first + Days::new(i as u64);
                if delinquent_on(&b, days, &invoices, &payments, id, day) {
                    *v = Decimal::ZERO;
                }
            }
        }
        for i in 0..oracle.days {
            let day = oracle.first + Days::new(i as u64);
            let expected: Decimal = oracle.mrr.values().map(|s| s[i]).sum();
            prop_assert_eq!(l.mrr_on(day, &Filter::all()), expected, "day {}", day);
        }
        let p = period_from(a, len);
        let filter = segment_filter(mask);
        let s = l.movements(p, &filter);
        prop_assert_eq!(s.mrr_start, l.mrr_on(day_before(p.from), &filter));
        prop_assert_eq!(s.mrr_end, l.mrr_on(p.to, &filter));
        prop_assert_eq!(s.movements.net_new(), s.mrr_end - s.mrr_start);
        prop_assert_eq!(s.paying_end, l.paying_customers_on(p.to, &filter));
        let segment_of = |id: &str| {
            let c = b.customers.iter().find(|c| c.id == id).unwrap();
            c.segment.clone().unwrap()
        };
        let covered = |id: &str| filter.segment.as_ref().is_none_or(|set| set.contains(&segment_of(id)));
        prop_assert_eq!(&s.movements, &oracle.movements(p, covered));
        for grain in [Grain::Day, Grain::Week, Grain::Month] {
            let mut total = Movements::default();
            for bucket in l.movement_series(p, grain, &filter) {
                let x = &bucket.summary;
                prop_assert_eq!(x.movements.net_new(), x.mrr_end - x.mrr_start);
                prop_assert_eq!(x.mrr_end, l.mrr_on(x.period.to, &filter));
                total.merge(&x.movements);
            }
            prop_assert_eq!(&total, &s.movements);
        }
        for (kind, amount) in [(MovementKind::Churn, s.movements.churn), (MovementKind::Reactivation, s.movements.reactivation)] {
            let sum: Decimal = l.movement_contributors(p, kind, &filter).iter().map(|c| c.1).sum();
            prop_assert_eq!(sum, amount);
        }
        // Billing figures ignore the setting.
        let off = Ledger::new(b.settings, Records {
            customers: &b.customers,
            subscription_events: &b.events,
            fx_rates: &b.rates,
            invoices: &invoices,
            payments: &payments,
            ..Records::default()
        });
        prop_assert_eq!(l.ar_aging(p.to, &filter), off.ar_aging(p.to, &filter));
    }

    #[test]
    fn delinquency_updates_equal_a_rebuild(
        h in gen_history(),
        inv in gen_invoices(),
        days in 0u32..40,
        splits in (0usize..24, 0usize..16, 0usize..40),
        picks in (0usize..16, 0usize..40, 0usize..16, 0usize..40, 0usize..6),
    ) {
        let b = build(&h);
        let (mut invoices, mut payments) = billing_records(&b, &inv);
        let (se, si, sp) = (splits.0.min(b.events.len()), splits.1.min(invoices.len()), splits.2.min(payments.len()));
        let settings = TenantSettings { delinquency_days: Some(days), ..b.settings };
        // Start from part of everything and no rates; the rest arrives in batches,
        // payments before their invoices.
        let mut l = Ledger::new(settings, Records {
            customers: &b.customers,
            subscription_events: &b.events[..se],
            invoices: &invoices[..si],
            payments: &payments[..sp],
            ..Records::default()
        });
        for chunk in payments[sp..].chunks(2) {
            l.upsert_payments(chunk);
        }
        for chunk in invoices[si..].chunks(3) {
            l.upsert_invoices(chunk);
        }
        for chunk in b.events[se..].chunks(4) {
            l.upsert_subscription_events(chunk);
        }
        l.upsert_fx_rates(&b.rates);
        let (moved_inv, moved_pay, gone_inv, gone_pay, customer) = picks;
        if !invoices.is_empty() {
            // An invoice re-sent under another customer and re-dated; another removed.
            let k = moved_inv % invoices.len();
            invoices[k].customer_id = format!("c{}", customer % b.customers.len());
            invoices[k].due_at = at(200, 6);
            l.upsert_invoices(std::slice::from_ref(&invoices[k]));
            if !payments.is_empty() {
                // A payment re-sent against another invoice, with another amount.
                let j = moved_pay % payments.len();
                payments[j].invoice_id = invoices[gone_inv % invoices.len()].id.clone();
                payments[j].amount += dec!(1);
                l.upsert_payments(std::slice::from_ref(&payments[j]));
            }
            let gone = invoices.remove(gone_inv % invoices.len());
            l.remove_invoices([gone.id.as_str()]);
            // Remove a succeeded payment of an invoice still held, when there is one.
            let n = payments.len();
            let live = |p: &Payment| {
                p.status == quarterdeck_domain::records::PaymentStatus::Succeeded
                    && invoices.iter().any(|i| i.id == p.invoice_id)
            };
            if let Some(j) = (0..n).map(|k| (gone_pay + k) % n).find(|&j| live(&payments[j])) {
                let gone = payments.remove(j);
                l.remove_payments([gone.id.as_str()]);
            }
        }
        let rebuilt = delinquent_ledger(&b, days, &invoices, &payments);
        let mut ids: Vec<&str> = rebuilt.customer_ids().collect();
        ids.sort_unstable();
        let mut inc_ids: Vec<&str> = l.customer_ids().collect();
        inc_ids.sort_unstable();
        prop_assert_eq!(&ids, &inc_ids);
        for id in ids {
            prop_assert_eq!(l.timeline(id), rebuilt.timeline(id), "customer {}", id);
            prop_assert_eq!(l.delinquent_spans(id), rebuilt.delinquent_spans(id));
        }
        let mut w1: Vec<_> = l.warnings().map(|w| format!("{w:?}")).collect();
        let mut w2: Vec<_> = rebuilt.warnings().map(|w| format!("{w:?}")).collect();
        w1.sort();
        w2.sort();
        prop_assert_eq!(w1, w2);
        let p = period_from(0, 500);
        for mask in 0..8 {
            let f = segment_filter(mask);
            let s = l.movements(p, &f);
            prop_assert_eq!(&s, &rebuilt.movements(p, &f));
            prop_assert_eq!(s.movements.net_new(), s.mrr_end - s.mrr_start);
            for bucket in l.movement_series(p, Grain::Month, &f) {
                let x = &bucket.summary;
                prop_assert_eq!(x.movements.net_new(), x.mrr_end - x.mrr_start);
            }
        }
    }
}

/// Random cost lines (customer or none, day, amount index, cost of service, euro)
/// and time entries (customer, day, hours index, cost rate index or none).
type GenCosts = (
    Vec<(Option<usize>, u16, u8, bool, bool)>,
    Vec<(usize, u16, u8, Option<u8>)>,
);

fn gen_costs() -> impl Strategy<Value = GenCosts> {
    (
        prop::collection::vec(
            (
                prop::option::weighted(0.8, 0usize..7),
                0u16..SPAN as u16,
                0u8..4,
                any::<bool>(),
                prop::bool::weighted(0.3),
            ),
            0..10,
        ),
        prop::collection::vec(
            (
                0usize..7,
                0u16..SPAN as u16,
                0u8..3,
                prop::option::of(0u8..3),
            ),
            0..10,
        ),
    )
}

/// Customer `c` of `b`, or (for the last index) one the ledger does not know.
fn owner(b: &Built, c: usize) -> String {
    if c == 6 {
        "stranger".to_string()
    } else {
        format!("c{}", c % b.customers.len())
    }
}

fn cost_records(b: &Built, (costs, hours): &GenCosts) -> (Vec<Cost>, Vec<TimeEntry>) {
    let amounts = [dec!(0), dec!(12.5), dec!(99.99), dec!(4000)];
    let costs = costs
        .iter()
        .enumerate()
        .map(|(i, &(c, day, amount, cos, euro))| Cost {
            id: format!("k{i}"),
            date: at(day, 6),
            amount: amounts[amount as usize],
            currency: if euro {
                Currency::parse("EUR").unwrap()
            } else {
                Currency::USD
            },
            category: "hosting".into(),
            customer_id: c.map(|c| owner(b, c)),
            cost_of_service: cos,
            description: None,
            // Every third line pays for 30 days of service around its day.
            service_from: (i % 3 == 1).then(|| at(day.saturating_sub(5), 0)),
            service_to: (i % 3 == 1).then(|| at(day.saturating_add(24), 0)),
            attributes: Default::default(),
        })
        .collect();
    let hours = hours
        .iter()
        .enumerate()
        .map(|(i, &(c, day, h, rate))| TimeEntry {
            id: format!("t{i}"),
            customer_id: owner(b, c),
            date: at(day, 13),
            hours: [dec!(0.5), dec!(2), dec!(7.25)][h as usize],
            person: "pat".into(),
            cost_rate: rate.map(|r| [dec!(0), dec!(40), dec!(33.333)][r as usize]),
            billable: None,
            attributes: Default::default(),
        })
        .collect();
    (costs, hours)
}

/// Every billing figure of `l`, printed exactly (scale included).
fn billing_snapshot(l: &Ledger, invoices: &[Invoice]) -> Vec<String> {
    let mut out = Vec::new();
    for (a, len) in [(0, 400), (30, 90), (200, 0), (350, 200), (0, 0)] {
        let p = period_from(a, len);
        for mask in 0..8 {
            let f = segment_filter(mask);
            out.push(format!(
                "{a}+{len} {mask}: revenue {} ar {:?} dso {:?} cost {} margin {:?}",
                l.revenue(p, &f),
                l.ar_aging(p.to, &f),
                l.dso(p, &f),
                l.cost_of_service(p, &f),
                l.gross_margin(p, &f)
            ));
            out.push(format!("{:?}", l.client_profitability(p, &f)));
            out.push(format!("{:?}", l.overdue_invoices(p.to, &f)));
        }
        for i in invoices {
            out.push(format!("{} {:?}", i.id, l.open_balance(&i.id, p.to)));
        }
    }
    out.push(format!("{}", l.has_cost_data()));
    let mut w: Vec<_> = l
        .billing_warnings()
        .iter()
        .map(|w| format!("{w:?}"))
        .collect();
    w.sort();
    out.extend(w);
    out
}

/// Checks the indexed billing figures of `l` against straightforward sums.
fn check_against_reference(l: &Ledger) -> Result<(), TestCaseError> {
    for (a, len) in [(0, 400), (30, 90), (200, 0), (350, 200), (100, 31)] {
        let p = period_from(a, len);
        for mask in 0..8 {
            let f = segment_filter(mask);
            prop_assert_eq!(
                l.revenue(p, &f).to_string(),
                l.revenue_reference(p, &f).to_string()
            );
            prop_assert_eq!(
                l.cost_of_service(p, &f).to_string(),
                l.cost_of_service_reference(p, &f).to_string()
            );
            let (x, y) = (l.ar_aging(p.to, &f), l.ar_aging_reference(p.to, &f));
            prop_assert_eq!(format!("{x:?}"), format!("{y:?}"));
            prop_assert_eq!(x, y);
        }
    }
    prop_assert_eq!(l.has_cost_data(), l.has_cost_data_reference());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn indexed_billing_equals_the_reference_and_updates_equal_a_rebuild(
        h in gen_history(),
        inv in gen_invoices(),
        gc in gen_costs(),
        splits in (0usize..16, 0usize..40, 0usize..10, 0usize..10),
        picks in (0usize..16, 0usize..40, 0usize..16, 0usize..10, 0usize..10, 0usize..7),
        delinquency in prop::option::of(0u32..40),
    ) {
        let b = build(&h);
        let (mut invoices, mut payments) = billing_records(&b, &inv);
        let (mut costs, mut hours) = cost_records(&b, &gc);
        if let Some(first) = invoices.first_mut() {
            first.customer_id = "stranger".into();
        }
        let settings = TenantSettings { delinquency_days: delinquency, ..b.settings };
        let (si, sp, sc, st) = (
            splits.0.min(invoices.len()),
            splits.1.min(payments.len()),
            splits.2.min(costs.len()),
            splits.3.min(hours.len()),
        );
        let mut l = Ledger::new(settings, Records {
            customers: &b.customers,
            subscription_events: &b.events,
            fx_rates: &b.rates,
            invoices: &invoices[..si],
            payments: &payments[..sp],
            costs: &costs[..sc],
            time_entries: &hours[..st],
        });
        // Build the index, then let the rest arrive in batches.
        check_against_reference(&l)?;
        for chunk in payments[sp..].chunks(3) {
            l.upsert_payments(chunk);
        }
        for chunk in invoices[si..].chunks(2) {
            l.upsert_invoices(chunk);
        }
        l.upsert_costs(&costs[sc..]);
        l.upsert_time_entries(&hours[st..]);
        check_against_reference(&l)?;
        let (moved_inv, moved_pay, gone_inv, moved_cost, moved_hours, customer) = picks;
        if !invoices.is_empty() {
            let k = moved_inv % invoices.len();
            invoices[k].customer_id = owner(&b, customer);
            invoices[k].issued_at = at(150, 6);
            invoices[k].due_at = at(200, 6);
            l.upsert_invoices(std::slice::from_ref(&invoices[k]));
            if !payments.is_empty() {
                let j = moved_pay % payments.len();
                payments[j].invoice_id = invoices[gone_inv % invoices.len()].id.clone();
                payments[j].amount += dec!(1);
                l.upsert_payments(std::slice::from_ref(&payments[j]));
                let gone = payments.remove((moved_pay + 1) % payments.len());
                l.remove_payments([gone.id.as_str()]);
            }
            let gone = invoices.remove(gone_inv % invoices.len());
            l.remove_invoices([gone.id.as_str()]);
        }
        if !costs.is_empty() {
            let k = moved_cost % costs.len();
            costs[k].customer_id = match costs[k].customer_id {
                Some(_) => None,
                None => Some(owner(&b, customer)),
            };
            costs[k].amount += dec!(3);
            l.upsert_costs(std::slice::from_ref(&costs[k]));
            let gone = costs.remove((moved_cost + 1) % costs.len());
            l.remove_costs([gone.id.as_str()]);
        }
        if !hours.is_empty() {
            let k = moved_hours % hours.len();
            hours[k].customer_id = owner(&b, customer);
            hours[k].cost_rate = None;
            l.upsert_time_entries(std::slice::from_ref(&hours[k]));
            let gone = hours.remove((moved_hours + 1) % hours.len());
            l.remove_time_entries([gone.id.as_str()]);
        }
        check_against_reference(&l)?;
        let rebuilt = Ledger::new(settings, Records {
            customers: &b.customers,
            subscription_events: &b.events,
            fx_rates: &b.rates,
            invoices: &invoices,
            payments: &payments,
            costs: &costs,
            time_entries: &hours,
        });
        prop_assert_eq!(billing_snapshot(&l, &invoices), billing_snapshot(&rebuilt, &invoices));
    }
}
