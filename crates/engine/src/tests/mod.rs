//! Engine tests: the worked examples of metrics.md, hand-built scenarios and properties.

mod billing;
mod delinquency;
mod expansion;
mod health;
mod perf;
mod properties;
mod renewals;
mod scenarios;
mod support;
mod team;
mod worked_examples;
