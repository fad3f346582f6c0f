//! Builders for hand-written histories.

use crate::{Filter, Ledger, Period, Records, TenantSettings};
use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::records::{
    Customer, FxRate, SubscriptionEvent, SubscriptionEventType, SubscriptionState,
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
