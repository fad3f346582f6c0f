//! Delinquency (metrics.md, MRR): with the tenant setting on, a customer with
//! an invoice unpaid N days after its due date counts as churned from day
//! due + N until the day the invoice is paid.
//!
//! The ledger applies this to each customer's MRR timeline when it builds it,
//! so every metric derived from timelines (MRR, movements, retention, cohorts,
//! account lists, drill-downs) sees the adjusted values. With the setting off
//! nothing here runs: the ledger keeps no index and does no extra work.

use crate::billing::{Converter, InvoiceFact, invoice_fact};
use crate::fx::FxTable;
use crate::stored::{Id, StoredInvoice, StoredPayment};
use chrono::{Days, NaiveDate};
use quarterdeck_domain::Currency;
use serde::Serialize;
use std::collections::HashMap;

/// Days on which a customer counts as churned for an unpaid invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DelinquentSpan {
    /// First day of the delinquency: the earliest due date + N of the invoices
    /// then unpaid (never before an invoice's issue day).
    pub from: NaiveDate,
    /// The day the customer is paid up again (its MRR counts again from this
    /// day on), or `None` while still unpaid.
    pub until: Option<NaiveDate>,
}

impl DelinquentSpan {
    /// Whether `day` falls in the span.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|u| day < u)
    }
}

/// What the ledger keeps, with the setting on, to recompute one customer's
/// delinquency after a change to its invoices or payments.
#[derive(Debug, Clone)]
pub(crate) struct DelinquencyIndex {
    /// N: the days after the due date from which an unpaid invoice churns its customer.
    pub days: u32,
    /// Customer id → ids of its invoices.
    invoices_of: HashMap<String, Vec<String>>,
    /// Invoice id → ids of the payments that name it.
    payments_of: HashMap<String, Vec<String>>,
}

impl DelinquencyIndex {
    /// The index of every invoice and payment held, built in one pass.
    pub fn build(
        days: u32,
        invoices: &HashMap<Id, StoredInvoice>,
        payments: &HashMap<Id, StoredPayment>,
    ) -> Self {
        Self {
            days,
            invoices_of: group(invoices.iter().map(|(id, i)| (&*i.customer_id, &**id))),
            payments_of: group(payments.iter().map(|(id, p)| (&*p.invoice_id, &**id))),
        }
    }

    /// Records that invoice `id` now belongs to `customer` (moving it from `previous`).
    pub fn invoice_added(&mut self, id: &str, customer: &str, previous: Option<&str>) {
        if let Some(prev) = previous.filter(|p| *p != customer) {
            self.invoice_removed(id, prev);
        }
        add(&mut self.invoices_of, customer, id);
    }

    /// Records that invoice `id` of `customer` is gone (its payments stay indexed).
    pub fn invoice_removed(&mut self, id: &str, customer: &str) {
        remove(&mut self.invoices_of, customer, id);
    }

    /// Records that payment `id` now names `invoice` (moving it from `previous`).
    pub fn payment_added(&mut self, id: &str, invoice: &str, previous: Option<&str>) {
        if let Some(prev) = previous.filter(|p| *p != invoice) {
            self.payment_removed(id, prev);
        }
        add(&mut self.payments_of, invoice, id);
    }

    /// Records that payment `id` of `invoice` is gone.
    pub fn payment_removed(&mut self, id: &str, invoice: &str) {
        remove(&mut self.payments_of, invoice, id);
    }

