//! The billing records a ledger holds — invoices, payments, cost lines and
//! time entries — each once, grouped by customer, with only the fields the
//! metrics read (days already in the tenant's time zone) and the values the
//! billing index derives from them (amounts in the reporting currency, the
//! day an invoice is settled).
//!
//! Ids are numbered (`Names`), so every table keyed by id is a vector and
//! each id's text is held once. Payments name invoices that may not have
//! arrived yet: each invoice number heads a list of the payments naming it.

use crate::money::fixed;
use crate::names::Names;
use crate::warnings::Warning;
use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{
    Cost, Invoice, InvoiceStatus, Payment, PaymentStatus, TimeEntry,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// No record (or customer) in a table slot.
pub(crate) const NONE: u32 = u32::MAX;
/// The owner of a cost line without a customer.
const UNASSIGNED: u32 = u32::MAX - 1;

/// An invoice, as sent and in the reporting currency.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceRec {
    /// Its number in `BillingRecords::invoice_ids`.
    pub id: u32,
    /// Tenant-local issue day.
    pub issued: NaiveDate,
    /// Tenant-local due day.
    pub due: NaiveDate,
    pub currency: Currency,
    pub status: Option<InvoiceStatus>,
    /// Lines ex tax, as sent.
    pub amount: Decimal,
    /// amount + tax − credits, as sent.
    pub total: Decimal,
    /// `amount` in the reporting currency at the issue-day rate (internal scale).
    pub amount_fx: Decimal,
    /// `total` likewise.
    pub total_fx: Decimal,
    /// The first day from which the balance stays at or below 0 for good.
    pub settled_from: Option<NaiveDate>,
}

impl InvoiceRec {
    fn new(id: u32, inv: &Invoice, tz: Tz) -> Self {
        Self {
            id,
            issued: inv.issued_at.local_date(tz),
            due: inv.due_at.local_date(tz),
            currency: inv.currency,
            status: inv.status,
            amount: inv.amount,
            total: inv.total_due(),
            amount_fx: Decimal::ZERO,
            total_fx: Decimal::ZERO,
            settled_from: None,
        }
    }

    /// Counts as revenue (not void, not draft).
    pub fn billed(&self) -> bool {
        !matches!(
            self.status,
            Some(InvoiceStatus::Void | InvoiceStatus::Draft)
        )
    }

    /// Counts in AR (not void, draft or written off).
    pub fn receivable(&self) -> bool {
        self.billed() && self.status != Some(InvoiceStatus::Uncollectible)
    }
}

/// A payment attempt, linked into the list of the invoice it names.
#[derive(Debug, Clone)]
pub(crate) struct PaymentRec {
    /// The number of the invoice it names (`NONE`: no such payment).
    pub invoice: u32,
    /// The next payment naming the same invoice (`NONE`: the last).
    next: u32,
    /// Tenant-local day paid.
    pub day: NaiveDate,
    pub amount: Decimal,
    pub currency: Option<Currency>,
    pub status: PaymentStatus,
    /// In the reporting currency (internal scale), set with its invoice.
    pub converted: Decimal,
}

impl PaymentRec {
    const EMPTY: Self = Self {
        invoice: NONE,
        next: NONE,
        day: NaiveDate::MIN,
        amount: Decimal::ZERO,
        currency: None,
        status: PaymentStatus::Failed,
        converted: Decimal::ZERO,
    };
}

/// A cost line, as sent and in the reporting currency.
#[derive(Debug, Clone)]
pub(crate) struct CostRec {
    /// Its number in `BillingRecords::cost_ids`.
    pub id: u32,
    /// Tenant-local day it was booked (its exchange rate is that day's).
    pub day: NaiveDate,
    /// The days it is spread over: its service period, or its day alone.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub currency: Currency,
    pub cost_of_service: bool,
    /// As sent.
    pub amount: Decimal,
    /// In the reporting currency at its day's rate (internal scale).
    pub converted: Decimal,
}

impl CostRec {
    fn new(id: u32, c: &Cost, tz: Tz) -> Self {
        let day = c.date.local_date(tz);
        let (first, last) = match (&c.service_from, &c.service_to) {
            (Some(a), Some(b)) => {
                let (a, b) = (a.local_date(tz), b.local_date(tz));
                (a.min(b), a.max(b))
            }
            _ => (day, day),
        };
        Self {
            id,
            day,
            first,
            last,
            currency: c.currency,
            cost_of_service: c.cost_of_service,
            amount: c.amount,
            converted: Decimal::ZERO,
        }
    }
}

