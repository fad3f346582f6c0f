//! Quarterdeck's domain: validated records, money, time and tenancy types. No I/O.
//!
//! Every ingested row becomes a domain value only through a constructor that
//! checks it (`parse_record`), so the rest of the code never sees an invalid
//! amount, currency, interval or date.

pub mod access;
pub mod collection;
pub mod currency;
pub mod delivery;
pub mod error;
pub mod examples;
pub mod fields;
pub mod health;
pub mod interval;
pub mod password;
pub mod records;
pub mod tenancy;
pub mod time;

pub use access::Permission;
pub use collection::Collection;
pub use currency::Currency;
pub use delivery::{AlertState, Cadence, DeliveryKind, DeliveryOutcome, Severity};
pub use error::FieldError;
pub use health::HealthSettings;
pub use interval::BillingInterval;
pub use records::{AnyRecord, ParsedRow, parse_record};
pub use tenancy::{Role, Scope, TenantOptions, TenantSlug, TenantTimeZone};
pub use time::TimePoint;
