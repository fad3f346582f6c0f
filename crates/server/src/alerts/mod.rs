//! Alerts: rules (threshold and built-in events), their evaluation, and the
//! alert lifecycle (open → acknowledged → resolved, one open alert per key).

pub mod rules;
pub mod service;
