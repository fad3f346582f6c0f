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
use crate::settings::TenantSettings;
use crate::subscription::{Warning, WarningKind};
use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{
    Cost, Invoice, InvoiceStatus, Payment, PaymentStatus, TimeEntry,
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

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

/// An invoice reduced to what the metrics need, in the reporting currency.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceFact {
    pub id: String,
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
        id: String,
        (issued, due): (NaiveDate, NaiveDate),
        status: Option<InvoiceStatus>,
        amount: Decimal,
        total: Decimal,
        mut payments: Vec<(NaiveDate, i128)>,
    ) -> Self {
        payments.sort_by_key(|p| p.0);
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
#[derive(Debug, Clone, Copy)]
pub(crate) struct CostFact {
    pub day: NaiveDate,
    pub amount: Decimal,
    pub cost_of_service: bool,
}

/// A time entry: hours and their cost (hours × cost rate, 0 without a rate).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeFact {
    pub day: NaiveDate,
    pub hours: Decimal,
    pub cost: Decimal,
}

/// Everything billed to, spent on and worked for one customer.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomerBilling {
    pub id: String,
    /// Sorted by issue day, then id.
    pub invoices: Vec<InvoiceFact>,
    pub costs: Vec<CostFact>,
    pub time: Vec<TimeFact>,
}

