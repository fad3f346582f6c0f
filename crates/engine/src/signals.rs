//! Customer-success signals the health score reads: support tickets, CSM
//! activities and product usage, each reduced to a dated fact per customer in
//! the tenant's zone. Records are kept by (a hash of) their id so a re-sent
//! record replaces its old self, and each customer's sorted lists are kept
//! up to date as records arrive: a write costs a few list insertions, never
//! a rebuild.

use crate::names::Names;
use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{
    Activity, ActivityType, Event, Opportunity, OpportunityStatus, OpportunityType, PlayStatus,
    SavePlay, Ticket,
};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// How much a ticket of a priority weighs in the support component
/// (docs/metric-choices.md, Health), in halves so "low" (½) stays whole.
pub fn ticket_weight(priority: Option<&str>) -> u8 {
    match priority {
        Some("low") => 1,
        Some("high") => 4,
        Some("urgent" | "critical") => 6,
        _ => 2,
    }
}

impl Opp {
    /// Whether it is an expansion (not a renewal) won closing in `period`.
    pub fn won_expansion_in(&self, period: crate::period::Period) -> bool {
        self.kind != OpportunityType::Renewal
            && self.status == OpportunityStatus::Won
            && period.contains(self.close)
    }

    /// The amount in the reporting currency, at the rate in force on its
    /// close day (as sent when there is no rate at all).
    pub fn in_reporting(&self, fx: &crate::fx::FxTable) -> Decimal {
        use crate::fx::RateLookup;
        match fx.lookup(self.currency, self.close) {
            RateLookup::InForce(r) | RateLookup::Later(r, _) => self.amount * r,
            RateLookup::Missing => self.amount,
        }
    }
}

/// One customer's signals, each list sorted by day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerSignals {
    /// (opened day, weight in halves) of each ticket.
    pub tickets: Vec<(NaiveDate, u8)>,
    /// (day, kind as `activity_kind` numbers it) of each CSM activity.
    pub activities: Vec<(NaiveDate, u8)>,
    /// (opened day, seconds to the first response) of each answered ticket.
    pub responses: Vec<(NaiveDate, u32)>,
    /// (day, events that day) of product usage.
    pub usage: Vec<(NaiveDate, u32)>,
    /// Opportunities, by close day then id.
    pub opportunities: Vec<Opp>,
    /// Save plays, by opened day then id.
    pub plays: Vec<Play>,
}

/// A save play as the risk view reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// Tenant-local opened day.
    pub opened: NaiveDate,
    pub id: String,
    pub owner: String,
    pub reason: Option<String>,
    pub target: Option<NaiveDate>,
    pub status: PlayStatus,
    /// Tenant-local closed day (saved and lost plays).
    pub closed: Option<NaiveDate>,
}

/// Activity kinds in the order `activities` numbers them.
pub const ACTIVITY_KINDS: [ActivityType; 4] = [
    ActivityType::Meeting,
    ActivityType::Email,
    ActivityType::Call,
    ActivityType::Task,
];

/// The number `activities` keeps for a kind.
pub fn activity_kind(kind: ActivityType) -> u8 {
    match kind {
        ActivityType::Meeting => 0,
        ActivityType::Email => 1,
        ActivityType::Call => 2,
        ActivityType::Task => 3,
    }
}

/// An opportunity as the pipelines read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opp {
    /// Tenant-local close day.
    pub close: NaiveDate,
    pub id: String,
    pub kind: OpportunityType,
    pub status: OpportunityStatus,
    /// ARR, in `currency` (`None`: the reporting currency).
    pub amount: Decimal,
    pub currency: Option<Currency>,
    pub stage: String,
    pub probability: Option<Decimal>,
    pub owner: Option<String>,
}

/// The signals of every customer, and the first day each kind of record
/// exists for the tenant (a component is left out before its data starts).
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// Customer ids met in signal records, numbered.
    names: Names,
    /// By customer number.
    per: Vec<CustomerSignals>,
    tickets: HashMap<u64, TicketKey>,
    activities: HashMap<u64, (u32, (NaiveDate, u8))>,
    events: HashMap<u64, (u32, NaiveDate)>,
    /// Opportunity id → customer number.
    opportunities: HashMap<String, u32>,
    /// Save play id → customer number.
    plays: HashMap<String, u32>,
    pub first_ticket: Option<NaiveDate>,
    pub first_activity: Option<NaiveDate>,
    pub first_usage: Option<NaiveDate>,
}

