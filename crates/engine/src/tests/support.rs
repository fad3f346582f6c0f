//! Builders for hand-written histories.

use crate::{Filter, Ledger, Period, Records, TenantSettings};
use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::records::{
    Cost, Customer, FxRate, Invoice, InvoiceStatus, Payment, PaymentStatus, SubscriptionEvent,
    SubscriptionEventType, SubscriptionState, TimeEntry,
};
use quarterdeck_domain::{BillingInterval, Currency, TimePoint};
use rust_decimal::Decimal;

/// A calendar date from `YYYY-MM-DD`.
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The period `from..=to`.
pub fn period(from: &str, to: &str) -> Period {
    Period::new(d(from), d(to)).unwrap()
}

/// Every customer.
pub fn all() -> Filter {
    Filter::all()
}

/// A customer with a segment, CSM and region.
pub fn customer(id: &str, segment: &str) -> Customer {
    Customer {
        id: id.into(),
        name: format!("Customer {id}"),
        segment: Some(segment.into()),
        csm: Some("ana".into()),
        region: Some("emea".into()),
        country: None,
        created_at: None,
        user_type: None,
        attributes: Default::default(),
    }
}

/// An exchange rate into the reporting currency.
pub fn fx(date: &str, code: &str, rate: Decimal) -> FxRate {
    FxRate {
        date: TimePoint::parse(date).unwrap(),
        currency: Currency::parse(code).unwrap(),
        rate,
    }
}

/// A subscription event under construction.
#[derive(Clone)]
pub struct Ev(pub SubscriptionEvent);

fn event(kind: SubscriptionEventType, id: &str, customer: &str, sub: &str, at: &str) -> Ev {
    let state = (kind != SubscriptionEventType::Cancel).then_some(SubscriptionState {
        amount: Decimal::ZERO,
        currency: None,
        interval: BillingInterval::Month,
        interval_count: 1,
        quantity: Decimal::ONE,
        discount: Decimal::ZERO,
    });
    Ev(SubscriptionEvent {
        id: id.into(),
        customer_id: customer.into(),
        subscription_id: sub.into(),
        kind,
        effective_at: TimePoint::parse(at).unwrap(),
        plan: None,
        state,
        trial_ends_at: None,
        attributes: Default::default(),
    })
}

/// A `start` of `amount` per month.
pub fn start(id: &str, customer: &str, sub: &str, at: &str, amount: Decimal) -> Ev {
    event(SubscriptionEventType::Start, id, customer, sub, at).amount(amount)
}

/// A `change` to `amount` per month.
pub fn change(id: &str, customer: &str, sub: &str, at: &str, amount: Decimal) -> Ev {
    event(SubscriptionEventType::Change, id, customer, sub, at).amount(amount)
}

/// A `cancel` taking effect at `at`.
pub fn cancel(id: &str, customer: &str, sub: &str, at: &str) -> SubscriptionEvent {
    event(SubscriptionEventType::Cancel, id, customer, sub, at).0
}

impl Ev {
    fn state(&mut self) -> &mut SubscriptionState {
        self.0.state.as_mut().unwrap()
    }
    /// Sets the unit amount.
    pub fn amount(mut self, amount: Decimal) -> Self {
        self.state().amount = amount;
        self
    }
    /// Bills every `count` `interval`s.
    pub fn every(mut self, count: u32, interval: BillingInterval) -> Self {
        self.state().interval = interval;
        self.state().interval_count = count;
        self
    }
    /// Sets the quantity.
    pub fn quantity(mut self, q: Decimal) -> Self {
        self.state().quantity = q;
        self
    }
    /// Sets the discount per period.
    pub fn discount(mut self, x: Decimal) -> Self {
        self.state().discount = x;
        self
    }
    /// Bills in another currency.
    pub fn currency(mut self, code: &str) -> Self {
        self.state().currency = Some(Currency::parse(code).unwrap());
        self
    }
    /// Sets the plan.
    pub fn plan(mut self, plan: &str) -> Self {
        self.0.plan = Some(plan.into());
        self
    }
    /// Sets the end of the trial.
    pub fn trial_until(mut self, at: &str) -> Self {
        self.0.trial_ends_at = Some(TimePoint::parse(at).unwrap());
        self
    }
    /// The finished event.
    pub fn ev(self) -> SubscriptionEvent {
        self.0
    }
}

