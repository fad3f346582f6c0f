//! The most work one query may ask for. Every size a caller chooses (the
//! dates, the interval, the cohort grain) is checked here before anything is
//! computed, so no request — API, page, share link, export or digest — can
//! hold a worker or the memory for long. The figures are in docs/security.md.

use super::QueryError;
use chrono::NaiveDate;
use quarterdeck_engine::{Grain, Period};
use std::time::{Duration, Instant};

/// A count with thousands separators, as every message writes it.
fn thousands(v: usize) -> String {
    quarterdeck_render::format::count(rust_decimal::Decimal::from(v as u64))
}

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => panic!("a valid constant date"),
    }
}

/// The first day a query may name.
pub const FIRST_DAY: NaiveDate = date(1900, 1, 1);
/// The last day a query may name.
pub const LAST_DAY: NaiveDate = date(2200, 12, 31);
/// Most buckets in one series, movement table or account history (four years by day).
pub const MAX_BUCKETS: usize = 1_500;
/// Most cells in one cohort table (about 11 years of monthly cohorts).
pub const MAX_COHORT_CELLS: usize = 10_000;
/// How long one answer may compute before it is given up.
pub const TIME_BUDGET: Duration = Duration::from_secs(4);

/// Refuses a date outside the supported range.
pub fn check_date(param: &str, day: NaiveDate) -> Result<NaiveDate, QueryError> {
    if (FIRST_DAY..=LAST_DAY).contains(&day) {
        Ok(day)
    } else {
        Err(QueryError {
            param: param.into(),
            message: format!("`{day}` is outside the supported dates {FIRST_DAY} to {LAST_DAY}"),
        })
    }
}

/// The number of `grain` buckets of `period`, or an error naming the limit.
pub fn check_buckets(period: Period, grain: Grain, fiscal_start: u32) -> Result<usize, QueryError> {
    let n = grain.bucket_count(period, fiscal_start, MAX_BUCKETS + 1);
    if n > MAX_BUCKETS {
        return Err(QueryError {
            param: "interval".into(),
            message: format!(
                "{}..{} by {} is more than {} buckets (the most one answer holds); choose a shorter range or a coarser interval",
                period.from,
                period.to,
                grain_name(grain),
                thousands(MAX_BUCKETS)
            ),
        });
    }
    Ok(n)
}

/// Refuses a cohort table of more than `MAX_COHORT_CELLS` cells (n cohorts
/// have n + (n−1) + … + 1 cells).
pub fn check_cohort_cells(
    period: Period,
    grain: Grain,
    fiscal_start: u32,
) -> Result<(), QueryError> {
    // Dates are bounded (1900–2200), so counting every cohort is cheap.
    let cohorts = grain.bucket_count(period, fiscal_start, usize::MAX);
    let cells = cohorts * (cohorts + 1) / 2;
    if cells > MAX_COHORT_CELLS {
        return Err(QueryError {
            param: "from".into(),
            message: format!(
                "{}..{} by {} is {} cohorts, {} cells; one table holds at most {} cells: choose a shorter range or cohorts by quarter",
                period.from,
                period.to,
                grain_name(grain),
                thousands(cohorts),
                thousands(cells),
                thousands(MAX_COHORT_CELLS)
            ),
        });
    }
    Ok(())
}

/// The API's name of a grain.
pub fn grain_name(g: Grain) -> &'static str {
    match g {
        Grain::Day => "day",
        Grain::Week => "week",
        Grain::Month => "month",
        Grain::Quarter => "quarter",
        Grain::Year => "year",
    }
}

/// A deadline for one answer, checked between the steps of long answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    deadline: Instant,
}

impl Budget {
    /// The default budget, starting now.
    pub fn start() -> Self {
        Self::of(TIME_BUDGET)
    }

    /// A budget of `d`, starting now.
    pub fn of(d: Duration) -> Self {
        Self {
            deadline: Instant::now() + d,
        }
    }

    /// An error once the deadline has passed.
    pub fn check(&self) -> Result<(), QueryError> {
        if Instant::now() > self.deadline {
            return Err(QueryError {
                param: "interval".into(),
                message: format!(
                    "this answer needs more than the {} s one request may take; choose a shorter range or a coarser interval",
                    TIME_BUDGET.as_secs()
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_outside_the_range_are_refused() {
        assert!(check_date("from", day("1900-01-01")).is_ok());
        assert!(check_date("to", day("2200-12-31")).is_ok());
        assert_eq!(check_date("to", day("2201-01-01")).unwrap_err().param, "to");
        assert!(check_date("from", day("1899-12-31")).is_err());
    }

    #[test]
    fn bucket_and_cell_limits() {
        let p = |a: &str, b: &str| Period::new(day(a), day(b)).unwrap();
        assert_eq!(
            check_buckets(p("2025-01-01", "2025-12-31"), Grain::Day, 1).unwrap(),
            365
        );
        let err = check_buckets(p("1900-01-01", "2200-12-31"), Grain::Day, 1).unwrap_err();
        assert!(
            err.message.contains("more than 1,500 buckets"),
            "{}",
            err.message
        );
        assert!(check_buckets(p("1900-01-01", "2200-12-31"), Grain::Month, 1).is_err());
        assert!(check_buckets(p("1900-01-01", "2200-12-31"), Grain::Year, 1).is_ok());
        // 140 monthly cohorts: 9,870 cells; 141: 10,011.
        assert!(check_cohort_cells(p("2010-01-01", "2021-08-31"), Grain::Month, 1).is_ok());
        assert!(check_cohort_cells(p("2010-01-01", "2021-09-30"), Grain::Month, 1).is_err());
        let err = check_cohort_cells(p("1925-01-01", "2025-12-31"), Grain::Month, 1).unwrap_err();
        assert!(
            err.message.contains("1,212 cohorts, 735,078 cells"),
            "{}",
            err.message
        );
        assert!(check_cohort_cells(p("1900-01-01", "2200-12-31"), Grain::Quarter, 1).is_err());
    }

    #[test]
    fn a_spent_budget_says_so() {
        assert!(Budget::of(Duration::from_secs(60)).check().is_ok());
        let spent = Budget::of(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(spent.check().unwrap_err().message.contains("4 s"));
    }
}
