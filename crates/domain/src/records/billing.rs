//! Invoices and the payments that settle them.

use super::{Record, take};
use crate::fields::{self, Fields};
use crate::{Collection, Currency, FieldError, TimePoint};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where an invoice stands, as the billing system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    /// Written off: it will not be paid.
    Uncollectible,
}

const INVOICE_STATUSES: &[&str] = &["draft", "open", "paid", "void", "uncollectible"];

/// An invoice: amounts ex tax, tax and credits in its own currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub customer_id: String,
    pub issued_at: TimePoint,
    pub due_at: TimePoint,
    pub currency: Currency,
    /// Total of the lines, ex tax.
    pub amount: Decimal,
    pub tax: Decimal,
    pub credits: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InvoiceStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Invoice {
    /// What the customer owes before payments: amount + tax − credits.
    pub fn total_due(&self) -> Decimal {
        self.amount + self.tax - self.credits
    }
}

fn lines(v: &Value) -> Result<Vec<Map<String, Value>>, String> {
    let Value::Array(items) = v else {
        return Err("must be an array of objects".into());
    };
    if items.len() > 1000 {
        return Err("may have at most 1000 lines".into());
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| fields::flat_object(item).map_err(|e| format!("line {i}: {e}")))
        .collect()
}

impl Record for Invoice {
    const COLLECTION: Collection = Collection::Invoices;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "issued_at",
        "due_at",
        "currency",
        "amount",
        "tax",
        "credits",
        "status",
        "lines",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let issued_at = f.req("issued_at", fields::time_point);
        let due_at = f.req("due_at", fields::time_point);
        let currency = f.req("currency", fields::currency);
        let amount = f.req("amount", fields::non_negative);
        let tax = f
            .opt_number("tax", fields::non_negative)
            .unwrap_or_default();
        let credits = f
            .opt_number("credits", fields::non_negative)
            .unwrap_or_default();
        let status = f.opt("status", |v| {
            fields::one_of(INVOICE_STATUSES)(v)
                .map(|s| serde_json::from_value(Value::String(s)).expect("listed status"))
        });
        let lines = f.opt("lines", lines).unwrap_or_default();
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        if let (Some(i), Some(d)) = (issued_at, due_at)
            && d.approx_utc() < i.approx_utc()
        {
            f.fail("due_at", format!("must not be before issued_at ({i})"));
        }
        if let Some(amount) = amount
            && credits > amount + tax
        {
            f.fail(
                "credits",
                format!("must not exceed amount + tax ({})", amount + tax),
            );
        }
        f.finish()?;
        take!(id, customer_id, issued_at, due_at, currency, amount);
        Ok(Self {
            id,
            customer_id,
            issued_at,
            due_at,
            currency,
            amount,
            tax,
            credits,
            status,
            lines,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

/// The outcome of a payment attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Succeeded,
    Failed,
    Refunded,
}

/// A payment against an invoice; refunds are negative amounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub invoice_id: String,
    pub paid_at: TimePoint,
    pub amount: Decimal,
    /// `None` means the invoice's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    pub status: PaymentStatus,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for Payment {
    const COLLECTION: Collection = Collection::Payments;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "invoice_id",
        "paid_at",
        "amount",
        "currency",
        "status",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let invoice_id = f.req("invoice_id", fields::id);
        let paid_at = f.req("paid_at", fields::time_point);
        let amount = f.req("amount", fields::decimal);
        let currency = f.opt("currency", fields::currency);
        let status = f
            .opt("status", |v| {
                fields::one_of(&["succeeded", "failed", "refunded"])(v).map(|s| match s.as_str() {
                    "failed" => PaymentStatus::Failed,
                    "refunded" => PaymentStatus::Refunded,
                    _ => PaymentStatus::Succeeded,
                })
            })
            .unwrap_or(PaymentStatus::Succeeded);
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        if let Some(a) = amount {
            if status == PaymentStatus::Refunded && a > Decimal::ZERO {
                f.fail("amount", "a refund must be negative (or zero)");
            } else if status != PaymentStatus::Refunded && a < Decimal::ZERO {
                f.fail(
                    "amount",
                    "a negative amount is a refund: set status to refunded",
                );
            }
        }
        f.finish()?;
        take!(id, invoice_id, paid_at, amount);
        Ok(Self {
            id,
            invoice_id,
            paid_at,
            amount,
            currency,
            status,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}
