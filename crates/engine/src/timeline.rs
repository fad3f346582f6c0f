//! A customer's MRR as a compact step function over tenant-local days.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// MRR_c of one customer: sorted change points, each "from this day on, the value is".
///
/// Before the first point the value is 0; consecutive points always differ, so
/// every point is exactly one day's net change (one movement).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    points: Vec<(NaiveDate, Decimal)>,
    first_paid: Option<NaiveDate>,
}

impl Timeline {
    /// Builds a timeline from day-sorted `(day, value from that day)` steps, dropping repeats.
    pub fn from_sorted_steps(steps: impl IntoIterator<Item = (NaiveDate, Decimal)>) -> Self {
        let mut points: Vec<(NaiveDate, Decimal)> = Vec::new();
        for (day, value) in steps {
            if let Some(last) = points.last_mut()
                && last.0 == day
            {
                // Several changes on one day net to the day's final value.
                last.1 = value;
                let n = points.len();
                if (n >= 2 && points[n - 2].1 == value) || (n == 1 && value.is_zero()) {
                    points.pop();
                }
                continue;
            }
            let previous = points.last().map_or(Decimal::ZERO, |p| p.1);
            if value != previous {
                points.push((day, value));
            }
        }
        let first_paid = points.iter().find(|p| is_paying(p.1)).map(|p| p.0);
        Self { points, first_paid }
    }

    /// The change points, sorted by day.
    pub fn points(&self) -> &[(NaiveDate, Decimal)] {
        &self.points
    }

    /// The first day with MRR_c > 0, if the customer ever paid.
    pub fn first_paid(&self) -> Option<NaiveDate> {
        self.first_paid
    }

    /// Index of the first change point after `day`.
    pub fn index_after(&self, day: NaiveDate) -> usize {
        self.points.partition_point(|p| p.0 <= day)
    }

    /// MRR_c on `day` (the state at the end of the day).
    pub fn value_on(&self, day: NaiveDate) -> Decimal {
        match self.index_after(day) {
            0 => Decimal::ZERO,
            i => self.points[i - 1].1,
        }
    }

    /// Whether the customer has no MRR on any day.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// Whether an MRR value makes a paying customer (metrics.md: MRR_c > 0).
pub fn is_paying(value: Decimal) -> bool {
    value > Decimal::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn steps_compact_and_net_within_a_day() {
        let t = Timeline::from_sorted_steps([
            (d("2025-01-01"), dec!(0)),
            (d("2025-01-05"), dec!(10)),
            (d("2025-01-05"), dec!(20)),
            (d("2025-01-07"), dec!(20)),
            (d("2025-01-09"), dec!(30)),
            (d("2025-01-09"), dec!(20)),
            (d("2025-01-10"), dec!(0)),
        ]);
        assert_eq!(t.points(), &[(d("2025-01-05"), dec!(20)), (d("2025-01-10"), dec!(0))]);
        assert_eq!(t.value_on(d("2025-01-04")), dec!(0));
        assert_eq!(t.value_on(d("2025-01-09")), dec!(20));
        assert_eq!(t.value_on(d("2025-01-10")), dec!(0));
        assert_eq!(t.first_paid(), Some(d("2025-01-05")));
    }
}
