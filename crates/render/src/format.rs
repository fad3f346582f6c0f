//! Display formatting for money, percentages, counts and durations.
//!
//! All rounding is decimal and half away from zero (never through f64), so cents are
//! exact. Negative numbers use a real minus sign (U+2212): it is as wide as "+" and
//! is what readers of board decks expect.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// The minus sign used for negative numbers (U+2212).
pub const MINUS: &str = "\u{2212}";

/// How a metric value is shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueFormat {
    /// Full money amount, e.g. "$1,234.50".
    Money {
        /// ISO 4217 code, e.g. "USD".
        currency: String,
    },
    /// Abbreviated money for cards and axes, e.g. "$1.23M".
    MoneyCompact {
        /// ISO 4217 code, e.g. "USD".
        currency: String,
    },
    /// A ratio shown as a percentage with one decimal, e.g. 0.0325 → "3.3%".
    Percent,
    /// A whole number with thousands separators, e.g. "1,204".
    Count,
    /// A plain ratio with two decimals, e.g. a quick ratio "2.35".
    Ratio,
    /// Whole days, e.g. "42 days".
    Days,
    /// A 0–100 score with one decimal, e.g. "72.4".
    Score,
}

impl ValueFormat {
    /// Formats `v` the way this metric is normally shown.
    pub fn apply(&self, v: Decimal) -> String {
        match self {
            ValueFormat::Money { currency } => money(v, currency),
            ValueFormat::MoneyCompact { currency } => money_compact(v, currency),
            ValueFormat::Percent => percent(v, 1),
            ValueFormat::Count => count(v),
            ValueFormat::Ratio => number(v, 2),
            ValueFormat::Days => days(v),
            ValueFormat::Score => number(v, 1),
        }
    }

    /// Formats `v` at full precision, for tooltips (compact money is spelled out).
    pub fn detail(&self, v: Decimal) -> String {
        match self {
            ValueFormat::MoneyCompact { currency } => money(v, currency),
            other => other.apply(v),
        }
    }

    /// Formats `v` briefly, for labels sitting on bars (money is abbreviated).
    pub fn short(&self, v: Decimal) -> String {
        match self {
            ValueFormat::Money { currency } => money_compact(v, currency),
            other => other.apply(v),
        }
    }

    /// Labels for axis ticks: one shared unit and precision so labels line up and
    /// neighbouring ticks never read the same (e.g. "$0", "$0.5M", "$1.0M").
    pub fn axis_labels(&self, ticks: &[Decimal]) -> Vec<String> {
        let step = ticks
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .filter(|d| !d.is_zero())
            .min()
            .unwrap_or(Decimal::ONE);
        let largest = ticks.iter().map(|t| t.abs()).max().unwrap_or_default();
        let scaled = |prefix: &str, minor: u32| {
            let (unit, suffix) = scale_for(largest);
            let cap = if unit == Decimal::ONE { minor } else { 3 };
            let dp = places(step / unit).min(cap);
            ticks
                .iter()
                .map(|t| {
                    if t.is_zero() {
                        return format!("{prefix}0");
                    }
                    let (negative, text) = unsigned_fixed(*t / unit, dp);
                    format!("{}{prefix}{text}{suffix}", sign(negative))
                })
                .collect()
        };
        match self {
            ValueFormat::Money { currency } | ValueFormat::MoneyCompact { currency } => {
                let code = normalize_code(currency);
                let (symbol, minor) = currency_style(&code);
                scaled(&prefix(symbol, &code), minor)
            }
            ValueFormat::Count if largest >= Decimal::from(10_000) => scaled("", 0),
            ValueFormat::Count | ValueFormat::Ratio | ValueFormat::Score => {
                let dp = places(step).min(3);
                ticks.iter().map(|t| number(*t, dp)).collect()
            }
            ValueFormat::Percent => {
                let dp = places(step * Decimal::ONE_HUNDRED).min(2);
                ticks
                    .iter()
                    .map(|t| {
                        if t.is_zero() {
                            "0%".into()
                        } else {
                            percent(*t, dp)
                        }
                    })
                    .collect()
            }
            ValueFormat::Days if step < Decimal::ONE => {
                let dp = places(step).min(2);
                ticks
                    .iter()
                    .map(|t| format!("{} days", number(*t, dp)))
                    .collect()
            }
            ValueFormat::Days => ticks.iter().map(|t| days(*t)).collect(),
        }
    }
}

