//! API authentication and capabilities.
//!
//! A handler gets a capability (`CanIngest`, `CanRead`) only from a
//! caller whose token holds the scope, so "forgot to check" cannot be written;
//! the tenant comes only from the token, never from the request.

use crate::ApiError;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use quarterdeck_app::AppState;
use quarterdeck_app::credentials::{hash_token, token_display_prefix};
use quarterdeck_domain::Scope;
use quarterdeck_store::TenantId;

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    tenant: TenantId,
    scopes: Vec<Scope>,
    /// `token:<prefix>`, for the audit log.
    pub actor: String,
}

/// Leave to send records into the caller's tenant.
#[derive(Debug, Clone, Copy)]
pub struct CanIngest(pub TenantId);
/// Leave to read the caller's tenant.
#[derive(Debug, Clone, Copy)]
pub struct CanRead(pub TenantId);

impl ApiCaller {
    fn require(&self, scope: Scope) -> Result<TenantId, ApiError> {
        if scope.granted_by(&self.scopes) {
            Ok(self.tenant)
        } else {
            Err(ApiError::Forbidden(format!(
                "this token lacks the `{}` scope (it has: {})",
                scope.as_str(),
                self.scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    /// Leave to ingest, if the token has the `ingest` scope.
    pub fn can_ingest(&self) -> Result<CanIngest, ApiError> {
        self.require(Scope::Ingest).map(CanIngest)
    }

    /// Leave to read, if the token has the `read` scope.
    pub fn can_read(&self) -> Result<CanRead, ApiError> {
        self.require(Scope::Read).map(CanRead)
    }
}

impl<S> FromRequestParts<S> for ApiCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let secret = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let token = state
            .store
            .token_by_hash(&hash_token(secret))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        // Record the last use, at most once a minute per token.
        let now = chrono::Utc::now();
        if token
            .last_used_at
            .is_none_or(|at| now - at > chrono::Duration::minutes(1))
        {
            state.store.touch_token(token.id, now).await?;
        }
        Ok(ApiCaller {
            tenant: token.tenant_id,
            scopes: token.scopes,
            actor: format!("token:{}", token_display_prefix(secret)),
        })
    }
}
