//! Customer-success signals the health score reads: support tickets, CSM
//! activities and product usage, each reduced to a dated fact per customer in
//! the tenant's zone. Records are kept by id so a re-sent record replaces its
//! old self; the per-customer sorted lists are built on first read after a
//! change.

use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::records::{Activity, Event, Ticket};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

/// How much a ticket of a priority weighs in the support component
/// (docs/metric-choices.md, Health).
pub fn ticket_weight(priority: Option<&str>) -> u8 {
    // In halves, so "low" (0.5) stays an integer.
    match priority {
        Some("low") => 1,
        Some("high") => 4,
        Some("urgent" | "critical") => 6,
        _ => 2,
    }
}

/// One customer's signals, each list sorted by day.
#[derive(Debug, Clone, Default)]
pub struct CustomerSignals {
    /// (opened day, weight in halves) of each ticket.
    pub tickets: Vec<(NaiveDate, u8)>,
    /// The day of each CSM activity.
    pub activities: Vec<NaiveDate>,
    /// (day, events that day) of product usage.
    pub usage: Vec<(NaiveDate, u32)>,
}

/// The signals of every customer, and the first day each kind of record
/// exists for the tenant (a component is left out before its data starts).
#[derive(Debug, Clone, Default)]
pub struct SignalIndex {
    pub customers: HashMap<String, CustomerSignals>,
    pub first_ticket: Option<NaiveDate>,
    pub first_activity: Option<NaiveDate>,
    pub first_usage: Option<NaiveDate>,
}

/// The signal records, by id.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    tickets: HashMap<String, (String, NaiveDate, u8)>,
    activities: HashMap<String, (String, NaiveDate)>,
    /// Keyed by a hash of the event id (events are many; ids are long).
    events: HashMap<u64, (String, NaiveDate)>,
    index: OnceLock<SignalIndex>,
}

fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

impl Signals {
    /// Adds or replaces tickets.
    pub fn upsert_tickets(&mut self, rows: &[Ticket], tz: Tz) {
        for t in rows {
            let day = t.opened_at.local_date(tz);
            let weight = ticket_weight(t.priority.as_deref());
            self.tickets
                .insert(t.id.clone(), (t.customer_id.clone(), day, weight));
        }
        self.index = OnceLock::new();
    }

    /// Adds or replaces CSM activities.
    pub fn upsert_activities(&mut self, rows: &[Activity], tz: Tz) {
        for a in rows {
            let day = a.at.local_date(tz);
            self.activities
                .insert(a.id.clone(), (a.customer_id.clone(), day));
        }
        self.index = OnceLock::new();
    }

    /// Adds or replaces usage events; events without a customer are not a
    /// customer's usage and are skipped.
    pub fn upsert_events(&mut self, rows: &[Event], tz: Tz) {
        for e in rows {
            let key = id_hash(&e.id);
            match &e.customer_id {
                Some(c) => {
                    self.events.insert(key, (c.clone(), e.at.local_date(tz)));
                }
                None => {
                    self.events.remove(&key);
                }
            }
        }
        self.index = OnceLock::new();
    }

    /// Removes tickets by id.
    pub fn remove_tickets<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        for id in ids {
            self.tickets.remove(id.as_ref());
        }
        self.index = OnceLock::new();
    }

    /// Removes activities by id.
    pub fn remove_activities<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        for id in ids {
            self.activities.remove(id.as_ref());
        }
        self.index = OnceLock::new();
    }

    /// Removes usage events by id.
    pub fn remove_events<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        for id in ids {
            self.events.remove(&id_hash(id.as_ref()));
        }
        self.index = OnceLock::new();
    }

    /// The per-customer lists, built once per change.
    pub fn index(&self) -> &SignalIndex {
        self.index.get_or_init(|| {
            let mut ix = SignalIndex::default();
            let first = |f: &mut Option<NaiveDate>, d: NaiveDate| {
                *f = Some(f.map_or(d, |x| x.min(d)));
            };
            for (c, day, w) in self.tickets.values() {
                ix.customers
                    .entry(c.clone())
                    .or_default()
                    .tickets
                    .push((*day, *w));
                first(&mut ix.first_ticket, *day);
            }
            for (c, day) in self.activities.values() {
                ix.customers
                    .entry(c.clone())
                    .or_default()
                    .activities
                    .push(*day);
                first(&mut ix.first_activity, *day);
            }
            let mut usage: HashMap<&str, HashMap<NaiveDate, u32>> = HashMap::new();
            for (c, day) in self.events.values() {
                *usage.entry(c).or_default().entry(*day).or_default() += 1;
                first(&mut ix.first_usage, *day);
            }
            for (c, days) in usage {
                ix.customers.entry(c.to_string()).or_default().usage = days.into_iter().collect();
            }
            for s in ix.customers.values_mut() {
                s.tickets.sort_unstable();
                s.activities.sort_unstable();
                s.usage.sort_unstable();
            }
            ix
        })
    }
}

/// The items of a day-sorted list dated in `from..=to`.
pub fn dated_in<T>(
    list: &[T],
    day: impl Fn(&T) -> NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> &[T] {
    let start = list.partition_point(|x| day(x) < from);
    let end = list.partition_point(|x| day(x) <= to);
    &list[start..end.max(start)]
}
