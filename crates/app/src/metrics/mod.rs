//! Metric queries: parsed once from a URL (`MetricQuery`), answered from a
//! tenant's engine, rendered as JSON. Pure: no I/O here.

pub mod answers;
pub mod display;
pub mod expansion;
pub mod health;
pub mod json;
pub mod limits;
pub mod plays;
pub mod query;
pub mod renewals;
pub mod result;
pub mod segments;
pub mod targets;
pub mod team;

pub use query::{Calendar, Compare, MetricQuery, QueryError};
