//! Round axis ticks.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::format::{exponent, pow10};

/// About `n` evenly spaced round ticks (step 1, 2, 2.5 or 5 × 10^k), the first ≤ `min`
/// and the last ≥ `max`; never fewer than two. Ticks are exact decimals, so labels
/// never show float noise such as 0.30000000000000004.
pub fn nice_ticks(min: Decimal, max: Decimal, n: usize) -> Vec<Decimal> {
    // Far beyond any real metric; keeps every division below within Decimal's range.
    let limit = Decimal::from_i128_with_scale(10i128.pow(24), 0);
    let mut lo = min.min(max).clamp(-limit, limit);
    let mut hi = min.max(max).clamp(-limit, limit);
    if lo == hi {
        // A flat series still needs a scale: span from zero to it (or 0..1 for zero).
        if lo.is_zero() {
            hi = Decimal::ONE;
        } else if lo.is_sign_positive() {
            lo = Decimal::ZERO;
        } else {
            hi = Decimal::ZERO;
        }
    }
    // A range tiny next to its magnitude would need more digits than Decimal holds.
    let min_range = lo.abs().max(hi.abs()) * Decimal::new(1, 12);
    if hi - lo < min_range {
        hi = lo + min_range;
    }
    let intervals = Decimal::from(n.max(2) - 1);
    let step = nice_step((hi - lo) / intervals);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let count = ((last - first) / step).to_usize().unwrap_or(1).min(1000) + 1;
    (0..count)
        .map(|i| (first + step * Decimal::from(i)).normalize())
        .collect()
}

/// The smallest of 1, 2, 2.5, 5, 10 × 10^k that is at least `raw`.
fn nice_step(raw: Decimal) -> Decimal {
    let base = pow10(exponent(raw));
    [
        Decimal::ONE,
        Decimal::TWO,
        Decimal::new(25, 1),
        Decimal::new(5, 0),
        Decimal::TEN,
    ]
    .into_iter()
    .map(|m| m * base)
    .find(|s| *s >= raw)
    .unwrap_or(base * Decimal::TEN)
    .normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    /// Whether `step` is 1, 2, 2.5 or 5 times a power of ten.
    fn is_round(step: Decimal) -> bool {
        let mantissa = step / pow10(exponent(step));
        [dec!(1), dec!(2), dec!(2.5), dec!(5)].contains(&mantissa.normalize())
    }

    #[test]
    fn examples() {
        assert_eq!(
            nice_ticks(dec!(0), dec!(1_234_567), 5),
            [dec!(0), dec!(500_000), dec!(1_000_000), dec!(1_500_000)]
        );
        assert_eq!(
            nice_ticks(dec!(0), dec!(100), 6),
            [dec!(0), dec!(20), dec!(40), dec!(60), dec!(80), dec!(100)]
        );
        assert_eq!(
            nice_ticks(dec!(-3), dec!(7), 6),
            [
                dec!(-4),
                dec!(-2),
                dec!(0),
                dec!(2),
                dec!(4),
                dec!(6),
                dec!(8)
            ]
        );
        assert_eq!(
            nice_ticks(dec!(0), dec!(0), 5),
            [dec!(0), dec!(0.25), dec!(0.5), dec!(0.75), dec!(1)]
        );
        assert_eq!(
            nice_ticks(dec!(5), dec!(5), 3),
            [dec!(0), dec!(2.5), dec!(5)]
        );
        assert_eq!(
            nice_ticks(dec!(-5), dec!(-5), 3),
            [dec!(-5), dec!(-2.5), dec!(0)]
        );
        assert_eq!(
            nice_ticks(dec!(0), dec!(0.03), 4),
            [dec!(0), dec!(0.01), dec!(0.02), dec!(0.03)]
        );
    }

    proptest! {
        #[test]
        fn ticks_cover_are_even_and_round(
            a in -1_000_000_000_000i64..1_000_000_000_000,
            b in -1_000_000_000_000i64..1_000_000_000_000,
            scale in 0u32..8,
            n in 2usize..10,
        ) {
            let (min, max) = (Decimal::new(a, scale), Decimal::new(b, scale));
            let ticks = nice_ticks(min, max, n);
            prop_assert!(ticks.len() >= 2);
            prop_assert!(ticks.len() <= n + 2, "{} ticks for n={n}", ticks.len());
            prop_assert!(ticks[0] <= min.min(max));
            prop_assert!(*ticks.last().unwrap() >= min.max(max));
            let step = ticks[1] - ticks[0];
            prop_assert!(step > Decimal::ZERO);
            prop_assert!(ticks.windows(2).all(|w| w[1] - w[0] == step));
            prop_assert!(is_round(step), "step {step}");
            prop_assert!(ticks.iter().all(|t| (t / step).fract().is_zero()));
        }
    }
}
