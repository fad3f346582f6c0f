//! Dense numbers for record ids: the n-th distinct id seen gets number n, so
//! tables keyed by id are plain vectors and each id's text is held once, in
//! one buffer, instead of once per map and index that names it.

use string_interner::StringInterner;
use string_interner::backend::StringBackend;
use string_interner::symbol::{Symbol, SymbolU32};

/// Ids of one kind (customers, invoices, payments…) and their numbers.
///
/// Numbers are never reused: an id removed and sent again gets its old number
/// back, and the text of an id no record holds any more stays until the
/// ledger is rebuilt (a few bytes per id ever seen).
#[derive(Debug, Clone, Default)]
pub(crate) struct Names(StringInterner<StringBackend<SymbolU32>>);

impl Names {
    /// The number of `id`, giving it the next one when new.
    pub fn intern(&mut self, id: &str) -> u32 {
        self.0.get_or_intern(id).to_usize() as u32
    }

    /// The number of `id`, if it was ever seen.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.0.get(id).map(|s| s.to_usize() as u32)
    }

    /// The id numbered `n`.
    pub fn name(&self, n: u32) -> &str {
        SymbolU32::try_from_usize(n as usize)
            .and_then(|s| self.0.resolve(s))
            .expect("a number this table gave out")
    }

    /// Gives back spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::Names;

    #[test]
    fn numbers_are_dense_and_stable() {
        let mut n = Names::default();
        assert_eq!((n.intern("a"), n.intern("b"), n.intern("a")), (0, 1, 0));
        assert_eq!((n.get("b"), n.get("c")), (Some(1), None));
        assert_eq!((n.name(0), n.name(1)), ("a", "b"));
    }
}
