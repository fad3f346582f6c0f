//! The metric catalogue: one definition per metric (its API name, label,
//! unit, which direction is good, why it can be undefined, its default
//! target), in one table. The API's metric lists, number formats, targets,
//! the OpenAPI enums and alert-rule validation all read it, so a new metric
//! is a new row here plus the code that computes it. Definitions follow
//! `metrics.md`; the functions named in `computed_by` compute them.

use quarterdeck_domain::tenancy::Target;
use rust_decimal::Decimal;

/// How a metric's value is measured (and so written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Reporting-currency amount; the API rounds it to cents.
    Money,
    /// A fraction (0.0325 = 3.25 %).
    Ratio,
    /// A whole number.
    Count,
    /// A number of days (DSO), written like a ratio.
    Days,
    /// A plain multiple (quick ratio: 4 = 4×), written like a ratio.
    Multiple,
    /// A 0–100 score (health), one decimal place.
    Score,
}

/// Which way is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// More is better (MRR, NRR).
    Higher,
    /// Less is better (churn, overdue AR).
    Lower,
}

/// Which family a metric belongs to (the dashboard that owns it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// MRR, ARR and movements.
    Revenue,
    /// Churn, retention, LTV.
    Retention,
    /// Revenue billed, margin, AR, DSO.
    Billing,
    /// Health and risk.
    Success,
}

/// One metric's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// The API name (`mrr`).
    pub name: &'static str,
    /// What people read (`Net revenue retention (12 months)`).
    pub label: &'static str,
    /// The short label of a card or table column (`NRR`).
    pub short: &'static str,
    /// How it is measured.
    pub unit: Unit,
    /// Which way is good.
    pub direction: Direction,
    /// Its family.
    pub family: Family,
    /// Why it can have no value ("—"), in words for its hover text.
    pub undefined_when: &'static str,
    /// The built-in target (good, bad), if any; tenants may set their own.
    pub default_target: Option<(&'static str, &'static str)>,
    /// The engine function that computes it (for readers of the code).
    pub computed_by: &'static str,
}

impl MetricDef {
    /// The built-in target as decimals.
    pub fn target(&self) -> Option<Target> {
        self.default_target.map(|(good, bad)| Target {
            good: good.parse::<Decimal>().expect("catalogue literal"),
            bad: bad.parse::<Decimal>().expect("catalogue literal"),
        })
    }

    /// Whether less is better.
    pub fn lower_is_better(&self) -> bool {
        self.direction == Direction::Lower
    }
}

const ALWAYS: &str = "Not defined for this period and filter.";
const NO_START_CUSTOMERS: &str =
    "No paying customers at the start of the period, so a churn rate is undefined.";
const NO_START_MRR: &str = "No MRR at the start of the period, so a churn rate is undefined.";
const NO_MONTH_CUSTOMERS: &str = "No month of the period had paying customers at its start, so an average churn rate is undefined.";
const NO_MONTH_MRR: &str =
    "No month of the period had MRR at its start, so an average churn rate is undefined.";
const NOT_SCORED: &str =
    "No customer is scored on the period's last day (no paying customer with health data).";
const NO_WINDOW_MRR: &str = "No MRR at the start of the window, so retention is undefined.";

#[allow(clippy::too_many_arguments)]
const fn def(
    name: &'static str,
    label: &'static str,
    short: &'static str,
    unit: Unit,
    direction: Direction,
    family: Family,
    undefined_when: &'static str,
    default_target: Option<(&'static str, &'static str)>,
    computed_by: &'static str,
) -> MetricDef {
    MetricDef {
        name,
        label,
        short,
        unit,
        direction,
        family,
        undefined_when,
        default_target,
        computed_by,
    }
}

use Direction::{Higher, Lower};
use Family::{Billing, Retention, Revenue, Success};
use Unit::{Count, Days, Money, Multiple, Ratio, Score};

