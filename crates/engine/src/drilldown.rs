//! Drill-down: which customers make up a movement, the account list, and one
//! customer's MRR history and movements.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::money::{fixed, unfixed};
use crate::movements::{MovementKind, classify};
use crate::period::{Grain, Period};
use crate::subscription::subscriptions_on;
use crate::timeline::{TimelineRef, is_paying};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// One row of the account list on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    /// The customer.
    pub customer_id: String,
    /// Its name (`None` for a customer known only from subscription events).
    pub name: Option<String>,
    /// Its segment.
    pub segment: Option<String>,
    /// Its customer success manager.
    pub csm: Option<String>,
    /// Its region.
    pub region: Option<String>,
    /// The current plan of its largest active subscription on the day, if any.
    pub plan: Option<String>,
    /// MRR_c on the day.
    pub mrr: Decimal,
    /// 12 × MRR_c.
    pub arr: Decimal,
}

/// The movements of one customer's timeline on the days of `period`, in day order.
fn movements_in(
    t: TimelineRef<'_>,
    period: Period,
) -> impl Iterator<Item = (NaiveDate, MovementKind, Decimal)> {
    let points = t.points();
    let mut i = t.index_after(period.start_state_day());
    let mut previous = if i == 0 {
        Decimal::ZERO
    } else {
        points[i - 1].1
    };
    std::iter::from_fn(move || {
        while let Some(&(day, value)) = points.get(i).filter(|p| p.0 <= period.to) {
            i += 1;
            let paid_before = t.first_paid().is_some_and(|f| f < day);
            let m = classify(previous, value, paid_before);
            previous = value;
            if let Some((kind, amount)) = m {
                return Some((day, kind, amount));
            }
        }
        None
    })
}

impl Ledger {
    /// The customers whose movements of `kind` fall in `period`, with their summed
    /// amounts, largest first (then by id). The amounts sum exactly to the
    /// period's movement total of that kind.
    pub fn movement_contributors(
        &self,
        period: Period,
        kind: MovementKind,
        filter: &Filter,
    ) -> Vec<(String, Decimal)> {
        self.movement_contributors_dated(period, kind, filter)
            .into_iter()
            .map(|(id, amount, _)| (id, amount))
            .collect()
    }

