//! Ratios as people type and read them: "3" or "3 %" means 3 %, kept as 0.03.
//!
//! Every form that takes a rate, a margin or a retention figure uses these,
//! so one convention holds across alert rules, targets and settings.

use rust_decimal::Decimal;

/// Parses a typed percentage ("3", "3.5 %", "102%") into a fraction (0.035).
pub fn parse(typed: &str) -> Result<Decimal, String> {
    let number = typed.trim().trim_end_matches('%').trim().replace(',', "");
    number
        .parse::<Decimal>()
        .map(|n| n / Decimal::ONE_HUNDRED)
        .map_err(|_| {
            format!(
                "`{}` is not a number (a percentage: 3 for 3 %)",
                typed.trim()
            )
        })
}

/// Writes a fraction as the percentage a person would type (0.035 → "3.5").
pub fn show(fraction: Decimal) -> String {
    (fraction * Decimal::ONE_HUNDRED).normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn typed_percentages_become_fractions_and_back() {
        assert_eq!(parse("3").unwrap(), dec("0.03"));
        assert_eq!(parse(" 3.5 % ").unwrap(), dec("0.035"));
        assert_eq!(parse("102%").unwrap(), dec("1.02"));
        assert_eq!(parse("-1").unwrap(), dec("-0.01"));
        assert!(parse("three").unwrap_err().contains("`three`"));
        assert_eq!(show(dec("0.035")), "3.5");
        assert_eq!(show(dec("1.0200")), "102");
        assert_eq!(parse(&show(dec("0.0125"))).unwrap(), dec("0.0125"));
    }
}
