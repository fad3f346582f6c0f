//! CSV cells that a spreadsheet will not run as formulas.
//!
//! Excel, LibreOffice and Google Sheets treat a cell that begins with `=`,
//! `+`, `-` or `@` (and, in some versions, a tab or carriage return) as a
//! formula, so a customer named `=HYPERLINK("http://evil.example","x")`
//! would become a live link in whoever opens the export. Every CSV the
//! product writes passes each cell through [`safe`], which prefixes such a
//! cell with a single quote (OWASP's advice) so that it is shown as text.
//!
//! Numbers stay numbers: a cell that is a plain decimal number (`-12.50`,
//! `+0.05`, `1e-3`, `-3.5%`) cannot hold a formula and is left alone, so
//! negative amounts still sum in the spreadsheet.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell`, with a `'` in front when a spreadsheet would run it as a formula.
pub fn safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if TRIGGERS.contains(&c) && !is_plain_number(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// Every cell of a record made [`safe`].
pub fn safe_record<I, S>(record: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    record
        .into_iter()
        .map(|c| safe(c.as_ref()).into_owned())
        .collect()
}

/// A sign, digits with at most one decimal point, an optional exponent and
/// an optional trailing `%`: what we write for amounts, ratios and changes.
fn is_plain_number(cell: &str) -> bool {
    let s = cell.strip_suffix('%').unwrap_or(cell);
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("=1", "'=1"),
            ("-", "'-"),
            ("+", "'+"),
            ("-1e", "'-1e"),
            ("-.", "'-."),
            ("-1.2.3", "'-1.2.3"),
            ("-12.50 ", "'-12.50 "),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ] {
            assert_eq!(safe(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn numbers_and_ordinary_text_are_untouched() {
        for cell in [
            "-12.50",
            "+0.05",
            "-3.5%",
            "-1e-3",
            "2.5E+4",
            "-.5",
            "-7.",
            "1234",
            "",
            "Acme, Inc",
            "a=b",
            "'=already quoted",
            "2024-01-31",
            "\u{2212}12.50",
        ] {
            assert!(matches!(safe(cell), Cow::Borrowed(_)), "{cell:?}");
            assert_eq!(safe(cell), cell);
        }
    }

    #[test]
    fn records_are_made_safe_cell_by_cell() {
        assert_eq!(
            safe_record(["c1", "=1+1", "-12.50"]),
            vec!["c1", "'=1+1", "-12.50"]
        );
    }
}
