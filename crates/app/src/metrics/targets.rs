//! Which target a KPI is judged against, and its status: the tenant's own
//! (Settings), else its peer group's benchmark, else the catalogue's
//! built-in target. Pages, the report, the workbook and the digest all ask
//! here, so a KPI has one status wherever it is shown.

use super::display::format_of;
use super::result::Summary;
use quarterdeck_domain::tenancy::Target;
use quarterdeck_engine::benchmarks::{self, PeerGroup};
use quarterdeck_engine::catalogue;
use quarterdeck_store::{Store, StoreResult, TenantId};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Config name of the tenant's KPI targets.
pub const TARGETS: &str = "kpi_targets";

/// Config name of the benchmark peer group chosen in Settings.
pub const PEER_GROUP: &str = "benchmark_peer_group";

/// What a tenant set: its own targets and its benchmark peer group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantTargets {
    /// Targets set in Settings, by metric.
    pub own: BTreeMap<String, Target>,
    /// The peer group chosen in Settings (else by the tenant's ACV).
    pub peer_group: Option<PeerGroup>,
}

impl TenantTargets {
    /// Reads them from the store (a document that does not parse counts as none).
    pub async fn load(store: &dyn Store, tenant: TenantId) -> StoreResult<Self> {
        let own = store
            .get_config(tenant, TARGETS)
            .await?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        let peer_group = store
            .get_config(tenant, PEER_GROUP)
            .await?
            .and_then(|v| PeerGroup::parse(&v));
        Ok(Self { own, peer_group })
    }
}

/// A KPI's target and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Aim {
    pub target: Target,
    /// In full, for hover texts ("benchmark: median 102.0% of B2B SaaS, …").
    pub why: String,
    /// Briefly, on the card ("benchmark 102.0%").
    pub short: String,
}

/// The target `metric` is judged against in `summary`'s context.
pub fn aim(t: &TenantTargets, metric: &str, summary: &Summary, currency: &str) -> Option<Aim> {
    let f = format_of(metric, currency);
    if let Some(own) = t.own.get(metric) {
        return Some(Aim {
            target: *own,
            why: format!(
                "your target: on target at {}, off target past {}",
                f.apply(own.good),
                f.apply(own.bad)
            ),
            short: format!("target {}", f.apply(own.good)),
        });
    }
    let group = t.peer_group.or_else(|| {
        let arpa = summary.value("arpa")?;
        Some(PeerGroup::for_acv(arpa * Decimal::from(12)))
    });
    if let Some(b) = group.and_then(|g| benchmarks::benchmark(metric, g)) {
        return Some(Aim {
            target: b.target(),
            why: format!(
                "benchmark: {} {} of {} ({}, data of {}); set your own in Settings",
                b.kind,
                f.apply(b.value()),
                b.peer_group.label(),
                b.source,
                b.year
            ),
            short: format!("benchmark {}", f.apply(b.value())),
        });
    }
    let builtin = catalogue::metric(metric)?.target()?;
    Some(Aim {
        target: builtin,
        why: format!(
            "built-in target: on target at {}, off target past {}; set your own in Settings",
            f.apply(builtin.good),
            f.apply(builtin.bad)
        ),
        // Not the tenant's own: said so, as benchmarks are.
        short: format!("default target {}", f.apply(builtin.good)),
    })
}

/// (css class, words) of `value` against `aim`; a period in progress is not
/// judged, since its last days have not happened.
pub fn status(
    value: Option<Decimal>,
    aim: Option<&Aim>,
    partial: bool,
) -> (&'static str, &'static str) {
    match (value, aim) {
        (Some(v), Some(a)) if !partial => a.target.judge(v),
        (Some(_), Some(_)) => ("", "Period in progress"),
        _ => ("", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quarterdeck_engine::Period;
    use rust_decimal::dec;

    fn summary(nrr: Decimal, arpa: Decimal, partial: bool) -> Summary {
        let day = |s: &str| s.parse().unwrap();
        Summary::from_values_on(
            Period::new(day("2026-11-01"), day("2026-11-30")).unwrap(),
            None,
            "USD".into(),
            serde_json::json!({}),
            |m| match m {
                "nrr" => Some(nrr),
                "arpa" => Some(arpa),
                _ => None,
            },
            |_| None,
            partial,
        )
    }

    #[test]
    fn own_target_then_the_peer_benchmark_then_the_built_in_one() {
        let s = summary(dec!(0.99), dec!(1500), false);
        let none = TenantTargets::default();
        // ARPA $1,500 → ACV $18k → B2B SaaS $12k–$25k: median NRR 102 %, off below 97 %.
        let a = aim(&none, "nrr", &s, "USD").unwrap();
        assert_eq!(a.short, "benchmark 102.0%");
        assert_eq!(status(s.value("nrr"), Some(&a), false), ("warn", "Watch"));
        let mut own = TenantTargets::default();
        own.own.insert(
            "nrr".into(),
            Target {
                good: dec!(0.95),
                bad: dec!(0.90),
            },
        );
        let a = aim(&own, "nrr", &s, "USD").unwrap();
        assert_eq!(a.short, "target 95.0%");
        assert_eq!(
            status(s.value("nrr"), Some(&a), false),
            ("good", "On target")
        );
        // A period in progress is not judged.
        assert_eq!(
            status(s.value("nrr"), Some(&a), true),
            ("", "Period in progress")
        );
        // No benchmark, no built-in target: nothing to judge against.
        assert!(aim(&none, "mrr", &s, "USD").is_none());
    }
}
