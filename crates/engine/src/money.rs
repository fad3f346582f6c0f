//! Exact money arithmetic helpers: the internal scale, output rounding and ratios.

use rust_decimal::{Decimal, RoundingStrategy};

/// Decimal places every monthly value is held to inside the engine.
///
/// Monthly values such as 2000 ÷ 12 have no finite decimal form; `Decimal` would
/// keep 28 significant digits, and sums of such values then round whenever the
/// magnitude grows, so `start + net` could miss `end` in the last digit. Holding
/// every value to a fixed ten places makes every sum and difference exact
/// (up to ±7.9e18), which is what keeps the movement invariant exact.
pub const INTERNAL_SCALE: u32 = 10;

/// Largest monthly value one subscription may contribute (a quadrillion); beyond
/// this a sum over many customers could overflow `Decimal`.
pub fn max_monthly_value() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// Brings a computed monthly value to the engine's fixed internal scale.
///
/// Every value gets exactly this scale (not just at most), so additions and
/// comparisons never need to align scales, which keeps the hot loops cheap.
pub fn quantize(value: Decimal) -> Decimal {
    let mut v = value.round_dp_with_strategy(INTERNAL_SCALE, RoundingStrategy::MidpointNearestEven);
    v.rescale(INTERNAL_SCALE);
    v
}

/// `amount × rate` at the internal scale (0 when out of range, as for MRR).
pub(crate) fn convert(amount: Decimal, rate: Decimal) -> Decimal {
    match amount.checked_mul(rate) {
        Some(v) if v.abs() <= max_monthly_value() => quantize(v),
        _ => Decimal::ZERO,
    }
}

/// Rounds an amount for display: to cents, halves away from zero.
pub fn round_money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `numerator ÷ denominator`, or `None` when the denominator is zero (metrics.md:
/// a ratio with a zero denominator is null, never 0 and never infinity).
pub fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_div(denominator)
    }
}

/// The median of `values` (the mean of the two middle ones when their
/// number is even); `None` when there are none. Sorts `values`.
pub fn median(values: &mut [i64]) -> Option<Decimal> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(Decimal::from(values[n / 2])),
        _ => Some(Decimal::from(values[n / 2 - 1] + values[n / 2]) / Decimal::TWO),
    }
}

/// `ratio` for counts.
pub fn count_ratio(numerator: u64, denominator: u64) -> Option<Decimal> {
    ratio(Decimal::from(numerator), Decimal::from(denominator))
}

/// A fixed-scale value as an integer count of 10^-10 (every timeline value has that scale).
#[inline]
pub(crate) fn fixed(value: Decimal) -> i128 {
    if value.scale() == INTERNAL_SCALE {
        value.mantissa()
    } else {
        quantize(value).mantissa()
    }
}

/// A fixed-point sum back as a `Decimal` of the internal scale (`ZERO` when nothing was added,
/// as a `Decimal` sum starting from `ZERO` would give; saturating instead of overflowing).
pub(crate) fn unfixed(sum: i128, touched: bool) -> Decimal {
    if !touched {
        return Decimal::ZERO;
    }
    Decimal::try_from_i128_with_scale(sum, INTERNAL_SCALE).unwrap_or(if sum < 0 {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn fixed_scale_sums_are_exact() {
        let third = quantize(dec!(2000) / dec!(12));
        let mut total = Decimal::ZERO;
        for _ in 0..1_000_000 {
            total += third;
        }
        for _ in 0..1_000_000 {
            total -= third;
        }
        assert_eq!(total, Decimal::ZERO);
    }

    #[test]
    fn zero_denominators_are_none() {
        assert_eq!(ratio(dec!(1), Decimal::ZERO), None);
        assert_eq!(count_ratio(0, 0), None);
        assert_eq!(count_ratio(1, 4), Some(dec!(0.25)));
        assert_eq!(round_money(dec!(166.665)), dec!(166.67));
    }
}
