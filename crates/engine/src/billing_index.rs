//! The billing index: billing records with their values in the reporting
//! currency, and the tenant-wide sums (revenue and cost per day) and AR blocks
//! derived from them, kept in step with every batch. The billing metrics
//! (`billing`) read it.

use crate::fx::{FxTable, RateLookup};
use crate::money::{convert, fixed, unfixed};
use crate::period::Period;
use crate::stored::{BillingRecords, CostRec, CustomerBilling, InvoiceRec, TimeRec, Touched, paid};
use crate::warnings::{Warning, WarningKind};
use chrono::{Datelike, NaiveDate};
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::PaymentStatus;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The first day from which an invoice's balance stays at or below 0 for
/// good, given its total and its day-sorted payments.
fn settled_from(total: i128, issued: NaiveDate, paid: &[(NaiveDate, i128)]) -> Option<NaiveDate> {
    let mut settled = (total <= 0).then_some(issued);
    let mut balance = total;
    for (i, &(day, amount)) in paid.iter().enumerate() {
        balance -= amount;
        if paid.get(i + 1).is_some_and(|next| next.0 == day) {
            continue; // net a day's payments before judging it
        }
        if balance <= 0 {
            settled.get_or_insert(day.max(issued));
        } else {
            settled = None;
        }
    }
    settled
}

/// The open balance of `inv` on `day` in fixed point, if the invoice is
/// receivable then (never below 0).
fn open_on(records: &BillingRecords, inv: &InvoiceRec, day: NaiveDate) -> Option<i128> {
    if !inv.receivable() || inv.issued > day {
        return None;
    }
    if inv.settled_from.is_some_and(|s| s <= day) {
        return Some(0);
    }
    let paid: i128 = records
        .payments_of(inv.id)
        .filter(|p| p.status != PaymentStatus::Failed && p.day <= day)
        .map(|p| fixed(p.converted))
        .sum();
    Some((fixed(inv.total_fx) - paid).max(0))
}

/// Converts one customer's records to the reporting currency (invoices and
/// payments in its currency at the issue-day rate, a payment in another
/// currency at its own day's rate, cost lines at theirs), settles its
/// invoices, sorts its records and gathers its rate warnings.
fn recompute(records: &mut BillingRecords, ci: u32, fx: &FxTable) {
    let mut c = std::mem::take(&mut records.customers[ci as usize]);
    let customer = records.customer_ids.name(ci).to_string();
    let mut conv = Converter::new(fx);
    let names = &records.invoice_ids;
    c.invoices
        .sort_by(|a, b| (a.issued, names.name(a.id)).cmp(&(b.issued, names.name(b.id))));
    for inv in &mut c.invoices {
        let rate = conv.rate(
            &customer,
            records.invoice_ids.name(inv.id),
            inv.currency,
            inv.issued,
        );
        inv.amount_fx = convert(inv.amount, rate);
        inv.total_fx = convert(inv.total, rate);
        let currency = inv.currency;
        records.payments_of_mut(inv.id, |id, p| {
            if p.status == PaymentStatus::Failed {
                return;
            }
            p.converted = match p.currency {
                Some(other) if other != currency => {
                    convert(p.amount, conv.rate(&customer, id, other, p.day))
                }
                _ => convert(p.amount, rate),
            };
        });
        inv.settled_from = settled_from(fixed(inv.total_fx), inv.issued, &paid(records, inv));
    }
    let names = &records.cost_ids;
    c.costs
        .sort_by(|a, b| names.name(a.id).cmp(names.name(b.id)));
    for x in &mut c.costs {
        x.converted = convert(
            x.amount,
            conv.rate(&customer, names.name(x.id), x.currency, x.day),
        );
    }
    let names = &records.time_ids;
    c.time
        .sort_by(|a, b| names.name(a.id).cmp(names.name(b.id)));
    c.warnings = conv.warnings;
    records.customers[ci as usize] = c;
}

/// `recompute` for the cost lines without a customer; returns their warnings.
fn recompute_unassigned(records: &mut BillingRecords, fx: &FxTable) -> Vec<Warning> {
    let mut conv = Converter::new(fx);
    let names = &records.cost_ids;
    records
        .unassigned
        .sort_by(|a, b| names.name(a.id).cmp(names.name(b.id)));
    for x in &mut records.unassigned {
        x.converted = convert(x.amount, conv.rate("", names.name(x.id), x.currency, x.day));
    }
    conv.warnings
}

