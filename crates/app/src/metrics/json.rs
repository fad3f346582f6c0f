//! How numbers leave the API: money rounded to cents, ratios as fractions,
//! undefined values as null — exact decimals, never through `f64`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Number, Value};
use std::str::FromStr;

/// Decimal places of ratios in the API (0.123456 = 12.3456 %).
pub const RATIO_DP: u32 = 6;

fn number(d: Decimal) -> Value {
    // arbitrary_precision keeps the decimal text exactly.
    Number::from_str(&d.normalize().to_string())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Money: rounded half away from zero to cents.
pub fn money(d: Decimal) -> Value {
    number(round_money(d))
}

/// Money as the API writes it: cents, half away from zero, no trailing zeros.
pub fn round_money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// A ratio as the API writes it: `RATIO_DP` places, no trailing zeros.
pub fn round_ratio(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(RATIO_DP, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Money that may be undefined.
pub fn opt_money(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, money)
}

/// A ratio as a fraction, or null when undefined.
pub fn ratio(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, |d| number(round_ratio(d)))
}

/// Any other exact number (a score, points), or null when undefined.
pub fn decimal(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, |d| number(d.normalize()))
}

/// A count.
pub fn count(n: u64) -> Value {
    Value::from(n)
}

/// Relative change (value − previous) ÷ |previous|; null when either is
/// undefined or previous is zero. Dividing by the magnitude keeps the sign
/// meaning "went up" even when the previous value was negative.
pub fn change(value: Option<Decimal>, previous: Option<Decimal>) -> Option<Decimal> {
    let (v, p) = (value?, previous?);
    if p.is_zero() {
        None
    } else {
        (v - p).checked_div(p.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn rounding_and_nulls() {
        assert_eq!(money(dec!(166.666666)).to_string(), "166.67");
        assert_eq!(money(dec!(0.005)).to_string(), "0.01");
        assert_eq!(money(dec!(12.50)).to_string(), "12.5");
        assert_eq!(money(dec!(100)).to_string(), "100");
        assert_eq!(ratio(Some(dec!(0.03254999))).to_string(), "0.03255");
        assert_eq!(ratio(None), Value::Null);
    }

    #[test]
    fn changes() {
        assert_eq!(change(Some(dec!(110)), Some(dec!(100))), Some(dec!(0.1)));
        assert_eq!(change(Some(dec!(-50)), Some(dec!(-100))), Some(dec!(0.5)));
        assert_eq!(change(Some(dec!(1)), Some(dec!(0))), None);
        assert_eq!(change(None, Some(dec!(1))), None);
    }
}