/// A USD / UTC ledger of `events` (customers created without attributes).
pub fn ledger(events: &[SubscriptionEvent]) -> Ledger {
    Ledger::new(
        TenantSettings::default(),
        Records {
            subscription_events: events,
            ..Records::default()
        },
    )
}

/// A ledger with custom settings, customers and rates.
pub fn ledger_with(
    tz: Tz,
    customers: &[Customer],
    events: &[SubscriptionEvent],
    rates: &[FxRate],
) -> Ledger {
    let settings = TenantSettings {
        time_zone: tz,
        ..TenantSettings::default()
    };
    Ledger::new(
        settings,
        Records {
            customers,
            subscription_events: events,
            fx_rates: rates,
            ..Records::default()
        },
    )
}

/// An invoice of `amount` ex tax in USD, issued and due on the given dates (status open).
pub fn invoice(id: &str, customer: &str, issued: &str, due: &str, amount: Decimal) -> Invoice {
    Invoice {
        id: id.into(),
        customer_id: customer.into(),
        issued_at: TimePoint::parse(issued).unwrap(),
        due_at: TimePoint::parse(due).unwrap(),
        currency: Currency::USD,
        amount,
        tax: Decimal::ZERO,
        credits: Decimal::ZERO,
        status: Some(InvoiceStatus::Open),
        lines: Vec::new(),
        attributes: Default::default(),
    }
}

/// A payment (or, negative with `PaymentStatus::Refunded`, a refund) in the invoice's currency.
pub fn payment(
    id: &str,
    invoice: &str,
    at: &str,
    amount: Decimal,
    status: PaymentStatus,
) -> Payment {
    Payment {
        id: id.into(),
        invoice_id: invoice.into(),
        paid_at: TimePoint::parse(at).unwrap(),
        amount,
        currency: None,
        status,
        attributes: Default::default(),
    }
}

/// A USD cost line.
pub fn cost(
    id: &str,
    customer: Option<&str>,
    at: &str,
    amount: Decimal,
    cost_of_service: bool,
) -> Cost {
    Cost {
        id: id.into(),
        date: TimePoint::parse(at).unwrap(),
        amount,
        currency: Currency::USD,
        category: "hosting".into(),
        customer_id: customer.map(Into::into),
        cost_of_service,
        description: None,
        service_from: None,
        service_to: None,
        attributes: Default::default(),
    }
}

/// A time entry of `hours` at `cost_rate` per hour.
pub fn hours(
    id: &str,
    customer: &str,
    at: &str,
    hours: Decimal,
    cost_rate: Option<Decimal>,
) -> TimeEntry {
    TimeEntry {
        id: id.into(),
        customer_id: customer.into(),
        date: TimePoint::parse(at).unwrap(),
        hours,
        person: "pat".into(),
        cost_rate,
        billable: None,
        attributes: Default::default(),
    }
}

/// A USD / UTC ledger of billing records (plus customers, rates and events).
pub fn billing_ledger(
    customers: &[Customer],
    events: &[SubscriptionEvent],
    invoices: &[Invoice],
    payments: &[Payment],
    costs: &[Cost],
    time_entries: &[TimeEntry],
    rates: &[FxRate],
) -> Ledger {
    Ledger::new(
        TenantSettings::default(),
        Records {
            customers,
            subscription_events: events,
            fx_rates: rates,
            invoices,
            payments,
            costs,
            time_entries,
        },
    )
}