/// Per-day fixed-point sums and counts of what was added on each day.
#[derive(Debug, Clone, Default)]
pub(crate) struct Daily {
    /// Day number (from the common era) of the first entry.
    base: i32,
    sums: Vec<i128>,
    counts: Vec<i64>,
}

impl Daily {
    /// Adds `amount` on `day`, `count` counting how many values touched it (negative to take away).
    pub(crate) fn add(&mut self, day: NaiveDate, amount: i128, count: i64) {
        let n = day.num_days_from_ce();
        if self.sums.is_empty() {
            self.base = n;
        } else if n < self.base {
            let grow = (self.base - n) as usize;
            self.sums.splice(0..0, std::iter::repeat_n(0, grow));
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.base = n;
        }
        let i = (n - self.base) as usize;
        if i >= self.sums.len() {
            self.sums.resize(i + 1, 0);
            self.counts.resize(i + 1, 0);
        }
        self.sums[i] += amount;
        self.counts[i] += count;
    }

    /// The sum over the days of `period` and whether anything touched it.
    pub(crate) fn sum(&self, period: Period) -> (i128, bool) {
        let len = self.sums.len() as i64;
        let at = |d: NaiveDate| i64::from(d.num_days_from_ce()) - i64::from(self.base);
        let from = at(period.from).clamp(0, len) as usize;
        let to = (at(period.to) + 1).clamp(0, len) as usize;
        if from >= to {
            return (0, false);
        }
        let sum = self.sums[from..to].iter().sum();
        let touched = self.counts[from..to].iter().any(|&c| c != 0);
        (sum, touched)
    }
}

/// A list of entries some of which went stale (their customer was recomputed).
#[derive(Debug, Clone)]
struct List<T> {
    items: Vec<T>,
    stale: usize,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            stale: 0,
        }
    }
}

/// An entry tagged with its customer and that customer's generation when added:
/// it is live while the generation is current.
trait Tagged {
    fn tag(&self) -> (u32, u32);
    fn live(&self, gens: &[u32]) -> bool {
        let (c, g) = self.tag();
        gens[c as usize] == g
    }
}

impl<T: Tagged> List<T> {
    /// Drops stale entries once they are at least half the list.
    pub(crate) fn compact(&mut self, gens: &[u32]) {
        if self.stale > 0 && self.stale * 2 >= self.items.len() {
            self.items.retain(|e| e.live(gens));
            self.stale = 0;
        }
    }
}

/// A fixed-point value of one customer on a day.
#[derive(Debug, Clone, Copy)]
struct DayEntry {
    amount: i128,
    customer: u32,
    generation: u32,
}

impl Tagged for DayEntry {
    fn tag(&self) -> (u32, u32) {
        (self.customer, self.generation)
    }
}

/// Every customer's values by day, for sums over the customers a filter covers.
#[derive(Debug, Clone, Default)]
pub(crate) struct ByDay {
    /// Day number (from the common era) of the first list.
    base: i32,
    days: Vec<List<DayEntry>>,
}

impl ByDay {
    fn list(&mut self, day: NaiveDate) -> &mut List<DayEntry> {
        let n = day.num_days_from_ce();
        if self.days.is_empty() {
            self.base = n;
        } else if n < self.base {
            let grow = (self.base - n) as usize;
            self.days
                .splice(0..0, std::iter::repeat_with(List::default).take(grow));
            self.base = n;
        }
        let i = (n - self.base) as usize;
        if i >= self.days.len() {
            self.days.resize_with(i + 1, List::default);
        }
        &mut self.days[i]
    }

    fn add(&mut self, day: NaiveDate, e: DayEntry) {
        self.list(day).items.push(e);
    }

    /// Notes that one entry on `day` went stale.
    pub(crate) fn retire(&mut self, day: NaiveDate) {
        self.list(day).stale += 1;
    }

    pub(crate) fn compact(&mut self, day: NaiveDate, gens: &[u32]) {
        self.list(day).compact(gens);
    }

