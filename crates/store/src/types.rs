//! Rows the store hands out and takes in.

use chrono::{DateTime, Utc};
use quarterdeck_domain::{
    AlertState, Cadence, Currency, DeliveryKind, DeliveryOutcome, Role, Scope, Severity,
    TenantOptions,
};

/// A tenant's database id.
pub type TenantId = i64;
/// A user's database id.
pub type UserId = i64;
/// A counter that changes with every change to a tenant's records.
pub type DataVersion = i64;

/// A tenant to create.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub currency: Currency,
    pub timezone: String,
}

/// A tenant and its reporting settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub currency: Currency,
    pub timezone: String,
    pub fiscal_year_start: u32,
    pub options: TenantOptions,
    /// The tenant's data version when this row was read (see `Store::data_version`).
    pub data_version: DataVersion,
    pub created_at: DateTime<Utc>,
}

/// New values for a tenant's settings (all of them: read, change, write back).
#[derive(Debug, Clone)]
pub struct TenantUpdate {
    pub name: String,
    pub currency: Currency,
    pub timezone: String,
    pub fiscal_year_start: u32,
    pub options: TenantOptions,
}

/// An API token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub tenant_id: TenantId,
    pub name: String,
    /// The first characters of the secret, shown in listings.
    pub prefix: String,
    pub secret_hash: String,
    pub scopes: Vec<Scope>,
}

/// A stored API token (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub tenant_id: TenantId,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A user to create or update, with their role in one tenant.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub tenant_id: TenantId,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub key: String,
    /// Canonical JSON of the validated record.
    pub body: String,
    /// Order of arrival (higher is newer); the list cursor.
    pub seq: i64,
    pub received_at: DateTime<Utc>,
}

/// Something to write in the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub tenant_id: Option<TenantId>,
    /// Who: `user:<email>`, `token:<prefix>`, `cli`.
    pub actor: String,
    /// What: e.g. `record.delete`.
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

/// An audit log entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// Scopes as stored: comma-separated names.
pub(crate) fn scopes_to_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads stored scopes back.
pub(crate) fn scopes_from_text(text: &str) -> Result<Vec<Scope>, crate::StoreError> {
    Scope::parse_list(text).map_err(crate::StoreError::Corrupt)
}

/// Reads a stored currency back.
pub(crate) fn currency_from_text(text: &str) -> Result<Currency, crate::StoreError> {
    Currency::parse(text).map_err(crate::StoreError::Corrupt)
}

/// What sign-in needs to know about a user.
#[derive(Debug, Clone)]
pub struct UserAuth {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    /// Base32 TOTP secret once MFA is enabled.
    pub totp_secret: Option<String>,
}

/// A user's place in a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// The CSM name this member goes by in the data (row-level access for CSMs).
    pub csm: Option<String>,
    pub mfa_enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A browser session to store (the cookie's secret is kept only as a hash).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_hash: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub csrf: String,
    pub ip: Option<String>,
}

/// A stored browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// What a single-use user link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserLinkKind {
    /// Join a tenant (and set a password if new).
    Invite,
    /// Set a new password.
    Reset,
}

impl UserLinkKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserLinkKind::Invite => "invite",
            UserLinkKind::Reset => "reset",
        }
    }
}

/// An invitation or password-reset link.
#[derive(Debug, Clone)]
pub struct UserLink {
    pub token_hash: String,
    pub tenant_id: TenantId,
    pub kind: UserLinkKind,
    pub email: String,
    pub role: Role,
    pub csm: Option<String>,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// A share link to store.
#[derive(Debug, Clone)]
pub struct NewShareLink {
    pub tenant_id: TenantId,
    pub token_hash: String,
    pub prefix: String,
    /// The path and query of the view it shows, e.g. `/revenue?from=2026-01-01`.
    pub view: String,
    pub password_hash: Option<String>,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
}

/// A stored share link.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareLink {
    pub id: i64,
    pub tenant_id: TenantId,
    pub prefix: String,
    pub view: String,
    pub password_hash: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub uses: i64,
}

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// The tenant it works for; `None` for server-wide jobs.
    pub tenant_id: Option<TenantId>,
    /// What to do, e.g. `digest.email`; workers claim the kinds they handle.
    pub kind: String,
    /// JSON, as the worker for `kind` expects it.
    pub payload: String,
    /// Names the job: enqueueing the same key again adds nothing.
    pub idempotency_key: String,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// Runs at most this many times (at least 1), then the job is dead.
    pub max_attempts: i32,
}

/// A job as stored, with what admins need to see of its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub tenant_id: Option<TenantId>,
    pub kind: String,
    pub payload: String,
    pub idempotency_key: String,
    pub state: JobState,
    /// How many times it was claimed (including the current run).
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it is (or was) due.
    pub run_at: DateTime<Utc>,
    /// The worker running it, while running.
    pub locked_by: Option<String>,
    /// When the running worker's lease ends; after that another worker may take it.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it became done or dead.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its first run.
    Queued,
    /// Claimed by a worker whose lease has not been given up.
    Running,
    /// Finished successfully.
    Done,
    /// Failed and will be retried at `run_at`.
    Failed,
    /// Gave up: out of attempts, or failed for good.
    Dead,
}

impl JobState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Dead => "dead",
        }
    }

    /// Reads a stored name back.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "dead" => JobState::Dead,
            other => return Err(format!("job state `{other}`")),
        })
    }
}

/// An alert to open (nothing happens if one with the same key is unresolved).
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub tenant_id: TenantId,
    /// De-duplication key.
    pub key: String,
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    /// What triggered it, as JSON.
    pub detail: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: i64,
    pub tenant_id: TenantId,
    pub key: String,
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub state: AlertState,
    pub opened_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A person's digest subscription in one tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestSubscription {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// The subscriber's email (filled in when read).
    pub email: String,
    pub cadence: Cadence,
    /// 1 = Monday … 7 = Sunday (weekly).
    pub weekday: i32,
    /// 1–28 (monthly).
    pub monthday: i32,
    /// Local hour 0–23.
    pub hour: i32,
    /// IANA zone of the subscriber.
    pub time_zone: String,
}

/// A send to record.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub tenant_id: TenantId,
    pub kind: DeliveryKind,
    pub recipient: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub outcome: DeliveryOutcome,
    pub error: Option<String>,
}

/// A recorded send.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub kind: DeliveryKind,
    pub recipient: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub outcome: DeliveryOutcome,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}
