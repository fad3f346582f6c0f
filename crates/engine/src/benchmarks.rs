//! Shipped, sourced reference figures (metrics.md, Benchmarks): a KPI with
//! no target of the tenant's takes its peer group's benchmark as default
//! target, labelled as such. Sources: `docs/benchmarks-sources.md`.

use quarterdeck_domain::tenancy::Target;
use rust_decimal::Decimal;

/// Whom a tenant compares itself with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerGroup {
    /// Private B2B SaaS by annual contract value (SaaS Capital's buckets).
    SaasAcvUnder12k,
    SaasAcv12kTo25k,
    SaasAcv25kTo50k,
    SaasAcv50kTo100k,
    SaasAcv100kTo250k,
    SaasAcvOver250k,
    /// Managed service providers.
    Msp,
}

impl PeerGroup {
    /// Every group, in the order Settings lists them.
    pub const ALL: [PeerGroup; 7] = [
        PeerGroup::SaasAcvUnder12k,
        PeerGroup::SaasAcv12kTo25k,
        PeerGroup::SaasAcv25kTo50k,
        PeerGroup::SaasAcv50kTo100k,
        PeerGroup::SaasAcv100kTo250k,
        PeerGroup::SaasAcvOver250k,
        PeerGroup::Msp,
    ];

    /// The stored name.
    pub fn key(self) -> &'static str {
        match self {
            PeerGroup::SaasAcvUnder12k => "saas_acv_under_12k",
            PeerGroup::SaasAcv12kTo25k => "saas_acv_12k_25k",
            PeerGroup::SaasAcv25kTo50k => "saas_acv_25k_50k",
            PeerGroup::SaasAcv50kTo100k => "saas_acv_50k_100k",
            PeerGroup::SaasAcv100kTo250k => "saas_acv_100k_250k",
            PeerGroup::SaasAcvOver250k => "saas_acv_over_250k",
            PeerGroup::Msp => "msp",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            PeerGroup::SaasAcvUnder12k => "B2B SaaS, ACV under $12k",
            PeerGroup::SaasAcv12kTo25k => "B2B SaaS, ACV $12k–$25k",
            PeerGroup::SaasAcv25kTo50k => "B2B SaaS, ACV $25k–$50k",
            PeerGroup::SaasAcv50kTo100k => "B2B SaaS, ACV $50k–$100k",
            PeerGroup::SaasAcv100kTo250k => "B2B SaaS, ACV $100k–$250k",
            PeerGroup::SaasAcvOver250k => "B2B SaaS, ACV over $250k",
            PeerGroup::Msp => "Managed service providers",
        }
    }

    /// A stored name read back.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.key() == key)
    }

    /// The SaaS group of an annual contract value (ARPA × 12, in dollars).
    pub fn for_acv(acv: Decimal) -> Self {
        let k = |n: i64| Decimal::from(n * 1000);
        if acv < k(12) {
            PeerGroup::SaasAcvUnder12k
        } else if acv < k(25) {
            PeerGroup::SaasAcv12kTo25k
        } else if acv < k(50) {
            PeerGroup::SaasAcv25kTo50k
        } else if acv < k(100) {
            PeerGroup::SaasAcv50kTo100k
        } else if acv <= k(250) {
            PeerGroup::SaasAcv100kTo250k
        } else {
            PeerGroup::SaasAcvOver250k
        }
    }
}

/// One sourced reference figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Benchmark {
    /// The catalogue metric it applies to.
    pub metric: &'static str,
    pub peer_group: PeerGroup,
    /// The figure as published (e.g. the median).
    pub figure: &'static str,
    /// What the figure is ("median", "top quartile").
    pub kind: &'static str,
    /// On target from here (in the metric's good direction).
    pub good: &'static str,
    /// Off target beyond here.
    pub bad: &'static str,
    /// Who published it and where.
    pub source: &'static str,
    /// The year of the data.
    pub year: u16,
}

