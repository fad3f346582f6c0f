//! Subscription events: the history from which MRR is computed.

use super::{Record, take};
use crate::fields::{self, Fields};
use crate::{BillingInterval, Collection, Currency, FieldError, TimePoint};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a subscription event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionEventType {
    /// The subscription begins with the state carried.
    Start,
    /// The subscription's state becomes the one carried.
    Change,
    /// The subscription ends at `effective_at`.
    Cancel,
}

/// The full state of a subscription carried by `start` and `change`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionState {
    /// Price of one unit for one billing period, ex tax, in major units.
    pub amount: Decimal,
    /// `None` means the tenant's reporting currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    pub interval: BillingInterval,
    pub interval_count: u32,
    pub quantity: Decimal,
    /// Discount per billing period, in major units, off `amount × quantity`.
    pub discount: Decimal,
}

impl SubscriptionState {
    /// The monthly value in the subscription's own currency (metrics.md, MRR).
    pub fn monthly_value(&self) -> Decimal {
        self.interval.monthly(
            self.amount * self.quantity - self.discount,
            self.interval_count,
        )
    }
}

/// One event in a subscription's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionEvent {
    pub id: String,
    pub customer_id: String,
    pub subscription_id: String,
    #[serde(rename = "type")]
    pub kind: SubscriptionEventType,
    pub effective_at: TimePoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The new state for `start` and `change`; `None` for `cancel`.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SubscriptionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_ends_at: Option<TimePoint>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for SubscriptionEvent {
    const COLLECTION: Collection = Collection::SubscriptionEvents;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "subscription_id",
        "type",
        "effective_at",
        "plan",
        "currency",
        "amount",
        "interval",
        "interval_count",
        "quantity",
        "discount",
        "trial_ends_at",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let customer_id = f.req("customer_id", fields::id);
        let subscription_id = f.req("subscription_id", fields::id);
        let kind = f.req("type", |v| {
            fields::one_of(&["start", "change", "cancel"])(v).map(|s| match s.as_str() {
                "start" => SubscriptionEventType::Start,
                "change" => SubscriptionEventType::Change,
                _ => SubscriptionEventType::Cancel,
            })
        });
        let effective_at = f.req("effective_at", fields::time_point);
        let plan = f.opt("plan", fields::text(128));
        let currency = f.opt("currency", fields::currency);
        let carries_state = kind != Some(SubscriptionEventType::Cancel);
        let amount = if carries_state {
            f.req("amount", fields::non_negative)
        } else {
            f.opt_number("amount", fields::non_negative)
        };
        let interval = f
            .opt("interval", fields::interval)
            .unwrap_or(BillingInterval::Month);
        let interval_count = f
            .opt_number("interval_count", fields::count(1000))
            .unwrap_or(1);
        let quantity = f
            .opt_number("quantity", fields::positive)
            .unwrap_or(Decimal::ONE);
        let discount = f
            .opt_number("discount", fields::non_negative)
            .unwrap_or(Decimal::ZERO);
        let trial_ends_at = f.opt("trial_ends_at", fields::time_point);
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        if let Some(amount) = amount
            && discount > amount * quantity
        {
            f.fail(
                "discount",
                format!("must not exceed amount × quantity ({})", amount * quantity),
            );
        }
        f.finish()?;
        take!(id, customer_id, subscription_id, kind, effective_at);
        let state = match (kind, amount) {
            (SubscriptionEventType::Cancel, _) | (_, None) => None,
            (_, Some(amount)) => Some(SubscriptionState {
                amount,
                currency,
                interval,
                interval_count,
                quantity,
                discount,
            }),
        };
        Ok(Self {
            id,
            customer_id,
            subscription_id,
            kind,
            effective_at,
            plan,
            state,
            trial_ends_at,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}