/// Every summary metric, in display order.
pub const METRICS: &[MetricDef] = &[
    def(
        "mrr",
        "Monthly recurring revenue",
        "MRR",
        Money,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::mrr_on",
    ),
    def(
        "arr",
        "Annual recurring revenue",
        "ARR",
        Money,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::arr_on",
    ),
    def(
        "paying_customers",
        "Paying customers",
        "Paying customers",
        Count,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::paying_customers_on",
    ),
    def(
        "arpa",
        "Average revenue per account",
        "ARPA",
        Money,
        Higher,
        Revenue,
        "No paying customers at the end of the period.",
        None,
        "Ledger::arpa_on",
    ),
    def(
        "new_mrr",
        "New MRR",
        "New MRR",
        Money,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "expansion_mrr",
        "Expansion MRR",
        "Expansion",
        Money,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "contraction_mrr",
        "Contraction MRR",
        "Contraction",
        Money,
        Lower,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "churned_mrr",
        "Churned MRR",
        "Churned MRR",
        Money,
        Lower,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "reactivation_mrr",
        "Reactivation MRR",
        "Reactivation",
        Money,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "net_new_mrr",
        "Net new MRR",
        "Net new MRR",
        Money,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Movements::net_new",
    ),
    def(
        "new_customers",
        "New customers",
        "New customers",
        Count,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "reactivated_customers",
        "Reactivated customers",
        "Reactivated",
        Count,
        Higher,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "churned_customers",
        "Churned customers",
        "Churned customers",
        Count,
        Lower,
        Revenue,
        ALWAYS,
        None,
        "Ledger::movements",
    ),
    def(
        "customer_churn_rate",
        "Customer churn rate",
        "Customer churn",
        Ratio,
        Lower,
        Retention,
        NO_START_CUSTOMERS,
        None,
        "Ledger::retention",
    ),
    def(
        "gross_mrr_churn_rate",
        "Gross MRR churn rate",
        "Gross MRR churn",
        Ratio,
        Lower,
        Retention,
        NO_START_MRR,
        None,
        "Ledger::retention",
    ),
    def(
        "net_mrr_churn_rate",
        "Net MRR churn rate",
        "Net MRR churn",
        Ratio,
        Lower,
        Retention,
        NO_START_MRR,
        None,
        "Ledger::retention",
    ),
    def(
        "avg_monthly_customer_churn_rate",
        "Customer churn rate, average per month",
        "Customer churn / month",
        Ratio,
        Lower,
        Retention,
        NO_MONTH_CUSTOMERS,
        None,
        "Ledger::revenue_summary (MonthlyAverages)",
    ),
    def(
        "avg_monthly_gross_mrr_churn_rate",
        "Gross MRR churn rate, average per month",
        "Gross MRR churn / month",
        Ratio,
        Lower,
        Retention,
        NO_MONTH_MRR,
        None,
        "Ledger::revenue_summary (MonthlyAverages)",
    ),
    def(
        "avg_monthly_net_mrr_churn_rate",
        "Net MRR churn rate, average per month",
        "Net MRR churn / month",
        Ratio,
        Lower,
        Retention,
        NO_MONTH_MRR,
        None,
        "Ledger::revenue_summary (MonthlyAverages)",
    ),
    def(
        "grr",
        "Gross revenue retention (12 months)",
        "GRR (12 months)",
        Ratio,
        Higher,
        Retention,
        NO_WINDOW_MRR,
        Some(("0.90", "0.80")),
        "Ledger::trailing_twelve_month_retention",
    ),
    def(
        "nrr",
        "Net revenue retention (12 months)",
        "NRR (12 months)",
        Ratio,
        Higher,
        Retention,
        NO_WINDOW_MRR,
        Some(("1.00", "0.90")),
        "Ledger::trailing_twelve_month_retention",
    ),
    def(
        "grr_period",
        "Gross revenue retention (period)",
        "GRR (period)",
        Ratio,
        Higher,
        Retention,
        NO_WINDOW_MRR,
        Some(("0.90", "0.80")),
        "Ledger::retention",
    ),
    def(
        "nrr_period",
        "Net revenue retention (period)",
        "NRR (period)",
        Ratio,
        Higher,
        Retention,
        NO_WINDOW_MRR,
        Some(("1.00", "0.90")),
        "Ledger::retention",
    ),
    def(
        "quick_ratio",
        "SaaS quick ratio",
        "Quick ratio",
        Multiple,
        Higher,
        Retention,
        "No contraction or churn in the period, so the quick ratio is undefined.",
        Some(("4", "1")),
        "Ledger::retention",
    ),
    def(
        "ltv",
        "Customer lifetime value",
        "LTV",
        Money,
        Higher,
        Retention,
        "LTV needs a churn rate above zero over the trailing twelve months.",
        None,
        "Ledger::revenue_summary",
    ),
    def(
        "revenue",
        "Revenue billed",
        "Revenue billed",
        Money,
        Higher,
        Billing,
        ALWAYS,
        None,
        "Ledger::revenue",
    ),
    def(
        "gross_margin",
        "Gross margin",
        "Gross margin",
        Ratio,
        Higher,
        Billing,
        "No revenue in the period, so the margin is undefined.",
        Some(("0.70", "0.50")),
        "Ledger::gross_margin_or",
    ),
    def(
        "ar_total",
        "Accounts receivable",
        "AR total",
        Money,
        Lower,
        Billing,
        ALWAYS,
        None,
        "Ledger::ar_aging",
    ),
    def(
        "ar_overdue",
        "Accounts receivable overdue",
        "AR overdue",
        Money,
        Lower,
        Billing,
        ALWAYS,
        None,
        "Ledger::ar_overdue",
    ),
    def(
        "dso",
        "Days sales outstanding",
        "DSO",
        Days,
        Lower,
        Billing,
        "No revenue billed in the period, so DSO is undefined.",
        None,
        "Ledger::dso",
    ),
    def(
        "arr_at_risk",
        "ARR at risk",
        "ARR at risk",
        Money,
        Lower,
        Success,
        NOT_SCORED,
        None,
        "Ledger::health_on (critical band, on the period's last day)",
    ),
    def(
        "arr_at_risk_watch",
        "ARR at risk (watch list)",
        "ARR on watch",
        Money,
        Lower,
        Success,
        NOT_SCORED,
        None,
        "Ledger::health_on (at-risk band, on the period's last day)",
    ),
    def(
        "critical_customers",
        "Accounts in the critical band",
        "Critical accounts",
        Count,
        Lower,
        Success,
        NOT_SCORED,
        None,
        "Ledger::health_on (critical band, on the period's last day)",
    ),
    def(
        "avg_health",
        "Average health score",
        "Avg health",
        Score,
        Higher,
        Success,
        NOT_SCORED,
        Some(("70", "55")),
        "Ledger::health_on (mean score, on the period's last day)",
    ),
];

/// The definition of `name`, if it is a metric.
pub fn metric(name: &str) -> Option<&'static MetricDef> {
    METRICS.iter().find(|m| m.name == name)
}

/// Every metric name, in display order.
pub fn names() -> impl Iterator<Item = &'static str> {
    METRICS.iter().map(|m| m.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_targets_parse() {
        let mut seen = std::collections::BTreeSet::new();
        for m in METRICS {
            assert!(seen.insert(m.name), "{} twice", m.name);
            assert!(!m.label.is_empty() && !m.short.is_empty());
            if let Some(t) = m.target() {
                // A target's good side lies in the metric's good direction.
                assert_eq!(t.good >= t.bad, !m.lower_is_better(), "{}", m.name);
            }
        }
        assert_eq!(metric("nrr").unwrap().target().unwrap().good, Decimal::ONE);
        assert!(metric("nope").is_none());
        assert_eq!(names().count(), METRICS.len());
    }
}
