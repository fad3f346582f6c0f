//! Reading a JSON object field by field, collecting every problem.
//!
//! Derived deserialisers stop at the first error; the ingestion API promises
//! every problem of every row, so rows are read through `Fields`.

use crate::{BillingInterval, Currency, FieldError, TimePoint};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

/// Longest id accepted, in characters.
pub const MAX_ID_LEN: usize = 128;
/// Longest free-text field accepted, in characters.
pub const MAX_TEXT_LEN: usize = 1024;
/// Most keys an `attributes` or `properties` object may have.
pub const MAX_ATTRIBUTES: usize = 64;
/// Largest magnitude of any amount (a trillion in major units).
const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// A row being read: the object, the fields it may have, and the problems so far.
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Starts reading `value`, which must be an object with only `allowed` keys.
    pub fn new(value: &'a Value, allowed: &[&str]) -> Result<Self, Vec<FieldError>> {
        let Value::Object(obj) = value else {
            return Err(vec![FieldError::new("", "each row must be a JSON object")]);
        };
        let errors = obj
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| {
                FieldError::new(
                    k.clone(),
                    format!(
                        "unknown field; fields here are {}; put custom data in `attributes`",
                        allowed.join(", ")
                    ),
                )
            })
            .collect();
        Ok(Self { obj, errors })
    }

    /// Whether the field is present and not null (or an empty string, as CSV sends).
    fn present(&self, name: &str) -> Option<&'a Value> {
        match self.obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// A required field, read by `parse`.
    pub fn req<T>(&mut self, name: &str, parse: impl Fn(&Value) -> Result<T, String>) -> Option<T> {
        match self.present(name) {
            None => {
                self.errors.push(FieldError::new(name, "is required"));
                None
            }
            Some(v) => self.run(name, v, parse),
        }
    }

    /// An optional number: absent or null is `None`, but `""` is refused like
    /// any other wrong type (CSV import leaves empty cells out before this).
    pub fn opt_number<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.obj.get(name) {
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.fail(name, "must be a number or a decimal string, not an empty string (leave the field out or send null)");
                None
            }
            _ => self.opt(name, parse),
        }
    }

    /// An optional field, read by `parse` when present.
    pub fn opt<T>(&mut self, name: &str, parse: impl Fn(&Value) -> Result<T, String>) -> Option<T> {
        let v = self.present(name)?;
        self.run(name, v, parse)
    }

    fn run<T>(
        &mut self,
        name: &str,
        v: &Value,
        parse: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<T> {
        match parse(v) {
            Ok(t) => Some(t),
            Err(message) => {
                self.errors.push(FieldError::new(name, message));
                None
            }
        }
    }

    /// Records a problem found by a check across fields.
    pub fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(name, message));
    }

    /// Whether every field read so far was valid.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Ends the reading: `Ok(())` when nothing was wrong, else every problem.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// Text of a JSON string or number (CSV and some clients send numbers as text).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A record id: non-empty, at most 128 characters, no control characters.
pub fn id(v: &Value) -> Result<String, String> {
    let s = scalar_text(v).ok_or("must be a string")?;
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > MAX_ID_LEN {
        return Err(format!("must be at most {MAX_ID_LEN} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(s)
}

/// Free text of at most `max` characters.
pub fn text(max: usize) -> impl Fn(&Value) -> Result<String, String> {
    move |v| {
        let s = scalar_text(v).ok_or("must be a string")?;
        if s.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        Ok(s)
    }
}

/// One of `options`, exactly.
pub fn one_of(options: &'static [&'static str]) -> impl Fn(&Value) -> Result<String, String> {
    move |v| {
        let s = v.as_str().ok_or("must be a string")?.trim();
        if options.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(format!("`{s}` is not one of {}", options.join(", ")))
        }
    }
}

/// Most decimal places an amount may have (what `Decimal` holds exactly).
pub const MAX_DECIMAL_PLACES: i64 = 28;

/// The decimal places written in `s` (`1.250` → 3, `1e-30` → 30).
fn decimal_places(s: &str) -> i64 {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (s, 0),
    };
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i64);
    fraction.saturating_sub(exponent)
}

/// A decimal from a JSON number or a decimal string, held exactly.
pub fn decimal(v: &Value) -> Result<Decimal, String> {
    let s = scalar_text(v).ok_or("must be a number or a decimal string")?;
    let places = decimal_places(&s);
    if places > MAX_DECIMAL_PLACES {
        return Err(format!(
            "`{s}` has {places} decimal places; at most {MAX_DECIMAL_PLACES} are kept exactly"
        ));
    }
    let d = Decimal::from_str(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .map_err(|_| format!("`{s}` is not a decimal number"))?;
    if d.abs() > Decimal::from(MAX_AMOUNT) {
        return Err(format!(
            "`{s}` is out of range (at most {MAX_AMOUNT} in magnitude)"
        ));
    }
    Ok(d)
}

/// A decimal that is zero or more.
pub fn non_negative(v: &Value) -> Result<Decimal, String> {
    let d = decimal(v)?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(format!("must be zero or more, got {d}"));
    }
    Ok(d)
}

/// A decimal that is more than zero.
pub fn positive(v: &Value) -> Result<Decimal, String> {
    let d = decimal(v)?;
    if d <= Decimal::ZERO {
        return Err(format!("must be more than zero, got {d}"));
    }
    Ok(d)
}

