//! The per-tenant revenue ledger: customers, their events and MRR timelines.

use crate::filter::{Attributes, CompiledFilter, Dictionaries, Filter};
use crate::fx::FxTable;
use crate::settings::TenantSettings;
use crate::subscription::{StoredEvent, Warning, customer_timeline};
use crate::timeline::{TimelineArena, TimelineRef};
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{Customer, FxRate, Invoice, Payment, Record, SubscriptionEvent};
use std::collections::{HashMap, HashSet};

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
}

/// The records behind one customer: everything needed to recompute it alone.
#[derive(Debug, Clone)]
struct CustomerEntry {
    id: String,
    /// Whether a customer record exists (events may arrive before it).
    has_record: bool,
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
    invoices: HashMap<String, Invoice>,
    payments: HashMap<String, Payment>,
}

impl Ledger {
    /// Builds the ledger of one tenant from all its records.
    pub fn new(settings: TenantSettings, records: Records<'_>) -> Self {
        let mut ledger = Self {
            settings,
            fx_rates: HashMap::new(),
            fx: FxTable::default(),
            dicts: Dictionaries::default(),
            slots: HashMap::new(),
            timelines: TimelineArena::default(),
            attrs: Vec::new(),
            customers: Vec::new(),
            event_owner: HashMap::new(),
            invoices: HashMap::new(),
            payments: HashMap::new(),
        };
        ledger.fx_rates = records
            .fx_rates
            .iter()
            .map(|r| (r.key(), r.clone()))
            .collect();
        ledger.fx = FxTable::new(
            settings.currency,
            settings.time_zone,
            ledger.fx_rates.values(),
        );
        ledger.upsert_invoices(records.invoices);
        ledger.upsert_payments(records.payments);
        ledger.upsert_customers(records.customers);
        ledger.upsert_subscription_events(records.subscription_events);
        ledger.timelines.compact();
        ledger
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
            self.refresh(slot);
        }
    }

    /// Adds or replaces subscription events (by id), recomputing only the customers touched.
    pub fn upsert_subscription_events(&mut self, events: &[SubscriptionEvent]) {
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
        self.refresh_all(dirty);
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
        let s = self.settings;
        self.fx = FxTable::new(s.currency, s.time_zone, self.fx_rates.values());
        let foreign = |c: Option<Currency>| c.is_some_and(|c| c != s.currency);
        let dirty = self
            .customers
            .iter()
            .filter(|c| {
                c.events
                    .iter()
                    .any(|e| foreign(e.state.as_ref().and_then(|s| s.currency)))
            })
            .map(|c| c.id.clone())
            .collect();
        self.refresh_all(dirty);
    }

    /// Adds or replaces invoices (by id).
    pub fn upsert_invoices(&mut self, invoices: &[Invoice]) {
        self.invoices
            .extend(invoices.iter().map(|i| (i.id.clone(), i.clone())));
    }

    /// Adds or replaces payments (by id).
    pub fn upsert_payments(&mut self, payments: &[Payment]) {
        self.payments
            .extend(payments.iter().map(|p| (p.id.clone(), p.clone())));
    }

    /// The invoices held, by id.
    pub fn invoices(&self) -> &HashMap<String, Invoice> {
        &self.invoices
    }

    /// The payments held, by id.
    pub fn payments(&self) -> &HashMap<String, Payment> {
        &self.payments
    }

    /// The MRR timeline of one customer.
    pub fn timeline(&self, customer_id: &str) -> Option<TimelineRef<'_>> {
        self.slots.get(customer_id).map(|&s| self.timelines.get(s))
    }

    /// Ids of every customer with a record or an event.
    pub fn customer_ids(&self) -> impl Iterator<Item = &str> {
        self.customers.iter().map(|c| c.id.as_str())
    }

    /// Number of customers with a record or an event.
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// Every data problem met while building timelines (amounts counted as 0, rates guessed).
    pub fn warnings(&self) -> impl Iterator<Item = &Warning> {
        self.customers.iter().flat_map(|c| c.warnings.iter())
    }

    /// The timelines of the customers a filter covers.
    pub(crate) fn covered<'a>(&'a self, filter: &Filter) -> impl Iterator<Item = TimelineRef<'a>> {
        let compiled = (!filter.is_all()).then(|| CompiledFilter::new(filter, &self.dicts));
        self.timelines
            .iter()
            .zip(&self.attrs)
            .filter(move |(_, a)| compiled.as_ref().is_none_or(|f| f.matches(a)))
            .map(|(t, _)| t)
    }

    /// The slot of `customer_id`, creating an empty entry when new.
    fn slot_for(&mut self, customer_id: &str) -> usize {
        if let Some(&slot) = self.slots.get(customer_id) {
            return slot;
        }
        self.customers.push(CustomerEntry {
            id: customer_id.to_string(),
            has_record: false,
            events: Vec::new(),
            warnings: Vec::new(),
        });
        self.timelines.push_empty();
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
            self.timelines.swap_remove(slot);
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
        let timeline = customer_timeline(&entry.id, &entry.events, &self.fx, &mut entry.warnings);
        self.timelines.set(slot, &timeline);
    }
}
