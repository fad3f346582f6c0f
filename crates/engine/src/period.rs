//! Inclusive date periods, comparison periods and calendar buckets in the tenant zone.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// An inclusive range of tenant-local days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// First day in the period.
    pub from: NaiveDate,
    /// Last day in the period (its end state is the state on this day).
    pub to: NaiveDate,
}

/// The day before `d` (the earliest date stays put rather than panicking).
pub fn day_before(d: NaiveDate) -> NaiveDate {
    d.pred_opt().unwrap_or(d)
}

/// The day after `d` (the latest date stays put rather than panicking).
pub fn day_after(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// The last twelve month ends on or before `day`, oldest first.
pub fn month_ends(day: NaiveDate) -> Vec<NaiveDate> {
    use chrono::Datelike;
    let mut end = if is_month_end(day) {
        day
    } else {
        day.with_day(1)
            .and_then(|d| d.pred_opt())
            .expect("a day before")
    };
    let mut out = Vec::with_capacity(12);
    for _ in 0..12 {
        out.push(end);
        end = end
            .with_day(1)
            .and_then(|d| d.pred_opt())
            .expect("a day before");
    }
    out.reverse();
    out
}

/// Whether `d` is the last day of its month.
pub fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|next| next.day() == 1)
}

/// `d` moved back `n` calendar months, clamped to the month's end (Mar 31 → Feb 28).
pub fn months_before(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(n)).unwrap_or(d)
}

/// `d` moved back `n` months, keeping a month's last day on the last day (Feb 28 → Jan 31).
///
/// Used for trailing windows, so that twelve months ending on a month end are
/// twelve calendar months.
pub fn months_before_anchored(d: NaiveDate, n: u32) -> NaiveDate {
    if is_month_end(d) {
        day_before(months_before(day_after(d), n))
    } else {
        months_before(d, n)
    }
}

/// `d` moved forward `n` calendar months, clamped to the month's end.
pub fn months_after(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

impl Period {
    /// The period `from..=to`, or `None` when `to` is before `from`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Self> {
        (from <= to).then_some(Self { from, to })
    }

    /// The one-day period `day..=day`.
    pub fn day(day: NaiveDate) -> Self {
        Self { from: day, to: day }
    }

    /// The day whose end state is the period's start state (`from − 1`).
    pub fn start_state_day(&self) -> NaiveDate {
        day_before(self.from)
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Whether `day` is in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The period of equal length ending the day before `from`.
    pub fn previous_period(&self) -> Self {
        let to = day_before(self.from);
        let from = to
            .checked_sub_days(Days::new(self.days() as u64 - 1))
            .unwrap_or(to);
        Self { from, to }
    }

    /// The number of whole calendar months the period is made of, if it is
    /// made of whole months (from a month's first day to a month's last).
    pub fn whole_months(&self) -> Option<u32> {
        let whole = self.from.day() == 1 && is_month_end(self.to);
        whole.then(|| {
            let months = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
            (months(self.to) - months(self.from) + 1) as u32
        })
    }

    /// The smallest calendar unit (month, then fiscal quarter, then fiscal
    /// year) that starts on `from` and holds `to`: the period is that unit to date.
    pub fn to_date_unit(&self, fiscal_start: u32) -> Option<Grain> {
        [Grain::Month, Grain::Quarter, Grain::Year]
            .into_iter()
            .find(|g| {
                g.bucket_start(self.from, fiscal_start) == self.from
                    && self.to < g.next_start(self.from)
            })
    }

    /// The comparison period by the calendar (metrics.md, Time): N whole
    /// months compare with the N months before; a month, quarter or year to
    /// date with as many days from the start of the unit before, clipped to
    /// that unit's end; anything else with the period of equal length ending
    /// the day before `from`.
    pub fn previous_calendar(&self, fiscal_start: u32) -> Self {
        if let Some(n) = self.whole_months() {
            return Self {
                from: months_before(self.from, n),
                to: day_before(self.from),
            };
        }
        if let Some(unit) = self.to_date_unit(fiscal_start) {
            let start = unit.bucket_start(day_before(self.from), fiscal_start);
            let unit_end = day_before(self.from);
            let to = start
                .checked_add_days(Days::new(self.days() as u64 - 1))
                .map_or(unit_end, |d| d.min(unit_end));
            return Self { from: start, to };
        }
        self.previous_period()
    }

    /// Whether the period ends after `today` (its last days have not happened).
    pub fn is_partial(&self, today: NaiveDate) -> bool {
        self.to > today
    }

    /// The same dates one year earlier (Feb 29 → Feb 28).
    pub fn previous_year(&self) -> Self {
        Self {
            from: months_before(self.from, 12),
            to: months_before(self.to, 12),
        }
    }

    /// The twelve months ending on `to`: from the day after `to − 12 months`.
    ///
    /// Its start state is the state on `to − 12 months`, a month end staying a
    /// month end (2025-12-31 → 2024-12-31, 2025-02-28 → 2024-02-29,
    /// 2025-06-15 → 2024-06-15), so a month-end `to` gives twelve calendar months.
    pub fn trailing_twelve_months(to: NaiveDate) -> Self {
        Self {
            from: day_after(months_before_anchored(to, 12)),
            to,
        }
    }
}

/// The size of a bucket in a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    /// One calendar day.
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A fiscal quarter (three months from the fiscal start month).
    Quarter,
    /// A fiscal year (twelve months from the fiscal start month).
    Year,
}

