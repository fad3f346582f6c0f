//! Ingested points in time: an RFC 3339 instant or a bare calendar date.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// When something happened, as the client sent it.
///
/// A bare date means the start of that day in the tenant's time zone, which is
/// only known when the record is read for a tenant (`local_date`, `instant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TimePoint {
    /// A calendar date in the tenant's time zone.
    Date(NaiveDate),
    /// An exact instant with the offset it was sent with.
    At(DateTime<FixedOffset>),
}

/// Earliest and latest years accepted, to catch typos such as 0202 or 20255.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2200;

impl TimePoint {
    /// Parses `2025-01-31` or `2025-01-31T09:00:00Z` (any RFC 3339 offset).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let point = if s.len() == 10 {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(TimePoint::Date)
                .ok()
        } else {
            DateTime::parse_from_rfc3339(s).map(TimePoint::At).ok()
        };
        let point = point.ok_or_else(|| {
            format!(
                "`{s}` is not a date (2025-01-31) or an RFC 3339 timestamp (2025-01-31T09:00:00Z)"
            )
        })?;
        if YEARS.contains(&point.year()) {
            Ok(point)
        } else {
            Err(format!(
                "`{s}` is outside the years {}–{}",
                YEARS.start(),
                YEARS.end()
            ))
        }
    }

    fn year(&self) -> i32 {
        use chrono::Datelike;
        match self {
            TimePoint::Date(d) => d.year(),
            TimePoint::At(t) => t.year(),
        }
    }

    /// The calendar day this falls on in `tz`.
    pub fn local_date(&self, tz: Tz) -> NaiveDate {
        match self {
            TimePoint::Date(d) => *d,
            TimePoint::At(t) => t.with_timezone(&tz).date_naive(),
        }
    }

    /// The exact instant, reading a bare date as midnight in `tz`.
    pub fn instant(&self, tz: Tz) -> DateTime<Utc> {
        match self {
            TimePoint::Date(d) => {
                let local = d.and_time(NaiveTime::MIN);
                // At a DST gap midnight may not exist; take the earliest valid instant after it.
                tz.from_local_datetime(&local)
                    .earliest()
                    .or_else(|| {
                        tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                            .earliest()
                    })
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc.from_utc_datetime(&local))
            }
            TimePoint::At(t) => t.with_timezone(&Utc),
        }
    }

    /// A sort key that orders points without a time zone: dates at UTC midnight.
    pub fn approx_utc(&self) -> DateTime<Utc> {
        self.instant(Tz::UTC)
    }
}

impl TryFrom<String> for TimePoint {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        TimePoint::parse(&s)
    }
}

impl From<TimePoint> for String {
    fn from(t: TimePoint) -> String {
        t.to_string()
    }
}

impl std::fmt::Display for TimePoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimePoint::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            TimePoint::At(t) => {
                f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_date_is_local_midnight() {
        let d = TimePoint::parse("2025-03-01").unwrap();
        let tz: Tz = "America/New_York".parse().unwrap();
        assert_eq!(d.local_date(tz).to_string(), "2025-03-01");
        assert_eq!(d.instant(tz).to_rfc3339(), "2025-03-01T05:00:00+00:00");
    }

    #[test]
    fn instant_moves_across_days_by_zone() {
        let t = TimePoint::parse("2025-01-31T23:30:00Z").unwrap();
        assert_eq!(t.local_date(Tz::UTC).to_string(), "2025-01-31");
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(t.local_date(tokyo).to_string(), "2025-02-01");
    }

    #[test]
    fn rejects_garbage_and_far_years() {
        assert!(TimePoint::parse("31/01/2025").is_err());
        assert!(TimePoint::parse("2025-02-30").is_err());
        assert!(TimePoint::parse("0202-01-01").is_err());
        assert!(TimePoint::parse("").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "2025-01-31",
            "2025-01-31T09:00:00Z",
            "2025-01-31T09:00:00.500+02:00",
        ] {
            assert_eq!(TimePoint::parse(s).unwrap().to_string(), s);
        }
    }
}