/// Where a stored ticket sits: customer, (day, weight), response entry.
type TicketKey = (u32, (NaiveDate, u8), Option<(NaiveDate, u32)>);

fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn insert_sorted<T: Ord>(list: &mut Vec<T>, item: T) {
    let at = list.partition_point(|x| *x <= item);
    list.insert(at, item);
}

fn remove_one<T: Ord>(list: &mut Vec<T>, item: &T) {
    if let Ok(i) = list.binary_search(item) {
        list.remove(i);
    }
}

fn earliest(first: &mut Option<NaiveDate>, day: NaiveDate) {
    *first = Some(first.map_or(day, |f| f.min(day)));
}

impl Signals {
    /// A customer's signals, if it has any.
    pub fn of(&self, customer_id: &str) -> Option<&CustomerSignals> {
        self.names
            .get(customer_id)
            .and_then(|n| self.per.get(n as usize))
    }

    /// The opening day of the stored ticket `id`, if held.
    pub fn ticket_day(&self, id: &str) -> Option<NaiveDate> {
        self.tickets.get(&id_hash(id)).map(|t| t.1.0)
    }

    /// The day of the stored activity `id`, if held.
    pub fn activity_day(&self, id: &str) -> Option<NaiveDate> {
        self.activities.get(&id_hash(id)).map(|a| a.1.0)
    }

    /// The day of the stored usage event `id`, if held.
    pub fn event_day(&self, id: &str) -> Option<NaiveDate> {
        self.events.get(&id_hash(id)).map(|e| e.1)
    }

    /// The customer of the stored ticket `id`, if held.
    pub fn ticket_customer(&self, id: &str) -> Option<&str> {
        self.tickets.get(&id_hash(id)).map(|t| self.names.name(t.0))
    }

    /// The customer of the stored activity `id`, if held.
    pub fn activity_customer(&self, id: &str) -> Option<&str> {
        self.activities
            .get(&id_hash(id))
            .map(|a| self.names.name(a.0))
    }

    /// The customer of the stored usage event `id`, if held.
    pub fn event_customer(&self, id: &str) -> Option<&str> {
        self.events.get(&id_hash(id)).map(|e| self.names.name(e.0))
    }

    /// The first day of tickets, CSM activities and usage: a component is
    /// left out of every score before its data starts.
    pub fn firsts(&self) -> [Option<NaiveDate>; 3] {
        [self.first_ticket, self.first_activity, self.first_usage]
    }

    fn number(&mut self, customer_id: &str) -> u32 {
        let n = self.names.intern(customer_id);
        if self.per.len() <= n as usize {
            self.per
                .resize_with(n as usize + 1, CustomerSignals::default);
        }
        n
    }

    /// Adds or replaces tickets.
    pub fn upsert_tickets(&mut self, rows: &[Ticket], tz: Tz) {
        let mut moved_first = false;
        for t in rows {
            let key = id_hash(&t.id);
            let old = self.drop_ticket(key);
            moved_first |= old.is_some() && old == self.first_ticket;
            let c = self.number(&t.customer_id);
            let day = t.opened_at.local_date(tz);
            let w = ticket_weight(t.priority.as_deref());
            insert_sorted(&mut self.per[c as usize].tickets, (day, w));
            let response = t.first_response_at.map(|r| {
                let secs = (r.instant(tz) - t.opened_at.instant(tz)).num_seconds();
                (day, u32::try_from(secs.max(0)).unwrap_or(u32::MAX))
            });
            if let Some(r) = response {
                insert_sorted(&mut self.per[c as usize].responses, r);
            }
            self.tickets.insert(key, (c, (day, w), response));
            earliest(&mut self.first_ticket, day);
        }
        // A re-sent first record may have moved later: find the first again.
        if moved_first {
            self.first_ticket = self.first_of(|s| s.tickets.first().map(|t| t.0));
        }
    }

    /// Adds or replaces CSM activities.
    pub fn upsert_activities(&mut self, rows: &[Activity], tz: Tz) {
        let mut moved_first = false;
        for a in rows {
            let key = id_hash(&a.id);
            let old = self.drop_activity(key);
            moved_first |= old.is_some() && old == self.first_activity;
            let c = self.number(&a.customer_id);
            let day = a.at.local_date(tz);
            let item = (day, activity_kind(a.kind));
            insert_sorted(&mut self.per[c as usize].activities, item);
            self.activities.insert(key, (c, item));
            earliest(&mut self.first_activity, day);
        }
        if moved_first {
            self.first_activity = self.first_of(|s| s.activities.first().map(|a| a.0));
        }
    }

