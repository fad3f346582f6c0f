//! The per-tenant revenue ledger: customers, their events and MRR timelines.

use crate::billing_index::BillingIndex;
use crate::delinquency::DelinquentSpan;
use crate::filter::{Attributes, CompiledFilter, Dictionaries, Filter};
use crate::fx::FxTable;
use crate::settings::TenantSettings;
use crate::signals::Signals;
use crate::stored::{BillingRecords, Touched};
use crate::subscription::{StoredEvent, Warning, customer_timeline};
use crate::timeline::{TimelineArena, TimelineRef};
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{
    Activity, Cost, Customer, Event, FxRate, Invoice, Opportunity, Payment, Record, SavePlay,
    SubscriptionEvent, Ticket, TimeEntry,
};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The records a ledger is built from (any may be empty).
#[derive(Debug, Clone, Copy, Default)]
pub struct Records<'a> {
    /// Customer accounts (their filter attributes).
    pub customers: &'a [Customer],
    /// Subscription events, in any order.
    pub subscription_events: &'a [SubscriptionEvent],
    /// Exchange rates into the reporting currency.
    pub fx_rates: &'a [FxRate],
    /// Invoices (kept for billing metrics).
    pub invoices: &'a [Invoice],
    /// Payments (kept for billing metrics).
    pub payments: &'a [Payment],
    /// Cost lines (gross margin, client profitability).
    pub costs: &'a [Cost],
    /// Hours worked per customer (gross margin, client profitability).
    pub time_entries: &'a [TimeEntry],
}

/// The descriptive fields of a customer record, for account lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CustomerInfo {
    pub name: String,
    pub segment: Option<String>,
    pub csm: Option<String>,
    pub region: Option<String>,
}

/// The records behind one customer: everything needed to recompute it alone.
#[derive(Debug, Clone)]
struct CustomerEntry {
    id: String,
    /// Whether a customer record exists (events may arrive before it).
    has_record: bool,
    /// The record's name and attributes (when it exists).
    info: Option<CustomerInfo>,
    events: Vec<StoredEvent>,
    warnings: Vec<Warning>,
}

/// A tenant's in-memory revenue ledger: per-customer MRR timelines and the
/// records behind them, updatable one customer at a time.
#[derive(Debug, Clone)]
pub struct Ledger {
    settings: TenantSettings,
    fx_rates: HashMap<String, FxRate>,
    fx: FxTable,
    dicts: Dictionaries,
    slots: HashMap<String, usize>,
    // Three parallel columns indexed by slot: queries touch only the first two,
    // which stay small and contiguous; the records behind them sit apart.
    timelines: TimelineArena,
    attrs: Vec<Attributes>,
    customers: Vec<CustomerEntry>,
    /// Event id → customer id, so a re-sent event that moved customer is found.
    event_owner: HashMap<String, String>,
    /// Invoices, payments, costs and hours, converted and grouped per customer.
    billing: BillingIndex,
    /// The slot of each billing customer (`u32::MAX`: none), built on first
    /// use after slots or billing customers change.
    billing_slots: OnceLock<Vec<u32>>,
    /// Tickets, CSM activities and usage, for health scores.
    signals: Signals,
    /// Counts the times slots were renumbered (an emptied entry dropped).
    renumbered: u64,
}

/// Adds or replaces one billing record (`BillingRecords::upsert_*`).
type Upsert<T> = fn(&mut BillingRecords, &T, Tz, &mut Touched);

/// Adds or replaces every row with `upsert`.
fn upsert_all<T>(b: &mut BillingRecords, rows: &[T], upsert: Upsert<T>, tz: Tz, t: &mut Touched) {
    for row in rows {
        upsert(b, row, tz, t);
    }
}

/// A ledger loaded one collection (or one chunk of one) at a time, so the
/// records it is built from need not all be in memory at once. Nothing is
/// computed until `build`.
#[derive(Debug)]
pub struct LedgerBuilder {
    /// Customers and their events, without timelines yet.
    ledger: Ledger,
    billing: BillingRecords,
}

