//! Administration shared by the CLI and (later) the admin pages.

use crate::audit::Actor;
use crate::credentials;
use quarterdeck_domain::{Currency, Role, Scope, TenantSlug, TenantTimeZone};
use quarterdeck_store::{ApiToken, NewApiToken, NewTenant, NewUser, Store, StoreError, Tenant};

/// Why an administrative action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The caller gave something invalid.
    #[error("{0}")]
    Invalid(String),
    /// The store failed or refused (e.g. a taken slug).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a tenant after checking its slug, currency and time zone.
pub async fn create_tenant(
    store: &dyn Store,
    slug: &str,
    name: Option<&str>,
    currency: &str,
    timezone: &str,
) -> Result<Tenant, AdminError> {
    let slug = TenantSlug::parse(slug).map_err(AdminError::Invalid)?;
    let currency = Currency::parse(currency).map_err(AdminError::Invalid)?;
    let tz = TenantTimeZone::parse(timezone).map_err(AdminError::Invalid)?;
    let tenant = store
        .create_tenant(&NewTenant {
            name: name.unwrap_or(slug.as_str()).to_string(),
            slug: slug.as_str().to_string(),
            currency,
            timezone: tz.name().to_string(),
        })
        .await?;
    audit(store, &tenant, "tenant.create", None).await?;
    Ok(tenant)
}

/// Changes to a tenant's settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct TenantChanges {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub fiscal_year_start: Option<u32>,
    /// `Some(None)` turns delinquency churn off.
    pub delinquency_days: Option<Option<u32>>,
    pub gross_margin: Option<String>,
    /// Roles that must use MFA.
    pub mfa_roles: Option<Vec<Role>>,
    /// Health score weights and bands.
    pub health: Option<quarterdeck_domain::HealthSettings>,
}

impl TenantChanges {
    /// What changed, for the audit log.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.name {
            parts.push(format!("name={v}"));
        }
        if let Some(v) = &self.currency {
            parts.push(format!("currency={v}"));
        }
        if let Some(v) = &self.timezone {
            parts.push(format!("timezone={v}"));
        }
        if let Some(v) = self.fiscal_year_start {
            parts.push(format!("fiscal_year_start={v}"));
        }
        if let Some(v) = self.delinquency_days {
            parts.push(format!(
                "delinquency_days={}",
                v.map_or("off".to_string(), |d| d.to_string())
            ));
        }
        if let Some(v) = &self.gross_margin {
            parts.push(format!("gross_margin={v}"));
        }
        if let Some(v) = &self.mfa_roles {
            let names: Vec<&str> = v.iter().map(|r| r.as_str()).collect();
            parts.push(format!("mfa_roles={}", names.join(",")));
        }
        if let Some(h) = &self.health {
            parts.push(format!(
                "health_weights={},{},{},{},{} health_bands={},{}",
                h.payment,
                h.usage,
                h.support,
                h.engagement,
                h.profitability,
                h.healthy_from,
                h.critical_below
            ));
        }
        parts.join(" ")
    }
}

