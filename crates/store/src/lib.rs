//! Quarterdeck's storage: the `Store` trait and its SQLite and PostgreSQL backends.
//!
//! SQL stays simple (insert, upsert, select by tenant); analytics live in the
//! engine. Every query filters by tenant.

mod error;
mod jobs;
mod migrate;
pub mod postgres;
mod rows;
mod shared;
pub mod sqlite;
pub mod testing;
mod types;

pub use error::StoreError;
pub use jobs::backoff;
pub use types::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use quarterdeck_domain::{AlertState, Role};
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

/// Tenants, their settings and the server's own keys.
#[async_trait]
pub trait TenantStore: Send + Sync + 'static {
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
    /// The value of a shared server key, created from `fresh` by the first caller.
    async fn server_key(&self, name: &str, fresh: &str) -> StoreResult<String>;
}

/// Ingested records: the truth the engine is built from.
#[async_trait]
pub trait RecordStore: Send + Sync + 'static {
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
    /// Up to `limit` stored bodies of a collection after arrival number
    /// `after` (0: from the first), in arrival order, each with its arrival
    /// number: engine rebuilds page through a collection without holding it all.
    async fn bodies_after(
        &self,
        tenant: TenantId,
        collection: Collection,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, String)>>;
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
}

/// Who may get in: API tokens, users and memberships, MFA, sessions, invitation and reset links, share links.
#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Stores a new API token (its secret only as a hash).
    async fn create_token(&self, token: &NewApiToken) -> StoreResult<ApiToken>;
    /// The live (not revoked) token whose secret hashes to `secret_hash`.
    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>>;
    /// Creates a user, or updates the password of the one with this email, and
    /// gives them `role` in the tenant.
    async fn upsert_user_membership(&self, user: &NewUser) -> StoreResult<UserId>;
    /// Every token of a tenant, revoked ones included, newest first.
    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a tenant's token; false when it has no such live token.
    async fn revoke_token(&self, tenant: TenantId, id: i64) -> StoreResult<bool>;
    /// Records that a token was used (callers throttle this).
    async fn touch_token(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// The user with this email (lower-case), for sign-in.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserAuth>>;
    /// The user with this id.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserAuth>>;
    /// A user's membership of a tenant.
    async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>>;
    /// How many tenants a user belongs to.
    async fn membership_count(&self, user: UserId) -> StoreResult<i64>;
    /// Every member of a tenant, by email.
    async fn list_members(&self, tenant: TenantId) -> StoreResult<Vec<Membership>>;
    /// Adds a user to a tenant or changes their role and CSM name.
    async fn set_membership(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Role,
        csm: Option<&str>,
    ) -> StoreResult<()>;
    /// Removes a user from a tenant and ends their sessions there; false when not a member.
    async fn remove_membership(&self, tenant: TenantId, user: UserId) -> StoreResult<bool>;
    /// Creates a user with no tenant yet; their id.
    async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<UserId>;
    /// Sets a user's password and ends every session of theirs.
    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()>;
    /// Turns MFA on with `secret` and these recovery-code hashes, or off with `None`.
    async fn set_mfa(
        &self,
        user: UserId,
        secret: Option<&str>,
        recovery_hashes: &[String],
    ) -> StoreResult<()>;
    /// Takes TOTP time step `step` for a user: false when it, or a later one,
    /// was taken already (so a code cannot be replayed within its window).
    async fn claim_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool>;
    /// Spends an unused recovery code; false when it is unknown or spent.
    async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> StoreResult<bool>;
    /// How many recovery codes a user has left.
    async fn recovery_codes_left(&self, user: UserId) -> StoreResult<i64>;
    /// Stores a new session.
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// A session by the hash of its cookie.
    async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<Session>>;
    /// Marks a session as active at `at` (callers throttle this).
    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Ends one session.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Stores an invitation or reset link.
    async fn create_user_link(&self, link: &UserLink) -> StoreResult<()>;
    /// A link by the hash of its token.
    async fn user_link(&self, token_hash: &str) -> StoreResult<Option<UserLink>>;
    /// Marks a link used; false when it was already used (so it works once).
    async fn spend_user_link(&self, token_hash: &str) -> StoreResult<bool>;
    /// Stores a share link.
    async fn create_share(&self, share: &NewShareLink) -> StoreResult<ShareLink>;
    /// A share link by the hash of its token.
    async fn share_by_hash(&self, token_hash: &str) -> StoreResult<Option<ShareLink>>;
    /// A tenant's share links, newest first.
    async fn list_shares(&self, tenant: TenantId) -> StoreResult<Vec<ShareLink>>;
    /// Revokes a tenant's share link; false when it has no such live link.
    async fn revoke_share(&self, tenant: TenantId, id: i64) -> StoreResult<bool>;
    /// Counts one use of a share link.
    async fn touch_share(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
}

/// What reaches people: tenant config documents, alerts, digest subscriptions, deliveries.
#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// A tenant's configuration value (alert rules, webhooks…), JSON text.
    async fn get_config(&self, tenant: TenantId, name: &str) -> StoreResult<Option<String>>;
    /// Sets a configuration value (not a metric setting: no data-version change).
    async fn set_config(&self, tenant: TenantId, name: &str, value: &str) -> StoreResult<()>;
    /// Sets a configuration value only if it still is `expected` (`None`:
    /// absent); false when another edit came first (compare-and-set, so two
    /// edits of one document cannot lose each other).
    async fn replace_config(
        &self,
        tenant: TenantId,
        name: &str,
        expected: Option<&str>,
        value: &str,
    ) -> StoreResult<bool>;
    /// Opens an alert unless one with its key is unresolved; the new alert, if any.
    async fn open_alert(&self, alert: &NewAlert) -> StoreResult<Option<Alert>>;
    /// Records an alert that opened and resolved in the past (history an
    /// import or the demo brings; live alerts go through `open_alert`).
    async fn record_past_alert(
        &self,
        alert: &NewAlert,
        opened_at: DateTime<Utc>,
        resolved_at: DateTime<Utc>,
    ) -> StoreResult<Alert>;
    /// A tenant's alerts, newest first; unresolved only when `open_only`.
    async fn list_alerts(
        &self,
        tenant: TenantId,
        open_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<Alert>>;
    /// One of a tenant's alerts by id.
    async fn alert(&self, tenant: TenantId, id: i64) -> StoreResult<Option<Alert>>;
    /// How many of a tenant's alerts are unresolved.
    async fn count_open_alerts(&self, tenant: TenantId) -> StoreResult<i64>;
    /// The most severe unresolved alerts, newest first within a severity.
    async fn top_open_alerts(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<Alert>>;
    /// Acknowledges or resolves one of the tenant's alerts; false when no such unresolved alert.
    async fn set_alert_state(
        &self,
        tenant: TenantId,
        id: i64,
        state: AlertState,
        by: &str,
    ) -> StoreResult<bool>;
    /// Resolves the unresolved alerts with these keys; how many.
    async fn resolve_alerts(&self, tenant: TenantId, keys: &[String]) -> StoreResult<u64>;
    /// Creates or replaces a digest subscription.
    async fn set_digest(&self, sub: &DigestSubscription, unsubscribe_hash: &str)
    -> StoreResult<()>;
    /// One person's subscription in a tenant.
    async fn digest_for(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<DigestSubscription>>;
    /// Every subscription of every tenant (the scheduler's list).
    async fn all_digests(&self) -> StoreResult<Vec<DigestSubscription>>;
    /// Ends a subscription; false when there was none.
    async fn delete_digest(&self, tenant: TenantId, user: UserId) -> StoreResult<bool>;
    /// Ends the subscription behind an unsubscribe link; false when unknown.
    async fn unsubscribe(&self, unsubscribe_hash: &str) -> StoreResult<bool>;
    /// Records one send.
    async fn record_delivery(&self, d: &NewDelivery) -> StoreResult<()>;
    /// A tenant's sends, newest first.
    async fn list_deliveries(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<Delivery>>;
}

/// The append-only audit log.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Appends to the audit log.
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The newest audit entries of a tenant.
    async fn list_audit(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditRecord>>;
}

/// The durable job queue.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// Queues a job; `None` when a job with its idempotency key exists already.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<Option<i64>>;
    /// Takes up to `limit` jobs of `kinds` (any kind when empty) that are due at
    /// `now`, or whose worker's lease ran out, for `worker` until `now + lease`.
    /// Each job goes to one worker at a time, across replicas. Running jobs out
    /// of attempts whose lease ran out are marked dead instead.
    async fn claim_jobs(
        &self,
        worker: &str,
        kinds: &[&str],
        limit: u32,
        lease: chrono::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Job>>;
    /// Marks a job done; false when `worker` no longer holds it.
    async fn complete_job(&self, id: i64, worker: &str) -> StoreResult<bool>;
    /// Records a failed run: retried at `retry_at` while attempts remain, dead
    /// otherwise (or when `retry_at` is `None`); false when `worker` no longer holds it.
    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;
    /// The newest jobs of a tenant, or of every tenant (and none) with `None`.
    async fn list_jobs(&self, tenant: Option<TenantId>, limit: u32) -> StoreResult<Vec<Job>>;
    /// The job with this idempotency key.
    async fn job_by_key(&self, key: &str) -> StoreResult<Option<Job>>;
}

/// Everything Quarterdeck keeps: every capability, as one object
/// (`Arc<dyn Store>`). Code that needs one capability names its trait.
pub trait Store:
    TenantStore + RecordStore + AuthStore + DeliveryStore + AuditStore + JobStore
{
}

impl<T> Store for T where
    T: TenantStore + RecordStore + AuthStore + DeliveryStore + AuditStore + JobStore
{
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

/// A stored name read back as its type; a name the type does not know means
/// the database holds what no release wrote.
#[doc(hidden)]
pub fn named<T>(text: String, parse: fn(&str) -> Result<T, String>) -> StoreResult<T> {
    parse(&text).map_err(|e| StoreError::Corrupt(format!("stored value: {e}")))
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
