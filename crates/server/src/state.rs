//! What every request handler can reach.

use crate::engines::Engines;
use quarterdeck_store::Store;
use std::sync::Arc;

/// Shared, cheap-to-clone application state.
#[derive(Clone)]
pub struct AppState {
    /// The store (truth).
    pub store: Arc<dyn Store>,
    /// The in-memory metric engines (a cache of the store).
    pub engines: Arc<Engines>,
}

impl AppState {
    /// State over `store`, with no engine built yet.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            engines: Arc::new(Engines::new(store.clone())),
            store,
        }
    }
}