    /// Σ of the live entries in `period` of the customers `cover` marks, and
    /// whether any counted.
    pub(crate) fn sum(&self, period: Period, cover: &[bool], gens: &[u32]) -> (i128, bool) {
        let len = self.days.len() as i64;
        let at = |d: NaiveDate| i64::from(d.num_days_from_ce()) - i64::from(self.base);
        let from = at(period.from).clamp(0, len) as usize;
        let to = (at(period.to) + 1).clamp(0, len) as usize;
        let mut sum = 0;
        let mut any = false;
        for list in self.days.get(from..to).unwrap_or_default() {
            for e in &list.items {
                if cover[e.customer as usize] && e.live(gens) {
                    sum += e.amount;
                    any = true;
                }
            }
        }
        (sum, any)
    }
}

/// Days per block of the AR index.
const AR_BLOCK: i32 = 32;
/// Invoices open over more blocks than this are kept in the open-ended list.
const AR_MAX_BLOCKS: i32 = 24;

/// A receivable invoice while it may be open: issued ≤ day < until.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArEntry {
    /// amount + tax − credits (fixed point).
    pub(crate) total: i128,
    pub(crate) issued: NaiveDate,
    /// `settled_from`, or `NaiveDate::MAX` when never settled.
    pub(crate) until: NaiveDate,
    pub(crate) due: NaiveDate,
    /// The first payment's day (`NaiveDate::MAX` without payments): before
    /// it the open balance is the total.
    pub(crate) first_paid: NaiveDate,
    pub(crate) customer: u32,
    pub(crate) generation: u32,
    pub(crate) invoice: u32,
}

impl Tagged for ArEntry {
    fn tag(&self) -> (u32, u32) {
        (self.customer, self.generation)
    }
}

/// Where an invoice sits in the AR index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// In blocks `first..=last`.
    Blocks(i32, i32),
    OpenEnded,
}

/// The receivable invoices that may be open on a day, found without scanning
/// the settled ones: each sits in the blocks of days it may be open in.
#[derive(Debug, Clone, Default)]
pub(crate) struct ArIndex {
    blocks: HashMap<i32, List<ArEntry>>,
    /// Never settled, or open over many blocks.
    open_ended: List<ArEntry>,
}

fn ar_block(day: NaiveDate) -> i32 {
    day.num_days_from_ce().div_euclid(AR_BLOCK)
}

/// Where `inv` goes in the AR index (`None`: never open).
fn placement(inv: &InvoiceRec) -> Option<Placement> {
    if !inv.receivable() || inv.settled_from.is_some_and(|s| s <= inv.issued) {
        return None;
    }
    let first = ar_block(inv.issued);
    Some(match inv.settled_from {
        Some(s) => {
            let last = ar_block(s.pred_opt().unwrap_or(s));
            if last - first <= AR_MAX_BLOCKS {
                Placement::Blocks(first, last)
            } else {
                Placement::OpenEnded
            }
        }
        None => Placement::OpenEnded,
    })
}

impl ArIndex {
    /// Adds the receivable invoices of customer `ci` (generation `generation`).
    pub(crate) fn add(&mut self, ci: u32, generation: u32, records: &BillingRecords) {
        for (ii, inv) in records.customers[ci as usize].invoices.iter().enumerate() {
            let Some(place) = placement(inv) else {
                continue;
            };
            let first_paid = records
                .payments_of(inv.id)
                .filter(|p| p.status != PaymentStatus::Failed)
                .map(|p| p.day)
                .min();
            let e = ArEntry {
                total: fixed(inv.total_fx),
                issued: inv.issued,
                until: inv.settled_from.unwrap_or(NaiveDate::MAX),
                due: inv.due,
                first_paid: first_paid.unwrap_or(NaiveDate::MAX),
                customer: ci,
                generation,
                invoice: ii as u32,
            };
            match place {
                Placement::Blocks(first, last) => {
                    for b in first..=last {
                        self.blocks.entry(b).or_default().items.push(e);
                    }
                }
                Placement::OpenEnded => self.open_ended.items.push(e),
            }
        }
    }

    /// Marks the entries of `c` stale (its generation moves on), compacting
    /// lists where stale entries have piled up.
    pub(crate) fn retire(&mut self, c: &CustomerBilling, touched: &mut HashSet<Option<i32>>) {
        for place in c.invoices.iter().filter_map(placement) {
            match place {
                Placement::Blocks(first, last) => {
                    for b in first..=last {
                        if let Some(list) = self.blocks.get_mut(&b) {
                            list.stale += 1;
                        }
                        touched.insert(Some(b));
                    }
                }
                Placement::OpenEnded => {
                    self.open_ended.stale += 1;
                    touched.insert(None);
                }
            }
        }
    }

