//! Browser sessions and the signed-in person (`Viewer`), from whom every
//! page obtains its capabilities.

use super::cookies::{self, SESSION_COOKIE};
use super::error::PageError;
use crate::WebApp;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use quarterdeck_app::audit::Actor;
use quarterdeck_app::credentials::hash_token;
use quarterdeck_domain::{Permission, Role};
use quarterdeck_store::{Session, Tenant, UserId};

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends a session nobody used for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in, however busy.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::hours(12),
            absolute: Duration::days(7),
        }
    }
}

impl SessionPolicy {
    /// Whether `session` has run out at `now`.
    pub fn expired(&self, session: &Session, now: DateTime<Utc>) -> bool {
        now - session.last_seen_at > self.idle || now - session.created_at > self.absolute
    }
}

/// Activity is written back at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

pub use quarterdeck_api::client_ip::{ClientIp, client_ip};

impl OptionalFromRequestParts<WebApp> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebApp,
    ) -> Result<Option<Self>, PageError> {
        match <SignedIn as FromRequestParts<WebApp>>::from_request_parts(parts, state).await {
            Ok(who) => Ok(Some(who)),
            Err(PageError::NeedLogin { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Someone with a live session, whether or not they still owe an MFA enrolment.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their tenant (sessions belong to one tenant).
    pub tenant: Tenant,
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// The CSM name they go by in the data (row-level access for CSMs).
    pub csm: Option<String>,
    pub mfa_enabled: bool,
    /// The session's anti-forgery token, embedded in every form.
    pub csrf: String,
    /// The hash of the session cookie (to end the session).
    pub session_hash: String,
    /// Where the request came from, for the audit log.
    pub ip: String,
}

impl SignedIn {
    /// Whether the tenant requires MFA for this role and it is not set up yet.
    pub fn owes_mfa(&self) -> bool {
        !self.mfa_enabled && self.tenant.options.mfa_required_for(self.role)
    }

    /// The audit log's name for them.
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.email.clone(),
            ip: Some(self.ip.clone()),
        }
    }

    /// Refuses a state-changing form whose anti-forgery token is missing or wrong.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::Forbidden(
                "This form has expired or did not come from Quarterdeck. Reload the page and try again."
                    .into(),
            ))
        }
    }
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<WebApp> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebApp) -> Result<Self, PageError> {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let need_login = || PageError::NeedLogin { next: next.clone() };
        let cookie = cookies::get(&parts.headers, SESSION_COOKIE).ok_or_else(need_login)?;
        let hash = hash_token(cookie);
        if let Some((mut who, session)) = state.web.principals.get(&hash)
            && !state.web.policy.expired(&session, Utc::now())
        {
            who.ip = client_ip(parts);
            return Ok(who);
        }
        let store = state.store.as_ref();
        let session = store.session_by_hash(&hash).await?.ok_or_else(need_login)?;
        let now = Utc::now();
        if state.web.policy.expired(&session, now) {
            store.delete_session(&hash).await?;
            return Err(need_login());
        }
        if now - session.last_seen_at > TOUCH_EVERY {
            store.touch_session(&hash, now).await?;
        }
        let (Some(member), Some(tenant)) = (
            store.membership(session.tenant_id, session.user_id).await?,
            store.tenant_by_id(session.tenant_id).await?,
        ) else {
            store.delete_session(&hash).await?;
            return Err(need_login());
        };
        let who = SignedIn {
            tenant,
            user_id: session.user_id,
            email: member.email,
            role: member.role,
            csm: member.csm,
            mfa_enabled: member.mfa_enabled,
            csrf: session.csrf.clone(),
            session_hash: hash,
            ip: client_ip(parts),
        };
        state.web.principals.put(&who, session);
        Ok(who)
    }
}

/// A signed-in person who has met their tenant's MFA rule: the only way into
/// tenant pages.
#[derive(Debug, Clone)]
pub struct Viewer(pub SignedIn);

impl std::ops::Deref for Viewer {
    type Target = SignedIn;
    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

impl FromRequestParts<WebApp> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebApp) -> Result<Self, PageError> {
        let who = <SignedIn as FromRequestParts<WebApp>>::from_request_parts(parts, state).await?;
        if who.owes_mfa() {
            return Err(PageError::Redirect("/account/mfa?required=1".into()));
        }
        Ok(Viewer(who))
    }
}

/// Leave to do one thing in one tenant, obtainable only from `Viewer::grant`.
#[derive(Debug, Clone)]
pub struct Grant {
    permission: Permission,
    viewer: Viewer,
}

impl Grant {
    /// What it allows.
    pub fn permission(&self) -> Permission {
        self.permission
    }

    /// Who holds it.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The tenant it applies to.
    pub fn tenant(&self) -> &Tenant {
        &self.viewer.tenant
    }
}

impl Viewer {
    /// Leave to do `permission`, if the role's row in the matrix allows it.
    pub fn grant(&self, permission: Permission) -> Result<Grant, PageError> {
        if self.role.allows(permission) {
            Ok(Grant {
                permission,
                viewer: self.clone(),
            })
        } else {
            Err(PageError::Forbidden(format!(
                "Your role ({}) does not include this page. Ask an admin of {} if you need it.",
                self.role.as_str(),
                self.tenant.name
            )))
        }
    }

    /// Whether the role allows `permission` (to show or hide links, never to authorise).
    pub fn may(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// The CSM whose accounts alone this person may see, if restricted.
    pub fn own_accounts_only(&self) -> Option<&str> {
        self.role
            .only_own_accounts()
            .then(|| self.csm.as_deref().unwrap_or("\u{0}no csm name set"))
    }
}

/// Signed-in principals remembered for a few seconds, so a dashboard under
/// load does not read the session, membership and tenant on every request.
/// Anything that changes who someone is (sign-out, role, password, MFA,
/// membership, settings) clears it on this process; other replicas see the
/// change within `PRINCIPAL_TTL`.
#[derive(Debug, Default)]
pub struct PrincipalCache {
    entries: std::sync::Mutex<
        std::collections::HashMap<String, (std::time::Instant, SignedIn, Session)>,
    >,
}

/// How long a remembered principal is trusted.
const PRINCIPAL_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl PrincipalCache {
    fn get(&self, hash: &str) -> Option<(SignedIn, Session)> {
        let map = self.entries.lock().expect("principal cache lock");
        map.get(hash)
            .filter(|(at, _, _)| at.elapsed() < PRINCIPAL_TTL)
            .map(|(_, who, session)| (who.clone(), session.clone()))
    }

    fn put(&self, who: &SignedIn, session: Session) {
        let mut map = self.entries.lock().expect("principal cache lock");
        if map.len() > 10_000 {
            map.retain(|_, (at, _, _)| at.elapsed() < PRINCIPAL_TTL);
        }
        map.insert(
            who.session_hash.clone(),
            (std::time::Instant::now(), who.clone(), session),
        );
    }

    /// Forgets everyone (after any change to users, roles, sessions or settings).
    pub fn clear(&self) {
        self.entries.lock().expect("principal cache lock").clear();
    }
}
