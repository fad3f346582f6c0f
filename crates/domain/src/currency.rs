//! ISO 4217 currency codes.

use serde::{Deserialize, Serialize};

/// Active ISO 4217 codes (plus a few widely used precious-metal-free extras are
/// deliberately left out: only real money is accepted).
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND \
BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB \
EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY \
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR \
MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF \
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS \
UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// Whether `code` is in `ISO_4217`: a binary search over its sorted,
/// four-byte-wide entries ("AED ", …), since parsing runs for every ingested amount.
fn is_known(code: [u8; 3]) -> bool {
    let list = ISO_4217.as_bytes();
    let (mut lo, mut hi) = (0, list.len().div_ceil(4));
    while lo < hi {
        let mid = (lo + hi) / 2;
        match list[mid * 4..mid * 4 + 3].cmp(&code[..]) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// A three-letter ISO 4217 currency code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars, the default reporting currency.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code such as `EUR` (case-insensitive).
    pub fn parse(code: &str) -> Result<Self, String> {
        let b = code.trim().as_bytes();
        let upper = match b {
            [x, y, z] => [
                x.to_ascii_uppercase(),
                y.to_ascii_uppercase(),
                z.to_ascii_uppercase(),
            ],
            _ => [0; 3],
        };
        if is_known(upper) {
            Ok(Currency(upper))
        } else {
            Err(format!(
                "`{code}` is not an ISO 4217 currency code (e.g. USD, EUR, GBP)"
            ))
        }
    }

    /// The code, e.g. `"EUR"`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_codes_in_any_case() {
        assert_eq!(Currency::parse("eur").unwrap().code(), "EUR");
        assert_eq!(Currency::parse("USD").unwrap(), Currency::USD);
    }

    #[test]
    fn the_code_list_is_sorted_and_evenly_spaced() {
        let codes: Vec<&str> = ISO_4217.split(' ').collect();
        assert!(codes.iter().all(|c| c.len() == 3), "{codes:?}");
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted");
        assert_eq!(ISO_4217.len(), codes.len() * 4 - 1);
        for c in codes {
            assert!(Currency::parse(c).is_ok(), "{c}");
        }
    }

    #[test]
    fn rejects_unknown_codes() {
        assert!(Currency::parse("XYZ").is_err());
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("").is_err());
    }
}
