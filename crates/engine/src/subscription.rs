//! From a customer's subscription events to its MRR timeline.

use crate::fx::{FxTable, RateLookup};
use crate::money::{max_monthly_value, quantize};
use crate::timeline::Timeline;
pub use crate::warnings::{Warning, WarningKind};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{SubscriptionEvent, SubscriptionEventType, SubscriptionState};
use rust_decimal::Decimal;

/// A subscription event reduced to what the engine needs, with its tenant-local day.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredEvent {
    pub id: String,
    pub subscription_id: String,
    pub kind: SubscriptionEventType,
    pub at: DateTime<Utc>,
    pub day: NaiveDate,
    pub plan: Option<String>,
    pub state: Option<SubscriptionState>,
    pub trial_end: Option<NaiveDate>,
}

impl StoredEvent {
    /// Reads an event in the tenant's time zone.
    pub fn new(e: &SubscriptionEvent, tz: Tz) -> Self {
        Self {
            id: e.id.clone(),
            subscription_id: e.subscription_id.clone(),
            kind: e.kind,
            at: e.effective_at.instant(tz),
            day: e.effective_at.local_date(tz),
            plan: e.plan.clone(),
            state: e.state.clone(),
            trial_end: e.trial_ends_at.map(|t| t.local_date(tz)),
        }
    }
}

/// Builds a customer's timeline from all its events (any order), noting warnings.
pub(crate) fn customer_timeline(
    customer_id: &str,
    events: &[StoredEvent],
    fx: &FxTable,
    warnings: &mut Vec<Warning>,
) -> Timeline {
    let order = by_subscription(events.iter());
    // Each subscription's steps, tagged with its index, then merged into one sum.
    let mut steps: Vec<(NaiveDate, usize, Decimal)> = Vec::new();
    let mut subscriptions = 0;
    for group in order.chunk_by(|a, b| a.subscription_id == b.subscription_id) {
        for (day, value) in subscription_steps(customer_id, group, fx, warnings) {
            steps.push((day, subscriptions, value));
        }
        subscriptions += 1;
    }
    steps.sort_by_key(|s| (s.0, s.1));
    let mut current = vec![Decimal::ZERO; subscriptions];
    let mut total = Decimal::ZERO;
    let sums = steps.into_iter().map(|(day, sub, value)| {
        // Fixed-scale values make this running sum exact (see money::INTERNAL_SCALE).
        total = total - current[sub] + value;
        current[sub] = value;
        (day, total)
    });
    Timeline::from_sorted_steps(sums.collect::<Vec<_>>())
}

/// The monthly value of one subscription from each day on, for its events in order.
fn subscription_steps(
    customer_id: &str,
    events: &[&StoredEvent],
    fx: &FxTable,
    warnings: &mut Vec<Warning>,
) -> Vec<(NaiveDate, Decimal)> {
    // The value can change only on an event's day or on a trial's last day.
    let mut days: Vec<NaiveDate> = events
        .iter()
        .map(|e| e.day)
        .chain(events.iter().filter_map(|e| e.trial_end))
        .collect();
    days.sort_unstable();
    days.dedup();

    let mut out = Vec::new();
    let (mut value, mut active, mut trial_end) = (Decimal::ZERO, false, None);
    let mut next = 0;
    for day in days {
        while let Some(e) = events.get(next).filter(|e| e.day <= day) {
            match (e.kind, &e.state) {
                (SubscriptionEventType::Cancel, _) | (_, None) => {
                    (value, active, trial_end) = (Decimal::ZERO, false, None);
                }
                (kind, Some(state)) => {
                    value = converted_value(customer_id, e, state, fx, warnings);
                    // A change without its own trial end keeps a running trial.
                    trial_end = match kind {
                        SubscriptionEventType::Start => e.trial_end,
                        _ => e.trial_end.or(trial_end),
                    };
                    active = true;
                }
            }
            next += 1;
        }
        // Counts from the end of its trial: paying at the end of the trial's last day.
        let counts = active && trial_end.is_none_or(|t| day >= t);
        out.push((day, if counts { value } else { Decimal::ZERO }));
    }
    out
}