impl Benchmark {
    /// The target it stands for.
    pub fn target(&self) -> Target {
        Target {
            good: self.good.parse().expect("benchmark literal"),
            bad: self.bad.parse().expect("benchmark literal"),
        }
    }

    /// The published figure as a decimal.
    pub fn value(&self) -> Decimal {
        self.figure.parse().expect("benchmark literal")
    }
}

const SAAS_CAPITAL: &str = "SaaS Capital, 2023 B2B SaaS Retention Benchmarks";
const SERVICE_LEADERSHIP: &str = "Service Leadership, 2022 Industry Profitability Report";

/// A median with the traffic-light lines of `docs/metric-choices.md`: on
/// target at the median, off target more than five points below.
const fn saas(
    metric: &'static str,
    peer_group: PeerGroup,
    median: &'static str,
    bad: &'static str,
) -> Benchmark {
    Benchmark {
        metric,
        peer_group,
        figure: median,
        kind: "median",
        good: median,
        bad,
        source: SAAS_CAPITAL,
        year: 2023,
    }
}

use PeerGroup::*;

/// Every shipped benchmark.
pub const BENCHMARKS: &[Benchmark] = &[
    saas("nrr", SaasAcvUnder12k, "1.00", "0.95"),
    saas("nrr", SaasAcv12kTo25k, "1.02", "0.97"),
    saas("nrr", SaasAcv25kTo50k, "1.03", "0.98"),
    saas("nrr", SaasAcv50kTo100k, "1.05", "1.00"),
    saas("nrr", SaasAcv100kTo250k, "1.07", "1.02"),
    saas("nrr", SaasAcvOver250k, "1.10", "1.05"),
    saas("grr", SaasAcvUnder12k, "0.90", "0.85"),
    saas("grr", SaasAcv12kTo25k, "0.90", "0.85"),
    saas("grr", SaasAcv25kTo50k, "0.92", "0.87"),
    saas("grr", SaasAcv50kTo100k, "0.93", "0.88"),
    saas("grr", SaasAcv100kTo250k, "0.93", "0.88"),
    saas("grr", SaasAcvOver250k, "0.93", "0.88"),
    Benchmark {
        metric: "gross_margin",
        peer_group: Msp,
        figure: "0.494",
        kind: "top quartile (services)",
        good: "0.494",
        bad: "0.38",
        source: SERVICE_LEADERSHIP,
        year: 2021,
    },
];

/// The benchmark of `metric` for `group`, if one is shipped.
pub fn benchmark(metric: &str, group: PeerGroup) -> Option<&'static Benchmark> {
    BENCHMARKS
        .iter()
        .find(|b| b.metric == metric && b.peer_group == group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn every_benchmark_names_a_metric_and_its_lines_point_the_metrics_way() {
        for b in BENCHMARKS {
            let m = crate::catalogue::metric(b.metric).expect("a catalogue metric");
            let t = b.target();
            assert_eq!(m.lower_is_better(), t.good < t.bad, "{}", b.metric);
            assert!(b.value() > Decimal::ZERO);
        }
    }

    #[test]
    fn peer_groups_by_contract_value() {
        assert_eq!(PeerGroup::for_acv(dec!(13608)), PeerGroup::SaasAcv12kTo25k);
        assert_eq!(
            PeerGroup::for_acv(dec!(11999.99)),
            PeerGroup::SaasAcvUnder12k
        );
        assert_eq!(PeerGroup::for_acv(dec!(300000)), PeerGroup::SaasAcvOver250k);
        for g in PeerGroup::ALL {
            assert_eq!(PeerGroup::parse(g.key()), Some(g));
        }
        assert_eq!(
            benchmark("nrr", PeerGroup::SaasAcv12kTo25k).map(|b| b.value()),
            Some(dec!(1.02))
        );
        assert!(benchmark("mrr", PeerGroup::Msp).is_none());
    }
}