/// Prefixes "+" when `text` shows a positive, non-zero amount, for changes and steps.
pub fn with_plus(v: Decimal, text: String) -> String {
    let shows_nonzero = text.chars().any(|c| ('1'..='9').contains(&c));
    if v.is_sign_positive() && !v.is_zero() && shows_nonzero {
        format!("+{text}")
    } else {
        text
    }
}

/// Full money amount with separators, e.g. "$1,234.50", "−€12.00", "¥1,235", "CHF 1,234.50".
pub fn money(value: Decimal, currency: &str) -> String {
    let code = normalize_code(currency);
    let (symbol, minor) = currency_style(&code);
    let (negative, digits) = unsigned_fixed(value, minor);
    format!("{}{}{digits}", sign(negative), prefix(symbol, &code))
}

/// Money in three significant digits, e.g. "$980", "$45.6k", "$1.23M".
pub fn money_compact(value: Decimal, currency: &str) -> String {
    let code = normalize_code(currency);
    let (symbol, minor) = currency_style(&code);
    let (negative, body) = compact(value, minor);
    format!("{}{}{body}", sign(negative), prefix(symbol, &code))
}

/// A ratio as a percentage, e.g. `percent(0.0325, 2)` → "3.25%".
pub fn percent(ratio: Decimal, decimals: u32) -> String {
    let pct = ratio.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(ratio);
    format!("{}%", number(pct, decimals))
}

/// A whole number with thousands separators, e.g. "12,345".
pub fn count(value: Decimal) -> String {
    number(value, 0)
}

/// A number with thousands separators and exactly `decimals` places.
pub fn number(value: Decimal, decimals: u32) -> String {
    let (negative, text) = unsigned_fixed(value, decimals);
    format!("{}{text}", sign(negative))
}

/// A change ratio with explicit sign and one decimal, e.g. "+3.2%", "−1.5%", "0.0%".
pub fn signed_change(ratio: Decimal) -> String {
    with_plus(ratio, percent(ratio, 1))
}

/// A change of a ratio in percentage points, signed: "+1.2 pp", "−0.4 pp".
pub fn signed_points(change: Decimal) -> String {
    let points = round(change * Decimal::ONE_HUNDRED, 1);
    with_plus(change, format!("{} pp", number(points, 1)))
}

/// Whole days, e.g. "1 day", "42 days".
pub fn days(value: Decimal) -> String {
    let rounded = round(value, 0);
    let unit = if rounded.abs() == Decimal::ONE {
        "day"
    } else {
        "days"
    };
    format!("{} {unit}", number(rounded, 0))
}

/// What precedes money digits for `currency` (e.g. "$", "CHF ") and how many minor
/// digits it has, for formats outside this module (spreadsheet number formats).
pub(crate) fn money_style(currency: &str) -> (String, u32) {
    let code = normalize_code(currency);
    let (symbol, minor) = currency_style(&code);
    (prefix(symbol, &code), minor)
}

/// Rounds half away from zero, the convention for money on invoices and reports.
fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp.min(28), RoundingStrategy::MidpointAwayFromZero)
}

/// Upper-cased, trimmed currency code so "usd " and "USD" format alike.
fn normalize_code(currency: &str) -> String {
    currency.trim().to_ascii_uppercase()
}

/// Symbol (for the few currencies readers know by symbol) and minor-unit digits.
fn currency_style(code: &str) -> (Option<&'static str>, u32) {
    match code {
        "USD" => (Some("$"), 2),
        "EUR" => (Some("€"), 2),
        "GBP" => (Some("£"), 2),
        "JPY" => (Some("¥"), 0),
        // ISO 4217 currencies without a minor unit.
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => (None, 0),
        // ISO 4217 currencies with three minor digits.
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => (None, 3),
        _ => (None, 2),
    }
}