/// A decimal between `lo` and `hi`, inclusive.
pub fn between(lo: Decimal, hi: Decimal) -> impl Fn(&Value) -> Result<Decimal, String> {
    move |v| {
        let d = decimal(v)?;
        if d < lo || d > hi {
            return Err(format!("must be between {lo} and {hi}, got {d}"));
        }
        Ok(d)
    }
}

/// A whole number between 1 and `max`.
pub fn count(max: u32) -> impl Fn(&Value) -> Result<u32, String> {
    move |v| {
        let s = scalar_text(v).ok_or("must be a whole number")?;
        let n: u32 = s
            .parse()
            .map_err(|_| format!("`{s}` is not a whole number"))?;
        if n == 0 || n > max {
            return Err(format!("must be between 1 and {max}, got {n}"));
        }
        Ok(n)
    }
}

/// A boolean: JSON true/false, or the text `true`/`false`/`1`/`0`/`yes`/`no`.
pub fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(format!("`{s}` is not true or false")),
        },
        Value::Number(n) if n.to_string() == "1" => Ok(true),
        Value::Number(n) if n.to_string() == "0" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

/// A date or RFC 3339 timestamp.
pub fn time_point(v: &Value) -> Result<TimePoint, String> {
    TimePoint::parse(v.as_str().ok_or("must be a date or timestamp string")?)
}

/// An ISO 4217 currency code.
pub fn currency(v: &Value) -> Result<Currency, String> {
    Currency::parse(v.as_str().ok_or("must be a currency code string")?)
}

/// A billing interval name.
pub fn interval(v: &Value) -> Result<BillingInterval, String> {
    BillingInterval::parse(v.as_str().ok_or("must be a string")?.trim())
}

/// A flat object (string, number, boolean or null values) of bounded size.
pub fn flat_object(v: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(map) = v else {
        return Err("must be a JSON object".into());
    };
    if map.len() > MAX_ATTRIBUTES {
        return Err(format!(
            "may have at most {MAX_ATTRIBUTES} keys, has {}",
            map.len()
        ));
    }
    for (k, val) in map {
        if k.is_empty() || k.chars().count() > 64 {
            return Err(format!("key `{k}` must be 1–64 characters"));
        }
        match val {
            Value::Array(_) | Value::Object(_) => {
                return Err(format!(
                    "`{k}` must be a string, number, boolean or null (flat)"
                ));
            }
            Value::String(s) if s.chars().count() > MAX_TEXT_LEN => {
                return Err(format!("`{k}` must be at most {MAX_TEXT_LEN} characters"));
            }
            _ => {}
        }
    }
    Ok(map.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use serde_json::json;

    #[test]
    fn decimals_are_exact_from_numbers_and_strings() {
        let v: Value = serde_json::from_str("0.1").unwrap();
        assert_eq!(decimal(&v).unwrap(), dec!(0.1));
        let v: Value = serde_json::from_str("12345678901.123456789").unwrap();
        assert_eq!(decimal(&v).unwrap(), dec!(12345678901.123456789));
        assert_eq!(decimal(&json!("12.50")).unwrap(), dec!(12.5));
        assert_eq!(decimal(&json!("1e3")).unwrap(), dec!(1000));
        assert!(decimal(&json!("NaN")).is_err());
        assert!(decimal(&json!("1e30")).is_err());
        assert!(decimal(&json!(true)).is_err());
        // More places than are kept exactly are refused, not rounded.
        let places28 = format!("0.{}1", "0".repeat(27));
        assert!(decimal(&json!(places28)).is_ok());
        let places30 = format!("1.{}1", "0".repeat(29));
        let err = decimal(&json!(places30)).unwrap_err();
        assert!(err.contains("30 decimal places"), "{err}");
        let v: Value = serde_json::from_str(&format!("0.{}5", "0".repeat(29))).unwrap();
        assert!(decimal(&v).is_err());
        assert!(decimal(&json!("1e-30")).is_err());
        assert_eq!(decimal_places("1.25e1"), 1);
    }

    #[test]
    fn optional_numbers_refuse_empty_strings() {
        let row = json!({"a": "", "b": null, "c": "2.5"});
        let mut f = Fields::new(&row, &["a", "b", "c", "d"]).unwrap();
        assert_eq!(f.opt_number("a", decimal), None);
        assert_eq!(f.opt_number("b", decimal), None);
        assert_eq!(f.opt_number("c", decimal), Some(dec!(2.5)));
        assert_eq!(f.opt_number("d", decimal), None);
        let errors = f.finish().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "a");
    }

    #[test]
    fn signs() {
        assert!(non_negative(&json!(-1)).is_err());
        assert!(non_negative(&json!(0)).is_ok());
        assert!(positive(&json!(0)).is_err());
    }

    #[test]
    fn ids() {
        assert!(id(&json!("")).is_err());
        assert!(id(&json!("a\nb")).is_err());
        assert!(id(&json!("x".repeat(129))).is_err());
        assert_eq!(id(&json!(42)).unwrap(), "42");
    }

    #[test]
    fn flat_objects_only() {
        assert!(flat_object(&json!({"a": 1, "b": "x", "c": null})).is_ok());
        assert!(flat_object(&json!({"a": {"b": 1}})).is_err());
        assert!(flat_object(&json!([1])).is_err());
    }

    #[test]
    fn unknown_fields_and_missing_ones_are_all_reported() {
        let v = json!({"nme": "x"});
        let mut f = Fields::new(&v, &["id", "name"]).unwrap();
        f.req("id", id);
        f.req("name", text(10));
        let errs = f.finish().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["nme", "id", "name"]);
    }
}
