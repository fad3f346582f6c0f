//! A bounded map of computations by question, each computed once and shared
//! by every asker (engines remember answers, pages remember page data).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Cells by key; `C` is the once-cell the computation fills (sync or async).
pub struct Memo<C> {
    entries: Mutex<HashMap<String, Arc<C>>>,
    limit: usize,
}

impl<C: Default> Memo<C> {
    /// An empty memo of at most `limit` questions (a new one beyond that
    /// starts afresh: stale questions are not worth tracking one by one).
    pub fn new(limit: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            limit,
        }
    }

    /// The cell of `key`, new if never asked.
    pub fn cell(&self, key: String) -> Arc<C> {
        let mut map = self.entries.lock().expect("memo lock");
        if map.len() >= self.limit && !map.contains_key(&key) {
            map.clear();
        }
        map.entry(key).or_default().clone()
    }

    /// Forgets every question.
    pub fn clear(&mut self) {
        self.entries.get_mut().expect("memo lock").clear();
    }
}

impl<C> std::fmt::Debug for Memo<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}
