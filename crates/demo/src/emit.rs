//! Buffering rows per collection and handing them to the caller's sink in batches.

use quarterdeck_domain::Collection;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value};

/// The caller's sink: receives one collection's rows per call.
pub(crate) type Sink<'a> = dyn FnMut(Collection, Vec<Value>) -> Result<(), String> + 'a;

/// Collects rows per collection and flushes each buffer when it is full.
pub(crate) struct Emitter<'s, 'a> {
    batch: usize,
    sink: &'s mut Sink<'a>,
    buffers: Vec<Vec<Value>>,
    counts: Vec<usize>,
}

/// Most rows a buffer reserves ahead, so a huge `batch` does not reserve huge buffers.
const MAX_RESERVED: usize = 8192;

/// Position of `c` in `Collection::ALL`, used to index the buffers.
fn slot(c: Collection) -> usize {
    Collection::ALL
        .iter()
        .position(|x| *x == c)
        .expect("every collection is listed")
}

/// Collections whose pending rows must reach the sink before rows of `c`,
/// because rows of `c` refer to them. Customers are always sent in full first.
fn referenced_by(c: Collection) -> &'static [Collection] {
    match c {
        Collection::Payments => &[Collection::Invoices],
        // Invoice lines name their subscription: send its events first.
        Collection::Invoices => &[Collection::SubscriptionEvents],
        _ => &[],
    }
}

impl<'s, 'a> Emitter<'s, 'a> {
    /// An emitter sending at most `batch` rows per call to `sink`.
    pub(crate) fn new(batch: usize, sink: &'s mut Sink<'a>) -> Self {
        let n = Collection::ALL.len();
        Emitter {
            batch: batch.max(1),
            sink,
            buffers: vec![Vec::new(); n],
            counts: vec![0; n],
        }
    }

    /// Queues one row of `c`, sending the buffer when it is full.
    pub(crate) fn push(&mut self, c: Collection, row: Value) -> Result<(), String> {
        let i = slot(c);
        self.buffers[i].push(row);
        self.counts[i] += 1;
        if self.buffers[i].len() >= self.batch {
            self.flush(c)?;
        }
        Ok(())
    }

    /// Sends the pending rows of `c`, after those of the collections they refer to.
    pub(crate) fn flush(&mut self, c: Collection) -> Result<(), String> {
        for dep in referenced_by(c) {
            self.flush(*dep)?;
        }
        let i = slot(c);
        if !self.buffers[i].is_empty() {
            // The next batch gets its full size up front instead of growing by doubling.
            let next = Vec::with_capacity(self.batch.min(MAX_RESERVED));
            let rows = std::mem::replace(&mut self.buffers[i], next);
            (self.sink)(c, rows)?;
        }
        Ok(())
    }

    /// Sends everything still pending and returns the rows sent per collection.
    pub(crate) fn finish(mut self) -> Result<Vec<(Collection, usize)>, String> {
        for c in Collection::ALL {
            self.flush(c)?;
        }
        Ok(Collection::ALL
            .iter()
            .map(|c| (*c, self.counts[slot(*c)]))
            .collect())
    }
}

/// A JSON object of `fields`, in that order, with room for a few optional ones.
///
/// Sized up front: building rows is allocation-bound, and growing each map
/// one key at a time (as `json!` does) costs a third of the generation time.
pub(crate) fn object<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    let mut map = Map::with_capacity(N + 3);
    for (k, v) in fields {
        map.insert(k.to_owned(), v);
    }
    map
}

/// A row of `fields`, in that order.
pub(crate) fn row<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(object(fields))
}

/// Money as the API takes it: a decimal string with two places.
pub(crate) fn money(d: Decimal) -> String {
    fixed(d, 2)
}

/// A decimal string with exactly `dp` places (half away from zero).
pub(crate) fn fixed(d: Decimal, dp: u32) -> String {
    let mut r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    // Written by hand: formatting is a large share of the generation time.
    let m = r.mantissa();
    let mut s = String::with_capacity(24);
    if m < 0 {
        s.push('-');
    }
    let unit = 10u128.pow(dp);
    // Amounts are capped far below u64::MAX (a trillion), so the parts fit.
    let whole = u64::try_from(m.unsigned_abs() / unit).unwrap_or(u64::MAX);
    push_digits(&mut s, whole, 1);
    if dp > 0 {
        s.push('.');
        push_digits(&mut s, (m.unsigned_abs() % unit) as u64, dp as usize);
    }
    s
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
pub(crate) fn push_digits(s: &mut String, n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in buf.len() - i..width {
        s.push('0');
    }
    for b in &buf[i..] {
        s.push(char::from(*b));
    }
}

/// A per-customer id such as `inv_000123_0004`: a prefix, the customer's
/// index (six digits) and a sequence number (`width` digits), so ids are
/// unique per collection and sort by customer.
pub(crate) fn seq_id(prefix: &str, customer: usize, n: usize, width: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + 10 + width);
    s.push_str(prefix);
    s.push('_');
    push_digits(&mut s, customer as u64, 6);
    s.push('_');
    push_digits(&mut s, n as u64, width);
    s
}

/// Rounds money to cents, as invoices and payments carry it.
pub(crate) fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn money_has_two_places() {
        assert_eq!(money(dec!(12.5)), "12.50");
        assert_eq!(money(dec!(3)), "3.00");
        assert_eq!(money(dec!(0.005)), "0.01");
        assert_eq!(fixed(dec!(0.01234), 4), "0.0123");
        assert_eq!(money(dec!(-1234.567)), "-1234.57");
        assert_eq!(fixed(dec!(1500.4), 0), "1500");
        assert_eq!(seq_id("inv", 123, 4, 4), "inv_000123_0004");
        assert_eq!(seq_id("inv", 1_234_567, 12345, 4), "inv_1234567_12345");
    }

    #[test]
    fn payments_wait_for_their_invoices() {
        let mut seen: Vec<(Collection, usize)> = Vec::new();
        let mut sink = |c: Collection, rows: Vec<Value>| {
            seen.push((c, rows.len()));
            Ok(())
        };
        let mut out = Emitter::new(2, &mut sink);
        out.push(Collection::Invoices, Value::Null).unwrap();
        out.push(Collection::Payments, Value::Null).unwrap();
        out.push(Collection::Payments, Value::Null).unwrap();
        let counts = out.finish().unwrap();
        assert_eq!(
            seen,
            vec![(Collection::Invoices, 1), (Collection::Payments, 2)]
        );
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 3);
    }
}
