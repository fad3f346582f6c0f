//! Which days' health scores a change of records can move, so a cache of
//! scores by day keeps the days before it. A score on day D reads only
//! records dated on or before D (no look-ahead), so a change whose records
//! — as sent and as they were before — are all dated after D leaves D's
//! scores as they were.

use crate::ledger::Ledger;
use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::{AnyRecord, Collection};

/// The days a change can move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// No score (opportunities, save plays).
    Nothing,
    /// Scores on this day and after.
    From(NaiveDate),
    /// Every score (customers' segments, exchange rates).
    Everything,
}

impl Reach {
    /// Both reaches together.
    pub fn and(self, other: Reach) -> Reach {
        match (self, other) {
            (Reach::Everything, _) | (_, Reach::Everything) => Reach::Everything,
            (Reach::Nothing, r) | (r, Reach::Nothing) => r,
            (Reach::From(a), Reach::From(b)) => Reach::From(a.min(b)),
        }
    }

    /// Whether scores of `day` stand after the change.
    pub fn keeps(self, day: NaiveDate) -> bool {
        match self {
            Reach::Nothing => true,
            Reach::From(from) => day < from,
            Reach::Everything => false,
        }
    }

    fn from(day: Option<NaiveDate>) -> Reach {
        day.map_or(Reach::Nothing, Reach::From)
    }
}

impl Ledger {
    /// What upserting `records` would move, asked before they are applied
    /// (each record's day as sent and as stored).
    pub fn health_reach_of_upsert(&self, records: &[AnyRecord]) -> Reach {
        let tz = self.settings().time_zone;
        records.iter().fold(Reach::Nothing, |acc, r| {
            acc.and(self.reach_of(r, tz))
                .and(self.reach_of_stored(r.collection(), &r.key()))
        })
    }

    /// What removing record `key` of `collection` would move, asked before.
    pub fn health_reach_of_removal(&self, collection: Collection, key: &str) -> Reach {
        self.reach_of_stored(collection, key)
    }

    fn reach_of(&self, r: &AnyRecord, tz: Tz) -> Reach {
        let day = |t: &quarterdeck_domain::TimePoint| Some(t.local_date(tz));
        match r {
            AnyRecord::Customer(_) | AnyRecord::FxRate(_) => Reach::Everything,
            AnyRecord::Opportunity(_) | AnyRecord::SavePlay(_) | AnyRecord::Datapoint(_) => {
                Reach::Nothing
            }
            AnyRecord::SubscriptionEvent(e) => Reach::from(day(&e.effective_at)),
            AnyRecord::Invoice(i) => Reach::from(day(&i.issued_at)),
            AnyRecord::Payment(p) => Reach::from(day(&p.paid_at)),
            AnyRecord::Cost(c) => {
                let first = [Some(c.date), c.service_from]
                    .into_iter()
                    .flatten()
                    .map(|t| t.local_date(tz))
                    .min();
                Reach::from(first)
            }
            AnyRecord::TimeEntry(t) => Reach::from(day(&t.date)),
            AnyRecord::Ticket(t) => Reach::from(day(&t.opened_at)),
            AnyRecord::Activity(a) => Reach::from(day(&a.at)),
            // Events without a customer are nobody's usage, but a stored
            // version may have had one: its day is read below.
            AnyRecord::Event(e) => Reach::from(e.customer_id.as_ref().and(day(&e.at))),
        }
    }

    fn reach_of_stored(&self, collection: Collection, key: &str) -> Reach {
        let b = &self.billing().records;
        let s = self.signals();
        match collection {
            Collection::Customers | Collection::FxRates => Reach::Everything,
            Collection::Opportunities | Collection::SavePlays | Collection::Datapoints => {
                Reach::Nothing
            }
            Collection::SubscriptionEvents => Reach::from(self.subscription_event_day(key)),
            Collection::Invoices => Reach::from(b.invoice_day(key)),
            Collection::Payments => Reach::from(b.payment_day(key)),
            Collection::Costs => Reach::from(b.cost_day(key)),
            Collection::TimeEntries => Reach::from(b.time_day(key)),
            Collection::Tickets => Reach::from(s.ticket_day(key)),
            Collection::Activities => Reach::from(s.activity_day(key)),
            Collection::Events => Reach::from(s.event_day(key)),
        }
    }
}

impl Ledger {
    /// The slots of the customers whose scores upserting `records` can move
    /// (their customers as sent and as stored), asked before they are
    /// applied; `None` when it may be anyone's (customers, exchange rates,
    /// costs and time entries).
    pub fn health_customers_of_upsert(&self, records: &[AnyRecord]) -> Option<Vec<usize>> {
        let mut slots = Vec::new();
        for r in records {
            let sent: Option<&str> = match r {
                AnyRecord::Customer(_)
                | AnyRecord::FxRate(_)
                | AnyRecord::Cost(_)
                | AnyRecord::TimeEntry(_) => return None,
                AnyRecord::Opportunity(_) | AnyRecord::SavePlay(_) | AnyRecord::Datapoint(_) => {
                    continue;
                }
                AnyRecord::SubscriptionEvent(e) => Some(&e.customer_id),
                AnyRecord::Invoice(i) => Some(&i.customer_id),
                AnyRecord::Payment(p) => self.billing().records.invoice_customer(&p.invoice_id),
                AnyRecord::Ticket(t) => Some(&t.customer_id),
                AnyRecord::Activity(a) => Some(&a.customer_id),
                AnyRecord::Event(e) => e.customer_id.as_deref(),
            };
            slots.extend(sent.and_then(|id| self.slot_of(id)));
            slots.extend(self.health_customers_of_removal(r.collection(), &r.key())?);
        }
        slots.sort_unstable();
        slots.dedup();
        Some(slots)
    }

    /// The slots of the customers whose scores removing record `key` of
    /// `collection` can move, asked before; `None` when it may be anyone's.
    pub fn health_customers_of_removal(
        &self,
        collection: Collection,
        key: &str,
    ) -> Option<Vec<usize>> {
        let b = &self.billing().records;
        let s = self.signals();
        let stored: Option<&str> = match collection {
            Collection::Customers
            | Collection::FxRates
            | Collection::Costs
            | Collection::TimeEntries => {
                return None;
            }
            Collection::Opportunities | Collection::SavePlays | Collection::Datapoints => None,
            Collection::SubscriptionEvents => self.subscription_event_owner(key),
            Collection::Invoices => b.invoice_customer(key),
            Collection::Payments => b.payment_customer(key),
            Collection::Tickets => s.ticket_customer(key),
            Collection::Activities => s.activity_customer(key),
            Collection::Events => s.event_customer(key),
        };
        Some(stored.and_then(|id| self.slot_of(id)).into_iter().collect())
    }
}
