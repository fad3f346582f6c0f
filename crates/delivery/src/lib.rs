//! Delivery: alert rules and their evaluation, outbound webhooks, email
//! digests, and the job handlers and schedule that send them. The app's job
//! runner knows these only through `register`.

pub mod alerts;
pub mod digest;
mod handlers;
mod schedule;

pub use handlers::register;
pub use schedule::run_scheduler;
