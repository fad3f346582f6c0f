//! Churn rates, GRR / NRR, quick ratio and LTV.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::money::{count_ratio, ratio};
use crate::movements::{CohortSums, MovementSummary, Movements, scan, scan_many};
use crate::period::{Period, day_after, months_before_anchored};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// Customer (logo) churn rate: churned customers ÷ paying customers at the start.
pub fn customer_churn_rate(churned_customers: u64, paying_at_start: u64) -> Option<Decimal> {
    count_ratio(churned_customers, paying_at_start)
}

/// Gross MRR churn rate: (churn + contraction) ÷ MRR at the start.
pub fn gross_mrr_churn_rate(m: &Movements, mrr_start: Decimal) -> Option<Decimal> {
    ratio(m.churn + m.contraction, mrr_start)
}

/// Net MRR churn rate: (churn + contraction − expansion − reactivation) ÷ MRR at the start.
pub fn net_mrr_churn_rate(m: &Movements, mrr_start: Decimal) -> Option<Decimal> {
    ratio(
        m.churn + m.contraction - m.expansion - m.reactivation,
        mrr_start,
    )
}

/// Quick ratio: (new + expansion + reactivation) ÷ (churn + contraction).
pub fn quick_ratio(m: &Movements) -> Option<Decimal> {
    ratio(
        m.new + m.expansion + m.reactivation,
        m.churn + m.contraction,
    )
}

/// LTV: ARPA × gross margin ÷ average monthly customer churn rate (`None` if any is missing or the rate is 0).
pub fn ltv(
    arpa: Option<Decimal>,
    gross_margin: Decimal,
    monthly_churn: Option<Decimal>,
) -> Option<Decimal> {
    ratio(arpa? * gross_margin, monthly_churn?)
}

/// Net and gross revenue retention of the customers paying at the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RevenueRetention {
    /// NRR: Σ MRR_c(E) ÷ Σ MRR_c(S) over the customers paying at S.
    pub nrr: Option<Decimal>,
    /// GRR: Σ min(MRR_c(E), MRR_c(S)) ÷ Σ MRR_c(S) over the same customers.
    pub grr: Option<Decimal>,
}

impl RevenueRetention {
    pub(crate) fn from_sums(s: &CohortSums) -> Self {
        Self {
            nrr: ratio(s.end, s.start),
            grr: ratio(s.kept, s.start),
        }
    }
}

/// Churn rates averaged over the whole calendar months of a period (each
/// month with its own start state; months with a zero denominator left out);
/// a period with no whole month has its own rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MonthlyAverages {
    /// Mean monthly customer (logo) churn rate.
    pub customer_churn_rate: Option<Decimal>,
    /// Mean monthly gross MRR churn rate.
    pub gross_mrr_churn_rate: Option<Decimal>,
    /// Mean monthly net MRR churn rate.
    pub net_mrr_churn_rate: Option<Decimal>,
}

/// The mean of the defined values (`None` when none is).
pub fn mean_of_defined(values: impl IntoIterator<Item = Option<Decimal>>) -> Option<Decimal> {
    let defined: Vec<Decimal> = values.into_iter().flatten().collect();
    ratio(defined.iter().sum(), Decimal::from(defined.len()))
}

impl MonthlyAverages {
    /// The averages over `months` (each month's own figures).
    pub fn of_months(months: &[MovementSummary]) -> Self {
        let each =
            |f: fn(&MovementSummary) -> Option<Decimal>| mean_of_defined(months.iter().map(f));
        Self {
            customer_churn_rate: each(|m| {
                customer_churn_rate(m.movements.churned_customers, m.paying_start)
            }),
            gross_mrr_churn_rate: each(|m| gross_mrr_churn_rate(&m.movements, m.mrr_start)),
            net_mrr_churn_rate: each(|m| net_mrr_churn_rate(&m.movements, m.mrr_start)),
        }
    }

    /// A period's own rates (when it covers no whole month).
    fn own(r: &Retention) -> Self {
        Self {
            customer_churn_rate: r.customer_churn_rate,
            gross_mrr_churn_rate: r.gross_mrr_churn_rate,
            net_mrr_churn_rate: r.net_mrr_churn_rate,
        }
    }
}

/// The calendar months lying wholly inside `period`, oldest first.
pub fn whole_months(period: Period) -> Vec<Period> {
    crate::period::Grain::Month
        .buckets(period, 1)
        .into_iter()
        .map(|b| b.period)
        .filter(|p| p.whole_months() == Some(1))
        .collect()
}