/// What goes before the digits: the symbol, else the code and a space.
fn prefix(symbol: Option<&str>, code: &str) -> String {
    match symbol {
        Some(s) => s.to_owned(),
        None if code.is_empty() => String::new(),
        None => format!("{code} "),
    }
}

fn sign(negative: bool) -> &'static str {
    if negative { MINUS } else { "" }
}

/// |value| rounded to `dp` places with separators, and whether the rounded value is
/// negative (a value that rounds to zero is not, so "−$0.00" never appears).
fn unsigned_fixed(value: Decimal, dp: u32) -> (bool, String) {
    let dp = dp.min(28);
    let rounded = round(value, dp);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", dp as usize, rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = group(int);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    (negative, out)
}

/// Inserts a comma every three digits from the right.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Three significant digits with a k/M/B/T suffix from a thousand up; below that at
/// most `minor` decimals, dropping an all-zero fraction ("$20", "$12.3", "$5.50").
fn compact(value: Decimal, minor: u32) -> (bool, String) {
    let rounded = round_significant(value.abs(), 3);
    let (unit, suffix) = scale_for(rounded);
    let mantissa = rounded / unit;
    let dp = (2 - exponent(mantissa)).max(0) as u32;
    let dp = if unit == Decimal::ONE {
        dp.min(minor)
    } else {
        dp
    };
    let shown = round(mantissa, dp);
    let negative = value.is_sign_negative() && !shown.is_zero();
    let (_, mut text) = unsigned_fixed(shown, dp);
    if unit == Decimal::ONE && shown.fract().is_zero() {
        text = unsigned_fixed(shown, 0).1;
    }
    (negative, format!("{text}{suffix}"))
}

/// The largest of thousand/million/billion/trillion not above `x`, with its suffix.
fn scale_for(x: Decimal) -> (Decimal, &'static str) {
    const SCALES: [(i64, &str); 4] = [
        (1_000_000_000_000, "T"),
        (1_000_000_000, "B"),
        (1_000_000, "M"),
        (1_000, "k"),
    ];
    SCALES
        .iter()
        .map(|&(u, s)| (Decimal::from(u), s))
        .find(|(u, _)| x >= *u)
        .unwrap_or((Decimal::ONE, ""))
}

/// Decimal places needed to show `x` exactly.
fn places(x: Decimal) -> u32 {
    x.normalize().scale()
}

/// `x` (≥ 0) rounded to `sig` significant digits.
fn round_significant(x: Decimal, sig: i32) -> Decimal {
    if x.is_zero() {
        return x;
    }
    let dp = sig - 1 - exponent(x);
    if dp >= 0 {
        round(x, dp as u32)
    } else {
        let p = pow10(-dp);
        round(x / p, 0).checked_mul(p).unwrap_or(x)
    }
}

/// floor(log10(x)) for x > 0, settled exactly against powers of ten (f64 only guesses).
pub(crate) fn exponent(x: Decimal) -> i32 {
    let x = x.abs();
    if x.is_zero() {
        return 0;
    }
    let guess = x.to_f64().map_or(0.0, |f| f.log10().floor());
    let mut e = (guess as i32).clamp(-28, 27);
    while e > -28 && pow10(e) > x {
        e -= 1;
    }
    while e < 27 && pow10(e + 1) <= x {
        e += 1;
    }
    e
}

