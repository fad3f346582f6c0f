//! Billing intervals and how many months they last.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The unit of a subscription's billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingInterval {
    Day,
    Week,
    Month,
    Quarter,
    HalfYear,
    Year,
}

impl BillingInterval {
    /// Parses the API's spelling (`day`, `week`, `month`, `quarter`, `half_year`, `year`).
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "quarter" => Self::Quarter,
            "half_year" => Self::HalfYear,
            "year" => Self::Year,
            other => {
                return Err(format!(
                    "`{other}` is not an interval; use day, week, month, quarter, half_year or year"
                ));
            }
        })
    }

    /// Months in one period of this unit, exactly (metrics.md: week 12/52, day 12/365).
    pub fn months(self) -> Decimal {
        match self {
            Self::Day => Decimal::from(12) / Decimal::from(365),
            Self::Week => Decimal::from(12) / Decimal::from(52),
            Self::Month => Decimal::ONE,
            Self::Quarter => Decimal::from(3),
            Self::HalfYear => Decimal::from(6),
            Self::Year => Decimal::from(12),
        }
    }

    /// The monthly value of `period_amount` billed every `count` of these units.
    ///
    /// Divides as `amount × 365 ÷ (12 × count)` for days (and likewise weeks) so
    /// that no rounded fraction of a month enters the result.
    pub fn monthly(self, period_amount: Decimal, count: u32) -> Decimal {
        let count = Decimal::from(count);
        match self {
            Self::Day => period_amount * Decimal::from(365) / (Decimal::from(12) * count),
            Self::Week => period_amount * Decimal::from(52) / (Decimal::from(12) * count),
            _ => period_amount / (self.months() * count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn monthly_values() {
        assert_eq!(BillingInterval::Month.monthly(dec!(10), 1), dec!(10));
        assert_eq!(BillingInterval::Month.monthly(dec!(10), 2), dec!(5));
        assert_eq!(BillingInterval::Quarter.monthly(dec!(300), 1), dec!(100));
        assert_eq!(BillingInterval::HalfYear.monthly(dec!(600), 1), dec!(100));
        assert_eq!(BillingInterval::Year.monthly(dec!(1200), 1), dec!(100));
        assert_eq!(BillingInterval::Week.monthly(dec!(12), 1), dec!(52));
        assert_eq!(BillingInterval::Day.monthly(dec!(12), 1), dec!(365));
        assert_eq!(
            BillingInterval::Year.monthly(dec!(2000), 1).round_dp(2),
            dec!(166.67)
        );
    }

    #[test]
    fn parse_names() {
        assert_eq!(
            BillingInterval::parse("half_year"),
            Ok(BillingInterval::HalfYear)
        );
        assert!(BillingInterval::parse("fortnight").is_err());
    }
}