    pub(crate) fn compact(&mut self, touched: &HashSet<Option<i32>>, gens: &[u32]) {
        for t in touched {
            match t {
                Some(b) => {
                    if let Some(list) = self.blocks.get_mut(b) {
                        list.compact(gens);
                    }
                }
                None => self.open_ended.compact(gens),
            }
        }
    }

    /// The live candidates that may be open on `day`.
    pub(crate) fn candidates<'a>(
        &'a self,
        day: NaiveDate,
        gens: &'a [u32],
    ) -> impl Iterator<Item = &'a ArEntry> {
        self.blocks
            .get(&ar_block(day))
            .into_iter()
            .flat_map(|l| &l.items)
            .chain(&self.open_ended.items)
            .filter(move |e| e.issued <= day && day < e.until && e.live(gens))
    }
}

/// What every customer adds to the tenant-wide sums.
#[derive(Debug, Clone, Default)]
pub(crate) struct Totals {
    /// Revenue billed per issue day (counts: billed invoices).
    pub(crate) revenue: Daily,
    /// Cost of service per day: cost lines marked so (with or without a
    /// customer) and time entries (counts: values of the internal scale).
    pub(crate) cost: Daily,
    /// Σ |cost values| in fixed point: below `Decimal`'s range, fixed-point
    /// sums equal `Decimal` sums exactly.
    pub(crate) cost_magnitude: u128,
    /// Negative cost values (validation forbids them; with any, sums are
    /// taken the slow way, whose zero results depend on order).
    pub(crate) negatives: i64,
    /// Cost lines marked cost of service plus time entries with a cost rate.
    pub(crate) cost_data: i64,
    /// Billed invoice amounts by issue day, per customer.
    pub(crate) revenue_by_day: ByDay,
    /// Cost-of-service values of customers by day.
    pub(crate) cost_by_day: ByDay,
}

impl Totals {
    pub(crate) fn cost_line(&mut self, c: &CostRec, sign: i64) {
        if c.cost_of_service {
            for (day, share) in c.shares() {
                self.cost_value(day, share, sign);
            }
            self.cost_data += sign;
        }
    }

    pub(crate) fn cost_value(&mut self, day: NaiveDate, v: Decimal, sign: i64) {
        let x = fixed(v);
        let touched = i64::from(v.scale() != 0);
        self.cost.add(day, x * i128::from(sign), touched * sign);
        self.negatives += i64::from(x < 0) * sign;
        let m = x.unsigned_abs();
        self.cost_magnitude = if sign > 0 {
            self.cost_magnitude.saturating_add(m)
        } else {
            self.cost_magnitude.saturating_sub(m)
        };
    }

    /// Adds what `c` (customer `ci`, generation `generation`) contributes.
    pub(crate) fn add_customer(&mut self, ci: u32, generation: u32, c: &CustomerBilling) {
        let tag = |amount| DayEntry {
            amount,
            customer: ci,
            generation,
        };
        for inv in c.invoices.iter().filter(|i| i.billed()) {
            let amount = fixed(inv.amount_fx);
            self.revenue.add(inv.issued, amount, 1);
            self.revenue_by_day.add(inv.issued, tag(amount));
        }
        for x in &c.costs {
            self.cost_line(x, 1);
            if x.cost_of_service {
                for (day, share) in x.shares() {
                    self.cost_by_day.add(day, tag(fixed(share)));
                }
            }
        }
        for t in &c.time {
            let cost = t.cost();
            self.cost_value(t.day, cost, 1);
            self.cost_data += i64::from(t.cost_rate.is_some());
            self.cost_by_day.add(t.day, tag(fixed(cost)));
        }
    }

    /// Takes away what `c` contributed (its entries by day go stale), noting
    /// the days touched.
    pub(crate) fn remove_customer(&mut self, c: &CustomerBilling, days: &mut HashSet<NaiveDate>) {
        for inv in c.invoices.iter().filter(|i| i.billed()) {
            self.revenue.add(inv.issued, -fixed(inv.amount_fx), -1);
            self.revenue_by_day.retire(inv.issued);
            days.insert(inv.issued);
        }
        for x in &c.costs {
            self.cost_line(x, -1);
            if x.cost_of_service {
                for (day, _) in x.shares() {
                    self.cost_by_day.retire(day);
                    days.insert(day);
                }
            }
        }
        for t in &c.time {
            self.cost_value(t.day, t.cost(), -1);
            self.cost_data -= i64::from(t.cost_rate.is_some());
            self.cost_by_day.retire(t.day);
            days.insert(t.day);
        }
    }

