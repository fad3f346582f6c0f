//! Rows the store hands out and takes in.

use chrono::{DateTime, Utc};
use quarterdeck_domain::{Currency, Role, Scope, TenantOptions};

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