/// 10^e for -28 ≤ e ≤ 28, exactly.
pub(crate) fn pow10(e: i32) -> Decimal {
    let e = e.clamp(-28, 28);
    if e >= 0 {
        Decimal::from_i128_with_scale(10i128.pow(e as u32), 0)
    } else {
        Decimal::new(1, e.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn money_examples() {
        let cases = [
            (dec!(1234.5), "USD", "$1,234.50"),
            (dec!(0), "USD", "$0.00"),
            (dec!(-1234.5), "USD", "−$1,234.50"),
            (dec!(-0.004), "USD", "$0.00"),
            (dec!(0.005), "USD", "$0.01"),
            (dec!(-0.005), "USD", "−$0.01"),
            (dec!(2.345), "USD", "$2.35"),
            (dec!(2.344999), "USD", "$2.34"),
            (dec!(1234567890.126), "USD", "$1,234,567,890.13"),
            (dec!(999.999), "EUR", "€1,000.00"),
            (dec!(12), "GBP", "£12.00"),
            (dec!(1234.5), "JPY", "¥1,235"),
            (dec!(-1234.4), "JPY", "−¥1,234"),
            (dec!(1234.5), "CHF", "CHF 1,234.50"),
            (dec!(-1234.5), "chf", "−CHF 1,234.50"),
            (dec!(1234.5), "KWD", "KWD 1,234.500"),
            (dec!(100), "", "100.00"),
        ];
        for (value, currency, want) in cases {
            assert_eq!(money(value, currency), want, "money({value}, {currency})");
        }
    }

    #[test]
    fn money_compact_examples() {
        let cases = [
            (dec!(0), "USD", "$0"),
            (dec!(5.5), "USD", "$5.50"),
            (dec!(12.34), "USD", "$12.3"),
            (dec!(20), "USD", "$20"),
            (dec!(980), "USD", "$980"),
            (dec!(999), "USD", "$999"),
            (dec!(999.4), "USD", "$999"),
            (dec!(999.5), "USD", "$1.00k"),
            (dec!(1000), "USD", "$1.00k"),
            (dec!(45_600), "USD", "$45.6k"),
            (dec!(45_650), "USD", "$45.7k"),
            (dec!(100_000), "USD", "$100k"),
            (dec!(999_999), "USD", "$1.00M"),
            (dec!(1_234_567), "USD", "$1.23M"),
            (dec!(-1_234_567), "USD", "−$1.23M"),
            (dec!(2_500_000_000), "EUR", "€2.50B"),
            (dec!(7_000_000_000_000), "USD", "$7.00T"),
            (dec!(1_234_567_000_000_000), "USD", "$1,230T"),
            (dec!(0.004), "USD", "$0"),
            (dec!(-0.004), "USD", "$0"),
            (dec!(0.5), "USD", "$0.50"),
            (dec!(12.6), "JPY", "¥13"),
            (dec!(45_600), "CHF", "CHF 45.6k"),
        ];
        for (value, currency, want) in cases {
            assert_eq!(money_compact(value, currency), want, "compact({value})");
        }
    }

    #[test]
    fn percent_count_number_examples() {
        assert_eq!(percent(dec!(0.0325), 2), "3.25%");
        assert_eq!(percent(dec!(0.0325), 1), "3.3%");
        assert_eq!(percent(dec!(-0.0325), 1), "−3.3%");
        assert_eq!(percent(dec!(0), 0), "0%");
        assert_eq!(percent(dec!(12.5), 0), "1,250%");
        assert_eq!(count(dec!(1234567.5)), "1,234,568");
        assert_eq!(count(dec!(-1234.5)), "−1,235");
        assert_eq!(count(dec!(0.4)), "0");
        assert_eq!(count(dec!(-0.4)), "0");
        assert_eq!(number(dec!(1234.5678), 2), "1,234.57");
        assert_eq!(number(dec!(12), 3), "12.000");
        assert_eq!(number(dec!(-999999.995), 2), "−1,000,000.00");
        assert_eq!(number(dec!(123), 0), "123");
        assert_eq!(number(dec!(1234), 0), "1,234");
    }

    #[test]
    fn signed_change_examples() {
        assert_eq!(signed_change(dec!(0.032)), "+3.2%");
        assert_eq!(signed_change(dec!(-0.015)), "−1.5%");
        assert_eq!(signed_change(dec!(0.00049)), "0.0%");
        assert_eq!(signed_change(dec!(-0.00049)), "0.0%");
        assert_eq!(signed_change(dec!(0)), "0.0%");
        assert_eq!(signed_change(dec!(0.00051)), "+0.1%");
    }

    #[test]
    fn value_format_apply() {
        let usd = || "USD".to_string();
        assert_eq!(
            ValueFormat::Money { currency: usd() }.apply(dec!(1234.5)),
            "$1,234.50"
        );
        assert_eq!(
            ValueFormat::MoneyCompact { currency: usd() }.apply(dec!(1234.5)),
            "$1.23k"
        );
        assert_eq!(
            ValueFormat::MoneyCompact { currency: usd() }.detail(dec!(1234.5)),
            "$1,234.50"
        );
        assert_eq!(
            ValueFormat::Money { currency: usd() }.short(dec!(1234.5)),
            "$1.23k"
        );
        assert_eq!(ValueFormat::Percent.apply(dec!(0.0325)), "3.3%");
        assert_eq!(ValueFormat::Count.apply(dec!(1204)), "1,204");
        assert_eq!(ValueFormat::Ratio.apply(dec!(2.345)), "2.35");
        assert_eq!(ValueFormat::Days.apply(dec!(42.4)), "42 days");
        assert_eq!(ValueFormat::Days.apply(dec!(1)), "1 day");
        assert_eq!(ValueFormat::Days.apply(dec!(-1)), "−1 day");
    }

    #[test]
    fn points_are_signed() {
        assert_eq!(signed_points(dec!(0.012)), "+1.2 pp");
        assert_eq!(signed_points(dec!(-0.004)), "−0.4 pp");
        assert_eq!(signed_points(dec!(0.0001)), "0.0 pp");
    }

    #[test]
    fn with_plus_only_for_visible_positive() {
        let f = ValueFormat::MoneyCompact {
            currency: "USD".into(),
        };
        assert_eq!(with_plus(dec!(1200), f.apply(dec!(1200))), "+$1.20k");
        assert_eq!(with_plus(dec!(-1200), f.apply(dec!(-1200))), "−$1.20k");
        assert_eq!(with_plus(dec!(0.001), f.apply(dec!(0.001))), "$0");
    }

    #[test]
    fn axis_labels_share_unit_and_precision() {
        let money = ValueFormat::Money {
            currency: "USD".into(),
        };
        let ticks = [dec!(0), dec!(500_000), dec!(1_000_000), dec!(1_500_000)];
        assert_eq!(money.axis_labels(&ticks), ["$0", "$0.5M", "$1.0M", "$1.5M"]);
        let ticks = [dec!(-50_000), dec!(0), dec!(50_000), dec!(100_000)];
        assert_eq!(money.axis_labels(&ticks), ["−$50k", "$0", "$50k", "$100k"]);
        let ticks = [dec!(0), dec!(0.25), dec!(0.5)];
        assert_eq!(money.axis_labels(&ticks), ["$0", "$0.25", "$0.50"]);
        let ticks = [dec!(0), dec!(0.005), dec!(0.01)];
        assert_eq!(
            ValueFormat::Percent.axis_labels(&ticks),
            ["0%", "0.5%", "1.0%"]
        );
        let ticks = [dec!(0), dec!(20_000), dec!(40_000)];
        assert_eq!(ValueFormat::Count.axis_labels(&ticks), ["0", "20k", "40k"]);
        let ticks = [dec!(0), dec!(0.5), dec!(1)];
        assert_eq!(
            ValueFormat::Ratio.axis_labels(&ticks),
            ["0.0", "0.5", "1.0"]
        );
        let ticks = [dec!(0), dec!(30), dec!(60)];
        assert_eq!(
            ValueFormat::Days.axis_labels(&ticks),
            ["0 days", "30 days", "60 days"]
        );
    }

    #[test]
    fn exponent_is_exact_at_powers_of_ten() {
        assert_eq!(exponent(dec!(1000)), 3);
        assert_eq!(exponent(dec!(999.999)), 2);
        assert_eq!(exponent(dec!(0.001)), -3);
        assert_eq!(exponent(dec!(1)), 0);
    }
}
