//! Members of a tenant: list, invite (single-use link), change role, remove,
//! and admin-issued password-reset links; plus the pages those links open.

use super::{base_url, when};
use crate::WebApp;
use crate::{Chrome, CsrfForm, PageError, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;
use quarterdeck_app::audit;
use quarterdeck_app::credentials::{hash_password, hash_token, new_token_secret, verify_password};
use quarterdeck_domain::{Permission, Role};
use quarterdeck_store::{UserLink, UserLinkKind};
use serde::Deserialize;

/// How long an invitation stays valid.
const INVITE_VALID: Duration = Duration::days(7);
/// How long a password-reset link stays valid.
const RESET_VALID: Duration = Duration::hours(24);

/// Why an admin cannot reset the password of a person who also belongs to
/// another workspace: one login opens all of them, and no workspace's admin
/// may change what opens another's.
const SHARED_PERSON: &str = "This person's login also opens another workspace, so an admin here cannot reset its password. They can ask the server's operator (`quarterdeck user create` sets a new one).";

/// The one message for a password an invitation link did not take, whether or
/// not the email already had a login (an admin holding the link learns nothing).
const INVITE_PASSWORD: &str = "That password did not work. If you already sign in to Quarterdeck with this email, enter that password in both fields; otherwise choose a new one of at least 12 characters that is not a common password and not your email.";

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/admin/users", get(list))
        .route("/admin/users/invite", post(invite))
        .route("/admin/users/{id}/role", post(change_role))
        .route("/admin/users/{id}/remove", post(remove))
        .route("/admin/users/{id}/reset", post(issue_reset))
        .route("/invite/{token}", get(show_link).post(accept_link))
        .route("/reset/{token}", get(show_link).post(accept_link))
}

struct MemberRow {
    user_id: i64,
    email: String,
    role: &'static str,
    role_label: &'static str,
    csm: String,
    mfa: bool,
    joined: String,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    members: Vec<MemberRow>,
    /// (value, label) of each role.
    roles: Vec<(&'static str, &'static str)>,
    /// (heading, for whom, expires, url) of a link just created.
    new_link: Option<(String, String, String, String)>,
    message: Option<String>,
}

async fn page(
    state: &WebApp,
    viewer: &Viewer,
    new_link: Option<(String, String, String, String)>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageUsers)?;
    let members = state
        .store
        .list_members(grant.tenant().id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            is_me: m.user_id == viewer.user_id,
            user_id: m.user_id,
            email: m.email,
            role: m.role.as_str(),
            role_label: m.role.label(),
            csm: m.csm.unwrap_or_default(),
            mfa: m.mfa_enabled,
            joined: when(m.created_at),
        })
        .collect();
    let page = UsersPage {
        chrome: Chrome::new(viewer, "Users", "/admin/users", ""),
        members,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        new_link,
        message,
    };
    Ok(Html(page.render()?).into_response())
}

async fn list(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    page(&state, &viewer, None, None).await
}

fn clean_csm(csm: &str) -> Option<String> {
    let csm = csm.trim();
    (!csm.is_empty()).then(|| csm.chars().take(200).collect())
}

#[derive(Debug, Deserialize)]
struct InviteForm {
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csm: String,
}

async fn invite(
    State(state): State<WebApp>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageUsers)?;
    viewer.check_csrf(&form.csrf)?;
    let email = form.email.trim().to_ascii_lowercase();
    if !quarterdeck_app::admin::is_email(&email) {
        return page(
            &state,
            &viewer,
            None,
            Some(format!("`{email}` is not an email address.")),
        )
        .await;
    }
    let role = match Role::parse(&form.role) {
        Ok(r) => r,
        Err(m) => return page(&state, &viewer, None, Some(m)).await,
    };
    let tenant = grant.tenant();
    if let Some(user) = state.store.user_by_email(&email).await?
        && state.store.membership(tenant.id, user.id).await?.is_some()
    {
        return page(
            &state,
            &viewer,
            None,
            Some(format!(
                "{email} is already a member; change their role in the table."
            )),
        )
        .await;
    }
    let secret = new_token_secret();
    let expires = state.clock.now() + INVITE_VALID;
    state
        .store
        .create_user_link(&UserLink {
            token_hash: hash_token(&secret),
            tenant_id: tenant.id,
            kind: UserLinkKind::Invite,
            email: email.clone(),
            role,
            csm: clean_csm(&form.csm),
            created_by: viewer.email.clone(),
            expires_at: expires,
            used_at: None,
        })
        .await?;
    audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &viewer.actor(),
        "user.invite",
        Some(email.clone()),
        Some(format!("role {}", role.as_str())),
    )
    .await?;
    let url = format!("{}/invite/{secret}", base_url(&headers));
    let link = (
        "Invitation link".to_string(),
        email,
        when(expires) + " UTC",
        url,
    );
    page(&state, &viewer, Some(link), None).await
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csm: String,
}

