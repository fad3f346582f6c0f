//! `MetricQuery`: the date range, comparison, interval and filters of a view.

use chrono::{Datelike, Months, NaiveDate};
use quarterdeck_engine::{Filter, Grain, Period};
use std::collections::{BTreeMap, BTreeSet};

/// Which period a view is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// The period before by the calendar (default): N whole months → the N
    /// months before; a month, quarter or year to date → as many days of the
    /// unit before; else the equal length ending the day before `from`.
    PreviousPeriod,
    /// The same dates one year earlier (Feb 29 → Feb 28).
    PreviousYear,
    /// No comparison.
    None,
}

impl Compare {
    /// The API's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Compare::PreviousPeriod => "previous_period",
            Compare::PreviousYear => "previous_year",
            Compare::None => "none",
        }
    }
}

/// One parsed view query: what every widget, export and email of a view obeys.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// The selected days, both ends inclusive.
    pub period: Period,
    /// How to compare.
    pub compare: Compare,
    /// Which customers.
    pub filter: Filter,
    /// Parameters particular to one endpoint (e.g. `metric`, `interval`), by name.
    pub extra: BTreeMap<String, String>,
    /// The tenant's today and fiscal year: what "partial" and calendar
    /// comparisons are read against.
    pub calendar: Calendar,
}

/// The tenant's calendar on the day a query is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    /// Today in the tenant's time zone.
    pub today: NaiveDate,
    /// The month (1–12) the fiscal year starts in.
    pub fiscal_start: u32,
}

impl Calendar {
    /// A calendar year starting in January (tests, callers without a tenant).
    pub fn plain(today: NaiveDate) -> Self {
        Self {
            today,
            fiscal_start: 1,
        }
    }
}

/// A bad query parameter: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The parameter's name.
    pub param: String,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "parameter `{}`: {}", self.param, self.message)
    }
}

fn bad(param: &str, message: impl Into<String>) -> QueryError {
    QueryError {
        param: param.to_string(),
        message: message.into(),
    }
}

/// The filter dimensions, each repeatable (`segment=a&segment=b` or `segment=a,b`).
pub const FILTERS: [&str; 4] = ["segment", "csm", "plan", "region"];

/// Parses a date parameter, inside the supported range (`limits::FIRST_DAY`..`LAST_DAY`).
pub fn parse_date(param: &str, value: &str) -> Result<NaiveDate, QueryError> {
    let day = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| bad(param, format!("`{value}` is not a date (YYYY-MM-DD)")))?;
    super::limits::check_date(param, day)
}

