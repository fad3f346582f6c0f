//! Quarterdeck's storage: the `Store` trait and its SQLite and PostgreSQL backends.
//!
//! SQL stays simple (insert, upsert, select by tenant); analytics live in the
//! engine. Every query filters by tenant.

mod error;
mod migrate;
pub mod postgres;
mod rows;
mod shared;
pub mod sqlite;
pub mod testing;
mod types;

pub use error::StoreError;
pub use types::*;

use async_trait::async_trait;
use quarterdeck_domain::{Collection, ParsedRow};
use std::path::PathBuf;
use std::sync::Arc;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Where the data lives.
#[derive(Clone)]
pub enum StoreTarget {
    /// An SQLite file `quarterdeck.sqlite` in this directory (created if missing).
    DataDir(PathBuf),
    /// A PostgreSQL URL (`postgres://…`).
    Url(String),
}

impl std::fmt::Debug for StoreTarget {
    // Never print credentials that a URL may carry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreTarget::DataDir(p) => write!(f, "sqlite:{}", p.display()),
            StoreTarget::Url(u) => f.write_str(&redact_url(u)),
        }
    }
}

/// A database URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Opens the store at `target` and brings its schema up to date.
pub async fn open(target: &StoreTarget) -> StoreResult<Arc<dyn Store>> {
    Ok(match target {
        StoreTarget::DataDir(dir) => Arc::new(sqlite::SqliteStore::open(dir).await?),
        StoreTarget::Url(url) => Arc::new(postgres::PgStore::open(url).await?),
    })
}

/// Everything Quarterdeck keeps.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is (`sqlite` or `postgres`).
    fn backend(&self) -> &'static str;
    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;

    /// Creates a tenant; `Conflict` when the slug is taken.
    async fn create_tenant(&self, tenant: &NewTenant) -> StoreResult<Tenant>;
    /// The tenant with this slug.
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>>;
    /// The tenant with this id.
    async fn tenant_by_id(&self, id: TenantId) -> StoreResult<Option<Tenant>>;
    /// Changes a tenant's settings; bumps its data version, since metrics change with them.
    async fn update_tenant(&self, id: TenantId, update: &TenantUpdate) -> StoreResult<Tenant>;
    /// Every tenant, by id.
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;

    /// Stores a new API token (its secret only as a hash).
    async fn create_token(&self, token: &NewApiToken) -> StoreResult<ApiToken>;
    /// The live (not revoked) token whose secret hashes to `secret_hash`.
    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>>;

    /// Creates a user, or updates the password of the one with this email, and
    /// gives them `role` in the tenant.
    async fn upsert_user_membership(&self, user: &NewUser) -> StoreResult<UserId>;

    /// Stores a batch atomically: every row, or none. Rows whose key exists
    /// replace it. Returns the tenant's new data version.
    async fn upsert_records(
        &self,
        tenant: TenantId,
        collection: Collection,
        rows: &[ParsedRow],
    ) -> StoreResult<DataVersion>;
    /// The tenant's data version: it changes with every change to its records.
    async fn data_version(&self, tenant: TenantId) -> StoreResult<DataVersion>;
    /// Every stored body of a collection, in arrival order (engine rebuilds).
    async fn all_bodies(
        &self,
        tenant: TenantId,
        collection: Collection,
    ) -> StoreResult<Vec<String>>;
    /// One record by key.
    async fn get_record(
        &self,
        tenant: TenantId,
        collection: Collection,
        key: &str,
    ) -> StoreResult<Option<StoredRecord>>;
    /// Records newest first, `limit` at most, those older than `before` when given.
    async fn list_records(
        &self,
        tenant: TenantId,
        collection: Collection,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<StoredRecord>>;
    /// Removes one record; the new data version, or `None` when there was none.
    async fn delete_record(
        &self,
        tenant: TenantId,
        collection: Collection,
        key: &str,
    ) -> StoreResult<Option<DataVersion>>;
    /// Removes every record of a tenant (used to refresh the demo).
    async fn delete_all_records(&self, tenant: TenantId) -> StoreResult<u64>;
    /// How many records a collection holds.
    async fn count_records(&self, tenant: TenantId, collection: Collection) -> StoreResult<u64>;

    /// Appends to the audit log.
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The newest audit entries of a tenant.
    async fn list_audit(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditRecord>>;
}

/// Keeps the last row for each key, in first-seen order, so that a batch that
/// names one id twice behaves like two batches sent one after the other.
pub fn last_row_per_key(rows: &[ParsedRow]) -> Vec<&ParsedRow> {
    let mut index: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(rows.len());
    let mut out: Vec<&ParsedRow> = Vec::with_capacity(rows.len());
    for row in rows {
        match index.get(row.key.as_str()) {
            Some(&i) => out[i] = row,
            None => {
                index.insert(&row.key, out.len());
                out.push(row);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn last_row_wins_within_a_batch() {
        let row = |k: &str, b: &str| ParsedRow {
            key: k.into(),
            body: b.into(),
        };
        let rows = [row("a", "1"), row("b", "2"), row("a", "3")];
        let kept: Vec<_> = last_row_per_key(&rows)
            .iter()
            .map(|r| r.body.as_str())
            .collect();
        assert_eq!(kept, vec!["3", "2"]);
    }
}