async fn change_role(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(user_id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageUsers)?;
    viewer.check_csrf(&form.csrf)?;
    let tenant = grant.tenant();
    let member = state
        .store
        .membership(tenant.id, user_id)
        .await?
        .ok_or_else(|| PageError::NotFound("no such member".into()))?;
    if user_id == viewer.user_id {
        return page(
            &state,
            &viewer,
            None,
            Some("You cannot change your own role; ask another admin.".into()),
        )
        .await;
    }
    let role = Role::parse(&form.role).map_err(PageError::BadRequest)?;
    let csm = clean_csm(&form.csm);
    state
        .store
        .set_membership(tenant.id, user_id, role, csm.as_deref())
        .await?;
    audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &viewer.actor(),
        "user.role",
        Some(member.email),
        Some(format!("{} -> {}", member.role.as_str(), role.as_str())),
    )
    .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

async fn remove(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(user_id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageUsers)?;
    viewer.check_csrf(&form.csrf)?;
    let tenant = grant.tenant();
    if user_id == viewer.user_id {
        return page(
            &state,
            &viewer,
            None,
            Some("You cannot remove yourself; ask another admin.".into()),
        )
        .await;
    }
    let member = state
        .store
        .membership(tenant.id, user_id)
        .await?
        .ok_or_else(|| PageError::NotFound("no such member".into()))?;
    state.store.remove_membership(tenant.id, user_id).await?;
    audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &viewer.actor(),
        "user.remove",
        Some(member.email),
        None,
    )
    .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

async fn issue_reset(
    State(state): State<WebApp>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(user_id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageUsers)?;
    viewer.check_csrf(&form.csrf)?;
    let tenant = grant.tenant();
    let member = state
        .store
        .membership(tenant.id, user_id)
        .await?
        .ok_or_else(|| PageError::NotFound("no such member".into()))?;
    if state.store.membership_count(user_id).await? > 1 {
        return page(&state, &viewer, None, Some(SHARED_PERSON.into())).await;
    }
    let secret = new_token_secret();
    let expires = state.clock.now() + RESET_VALID;
    state
        .store
        .create_user_link(&UserLink {
            token_hash: hash_token(&secret),
            tenant_id: tenant.id,
            kind: UserLinkKind::Reset,
            email: member.email.clone(),
            role: member.role,
            csm: member.csm.clone(),
            created_by: viewer.email.clone(),
            expires_at: expires,
            used_at: None,
        })
        .await?;
    audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &viewer.actor(),
        "password.reset_link",
        Some(member.email.clone()),
        None,
    )
    .await?;
    let url = format!("{}/reset/{secret}", base_url(&headers));
    let link = (
        "Password reset link".to_string(),
        member.email,
        when(expires) + " UTC",
        url,
    );
    page(&state, &viewer, Some(link), None).await
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct LinkPage<'a> {
    heading: &'a str,
    lead: String,
    email: &'a str,
    /// An invitation (the form reads the same whether or not the email has a login).
    invite: bool,
    button: &'a str,
    message: Option<String>,
}

/// The link behind a token, if it can still be used.
async fn live_link(state: &WebApp, token: &str) -> Result<UserLink, PageError> {
    let link = state
        .store
        .user_link(&hash_token(token))
        .await?
        .ok_or_else(|| {
            PageError::NotFound("This link is not valid. Ask your admin for a new one.".into())
        })?;
    if link.used_at.is_some() {
        return Err(PageError::Gone(
            "This link has already been used. Ask your admin for a new one.".into(),
        ));
    }
    if link.expires_at < state.clock.now() {
        return Err(PageError::Gone(
            "This link has expired. Ask your admin for a new one.".into(),
        ));
    }
    Ok(link)
}