/// Billing records converted to the reporting currency and grouped per customer.
#[derive(Debug, Clone, Default)]
pub(crate) struct BillingIndex {
    /// Sorted by customer id.
    pub customers: Vec<CustomerBilling>,
    /// Cost lines without a customer.
    pub unassigned_costs: Vec<CostFact>,
    /// Whether any cost-of-service data exists (see `Ledger::has_cost_data`).
    pub has_cost_data: bool,
    /// Rates guessed or missing.
    pub warnings: Vec<Warning>,
    /// Invoice id → (customer index, invoice index).
    pub invoice_pos: HashMap<String, (usize, usize)>,
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

impl BillingIndex {
    pub fn new(
        settings: &TenantSettings,
        fx: &FxTable,
        invoices: &HashMap<String, Invoice>,
        payments: &HashMap<String, Payment>,
        costs: &HashMap<String, Cost>,
        time_entries: &HashMap<String, TimeEntry>,
    ) -> Self {
        let tz = settings.time_zone;
        let mut conv = Converter::new(fx);
        let mut by_invoice: HashMap<&str, Vec<&Payment>> = HashMap::new();
        for p in payments.values() {
            if p.status != PaymentStatus::Failed {
                by_invoice.entry(&p.invoice_id).or_default().push(p);
            }
        }
        let mut groups: HashMap<&str, CustomerBilling> = HashMap::new();
        for inv in invoices.values() {
            let paid = by_invoice.get(inv.id.as_str()).into_iter().flatten();
            let fact = invoice_fact(inv, paid.copied(), tz, &mut conv);
            group(&mut groups, &inv.customer_id).invoices.push(fact);
        }
        let mut unassigned_costs = Vec::new();
        let mut has_cost_data = false;
        for c in costs.values() {
            let day = c.date.local_date(tz);
            let owner = c.customer_id.as_deref().unwrap_or("");
            let rate = conv.rate(owner, &c.id, c.currency, day);
            let fact = CostFact {
                day,
                amount: convert(c.amount, rate),
                cost_of_service: c.cost_of_service,
            };
            has_cost_data |= c.cost_of_service;
            match &c.customer_id {
                Some(id) => group(&mut groups, id).costs.push(fact),
                None => unassigned_costs.push(fact),
            }
        }
        for t in time_entries.values() {
            has_cost_data |= t.cost_rate.is_some();
            let fact = TimeFact {
                day: t.date.local_date(tz),
                hours: t.hours,
                cost: convert(t.hours, t.cost_rate.unwrap_or(Decimal::ZERO)),
            };
            group(&mut groups, &t.customer_id).time.push(fact);
        }
        let mut customers: Vec<CustomerBilling> = groups.into_values().collect();
        customers.sort_by(|a, b| a.id.cmp(&b.id));
        let mut invoice_pos = HashMap::new();
        for (ci, c) in customers.iter_mut().enumerate() {
            c.invoices
                .sort_by(|a, b| (a.issued, &a.id).cmp(&(b.issued, &b.id)));
            for (ii, inv) in c.invoices.iter().enumerate() {
                invoice_pos.insert(inv.id.clone(), (ci, ii));
            }
        }
        let mut warnings = conv.warnings;
        warnings.sort_by(|a, b| (&a.customer_id, &a.event_id).cmp(&(&b.customer_id, &b.event_id)));
        Self {
            customers,
            unassigned_costs,
            has_cost_data,
            warnings,
            invoice_pos,
        }
    }
}

/// One invoice and its payment attempts (failed ones are skipped) in the
/// reporting currency: the issue-day rate for the invoice and for payments in
/// its currency (or none), a payment's own day rate for another currency.
pub(crate) fn invoice_fact<'p>(
    inv: &Invoice,
    payments: impl IntoIterator<Item = &'p Payment>,
    tz: Tz,
    conv: &mut Converter<'_>,
) -> InvoiceFact {
    let issued = inv.issued_at.local_date(tz);
    let rate = conv.rate(&inv.customer_id, &inv.id, inv.currency, issued);
    let paid: Vec<(NaiveDate, i128)> = payments
        .into_iter()
        .filter(|p| p.status != PaymentStatus::Failed)
        .map(|p| {
            let day = p.paid_at.local_date(tz);
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
        (issued, inv.due_at.local_date(tz)),
        inv.status,
        convert(inv.amount, rate),
        convert(inv.total_due(), rate),
        paid,
    )
}

/// The entry of customer `id`, created empty when new.
fn group<'a, 'm>(
    groups: &'m mut HashMap<&'a str, CustomerBilling>,
    id: &'a str,
) -> &'m mut CustomerBilling {
    groups.entry(id).or_insert_with(|| CustomerBilling {
        id: id.to_string(),
        ..CustomerBilling::default()
    })
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

impl Ledger {
    /// The billing records of the customers `filter` covers.
    fn billed_customers<'a>(
        &'a self,
        filter: &Filter,
    ) -> impl Iterator<Item = &'a CustomerBilling> + 'a {
        let matches = self.customer_matcher(filter);
        self.billing()
            .customers
            .iter()
            .filter(move |c| matches(&c.id))
    }

    /// Revenue billed in `period`: Σ invoice amounts ex tax issued in it (void and draft excluded).
    pub fn revenue(&self, period: Period, filter: &Filter) -> Decimal {
        let (sum, any) = self
            .billed_customers(filter)
            .map(|c| revenue_of(c, period))
            .fold((0, false), |(s, a), (x, b)| (s + x, a || b));
        unfixed(sum, any)
    }

    /// The open balance of one invoice on `day` (reporting currency, never below 0);
    /// `None` for an unknown invoice or one not receivable on that day (void,
    /// draft, written off, or issued later).
    pub fn open_balance(&self, invoice_id: &str, day: NaiveDate) -> Option<Decimal> {
        let b = self.billing();
        let &(c, i) = b.invoice_pos.get(invoice_id)?;
        b.customers[c].invoices[i]
            .open_on(day)
            .map(|open| unfixed(open, true))
    }

    /// AR aging on `day`: open balances by days past due (day − due date).
    pub fn ar_aging(&self, day: NaiveDate, filter: &Filter) -> ArAging {
        let mut aging = FixedAging::default();
        for c in self.billed_customers(filter) {
            let issued = c.invoices.partition_point(|i| i.issued <= day);
            for inv in &c.invoices[..issued] {
                if let Some(open) = inv.open_on(day).filter(|&o| o != 0) {
                    aging.add((day - inv.due).num_days(), open);
                }
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
        self.billing().has_cost_data
    }

    /// Cost of service in `period`: cost lines marked cost of service plus hours × cost rate.
    ///
    /// Cost lines without a customer count only when `filter` selects everyone.
    pub fn cost_of_service(&self, period: Period, filter: &Filter) -> Decimal {
        let in_period = |d: NaiveDate| period.contains(d);
        let mut total: Decimal = self
            .billed_customers(filter)
            .map(|c| {
                let lines: Decimal = c
                    .costs
                    .iter()
                    .filter(|x| x.cost_of_service && in_period(x.day))
                    .map(|x| x.amount)
                    .sum();
                let hours: Decimal = c
                    .time
                    .iter()
                    .filter(|t| in_period(t.day))
                    .map(|t| t.cost)
                    .sum();
                lines + hours
            })
            .sum();
        if filter.is_all() {
            total += self
                .billing()
                .unassigned_costs
                .iter()
                .filter(|x| x.cost_of_service && in_period(x.day))
                .map(|x| x.amount)
                .sum::<Decimal>();
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
                        invoice_id: inv.id.clone(),
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

    /// Invoices, payments and costs converted with a guessed rate (`FxRateFromLaterDate`)
    /// or counted as 0 (`NoFxRate`); `event_id` holds the record's id.
    pub fn billing_warnings(&self) -> &[Warning] {
        &self.billing().warnings
    }
}
