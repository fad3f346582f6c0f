//! Buffering rows per collection and handing them to the caller's sink in batches.

use quarterdeck_domain::Collection;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// The caller's sink: receives one collection's rows per call.
pub(crate) type Sink<'a> = dyn FnMut(Collection, Vec<Value>) -> Result<(), String> + 'a;

/// Collects rows per collection and flushes each buffer when it is full.
pub(crate) struct Emitter<'s, 'a> {
    batch: usize,
    sink: &'s mut Sink<'a>,
    buffers: Vec<Vec<Value>>,
    counts: Vec<usize>,
}

/// Position of `c` in `Collection::ALL`, used to index the buffers.
fn slot(c: Collection) -> usize {
    Collection::ALL.iter().position(|x| *x == c).expect("every collection is listed")
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
        Emitter { batch: batch.max(1), sink, buffers: vec![Vec::new(); n], counts: vec![0; n] }
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
            let rows = std::mem::take(&mut self.buffers[i]);
            (self.sink)(c, rows)?;
        }
        Ok(())
    }

    /// Sends everything still pending and returns the rows sent per collection.
    pub(crate) fn finish(mut self) -> Result<Vec<(Collection, usize)>, String> {
        for c in Collection::ALL {
            self.flush(c)?;
        }
        Ok(Collection::ALL.iter().map(|c| (*c, self.counts[slot(*c)])).collect())
    }
}

/// Money as the API takes it: a decimal string with two places.
pub(crate) fn money(d: Decimal) -> String {
    fixed(d, 2)
}

/// A decimal string with exactly `dp` places (half away from zero).
pub(crate) fn fixed(d: Decimal, dp: u32) -> String {
    let mut r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    r.to_string()
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
        assert_eq!(seen, vec![(Collection::Invoices, 1), (Collection::Payments, 2)]);
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 3);
    }
}