impl CostRec {
    /// How many days it is spread over (at least 1).
    fn span(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// Each day's share of the converted value: the value ÷ days, cut to the
    /// internal scale, with the remainder on the last day, so the shares of
    /// all its days sum to the value exactly (metrics.md, Costs).
    fn per_day(&self) -> (Decimal, Decimal) {
        let n = self.span();
        if n == 1 {
            return (self.converted, self.converted);
        }
        let share = (self.converted / Decimal::from(n)).round_dp_with_strategy(
            crate::money::INTERNAL_SCALE,
            rust_decimal::RoundingStrategy::ToZero,
        );
        (share, self.converted - share * Decimal::from(n - 1))
    }

    /// The days it falls on, each with its share.
    pub fn shares(&self) -> impl Iterator<Item = (NaiveDate, Decimal)> + '_ {
        let (share, last_share) = self.per_day();
        self.first
            .iter_days()
            .take_while(move |d| *d <= self.last)
            .map(move |d| (d, if d == self.last { last_share } else { share }))
    }

    /// Whether any of its days is in `period`.
    pub fn touches(&self, period: crate::period::Period) -> bool {
        self.first <= period.to && self.last >= period.from
    }

    /// The sum of its shares on the days of `period`.
    pub fn in_period(&self, period: crate::period::Period) -> Decimal {
        if !self.touches(period) {
            return Decimal::ZERO;
        }
        let (share, last_share) = self.per_day();
        let from = self.first.max(period.from);
        let to = self.last.min(period.to);
        let with_last = to == self.last;
        let plain_days = (to - from).num_days() + 1 - i64::from(with_last);
        share * Decimal::from(plain_days) + if with_last { last_share } else { Decimal::ZERO }
    }
}

/// A time entry: hours and their cost rate (reporting currency).
#[derive(Debug, Clone)]
pub(crate) struct TimeRec {
    /// Its number in `BillingRecords::time_ids`.
    pub id: u32,
    /// Tenant-local day.
    pub day: NaiveDate,
    pub hours: Decimal,
    pub cost_rate: Option<Decimal>,
}

impl TimeRec {
    /// Hours × cost rate at the internal scale (0 without a rate).
    pub fn cost(&self) -> Decimal {
        crate::money::convert(self.hours, self.cost_rate.unwrap_or(Decimal::ZERO))
    }
}

/// Everything billed to, spent on and worked for one customer.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomerBilling {
    /// Sorted by issue day, then id.
    pub invoices: Vec<InvoiceRec>,
    /// Sorted by id.
    pub costs: Vec<CostRec>,
    /// Sorted by id.
    pub time: Vec<TimeRec>,
    /// Rates guessed or missing for its records.
    pub warnings: Vec<Warning>,
}

impl CustomerBilling {
    /// Whether no record is left (an entry emptied by removals).
    pub fn is_empty(&self) -> bool {
        self.invoices.is_empty() && self.costs.is_empty() && self.time.is_empty()
    }
}

/// The customers a batch of changes touched, with their records as they were
/// before it (to take their old contribution out of the index). The default
/// tracks nothing, for loading records before the index is built.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Whether to track changes (not while loading: nothing is counted yet).
    tracking: bool,
    /// Customer number → its records before the batch.
    pub customers: BTreeMap<u32, CustomerBilling>,
    /// The cost lines without a customer before the batch, if they changed.
    pub unassigned: Option<Vec<CostRec>>,
}

impl Touched {
    /// For a batch applied to a built index.
    pub fn updating() -> Self {
        Self {
            tracking: true,
            ..Self::default()
        }
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.unassigned.is_none()
    }

    fn customer(&mut self, n: u32, current: &CustomerBilling) {
        if self.tracking {
            self.customers.entry(n).or_insert_with(|| current.clone());
        }
    }

    fn unassigned(&mut self, current: &[CostRec]) {
        if self.tracking && self.unassigned.is_none() {
            self.unassigned = Some(current.to_vec());
        }
    }
}

