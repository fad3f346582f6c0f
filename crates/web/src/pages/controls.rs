//! The controls every dashboard shares: date range (presets or custom),
//! comparison and filters. They live in the URL, so links, bookmarks,
//! drill-downs, exports and share links all keep them.

use crate::PageError;
use chrono::{Datelike, NaiveDate};
use quarterdeck_app::metrics::query::{FILTERS, parse_date};
use quarterdeck_engine::FilterValues;

use quarterdeck_app::metrics::Calendar;
pub use quarterdeck_app::metrics::query::{DEFAULT_PRESET, PRESETS, preset_range};

/// One choice in a filter picker.
#[derive(Debug, Clone)]
pub struct FilterOption {
    pub value: String,
    /// The value in words ("Mid-market").
    pub label: String,
    pub checked: bool,
}

/// One filter dimension's picker.
#[derive(Debug, Clone)]
pub struct FilterPicker {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<FilterOption>,
    pub chosen: Vec<String>,
}

/// The parsed controls of a page.
#[derive(Debug, Clone)]
pub struct Controls {
    /// The preset in use, if any.
    pub range: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `previous_period`, `previous_year` or `none`.
    pub compare: String,
    /// Chosen filter values by dimension, in `FILTERS` order.
    pub filters: Vec<(&'static str, Vec<String>)>,
    /// The page's own parameters (interval, sort…), kept on its links.
    pub extra: Vec<(String, String)>,
    /// Filter pickers (after `with_values`).
    pub pickers: Vec<FilterPicker>,
}

impl Controls {
    /// Reads the controls from the URL; unknown parameters are refused later
    /// by `MetricQuery::parse`.
    pub fn parse(
        pairs: &[(String, String)],
        today: NaiveDate,
        fiscal_start: u32,
        extra: &[&str],
    ) -> Result<Self, PageError> {
        let get = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, v)| key == k && !v.is_empty())
                .map(|(_, v)| v.as_str())
        };
        let bad = |m: String| PageError::BadRequest(m);
        let range = get("range").map(str::to_string);
        // Dates are checked even beside a preset (which wins): a malformed
        // or out-of-range date is refused wherever it stands.
        let date = |k: &str| {
            get(k)
                .map(|v| parse_date(k, v))
                .transpose()
                .map_err(|e| bad(e.to_string()))
        };
        let (given_from, given_to) = (date("from")?, date("to")?);
        let calendar = Calendar {
            today,
            fiscal_start,
        };
        // A page with no dates opens on the last complete month.
        let range = match (&range, given_from, given_to) {
            (None, None, None) => Some(DEFAULT_PRESET.to_string()),
            _ => range,
        };
        let (from, to) = match range.as_deref() {
            Some(r) => preset_range(r, calendar)
                .map(|p| (p.from, p.to))
                .ok_or_else(|| bad(format!("range: `{r}` is not a preset")))?,
            None => {
                let to = given_to.unwrap_or(today);
                let from = given_from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
                (from, to)
            }
        };
        if from > to {
            return Err(bad(format!(
                "The start date ({from}) is after the end date ({to}); choose a start on or before the end."
            )));
        }
        let filters = FILTERS
            .iter()
            .map(|dim| {
                let mut values: Vec<String> = pairs
                    .iter()
                    .filter(|(k, _)| k == dim)
                    .flat_map(|(_, v)| v.split(','))
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                values.sort();
                values.dedup();
                (*dim, values)
            })
            .collect();
        let known = ["range", "from", "to", "compare"];
        let mut extras = Vec::new();
        for (k, v) in pairs {
            if extra.contains(&k.as_str()) && !v.is_empty() {
                extras.retain(|(key, _): &(String, String)| key != k);
                extras.push((k.clone(), v.clone()));
            } else if !known.contains(&k.as_str()) && !FILTERS.contains(&k.as_str()) {
                return Err(bad(format!("unknown parameter `{k}`")));
            }
        }
        Ok(Controls {
            range,
            from,
            to,
            compare: get("compare").unwrap_or("previous_period").to_string(),
            filters,
            extra: extras,
            pickers: Vec::new(),
        })
    }

    /// The pairs `MetricQuery::parse` reads.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("from".to_string(), self.from.to_string()),
            ("to".to_string(), self.to.to_string()),
            ("compare".to_string(), self.compare.clone()),
        ];
        for (dim, values) in &self.filters {
            pairs.extend(values.iter().map(|v| (dim.to_string(), v.clone())));
        }
        pairs.extend(self.extra.iter().cloned());
        pairs
    }

    /// Adds the filter pickers; `csm_locked` hides the CSM picker (row-level access).
    pub fn with_values(mut self, values: FilterValues, csm_locked: bool) -> Self {
        let all = [
            ("segment", "Segment", values.segment),
            ("csm", "CSM", values.csm),
            ("plan", "Plan", values.plan),
            ("region", "Region", values.region),
        ];
        self.pickers = all
            .into_iter()
            .filter(|(name, _, _)| !(csm_locked && *name == "csm"))
            .map(|(name, label, options)| {
                let chosen = self.chosen(name).to_vec();
                FilterPicker {
                    name,
                    label,
                    options: options
                        .into_iter()
                        .map(|value| FilterOption {
                            checked: chosen.contains(&value),
                            label: quarterdeck_engine::filter::human(name, &value),
                            value,
                        })
                        .collect(),
                    chosen,
                }
            })
            .collect();
        self
    }

    /// Chosen values of one dimension.
    pub fn chosen(&self, dim: &str) -> &[String] {
        self.filters
            .iter()
            .find(|(d, _)| *d == dim)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// Whether any filter is set.
    pub fn filtered(&self) -> bool {
        self.filters.iter().any(|(_, v)| !v.is_empty())
    }

    /// Range, comparison and filters as a query string (no leading `?`).
    pub fn query_string(&self) -> String {
        self.encode(&[], false)
    }

    fn encode(&self, extra: &[(&str, String)], keep_page_params: bool) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", urlencoding::encode(v)));
        match &self.range {
            Some(r) => push("range", r),
            None => {
                push("from", &self.from.to_string());
                push("to", &self.to.to_string());
            }
        }
        if self.compare != "previous_period" {
            push("compare", &self.compare);
        }
        for (dim, values) in &self.filters {
            for v in values {
                push(dim, v);
            }
        }
        if keep_page_params {
            for (k, v) in &self.extra {
                if !extra.iter().any(|(e, _)| e == k) {
                    push(k, v);
                }
            }
        }
        for (k, v) in extra {
            push(k, v);
        }
        parts.join("&")
    }

    /// A link to `path` keeping range, comparison and filters, plus `extra`.
    pub fn href(&self, path: &str, extra: &[(&str, String)]) -> String {
        let qs = self.encode(extra, false);
        if qs.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{qs}")
        }
    }

    /// A link to the same page with some of its own parameters changed.
    pub fn href_same_page(&self, path: &str, extra: &[(&str, String)]) -> String {
        let qs = self.encode(extra, true);
        if qs.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{qs}")
        }
    }

    /// "Mar 1 – Mar 22, 2026" for headings.
    pub fn period_label(&self) -> String {
        period_label(self.from, self.to)
    }

    /// The preset's label, or "Custom".
    pub fn range_label(&self) -> &'static str {
        self.range
            .as_deref()
            .and_then(|r| PRESETS.iter().find(|(n, _)| *n == r))
            .map_or("Custom range", |(_, l)| l)
    }

    /// What the filters select, for headings and exports ("All customers" when none).
    pub fn filters_label(&self) -> String {
        let parts: Vec<String> = self
            .filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(d, v)| quarterdeck_engine::filter::words(d, v.iter().map(String::as_str)))
            .collect();
        if parts.is_empty() {
            "All customers".into()
        } else {
            parts.join(" · ")
        }
    }
}