    /// Whether fixed-point cost sums are exact `Decimal` sums (no value below 0,
    /// and every partial sum within `Decimal`'s 96-bit mantissa).
    pub(crate) fn cost_exact(&self) -> bool {
        self.negatives == 0 && self.cost_magnitude < (1u128 << 96) / 2
    }
}

/// Billing records with their values in the reporting currency, and the
/// tenant-wide sums and AR blocks derived from them, kept in step with every
/// batch.
#[derive(Debug, Clone, Default)]
pub(crate) struct BillingIndex {
    /// The records, grouped per customer.
    pub records: BillingRecords,
    /// Rates guessed or missing for cost lines without a customer.
    pub(crate) unassigned_warnings: Vec<Warning>,
    /// Rates guessed or missing, sorted by customer and record id (gathered on
    /// first use after a change).
    pub(crate) warnings: OnceLock<Vec<Warning>>,
    pub(crate) totals: Totals,
    pub(crate) ar: ArIndex,
    /// Per customer: bumped each time it is recomputed, so that entries of
    /// the by-day lists and the AR index added before go stale.
    pub(crate) gens: Vec<u32>,
}

impl BillingIndex {
    /// The index of `records`, converted with `fx`.
    pub fn new(mut records: BillingRecords, fx: &FxTable) -> Self {
        records.shrink_to_fit();
        let customers = records.customers.len() as u32;
        let mut index = Self {
            records,
            gens: vec![0; customers as usize],
            ..Self::default()
        };
        for ci in 0..customers {
            recompute(&mut index.records, ci, fx);
            index.add(ci, 0);
        }
        index.unassigned_warnings = recompute_unassigned(&mut index.records, fx);
        for f in &index.records.unassigned {
            index.totals.cost_line(f, 1);
        }
        index.shrink_to_fit();
        index
    }

    /// Converts everything again (after a change of rates).
    pub fn rebuild(&mut self, fx: &FxTable) {
        *self = Self::new(std::mem::take(&mut self.records), fx);
    }

    /// Adds what customer `ci` (at `generation`) contributes.
    pub(crate) fn add(&mut self, ci: u32, generation: u32) {
        let c = &self.records.customers[ci as usize];
        self.totals.add_customer(ci, generation, c);
        self.ar.add(ci, generation, &self.records);
    }

    /// Gives back the spare capacity of a freshly built index.
    pub(crate) fn shrink_to_fit(&mut self) {
        for list in self.ar.blocks.values_mut() {
            list.items.shrink_to_fit();
        }
        self.ar.open_ended.items.shrink_to_fit();
        for by_day in [
            &mut self.totals.revenue_by_day,
            &mut self.totals.cost_by_day,
        ] {
            for list in &mut by_day.days {
                list.items.shrink_to_fit();
            }
        }
    }

    /// The warnings of every customer, sorted by customer and record id.
    pub fn warnings(&self) -> &[Warning] {
        self.warnings.get_or_init(|| {
            let mut warnings: Vec<Warning> = self
                .records
                .customers
                .iter()
                .flat_map(|c| c.warnings.iter().cloned())
                .chain(self.unassigned_warnings.iter().cloned())
                .collect();
            warnings
                .sort_by(|a, b| (&a.customer_id, &a.event_id).cmp(&(&b.customer_id, &b.event_id)));
            warnings
        })
    }

