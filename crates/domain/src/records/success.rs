//! Customer-success records: tickets, CSM activities and opportunities.

use super::{Record, take};
use crate::fields::{self, Fields};
use crate::{Collection, Currency, FieldError, TimePoint};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    pub customer_id: String,
    pub opened_at: TimePoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<TimePoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<TimePoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csm: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

const PRIORITIES: &[&str] = &["low", "normal", "medium", "high", "urgent", "critical"];

impl Record for Ticket {
    const COLLECTION: Collection = Collection::Tickets;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "opened_at",
        "closed_at",
        "first_response_at",
        "priority",
        "csm",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let opened_at = f.req("opened_at", fields::time_point);
        let closed_at = f.opt("closed_at", fields::time_point);
        let first_response_at = f.opt("first_response_at", fields::time_point);
        let priority = f.opt("priority", fields::one_of(PRIORITIES));
        let csm = f.opt("csm", fields::text(128));
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        if let Some(opened) = opened_at {
            for (name, later) in [
                ("closed_at", closed_at),
                ("first_response_at", first_response_at),
            ] {
                if let Some(t) = later
                    && t.approx_utc() < opened.approx_utc()
                {
                    f.fail(name, format!("must not be before opened_at ({opened})"));
                }
            }
        }
        f.finish()?;
        take!(id, customer_id, opened_at);
        Ok(Self {
            id,
            customer_id,
            opened_at,
            closed_at,
            first_response_at,
            priority,
            csm,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

/// A kind of CSM activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    Meeting,
    Email,
    Call,
    Task,
}

/// A CSM's touch with a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub customer_id: String,
    #[serde(rename = "type")]
    pub kind: ActivityType,
    pub at: TimePoint,
    pub csm: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for Activity {
    const COLLECTION: Collection = Collection::Activities;
    const FIELDS: &'static [&'static str] =
        &["id", "customer_id", "type", "at", "csm", "attributes"];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let kind = f.req("type", |v| {
            fields::one_of(&["meeting", "email", "call", "task"])(v)
                .map(|s| serde_json::from_value(Value::String(s)).expect("listed type"))
        });
        let at = f.req("at", fields::time_point);
        let csm = f.req("csm", fields::text(128));
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        f.finish()?;
        take!(id, customer_id, kind, at, csm);
        Ok(Self {
            id,
            customer_id,
            kind,
            at,
            csm,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

/// What an opportunity would do to ARR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityType {
    Renewal,
    Upsell,
    CrossSell,
    Upgrade,
}

/// Whether an opportunity is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
}

/// A renewal or expansion opportunity, valued in ARR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: String,
    pub customer_id: String,
    #[serde(rename = "type")]
    pub kind: OpportunityType,
    pub amount: Decimal,
    pub close_date: TimePoint,
    pub stage: String,
    pub status: OpportunityStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for Opportunity {
    const COLLECTION: Collection = Collection::Opportunities;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "type",
        "amount",
        "close_date",
        "stage",
        "status",
        "probability",
        "owner",
        "currency",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let kind = f.req("type", |v| {
            fields::one_of(&["renewal", "upsell", "cross_sell", "upgrade"])(v)
                .map(|s| serde_json::from_value(Value::String(s)).expect("listed type"))
        });
        let amount = f.req("amount", fields::non_negative);
        let close_date = f.req("close_date", fields::time_point);
        let stage = f.req("stage", fields::text(128));
        let status = f.req("status", |v| {
            fields::one_of(&["open", "won", "lost"])(v)
                .map(|s| serde_json::from_value(Value::String(s)).expect("listed status"))
        });
        let probability = f.opt_number("probability", fields::between(Decimal::ZERO, Decimal::ONE));
        let owner = f.opt("owner", fields::text(128));
        let currency = f.opt("currency", fields::currency);
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        f.finish()?;
        take!(id, customer_id, kind, amount, close_date, stage, status);
        Ok(Self {
            id,
            customer_id,
            kind,
            amount,
            close_date,
            stage,
            status,
            probability,
            owner,
            currency,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}

/// Where a save play stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayStatus {
    Open,
    Saved,
    Lost,
}

/// A save play: a CSM's effort to keep an account at risk (metrics.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavePlay {
    pub id: String,
    pub customer_id: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub opened_at: TimePoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_date: Option<TimePoint>,
    pub status: PlayStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<TimePoint>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for SavePlay {
    const COLLECTION: Collection = Collection::SavePlays;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "owner",
        "reason",
        "opened_at",
        "target_date",
        "status",
        "closed_at",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let owner = f.req("owner", fields::text(128));
        let reason = f.opt("reason", fields::text(500));
        let opened_at = f.req("opened_at", fields::time_point);
        let target_date = f.opt("target_date", fields::time_point);
        let status = f.req("status", |v| {
            fields::one_of(&["open", "saved", "lost"])(v)
                .map(|s| serde_json::from_value(Value::String(s)).expect("listed status"))
        });
        let closed_at = f.opt("closed_at", fields::time_point);
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        match (status, closed_at) {
            (Some(PlayStatus::Open), Some(_)) => f.fail(
                "closed_at",
                "an open play has no closed_at (status is open)",
            ),
            (Some(PlayStatus::Saved | PlayStatus::Lost), None) => {
                f.fail("closed_at", "required when status is saved or lost")
            }
            _ => {}
        }
        if let Some(opened) = opened_at {
            for (name, later) in [("closed_at", closed_at), ("target_date", target_date)] {
                if let Some(t) = later
                    && t.approx_utc() < opened.approx_utc()
                {
                    f.fail(name, format!("must not be before opened_at ({opened})"));
                }
            }
        }
        f.finish()?;
        take!(id, customer_id, owner, opened_at, status);
        Ok(Self {
            id,
            customer_id,
            owner,
            reason,
            opened_at,
            target_date,
            status,
            closed_at,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}
