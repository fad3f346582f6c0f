//! Announcements of new data, so open pages refresh their numbers in place.

use quarterdeck_store::{DataVersion, TenantId};
use tokio::sync::broadcast;

/// Announcements of new data: (tenant, data version).
#[derive(Debug)]
pub struct DataEvents {
    tx: broadcast::Sender<(TenantId, DataVersion)>,
}

impl Default for DataEvents {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl DataEvents {
    /// Tells every open page of `tenant` that its data is now at `version`.
    pub fn announce(&self, tenant: TenantId, version: DataVersion) {
        // No receivers is fine: nobody has a page open.
        let _ = self.tx.send((tenant, version));
    }

    /// A receiver of every announcement from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<(TenantId, DataVersion)> {
        self.tx.subscribe()
    }
}