/// Every billing record of a tenant.
#[derive(Debug, Clone, Default)]
pub(crate) struct BillingRecords {
    /// Customers named by invoices, cost lines or time entries.
    pub customer_ids: Names,
    /// By customer number; an entry emptied by removals stays.
    pub customers: Vec<CustomerBilling>,
    pub invoice_ids: Names,
    /// By invoice number: the customer holding it (`NONE`: not held).
    invoice_owner: Vec<u32>,
    /// By invoice number: the first payment naming it (`NONE`: none).
    first_payment: Vec<u32>,
    pub payment_ids: Names,
    /// By payment number.
    payments: Vec<PaymentRec>,
    pub cost_ids: Names,
    /// By cost number: its customer, `UNASSIGNED` or `NONE`.
    cost_owner: Vec<u32>,
    pub time_ids: Names,
    /// By time-entry number: its customer or `NONE`.
    time_owner: Vec<u32>,
    /// Cost lines without a customer, sorted by id.
    pub unassigned: Vec<CostRec>,
}

/// Grows a table indexed by number to hold `n`.
fn reach<T: Clone>(table: &mut Vec<T>, n: u32, empty: T) {
    if table.len() <= n as usize {
        table.resize(n as usize + 1, empty);
    }
}

/// Takes the record numbered `id` out of `list`.
fn take_out<T>(list: &mut Vec<T>, id: u32, id_of: impl Fn(&T) -> u32) {
    if let Some(i) = list.iter().position(|r| id_of(r) == id) {
        list.swap_remove(i);
    }
}

impl BillingRecords {
    /// The first day the stored invoice `id` counts on (its issue day), if held.
    pub fn invoice_day(&self, id: &str) -> Option<NaiveDate> {
        self.invoice(id).map(|i| i.issued)
    }

    /// The day of the stored payment `id`, if held.
    pub fn payment_day(&self, id: &str) -> Option<NaiveDate> {
        let n = self.payment_ids.get(id)?;
        self.payments
            .get(n as usize)
            .filter(|p| p.invoice != NONE)
            .map(|p| p.day)
    }

    /// The first day the stored cost line `id` counts on (its day or the
    /// start of its service), if held.
    pub fn cost_day(&self, id: &str) -> Option<NaiveDate> {
        let n = self.cost_ids.get(id)?;
        let owner = *self.cost_owner.get(n as usize)?;
        let list = match owner {
            NONE => return None,
            UNASSIGNED => &self.unassigned,
            c => &self.customers.get(c as usize)?.costs,
        };
        list.iter().find(|c| c.id == n).map(|c| c.day.min(c.first))
    }

    /// The day of the stored time entry `id`, if held.
    pub fn time_day(&self, id: &str) -> Option<NaiveDate> {
        let n = self.time_ids.get(id)?;
        let owner = *self.time_owner.get(n as usize)?;
        self.customers
            .get(owner as usize)?
            .time
            .iter()
            .find(|t| t.id == n)
            .map(|t| t.day)
    }

    /// The number of customer `id`, adding an empty entry when new.
    fn customer(&mut self, id: &str) -> u32 {
        let n = self.customer_ids.intern(id);
        if self.customers.len() <= n as usize {
            self.customers.push(CustomerBilling::default());
        }
        n
    }

    /// The number of invoice `id`, growing the tables keyed by it.
    fn invoice_number(&mut self, id: &str) -> u32 {
        let n = self.invoice_ids.intern(id);
        reach(&mut self.invoice_owner, n, NONE);
        reach(&mut self.first_payment, n, NONE);
        n
    }

    /// The customer holding invoice `id`, if held.
    pub fn invoice_customer(&self, id: &str) -> Option<&str> {
        let n = self.invoice_ids.get(id)?;
        let owner = *self.invoice_owner.get(n as usize)?;
        (owner != NONE).then(|| self.customer_ids.name(owner))
    }

    /// The customer of the stored payment `id` (its invoice's holder), if
    /// both are held.
    pub fn payment_customer(&self, id: &str) -> Option<&str> {
        let n = self.payment_ids.get(id)?;
        let p = self.payments.get(n as usize)?;
        let owner = *self.invoice_owner.get(p.invoice as usize)?;
        (p.invoice != NONE && owner != NONE).then(|| self.customer_ids.name(owner))
    }

