//! Costs and time entries: what serving customers costs.

use super::{Record, take};
use crate::fields::{self, Fields};
use crate::{Collection, Currency, FieldError, TimePoint};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A cost line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub id: String,
    pub date: TimePoint,
    pub amount: Decimal,
    pub currency: Currency,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Counts toward cost of service (gross margin).
    pub cost_of_service: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// First day of the service the cost pays for (with `service_to`): the
    /// cost is spread evenly over those days instead of falling on `date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_from: Option<TimePoint>,
    /// Last day of that service, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_to: Option<TimePoint>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// Longest service period a cost may be spread over (three years of days).
pub const MAX_SERVICE_DAYS: i64 = 1096;

impl Record for Cost {
    const COLLECTION: Collection = Collection::Costs;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "date",
        "amount",
        "currency",
        "category",
        "customer_id",
        "cost_of_service",
        "description",
        "service_from",
        "service_to",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let date = f.req("date", fields::time_point);
        let service_from = f.opt("service_from", fields::time_point);
        let service_to = f.opt("service_to", fields::time_point);
        match (&service_from, &service_to) {
            (Some(a), Some(b)) => {
                // Compared as UTC dates: the tenant's zone moves both alike.
                let (a, b) = (a.approx_utc().date_naive(), b.approx_utc().date_naive());
                if b < a {
                    f.fail(
                        "service_to",
                        format!("must not be before service_from ({a})"),
                    );
                } else if (b - a).num_days() >= MAX_SERVICE_DAYS {
                    f.fail(
                        "service_to",
                        format!("a service period is at most {MAX_SERVICE_DAYS} days"),
                    );
                }
            }
            (Some(_), None) => f.fail("service_to", "is required with service_from"),
            (None, Some(_)) => f.fail("service_from", "is required with service_to"),
            (None, None) => {}
        }
        let amount = f.req("amount", fields::non_negative);
        let currency = f.req("currency", fields::currency);
        let category = f.req("category", fields::text(128));
        let customer_id = f.opt("customer_id", fields::id);
        let cost_of_service = f.opt("cost_of_service", fields::boolean).unwrap_or(false);
        let description = f.opt("description", fields::text(fields::MAX_TEXT_LEN));
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        f.finish()?;
        take!(id, date, amount, currency, category);
        Ok(Self {
            id,
            date,
            amount,
            currency,
            category,
            customer_id,
            cost_of_service,
            description,
            service_from,
            service_to,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

/// Hours someone worked for a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeEntry {
    pub id: String,
    pub customer_id: String,
    pub date: TimePoint,
    pub hours: Decimal,
    pub person: String,
    /// Cost per hour in the reporting currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billable: Option<bool>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for TimeEntry {
    const COLLECTION: Collection = Collection::TimeEntries;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "date",
        "hours",
        "person",
        "cost_rate",
        "billable",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let date = f.req("date", fields::time_point);
        let hours = f.req("hours", |v| {
            let h = fields::positive(v)?;
            if h > Decimal::from(24) {
                return Err(format!("must be at most 24 per entry, got {h}"));
            }
            Ok(h)
        });
        let person = f.req("person", fields::text(128));
        let cost_rate = f.opt_number("cost_rate", fields::non_negative);
        let billable = f.opt("billable", fields::boolean);
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        f.finish()?;
        take!(id, customer_id, date, hours, person);
        Ok(Self {
            id,
            customer_id,
            date,
            hours,
            person,
            cost_rate,
            billable,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}
