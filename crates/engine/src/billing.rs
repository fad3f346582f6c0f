//! Billing, cash and profitability: revenue billed, open balances and AR aging,
//! DSO, gross margin from cost data, and client profitability (metrics.md,
//! "Billing, cash and profitability").
//!
//! Every amount is converted once, when the ledger's billing index is built,
//! to the reporting currency at the rate in force on the record's own day
//! (invoice: issue day; payment in the invoice's currency: the invoice's rate,
//! so that an invoice paid in full is exactly settled; cost: its day). Values
//! are held to the engine's internal scale, so every sum is exact and segment
//! filters partition the totals to the last digit.

use crate::filter::Filter;
use crate::fx::{FxTable, RateLookup};
use crate::ledger::Ledger;
use crate::money::{quantize, ratio};
use crate::movements::{fixed, unfixed};
use crate::period::Period;
use crate::stored::{Id, StoredCost, StoredInvoice, StoredPayment, StoredTime};
use crate::subscription::{Warning, WarningKind};
use chrono::{Datelike, NaiveDate};
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{InvoiceStatus, PaymentStatus};
use rust_decimal::Decimal;
use serde::Serialize;
use std::borrow::Cow;
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

/// An invoice reduced to what the metrics need, in the reporting currency.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceFact {
    pub id: Id,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    /// Counts as revenue (not void, not draft).
    pub billed: bool,
    /// Counts in AR (not void, draft or uncollectible).
    pub receivable: bool,
    /// Lines ex tax (fixed point, `money::INTERNAL_SCALE`).
    pub amount: i128,
    /// amount + tax − credits (fixed point).
    pub total: i128,
    /// Succeeded payments and refunds: (local day, fixed-point amount), sorted by day.
    pub payments: Vec<(NaiveDate, i128)>,
    /// The first day from which the balance stays at or below 0 for good.
    pub settled_from: Option<NaiveDate>,
}

impl InvoiceFact {
    fn new(
        id: Id,
        (issued, due): (NaiveDate, NaiveDate),
        status: Option<InvoiceStatus>,
        amount: Decimal,
        total: Decimal,
        mut payments: Vec<(NaiveDate, i128)>,
    ) -> Self {
        payments.sort_by_key(|p| p.0);
        payments.shrink_to_fit();
        let total = fixed(total);
        let mut settled_from = (total <= 0).then_some(issued);
        let mut balance = total;
        for (i, &(day, paid)) in payments.iter().enumerate() {
            balance -= paid;
            if payments.get(i + 1).is_some_and(|next| next.0 == day) {
                continue; // net a day's payments before judging it
            }
            if balance <= 0 {
                settled_from.get_or_insert(day.max(issued));
            } else {
                settled_from = None;
            }
        }
        Self {
            id,
            issued,
            due,
            billed: !matches!(status, Some(InvoiceStatus::Void | InvoiceStatus::Draft)),
            receivable: !matches!(
                status,
                Some(InvoiceStatus::Void | InvoiceStatus::Draft | InvoiceStatus::Uncollectible)
            ),
            amount: fixed(amount),
            total,
            payments,
            settled_from,
        }
    }

    /// The open balance on `day` in fixed point, if the invoice is receivable
    /// then (never below 0).
    fn open_on(&self, day: NaiveDate) -> Option<i128> {
        if !self.receivable || self.issued > day {
            return None;
        }
        if self.settled_from.is_some_and(|s| s <= day) {
            return Some(0);
        }
        let paid: i128 = self
            .payments
            .iter()
            .take_while(|p| p.0 <= day)
            .map(|p| p.1)
            .sum();
        Some((self.total - paid).max(0))
    }
}

/// A cost line in the reporting currency.
#[derive(Debug, Clone)]
pub(crate) struct CostFact {
    pub id: Id,
    pub day: NaiveDate,
    pub amount: Decimal,
    pub cost_of_service: bool,
}

