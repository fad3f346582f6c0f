//! Delinquency (metrics.md, MRR): with the tenant setting on, a customer with
//! an invoice unpaid N days after its due date counts as churned from day
//! due + N until the day the invoice is paid.
//!
//! The ledger applies this to each customer's MRR timeline when it builds it,
//! so every metric derived from timelines (MRR, movements, retention, cohorts,
//! account lists, drill-downs) sees the adjusted values. With the setting off
//! nothing here runs.

use crate::money::fixed;
use crate::stored::paid;
use crate::stored::{BillingRecords, InvoiceRec};
use chrono::{Days, NaiveDate};
use quarterdeck_domain::Currency;
use serde::Serialize;

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

/// The merged delinquent spans of `customer` with the setting at `days`,
/// sorted by day (from its invoices as last converted by the billing index).
pub(crate) fn spans(records: &BillingRecords, customer: &str, days: u32) -> Vec<DelinquentSpan> {
    let Some(ci) = records.customer_ids.get(customer) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    for inv in &records.customers[ci as usize].invoices {
        unpaid_spans(inv, &paid(records, inv), days, &mut spans);
    }
    merge(spans)
}

/// The customers with an invoice or a payment in a currency other than
/// `reporting` (whose delinquency an exchange-rate change may move).
pub(crate) fn foreign_customers(records: &BillingRecords, reporting: Currency) -> Vec<String> {
    let foreign = |c: Currency| c != reporting;
    let has_foreign = |inv: &InvoiceRec| {
        foreign(inv.currency)
            || records
                .payments_of(inv.id)
                .any(|p| p.currency.is_some_and(foreign))
    };
    records
        .customers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.invoices.iter().any(has_foreign))
        .map(|(i, _)| records.customer_ids.name(i as u32).to_string())
        .collect()
}

/// The spans from day due + `days` (not before the issue day) on which the
/// invoice's open balance is above 0, appended to `out`, given its payments
/// (converted, sorted by day). Void and draft invoices never count;
/// written-off (uncollectible) ones do.
pub(crate) fn unpaid_spans(
    inv: &InvoiceRec,
    payments: &[(NaiveDate, i128)],
    days: u32,
    out: &mut Vec<DelinquentSpan>,
) {
    if !inv.billed() {
        return;
    }
    let Some(from) = inv.due.checked_add_days(Days::new(u64::from(days))) else {
        return; // beyond the calendar: never
    };
    let from = from.max(inv.issued);
    let mut balance = fixed(inv.total_fx);
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
