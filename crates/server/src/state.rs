//! What every request handler can reach.

use quarterdeck_store::Store;
use std::sync::Arc;

/// Shared, cheap-to-clone application state.
#[derive(Clone)]
pub struct AppState {
    /// The store (truth).
    pub store: Arc<dyn Store>,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}
