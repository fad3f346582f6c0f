//! What the engine had to decide about a customer's data (a guessed or missing
//! exchange rate, an event it could not place), reported with the answers.

use chrono::NaiveDate;
use quarterdeck_domain::Currency;
use serde::Serialize;

/// Something in a customer's data the engine had to decide about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The customer whose MRR it affects.
    pub customer_id: String,
    /// The subscription event that carried the amount.
    pub event_id: String,
    /// What happened.
    pub kind: WarningKind,
}

/// The kinds of data problem the revenue engine records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningKind {
    /// No rate on or before the event's day: the earliest later rate (of `rate_date`) was used.
    FxRateFromLaterDate {
        /// The amount's currency.
        currency: Currency,
        /// The date of the rate used instead.
        rate_date: NaiveDate,
    },
    /// No rate at all for the currency: the amount counts as 0 until one arrives.
    NoFxRate {
        /// The amount's currency.
        currency: Currency,
    },
    /// The monthly value is beyond the engine's range (or overflowed): it counts as 0.
    AmountOutOfRange,
}
