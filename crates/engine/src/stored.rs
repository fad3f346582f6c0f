//! Compact copies of the billing records a ledger holds: only the fields the
//! metrics read, with days already in the tenant's time zone and ids shared
//! (`Arc<str>`) between the maps and indexes that name them.

use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::{
    Cost, Invoice, InvoiceStatus, Payment, PaymentStatus, TimeEntry,
};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::sync::Arc;

/// A record id, shared by every map and index that names it.
pub(crate) type Id = Arc<str>;

/// One shared copy of each id seen (customer and invoice ids, which many
/// records name).
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner(HashSet<Id>);

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Id {
        if let Some(id) = self.0.get(s) {
            return id.clone();
        }
        let id: Id = Arc::from(s);
        self.0.insert(id.clone());
        id
    }

    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// An invoice: its days (tenant-local), currency, status and amounts.
#[derive(Debug, Clone)]
pub(crate) struct StoredInvoice {
    pub id: Id,
    pub customer_id: Id,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub currency: Currency,
    pub status: Option<InvoiceStatus>,
    /// Lines ex tax.
    pub amount: Decimal,
    /// amount + tax − credits.
    pub total: Decimal,
}

impl StoredInvoice {
    pub fn new(inv: &Invoice, tz: Tz, ids: &mut Interner) -> Self {
        Self {
            id: ids.get(&inv.id),
            customer_id: ids.get(&inv.customer_id),
            issued: inv.issued_at.local_date(tz),
            due: inv.due_at.local_date(tz),
            currency: inv.currency,
            status: inv.status,
            amount: inv.amount,
            total: inv.total_due(),
        }
    }
}

/// A payment attempt.
#[derive(Debug, Clone)]
pub(crate) struct StoredPayment {
    pub id: Id,
    pub invoice_id: Id,
    /// Tenant-local day paid.
    pub day: NaiveDate,
    pub amount: Decimal,
    pub currency: Option<Currency>,
    pub status: PaymentStatus,
}

impl StoredPayment {
    pub fn new(p: &Payment, tz: Tz, ids: &mut Interner) -> Self {
        Self {
            id: Arc::from(p.id.as_str()),
            invoice_id: ids.get(&p.invoice_id),
            day: p.paid_at.local_date(tz),
            amount: p.amount,
            currency: p.currency,
            status: p.status,
        }
    }
}

/// A cost line.
#[derive(Debug, Clone)]
pub(crate) struct StoredCost {
    pub id: Id,
    pub customer_id: Option<Id>,
    /// Tenant-local day.
    pub day: NaiveDate,
    pub currency: Currency,
    pub amount: Decimal,
    pub cost_of_service: bool,
}

impl StoredCost {
    pub fn new(c: &Cost, tz: Tz, ids: &mut Interner) -> Self {
        Self {
            id: Arc::from(c.id.as_str()),
            customer_id: c.customer_id.as_deref().map(|s| ids.get(s)),
            day: c.date.local_date(tz),
            currency: c.currency,
            amount: c.amount,
            cost_of_service: c.cost_of_service,
        }
    }
}

/// A time entry.
#[derive(Debug, Clone)]
pub(crate) struct StoredTime {
    pub id: Id,
    pub customer_id: Id,
    /// Tenant-local day.
    pub day: NaiveDate,
    pub hours: Decimal,
    pub cost_rate: Option<Decimal>,
}

impl StoredTime {
    pub fn new(t: &TimeEntry, tz: Tz, ids: &mut Interner) -> Self {
        Self {
            id: Arc::from(t.id.as_str()),
            customer_id: ids.get(&t.customer_id),
            day: t.date.local_date(tz),
            hours: t.hours,
            cost_rate: t.cost_rate,
        }
    }
}