/// The event's monthly value in the reporting currency at the rate of its day.
fn converted_value(
    customer_id: &str,
    e: &StoredEvent,
    state: &SubscriptionState,
    fx: &FxTable,
    warnings: &mut Vec<Warning>,
) -> Decimal {
    let mut warn = |kind| {
        warnings.push(Warning {
            customer_id: customer_id.to_string(),
            event_id: e.id.clone(),
            kind,
        })
    };
    let own = state
        .amount
        .checked_mul(state.quantity)
        .and_then(|gross| gross.checked_sub(state.discount))
        .map(|net| state.interval.monthly(net, state.interval_count.max(1)));
    let rate = match fx.lookup(state.currency, e.day) {
        RateLookup::InForce(r) => r,
        RateLookup::Later(r, rate_date) => {
            let currency = state.currency.unwrap_or(Currency::USD);
            warn(WarningKind::FxRateFromLaterDate {
                currency,
                rate_date,
            });
            r
        }
        RateLookup::Missing => {
            let currency = state.currency.unwrap_or(Currency::USD);
            warn(WarningKind::NoFxRate { currency });
            return Decimal::ZERO;
        }
    };
    match own.and_then(|v| v.checked_mul(rate)) {
        Some(v) if v.abs() <= max_monthly_value() => quantize(v.max(Decimal::ZERO)),
        _ => {
            warn(WarningKind::AmountOutOfRange);
            Decimal::ZERO
        }
    }
}

/// One subscription's state on a day, for account lists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SubscriptionOnDay {
    pub subscription_id: String,
    /// Monthly value on the day in the reporting currency (0 in a trial or on a free plan).
    pub value: Decimal,
    /// Started and not cancelled (trials and free plans included).
    pub active: bool,
    /// The latest plan named by its events up to the day.
    pub plan: Option<String>,
    /// For an active subscription billed per quarter, half-year or year: its
    /// first term end after the day (metrics.md, Pipelines: start + k × term).
    pub next_term_end: Option<NaiveDate>,
}

/// The first term end after `day` of a subscription started on `start` and
/// billed per quarter, half-year or year; `None` for shorter billing periods.
pub(crate) fn next_term_end(
    start: NaiveDate,
    state: &SubscriptionState,
    day: NaiveDate,
) -> Option<NaiveDate> {
    use chrono::Datelike;
    let term = term_months(state)?;
    // Whole terms already over by `day`, then the next one.
    let months_in = (day.year() - start.year()) * 12 + day.month() as i32 - start.month() as i32;
    let mut k = (months_in.max(0) as u32 / term).max(1);
    loop {
        let end = start.checked_add_months(chrono::Months::new(term.checked_mul(k)?))?;
        if end > day {
            return Some(end);
        }
        k += 1;
    }
}

/// Events in subscription id order, each subscription's in effective order,
/// ties by id (metrics choice, docs): ready for `chunk_by` on the id.
fn by_subscription<'a>(events: impl Iterator<Item = &'a StoredEvent>) -> Vec<&'a StoredEvent> {
    let mut order: Vec<&StoredEvent> = events.collect();
    order.sort_by(|a, b| {
        (a.subscription_id.as_str(), a.at, a.id.as_str()).cmp(&(
            b.subscription_id.as_str(),
            b.at,
            b.id.as_str(),
        ))
    });
    order
}

/// The day a subscription started: its `start` event's, else its first event's.
fn start_day(group: &[&StoredEvent]) -> NaiveDate {
    group
        .iter()
        .find(|e| e.kind == SubscriptionEventType::Start)
        .map_or(group[0].day, |e| e.day)
}

/// The state on `day` of each of a customer's subscriptions, in subscription id order.
pub(crate) fn subscriptions_on(
    customer_id: &str,
    events: &[StoredEvent],
    fx: &FxTable,
    day: NaiveDate,
) -> Vec<SubscriptionOnDay> {
    let order = by_subscription(events.iter().filter(|e| e.day <= day));
    let mut ignored = Vec::new();
    order
        .chunk_by(|a, b| a.subscription_id == b.subscription_id)
        .map(|group| {
            let steps = subscription_steps(customer_id, group, fx, &mut ignored);
            let value = steps
                .iter()
                .rev()
                .find(|s| s.0 <= day)
                .map_or(Decimal::ZERO, |s| s.1);
            let last = group.last().expect("chunks are not empty");
            let active = last.kind != SubscriptionEventType::Cancel && last.state.is_some();
            let start = start_day(group);
            SubscriptionOnDay {
                subscription_id: last.subscription_id.clone(),
                value,
                active,
                plan: group.iter().rev().find_map(|e| e.plan.clone()),
                next_term_end: last
                    .state
                    .as_ref()
                    .filter(|_| active)
                    .and_then(|s| next_term_end(start, s, day)),
            }
        })
        .collect()
}

