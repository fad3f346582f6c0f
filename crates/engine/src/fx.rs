//! Exchange rates: which rate is in force on a given day.

use chrono::NaiveDate;
use chrono_tz::Tz;
use quarterdeck_domain::Currency;
use quarterdeck_domain::records::FxRate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// How an amount's rate was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLookup {
    /// The latest rate on or before the day (or 1 for the reporting currency).
    InForce(Decimal),
    /// No rate on or before the day; the earliest later rate, dated as given, was used.
    Later(Decimal, NaiveDate),
    /// No rate at all for the currency.
    Missing,
}

/// Rates per currency, each list sorted by tenant-local date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FxTable {
    reporting: Option<Currency>,
    rates: HashMap<Currency, Vec<(NaiveDate, Decimal)>>,
}

impl FxTable {
    /// Builds the table for `reporting` currency, reading dates in `tz`.
    ///
    /// Two rates that fall on the same local day keep the later instant's rate,
    /// so "the rate in force on a day" is the last one published that day.
    pub fn new<'a>(
        reporting: Currency,
        tz: Tz,
        rates: impl IntoIterator<Item = &'a FxRate>,
    ) -> Self {
        let mut raw: HashMap<Currency, Vec<_>> = HashMap::new();
        for r in rates {
            if r.currency != reporting {
                raw.entry(r.currency).or_default().push((
                    r.date.local_date(tz),
                    r.date.instant(tz),
                    r.rate,
                ));
            }
        }
        let rates = raw
            .into_iter()
            .map(|(c, mut list)| {
                list.sort_by_key(|&(d, at, _)| (d, at));
                let mut days: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(list.len());
                for (d, _, rate) in list {
                    match days.last_mut() {
                        Some(last) if last.0 == d => last.1 = rate,
                        _ => days.push((d, rate)),
                    }
                }
                (c, days)
            })
            .collect();
        Self {
            reporting: Some(reporting),
            rates,
        }
    }

    /// The rate converting `currency` (`None` = reporting currency) on `day`.
    pub fn lookup(&self, currency: Option<Currency>, day: NaiveDate) -> RateLookup {
        let Some(c) = currency.filter(|c| Some(*c) != self.reporting) else {
            return RateLookup::InForce(Decimal::ONE);
        };
        let Some(list) = self.rates.get(&c) else {
            return RateLookup::Missing;
        };
        let i = list.partition_point(|&(d, _)| d <= day);
        if i > 0 {
            RateLookup::InForce(list[i - 1].1)
        } else {
            list.first()
                .map_or(RateLookup::Missing, |&(d, r)| RateLookup::Later(r, d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quarterdeck_domain::TimePoint;
    use rust_decimal::dec;

    fn rate(date: &str, code: &str, rate: Decimal) -> FxRate {
        FxRate {
            date: TimePoint::parse(date).unwrap(),
            currency: Currency::parse(code).unwrap(),
            rate,
        }
    }

    #[test]
    fn latest_rate_on_or_before_the_day() {
        let eur = Currency::parse("EUR").unwrap();
        let t = FxTable::new(
            Currency::USD,
            Tz::UTC,
            &[
                rate("2025-01-01", "EUR", dec!(1.1)),
                rate("2025-02-01", "EUR", dec!(1.2)),
            ],
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            t.lookup(Some(eur), d("2025-01-31")),
            RateLookup::InForce(dec!(1.1))
        );
        assert_eq!(
            t.lookup(Some(eur), d("2025-02-01")),
            RateLookup::InForce(dec!(1.2))
        );
        assert_eq!(
            t.lookup(Some(eur), d("2024-12-31")),
            RateLookup::Later(dec!(1.1), d("2025-01-01"))
        );
        assert_eq!(
            t.lookup(None, d("2020-01-01")),
            RateLookup::InForce(Decimal::ONE)
        );
        assert_eq!(
            t.lookup(Some(Currency::USD), d("2020-01-01")),
            RateLookup::InForce(Decimal::ONE)
        );
        let gbp = Currency::parse("GBP").unwrap();
        assert_eq!(t.lookup(Some(gbp), d("2025-01-01")), RateLookup::Missing);
    }
}