    /// The invoice with id `id`, if held.
    pub fn invoice(&self, id: &str) -> Option<&InvoiceRec> {
        let n = self.invoice_ids.get(id)?;
        let owner = *self.invoice_owner.get(n as usize)?;
        let inv = self
            .customers
            .get(owner as usize)?
            .invoices
            .iter()
            .find(|i| i.id == n)?;
        Some(inv)
    }

    /// The payments naming invoice number `invoice` (held or not).
    pub fn payments_of(&self, invoice: u32) -> impl Iterator<Item = &PaymentRec> {
        let mut next = self
            .first_payment
            .get(invoice as usize)
            .copied()
            .unwrap_or(NONE);
        std::iter::from_fn(move || {
            let p = self.payments.get(next as usize)?;
            next = p.next;
            Some(p)
        })
    }

    /// Calls `f` with the id and record of each payment naming invoice number
    /// `invoice` (to set their converted amounts).
    pub fn payments_of_mut(&mut self, invoice: u32, mut f: impl FnMut(&str, &mut PaymentRec)) {
        let Self {
            payments,
            payment_ids,
            first_payment,
            ..
        } = self;
        let mut n = first_payment.get(invoice as usize).copied().unwrap_or(NONE);
        while let Some(p) = payments.get_mut(n as usize) {
            f(payment_ids.name(n), p);
            n = p.next;
        }
    }

    /// Adds or replaces an invoice.
    pub fn upsert_invoice(&mut self, inv: &Invoice, tz: Tz, touched: &mut Touched) {
        let n = self.invoice_number(&inv.id);
        let to = self.customer(&inv.customer_id);
        self.drop_invoice(n, touched);
        touched.customer(to, &self.customers[to as usize]);
        self.customers[to as usize]
            .invoices
            .push(InvoiceRec::new(n, inv, tz));
        self.invoice_owner[n as usize] = to;
    }

    /// Removes an invoice (its payments stay, and count again if it returns).
    pub fn remove_invoice(&mut self, id: &str, touched: &mut Touched) {
        if let Some(n) = self.invoice_ids.get(id) {
            self.drop_invoice(n, touched);
        }
    }

    fn drop_invoice(&mut self, n: u32, touched: &mut Touched) {
        let owner = self.invoice_owner.get(n as usize).copied().unwrap_or(NONE);
        if owner == NONE {
            return;
        }
        touched.customer(owner, &self.customers[owner as usize]);
        take_out(&mut self.customers[owner as usize].invoices, n, |i| i.id);
        self.invoice_owner[n as usize] = NONE;
    }

    /// Notes that the customer holding invoice number `invoice` (if any) changes.
    fn touch_invoice(&self, invoice: u32, touched: &mut Touched) {
        let owner = self.invoice_owner[invoice as usize];
        if owner != NONE {
            touched.customer(owner, &self.customers[owner as usize]);
        }
    }

    /// Adds or replaces a payment.
    pub fn upsert_payment(&mut self, p: &Payment, tz: Tz, touched: &mut Touched) {
        let n = self.payment_ids.intern(&p.id);
        reach(&mut self.payments, n, PaymentRec::EMPTY);
        let invoice = self.invoice_number(&p.invoice_id);
        self.drop_payment(n, touched);
        self.touch_invoice(invoice, touched);
        self.payments[n as usize] = PaymentRec {
            invoice,
            next: self.first_payment[invoice as usize],
            day: p.paid_at.local_date(tz),
            amount: p.amount,
            currency: p.currency,
            status: p.status,
            converted: Decimal::ZERO,
        };
        self.first_payment[invoice as usize] = n;
    }

    /// Removes a payment.
    pub fn remove_payment(&mut self, id: &str, touched: &mut Touched) {
        if let Some(n) = self.payment_ids.get(id) {
            self.drop_payment(n, touched);
        }
    }

    fn drop_payment(&mut self, n: u32, touched: &mut Touched) {
        let invoice = self.payments[n as usize].invoice;
        if invoice == NONE {
            return;
        }
        self.touch_invoice(invoice, touched);
        // Unlink it from its invoice's list.
        let next = self.payments[n as usize].next;
        let head = &mut self.first_payment[invoice as usize];
        if *head == n {
            *head = next;
        } else {
            let mut at = *head;
            while at != NONE {
                let p = &mut self.payments[at as usize];
                if p.next == n {
                    p.next = next;
                    break;
                }
                at = p.next;
            }
        }
        self.payments[n as usize] = PaymentRec::EMPTY;
    }

