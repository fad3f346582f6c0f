//! The records of every collection, each built only through `parse`.

mod billing;
mod customer;
mod operations;
mod subscription;
mod success;
mod usage;

pub use billing::{Invoice, InvoiceStatus, Payment, PaymentStatus};
pub use customer::Customer;
pub use operations::{Cost, TimeEntry};
pub use subscription::{SubscriptionEvent, SubscriptionEventType, SubscriptionState};
pub use success::{
    Activity, ActivityType, Opportunity, OpportunityStatus, OpportunityType, PlayStatus, SavePlay,
    Ticket,
};
pub use usage::{Datapoint, Event, FxRate};

use crate::{Collection, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A record type of one collection.
pub trait Record: Serialize + DeserializeOwned + Sized {
    /// The collection it belongs to.
    const COLLECTION: Collection;
    /// The fields a row may carry.
    const FIELDS: &'static [&'static str];
    /// Checks a row and builds the record, or lists every problem.
    fn parse(row: &Value) -> Result<Self, Vec<FieldError>>;
    /// The key that makes a re-sent row replace the stored one.
    fn key(&self) -> String;
}

/// A record of any collection.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyRecord {
    Customer(Customer),
    SubscriptionEvent(SubscriptionEvent),
    Invoice(Invoice),
    Payment(Payment),
    Cost(Cost),
    TimeEntry(TimeEntry),
    Ticket(Ticket),
    Activity(Activity),
    Opportunity(Opportunity),
    Event(Event),
    Datapoint(Datapoint),
    FxRate(FxRate),
    SavePlay(SavePlay),
}

/// A valid row ready to store: its key and its normalised JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// The id (or natural key) that identifies it within the collection.
    pub key: String,
    /// The record as canonical JSON (decimals as strings, defaults filled in).
    pub body: String,
}

macro_rules! dispatch {
    ($self:expr, $r:ident => $e:expr) => {
        match $self {
            AnyRecord::Customer($r) => $e,
            AnyRecord::SubscriptionEvent($r) => $e,
            AnyRecord::Invoice($r) => $e,
            AnyRecord::Payment($r) => $e,
            AnyRecord::Cost($r) => $e,
            AnyRecord::TimeEntry($r) => $e,
            AnyRecord::Ticket($r) => $e,
            AnyRecord::Activity($r) => $e,
            AnyRecord::Opportunity($r) => $e,
            AnyRecord::Event($r) => $e,
            AnyRecord::Datapoint($r) => $e,
            AnyRecord::FxRate($r) => $e,
            AnyRecord::SavePlay($r) => $e,
        }
    };
}

impl AnyRecord {
    /// The key that makes a re-sent row replace the stored one.
    pub fn key(&self) -> String {
        dispatch!(self, r => r.key())
    }

    /// The collection it belongs to.
    pub fn collection(&self) -> Collection {
        fn of<R: Record>(_: &R) -> Collection {
            R::COLLECTION
        }
        dispatch!(self, r => of(r))
    }

    /// The key and canonical JSON body to store.
    pub fn to_row(&self) -> ParsedRow {
        let body = dispatch!(self, r => serde_json::to_string(r));
        ParsedRow {
            key: self.key(),
            body: body.expect("records always serialise"),
        }
    }

    /// Reads back a stored body of `collection` (already validated when stored).
    pub fn from_stored(collection: Collection, body: &str) -> Result<Self, serde_json::Error> {
        Ok(match collection {
            Collection::Customers => Self::Customer(serde_json::from_str(body)?),
            Collection::SubscriptionEvents => Self::SubscriptionEvent(serde_json::from_str(body)?),
            Collection::Invoices => Self::Invoice(serde_json::from_str(body)?),
            Collection::Payments => Self::Payment(serde_json::from_str(body)?),
            Collection::Costs => Self::Cost(serde_json::from_str(body)?),
            Collection::TimeEntries => Self::TimeEntry(serde_json::from_str(body)?),
            Collection::Tickets => Self::Ticket(serde_json::from_str(body)?),
            Collection::Activities => Self::Activity(serde_json::from_str(body)?),
            Collection::Opportunities => Self::Opportunity(serde_json::from_str(body)?),
            Collection::Events => Self::Event(serde_json::from_str(body)?),
            Collection::Datapoints => Self::Datapoint(serde_json::from_str(body)?),
            Collection::FxRates => Self::FxRate(serde_json::from_str(body)?),
            Collection::SavePlays => Self::SavePlay(serde_json::from_str(body)?),
        })
    }
}

/// Checks one ingested row of `collection`.
pub fn parse_record(collection: Collection, row: &Value) -> Result<AnyRecord, Vec<FieldError>> {
    Ok(match collection {
        Collection::Customers => AnyRecord::Customer(Customer::parse(row)?),
        Collection::SubscriptionEvents => {
            AnyRecord::SubscriptionEvent(SubscriptionEvent::parse(row)?)
        }
        Collection::Invoices => AnyRecord::Invoice(Invoice::parse(row)?),
        Collection::Payments => AnyRecord::Payment(Payment::parse(row)?),
        Collection::Costs => AnyRecord::Cost(Cost::parse(row)?),
        Collection::TimeEntries => AnyRecord::TimeEntry(TimeEntry::parse(row)?),
        Collection::Tickets => AnyRecord::Ticket(Ticket::parse(row)?),
        Collection::Activities => AnyRecord::Activity(Activity::parse(row)?),
        Collection::Opportunities => AnyRecord::Opportunity(Opportunity::parse(row)?),
        Collection::Events => AnyRecord::Event(Event::parse(row)?),
        Collection::Datapoints => AnyRecord::Datapoint(Datapoint::parse(row)?),
        Collection::FxRates => AnyRecord::FxRate(FxRate::parse(row)?),
        Collection::SavePlays => AnyRecord::SavePlay(SavePlay::parse(row)?),
    })
}

/// The id a row claims, for error reports, even when the row is invalid.
pub fn claimed_id(row: &Value) -> Option<String> {
    match row.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Unwraps the fields of a row after `Fields::finish` has confirmed them all.
macro_rules! take {
    ($($x:ident),+ $(,)?) => {
        $(let $x = $x.expect("checked by Fields::finish");)+
    };
}
pub(crate) use take;

#[cfg(test)]
mod tests;