pub use quarterdeck_app::metrics::display::period_label;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn pages_open_on_the_last_complete_month_and_refuse_reversed_dates() {
        let c = Controls::parse(&[], d("2026-12-02"), 1, &[]).unwrap();
        assert_eq!((c.from, c.to), (d("2026-11-01"), d("2026-11-30")));
        assert_eq!(c.range.as_deref(), Some("last_month"));
        let pairs = |from: &str, to: &str| {
            vec![
                ("from".to_string(), from.to_string()),
                ("to".to_string(), to.to_string()),
            ]
        };
        let c = Controls::parse(&pairs("2026-03-01", "2026-03-31"), d("2026-12-02"), 1, &[]);
        assert_eq!(c.unwrap().range, None);
        let err = Controls::parse(&pairs("2026-03-31", "2026-03-01"), d("2026-12-02"), 1, &[]);
        assert!(err.unwrap_err().to_string().contains("after the end date"));
        // Year to date of a fiscal year starting in December.
        let ytd = vec![("range".to_string(), "year_to_date".to_string())];
        let c = Controls::parse(&ytd, d("2026-11-22"), 12, &[]).unwrap();
        assert_eq!((c.from, c.to), (d("2025-12-01"), d("2026-11-22")));
    }

    #[test]
    fn links_keep_range_compare_and_filters() {
        let pairs: Vec<(String, String)> = [
            ("range", "last_month"),
            ("segment", "smb"),
            ("segment", "mid"),
            ("compare", "none"),
            ("interval", "week"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let c = Controls::parse(&pairs, d("2026-11-22"), 1, &["interval"]).unwrap();
        assert_eq!(
            c.href("/accounts", &[]),
            "/accounts?range=last_month&compare=none&segment=mid&segment=smb"
        );
        assert_eq!(
            c.href_same_page("/revenue", &[]),
            "/revenue?range=last_month&compare=none&segment=mid&segment=smb&interval=week"
        );
        assert!(Controls::parse(&[("bogus".into(), "1".into())], d("2026-11-22"), 1, &[]).is_err());
    }

    #[test]
    fn dates_beside_a_preset_are_still_checked() {
        let with = |to: &str| {
            let pairs = vec![
                ("range".to_string(), "this_quarter".to_string()),
                ("to".to_string(), to.to_string()),
            ];
            Controls::parse(&pairs, d("2026-11-22"), 1, &[])
        };
        assert!(with("garbage").is_err());
        assert!(with("9999-12-31").is_err());
        let c = with("2026-01-31").unwrap();
        assert_eq!(c.from, d("2026-10-01"), "the preset wins");
    }
}
