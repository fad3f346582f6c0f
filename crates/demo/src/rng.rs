//! Seeded random draws: one independent stream per customer and purpose.
//!
//! Each customer gets its own streams (derived from the seed, its index and a
//! purpose tag) so that its data does not depend on how much randomness other
//! customers or other modules consumed: adding a field to tickets does not
//! reshuffle invoices, and customers can be generated one at a time.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rust_decimal::Decimal;

/// What a stream of draws is used for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Profile = 1,
    Life = 2,
    Billing = 3,
    Success = 4,
    Usage = 5,
    Operations = 6,
    Company = 7,
    Fx = 8,
}

/// A seeded pseudo-random generator with the draws the demo needs.
pub(crate) struct Dice(Xoshiro256PlusPlus);

/// SplitMix64 finaliser: spreads nearby seeds (customer 1, 2, 3…) far apart.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Dice {
    /// The stream `stream` of entity `index` (a customer, or 0 for company-wide data).
    pub(crate) fn new(seed: u64, index: u64, stream: Stream) -> Self {
        let key = mix(mix(seed) ^ mix(index.wrapping_mul(16).wrapping_add(stream as u64)));
        // A named algorithm (not StdRng) so the same seed gives the same company
        // across rand releases that keep this generator.
        Dice(Xoshiro256PlusPlus::seed_from_u64(key))
    }

    /// A uniform draw in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform draw in [lo, hi).
    pub(crate) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A uniform whole number in lo..=hi.
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.random_range(lo..=hi)
    }

    /// One of `items`, uniformly.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.random_range(0..items.len())]
    }

    /// One of `items`, with probability proportional to its weight.
    pub(crate) fn weighted<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// A Poisson draw with mean `lambda` (small means only, as used here).
    pub(crate) fn poisson(&mut self, lambda: f64) -> u32 {
        // Knuth's method: fine for the means below ~20 that the demo uses.
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.unit();
        while p > limit && k < 100 {
            k += 1;
            p *= self.unit();
        }
        k
    }

    /// A factor in [lo, hi) as an exact decimal with four places, to scale money.
    pub(crate) fn factor(&mut self, lo: f64, hi: f64) -> Decimal {
        Decimal::new((self.between(lo, hi) * 10_000.0).round() as i64, 4)
    }

    /// Seconds into a day between the hours `from` and `to` (UTC).
    pub(crate) fn seconds_between_hours(&mut self, from: u32, to: u32) -> u32 {
        self.int(i64::from(from) * 3600, i64::from(to) * 3600 - 1) as u32
    }
}