/// Churn and retention figures of one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retention {
    /// MRR and movements behind the rates.
    pub summary: MovementSummary,
    /// Churned customers ÷ paying customers at the start.
    pub customer_churn_rate: Option<Decimal>,
    /// (churn + contraction) ÷ MRR at the start.
    pub gross_mrr_churn_rate: Option<Decimal>,
    /// (churn + contraction − expansion − reactivation) ÷ MRR at the start.
    pub net_mrr_churn_rate: Option<Decimal>,
    /// (new + expansion + reactivation) ÷ (churn + contraction).
    pub quick_ratio: Option<Decimal>,
    /// NRR and GRR from the period's start state to its end state.
    pub revenue_retention: RevenueRetention,
}

/// The headline figures of a period: its own rates plus the trailing-twelve-month ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevenueSummary {
    /// Rates over the query period.
    pub period: Retention,
    /// Rates over the twelve months ending on the period's last day (headline NRR / GRR).
    pub trailing_twelve_months: Retention,
    /// ARPA on the period's last day.
    pub arpa: Option<Decimal>,
    /// Mean of the monthly customer churn rates over the twelve months ending on `to`.
    pub average_monthly_customer_churn_rate: Option<Decimal>,
    /// The period's churn rates as averages per whole calendar month.
    pub per_month: MonthlyAverages,
    /// ARPA × gross margin ÷ average monthly customer churn rate.
    pub ltv: Option<Decimal>,
}

fn retention_of(summary: MovementSummary, cohort: &CohortSums) -> Retention {
    let m = &summary.movements;
    Retention {
        customer_churn_rate: customer_churn_rate(m.churned_customers, summary.paying_start),
        gross_mrr_churn_rate: gross_mrr_churn_rate(m, summary.mrr_start),
        net_mrr_churn_rate: net_mrr_churn_rate(m, summary.mrr_start),
        quick_ratio: quick_ratio(m),
        revenue_retention: RevenueRetention::from_sums(cohort),
        summary,
    }
}

/// The twelve month-long windows ending on `end`, oldest first.
///
/// Window j runs from the day after `end − (j+1) months` to `end − j months`
/// (month ends stay month ends), so they tile the trailing twelve months exactly.
pub fn trailing_months(end: NaiveDate) -> Vec<Period> {
    (0..12u32)
        .rev()
        .map(|j| Period {
            from: day_after(months_before_anchored(end, j + 1)),
            to: months_before_anchored(end, j),
        })
        .collect()
}

/// Mean of the defined monthly customer churn rates among `months` (`None` if none is defined).
fn mean_churn_rate(months: &[MovementSummary]) -> Option<Decimal> {
    MonthlyAverages::of_months(months).customer_churn_rate
}

impl Ledger {
    /// Churn rates, quick ratio and NRR / GRR of `period`.
    pub fn retention(&self, period: Period, filter: &Filter) -> Retention {
        let mut s = scan(self.covered(filter), &[period]);
        retention_of(s.ranges.pop().expect("one range"), &s.cohort)
    }

    /// The same figures over the twelve months ending on `to`.
    pub fn trailing_twelve_month_retention(&self, to: NaiveDate, filter: &Filter) -> Retention {
        self.retention(Period::trailing_twelve_months(to), filter)
    }

    /// Mean of the twelve monthly customer churn rates ending on `end` (months without paying customers at their start are left out).
    pub fn average_monthly_customer_churn_rate(
        &self,
        end: NaiveDate,
        filter: &Filter,
    ) -> Option<Decimal> {
        mean_churn_rate(&scan(self.covered(filter), &trailing_months(end)).ranges)
    }

    /// LTV on `end`: ARPA × `gross_margin` (0.80 = 80 %) ÷ average monthly customer churn rate.
    pub fn ltv(&self, end: NaiveDate, gross_margin: Decimal, filter: &Filter) -> Option<Decimal> {
        ltv(
            self.arpa_on(end, filter),
            gross_margin,
            self.average_monthly_customer_churn_rate(end, filter),
        )
    }

