//! Billing, cash and profitability: revenue billed, open balances and AR aging,
//! DSO, gross margin from cost data, and client profitability (metrics.md,
//! "Billing, cash and profitability").
//!
//! Every amount is converted when its customer's records change (or the rates
//! do), to the reporting currency at the rate in force on the record's own day
//! (invoice: issue day; payment in the invoice's currency: the invoice's rate,
//! so that an invoice paid in full is exactly settled; cost: its day). Values
//! are held to the engine's internal scale, so every sum is exact and segment
//! filters partition the totals to the last digit.

use crate::filter::Filter;
use crate::fx::{FxTable, RateLookup};
use crate::ledger::Ledger;
use crate::money::{convert, ratio};
use crate::movements::{fixed, unfixed};
use crate::period::Period;
use crate::stored::{BillingRecords, CostRec, CustomerBilling, InvoiceRec, TimeRec, Touched};
use crate::subscription::{Warning, WarningKind};
use chrono::{Datelike, NaiveDate};
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::PaymentStatus;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Open balances on one day by days past due (all in the reporting currency).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArAging {
    /// Not yet due (days past due ≤ 0).
    pub current: Decimal,
    /// 1–30 days past due.
    pub d1_30: Decimal,
    /// 31–60 days past due.
    pub d31_60: Decimal,
    /// 61–90 days past due.
    pub d61_90: Decimal,
    /// More than 90 days past due.
    pub d90_plus: Decimal,
    /// Total AR: the sum of the buckets.
    pub total: Decimal,
}

/// AR buckets summed in fixed point: current, 1–30, 31–60, 61–90, 90+.
#[derive(Debug, Default)]
struct FixedAging {
    sums: [i128; 5],
    touched: [bool; 5],
}

impl FixedAging {
    /// Adds an open balance `days_past_due` days past due.
    fn add(&mut self, days_past_due: i64, balance: i128) {
        let bucket = match days_past_due {
            i64::MIN..=0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        self.sums[bucket] += balance;
        self.touched[bucket] = true;
    }

    fn finish(self) -> ArAging {
        let b = |i: usize| unfixed(self.sums[i], self.touched[i]);
        ArAging {
            current: b(0),
            d1_30: b(1),
            d31_60: b(2),
            d61_90: b(3),
            d90_plus: b(4),
            total: unfixed(self.sums.iter().sum(), self.touched.iter().any(|&t| t)),
        }
    }
}

impl ArAging {
    /// Past-due AR: total − current.
    pub fn overdue(&self) -> Decimal {
        self.total - self.current
    }
}

/// One customer's profitability over a period (reporting currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientProfit {
    /// The customer.
    pub customer_id: String,
    /// Revenue billed in the period (ex tax).
    pub revenue: Decimal,
    /// Cost lines attributed to the customer, dated in the period (any category).
    pub direct_costs: Decimal,
    /// Σ hours × cost rate of its time entries in the period.
    pub labour_cost: Decimal,
    /// Hours worked for it in the period.
    pub hours: Decimal,
    /// revenue − direct costs − labour cost.
    pub profit: Decimal,
    /// profit ÷ revenue (`None` without revenue); below 0 means unprofitable.
    pub margin: Option<Decimal>,
    /// revenue ÷ hours (`None` without hours).
    pub effective_hourly_rate: Option<Decimal>,
}

/// An invoice past due with an open balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueInvoice {
    /// The invoice.
    pub invoice_id: String,
    /// Its customer.
    pub customer_id: String,
    /// Its due date (tenant-local).
    pub due_date: NaiveDate,
    /// Day − due date (≥ 1).
    pub days_past_due: i64,
    /// What is still owed on the day, in the reporting currency.
    pub open_balance: Decimal,
}

/// One invoice of one customer, as the account page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerInvoice {
    pub invoice_id: String,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    /// Amount + tax − credits, in the reporting currency.
    pub total: Decimal,
    /// Succeeded payments and refunds (negative), by local day.
    pub payments: Vec<(NaiveDate, Decimal)>,
    /// Still open on the day asked (None for void, draft or uncollectible invoices).
    pub open: Option<Decimal>,
}

