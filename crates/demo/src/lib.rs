//! A deterministic synthetic subscription company ("demo") for `quarterdeck demo`,
//! tests and benchmarks.
//!
//! Three years of history ending on a given day: customers in three segments
//! won with growth, subscriptions with trials, upgrades, seat changes, add-ons,
//! churn and win-backs, invoices and payments (some late, some failed, a few
//! never paid), costs and hours, tickets, CSM activities, renewal and expansion
//! opportunities, recent product usage, KPI data points and exchange rates.
//!
//! Every row is in the ingestion format of the API and passes
//! `quarterdeck_domain::parse_record`. The same configuration always gives the
//! same rows: each customer draws from its own seeded streams, and nothing
//! depends on hash-map order or the clock (except `DemoConfig::default`'s date).

mod billing;
mod calendar;
mod company;
mod customers;
mod emit;
mod kpis;
mod names;
mod operations;
mod rng;
mod subscriptions;
mod success;
mod usage;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use company::{Totals, World};
use customers::Profile;
use emit::Emitter;
use quarterdeck_domain::Collection;

/// What to generate: how many customers, from which seed, ending on which day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Customers ever signed up (some will have churned by `today`).
    pub customers: usize,
    /// Seed of every random draw; the same seed gives the same company.
    pub seed: u64,
    /// Last day of history; nothing timestamped is later than the day before.
    pub today: NaiveDate,
}

impl Default for DemoConfig {
    /// 1,500 customers, seed 42, history ending today (UTC).
    fn default() -> Self {
        DemoConfig {
            customers: 1500,
            seed: 42,
            today: chrono::Utc::now().date_naive(),
        }
    }
}

/// What `generate` produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Rows handed to the sink, all collections together.
    pub rows: usize,
    /// Rows per collection, in `Collection::ALL` order.
    pub by_collection: Vec<(Collection, usize)>,
}

/// Generates the company, handing rows to `sink` in batches of at most `batch` rows,
/// one collection per call, in an order where referenced records come first
/// (fx-rates, customers, subscription-events, invoices, payments, ...).
///
/// Memory stays bounded: customers are generated one at a time and each
/// collection's buffer is sent as soon as it holds `batch` rows. A sink error
/// stops the generation and is returned as is.
pub fn generate(
    config: &DemoConfig,
    batch: usize,
    sink: &mut dyn FnMut(Collection, Vec<serde_json::Value>) -> Result<(), String>,
) -> Result<DemoSummary, String> {
    let world = World::new(config);
    let span = &world.span;
    let mut out = Emitter::new(batch, sink);

    world.fx.emit(span, &mut out)?;
    out.flush(Collection::FxRates)?;
    // Every customer goes out before any row that refers to one.
    for i in 0..config.customers {
        out.push(Collection::Customers, Profile::new(config, span, i).row())?;
    }
    out.flush(Collection::Customers)?;

    let mut totals = Totals::new(span);
    for i in 0..config.customers {
        // Rebuilt rather than kept from the first pass, so memory does not grow with customers.
        let p = Profile::new(config, span, i);
        let history = subscriptions::simulate(config.seed, &p, span);
        subscriptions::emit(&p, &history, &mut out)?;
        billing::emit(&world, &p, &history, &mut totals, &mut out)?;
        operations::emit_customer(&world, &p, &history, &mut totals, &mut out)?;
        success::emit(&world, &p, &history, &mut out)?;
        usage::emit(&world, &p, &history, &mut out)?;
        totals.add_history(&world, p.currency, &history);
    }
    operations::emit_company(&world, &mut totals, &mut out)?;
    kpis::emit(&world, &totals, &mut out)?;

    let by_collection = out.finish()?;
    Ok(DemoSummary {
        rows: by_collection.iter().map(|(_, n)| n).sum(),
        by_collection,
    })
}

/// Rough total rows that `generate` will produce (for a progress bar); within ±20 % is fine.
pub fn estimate_rows(config: &DemoConfig) -> usize {
    // Calibrated on generated companies: a fixed part (rates, company costs,
    // KPIs) plus a per-customer average that does not depend on the size.
    const FIXED: usize = 900;
    const PER_CUSTOMER: f64 = 48.0;
    FIXED + (config.customers as f64 * PER_CUSTOMER) as usize
}
