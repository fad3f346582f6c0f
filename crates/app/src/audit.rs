//! Who did what, from where: one way to write to the audit log.

use quarterdeck_store::{AuditEntry, Store, StoreError, TenantId};

/// Who is acting: a user's email, `token:<prefix>`, `cli`, or `share:<prefix>`.
#[derive(Debug, Clone)]
pub struct Actor {
    /// How the audit log names them.
    pub name: String,
    /// The client address, when the action came over HTTP.
    pub ip: Option<String>,
}

impl Actor {
    /// The command line on this machine.
    pub fn cli() -> Self {
        Self {
            name: "cli".into(),
            ip: None,
        }
    }
}

/// Appends one entry to the tenant's audit log.
pub async fn record(
    store: &dyn Store,
    tenant: Option<TenantId>,
    actor: &Actor,
    action: &str,
    target: Option<String>,
    detail: Option<String>,
) -> Result<(), StoreError> {
    store
        .append_audit(&AuditEntry {
            tenant_id: tenant,
            actor: actor.name.clone(),
            action: action.into(),
            target,
            detail,
            ip: actor.ip.clone(),
        })
        .await
}