async fn render_link(
    state: &WebApp,
    link: &UserLink,
    message: Option<String>,
) -> Result<Response, PageError> {
    let tenant = state
        .store
        .tenant_by_id(link.tenant_id)
        .await?
        .ok_or_else(|| PageError::NotFound("no such workspace".into()))?;
    let page = match link.kind {
        UserLinkKind::Invite => LinkPage {
            heading: "Join the workspace",
            lead: format!(
                "You are invited to {} on Quarterdeck as {}.",
                tenant.name,
                link.role.as_str()
            ),
            email: &link.email,
            invite: true,
            button: "Join",
            message,
        },
        UserLinkKind::Reset => LinkPage {
            heading: "Choose a new password",
            lead: format!("For your Quarterdeck login ({}).", tenant.name),
            email: &link.email,
            invite: false,
            button: "Set password",
            message,
        },
    };
    Ok(Html(page.render()?).into_response())
}

async fn show_link(
    State(state): State<WebApp>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let link = live_link(&state, &token).await?;
    render_link(&state, &link, None).await
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn accept_link(
    State(state): State<WebApp>,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let link = live_link(&state, &token).await?;
    let store = state.store.as_ref();
    let existing = store.user_by_email(&link.email).await?;
    let joining_existing = link.kind == UserLinkKind::Invite && existing.is_some();
    // Check everything before spending the single-use link.
    if form.password != form.confirm {
        return render_link(&state, &link, Some("The two passwords differ.".into())).await;
    }
    match (link.kind, &existing) {
        (UserLinkKind::Invite, Some(user)) => {
            if !verify_password(&form.password, &user.password_hash) {
                return render_link(&state, &link, Some(INVITE_PASSWORD.into())).await;
            }
        }
        (UserLinkKind::Invite, None) => {
            if quarterdeck_domain::password::check_new_password(&form.password, &link.email)
                .is_err()
            {
                // As long as a wrong password for an existing login takes.
                let _ = verify_password(&form.password, &crate::login::DUMMY_HASH);
                return render_link(&state, &link, Some(INVITE_PASSWORD.into())).await;
            }
        }
        (UserLinkKind::Reset, _) => {
            if let Err(m) =
                quarterdeck_domain::password::check_new_password(&form.password, &link.email)
            {
                return render_link(&state, &link, Some(format!("Password: {m}."))).await;
            }
            // Checked again on use: the person may have joined another workspace since.
            let still_alone = match &existing {
                Some(user) => {
                    store.membership(link.tenant_id, user.id).await?.is_some()
                        && store.membership_count(user.id).await? == 1
                }
                None => false,
            };
            if !still_alone {
                return Err(PageError::Gone(SHARED_PERSON.into()));
            }
        }
    }
    if !store.spend_user_link(&link.token_hash).await? {
        return Err(PageError::Gone("This link has already been used.".into()));
    }
    let actor = audit::Actor {
        name: link.email.clone(),
        ip: None,
    };
    let user_id = match (&existing, joining_existing) {
        (Some(user), true) => user.id,
        (Some(user), false) => {
            let hash = hash_password(&form.password).map_err(PageError::Internal)?;
            store.set_password(user.id, &hash).await?;
            audit::record(
                store,
                Some(link.tenant_id),
                &actor,
                "password.reset",
                Some(link.email.clone()),
                None,
            )
            .await?;
            user.id
        }
        (None, _) => {
            let hash = hash_password(&form.password).map_err(PageError::Internal)?;
            store.create_user(&link.email, &hash).await?
        }
    };
    if link.kind == UserLinkKind::Invite {
        store
            .set_membership(link.tenant_id, user_id, link.role, link.csm.as_deref())
            .await?;
        audit::record(
            store,
            Some(link.tenant_id),
            &actor,
            "user.join",
            Some(link.email.clone()),
            Some(format!("role {}", link.role.as_str())),
        )
        .await?;
    }
    let tenant = store
        .tenant_by_id(link.tenant_id)
        .await?
        .map(|t| t.slug)
        .unwrap_or_default();
    let done = if link.kind == UserLinkKind::Invite {
        "joined"
    } else {
        "password"
    };
    Ok(Redirect::to(&format!("/login?tenant={tenant}&done={done}")).into_response())
}
