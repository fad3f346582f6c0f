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
    /// Browser-side state: sign-in throttling, session policy, keys.
    pub web: Arc<crate::web::WebState>,
}

impl AppState {
    /// State over `store`, with no engine built yet.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            engines: Arc::new(Engines::new(store.clone())),
            store,
            web: Arc::new(crate::web::WebState::default()),
        }
    }

    /// The same state with other session lifetimes (tests use short ones).
    pub fn with_session_policy(mut self, policy: crate::web::SessionPolicy) -> Self {
        self.web = Arc::new(crate::web::WebState::with_policy(policy));
        self
    }
}