/// Applies `changes` to the tenant with `slug`, checking each.
pub async fn update_tenant(
    store: &dyn Store,
    slug: &str,
    changes: &TenantChanges,
    actor: &Actor,
) -> Result<Tenant, AdminError> {
    let t = tenant(store, slug).await?;
    let invalid = |m: String| AdminError::Invalid(m);
    let currency = match &changes.currency {
        Some(c) => Currency::parse(c).map_err(invalid)?,
        None => t.currency,
    };
    let timezone = match &changes.timezone {
        Some(z) => TenantTimeZone::parse(z)
            .map_err(invalid)?
            .name()
            .to_string(),
        None => t.timezone.clone(),
    };
    let fiscal_year_start = changes.fiscal_year_start.unwrap_or(t.fiscal_year_start);
    if !(1..=12).contains(&fiscal_year_start) {
        return Err(invalid(format!(
            "the fiscal year start is a month 1–12, not {fiscal_year_start}"
        )));
    }
    let mut options = t.options.clone();
    if let Some(days) = changes.delinquency_days {
        if days.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(invalid("delinquency days must be 1–365 (or off)".into()));
        }
        options.delinquency_days = days;
    }
    if let Some(m) = &changes.gross_margin {
        let margin: rust_decimal::Decimal = m
            .parse()
            .ok()
            .filter(|m: &rust_decimal::Decimal| {
                (rust_decimal::Decimal::ZERO..=rust_decimal::Decimal::ONE).contains(m)
            })
            .ok_or_else(|| {
                invalid(format!(
                    "the gross margin is a fraction from 0 to 1 (e.g. 0.8), not `{m}`"
                ))
            })?;
        options.gross_margin = Some(margin);
    }
    if let Some(roles) = &changes.mfa_roles {
        options.mfa_roles = Some(roles.clone());
    }
    if let Some(h) = &changes.health {
        h.check()
            .map_err(|m| invalid(format!("health settings: {m}")))?;
        options.health = Some(h.clone());
    }
    let name = changes.name.clone().unwrap_or_else(|| t.name.clone());
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("the workspace name is 1–100 characters".into()));
    }
    let update = quarterdeck_store::TenantUpdate {
        name,
        currency,
        timezone,
        fiscal_year_start,
        options,
    };
    let updated = store.update_tenant(t.id, &update).await?;
    crate::audit::record(
        store,
        Some(updated.id),
        actor,
        "settings.update",
        Some(updated.slug.clone()),
        Some(changes.describe()),
    )
    .await?;
    Ok(updated)
}

/// The tenant with `slug`, or a clear error naming it.
pub async fn tenant(store: &dyn Store, slug: &str) -> Result<Tenant, AdminError> {
    store.tenant_by_slug(slug).await?.ok_or_else(|| {
        AdminError::Invalid(format!(
            "no tenant `{slug}`; create it with `quarterdeck tenant create {slug}`"
        ))
    })
}

/// Creates an API token; returns it and its secret, which is not stored.
pub async fn create_token(
    store: &dyn Store,
    tenant: &Tenant,
    scopes: &[Scope],
    name: &str,
    actor: &Actor,
) -> Result<(ApiToken, String), AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AdminError::Invalid(
            "give the token a name of 1–100 characters (e.g. `billing sync`)".into(),
        ));
    }
    let secret = credentials::new_token_secret();
    let token = store
        .create_token(&NewApiToken {
            tenant_id: tenant.id,
            name: name.to_string(),
            prefix: credentials::token_display_prefix(&secret),
            secret_hash: credentials::hash_token(&secret),
            scopes: scopes.to_vec(),
        })
        .await?;
    crate::audit::record(
        store,
        Some(tenant.id),
        actor,
        "token.create",
        Some(token.prefix.clone()),
        Some(format!(
            "{name} ({})",
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")
        )),
    )
    .await?;
    Ok((token, secret))
}

/// Creates a user (or updates their password) with `role` in the tenant.
pub async fn create_user(
    store: &dyn Store,
    tenant: &Tenant,
    email: &str,
    role: Role,
    password: &str,
) -> Result<(), AdminError> {
    let email = email.trim().to_ascii_lowercase();
    if !is_email(&email) {
        return Err(AdminError::Invalid(format!(
            "`{email}` is not an email address"
        )));
    }
    quarterdeck_domain::password::check_new_password(password, &email)
        .map_err(|m| AdminError::Invalid(format!("password: {m}")))?;
    let password_hash = credentials::hash_password(password).map_err(AdminError::Invalid)?;
    store
        .upsert_user_membership(&NewUser {
            tenant_id: tenant.id,
            email: email.clone(),
            password_hash,
            role,
        })
        .await?;
    audit(
        store,
        tenant,
        "user.create",
        Some(format!("{email} as {}", role.as_str())),
    )
    .await?;
    Ok(())
}

/// Whether `email` (already trimmed and lower-cased) looks like an address.
pub fn is_email(email: &str) -> bool {
    email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
}

async fn audit(
    store: &dyn Store,
    tenant: &Tenant,
    action: &str,
    detail: Option<String>,
) -> Result<(), StoreError> {
    crate::audit::record(
        store,
        Some(tenant.id),
        &crate::audit::Actor::cli(),
        action,
        Some(tenant.slug.clone()),
        detail,
    )
    .await
}