impl LedgerBuilder {
    /// An empty ledger of a tenant with `settings`.
    pub fn new(settings: TenantSettings) -> Self {
        Self {
            ledger: Ledger {
                settings,
                fx_rates: HashMap::new(),
                fx: FxTable::default(),
                dicts: Dictionaries::default(),
                slots: HashMap::new(),
                timelines: TimelineArena::default(),
                attrs: Vec::new(),
                customers: Vec::new(),
                event_owner: HashMap::new(),
                billing: BillingIndex::default(),
                billing_slots: OnceLock::new(),
                signals: Signals::default(),
                renumbered: 0,
            },
            billing: BillingRecords::default(),
        }
    }

    /// Adds customer records.
    pub fn customers(&mut self, customers: &[Customer]) {
        self.ledger.upsert_customers(customers);
    }

    /// Adds subscription events.
    pub fn subscription_events(&mut self, events: &[SubscriptionEvent]) {
        self.ledger.attach_events(events);
    }

    /// Adds exchange rates.
    pub fn fx_rates(&mut self, rates: &[FxRate]) {
        let held = &mut self.ledger.fx_rates;
        held.extend(rates.iter().map(|r| (r.key(), r.clone())));
    }

    /// Adds invoices.
    pub fn invoices(&mut self, invoices: &[Invoice]) {
        self.add(invoices, BillingRecords::upsert_invoice);
    }

    /// Adds payments.
    pub fn payments(&mut self, payments: &[Payment]) {
        self.add(payments, BillingRecords::upsert_payment);
    }

    /// Adds cost lines.
    pub fn costs(&mut self, costs: &[Cost]) {
        self.add(costs, BillingRecords::upsert_cost);
    }

    /// Adds time entries.
    pub fn time_entries(&mut self, entries: &[TimeEntry]) {
        self.add(entries, BillingRecords::upsert_time);
    }

    fn add<T>(&mut self, rows: &[T], upsert: Upsert<T>) {
        let tz = self.ledger.settings.time_zone;
        // Nothing is counted yet, so nothing needs tracking.
        upsert_all(&mut self.billing, rows, upsert, tz, &mut Touched::default());
    }

    /// Adds support tickets.
    pub fn tickets(&mut self, rows: &[Ticket]) {
        self.ledger.upsert_tickets(rows);
    }

    /// Adds CSM activities.
    pub fn activities(&mut self, rows: &[Activity]) {
        self.ledger.upsert_activities(rows);
    }

    /// Adds product usage events.
    pub fn events(&mut self, rows: &[Event]) {
        self.ledger.upsert_events(rows);
    }

    /// Adds opportunities.
    pub fn opportunities(&mut self, rows: &[Opportunity]) {
        self.ledger.upsert_opportunities(rows);
    }

    /// Adds save plays.
    pub fn save_plays(&mut self, rows: &[SavePlay]) {
        self.ledger.upsert_save_plays(rows);
    }

    /// Converts the billing records and computes every timeline.
    pub fn build(self) -> Ledger {
        let mut ledger = self.ledger;
        let s = ledger.settings;
        ledger.fx = FxTable::new(s.currency, s.time_zone, ledger.fx_rates.values());
        // Billing first: delinquency reads it when the timelines are built.
        ledger.billing = BillingIndex::new(self.billing, &ledger.fx);
        // From the last slot down: a slot dropped as empty takes the last one's place.
        for slot in (0..ledger.customers.len()).rev() {
            ledger.refresh(slot);
        }
        ledger.timelines.compact();
        for c in &mut ledger.customers {
            c.events.shrink_to_fit();
            c.warnings.shrink_to_fit();
        }
        ledger.customers.shrink_to_fit();
        ledger.attrs.shrink_to_fit();
        ledger.slots.shrink_to_fit();
        ledger.event_owner.shrink_to_fit();
        ledger.fx_rates.shrink_to_fit();
        ledger
    }
}

impl Ledger {
    /// Builds the ledger of one tenant from all its records.
    pub fn new(settings: TenantSettings, records: Records<'_>) -> Self {
        let mut b = LedgerBuilder::new(settings);
        b.fx_rates(records.fx_rates);
        b.invoices(records.invoices);
        b.payments(records.payments);
        b.costs(records.costs);
        b.time_entries(records.time_entries);
        b.customers(records.customers);
        b.subscription_events(records.subscription_events);
        b.build()
    }

    /// The tenant settings the ledger was built with.
    pub fn settings(&self) -> &TenantSettings {
        &self.settings
    }

