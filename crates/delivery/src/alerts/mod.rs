//! Alerts: rules (threshold and built-in events), their evaluation, and the
//! alert lifecycle (open → acknowledged → resolved, one open alert per key),
//! and where webhooks may post.

pub mod rules;
pub mod service;
pub mod targets;
