//! The application's clock: the system's in production, a fixed one that tests
//! set and move, so date-heavy features (default ranges, digests, schedules,
//! link expiry) are tested on chosen days.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::sync::{Arc, Mutex};

/// Where "now" comes from.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the system clock.
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stands at `at` until moved with `set`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// Moves a fixed clock (no effect on the system clock).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(f) = &self.fixed {
            *f.lock().expect("clock lock") = at;
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(f) => *f.lock().expect("clock lock"),
            None => Utc::now(),
        }
    }

    /// Today's date in `tz`.
    pub fn today_in(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let at: DateTime<Utc> = "2026-03-31T23:30:00Z".parse().unwrap();
        let c = Clock::fixed(at);
        assert_eq!(c.now(), at);
        assert_eq!(
            c.today_in(chrono_tz::Europe::Berlin).to_string(),
            "2026-04-01"
        );
        c.set(at + chrono::Duration::days(1));
        assert_eq!(c.now().date_naive().to_string(), "2026-04-01");
        assert!(Clock::system().now() > at - chrono::Duration::days(3650));
    }
}