    /// Adds or replaces a cost line.
    pub fn upsert_cost(&mut self, c: &Cost, tz: Tz, touched: &mut Touched) {
        let n = self.cost_ids.intern(&c.id);
        reach(&mut self.cost_owner, n, NONE);
        let to = c
            .customer_id
            .as_deref()
            .map_or(UNASSIGNED, |id| self.customer(id));
        self.drop_cost(n, touched);
        let rec = CostRec::new(n, c, tz);
        if to == UNASSIGNED {
            touched.unassigned(&self.unassigned);
            self.unassigned.push(rec);
        } else {
            touched.customer(to, &self.customers[to as usize]);
            self.customers[to as usize].costs.push(rec);
        }
        self.cost_owner[n as usize] = to;
    }

    /// Removes a cost line.
    pub fn remove_cost(&mut self, id: &str, touched: &mut Touched) {
        if let Some(n) = self.cost_ids.get(id) {
            self.drop_cost(n, touched);
        }
    }

    fn drop_cost(&mut self, n: u32, touched: &mut Touched) {
        match self.cost_owner[n as usize] {
            NONE => return,
            UNASSIGNED => {
                touched.unassigned(&self.unassigned);
                take_out(&mut self.unassigned, n, |c| c.id);
            }
            owner => {
                touched.customer(owner, &self.customers[owner as usize]);
                take_out(&mut self.customers[owner as usize].costs, n, |c| c.id);
            }
        }
        self.cost_owner[n as usize] = NONE;
    }

    /// Adds or replaces a time entry.
    pub fn upsert_time(&mut self, t: &TimeEntry, tz: Tz, touched: &mut Touched) {
        let n = self.time_ids.intern(&t.id);
        reach(&mut self.time_owner, n, NONE);
        let to = self.customer(&t.customer_id);
        self.drop_time(n, touched);
        touched.customer(to, &self.customers[to as usize]);
        self.customers[to as usize].time.push(TimeRec {
            id: n,
            day: t.date.local_date(tz),
            hours: t.hours,
            cost_rate: t.cost_rate,
        });
        self.time_owner[n as usize] = to;
    }

    /// Removes a time entry.
    pub fn remove_time(&mut self, id: &str, touched: &mut Touched) {
        if let Some(n) = self.time_ids.get(id) {
            self.drop_time(n, touched);
        }
    }

    fn drop_time(&mut self, n: u32, touched: &mut Touched) {
        let owner = self.time_owner[n as usize];
        if owner == NONE {
            return;
        }
        touched.customer(owner, &self.customers[owner as usize]);
        take_out(&mut self.customers[owner as usize].time, n, |t| t.id);
        self.time_owner[n as usize] = NONE;
    }

    /// How many invoices, payments, cost lines and time entries are held.
    #[cfg(test)]
    pub fn counts(&self) -> [usize; 4] {
        let held = |owners: &[u32]| owners.iter().filter(|&&o| o != NONE).count();
        [
            held(&self.invoice_owner),
            self.payments.iter().filter(|p| p.invoice != NONE).count(),
            held(&self.cost_owner),
            held(&self.time_owner),
        ]
    }

    /// Gives back the spare capacity of freshly loaded tables.
    pub fn shrink_to_fit(&mut self) {
        for names in [
            &mut self.customer_ids,
            &mut self.invoice_ids,
            &mut self.payment_ids,
            &mut self.cost_ids,
            &mut self.time_ids,
        ] {
            names.shrink_to_fit();
        }
        for c in &mut self.customers {
            c.invoices.shrink_to_fit();
            c.costs.shrink_to_fit();
            c.time.shrink_to_fit();
            c.warnings.shrink_to_fit();
        }
        self.customers.shrink_to_fit();
        self.invoice_owner.shrink_to_fit();
        self.first_payment.shrink_to_fit();
        self.payments.shrink_to_fit();
        self.cost_owner.shrink_to_fit();
        self.time_owner.shrink_to_fit();
        self.unassigned.shrink_to_fit();
    }
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