    /// `movement_contributors` with the day of each customer's latest movement
    /// of the kind in the period (for drill-down lists).
    pub fn movement_contributors_dated(
        &self,
        period: Period,
        kind: MovementKind,
        filter: &Filter,
    ) -> Vec<(String, Decimal, NaiveDate)> {
        let mut out: Vec<(String, Decimal, NaiveDate)> = self
            .covered_slots(filter)
            .filter_map(|(slot, t)| {
                let mut last = None;
                let sum: i128 = movements_in(t, period)
                    .filter(|m| m.1 == kind)
                    .map(|m| {
                        last = Some(m.0);
                        fixed(m.2)
                    })
                    .sum();
                last.map(|day| (self.entry(slot).0.to_string(), unfixed(sum, true), day))
            })
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// The account list on `day`: every covered customer with a customer record
    /// (MRR 0 included) or with MRR on the day, by MRR descending, then id.
    pub fn accounts(&self, day: NaiveDate, filter: &Filter) -> Vec<AccountRow> {
        self.account_rows(day, filter, true)
    }

    /// `accounts` with every `plan` left `None`: finding a plan replays the
    /// customer's events, so a listing that shows one page fills in only the
    /// page's plans (`plan_on`).
    pub fn accounts_without_plans(&self, day: NaiveDate, filter: &Filter) -> Vec<AccountRow> {
        self.account_rows(day, filter, false)
    }

    /// One account on `day` (with its plan), if the customer is known.
    pub fn account(&self, customer_id: &str, day: NaiveDate) -> Option<AccountRow> {
        let slot = self.slot_of(customer_id)?;
        let t = self.timeline(customer_id)?;
        self.account_row(slot, t, day, true)
    }

    /// The plan of the customer's largest active subscription on `day`.
    pub fn plan_on(&self, customer_id: &str, day: NaiveDate) -> Option<String> {
        let slot = self.slot_of(customer_id)?;
        let (id, _, events) = self.entry(slot);
        self.largest_plan(id, events, day)
    }

    /// One customer's subscriptions on `day`: (subscription id, plan, monthly
    /// value in the reporting currency, active), in subscription id order.
    pub fn customer_subscriptions(
        &self,
        customer_id: &str,
        day: NaiveDate,
    ) -> Vec<(String, Option<String>, Decimal, bool)> {
        let Some(slot) = self.slot_of(customer_id) else {
            return Vec::new();
        };
        let (id, _, events) = self.entry(slot);
        subscriptions_on(id, events, self.fx_table(), day)
            .into_iter()
            .map(|s| (s.subscription_id, s.plan, s.value, s.active))
            .collect()
    }

    /// The customer's next renewal after `day`: the earliest next term end of
    /// its active subscriptions billed per quarter, half-year or year.
    pub fn next_renewal(&self, customer_id: &str, day: NaiveDate) -> Option<NaiveDate> {
        let slot = self.slot_of(customer_id)?;
        let (id, _, events) = self.entry(slot);
        subscriptions_on(id, events, self.fx_table(), day)
            .into_iter()
            .filter_map(|s| s.next_term_end)
            .min()
    }

    /// Exchange-rate impact on `day`: MRR of the covered customers' foreign-currency
    /// subscriptions converted at the rates of `day`, minus the same MRR at the
    /// rates of each price's effective date (how MRR is booked, metrics.md).
    /// Positive when the reporting currency weakened. Never part of movements.
    pub fn fx_impact(&self, day: NaiveDate, filter: &Filter) -> Decimal {
        use crate::fx::RateLookup;
        let fx = self.fx_table();
        let rate = |l: RateLookup| match l {
            RateLookup::InForce(r) | RateLookup::Later(r, _) => Some(r),
            RateLookup::Missing => None,
        };
        let mut total = Decimal::ZERO;
        for (slot, _) in self.covered_slots(filter) {
            let (id, _, events) = self.entry(slot);
            if !events
                .iter()
                .any(|e| e.state.as_ref().is_some_and(|s| s.currency.is_some()))
            {
                continue;
            }
            for sub in subscriptions_on(id, events, fx, day) {
                if !sub.active || sub.value.is_zero() {
                    continue;
                }
                let priced = events
                    .iter()
                    .filter(|e| e.subscription_id == sub.subscription_id && e.day <= day)
                    .filter(|e| e.state.is_some())
                    .max_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
                let Some(e) = priced else { continue };
                let Some(currency) = e.state.as_ref().and_then(|s| s.currency) else {
                    continue;
                };
                let (Some(booked), Some(now)) = (
                    rate(fx.lookup(Some(currency), e.day)),
                    rate(fx.lookup(Some(currency), day)),
                ) else {
                    continue;
                };
                if !booked.is_zero() {
                    total += sub.value * now / booked - sub.value;
                }
            }
        }
        crate::money::round_money(total)
    }

    fn account_rows(&self, day: NaiveDate, filter: &Filter, plans: bool) -> Vec<AccountRow> {
        let mut out: Vec<AccountRow> = self
            .covered_slots(filter)
            .filter_map(|(slot, t)| self.account_row(slot, t, day, plans))
            .collect();
        out.sort_by(|a, b| {
            b.mrr
                .cmp(&a.mrr)
                .then_with(|| a.customer_id.cmp(&b.customer_id))
        });
        out
    }

    fn account_row(
        &self,
        slot: usize,
        t: TimelineRef<'_>,
        day: NaiveDate,
        plans: bool,
    ) -> Option<AccountRow> {
        let (id, info, events) = self.entry(slot);
        let mrr = t.value_on(day);
        if info.is_none() && !is_paying(mrr) {
            return None;
        }
        Some(AccountRow {
            customer_id: id.to_string(),
            name: info.map(|i| i.name.clone()),
            segment: info.and_then(|i| i.segment.clone()),
            csm: info.and_then(|i| i.csm.clone()),
            region: info.and_then(|i| i.region.clone()),
            plan: if plans {
                self.largest_plan(id, events, day)
            } else {
                None
            },
            mrr,
            arr: mrr * Decimal::from(12),
        })
    }

    fn largest_plan(
        &self,
        id: &str,
        events: &[crate::subscription::StoredEvent],
        day: NaiveDate,
    ) -> Option<String> {
        let subs = subscriptions_on(id, events, self.fx_table(), day);
        // Largest by monthly value; ties go to the first subscription id.
        subs.iter()
            .filter(|s| s.active)
            .fold(
                None,
                |best: Option<&crate::subscription::SubscriptionOnDay>, s| match best {
                    Some(b) if b.value >= s.value => Some(b),
                    _ => Some(s),
                },
            )
            .and_then(|s| s.plan.clone())
    }

    /// One customer's MRR at the end of each `grain` bucket of `period` (buckets
    /// clipped to the period, so the last is measured on `period.to`); empty for
    /// an unknown customer.
    pub fn customer_mrr_history(
        &self,
        customer_id: &str,
        period: Period,
        grain: Grain,
    ) -> Vec<(NaiveDate, Decimal)> {
        let Some(t) = self.timeline(customer_id) else {
            return Vec::new();
        };
        grain
            .buckets(period, self.settings().fiscal_start())
            .into_iter()
            .map(|b| (b.period.to, t.value_on(b.period.to)))
            .collect()
    }

    /// One customer's movements on the days of `period`, in day order (at most one per day).
    pub fn customer_movements(
        &self,
        customer_id: &str,
        period: Period,
    ) -> Vec<(NaiveDate, MovementKind, Decimal)> {
        self.slot_of(customer_id)
            .and_then(|_| self.timeline(customer_id))
            .map(|t| movements_in(t, period).collect())
            .unwrap_or_default()
    }
}
