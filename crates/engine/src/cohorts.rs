//! Cohorts by month or quarter of the first `new` movement: logo and MRR retention.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::money::{count_ratio, ratio};
use crate::period::{Grain, Period, day_before};
use crate::timeline::is_paying;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How customers are grouped into cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortGrain {
    /// Calendar months.
    Month,
    /// Fiscal quarters.
    Quarter,
}

impl CohortGrain {
    /// The series grain of the cohort periods.
    pub fn grain(self) -> Grain {
        match self {
            CohortGrain::Month => Grain::Month,
            CohortGrain::Quarter => Grain::Quarter,
        }
    }
}

/// Retention of one cohort at one age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortCell {
    /// Months (or quarters) since the cohort's own period; 0 is the cohort period.
    pub age: u32,
    /// The day whose state is measured: the end of period K + age, or the as-of day if earlier.
    pub measured_on: NaiveDate,
    /// Cohort customers paying on `measured_on`.
    pub paying_customers: u64,
    /// Σ MRR_c on `measured_on` over the cohort.
    pub mrr: Decimal,
    /// paying_customers ÷ cohort size.
    pub logo_retention: Option<Decimal>,
    /// mrr ÷ the cohort's MRR at the end of its own period (may exceed 1).
    pub revenue_retention: Option<Decimal>,
}

/// One cohort: customers whose first `new` movement falls in the period starting `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    /// First day of the cohort's month or quarter.
    pub start: NaiveDate,
    /// Number of customers in the cohort.
    pub customers: u64,
    /// Ages 0, 1, … up to the period containing the as-of day.
    pub cells: Vec<CohortCell>,
}

impl Ledger {
    /// Cohorts whose month / quarter overlaps `period`, each followed up to `period.to`.
    ///
    /// Cohort periods are whole calendar (fiscal) periods even when `period`
    /// starts or ends inside one; the last age of each cohort is measured on
    /// `period.to` when that day is not a period end.
    pub fn cohorts(&self, grain: CohortGrain, period: Period, filter: &Filter) -> Vec<Cohort> {
        let grain = grain.grain();
        let buckets = grain.buckets(period, self.settings().fiscal_start());
        let starts: Vec<NaiveDate> = buckets.iter().map(|b| b.start).collect();
        let as_of = period.to;
        // The day each period's state is measured on: its last day, or `as_of`.
        let ends: Vec<NaiveDate> = starts
            .iter()
            .map(|&s| day_before(grain.next_start(s)).min(as_of))
            .collect();
        let n = starts.len();
        let (Some(&first), Some(&last_end)) = (starts.first(), ends.last()) else {
            return Vec::new();
        };

        // Difference arrays over ages, per cohort: adding a value to a run of
        // period ends costs two updates, so each customer costs O(change points).
        let mut size = vec![0u64; n];
        let mut mrr_diff = vec![vec![Decimal::ZERO; 0]; n];
        let mut logo_diff = vec![vec![0i64; 0]; n];
        for (k, row) in mrr_diff.iter_mut().enumerate() {
            *row = vec![Decimal::ZERO; n - k + 1];
            logo_diff[k] = vec![0; n - k + 1];
        }
        for c in self.covered(filter) {
            let Some(first_paid) = c.first_paid() else {
                continue;
            };
            if first_paid < first || first_paid > last_end {
                continue;
            }
            let k = starts.partition_point(|&s| s <= first_paid) - 1;
            size[k] += 1;
            let points = c.points();
            for (i, &(day, value)) in points.iter().enumerate() {
                if !is_paying(value) {
                    continue;
                }
                let until = points.get(i + 1).map(|p| p.0);
                // Period ends m with day <= ends[m] < until carry this value.
                let lo = ends.partition_point(|&e| e < day).max(k);
                let hi = until.map_or(n, |u| ends.partition_point(|&e| e < u));
                if lo < hi {
                    mrr_diff[k][lo - k] += value;
                    mrr_diff[k][hi - k] -= value;
                    logo_diff[k][lo - k] += 1;
                    logo_diff[k][hi - k] -= 1;
                }
            }
        }
        (0..n)
            .map(|k| {
                let (mut mrr, mut logos) = (Decimal::ZERO, 0i64);
                let mut base = None;
                let cells = (0..n - k)
                    .map(|age| {
                        mrr += mrr_diff[k][age];
                        logos += logo_diff[k][age];
                        let base_mrr = *base.get_or_insert(mrr);
                        CohortCell {
                            age: age as u32,
                            measured_on: ends[k + age],
                            paying_customers: logos as u64,
                            mrr,
                            logo_retention: count_ratio(logos as u64, size[k]),
                            revenue_retention: ratio(mrr, base_mrr),
                        }
                    })
                    .collect();
                Cohort {
                    start: starts[k],
                    customers: size[k],
                    cells,
                }
            })
            .collect()
    }
}