    /// Adds or replaces usage events; an event without a customer is not a
    /// customer's usage and is dropped.
    pub fn upsert_events(&mut self, rows: &[Event], tz: Tz) {
        let mut moved_first = false;
        for e in rows {
            let key = id_hash(&e.id);
            let old = self.drop_event(key);
            moved_first |= old.is_some() && old == self.first_usage;
            let Some(customer) = &e.customer_id else {
                continue;
            };
            let c = self.number(customer);
            let day = e.at.local_date(tz);
            let usage = &mut self.per[c as usize].usage;
            match usage.binary_search_by_key(&day, |u| u.0) {
                Ok(i) => usage[i].1 += 1,
                Err(i) => usage.insert(i, (day, 1)),
            }
            self.events.insert(key, (c, day));
            earliest(&mut self.first_usage, day);
        }
        if moved_first {
            self.first_usage = self.first_of(|s| s.usage.first().map(|u| u.0));
        }
    }

    /// Adds or replaces opportunities.
    pub fn upsert_opportunities(&mut self, rows: &[Opportunity], tz: Tz) {
        for o in rows {
            self.drop_opportunity(&o.id);
            let c = self.number(&o.customer_id);
            let opp = Opp {
                close: o.close_date.local_date(tz),
                id: o.id.clone(),
                kind: o.kind,
                status: o.status,
                amount: o.amount,
                currency: o.currency,
                stage: o.stage.clone(),
                probability: o.probability,
                owner: o.owner.clone(),
            };
            let list = &mut self.per[c as usize].opportunities;
            let at = list.partition_point(|x| (x.close, &x.id) <= (opp.close, &opp.id));
            list.insert(at, opp);
            self.opportunities.insert(o.id.clone(), c);
        }
    }

    /// Removes opportunities by id.
    pub fn remove_opportunities<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        for id in ids {
            self.drop_opportunity(id.as_ref());
        }
    }

    /// Takes a stored ticket out; returns its day.
    fn drop_ticket(&mut self, key: u64) -> Option<NaiveDate> {
        let (c, item, response) = self.tickets.remove(&key)?;
        let sig = &mut self.per[c as usize];
        remove_one(&mut sig.tickets, &item);
        if let Some(r) = response {
            remove_one(&mut sig.responses, &r);
        }
        Some(item.0)
    }

    /// The earliest day any customer's list (as `first` reads it) starts.
    fn first_of(&self, first: impl Fn(&CustomerSignals) -> Option<NaiveDate>) -> Option<NaiveDate> {
        self.per.iter().filter_map(first).min()
    }

    /// Adds or replaces save plays.
    pub fn upsert_save_plays(&mut self, rows: &[SavePlay], tz: Tz) {
        for p in rows {
            self.drop_play(&p.id);
            let c = self.number(&p.customer_id);
            let play = Play {
                opened: p.opened_at.local_date(tz),
                id: p.id.clone(),
                owner: p.owner.clone(),
                reason: p.reason.clone(),
                target: p.target_date.map(|t| t.local_date(tz)),
                status: p.status,
                closed: p.closed_at.map(|t| t.local_date(tz)),
            };
            let list = &mut self.per[c as usize].plays;
            let at = list.partition_point(|x| (x.opened, &x.id) <= (play.opened, &play.id));
            list.insert(at, play);
            self.plays.insert(p.id.clone(), c);
        }
    }

    /// Removes save plays by id.
    pub fn remove_save_plays<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        for id in ids {
            self.drop_play(id.as_ref());
        }
    }

    fn drop_play(&mut self, id: &str) {
        if let Some(c) = self.plays.remove(id) {
            self.per[c as usize].plays.retain(|p| p.id != id);
        }
    }

    fn drop_opportunity(&mut self, id: &str) {
        if let Some(c) = self.opportunities.remove(id) {
            self.per[c as usize].opportunities.retain(|o| o.id != id);
        }
    }

    fn uncount(&mut self, c: u32, day: NaiveDate) {
        let usage = &mut self.per[c as usize].usage;
        if let Ok(i) = usage.binary_search_by_key(&day, |u| u.0) {
            usage[i].1 -= 1;
            if usage[i].1 == 0 {
                usage.remove(i);
            }
        }
    }

    /// Takes a stored activity out; returns its day.
    fn drop_activity(&mut self, key: u64) -> Option<NaiveDate> {
        let (c, item) = self.activities.remove(&key)?;
        remove_one(&mut self.per[c as usize].activities, &item);
        Some(item.0)
    }

    /// Takes a stored usage event out; returns its day.
    fn drop_event(&mut self, key: u64) -> Option<NaiveDate> {
        let (c, day) = self.events.remove(&key)?;
        self.uncount(c, day);
        Some(day)
    }

    /// Removes tickets by id.
    pub fn remove_tickets<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let first = self.first_ticket;
        if took_first(
            first,
            ids.into_iter()
                .map(|id| self.drop_ticket(id_hash(id.as_ref()))),
        ) {
            self.first_ticket = self.first_of(|s| s.tickets.first().map(|t| t.0));
        }
    }

    /// Removes activities by id.
    pub fn remove_activities<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let first = self.first_activity;
        if took_first(
            first,
            ids.into_iter()
                .map(|id| self.drop_activity(id_hash(id.as_ref()))),
        ) {
            self.first_activity = self.first_of(|s| s.activities.first().map(|a| a.0));
        }
    }

    /// Removes usage events by id.
    pub fn remove_events<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let first = self.first_usage;
        if took_first(
            first,
            ids.into_iter()
                .map(|id| self.drop_event(id_hash(id.as_ref()))),
        ) {
            self.first_usage = self.first_of(|s| s.usage.first().map(|u| u.0));
        }
    }
}

