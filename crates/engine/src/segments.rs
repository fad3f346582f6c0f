//! What the segments view reads besides the shared metrics: tickets opened
//! in a period and time to value (docs/metric-choices.md, Segments).

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::period::Period;
use crate::signals::dated_in;
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

impl Ledger {
    /// Tickets opened in `period` by the customers `filter` covers.
    pub fn tickets_opened(&self, period: Period, filter: &Filter) -> u64 {
        self.covered_slots(filter)
            .filter_map(|(slot, _)| self.signals().of(self.entry(slot).0))
            .map(|s| dated_in(&s.tickets, |t| t.0, period.from, period.to).len() as u64)
            .sum()
    }

    /// Time to value: the median number of days from a customer's first paid
    /// day to its first usage event on or after it, over the customers
    /// `filter` covers who first paid in the twelve months ending `to` —
    /// and not before the tenant's usage data starts, which would read the
    /// start of the data as a first use — and have such an event by `to`;
    /// `None` when none has.
    pub fn time_to_value(&self, to: NaiveDate, filter: &Filter) -> Option<Decimal> {
        let usage_starts = self.signals().first_usage?;
        let from = to
            .checked_sub_days(Days::new(364))
            .unwrap_or(to)
            .max(usage_starts);
        let mut days: Vec<i64> = self
            .covered_slots(filter)
            .filter_map(|(slot, t)| {
                let paid = t.first_paid().filter(|d| (from..=to).contains(d))?;
                let usage = &self.signals().of(self.entry(slot).0)?.usage;
                let first = dated_in(usage, |u| u.0, paid, to).first()?.0;
                Some((first - paid).num_days())
            })
            .collect();
        crate::money::median(&mut days)
    }
}