/// A time entry: hours and their cost (hours × cost rate, 0 without a rate).
#[derive(Debug, Clone)]
pub(crate) struct TimeFact {
    pub id: Id,
    pub day: NaiveDate,
    pub hours: Decimal,
    pub cost: Decimal,
    /// Whether the entry has a cost rate (cost data, see `Ledger::has_cost_data`).
    pub rated: bool,
}

/// Everything billed to, spent on and worked for one customer.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomerBilling {
    pub id: String,
    /// Sorted by issue day, then id.
    pub invoices: Vec<InvoiceFact>,
    pub costs: Vec<CostFact>,
    pub time: Vec<TimeFact>,
    /// Rates guessed or missing for its records, each with the id of the
    /// record whose fact it came from (an invoice for its payments).
    pub warnings: Vec<(String, Warning)>,
}

impl CustomerBilling {
    /// Whether no record is left (an entry emptied by removals).
    fn is_empty(&self) -> bool {
        self.invoices.is_empty() && self.costs.is_empty() && self.time.is_empty()
    }
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
fn placement(inv: &InvoiceFact) -> Option<Placement> {
    if !inv.receivable || inv.settled_from.is_some_and(|s| s <= inv.issued) {
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
    fn add(&mut self, ci: u32, generation: u32, c: &CustomerBilling) {
        for (ii, inv) in c.invoices.iter().enumerate() {
            let Some(place) = placement(inv) else {
                continue;
            };
            let e = ArEntry {
                total: inv.total,
                issued: inv.issued,
                until: inv.settled_from.unwrap_or(NaiveDate::MAX),
                due: inv.due,
                first_paid: inv.payments.first().map_or(NaiveDate::MAX, |p| p.0),
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
    fn cost_line(&mut self, c: &CostFact, sign: i64) {
        if c.cost_of_service {
            self.cost_value(c.day, c.amount, sign);
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
        for inv in c.invoices.iter().filter(|i| i.billed) {
            self.revenue.add(inv.issued, inv.amount, 1);
            self.revenue_by_day.add(inv.issued, tag(inv.amount));
        }
        for x in &c.costs {
            self.cost_line(x, 1);
            if x.cost_of_service {
                self.cost_by_day.add(x.day, tag(fixed(x.amount)));
            }
        }
        for t in &c.time {
            self.cost_value(t.day, t.cost, 1);
            self.cost_data += i64::from(t.rated);
            self.cost_by_day.add(t.day, tag(fixed(t.cost)));
        }
    }

    /// Takes away what `c` contributed (its entries by day go stale), noting
    /// the days touched.
    fn remove_customer(&mut self, c: &CustomerBilling, days: &mut HashSet<NaiveDate>) {
        for inv in c.invoices.iter().filter(|i| i.billed) {
            self.revenue.add(inv.issued, -inv.amount, -1);
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
            self.cost_value(t.day, t.cost, -1);
            self.cost_data -= i64::from(t.rated);
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

/// Billing records converted to the reporting currency and grouped per customer.
#[derive(Debug, Clone, Default)]
pub(crate) struct BillingIndex {
    /// In order of first appearance; an entry emptied by removals stays.
    pub customers: Vec<CustomerBilling>,
    /// Customer id → index in `customers`.
    by_id: HashMap<String, u32>,
    /// Cost lines without a customer.
    pub unassigned_costs: Vec<CostFact>,
    unassigned_warnings: Vec<Warning>,
    /// Rates guessed or missing, sorted by customer and record id (gathered on
    /// first use after a change).
    warnings: OnceLock<Vec<Warning>>,
    /// Invoice id → ids of the payments that name it (held or not).
    payments_of: HashMap<Id, Vec<Id>>,
    totals: Totals,
    ar: ArIndex,
    /// Per customer: bumped each time it is recomputed, so that entries of
    /// the by-day lists and the AR index added before go stale.
    gens: Vec<u32>,
}

/// The billing records a ledger holds, and how to convert them.
pub(crate) struct Raw<'a> {
    pub fx: &'a FxTable,
    pub invoices: &'a HashMap<Id, StoredInvoice>,
    pub payments: &'a HashMap<Id, StoredPayment>,
    pub costs: &'a HashMap<Id, StoredCost>,
    pub time_entries: &'a HashMap<Id, StoredTime>,
}

/// What changed in a batch: the customers to recompute and the records that
/// may have joined them.
#[derive(Debug, Default)]
pub(crate) struct BillingChanges {
    /// Customers (old and new owners) whose facts to recompute.
    pub customers: HashSet<String>,
    /// Ids of invoices, cost lines and time entries added, replaced or removed.
    pub records: Vec<String>,
    /// Whether cost lines without a customer changed.
    pub unassigned: bool,
    /// Payments added, replaced or removed: (id, previous invoice, new invoice).
    pub payments: Vec<(Id, Option<Id>, Option<Id>)>,
}

impl BillingChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && !self.unassigned && self.payments.is_empty()
    }
}

/// Sorted, deduplicated ids.
fn ids<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = it.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// One customer's facts: those of `old` whose record is not in `changed`
/// kept as they are, the others and those of the records `added` (re)computed
/// (records that are gone or belong to another customer drop out).
fn customer_billing<'a>(
    raw: &Raw<'_>,
    payments_of: &HashMap<Id, Vec<Id>>,
    id: &str,
    old: CustomerBilling,
    added: impl Iterator<Item = &'a str>,
    changed: &HashSet<&str>,
) -> CustomerBilling {
    let mut c = CustomerBilling {
        id: id.to_string(),
        ..CustomerBilling::default()
    };
    let mut redo: Vec<Cow<'a, str>> = added.map(Cow::Borrowed).collect();
    let mut keep = |fact_id: &Id| {
        let stays = !changed.contains(&**fact_id);
        if !stays {
            redo.push(Cow::Owned(fact_id.to_string()));
        }
        stays
    };
    c.invoices = old.invoices.into_iter().filter(|f| keep(&f.id)).collect();
    c.costs = old.costs.into_iter().filter(|f| keep(&f.id)).collect();
    c.time = old.time.into_iter().filter(|f| keep(&f.id)).collect();
    c.warnings = old
        .warnings
        .into_iter()
        .filter(|(source, _)| !changed.contains(source.as_str()))
        .collect();
    redo.sort_unstable();
    redo.dedup();
    for rid in &redo {
        let rid: &str = rid;
        let mut conv = Converter::new(raw.fx);
        if let Some(inv) = raw.invoices.get(rid).filter(|i| &*i.customer_id == id) {
            let paid = payments_of
                .get(rid)
                .into_iter()
                .flatten()
                .filter_map(|p| raw.payments.get(p));
            c.invoices.push(invoice_fact(inv, paid, &mut conv));
        }
        if let Some(x) = raw
            .costs
            .get(rid)
            .filter(|x| x.customer_id.as_deref() == Some(id))
        {
            c.costs.push(cost_fact(x, &mut conv));
        }
        if let Some(t) = raw.time_entries.get(rid).filter(|t| &*t.customer_id == id) {
            c.time.push(time_fact(t));
        }
        c.warnings
            .extend(conv.warnings.into_iter().map(|w| (rid.to_string(), w)));
    }
    c.invoices
        .sort_by(|a, b| (a.issued, &a.id).cmp(&(b.issued, &b.id)));
    c.invoices.shrink_to_fit();
    c.costs.shrink_to_fit();
    c.time.shrink_to_fit();
    c.warnings.shrink_to_fit();
    c
}

fn cost_fact(c: &StoredCost, conv: &mut Converter<'_>) -> CostFact {
    let day = c.day;
    let owner = c.customer_id.as_deref().unwrap_or("");
    let rate = conv.rate(owner, &c.id, c.currency, day);
    CostFact {
        id: c.id.clone(),
        day,
        amount: convert(c.amount, rate),
        cost_of_service: c.cost_of_service,
    }
}

fn time_fact(t: &StoredTime) -> TimeFact {
    TimeFact {
        id: t.id.clone(),
        day: t.day,
        hours: t.hours,
        cost: convert(t.hours, t.cost_rate.unwrap_or(Decimal::ZERO)),
        rated: t.cost_rate.is_some(),
    }
}

/// The cost lines without a customer among `candidates`, and their warnings.
fn unassigned<'a>(
    raw: &Raw<'_>,
    candidates: impl Iterator<Item = &'a str>,
) -> (Vec<CostFact>, Vec<Warning>) {
    let mut conv = Converter::new(raw.fx);
    let facts = ids(candidates)
        .into_iter()
        .filter_map(|id| raw.costs.get(id).filter(|c| c.customer_id.is_none()))
        .map(|c| cost_fact(c, &mut conv))
        .collect();
    (facts, conv.warnings)
}

impl BillingIndex {
    /// The index of every record held.
    pub fn new(raw: &Raw<'_>) -> Self {
        let mut payments_of: HashMap<Id, Vec<Id>> = HashMap::new();
        for p in raw.payments.values() {
            payments_of
                .entry(p.invoice_id.clone())
                .or_default()
                .push(p.id.clone());
        }
        let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
        for inv in raw.invoices.values() {
            groups.entry(&inv.customer_id).or_default().push(&inv.id);
        }
        for c in raw.costs.values() {
            if let Some(owner) = &c.customer_id {
                groups.entry(owner).or_default().push(&c.id);
            }
        }
        for t in raw.time_entries.values() {
            groups.entry(&t.customer_id).or_default().push(&t.id);
        }
        let mut index = Self {
            payments_of,
            ..Self::default()
        };
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_unstable_by_key(|g| g.0);
        for (id, records) in groups {
            let c = customer_billing(
                raw,
                &index.payments_of,
                id,
                CustomerBilling::default(),
                records.into_iter(),
                &HashSet::new(),
            );
            index.push(c);
        }
        let (facts, warnings) = unassigned(
            raw,
            raw.costs
                .values()
                .filter(|c| c.customer_id.is_none())
                .map(|c| &*c.id),
        );
        for f in &facts {
            index.totals.cost_line(f, 1);
        }
        index.unassigned_costs = facts;
        index.unassigned_warnings = warnings;
        index.shrink_to_fit();
        index
    }

    /// Gives back the spare capacity of a freshly built index.
    fn shrink_to_fit(&mut self) {
        self.customers.shrink_to_fit();
        self.by_id.shrink_to_fit();
        self.gens.shrink_to_fit();
        for list in self.payments_of.values_mut() {
            list.shrink_to_fit();
        }
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

    /// Appends a new customer's facts and adds them to the totals.
    fn push(&mut self, c: CustomerBilling) {
        let ci = self.customers.len() as u32;
        self.totals.add_customer(ci, 0, &c);
        self.ar.add(ci, 0, &c);
        self.gens.push(0);
        self.by_id.insert(c.id.clone(), ci);
        self.customers.push(c);
    }

    /// The warnings of every customer, sorted by customer and record id.
    pub fn warnings(&self) -> &[Warning] {
        self.warnings.get_or_init(|| {
            let mut warnings: Vec<Warning> = self
                .customers
                .iter()
                .flat_map(|c| c.warnings.iter().map(|w| w.1.clone()))
                .chain(self.unassigned_warnings.iter().cloned())
                .collect();
            warnings
                .sort_by(|a, b| (&a.customer_id, &a.event_id).cmp(&(&b.customer_id, &b.event_id)));
            warnings
        })
    }

    /// Recomputes only the customers a batch of changes touched.
    pub fn update(&mut self, raw: &Raw<'_>, changes: BillingChanges) {
        for (pid, old, new) in &changes.payments {
            if let Some(old) = old
                && let Some(list) = self.payments_of.get_mut(old)
            {
                list.retain(|p| p != pid);
                if list.is_empty() {
                    self.payments_of.remove(old);
                }
            }
            if let Some(new) = new {
                let list = self.payments_of.entry(new.clone()).or_default();
                if !list.contains(pid) {
                    list.push(pid.clone());
                }
            }
        }
        let mut warnings_changed = false;
        if changes.unassigned {
            let old = std::mem::take(&mut self.unassigned_costs);
            for f in &old {
                self.totals.cost_line(f, -1);
            }
            let (facts, warnings) = unassigned(
                raw,
                old.iter()
                    .map(|f| &*f.id)
                    .chain(changes.records.iter().map(String::as_str)),
            );
            for f in &facts {
                self.totals.cost_line(f, 1);
            }
            warnings_changed |= !warnings.is_empty() || !self.unassigned_warnings.is_empty();
            self.unassigned_costs = facts;
            self.unassigned_warnings = warnings;
        }
        if !changes.customers.is_empty() {
            let mut fresh = Vec::new();
            let mut by_owner: HashMap<&str, Vec<&str>> = HashMap::new();
            for rid in &changes.records {
                let owner = raw
                    .invoices
                    .get(rid.as_str())
                    .map(|i| &*i.customer_id)
                    .into_iter()
                    .chain(
                        raw.costs
                            .get(rid.as_str())
                            .and_then(|c| c.customer_id.as_deref()),
                    )
                    .chain(raw.time_entries.get(rid.as_str()).map(|t| &*t.customer_id));
                for o in owner {
                    by_owner.entry(o).or_default().push(rid);
                }
            }
            let mut days = HashSet::new();
            let mut blocks = HashSet::new();
            let changed: HashSet<&str> = changes
                .records
                .iter()
                .map(String::as_str)
                .chain(
                    changes
                        .payments
                        .iter()
                        .flat_map(|(_, old, new)| [old.as_deref(), new.as_deref()])
                        .flatten(),
                )
                .collect();
            for id in &changes.customers {
                let added = by_owner.get(id.as_str()).into_iter().flatten().copied();
                match self.by_id.get(id) {
                    Some(&ci) => {
                        let old = std::mem::take(&mut self.customers[ci as usize]);
                        self.totals.remove_customer(&old, &mut days);
                        self.ar.retire(&old, &mut blocks);
                        let had_warnings = !old.warnings.is_empty();
                        let c = customer_billing(raw, &self.payments_of, id, old, added, &changed);
                        warnings_changed |= had_warnings || !c.warnings.is_empty();
                        let generation = self.gens[ci as usize].wrapping_add(1);
                        self.gens[ci as usize] = generation;
                        self.totals.add_customer(ci, generation, &c);
                        self.ar.add(ci, generation, &c);
                        self.customers[ci as usize] = c;
                    }
                    None => {
                        let c = customer_billing(
                            raw,
                            &self.payments_of,
                            id,
                            CustomerBilling::default(),
                            added,
                            &changed,
                        );
                        warnings_changed |= !c.warnings.is_empty();
                        fresh.push(c);
                    }
                }
            }
            for day in days {
                self.totals.revenue_by_day.compact(day, &self.gens);
                self.totals.cost_by_day.compact(day, &self.gens);
            }
            self.ar.compact(&blocks, &self.gens);
            for c in fresh {
                self.push(c);
            }
        }
        if warnings_changed {
            self.warnings = OnceLock::new();
        }
    }

    /// The index of customer `id`, if it has billing records.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).map(|&i| i as usize)
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
}

/// Converts record amounts at the rate of their day, noting guessed or missing rates.
pub(crate) struct Converter<'a> {
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

/// `amount × rate` at the internal scale (0 when out of range, as for MRR).
fn convert(amount: Decimal, rate: Decimal) -> Decimal {
    match amount.checked_mul(rate) {
        Some(v) if v.abs() <= crate::money::max_monthly_value() => quantize(v),
        _ => Decimal::ZERO,
    }
}

/// One invoice and its payment attempts (failed ones are skipped) in the
/// reporting currency: the issue-day rate for the invoice and for payments in
/// its currency (or none), a payment's own day rate for another currency.
pub(crate) fn invoice_fact<'p>(
    inv: &StoredInvoice,
    payments: impl IntoIterator<Item = &'p StoredPayment>,
    conv: &mut Converter<'_>,
) -> InvoiceFact {
    let issued = inv.issued;
    let rate = conv.rate(&inv.customer_id, &inv.id, inv.currency, issued);
    let paid: Vec<(NaiveDate, i128)> = payments
        .into_iter()
        .filter(|p| p.status != PaymentStatus::Failed)
        .map(|p| {
            let day = p.day;
            let amount = match p.currency {
                Some(c) if c != inv.currency => {
                    let r = conv.rate(&inv.customer_id, &p.id, c, day);
                    convert(p.amount, r)
                }
                _ => convert(p.amount, rate),
            };
            (day, fixed(amount))
        })
        .collect();
    InvoiceFact::new(
        inv.id.clone(),
        (issued, inv.due),
        inv.status,
        convert(inv.amount, rate),
        convert(inv.total, rate),
        paid,
    )
}

/// Σ of the revenue billed in `period` by one customer, in fixed point, and
/// whether any invoice counted.
fn revenue_of(c: &CustomerBilling, period: Period) -> (i128, bool) {
    // Invoices are sorted by issue day: skip to the period.
    let first = c.invoices.partition_point(|i| i.issued < period.from);
    c.invoices[first..]
        .iter()
        .take_while(|i| i.issued <= period.to)
        .filter(|i| i.billed)
        .fold((0, false), |(sum, _), i| (sum + i.amount, true))
}

/// Σ cost of service of one customer in `period` (as `Decimal` sums).
fn cost_of(c: &CustomerBilling, period: Period) -> Decimal {
    let lines: Decimal = c
        .costs
        .iter()
        .filter(|x| x.cost_of_service && period.contains(x.day))
        .map(|x| x.amount)
        .sum();
    let hours: Decimal = c
        .time
        .iter()
        .filter(|t| period.contains(t.day))
        .map(|t| t.cost)
        .sum();
    lines + hours
}

/// Σ of the unassigned cost-of-service lines in `period` (as a `Decimal` sum).
fn unassigned_cost(b: &BillingIndex, period: Period) -> Decimal {
    b.unassigned_costs
        .iter()
        .filter(|x| x.cost_of_service && period.contains(x.day))
        .map(|x| x.amount)
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

    /// The billing records of the customers `filter` covers.
    fn billed_customers<'a>(
        &'a self,
        filter: &Filter,
    ) -> impl Iterator<Item = &'a CustomerBilling> + 'a {
        let cover = self.billing_cover(filter);
        self.billing()
            .customers
            .iter()
            .enumerate()
            .filter(move |(i, _)| cover.as_ref().is_none_or(|c| c[*i]))
            .map(|(_, c)| c)
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
        let owner = &self.invoices().get(invoice_id)?.customer_id;
        let b = self.billing();
        b.customers[b.position(owner)?]
            .invoices
            .iter()
            .find(|i| &*i.id == invoice_id)?
            .open_on(day)
            .map(|open| unfixed(open, true))
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
                let inv = &b.customers[e.customer as usize].invoices[e.invoice as usize];
                inv.open_on(day).unwrap_or(0)
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
            .filter(|c| !c.is_empty())
            .max_by(|x, y| x.id.cmp(&y.id))
            .map_or(Decimal::ZERO, |c| cost_of(c, period))
    }

    /// `cost_of_service` summed in `Decimal`, customer by customer in id order.
    fn cost_of_service_by_customer(&self, period: Period, filter: &Filter) -> Decimal {
        let mut covered: Vec<&CustomerBilling> = self
            .billed_customers(filter)
            .filter(|c| !c.is_empty())
            .collect();
        covered.sort_by(|x, y| x.id.cmp(&y.id));
        let mut total: Decimal = covered.into_iter().map(|c| cost_of(c, period)).sum();
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
            .filter_map(|c| {
                let (revenue, any_invoice) = revenue_of(c, period);
                let revenue = unfixed(revenue, any_invoice);
                let costs: Vec<_> = c.costs.iter().filter(|x| in_period(x.day)).collect();
                let time: Vec<_> = c.time.iter().filter(|t| in_period(t.day)).collect();
                if !any_invoice && costs.is_empty() && time.is_empty() {
                    return None;
                }
                let direct_costs: Decimal = costs.iter().map(|x| x.amount).sum();
                let labour_cost: Decimal = time.iter().map(|t| t.cost).sum();
                let hours: Decimal = time.iter().map(|t| t.hours).sum();
                let profit = revenue - direct_costs - labour_cost;
                Some(ClientProfit {
                    customer_id: c.id.clone(),
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
        let mut out = Vec::new();
        for c in self.billed_customers(filter) {
            for inv in &c.invoices {
                let days_past_due = (day - inv.due).num_days();
                if days_past_due < 1 {
                    continue;
                }
                if let Some(open) = inv.open_on(day).filter(|&o| o != 0) {
                    out.push(OverdueInvoice {
                        invoice_id: inv.id.to_string(),
                        customer_id: c.id.clone(),
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
        let Some(c) = self
            .billing()
            .customers
            .iter()
            .find(|c| c.id == customer_id)
        else {
            return Vec::new();
        };
        let mut out: Vec<CustomerInvoice> = c
            .invoices
            .iter()
            .map(|inv| CustomerInvoice {
                invoice_id: inv.id.to_string(),
                issued: inv.issued,
                due: inv.due,
                total: unfixed(inv.total, true),
                payments: inv
                    .payments
                    .iter()
                    .map(|(d, a)| (*d, unfixed(*a, true)))
                    .collect(),
                open: inv.open_on(day).map(|o| unfixed(o, true)),
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
        let (sum, any) = self
            .billing()
            .customers
            .iter()
            .filter(|c| self.covers_reference(filter, &c.id))
            .map(|c| revenue_of(c, period))
            .fold((0, false), |(s, a), (x, b)| (s + x, a || b));
        unfixed(sum, any)
    }

    /// `ar_aging` over every invoice, with no index (the reference).
    pub(crate) fn ar_aging_reference(&self, day: NaiveDate, filter: &Filter) -> ArAging {
        let mut aging = FixedAging::default();
        for c in &self.billing().customers {
            if !self.covers_reference(filter, &c.id) {
                continue;
            }
            for inv in &c.invoices {
                if let Some(open) = inv.open_on(day).filter(|&o| o != 0) {
                    aging.add((day - inv.due).num_days(), open);
                }
            }
        }
        aging.finish()
    }

    /// `cost_of_service` in `Decimal`, customer by customer (the reference).
    pub(crate) fn cost_of_service_reference(&self, period: Period, filter: &Filter) -> Decimal {
        let b = self.billing();
        let mut customers: Vec<&CustomerBilling> = b
            .customers
            .iter()
            .filter(|c| self.covers_reference(filter, &c.id) && !c.is_empty())
            .collect();
        customers.sort_by(|x, y| x.id.cmp(&y.id));
        let mut total: Decimal = customers.into_iter().map(|c| cost_of(c, period)).sum();
        if filter.is_all() {
            total += b
                .unassigned_costs
                .iter()
                .filter(|x| x.cost_of_service && period.contains(x.day))
                .map(|x| x.amount)
                .sum::<Decimal>();
        }
        total
    }

    /// `has_cost_data` from every fact (the reference).
    pub(crate) fn has_cost_data_reference(&self) -> bool {
        let b = self.billing();
        b.unassigned_costs.iter().any(|x| x.cost_of_service)
            || b.customers.iter().any(|c| {
                c.costs.iter().any(|x| x.cost_of_service) || c.time.iter().any(|t| t.rated)
            })
    }
}