/// Whether records taken out on `days` included one on the `first` day, so
/// the first day must be found again (every record is taken out first).
fn took_first(first: Option<NaiveDate>, days: impl Iterator<Item = Option<NaiveDate>>) -> bool {
    let mut took = false;
    for day in days {
        took |= day.is_some() && day == first;
    }
    took
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

#[cfg(test)]
mod tests {
    use super::*;
    use quarterdeck_domain::TimePoint;

    fn ticket(id: &str, customer: &str, at: &str) -> Ticket {
        Ticket {
            id: id.into(),
            customer_id: customer.into(),
            opened_at: TimePoint::parse(at).unwrap(),
            closed_at: None,
            first_response_at: None,
            priority: Some("high".into()),
            csm: None,
            attributes: Default::default(),
        }
    }

    fn event(id: &str, customer: Option<&str>, at: &str) -> Event {
        Event {
            id: id.into(),
            name: "x".into(),
            at: TimePoint::parse(at).unwrap(),
            customer_id: customer.map(str::to_string),
            user_id: None,
            user_type: None,
            properties: Default::default(),
        }
    }

    #[test]
    fn re_sent_and_removed_records_leave_the_lists_as_if_never_sent() {
        let tz = Tz::UTC;
        let mut s = Signals::default();
        s.upsert_tickets(
            &[
                ticket("t1", "a", "2025-03-05"),
                ticket("t2", "a", "2025-03-01"),
            ],
            tz,
        );
        // Re-sent: moves to another day and customer.
        s.upsert_tickets(&[ticket("t1", "b", "2025-03-09")], tz);
        let d = |x: &str| x.parse::<NaiveDate>().unwrap();
        assert_eq!(s.of("a").unwrap().tickets, [(d("2025-03-01"), 4)]);
        assert_eq!(s.of("b").unwrap().tickets, [(d("2025-03-09"), 4)]);
        s.remove_tickets(["t2"]);
        assert!(s.of("a").unwrap().tickets.is_empty());
        assert_eq!(s.first_ticket, Some(d("2025-03-09")));
        // The first ticket re-sent later: the tenant's tickets start later too.
        s.upsert_tickets(&[ticket("t1", "b", "2025-04-02")], tz);
        assert_eq!(s.first_ticket, Some(d("2025-04-02")));
        s.upsert_events(
            &[
                event("e1", Some("a"), "2025-03-01T10:00:00Z"),
                event("e2", Some("a"), "2025-03-01T11:00:00Z"),
                event("e3", None, "2025-03-01T11:00:00Z"),
            ],
            tz,
        );
        assert_eq!(s.of("a").unwrap().usage, [(d("2025-03-01"), 2)]);
        // Re-sent without a customer: no longer this customer's usage.
        s.upsert_events(&[event("e2", None, "2025-03-01T11:00:00Z")], tz);
        s.remove_events(["e1"]);
        assert!(s.of("a").unwrap().usage.is_empty());
        assert_eq!(s.first_usage, None);
    }
}