    /// Adds or replaces customer records (attributes only; timelines are unchanged).
    pub fn upsert_customers(&mut self, customers: &[Customer]) {
        for c in customers {
            let slot = self.slot_for(&c.id);
            let intern = |d: &mut crate::filter::Dictionary, v: &Option<String>| {
                v.as_deref().map(|s| d.intern(s))
            };
            let attrs = Attributes {
                segment: intern(&mut self.dicts.segment, &c.segment),
                csm: intern(&mut self.dicts.csm, &c.csm),
                region: intern(&mut self.dicts.region, &c.region),
                plans: std::mem::take(&mut self.attrs[slot].plans),
            };
            self.attrs[slot] = attrs;
            self.customers[slot].has_record = true;
            self.customers[slot].info = Some(CustomerInfo {
                name: c.name.clone(),
                segment: c.segment.clone(),
                csm: c.csm.clone(),
                region: c.region.clone(),
            });
        }
    }

    /// Removes customer records and all their subscription events.
    pub fn remove_customers<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        for id in ids {
            let Some(&slot) = self.slots.get(id.as_ref()) else {
                continue;
            };
            for e in &self.customers[slot].events {
                self.event_owner.remove(&e.id);
            }
            let entry = &mut self.customers[slot];
            entry.events.clear();
            entry.has_record = false;
            entry.info = None;
            self.attrs[slot].segment = None;
            self.attrs[slot].csm = None;
            self.attrs[slot].region = None;
            self.refresh(slot);
        }
    }

    /// Adds or replaces subscription events (by id), recomputing only the customers touched.
    pub fn upsert_subscription_events(&mut self, events: &[SubscriptionEvent]) {
        let dirty = self.attach_events(events);
        self.refresh_all(dirty);
    }

    /// Files events under their customers (by id, moving re-sent ones) without
    /// recomputing anything; returns the customers whose events changed.
    fn attach_events(&mut self, events: &[SubscriptionEvent]) -> HashSet<String> {
        let mut dirty = HashSet::new();
        for e in events {
            self.detach_event(&e.id, &mut dirty);
            let slot = self.slot_for(&e.customer_id);
            self.customers[slot]
                .events
                .push(StoredEvent::new(e, self.settings.time_zone));
            self.event_owner.insert(e.id.clone(), e.customer_id.clone());
            dirty.insert(e.customer_id.clone());
        }
        dirty
    }

    /// Removes subscription events by id, recomputing only the customers touched.
    pub fn remove_subscription_events<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let mut dirty = HashSet::new();
        for id in ids {
            self.detach_event(id.as_ref(), &mut dirty);
        }
        self.refresh_all(dirty);
    }

    /// Adds or replaces exchange rates; recomputes the customers billed in other currencies.
    pub fn upsert_fx_rates(&mut self, rates: &[FxRate]) {
        for r in rates {
            self.fx_rates.insert(r.key(), r.clone());
        }
        self.rates_changed();
    }

    /// Removes exchange rates by key (`Record::key()`: `"{currency}|{date}"`);
    /// recomputes the customers billed in other currencies.
    pub fn remove_fx_rates<S: AsRef<str>>(&mut self, keys: impl IntoIterator<Item = S>) {
        let mut any = false;
        for k in keys {
            any |= self.fx_rates.remove(k.as_ref()).is_some();
        }
        if any {
            self.rates_changed();
        }
    }

    /// Rebuilds the rate table and everything converted with it.
    fn rates_changed(&mut self) {
        let s = self.settings;
        self.fx = FxTable::new(s.currency, s.time_zone, self.fx_rates.values());
        self.billing.rebuild(&self.fx);
        let foreign = |c: Option<Currency>| c.is_some_and(|c| c != s.currency);
        let mut dirty: HashSet<String> = self
            .customers
            .iter()
            .filter(|c| {
                c.events
                    .iter()
                    .any(|e| foreign(e.state.as_ref().and_then(|s| s.currency)))
            })
            .map(|c| c.id.clone())
            .collect();
        if s.delinquency_days.is_some() {
            // Converted balances decide whether an invoice is paid up.
            dirty.extend(crate::delinquency::foreign_customers(
                &self.billing.records,
                s.currency,
            ));
        }
        self.refresh_all(dirty);
    }

    /// Adds or replaces invoices (by id). With delinquency on, recomputes the
    /// timelines of their customers (old and new owner).
    pub fn upsert_invoices(&mut self, invoices: &[Invoice]) {
        self.upsert_billing(invoices, BillingRecords::upsert_invoice);
    }

    /// Adds or replaces payments (by id). With delinquency on, recomputes the
    /// timelines of the customers of the invoices they (and any replaced
    /// version) name.
    pub fn upsert_payments(&mut self, payments: &[Payment]) {
        self.upsert_billing(payments, BillingRecords::upsert_payment);
    }

    /// Adds or replaces cost lines (by id).
    pub fn upsert_costs(&mut self, costs: &[Cost]) {
        self.upsert_billing(costs, BillingRecords::upsert_cost);
    }

    /// Adds or replaces time entries (by id).
    pub fn upsert_time_entries(&mut self, entries: &[TimeEntry]) {
        self.upsert_billing(entries, BillingRecords::upsert_time);
    }

    fn upsert_billing<T>(&mut self, rows: &[T], upsert: Upsert<T>) {
        self.change_billing(|b, tz, touched| upsert_all(b, rows, upsert, tz, touched));
    }

    /// Removes invoices by id (their payments stay, and count again if the invoice returns).
    pub fn remove_invoices<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.change_billing(|b, _, touched| {
            for id in ids {
                b.remove_invoice(id.as_ref(), touched);
            }
        });
    }

    /// Removes payments by id.
    pub fn remove_payments<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.change_billing(|b, _, touched| {
            for id in ids {
                b.remove_payment(id.as_ref(), touched);
            }
        });
    }

    /// Removes cost lines by id.
    pub fn remove_costs<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.change_billing(|b, _, touched| {
            for id in ids {
                b.remove_cost(id.as_ref(), touched);
            }
        });
    }

    /// Removes time entries by id.
    pub fn remove_time_entries<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.change_billing(|b, _, touched| {
            for id in ids {
                b.remove_time(id.as_ref(), touched);
            }
        });
    }

    /// Applies a batch to the billing records, brings the index up to date
    /// for the customers it touched and, with delinquency on, their timelines.
    fn change_billing(&mut self, batch: impl FnOnce(&mut BillingRecords, Tz, &mut Touched)) {
        let mut touched = Touched::updating();
        batch(
            &mut self.billing.records,
            self.settings.time_zone,
            &mut touched,
        );
        if touched.is_empty() {
            return;
        }
        if self
            .billing_slots
            .get()
            .is_some_and(|s| s.len() != self.billing.records.customers.len())
        {
            self.billing_slots = OnceLock::new();
        }
        let customers = self.billing.apply(touched, &self.fx);
        if self.settings.delinquency_days.is_some() {
            let names = &self.billing.records.customer_ids;
            let dirty = customers
                .iter()
                .map(|&c| names.name(c).to_string())
                .collect();
            self.refresh_all(dirty);
        }
    }

    /// The days on which `customer_id` counts as churned for an unpaid invoice
    /// (merged, sorted by day); empty with the delinquency setting off.
    pub fn delinquent_spans(&self, customer_id: &str) -> Vec<DelinquentSpan> {
        self.settings
            .delinquency_days
            .map_or_else(Vec::new, |days| {
                crate::delinquency::spans(&self.billing.records, customer_id, days)
            })
    }

    /// How many invoices, payments, cost lines and time entries are held.
    #[cfg(test)]
    pub(crate) fn billing_record_counts(&self) -> [usize; 4] {
        self.billing.records.counts()
    }

    /// The exchange rates held, by key (`"{currency}|{date}"`).
    pub fn fx_rates(&self) -> &HashMap<String, FxRate> {
        &self.fx_rates
    }

    /// Adds or replaces support tickets.
    pub fn upsert_tickets(&mut self, rows: &[Ticket]) {
        let tz = self.settings.time_zone;
        self.signals.upsert_tickets(rows, tz);
    }

    /// Adds or replaces CSM activities.
    pub fn upsert_activities(&mut self, rows: &[Activity]) {
        let tz = self.settings.time_zone;
        self.signals.upsert_activities(rows, tz);
    }

    /// Adds or replaces product usage events.
    pub fn upsert_events(&mut self, rows: &[Event]) {
        let tz = self.settings.time_zone;
        self.signals.upsert_events(rows, tz);
    }

    /// Adds or replaces opportunities.
    pub fn upsert_opportunities(&mut self, rows: &[Opportunity]) {
        let tz = self.settings.time_zone;
        self.signals.upsert_opportunities(rows, tz);
    }

    /// Adds or replaces save plays.
    pub fn upsert_save_plays(&mut self, rows: &[SavePlay]) {
        let tz = self.settings.time_zone;
        self.signals.upsert_save_plays(rows, tz);
    }

    /// Removes save plays.
    pub fn remove_save_plays<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.signals.remove_save_plays(ids);
    }

    /// Removes opportunities.
    pub fn remove_opportunities<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.signals.remove_opportunities(ids);
    }

    /// Removes support tickets.
    pub fn remove_tickets<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.signals.remove_tickets(ids);
    }

    /// Removes CSM activities.
    pub fn remove_activities<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.signals.remove_activities(ids);
    }

    /// Removes product usage events.
    pub fn remove_events<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.signals.remove_events(ids);
    }

    /// The customer-success signals, per customer.
    pub(crate) fn signals(&self) -> &Signals {
        &self.signals
    }

    /// One customer's tickets, activities, usage, opportunities and save plays.
    pub fn customer_signals(&self, customer_id: &str) -> Option<&crate::signals::CustomerSignals> {
        self.signals.of(customer_id)
    }

    /// The billing records, converted and grouped per customer.
    pub(crate) fn billing(&self) -> &BillingIndex {
        &self.billing
    }

    /// Changes whenever customers' slot numbers change (an emptied entry is
    /// dropped and the last takes its place): what is kept by slot is stale.
    pub fn slot_layout(&self) -> u64 {
        self.renumbered
    }

    /// The customer of the stored subscription event `id`, if held.
    pub(crate) fn subscription_event_owner(&self, id: &str) -> Option<&str> {
        self.event_owner.get(id).map(String::as_str)
    }

    /// The day of the stored subscription event `id`, if held.
    pub(crate) fn subscription_event_day(&self, id: &str) -> Option<chrono::NaiveDate> {
        let owner = self.event_owner.get(id)?;
        let slot = self.slot_of(owner)?;
        self.entry(slot)
            .2
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.day)
    }

    /// The slot of each billing customer, by number (`u32::MAX`: none).
    pub(crate) fn billing_slots(&self) -> &[u32] {
        self.billing_slots.get_or_init(|| {
            let names = &self.billing.records.customer_ids;
            (0..self.billing.records.customers.len() as u32)
                .map(|c| {
                    self.slots
                        .get(names.name(c))
                        .map_or(u32::MAX, |&s| s as u32)
                })
                .collect()
        })
    }

    /// The MRR timeline of one customer.
    pub fn timeline(&self, customer_id: &str) -> Option<TimelineRef<'_>> {
        self.slots.get(customer_id).map(|&s| self.timelines.get(s))
    }

    /// Ids of every customer with a record or an event.
    pub fn customer_ids(&self) -> impl Iterator<Item = &str> {
        self.customers.iter().map(|c| c.id.as_str())
    }

    /// The values each filter dimension takes, for filter pickers.
    pub fn filter_values(&self) -> crate::filter::FilterValues {
        self.dicts.values()
    }

    /// Number of customers with a record or an event.
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// Every data problem met while building timelines (amounts counted as 0, rates guessed).
    pub fn warnings(&self) -> impl Iterator<Item = &Warning> {
        self.customers.iter().flat_map(|c| c.warnings.iter())
    }

    /// The first day any customer's MRR changed: where the revenue data starts.
    pub fn data_starts(&self) -> Option<chrono::NaiveDate> {
        self.timelines
            .iter()
            .filter_map(|t| t.points().first().map(|p| p.0))
            .min()
    }

    /// The timelines of the customers a filter covers.
    pub(crate) fn covered<'a>(&'a self, filter: &Filter) -> impl Iterator<Item = TimelineRef<'a>> {
        self.covered_slots(filter).map(|(_, t)| t)
    }

    /// The slots and timelines of the customers a filter covers, in slot order.
    ///
    /// Without a constraint the attributes are never read, so a summary of
    /// every customer only streams the timelines.
    pub(crate) fn covered_slots<'a>(
        &'a self,
        filter: &Filter,
    ) -> impl Iterator<Item = (usize, TimelineRef<'a>)> {
        let compiled = (!filter.is_all()).then(|| CompiledFilter::new(filter, &self.dicts));
        let attrs = &self.attrs;
        self.timelines
            .iter()
            .enumerate()
            .filter(move |(slot, _)| compiled.as_ref().is_none_or(|f| f.matches(&attrs[*slot])))
    }

    /// Whether `filter` covers each slot (read in slot order).
    pub(crate) fn slot_cover(&self, filter: &Filter) -> Vec<bool> {
        let compiled = CompiledFilter::new(filter, &self.dicts);
        self.attrs.iter().map(|a| compiled.matches(a)).collect()
    }

    /// The filter attributes of a slot.
    pub(crate) fn attributes(&self, slot: usize) -> &Attributes {
        &self.attrs[slot]
    }

    /// The MRR timeline of a slot.
    pub(crate) fn timeline_of_slot(&self, slot: usize) -> TimelineRef<'_> {
        self.timelines.get(slot)
    }

    /// The slot of a customer id.
    pub(crate) fn slot_of(&self, customer_id: &str) -> Option<usize> {
        self.slots.get(customer_id).copied()
    }

    /// The id, record fields and events of the customer in `slot`.
    pub(crate) fn entry(&self, slot: usize) -> (&str, Option<&CustomerInfo>, &[StoredEvent]) {
        let e = &self.customers[slot];
        (&e.id, e.info.as_ref(), &e.events)
    }

    /// The rate table of the ledger.
    pub(crate) fn fx_table(&self) -> &FxTable {
        &self.fx
    }

    /// The slot of `customer_id`, creating an empty entry when new.
    fn slot_for(&mut self, customer_id: &str) -> usize {
        if let Some(&slot) = self.slots.get(customer_id) {
            return slot;
        }
        self.customers.push(CustomerEntry {
            id: customer_id.to_string(),
            has_record: false,
            info: None,
            events: Vec::new(),
            warnings: Vec::new(),
        });
        self.timelines.push_empty();
        self.billing_slots = OnceLock::new();
        self.attrs.push(Attributes::default());
        self.slots
            .insert(customer_id.to_string(), self.customers.len() - 1);
        self.customers.len() - 1
    }

    /// Takes event `id` out of its customer's list, marking that customer dirty.
    fn detach_event(&mut self, id: &str, dirty: &mut HashSet<String>) {
        let Some(owner) = self.event_owner.remove(id) else {
            return;
        };
        if let Some(&slot) = self.slots.get(&owner) {
            self.customers[slot].events.retain(|e| e.id != id);
        }
        dirty.insert(owner);
    }

    fn refresh_all(&mut self, dirty: HashSet<String>) {
        for id in dirty {
            if let Some(&slot) = self.slots.get(&id) {
                self.refresh(slot);
            }
        }
    }

    /// Recomputes one customer's plans, timeline and warnings, or drops an empty entry.
    fn refresh(&mut self, slot: usize) {
        let entry = &self.customers[slot];
        if entry.events.is_empty() && !entry.has_record {
            self.renumbered += 1;
            self.timelines.swap_remove(slot);
            self.billing_slots = OnceLock::new();
            self.attrs.swap_remove(slot);
            let removed = self.customers.swap_remove(slot);
            self.slots.remove(&removed.id);
            if let Some(moved) = self.customers.get(slot) {
                self.slots.insert(moved.id.clone(), slot);
            }
            return;
        }
        let mut plans: Vec<_> = entry
            .events
            .iter()
            .filter_map(|e| e.plan.as_deref())
            .map(|p| self.dicts.plan.intern(p))
            .collect();
        plans.sort_unstable();
        plans.dedup();
        self.attrs[slot].plans = plans;
        let entry = &mut self.customers[slot];
        entry.warnings.clear();
        let mut timeline =
            customer_timeline(&entry.id, &entry.events, &self.fx, &mut entry.warnings);
        if let Some(days) = self.settings.delinquency_days
            && !timeline.view().is_empty()
        {
            let spans = crate::delinquency::spans(&self.billing.records, &entry.id, days);
            timeline = timeline.without(&spans);
        }
        self.timelines.set(slot, &timeline);
    }
}