impl Grain {
    /// The first day of the bucket containing `day`; `fiscal_start` is the month 1–12.
    pub fn bucket_start(self, day: NaiveDate, fiscal_start: u32) -> NaiveDate {
        let first_of =
            |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(day);
        match self {
            Grain::Day => day,
            Grain::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Grain::Month => first_of(day.year(), day.month()),
            Grain::Quarter | Grain::Year => {
                let f = fiscal_start.clamp(1, 12);
                let into_year = (day.month() + 12 - f) % 12;
                let back = if self == Grain::Quarter {
                    into_year % 3
                } else {
                    into_year
                };
                months_before(first_of(day.year(), day.month()), back)
            }
        }
    }

    /// The first day of the bucket after the one starting on `start`.
    pub fn next_start(self, start: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => day_after(start),
            Grain::Week => start.checked_add_days(Days::new(7)).unwrap_or(start),
            Grain::Month => months_after(start, 1),
            Grain::Quarter => months_after(start, 3),
            Grain::Year => months_after(start, 12),
        }
    }

    /// How many buckets cover `period`, counting no further than `cap` (so a
    /// caller can refuse a huge answer without building it).
    pub fn bucket_count(self, period: Period, fiscal_start: u32, cap: usize) -> usize {
        let mut n = 0;
        let mut start = self.bucket_start(period.from, fiscal_start);
        while start <= period.to && n < cap {
            let next = self.next_start(start);
            n += 1;
            if next <= start {
                break;
            }
            start = next;
        }
        n
    }

    /// The buckets covering `period`, the first and last clipped to it.
    pub fn buckets(self, period: Period, fiscal_start: u32) -> Vec<Bucket> {
        let mut out = Vec::new();
        let mut start = self.bucket_start(period.from, fiscal_start);
        while start <= period.to {
            let next = self.next_start(start);
            if next <= start {
                break; // Only at the end of the calendar; never loop forever.
            }
            let clipped = Period {
                from: start.max(period.from),
                to: day_before(next).min(period.to),
            };
            out.push(Bucket {
                start,
                period: clipped,
            });
            start = next;
        }
        out
    }
}

/// One bucket of a series: its calendar start and the part of the period it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// The bucket's first calendar day (its label), possibly before the period.
    pub start: NaiveDate,
    /// The days of the query period inside the bucket.
    pub period: Period,
}

#[cfg(test)]
mod tests {

