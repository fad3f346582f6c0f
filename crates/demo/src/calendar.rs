//! The span of history and the date formats of the ingestion API.

use crate::emit::push_digits;
use chrono::{Datelike, Days, Months, NaiveDate};

/// Months of history before the current month.
const HISTORY_MONTHS: u32 = 36;

/// The three years of history: month starts from `start` up to `today`.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    /// First day of the first month of history.
    pub start: NaiveDate,
    /// The last day of history; timestamped records stay before it.
    pub today: NaiveDate,
    /// Number of months from `start` to the current month, both included.
    pub months: usize,
}

impl Span {
    /// The span ending on `today`: the 36 months before its month, and its month.
    pub fn new(today: NaiveDate) -> Self {
        let first = today.with_day(1).expect("day 1 exists");
        let start = first
            .checked_sub_months(Months::new(HISTORY_MONTHS))
            .unwrap_or(first);
        Span {
            start,
            today,
            months: HISTORY_MONTHS as usize + 1,
        }
    }

    /// First day of month `m` of the span.
    pub fn month_start(&self, m: usize) -> NaiveDate {
        add_months(self.start, m as u32)
    }

    /// Last day of month `m` of the span.
    pub fn month_end(&self, m: usize) -> NaiveDate {
        add_days(self.month_start(m + 1), -1)
    }

    /// Which month of the span `d` falls in, if any.
    pub fn month_of(&self, d: NaiveDate) -> Option<usize> {
        let m = (d.year() - self.start.year()) * 12 + d.month() as i32 - self.start.month() as i32;
        (d >= self.start && (m as usize) < self.months).then_some(m as usize)
    }

    /// Days from the start of the span to `today`.
    pub fn days(&self) -> i64 {
        (self.today - self.start).num_days()
    }
}

/// `d` plus `n` calendar months (the 31st becomes the month's last day).
pub(crate) fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .expect("dates stay far from chrono's limits")
}

/// `d` plus `n` days (negative goes back).
pub(crate) fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    }
    .expect("dates stay far from chrono's limits")
}

/// The Monday on or before `d`.
pub(crate) fn monday_of(d: NaiveDate) -> NaiveDate {
    add_days(d, -i64::from(d.weekday().num_days_from_monday()))
}

/// A bare date as the API takes it: `YYYY-MM-DD`.
pub(crate) fn date(d: NaiveDate) -> String {
    let mut s = String::with_capacity(20);
    push_date(&mut s, d);
    s
}

/// An RFC 3339 UTC timestamp `seconds` into day `d`.
pub(crate) fn stamp(d: NaiveDate, seconds: u32) -> String {
    let t = u64::from(seconds.min(86_399));
    let mut s = String::with_capacity(20);
    push_date(&mut s, d);
    s.push('T');
    push_digits(&mut s, t / 3600, 2);
    s.push(':');
    push_digits(&mut s, t / 60 % 60, 2);
    s.push(':');
    push_digits(&mut s, t % 60, 2);
    s.push('Z');
    s
}

/// Appends `YYYY-MM-DD`, by hand: chrono's formatter is a hot spot when writing millions of rows.
fn push_date(s: &mut String, d: NaiveDate) {
    push_digits(s, d.year().max(0) as u64, 4);
    s.push('-');
    push_digits(s, u64::from(d.month()), 2);
    s.push('-');
    push_digits(s, u64::from(d.day()), 2);
}

/// An RFC 3339 UTC timestamp `seconds` after the start of day `d`, rolling into later days.
pub(crate) fn stamp_after(d: NaiveDate, seconds: i64) -> (NaiveDate, String) {
    let day = add_days(d, seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400) as u32;
    (day, stamp(day, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_covers_three_years_and_the_current_month() {
        let span = Span::new(NaiveDate::from_ymd_opt(2025, 6, 15).unwrap());
        assert_eq!(date(span.start), "2022-06-01");
        assert_eq!(span.months, 37);
        assert_eq!(date(span.month_end(36)), "2025-06-30");
        assert_eq!(span.month_of(span.today), Some(36));
        assert_eq!(
            span.month_of(NaiveDate::from_ymd_opt(2022, 5, 31).unwrap()),
            None
        );
    }

    #[test]
    fn stamps_roll_over_days() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        assert_eq!(stamp(d, 3723), "2025-01-31T01:02:03Z");
        assert_eq!(stamp_after(d, 86_400 + 60).1, "2025-02-01T00:01:00Z");
        assert_eq!(date(monday_of(d)), "2025-01-27");
    }
}