    /// The customers with an invoice or a payment in a currency other than
    /// `reporting` (whose delinquency an exchange-rate change may move).
    pub fn foreign_customers(
        &self,
        reporting: Currency,
        invoices: &HashMap<Id, StoredInvoice>,
        payments: &HashMap<Id, StoredPayment>,
    ) -> Vec<String> {
        let foreign = |c: Currency| c != reporting;
        self.invoices_of
            .iter()
            .filter(|(_, ids)| {
                ids.iter()
                    .filter_map(|id| invoices.get(id.as_str()))
                    .any(|inv| {
                        foreign(inv.currency)
                            || self.payments_of.get(&*inv.id).is_some_and(|ps| {
                                ps.iter()
                                    .filter_map(|p| payments.get(p.as_str()))
                                    .any(|p| p.currency.is_some_and(foreign))
                            })
                    })
            })
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// The merged delinquent spans of `customer`, sorted by day.
    pub fn spans(
        &self,
        customer: &str,
        invoices: &HashMap<Id, StoredInvoice>,
        payments: &HashMap<Id, StoredPayment>,
        fx: &FxTable,
    ) -> Vec<DelinquentSpan> {
        let Some(ids) = self.invoices_of.get(customer) else {
            return Vec::new();
        };
        let mut conv = Converter::new(fx);
        let mut spans = Vec::new();
        for inv in ids.iter().filter_map(|id| invoices.get(id.as_str())) {
            let paid = self
                .payments_of
                .get(&*inv.id)
                .into_iter()
                .flatten()
                .filter_map(|p| payments.get(p.as_str()));
            let fact = invoice_fact(inv, paid, &mut conv);
            unpaid_spans(&fact, self.days, &mut spans);
        }
        merge(spans)
    }
}

/// Lists of ids per owner, from `(owner, id)` pairs.
fn group<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (owner, id) in pairs {
        match out.get_mut(owner) {
            Some(list) => list.push(id.to_string()),
            None => {
                out.insert(owner.to_string(), vec![id.to_string()]);
            }
        }
    }
    out
}

/// Adds `id` to the list of `owner` (once).
fn add(map: &mut HashMap<String, Vec<String>>, owner: &str, id: &str) {
    match map.get_mut(owner) {
        Some(list) if list.iter().any(|x| x == id) => {}
        Some(list) => list.push(id.to_string()),
        None => {
            map.insert(owner.to_string(), vec![id.to_string()]);
        }
    }
}

/// Takes `id` out of the list of `owner`, dropping an emptied list.
fn remove(map: &mut HashMap<String, Vec<String>>, owner: &str, id: &str) {
    if let Some(list) = map.get_mut(owner) {
        list.retain(|x| x != id);
        if list.is_empty() {
            map.remove(owner);
        }
    }
}

/// The spans from day due + `days` (not before the issue day) on which the
/// invoice's open balance is above 0, appended to `out`. Void and draft
/// invoices never count; written-off (uncollectible) ones do.
pub(crate) fn unpaid_spans(fact: &InvoiceFact, days: u32, out: &mut Vec<DelinquentSpan>) {
    if !fact.billed {
        return;
    }
    let Some(from) = fact.due.checked_add_days(Days::new(u64::from(days))) else {
        return; // beyond the calendar: never
    };
    let from = from.max(fact.issued);
    let payments = &fact.payments; // sorted by day
    let mut balance = fact.total;
    let mut i = 0;
    while let Some(&(_, paid)) = payments.get(i).filter(|p| p.0 <= from) {
        balance -= paid;
        i += 1;
    }
    let mut open_since = (balance > 0).then_some(from);
    while let Some(&(day, _)) = payments.get(i) {
        // Net the day's payments before judging the day.
        while let Some(&(_, paid)) = payments.get(i).filter(|p| p.0 == day) {
            balance -= paid;
            i += 1;
        }
        match (open_since, balance > 0) {
            (Some(since), false) => {
                out.push(DelinquentSpan {
                    from: since,
                    until: Some(day),
                });
                open_since = None;
            }
            (None, true) => open_since = Some(day),
            _ => {}
        }
    }
    if let Some(since) = open_since {
        out.push(DelinquentSpan {
            from: since,
            until: None,
        });
    }
}

/// Sorts spans and merges those that overlap or touch.
pub(crate) fn merge(mut spans: Vec<DelinquentSpan>) -> Vec<DelinquentSpan> {
    spans.sort_by_key(|s| s.from);
    let mut out: Vec<DelinquentSpan> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if last.until.is_none_or(|u| s.from <= u) => {
                last.until = match (last.until, s.until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => out.push(s),
        }
    }
    out
}
