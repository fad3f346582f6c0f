//! Quarterdeck's metric engine, revenue core: per-customer MRR timelines built
//! from subscription events, and the MRR, movement, churn, retention, LTV and
//! cohort metrics of `metrics.md` answered from them, plus billing, cash and
//! profitability metrics and drill-downs. Pure computation, no I/O.
//!
//! Choices the contract leaves open are written down in `docs/metric-choices.md`.

pub mod benchmarks;
pub mod billing;
mod billing_index;
pub mod catalogue;
pub mod cohorts;
pub mod delinquency;
pub mod drilldown;
pub mod engagement;
pub mod expansion;
pub mod filter;
mod forecast;
pub mod fx;
pub mod health;
pub mod ledger;
pub mod money;
pub mod movements;
mod names;
pub mod period;
pub mod reach;
pub mod renewals;
pub mod retention;
pub mod segments;
pub mod settings;
pub mod signals;
mod stored;
pub mod subscription;
pub mod team;
pub mod timeline;
pub mod warnings;

pub use billing::{ArAging, ClientProfit, CustomerInvoice, DEFAULT_GROSS_MARGIN, OverdueInvoice};
pub use cohorts::{Cohort, CohortCell, CohortGrain};
pub use delinquency::DelinquentSpan;
pub use drilldown::AccountRow;
pub use engagement::viral_coefficient;
pub use filter::{Filter, FilterValues};
pub use forecast::METHOD as FORECAST_METHOD;
pub use forecast::{Backtest, BacktestError, Forecast, ForecastStep, backtest, forecast_mrr};
pub use ledger::{Ledger, LedgerBuilder, Records};
pub use money::round_money;
pub use movements::{MovementBucket, MovementKind, MovementSummary, Movements};
pub use period::{Bucket, Grain, Period};
pub use retention::{MonthlyAverages, Retention, RevenueRetention, RevenueSummary};
pub use settings::TenantSettings;
pub use timeline::{Timeline, TimelineRef};
pub use warnings::{Warning, WarningKind};

#[cfg(test)]
mod tests;
