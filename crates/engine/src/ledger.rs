//! The per-tenant revenue ledger: customers, their events and MRR timelines.

use crate::billing::{BillingChanges, Raw};
use crate::delinquency::{DelinquencyIndex, DelinquentSpan};
use crate::filter::{Attributes, CompiledFilter, Dictionaries, Filter};
use crate::fx::FxTable;
use crate::settings::TenantSettings;
use crate::stored::{Id, Interner, StoredCost, StoredInvoice, StoredPayment, StoredTime};
use crate::subscription::{StoredEvent, Warning, customer_timeline};
use crate::timeline::{TimelineArena, TimelineRef};
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{
    Cost, Customer, FxRate, Invoice, Payment, Record, SubscriptionEvent, TimeEntry,
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
    /// One shared copy of the customer and invoice ids billing records name.
    ids: Interner,
    invoices: HashMap<Id, StoredInvoice>,
    payments: HashMap<Id, StoredPayment>,
    costs: HashMap<Id, StoredCost>,
    time_entries: HashMap<Id, StoredTime>,
    /// Billing records converted and grouped per customer; built on first use
    /// after any change to invoices, payments, costs, hours or rates.
    billing: OnceLock<crate::billing::BillingIndex>,
    /// The slot of each billing customer (`u32::MAX`: none), built on first
    /// use after slots or billing customers change.
    billing_slots: OnceLock<Vec<u32>>,
    /// With the delinquency setting on: which invoices and payments belong to
    /// whom, so a billing change recomputes only its customers. `None` when off.
    delinquency: Option<DelinquencyIndex>,
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
            ids: Interner::default(),
            invoices: HashMap::new(),
            payments: HashMap::new(),
            costs: HashMap::new(),
            time_entries: HashMap::new(),
            billing: OnceLock::new(),
            billing_slots: OnceLock::new(),
            // Indexed in one pass below, once the billing records are in.
            delinquency: None,
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
        ledger.delinquency = settings
            .delinquency_days
            .map(|days| DelinquencyIndex::build(days, &ledger.invoices, &ledger.payments));
        ledger.upsert_costs(records.costs);
        ledger.upsert_time_entries(records.time_entries);
        ledger.upsert_customers(records.customers);
        ledger.upsert_subscription_events(records.subscription_events);
        ledger.timelines.compact();
        ledger.ids.shrink_to_fit();
        for c in &mut ledger.customers {
            c.events.shrink_to_fit();
            c.warnings.shrink_to_fit();
        }
        ledger.customers.shrink_to_fit();
        ledger.attrs.shrink_to_fit();
        ledger.slots.shrink_to_fit();
        ledger.event_owner.shrink_to_fit();
        ledger.invoices.shrink_to_fit();
        ledger.payments.shrink_to_fit();
        ledger.costs.shrink_to_fit();
        ledger.time_entries.shrink_to_fit();
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
        self.billing = OnceLock::new();
        self.billing_slots = OnceLock::new();
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
        if let Some(d) = &self.delinquency {
            // Converted balances decide whether an invoice is paid up.
            dirty.extend(d.foreign_customers(s.currency, &self.invoices, &self.payments));
        }
        self.refresh_all(dirty);
    }

    /// Adds or replaces invoices (by id). With delinquency on, recomputes the
    /// timelines of their customers (old and new owner).
    pub fn upsert_invoices(&mut self, invoices: &[Invoice]) {
        self.invoices.reserve(invoices.len());
        let mut changes = BillingChanges::default();
        let track = self.billing.get().is_some() || self.delinquency.is_some();
        let tz = self.settings.time_zone;
        for inv in invoices {
            let stored = StoredInvoice::new(inv, tz, &mut self.ids);
            let old = self.invoices.insert(stored.id.clone(), stored);
            if let Some(d) = &mut self.delinquency {
                let previous = old.as_ref().map(|o| &*o.customer_id);
                d.invoice_added(&inv.id, &inv.customer_id, previous);
            }
            if track {
                changes
                    .customers
                    .extend(old.map(|o| o.customer_id.to_string()));
                changes.customers.insert(inv.customer_id.clone());
                changes.records.push(inv.id.clone());
            }
        }
        if self.delinquency.is_some() {
            self.refresh_all(changes.customers.clone());
        }
        self.billing_changed(changes);
    }

    /// Adds or replaces payments (by id). With delinquency on, recomputes the
    /// timelines of the customers of the invoices they (and any replaced
    /// version) name.
    pub fn upsert_payments(&mut self, payments: &[Payment]) {
        self.payments.reserve(payments.len());
        let mut touched = HashSet::new();
        let mut changes = BillingChanges::default();
        let track = self.billing.get().is_some() || self.delinquency.is_some();
        let tz = self.settings.time_zone;
        for p in payments {
            let stored = StoredPayment::new(p, tz, &mut self.ids);
            let (id, invoice) = (stored.id.clone(), stored.invoice_id.clone());
            let old = self.payments.insert(id.clone(), stored);
            let previous = old.map(|o| o.invoice_id);
            if let Some(d) = &mut self.delinquency {
                d.payment_added(&p.id, &p.invoice_id, previous.as_deref());
            }
            if !track {
                continue;
            }
            touched.extend(previous.as_deref().map(str::to_string));
            touched.insert(p.invoice_id.clone());
            changes.payments.push((id, previous, Some(invoice)));
        }
        self.payments_changed(touched, changes);
    }

    /// Adds or replaces cost lines (by id).
    pub fn upsert_costs(&mut self, costs: &[Cost]) {
        self.costs.reserve(costs.len());
        let mut changes = BillingChanges::default();
        let track = self.billing.get().is_some();
        let tz = self.settings.time_zone;
        for c in costs {
            let stored = StoredCost::new(c, tz, &mut self.ids);
            let old = self.costs.insert(stored.id.clone(), stored);
            if !track {
                continue;
            }
            let old = old.map(|o| o.customer_id.as_deref().map(str::to_string));
            for owner in [old, Some(c.customer_id.clone())] {
                match owner {
                    Some(Some(id)) => {
                        changes.customers.insert(id);
                    }
                    Some(None) => changes.unassigned = true,
                    None => {}
                }
            }
            changes.records.push(c.id.clone());
        }
        self.billing_changed(changes);
    }

    /// Adds or replaces time entries (by id).
    pub fn upsert_time_entries(&mut self, entries: &[TimeEntry]) {
        self.time_entries.reserve(entries.len());
        let mut changes = BillingChanges::default();
        let track = self.billing.get().is_some();
        let tz = self.settings.time_zone;
        for t in entries {
            let stored = StoredTime::new(t, tz, &mut self.ids);
            let old = self.time_entries.insert(stored.id.clone(), stored);
            if !track {
                continue;
            }
            changes
                .customers
                .extend(old.map(|o| o.customer_id.to_string()));
            changes.customers.insert(t.customer_id.clone());
            changes.records.push(t.id.clone());
        }
        self.billing_changed(changes);
    }

    /// Removes invoices by id (their payments stay, and count again if the invoice returns).
    pub fn remove_invoices<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let mut changes = BillingChanges::default();
        for id in ids {
            if let Some(inv) = self.invoices.remove(id.as_ref()) {
                if let Some(d) = &mut self.delinquency {
                    d.invoice_removed(id.as_ref(), &inv.customer_id);
                }
                changes.customers.insert(inv.customer_id.to_string());
                changes.records.push(inv.id.to_string());
            }
        }
        if self.delinquency.is_some() {
            self.refresh_all(changes.customers.clone());
        }
        self.billing_changed(changes);
    }

    /// Removes payments by id.
    pub fn remove_payments<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let mut touched = HashSet::new();
        let mut changes = BillingChanges::default();
        for id in ids {
            if let Some(p) = self.payments.remove(id.as_ref()) {
                if let Some(d) = &mut self.delinquency {
                    d.payment_removed(id.as_ref(), &p.invoice_id);
                }
                touched.insert(p.invoice_id.to_string());
                changes.payments.push((p.id, Some(p.invoice_id), None));
            }
        }
        self.payments_changed(touched, changes);
    }

    /// After payments naming `touched` invoices changed: recomputes the
    /// customers of those invoices (timelines with delinquency on, billing facts).
    fn payments_changed(&mut self, touched: HashSet<String>, mut changes: BillingChanges) {
        changes.customers = touched
            .iter()
            .filter_map(|id| self.invoices.get(id.as_str()))
            .map(|inv| inv.customer_id.to_string())
            .collect();
        if self.delinquency.is_some() {
            self.refresh_all(changes.customers.clone());
        }
        self.billing_changed(changes);
    }

    /// The days on which `customer_id` counts as churned for an unpaid invoice
    /// (merged, sorted by day); empty with the delinquency setting off.
    pub fn delinquent_spans(&self, customer_id: &str) -> Vec<DelinquentSpan> {
        self.delinquency.as_ref().map_or_else(Vec::new, |d| {
            d.spans(customer_id, &self.invoices, &self.payments, &self.fx)
        })
    }

    /// Removes cost lines by id.
    pub fn remove_costs<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let mut changes = BillingChanges::default();
        for id in ids {
            if let Some(c) = self.costs.remove(id.as_ref()) {
                changes.records.push(c.id.to_string());
                match c.customer_id {
                    Some(owner) => {
                        changes.customers.insert(owner.to_string());
                    }
                    None => changes.unassigned = true,
                }
            }
        }
        self.billing_changed(changes);
    }

    /// Removes time entries by id.
    pub fn remove_time_entries<S: AsRef<str>>(&mut self, ids: impl IntoIterator<Item = S>) {
        let mut changes = BillingChanges::default();
        for id in ids {
            if let Some(t) = self.time_entries.remove(id.as_ref()) {
                changes.customers.insert(t.customer_id.to_string());
                changes.records.push(t.id.to_string());
            }
        }
        self.billing_changed(changes);
    }

    /// Brings the billing index (when built) up to date with a batch of changes.
    fn billing_changed(&mut self, changes: BillingChanges) {
        if changes.is_empty() {
            return;
        }
        let raw = Raw {
            fx: &self.fx,
            invoices: &self.invoices,
            payments: &self.payments,
            costs: &self.costs,
            time_entries: &self.time_entries,
        };
        if let Some(b) = self.billing.get_mut() {
            let before = b.customers.len();
            b.update(&raw, changes);
            if b.customers.len() != before {
                self.billing_slots = OnceLock::new();
            }
        }
    }

    /// The cost lines held, by id.
    #[cfg(test)]
    pub(crate) fn costs(&self) -> &HashMap<Id, StoredCost> {
        &self.costs
    }

    /// The time entries held, by id.
    #[cfg(test)]
    pub(crate) fn time_entries(&self) -> &HashMap<Id, StoredTime> {
        &self.time_entries
    }

    /// The exchange rates held, by key (`"{currency}|{date}"`).
    pub fn fx_rates(&self) -> &HashMap<String, FxRate> {
        &self.fx_rates
    }

    /// The billing records converted and grouped per customer (built on first use).
    pub(crate) fn billing(&self) -> &crate::billing::BillingIndex {
        self.billing.get_or_init(|| {
            crate::billing::BillingIndex::new(&Raw {
                fx: &self.fx,
                invoices: &self.invoices,
                payments: &self.payments,
                costs: &self.costs,
                time_entries: &self.time_entries,
            })
        })
    }

    /// The slot of each billing customer, by index (`u32::MAX`: none).
    pub(crate) fn billing_slots(&self) -> &[u32] {
        let billing = self.billing();
        self.billing_slots.get_or_init(|| {
            billing
                .customers
                .iter()
                .map(|c| self.slots.get(&c.id).map_or(u32::MAX, |&s| s as u32))
                .collect()
        })
    }

    /// The invoices held, by id.
    pub(crate) fn invoices(&self) -> &HashMap<Id, StoredInvoice> {
        &self.invoices
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
        if let Some(d) = &self.delinquency
            && !timeline.view().is_empty()
        {
            let spans = d.spans(&entry.id, &self.invoices, &self.payments, &self.fx);
            timeline = timeline.without(&spans);
        }
        self.timelines.set(slot, &timeline);
    }
}
