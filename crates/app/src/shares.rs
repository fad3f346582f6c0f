//! Share links: creating one (the web's form and the CLI take this path).
//! Which views may be shared is the pages' to say; callers check it first.

use crate::AppState;
use crate::audit::{self, Actor};
use crate::credentials::{hash_password, hash_token, new_token_secret};
use chrono::Duration;
use quarterdeck_store::{NewShareLink, ShareLink, Tenant};

/// Longest a share link may live.
pub const MAX_SHARE_DAYS: i64 = 365;

/// Why a share link could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] quarterdeck_store::StoreError),
}

/// What a new share link shows, for how long, behind which password.
#[derive(Debug, Clone, Copy)]
pub struct ShareRequest<'a> {
    /// The view: a dashboard path with its query.
    pub view: &'a str,
    /// How many days it lasts (1 to `MAX_SHARE_DAYS`).
    pub days: i64,
    /// A password a visitor must give first (none when absent or empty).
    pub password: Option<&'a str>,
}

/// Creates a share link of `request.view` (checked by the caller); returns
/// it and its secret token (shown once). It expires by the app's clock.
pub async fn create_share(
    state: &AppState,
    tenant: &Tenant,
    request: ShareRequest<'_>,
    actor: &Actor,
) -> Result<(ShareLink, String), ShareError> {
    let store = state.store.as_ref();
    let ShareRequest {
        view,
        days,
        password,
    } = request;
    if !(1..=MAX_SHARE_DAYS).contains(&days) {
        return Err(ShareError::Invalid(format!(
            "a share link lasts 1 to {MAX_SHARE_DAYS} days, not {days}"
        )));
    }
    let password_hash = match password.filter(|p| !p.is_empty()) {
        Some(p) => {
            // The same rule as sign-in passwords: the link is open to the world.
            quarterdeck_domain::password::check_new_password(p, "")
                .map_err(|m| ShareError::Invalid(format!("share-link password: {m}")))?;
            Some(hash_password(p).map_err(ShareError::Invalid)?)
        }
        None => None,
    };
    let secret = new_token_secret();
    let share = store
        .create_share(&NewShareLink {
            tenant_id: tenant.id,
            token_hash: hash_token(&secret),
            prefix: secret.chars().skip(3).take(6).collect(),
            view: view.to_string(),
            password_hash,
            created_by: actor.name.clone(),
            expires_at: state.clock.now() + Duration::days(days),
        })
        .await?;
    audit::record(
        store,
        Some(tenant.id),
        actor,
        "share.create",
        Some(format!("share {}", share.id)),
        Some(format!("{view} for {days} days")),
    )
    .await?;
    Ok((share, secret))
}

/// Parses `30d`, `12h`, `2w` or a bare number of days.
pub fn parse_days(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; use e.g. 30d, 2w or 12h"))?;
    match unit {
        "" | "d" => Ok(n),
        "w" => Ok(n * 7),
        "h" => Ok((n + 23) / 24),
        _ => Err(format!(
            "`{text}` is not a duration; use e.g. 30d, 2w or 12h"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_days;

    #[test]
    fn durations_read_as_days() {
        assert_eq!(parse_days("30d"), Ok(30));
        assert_eq!(parse_days("2w"), Ok(14));
        assert_eq!(parse_days("7"), Ok(7));
        assert_eq!(parse_days("36h"), Ok(2));
        assert!(parse_days("soon").is_err());
    }
}
