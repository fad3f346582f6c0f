//! A customer's MRR as a compact step function over tenant-local days.

use crate::delinquency::DelinquentSpan;
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
            let value = crate::money::quantize(value);
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

    /// The same MRR_c with the value 0 on every day of `spans` (sorted, disjoint).
    pub(crate) fn without(self, spans: &[DelinquentSpan]) -> Self {
        if spans.is_empty() || self.points.is_empty() {
            return self;
        }
        let view = self.view();
        let mut days: Vec<NaiveDate> = self
            .points
            .iter()
            .map(|p| p.0)
            .chain(
                spans
                    .iter()
                    .flat_map(|s| std::iter::once(s.from).chain(s.until)),
            )
            .collect();
        days.sort_unstable();
        days.dedup();
        let mut k = 0;
        let steps: Vec<(NaiveDate, Decimal)> = days
            .into_iter()
            .map(|day| {
                while spans
                    .get(k)
                    .is_some_and(|s| s.until.is_some_and(|u| u <= day))
                {
                    k += 1;
                }
                let masked = spans.get(k).is_some_and(|s| s.contains(day));
                (
                    day,
                    if masked {
                        Decimal::ZERO
                    } else {
                        view.value_on(day)
                    },
                )
            })
            .collect();
        Self::from_sorted_steps(steps)
    }

    /// A borrowed view for queries.
    pub fn view(&self) -> TimelineRef<'_> {
        TimelineRef {
            points: &self.points,
            first_paid: self.first_paid,
        }
    }
}

/// A borrowed MRR_c step function: what every query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineRef<'a> {
    points: &'a [(NaiveDate, Decimal)],
    first_paid: Option<NaiveDate>,
}

impl<'a> TimelineRef<'a> {
    /// The change points, sorted by day.
    pub fn points(&self) -> &'a [(NaiveDate, Decimal)] {
        self.points
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

    /// The first day in `(after, to]` from which the customer pays nothing.
    pub fn first_unpaid_in(&self, after: NaiveDate, to: NaiveDate) -> Option<NaiveDate> {
        self.points[self.index_after(after)..]
            .iter()
            .take_while(|(d, _)| *d <= to)
            .find(|(_, v)| !is_paying(*v))
            .map(|(d, _)| *d)
    }
}

/// Where one customer's points sit in the arena.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u32,
    first_paid: Option<NaiveDate>,
}

/// Every customer's change points in one contiguous array, indexed by slot.
///
/// Queries walk all customers in slot order; one array laid out in that order
/// reads memory sequentially instead of chasing a heap pointer per customer
/// (about 5× faster at 100k customers). An update that does not fit in place
/// is appended, and the array is re-laid once the dead space outgrows the live.
#[derive(Debug, Clone, Default)]
pub(crate) struct TimelineArena {
    points: Vec<(NaiveDate, Decimal)>,
    spans: Vec<Span>,
    live: usize,
}

impl TimelineArena {
    /// Adds an empty timeline as the last slot.
    pub fn push_empty(&mut self) {
        self.spans.push(Span::default());
    }

    /// Replaces the timeline of `slot`.
    pub fn set(&mut self, slot: usize, t: &Timeline) {
        let span = &mut self.spans[slot];
        self.live = self.live - span.len as usize + t.points.len();
        if t.points.len() > span.len as usize {
            span.start = self.points.len() as u32;
            self.points.extend_from_slice(&t.points);
        } else {
            let start = span.start as usize;
            self.points[start..start + t.points.len()].copy_from_slice(&t.points);
        }
        span.len = t.points.len() as u32;
        span.first_paid = t.first_paid;
        if self.points.len() > 2 * self.live + 4096 {
            self.compact();
        }
    }

    /// Removes `slot`, moving the last slot into its place.
    pub fn swap_remove(&mut self, slot: usize) {
        self.live -= self.spans.swap_remove(slot).len as usize;
    }

    /// Lays the points out again in slot order, dropping dead space.
    pub fn compact(&mut self) {
        let mut points = Vec::with_capacity(self.live);
        for span in &mut self.spans {
            let start = span.start as usize;
            span.start = points.len() as u32;
            points.extend_from_slice(&self.points[start..start + span.len as usize]);
        }
        self.points = points;
    }

    /// The timeline of `slot`.
    pub fn get(&self, slot: usize) -> TimelineRef<'_> {
        let s = self.spans[slot];
        let start = s.start as usize;
        TimelineRef {
            points: &self.points[start..start + s.len as usize],
            first_paid: s.first_paid,
        }
    }

    /// Every timeline in slot order.
    pub fn iter(&self) -> impl Iterator<Item = TimelineRef<'_>> {
        self.spans.iter().map(|s| {
            let start = s.start as usize;
            TimelineRef {
                points: &self.points[start..start + s.len as usize],
                first_paid: s.first_paid,
            }
        })
    }
}

/// Whether an MRR value makes a paying customer (metrics.md: MRR_c > 0).
pub fn is_paying(value: Decimal) -> bool {
    // Sign and zero tests read flag bits; `> ZERO` would align scales first.
    !value.is_zero() && value.is_sign_positive()
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
        let t = t.view();
        assert_eq!(
            t.points(),
            &[(d("2025-01-05"), dec!(20)), (d("2025-01-10"), dec!(0))]
        );
        assert_eq!(t.value_on(d("2025-01-04")), dec!(0));
        assert_eq!(t.value_on(d("2025-01-09")), dec!(20));
        assert_eq!(t.value_on(d("2025-01-10")), dec!(0));
        assert_eq!(t.first_paid(), Some(d("2025-01-05")));
    }

    #[test]
    fn the_arena_keeps_each_slot_through_updates() {
        let one = |v| Timeline::from_sorted_steps([(d("2025-01-01"), v)]);
        let two =
            Timeline::from_sorted_steps([(d("2025-01-01"), dec!(1)), (d("2025-02-01"), dec!(2))]);
        let mut arena = TimelineArena::default();
        for _ in 0..3 {
            arena.push_empty();
        }
        arena.set(0, &one(dec!(5)));
        arena.set(1, &two);
        arena.set(2, &one(dec!(7)));
        arena.set(0, &two); // grows: appended
        arena.set(1, &one(dec!(9))); // shrinks: in place
        assert_eq!(arena.get(0), two.view());
        assert_eq!(arena.get(1), one(dec!(9)).view());
        arena.swap_remove(0);
        arena.compact();
        assert_eq!(arena.get(0), one(dec!(7)).view());
        assert_eq!(arena.get(1), one(dec!(9)).view());
        assert_eq!(arena.iter().count(), 2);
        assert_eq!(arena.points.len(), 2);
    }
}