impl MetricQuery {
    /// Parses URL query pairs on the tenant's `calendar` (default range: the
    /// current month to date); `extra` names the endpoint's own parameters.
    pub fn parse(
        pairs: &[(String, String)],
        calendar: Calendar,
        extra: &[&str],
    ) -> Result<Self, QueryError> {
        let today = calendar.today;
        let mut from = None;
        let mut to = None;
        let mut compare = Compare::PreviousPeriod;
        let mut dims: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut extras = BTreeMap::new();
        for (key, value) in pairs {
            match key.as_str() {
                "from" => from = Some(parse_date("from", value)?),
                "to" => to = Some(parse_date("to", value)?),
                "compare" => {
                    compare = match value.as_str() {
                        "previous_period" | "" => Compare::PreviousPeriod,
                        "previous_year" => Compare::PreviousYear,
                        "none" => Compare::None,
                        other => {
                            return Err(bad(
                                "compare",
                                format!("`{other}` is not previous_period, previous_year or none"),
                            ));
                        }
                    }
                }
                k if FILTERS.contains(&k) => {
                    let set = dims
                        .entry(FILTERS[FILTERS.iter().position(|f| *f == k).unwrap_or(0)])
                        .or_default();
                    set.extend(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|v| !v.is_empty())
                            .map(String::from),
                    );
                }
                k if extra.contains(&k) => {
                    extras.insert(k.to_string(), value.clone());
                }
                other => {
                    let mut known = vec!["from", "to", "compare"];
                    known.extend(FILTERS);
                    known.extend(extra);
                    return Err(bad(
                        other,
                        format!("unknown parameter; known: {}", known.join(", ")),
                    ));
                }
            }
        }
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
        let period = Period::new(from, to)
            .ok_or_else(|| bad("from", format!("`{from}` is after `to` ({to})")))?;
        let take = |dims: &mut BTreeMap<&str, BTreeSet<String>>, k: &str| {
            dims.remove(k).filter(|s| !s.is_empty())
        };
        let filter = Filter {
            segment: take(&mut dims, "segment"),
            csm: take(&mut dims, "csm"),
            plan: take(&mut dims, "plan"),
            region: take(&mut dims, "region"),
        };
        Ok(Self {
            period,
            compare,
            filter,
            extra: extras,
            calendar,
        })
    }

    /// Whether the period ends after today (its last days have not happened).
    pub fn partial(&self) -> bool {
        self.period.is_partial(self.calendar.today)
    }

    /// The comparison period, if any.
    pub fn comparison(&self) -> Option<Period> {
        match self.compare {
            Compare::PreviousPeriod => {
                Some(self.period.previous_calendar(self.calendar.fiscal_start))
            }
            Compare::PreviousYear => Some(self.period.previous_year()),
            Compare::None => None,
        }
    }

    /// An endpoint parameter, if given.
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The `interval` parameter as a grain (`default` when absent).
    pub fn interval(&self, default: Grain) -> Result<Grain, QueryError> {
        match self.extra("interval") {
            None => Ok(default),
            Some("day") => Ok(Grain::Day),
            Some("week") => Ok(Grain::Week),
            Some("month") => Ok(Grain::Month),
            Some("quarter") => Ok(Grain::Quarter),
            Some("year") => Ok(Grain::Year),
            Some(other) => Err(bad(
                "interval",
                format!("`{other}` is not day, week, month, quarter or year"),
            )),
        }
    }

    /// The filters as JSON (only the dimensions given), via `Filter`'s own serialisation.
    pub fn filters_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.filter).unwrap_or_default()
    }
}