/// One subscription's history as renewals read it.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionTerms {
    pub subscription_id: String,
    /// The day it started (its first `start` event, else its first event).
    pub start: NaiveDate,
    /// (day, monthly value from that day), every event, past and scheduled.
    pub steps: Vec<(NaiveDate, Decimal)>,
    /// (day, state) of each event that sets one, in order.
    pub states: Vec<(NaiveDate, SubscriptionState)>,
}

impl SubscriptionTerms {
    /// Its monthly value on `day`.
    pub fn value_on(&self, day: NaiveDate) -> Decimal {
        let i = self.steps.partition_point(|s| s.0 <= day);
        if i == 0 {
            Decimal::ZERO
        } else {
            self.steps[i - 1].1
        }
    }

    /// The state in force on `day`.
    pub fn state_on(&self, day: NaiveDate) -> Option<&SubscriptionState> {
        let i = self.states.partition_point(|s| s.0 <= day);
        (i > 0).then(|| &self.states[i - 1].1)
    }
}

/// Every subscription of a customer with its whole history.
pub(crate) fn subscription_terms(
    customer_id: &str,
    events: &[StoredEvent],
    fx: &FxTable,
) -> Vec<SubscriptionTerms> {
    let order = by_subscription(events.iter());
    let mut ignored = Vec::new();
    order
        .chunk_by(|a, b| a.subscription_id == b.subscription_id)
        .map(|group| SubscriptionTerms {
            subscription_id: group[0].subscription_id.clone(),
            start: start_day(group),
            steps: subscription_steps(customer_id, group, fx, &mut ignored),
            states: group
                .iter()
                .filter_map(|e| e.state.clone().map(|s| (e.day, s)))
                .collect(),
        })
        .collect()
}

/// Months in one term of a subscription billed per quarter, half-year or
/// year (`None` for shorter billing).
pub(crate) fn term_months(state: &SubscriptionState) -> Option<u32> {
    use quarterdeck_domain::BillingInterval as I;
    let unit = match state.interval {
        I::Quarter => 3,
        I::HalfYear => 6,
        I::Year => 12,
        _ => return None,
    };
    Some(unit * state.interval_count.max(1))
}

#[cfg(test)]
mod term_tests {
    use super::*;
    use quarterdeck_domain::BillingInterval;

    fn state(interval: BillingInterval, count: u32) -> SubscriptionState {
        SubscriptionState {
            amount: Decimal::ONE,
            currency: None,
            interval,
            interval_count: count,
            quantity: Decimal::ONE,
            discount: Decimal::ZERO,
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn term_ends_follow_the_start_by_whole_terms() {
        let year = state(BillingInterval::Year, 1);
        assert_eq!(
            next_term_end(d("2025-01-15"), &year, d("2026-01-10")),
            Some(d("2026-01-15"))
        );
        assert_eq!(
            next_term_end(d("2025-01-15"), &year, d("2026-01-15")),
            Some(d("2027-01-15"))
        );
        assert_eq!(
            next_term_end(d("2025-01-15"), &year, d("2025-01-15")),
            Some(d("2026-01-15"))
        );
        let two_quarters = state(BillingInterval::Quarter, 2);
        assert_eq!(
            next_term_end(d("2024-08-31"), &two_quarters, d("2026-12-03")),
            Some(d("2027-02-28"))
        );
        // Monthly and shorter billing has no renewal.
        assert_eq!(
            next_term_end(
                d("2025-01-15"),
                &state(BillingInterval::Month, 1),
                d("2026-01-10")
            ),
            None
        );
    }
}
