//! Product usage events, KPI data points and exchange rates.

use super::{Record, take};
use crate::fields::{self, Fields};
use crate::{Collection, Currency, FieldError, TimePoint};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A product usage event (Segment/PostHog style).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub at: TimePoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub properties: Map<String, Value>,
}

impl Record for Event {
    const COLLECTION: Collection = Collection::Events;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "name",
        "at",
        "customer_id",
        "user_id",
        "user_type",
        "properties",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let name = f.req("name", fields::text(128));
        let at = f.req("at", fields::time_point);
        let customer_id = f.opt("customer_id", fields::id);
        let user_id = f.opt("user_id", fields::id);
        let user_type = f.opt("user_type", fields::text(128));
        let properties = f.opt("properties", fields::flat_object).unwrap_or_default();
        f.finish()?;
        take!(id, name, at);
        Ok(Self {
            id,
            name,
            at,
            customer_id,
            user_id,
            user_type,
            properties,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

/// Checks a KPI name: lower-case letters, digits and underscores, starting with a letter.
fn kpi_name(v: &Value) -> Result<String, String> {
    let s = fields::text(64)(v)?;
    let ok = s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(s)
    } else {
        Err(format!(
            "`{s}` is not a KPI name: use lower-case letters, digits and _ (e.g. cash_balance)"
        ))
    }
}

/// One value of a KPI series pushed by the business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Datapoint {
    pub kpi: String,
    pub date: TimePoint,
    pub value: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
}

impl Record for Datapoint {
    const COLLECTION: Collection = Collection::Datapoints;
    const FIELDS: &'static [&'static str] = &["kpi", "date", "value", "dimension"];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let kpi = f.req("kpi", kpi_name);
        let date = f.req("date", fields::time_point);
        let value = f.req("value", fields::decimal);
        let dimension = f.opt("dimension", fields::text(128));
        f.finish()?;
        take!(kpi, date, value);
        Ok(Self {
            kpi,
            date,
            value,
            dimension,
        })
    }

    /// One value per KPI, date and dimension: a re-sent point replaces the old one.
    fn key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.kpi,
            self.date,
            self.dimension.as_deref().unwrap_or("")
        )
    }
}

/// An exchange rate: reporting-currency units per one unit of `currency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FxRate {
    pub date: TimePoint,
    pub currency: Currency,
    pub rate: Decimal,
}

impl Record for FxRate {
    const COLLECTION: Collection = Collection::FxRates;
    const FIELDS: &'static [&'static str] = &["date", "currency", "rate"];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let date = f.req("date", fields::time_point);
        let currency = f.req("currency", fields::currency);
        let rate = f.req("rate", fields::positive);
        f.finish()?;
        take!(date, currency, rate);
        Ok(Self {
            date,
            currency,
            rate,
        })
    }

    /// One rate per currency and date.
    fn key(&self) -> String {
        format!("{}|{}", self.currency, self.date)
    }
}