    #[test]
    fn twelve_month_ends_end_on_or_before_the_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let ends = month_ends(d("2026-12-03"));
        assert_eq!(ends.len(), 12);
        assert_eq!(ends[0], d("2025-12-31"));
        assert_eq!(ends[11], d("2026-11-30"));
        assert_eq!(
            *month_ends(d("2026-02-28")).last().unwrap(),
            d("2026-02-28")
        );
    }
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn p(from: &str, to: &str) -> Period {
        Period::new(d(from), d(to)).unwrap()
    }

    /// metrics.md, Time: the examples of calendar comparisons.
    #[test]
    fn calendar_comparisons_of_metrics_md() {
        let prev = |from: &str, to: &str, fiscal: u32| p(from, to).previous_calendar(fiscal);
        assert_eq!(
            prev("2026-11-01", "2026-11-30", 1),
            p("2026-10-01", "2026-10-31")
        );
        assert_eq!(
            prev("2026-03-01", "2026-03-30", 1),
            p("2026-02-01", "2026-02-28")
        );
        assert_eq!(
            prev("2026-12-01", "2026-12-02", 1),
            p("2026-11-01", "2026-11-02")
        );
        assert_eq!(
            prev("2026-07-01", "2026-08-14", 1),
            p("2026-04-01", "2026-05-15")
        );
        assert_eq!(
            prev("2026-01-01", "2026-06-15", 1),
            p("2025-01-01", "2025-06-15")
        );
        // Q2 → Q1; a half year → the half year before; a year → the year before.
        assert_eq!(
            prev("2026-04-01", "2026-06-30", 1),
            p("2026-01-01", "2026-03-31")
        );
        assert_eq!(
            prev("2026-01-01", "2026-06-30", 1),
            p("2025-07-01", "2025-12-31")
        );
        assert_eq!(
            prev("2025-01-01", "2025-12-31", 1),
            p("2024-01-01", "2024-12-31")
        );
        // Jan 1–20 is a month to date, not a quarter or year to date.
        assert_eq!(
            prev("2026-01-01", "2026-01-20", 1),
            p("2025-12-01", "2025-12-20")
        );
        // A fiscal year from April: Apr 1–May 10 is a fiscal quarter to date,
        // Apr 1–Aug 10 a fiscal year to date.
        assert_eq!(
            prev("2026-04-01", "2026-05-10", 4),
            p("2026-01-01", "2026-02-09")
        );
        assert_eq!(
            prev("2026-04-01", "2026-08-10", 4),
            p("2025-04-01", "2025-08-10")
        );
        // Anything else: equal length just before.
        assert_eq!(
            prev("2026-03-10", "2026-03-19", 1),
            p("2026-02-28", "2026-03-09")
        );
        // February is a whole month: it compares with all of January.
        assert_eq!(
            prev("2026-02-01", "2026-02-28", 1),
            p("2026-01-01", "2026-01-31")
        );
        assert_eq!(
            prev("2024-03-01", "2024-03-30", 1),
            p("2024-02-01", "2024-02-29")
        );
    }

    fn whole_or_to_date() -> impl proptest::strategy::Strategy<Value = Period> {
        use proptest::prelude::*;
        (1990i32..2100, 1u32..=12, 0u32..40, 0u32..400).prop_map(|(y, m, len, days)| {
            let from = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
            if days % 2 == 0 {
                // Whole months.
                let to = day_before(months_after(from, len % 30 + 1));
                Period { from, to }
            } else {
                Period {
                    from,
                    to: from + Days::new(u64::from(days % 370)),
                }
            }
        })
    }

    proptest::proptest! {
        /// The previous period of N whole months is N whole months, ending the
        /// day before; a to-date period compares with as many days unless clipped.
        #[test]
        fn previous_periods_follow_the_calendar(
            fiscal in 1u32..=12,
            period in whole_or_to_date(),
        ) {
            let prev = period.previous_calendar(fiscal);
            proptest::prop_assert!(prev.to < period.from);
            if let Some(n) = period.whole_months() {
                proptest::prop_assert_eq!(prev.whole_months(), Some(n));
                proptest::prop_assert_eq!(prev.to, day_before(period.from));
            } else if let Some(unit) = period.to_date_unit(fiscal) {
                proptest::prop_assert_eq!(unit.bucket_start(prev.from, fiscal), prev.from);
                proptest::prop_assert!(prev.days() <= period.days());
                if prev.days() < period.days() {
                    // Clipped: it runs to the end of the unit before.
                    proptest::prop_assert_eq!(unit.next_start(prev.from), period.from);
                }
            } else {
                proptest::prop_assert_eq!(prev.days(), period.days());
                proptest::prop_assert_eq!(prev.to, day_before(period.from));
            }
        }
    }

    #[test]
    fn comparison_periods() {
        let p = Period::new(d("2025-03-01"), d("2025-03-31")).unwrap();
        assert_eq!(
            p.previous_period(),
            Period::new(d("2025-01-29"), d("2025-02-28")).unwrap()
        );
        let leap = Period::new(d("2024-02-01"), d("2024-02-29")).unwrap();
        assert_eq!(
            leap.previous_year(),
            Period::new(d("2023-02-01"), d("2023-02-28")).unwrap()
        );
        assert_eq!(
            Period::trailing_twelve_months(d("2025-12-31")).from,
            d("2025-01-01")
        );
        assert_eq!(
            Period::trailing_twelve_months(d("2024-02-29")).from,
            d("2023-03-01")
        );
        assert_eq!(
            Period::trailing_twelve_months(d("2025-02-28")).from,
            d("2024-03-01")
        );
        assert_eq!(
            Period::trailing_twelve_months(d("2025-06-15")).from,
            d("2024-06-16")
        );
        assert_eq!(months_before_anchored(d("2025-03-31"), 1), d("2025-02-28"));
        assert_eq!(months_before_anchored(d("2025-02-28"), 1), d("2025-01-31"));
        assert!(Period::new(d("2025-01-02"), d("2025-01-01")).is_none());
    }

    #[test]
    fn bucket_count_equals_the_buckets_and_stops_at_the_cap() {
        let p = Period::new(d("2024-12-15"), d("2026-02-03")).unwrap();
        for g in [
            Grain::Day,
            Grain::Week,
            Grain::Month,
            Grain::Quarter,
            Grain::Year,
        ] {
            for fiscal in [1, 4, 12] {
                let n = g.buckets(p, fiscal).len();
                assert_eq!(g.bucket_count(p, fiscal, usize::MAX), n, "{g:?} {fiscal}");
                assert_eq!(g.bucket_count(p, fiscal, 3), n.min(3), "{g:?} {fiscal}");
            }
        }
        let huge = Period::new(d("1900-01-01"), d("2200-12-31")).unwrap();
        assert_eq!(Grain::Day.bucket_count(huge, 1, 1_501), 1_501);
    }

    #[test]
    fn bucket_starts_follow_the_fiscal_year() {
        assert_eq!(
            Grain::Week.bucket_start(d("2025-01-01"), 1),
            d("2024-12-30")
        );
        assert_eq!(
            Grain::Quarter.bucket_start(d("2025-05-20"), 1),
            d("2025-04-01")
        );
        assert_eq!(
            Grain::Quarter.bucket_start(d("2025-05-20"), 2),
            d("2025-05-01")
        );
        assert_eq!(
            Grain::Quarter.bucket_start(d("2025-01-20"), 4),
            d("2025-01-01")
        );
        assert_eq!(
            Grain::Quarter.bucket_start(d("2025-03-20"), 4),
            d("2025-01-01")
        );
        assert_eq!(
            Grain::Year.bucket_start(d("2025-03-20"), 4),
            d("2024-04-01")
        );
        assert_eq!(
            Grain::Year.bucket_start(d("2025-04-01"), 4),
            d("2025-04-01")
        );
        assert_eq!(
            Grain::Year.bucket_start(d("2025-12-31"), 1),
            d("2025-01-01")
        );
    }

    #[test]
    fn buckets_clip_to_the_period() {
        let p = Period::new(d("2025-01-15"), d("2025-03-10")).unwrap();
        let b = Grain::Month.buckets(p, 1);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].start, d("2025-01-01"));
        assert_eq!(
            b[0].period,
            Period::new(d("2025-01-15"), d("2025-01-31")).unwrap()
        );
        assert_eq!(
            b[2].period,
            Period::new(d("2025-03-01"), d("2025-03-10")).unwrap()
        );
        assert_eq!(Grain::Day.buckets(p, 1).len() as i64, p.days());
    }
}