/// The payments of `inv` that count (succeeded and refunds; failed attempts
/// never do) in the reporting currency, sorted by day.
pub(crate) fn paid(records: &BillingRecords, inv: &InvoiceRec) -> Vec<(NaiveDate, i128)> {
    let mut paid: Vec<(NaiveDate, i128)> = records
        .payments_of(inv.id)
        .filter(|p| p.status != PaymentStatus::Failed)
        .map(|p| (p.day, fixed(p.converted)))
        .collect();
    paid.sort_by_key(|p| p.0);
    paid
}

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
struct Daily {
    /// Day number (from the common era) of the first entry.
    base: i32,
    sums: Vec<i128>,
    counts: Vec<i64>,
}

impl Daily {
    /// Adds `amount` on `day`, `count` counting how many values touched it (negative to take away).
    fn add(&mut self, day: NaiveDate, amount: i128, count: i64) {
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
    fn sum(&self, period: Period) -> (i128, bool) {
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
    fn compact(&mut self, gens: &[u32]) {
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
struct ByDay {
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
    fn retire(&mut self, day: NaiveDate) {
        self.list(day).stale += 1;
    }

    fn compact(&mut self, day: NaiveDate, gens: &[u32]) {
        self.list(day).compact(gens);
    }

    /// Σ of the live entries in `period` of the customers `cover` marks, and
    /// whether any counted.
    fn sum(&self, period: Period, cover: &[bool], gens: &[u32]) -> (i128, bool) {
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
struct ArEntry {
    /// amount + tax − credits (fixed point).
    total: i128,
    issued: NaiveDate,
    /// `settled_from`, or `NaiveDate::MAX` when never settled.
    until: NaiveDate,
    due: NaiveDate,
    /// The first payment's day (`NaiveDate::MAX` without payments): before
    /// it the open balance is the total.
    first_paid: NaiveDate,
    customer: u32,
    generation: u32,
    invoice: u32,
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
struct ArIndex {
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
    fn add(&mut self, ci: u32, generation: u32, records: &BillingRecords) {
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
    fn retire(&mut self, c: &CustomerBilling, touched: &mut HashSet<Option<i32>>) {
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

    fn compact(&mut self, touched: &HashSet<Option<i32>>, gens: &[u32]) {
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
    fn candidates<'a>(
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
struct Totals {
    /// Revenue billed per issue day (counts: billed invoices).
    revenue: Daily,
    /// Cost of service per day: cost lines marked so (with or without a
    /// customer) and time entries (counts: values of the internal scale).
    cost: Daily,
    /// Σ |cost values| in fixed point: below `Decimal`'s range, fixed-point
    /// sums equal `Decimal` sums exactly.
    cost_magnitude: u128,
    /// Negative cost values (validation forbids them; with any, sums are
    /// taken the slow way, whose zero results depend on order).
    negatives: i64,
    /// Cost lines marked cost of service plus time entries with a cost rate.
    cost_data: i64,
    /// Billed invoice amounts by issue day, per customer.
    revenue_by_day: ByDay,
    /// Cost-of-service values of customers by day.
    cost_by_day: ByDay,
}

impl Totals {
    fn cost_line(&mut self, c: &CostRec, sign: i64) {
        if c.cost_of_service {
            self.cost_value(c.day, c.converted, sign);
            self.cost_data += sign;
        }
    }

    fn cost_value(&mut self, day: NaiveDate, v: Decimal, sign: i64) {
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
    fn add_customer(&mut self, ci: u32, generation: u32, c: &CustomerBilling) {
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
                self.cost_by_day.add(x.day, tag(fixed(x.converted)));
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
    fn remove_customer(&mut self, c: &CustomerBilling, days: &mut HashSet<NaiveDate>) {
        for inv in c.invoices.iter().filter(|i| i.billed()) {
            self.revenue.add(inv.issued, -fixed(inv.amount_fx), -1);
            self.revenue_by_day.retire(inv.issued);
            days.insert(inv.issued);
        }
        for x in &c.costs {
            self.cost_line(x, -1);
            if x.cost_of_service {
                self.cost_by_day.retire(x.day);
                days.insert(x.day);
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
    fn cost_exact(&self) -> bool {
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
    unassigned_warnings: Vec<Warning>,
    /// Rates guessed or missing, sorted by customer and record id (gathered on
    /// first use after a change).
    warnings: OnceLock<Vec<Warning>>,
    totals: Totals,
    ar: ArIndex,
    /// Per customer: bumped each time it is recomputed, so that entries of
    /// the by-day lists and the AR index added before go stale.
    gens: Vec<u32>,
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
    fn add(&mut self, ci: u32, generation: u32) {
        let c = &self.records.customers[ci as usize];
        self.totals.add_customer(ci, generation, c);
        self.ar.add(ci, generation, &self.records);
    }

    /// Gives back the spare capacity of a freshly built index.
    fn shrink_to_fit(&mut self) {
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
    fn revenue(&self, period: Period) -> Decimal {
        let (sum, any) = self.totals.revenue.sum(period);
        unfixed(sum, any)
    }

    /// Whether any cost-of-service data exists.
    fn has_cost_data(&self) -> bool {
        self.totals.cost_data > 0
    }

    /// The open balance of `inv` on `day` (see `open_on`).
    fn open_on(&self, inv: &InvoiceRec, day: NaiveDate) -> Option<i128> {
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
    fn new(fx: &'a FxTable) -> Self {
        Self {
            fx,
            warnings: Vec::new(),
        }
    }

    /// The rate of `currency` on `day` (0 when the currency has no rate at all).
    fn rate(&mut self, customer_id: &str, record_id: &str, c: Currency, day: NaiveDate) -> Decimal {
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
fn revenue_of(c: &CustomerBilling, period: Period) -> (i128, bool) {
    // Invoices are sorted by issue day: skip to the period.
    let first = c.invoices.partition_point(|i| i.issued < period.from);
    c.invoices[first..]
        .iter()
        .take_while(|i| i.issued <= period.to)
        .filter(|i| i.billed())
        .fold((0, false), |(sum, _), i| (sum + fixed(i.amount_fx), true))
}

/// Σ cost of service of one customer in `period` (as `Decimal` sums).
fn cost_of(c: &CustomerBilling, period: Period) -> Decimal {
    let lines: Decimal = c
        .costs
        .iter()
        .filter(|x| x.cost_of_service && period.contains(x.day))
        .map(|x| x.converted)
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
fn unassigned_cost(b: &BillingIndex, period: Period) -> Decimal {
    b.records
        .unassigned
        .iter()
        .filter(|x| x.cost_of_service && period.contains(x.day))
        .map(|x| x.converted)
        .sum()
}

impl Ledger {
    /// Which billing customers `filter` covers, by index (`None`: everyone).
    fn billing_cover(&self, filter: &Filter) -> Option<Vec<bool>> {
        if filter.is_all() {
            return None;
        }
        let by_slot = self.slot_cover(filter);
        Some(
            self.billing_slots()
                .iter()
                .map(|&slot| by_slot.get(slot as usize).copied().unwrap_or(false))
                .collect(),
        )
    }

    /// The billing records of the customers `filter` covers, with their ids.
    fn billed_customers<'a>(
        &'a self,
        filter: &Filter,
    ) -> impl Iterator<Item = (&'a str, &'a CustomerBilling)> + 'a {
        let cover = self.billing_cover(filter);
        let records = &self.billing().records;
        records
            .customers
            .iter()
            .enumerate()
            .filter(move |(i, _)| cover.as_ref().is_none_or(|c| c[*i]))
            .map(|(i, c)| (records.customer_ids.name(i as u32), c))
    }

    /// Revenue billed in `period`: Σ invoice amounts ex tax issued in it (void and draft excluded).
    pub fn revenue(&self, period: Period, filter: &Filter) -> Decimal {
        let b = self.billing();
        match self.billing_cover(filter) {
            None => b.revenue(period),
            Some(cover) => {
                let (sum, any) = b.totals.revenue_by_day.sum(period, &cover, &b.gens);
                unfixed(sum, any)
            }
        }
    }

    /// The open balance of one invoice on `day` (reporting currency, never below 0);
    /// `None` for an unknown invoice or one not receivable on that day (void,
    /// draft, written off, or issued later).
    pub fn open_balance(&self, invoice_id: &str, day: NaiveDate) -> Option<Decimal> {
        let b = self.billing();
        let inv = b.records.invoice(invoice_id)?;
        b.open_on(inv, day).map(|open| unfixed(open, true))
    }

    /// AR aging on `day`: open balances by days past due (day − due date).
    pub fn ar_aging(&self, day: NaiveDate, filter: &Filter) -> ArAging {
        let cover = self.billing_cover(filter);
        let b = self.billing();
        let mut aging = FixedAging::default();
        for e in b.ar.candidates(day, &b.gens) {
            if cover.as_ref().is_some_and(|c| !c[e.customer as usize]) {
                continue;
            }
            let open = if day < e.first_paid {
                e.total.max(0)
            } else {
                let inv = &b.records.customers[e.customer as usize].invoices[e.invoice as usize];
                b.open_on(inv, day).unwrap_or(0)
            };
            if open != 0 {
                aging.add((day - e.due).num_days(), open);
            }
        }
        aging.finish()
    }

    /// Past-due AR on `day`: total AR − current.
    pub fn ar_overdue(&self, day: NaiveDate, filter: &Filter) -> Decimal {
        self.ar_aging(day, filter).overdue()
    }

    /// DSO: AR at the period's end ÷ revenue billed in the period × its days (`None` without revenue).
    pub fn dso(&self, period: Period, filter: &Filter) -> Option<Decimal> {
        let ar = self.ar_aging(period.to, filter).total;
        let revenue = self.revenue(period, filter);
        ratio(ar * Decimal::from(period.days()), revenue)
    }

    /// Whether the tenant has cost-of-service data (a cost line marked cost of
    /// service, or a time entry with a cost rate); without it, callers use the
    /// tenant's gross-margin setting (`gross_margin_or`).
    pub fn has_cost_data(&self) -> bool {
        self.billing().has_cost_data()
    }

    /// Cost of service in `period`: cost lines marked cost of service plus hours × cost rate.
    ///
    /// Cost lines without a customer count only when `filter` selects everyone.
    pub fn cost_of_service(&self, period: Period, filter: &Filter) -> Decimal {
        let b = self.billing();
        if !b.totals.cost_exact() {
            return self.cost_of_service_by_customer(period, filter);
        }
        // Values are at least 0 and their sums stay in range: the fixed-point
        // sum is the Decimal sum, which has the internal scale unless it is 0.
        let sum = match self.billing_cover(filter) {
            None => b.totals.cost.sum(period).0,
            Some(cover) => b.totals.cost_by_day.sum(period, &cover, &b.gens).0,
        };
        if sum != 0 {
            return unfixed(sum, true);
        }
        // Every value is 0; a Decimal sum of zeros has the scale of its last
        // term: the unassigned lines, or the last customer by id.
        if filter.is_all() {
            return unassigned_cost(b, period);
        }
        self.billed_customers(filter)
            .filter(|(_, c)| !c.is_empty())
            .max_by(|x, y| x.0.cmp(y.0))
            .map_or(Decimal::ZERO, |(_, c)| cost_of(c, period))
    }

    /// `cost_of_service` summed in `Decimal`, customer by customer in id order.
    fn cost_of_service_by_customer(&self, period: Period, filter: &Filter) -> Decimal {
        let mut covered: Vec<(&str, &CustomerBilling)> = self
            .billed_customers(filter)
            .filter(|(_, c)| !c.is_empty())
            .collect();
        covered.sort_by(|x, y| x.0.cmp(y.0));
        let mut total: Decimal = covered.into_iter().map(|(_, c)| cost_of(c, period)).sum();
        if filter.is_all() {
            total += unassigned_cost(self.billing(), period);
        }
        total
    }

    /// Gross margin of `period` from cost data: (revenue − cost of service) ÷ revenue
    /// (`None` without revenue).
    pub fn gross_margin(&self, period: Period, filter: &Filter) -> Option<Decimal> {
        let revenue = self.revenue(period, filter);
        ratio(revenue - self.cost_of_service(period, filter), revenue)
    }

    /// The gross margin to use (e.g. for LTV): from cost data when the tenant has
    /// any and the period has revenue, else `setting` (the tenant's, 0.80 by default).
    pub fn gross_margin_or(&self, period: Period, filter: &Filter, setting: Decimal) -> Decimal {
        if self.has_cost_data() {
            self.gross_margin(period, filter).unwrap_or(setting)
        } else {
            setting
        }
    }

    /// Profitability of each covered customer with revenue, costs or hours in
    /// `period`, sorted by profit ascending (least profitable first), then id.
    pub fn client_profitability(&self, period: Period, filter: &Filter) -> Vec<ClientProfit> {
        let in_period = |d: NaiveDate| period.contains(d);
        let mut out: Vec<ClientProfit> = self
            .billed_customers(filter)
            .filter_map(|(id, c)| {
                let (revenue, any_invoice) = revenue_of(c, period);
                let revenue = unfixed(revenue, any_invoice);
                let costs: Vec<_> = c.costs.iter().filter(|x| in_period(x.day)).collect();
                let time: Vec<_> = c.time.iter().filter(|t| in_period(t.day)).collect();
                if !any_invoice && costs.is_empty() && time.is_empty() {
                    return None;
                }
                let direct_costs: Decimal = costs.iter().map(|x| x.converted).sum();
                let labour_cost: Decimal = time.iter().map(|t| t.cost()).sum();
                let hours: Decimal = time.iter().map(|t| t.hours).sum();
                let profit = revenue - direct_costs - labour_cost;
                Some(ClientProfit {
                    customer_id: id.to_string(),
                    revenue,
                    direct_costs,
                    labour_cost,
                    hours,
                    profit,
                    margin: ratio(profit, revenue),
                    effective_hourly_rate: ratio(revenue, hours),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.profit
                .cmp(&b.profit)
                .then_with(|| a.customer_id.cmp(&b.customer_id))
        });
        out
    }

    /// Invoices past due with an open balance on `day`, most days past due first
    /// (then larger balance, then id).
    pub fn overdue_invoices(&self, day: NaiveDate, filter: &Filter) -> Vec<OverdueInvoice> {
        let b = self.billing();
        let mut out = Vec::new();
        for (id, c) in self.billed_customers(filter) {
            for inv in &c.invoices {
                let days_past_due = (day - inv.due).num_days();
                if days_past_due < 1 {
                    continue;
                }
                if let Some(open) = b.open_on(inv, day).filter(|&o| o != 0) {
                    out.push(OverdueInvoice {
                        invoice_id: b.records.invoice_ids.name(inv.id).to_string(),
                        customer_id: id.to_string(),
                        due_date: inv.due,
                        days_past_due,
                        open_balance: unfixed(open, true),
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            b.days_past_due
                .cmp(&a.days_past_due)
                .then_with(|| b.open_balance.cmp(&a.open_balance))
                .then_with(|| a.invoice_id.cmp(&b.invoice_id))
        });
        out
    }

    /// One customer's invoices in the reporting currency, newest first, with
    /// their payments and what is still open on `day`.
    pub fn customer_invoices(&self, customer_id: &str, day: NaiveDate) -> Vec<CustomerInvoice> {
        let b = self.billing();
        let Some(c) = b.position(customer_id).map(|i| &b.records.customers[i]) else {
            return Vec::new();
        };
        let mut out: Vec<CustomerInvoice> = c
            .invoices
            .iter()
            .map(|inv| CustomerInvoice {
                invoice_id: b.records.invoice_ids.name(inv.id).to_string(),
                issued: inv.issued,
                due: inv.due,
                total: unfixed(fixed(inv.total_fx), true),
                payments: paid(&b.records, inv)
                    .into_iter()
                    .map(|(d, a)| (d, unfixed(a, true)))
                    .collect(),
                open: b.open_on(inv, day).map(|o| unfixed(o, true)),
            })
            .collect();
        out.sort_by(|a, b| {
            b.issued
                .cmp(&a.issued)
                .then_with(|| b.invoice_id.cmp(&a.invoice_id))
        });
        out
    }

    /// Invoices, payments and costs converted with a guessed rate (`FxRateFromLaterDate`)
    /// or counted as 0 (`NoFxRate`); `event_id` holds the record's id.
    pub fn billing_warnings(&self) -> &[Warning] {
        self.billing().warnings()
    }
}

#[cfg(test)]
impl Ledger {
    /// Whether `filter` covers customer `id`, looked up by id (the reference).
    fn covers_reference(&self, filter: &Filter, id: &str) -> bool {
        filter.is_all() || self.slot_of(id).is_some_and(|s| self.slot_cover(filter)[s])
    }

    /// `revenue` customer by customer, with no index (the reference).
    pub(crate) fn revenue_reference(&self, period: Period, filter: &Filter) -> Decimal {
        let records = &self.billing().records;
        let (sum, any) = records
            .customers
            .iter()
            .enumerate()
            .filter(|(i, _)| self.covers_reference(filter, records.customer_ids.name(*i as u32)))
            .map(|(_, c)| revenue_of(c, period))
            .fold((0, false), |(s, a), (x, b)| (s + x, a || b));
        unfixed(sum, any)
    }

    /// `ar_aging` over every invoice, with no index (the reference).
    pub(crate) fn ar_aging_reference(&self, day: NaiveDate, filter: &Filter) -> ArAging {
        let mut aging = FixedAging::default();
        let b = self.billing();
        for (i, c) in b.records.customers.iter().enumerate() {
            if !self.covers_reference(filter, b.records.customer_ids.name(i as u32)) {
                continue;
            }
            for inv in &c.invoices {
                if let Some(open) = b.open_on(inv, day).filter(|&o| o != 0) {
                    aging.add((day - inv.due).num_days(), open);
                }
            }
        }
        aging.finish()
    }

    /// `cost_of_service` in `Decimal`, customer by customer (the reference).
    pub(crate) fn cost_of_service_reference(&self, period: Period, filter: &Filter) -> Decimal {
        let b = self.billing();
        let names = &b.records.customer_ids;
        let mut customers: Vec<(&str, &CustomerBilling)> = b
            .records
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| (names.name(i as u32), c))
            .filter(|(id, c)| self.covers_reference(filter, id) && !c.is_empty())
            .collect();
        customers.sort_by(|x, y| x.0.cmp(y.0));
        let mut total: Decimal = customers.into_iter().map(|(_, c)| cost_of(c, period)).sum();
        if filter.is_all() {
            total += b
                .records
                .unassigned
                .iter()
                .filter(|x| x.cost_of_service && period.contains(x.day))
                .map(|x| x.converted)
                .sum::<Decimal>();
        }
        total
    }

    /// `has_cost_data` from every fact (the reference).
    pub(crate) fn has_cost_data_reference(&self) -> bool {
        let b = self.billing();
        b.records.unassigned.iter().any(|x| x.cost_of_service)
            || b.records.customers.iter().any(|c| {
                c.costs.iter().any(|x| x.cost_of_service)
                    || c.time.iter().any(|t| t.cost_rate.is_some())
            })
    }
}