    /// Period rates, trailing-twelve-month rates, ARPA and LTV in one pass over the customers.
    pub fn revenue_summary(
        &self,
        period: Period,
        gross_margin: Decimal,
        filter: &Filter,
    ) -> RevenueSummary {
        // One pass serves both the query period and the twelve monthly windows,
        // which give both the monthly churn rates and, from their first start
        // state to their last end state, TTM NRR / GRR.
        let windows = trailing_months(period.to);
        let whole = whole_months(period);
        // `scan_many` skips an empty set, so the whole months go last and only when there are any.
        let own = [period];
        let sets: Vec<&[Period]> = if whole.is_empty() {
            vec![&own, &windows]
        } else {
            vec![&own, &windows, &whole]
        };
        let mut scans = scan_many(self.covered(filter), &sets);
        let whole_scan = if whole.is_empty() { None } else { scans.pop() };
        let months = scans.pop().expect("two scans");
        let mut own_scan = scans.pop().expect("two scans");
        let retention = retention_of(own_scan.ranges.pop().expect("one range"), &own_scan.cohort);
        let ttm_movements = months
            .ranges
            .iter()
            .fold(Movements::default(), |mut acc, m| {
                acc.merge(&m.movements);
                acc
            });
        let first = &months.ranges[0];
        let last = &months.ranges[11];
        let ttm_summary = MovementSummary {
            period: Period {
                from: first.period.from,
                to: last.period.to,
            },
            mrr_start: first.mrr_start,
            mrr_end: last.mrr_end,
            paying_start: first.paying_start,
            paying_end: last.paying_end,
            movements: ttm_movements,
        };
        let average = mean_churn_rate(&months.ranges);
        let arpa = ratio(
            retention.summary.mrr_end,
            Decimal::from(retention.summary.paying_end),
        );
        let per_month = match &whole_scan {
            Some(w) => MonthlyAverages::of_months(&w.ranges),
            None => MonthlyAverages::own(&retention),
        };
        RevenueSummary {
            per_month,
            trailing_twelve_months: retention_of(ttm_summary, &months.cohort),
            ltv: ltv(arpa, gross_margin, average),
            arpa,
            average_monthly_customer_churn_rate: average,
            period: retention,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn trailing_months_tile_the_year() {
        let m = trailing_months(d("2025-03-31"));
        assert_eq!(m[0].from, d("2024-04-01"));
        assert_eq!(
            m[10],
            Period {
                from: d("2025-02-01"),
                to: d("2025-02-28")
            }
        );
        assert_eq!(
            m[11],
            Period {
                from: d("2025-03-01"),
                to: d("2025-03-31")
            }
        );
        for w in m.windows(2) {
            assert_eq!(day_after(w[0].to), w[1].from);
        }
        assert_eq!(
            m[0].from,
            Period::trailing_twelve_months(d("2025-03-31")).from
        );
    }

    /// metrics.md: monthly customer churn 2 %, 4 %, 3 % in the three whole
    /// months of a quarter → 3 % per month on average.
    #[test]
    fn average_monthly_rate_of_a_quarter() {
        assert_eq!(
            mean_of_defined([Some(dec!(0.02)), Some(dec!(0.04)), Some(dec!(0.03))]),
            Some(dec!(0.03))
        );
        // A month with a zero denominator is left out, not counted as 0.
        assert_eq!(
            mean_of_defined([Some(dec!(0.02)), None, Some(dec!(0.04))]),
            Some(dec!(0.03))
        );
        assert_eq!(mean_of_defined([None, None]), None);
    }

    #[test]
    fn whole_months_inside_a_period() {
        let p = |a: &str, b: &str| Period::new(d(a), d(b)).unwrap();
        assert_eq!(
            whole_months(p("2025-01-15", "2025-04-30")),
            vec![
                p("2025-02-01", "2025-02-28"),
                p("2025-03-01", "2025-03-31"),
                p("2025-04-01", "2025-04-30")
            ]
        );
        assert!(whole_months(p("2025-01-02", "2025-01-31")).is_empty());
        assert_eq!(whole_months(p("2025-01-01", "2025-01-31")).len(), 1);
    }

    #[test]
    fn ltv_needs_a_churn_rate() {
        assert_eq!(
            ltv(Some(dec!(100)), dec!(1), Some(dec!(0.05))),
            Some(dec!(2000))
        );
        assert_eq!(ltv(Some(dec!(100)), dec!(1), Some(dec!(0))), None);
        assert_eq!(ltv(None, dec!(1), Some(dec!(0.05))), None);
    }
}