/// The date-range presets, as (URL name, label).
pub const PRESETS: [(&str, &str); 8] = [
    ("this_month", "This month to date"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter to date"),
    ("this_quarter_whole", "This quarter, days to come included"),
    ("last_quarter", "Last quarter"),
    ("year_to_date", "Year to date"),
    ("last_12_months", "Last 12 whole months"),
    ("last_12_months_to_date", "Last 12 months to date"),
];

/// The preset a page opens on: the last complete month.
pub const DEFAULT_PRESET: &str = "last_month";

/// The days a preset stands for on `calendar.today` (quarters and years fiscal).
pub fn preset_range(name: &str, calendar: Calendar) -> Option<Period> {
    let (today, fiscal) = (calendar.today, calendar.fiscal_start);
    let start_of = |g: Grain| g.bucket_start(today, fiscal);
    // The whole unit before the one holding today.
    let previous = |g: Grain| {
        let end = start_of(g).pred_opt()?;
        Period::new(g.bucket_start(end, fiscal), end)
    };
    match name {
        "this_month" => Period::new(start_of(Grain::Month), today),
        "last_month" => previous(Grain::Month),
        "this_quarter" => Period::new(start_of(Grain::Quarter), today),
        "this_quarter_whole" => {
            let from = start_of(Grain::Quarter);
            Period::new(from, from.checked_add_months(Months::new(3))?.pred_opt()?)
        }
        "last_quarter" => previous(Grain::Quarter),
        "year_to_date" => Period::new(start_of(Grain::Year), today),
        "last_12_months" => {
            let end = start_of(Grain::Month).pred_opt()?;
            Period::new(
                start_of(Grain::Month).checked_sub_months(Months::new(12))?,
                end,
            )
        }
        "last_12_months_to_date" => Period::new(
            start_of(Grain::Month).checked_sub_months(Months::new(11))?,
            today,
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_to_the_month_to_date_and_previous_period() {
        let q = MetricQuery::parse(&[], Calendar::plain(day("2025-03-17")), &[]).unwrap();
        assert_eq!(
            q.period,
            Period::new(day("2025-03-01"), day("2025-03-17")).unwrap()
        );
        assert_eq!(q.compare, Compare::PreviousPeriod);
        // A month to date compares with the same days of the month before.
        let c = q.comparison().unwrap();
        assert_eq!((c.from, c.to), (day("2025-02-01"), day("2025-02-17")));
        assert!(!q.partial());
        assert!(q.filter.is_all());
    }

    #[test]
    fn a_period_ending_after_today_is_partial_and_quarters_follow_the_fiscal_year() {
        let calendar = Calendar {
            today: day("2025-05-10"),
            fiscal_start: 4,
        };
        let q = MetricQuery::parse(
            &pairs(&[("from", "2025-04-01"), ("to", "2025-06-30")]),
            calendar,
            &[],
        )
        .unwrap();
        assert!(q.partial());
        let c = q.comparison().unwrap();
        assert_eq!((c.from, c.to), (day("2025-01-01"), day("2025-03-31")));
    }

    #[test]
    fn presets_are_calendar_periods() {
        let on = |today: &str, fiscal_start: u32| Calendar {
            today: day(today),
            fiscal_start,
        };
        let range = |name: &str, c: Calendar| {
            let p = preset_range(name, c).unwrap();
            (p.from.to_string(), p.to.to_string())
        };
        let c = on("2026-12-02", 1);
        let r = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(range("this_month", c), r("2026-12-01", "2026-12-02"));
        assert_eq!(range("last_month", c), r("2026-11-01", "2026-11-30"));
        assert_eq!(range("this_quarter", c), r("2026-10-01", "2026-12-02"));
        assert_eq!(
            range("this_quarter_whole", c),
            r("2026-10-01", "2026-12-31")
        );
        assert_eq!(range("last_quarter", c), r("2026-07-01", "2026-09-30"));
        assert_eq!(range("year_to_date", c), r("2026-01-01", "2026-12-02"));
        assert_eq!(range("last_12_months", c), r("2025-12-01", "2026-11-30"));
        assert_eq!(
            range("last_12_months_to_date", c),
            r("2026-01-01", "2026-12-02")
        );
        // A fiscal year from April moves quarters and the year.
        let f = on("2026-12-02", 4);
        assert_eq!(range("this_quarter", f), r("2026-10-01", "2026-12-02"));
        assert_eq!(range("year_to_date", f), r("2026-04-01", "2026-12-02"));
        let f = on("2026-05-20", 2);
        assert_eq!(range("this_quarter", f), r("2026-05-01", "2026-05-20"));
        assert_eq!(range("last_quarter", f), r("2026-02-01", "2026-04-30"));
        assert!(preset_range("yesterday", c).is_none());
        // Every preset compares with the calendar period before it.
        let last = preset_range("last_month", c).unwrap();
        let prev = last.previous_calendar(1);
        assert_eq!((prev.from, prev.to), (day("2026-10-01"), day("2026-10-31")));
    }

    #[test]
    fn filters_repeat_and_split() {
        let q = MetricQuery::parse(
            &pairs(&[
                ("segment", "smb"),
                ("segment", "mid,ent"),
                ("csm", "ana"),
                ("compare", "previous_year"),
            ]),
            Calendar::plain(day("2025-03-17")),
            &[],
        )
        .unwrap();
        assert_eq!(q.filter.segment.as_ref().unwrap().len(), 3);
        assert_eq!(q.filter.csm.as_ref().unwrap().iter().next().unwrap(), "ana");
        assert_eq!(q.comparison().unwrap().from, day("2024-03-01"));
    }

    #[test]
    fn bad_parameters_are_named() {
        let today = Calendar::plain(day("2025-03-17"));
        let err = |q: &[(&str, &str)]| {
            MetricQuery::parse(&pairs(q), today, &["metric"])
                .unwrap_err()
                .param
        };
        assert_eq!(err(&[("from", "2025-13-01")]), "from");
        assert_eq!(err(&[("from", "2025-03-10"), ("to", "2025-03-01")]), "from");
        assert_eq!(err(&[("compare", "yesterday")]), "compare");
        assert_eq!(err(&[("country", "de")]), "country");
        assert_eq!(err(&[("to", "9999-12-31")]), "to");
        assert_eq!(err(&[("from", "-2026-12-30")]), "from");
        assert_eq!(err(&[("from", "0000-01-01")]), "from");
        assert!(MetricQuery::parse(&pairs(&[("metric", "mrr")]), today, &["metric"]).is_ok());
    }
}