    /// After a batch changed the records: takes out what the touched
    /// customers contributed before it, recomputes them and adds them back.
    /// Returns the customers touched.
    pub fn apply(&mut self, touched: Touched, fx: &FxTable) -> Vec<u32> {
        self.gens.resize(self.records.customers.len(), 0);
        let mut days = HashSet::new();
        let mut blocks = HashSet::new();
        let mut warnings_changed = false;
        for old in touched.customers.values() {
            self.totals.remove_customer(old, &mut days);
            self.ar.retire(old, &mut blocks);
            warnings_changed |= !old.warnings.is_empty();
        }
        if let Some(old) = &touched.unassigned {
            for f in old {
                self.totals.cost_line(f, -1);
            }
            let warnings = recompute_unassigned(&mut self.records, fx);
            warnings_changed |= !warnings.is_empty() || !self.unassigned_warnings.is_empty();
            self.unassigned_warnings = warnings;
            for f in &self.records.unassigned {
                self.totals.cost_line(f, 1);
            }
        }
        for &ci in touched.customers.keys() {
            recompute(&mut self.records, ci, fx);
            let generation = self.gens[ci as usize].wrapping_add(1);
            self.gens[ci as usize] = generation;
            self.add(ci, generation);
            warnings_changed |= !self.records.customers[ci as usize].warnings.is_empty();
        }
        for day in days {
            self.totals.revenue_by_day.compact(day, &self.gens);
            self.totals.cost_by_day.compact(day, &self.gens);
        }
        self.ar.compact(&blocks, &self.gens);
        if warnings_changed {
            self.warnings = OnceLock::new();
        }
        touched.customers.into_keys().collect()
    }

    /// The number of customer `id`, if it has billing records.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.records.customer_ids.get(id).map(|i| i as usize)
    }

    /// Revenue billed in `period` by everyone.
    pub(crate) fn revenue(&self, period: Period) -> Decimal {
        let (sum, any) = self.totals.revenue.sum(period);
        unfixed(sum, any)
    }

    /// Whether any cost-of-service data exists.
    pub(crate) fn has_cost_data(&self) -> bool {
        self.totals.cost_data > 0
    }

    /// The open balance of `inv` on `day` (see `open_on`).
    pub(crate) fn open_on(&self, inv: &InvoiceRec, day: NaiveDate) -> Option<i128> {
        open_on(&self.records, inv, day)
    }
}

/// Converts record amounts at the rate of their day, noting guessed or missing rates.
struct Converter<'a> {
    fx: &'a FxTable,
    warnings: Vec<Warning>,
}

impl<'a> Converter<'a> {
    /// A converter using `fx`, with no warnings yet.
    pub(crate) fn new(fx: &'a FxTable) -> Self {
        Self {
            fx,
            warnings: Vec::new(),
        }
    }

    /// The rate of `currency` on `day` (0 when the currency has no rate at all).
    pub(crate) fn rate(
        &mut self,
        customer_id: &str,
        record_id: &str,
        c: Currency,
        day: NaiveDate,
    ) -> Decimal {
        let mut warn = |kind| {
            self.warnings.push(Warning {
                customer_id: customer_id.to_string(),
                event_id: record_id.to_string(),
                kind,
            })
        };
        match self.fx.lookup(Some(c), day) {
            RateLookup::InForce(r) => r,
            RateLookup::Later(r, rate_date) => {
                warn(WarningKind::FxRateFromLaterDate {
                    currency: c,
                    rate_date,
                });
                r
            }
            RateLookup::Missing => {
                warn(WarningKind::NoFxRate { currency: c });
                Decimal::ZERO
            }
        }
    }
}

/// Σ of the revenue billed in `period` by one customer, in fixed point, and
/// whether any invoice counted.
pub(crate) fn revenue_of(c: &CustomerBilling, period: Period) -> (i128, bool) {
    // Invoices are sorted by issue day: skip to the period.
    let first = c.invoices.partition_point(|i| i.issued < period.from);
    c.invoices[first..]
        .iter()
        .take_while(|i| i.issued <= period.to)
        .filter(|i| i.billed())
        .fold((0, false), |(sum, _), i| (sum + fixed(i.amount_fx), true))
}

/// Σ cost of service of one customer in `period` (as `Decimal` sums).
pub(crate) fn cost_of(c: &CustomerBilling, period: Period) -> Decimal {
    let lines: Decimal = c
        .costs
        .iter()
        .filter(|x| x.cost_of_service)
        .map(|x| x.in_period(period))
        .sum();
    let hours: Decimal = c
        .time
        .iter()
        .filter(|t| period.contains(t.day))
        .map(TimeRec::cost)
        .sum();
    lines + hours
}

/// Σ of the unassigned cost-of-service lines in `period` (as a `Decimal` sum).
pub(crate) fn unassigned_cost(b: &BillingIndex, period: Period) -> Decimal {
    b.records
        .unassigned
        .iter()
        .filter(|x| x.cost_of_service)
        .map(|x| x.in_period(period))
        .sum()
}
