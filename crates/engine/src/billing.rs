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

use crate::billing_index::{cost_of, revenue_of, unassigned_cost};
use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::money::ratio;
use crate::money::{fixed, unfixed};
use crate::period::Period;
use crate::stored::CustomerBilling;
use crate::stored::paid;
use crate::warnings::Warning;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

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
                let costs: Vec<_> = c.costs.iter().filter(|x| x.touches(period)).collect();
                let time: Vec<_> = c.time.iter().filter(|t| in_period(t.day)).collect();
                if !any_invoice && costs.is_empty() && time.is_empty() {
                    return None;
                }
                let direct_costs: Decimal = costs.iter().map(|x| x.in_period(period)).sum();
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

/// The gross margin used where a tenant has no cost data (metrics.md default).
pub const DEFAULT_GROSS_MARGIN: Decimal = Decimal::from_parts(80, 0, 0, false, 2);

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
                .filter(|x| x.cost_of_service)
                .map(|x| x.in_period(period))
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
