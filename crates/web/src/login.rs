//! `/login` and `/logout` exactly as api.md says: a form with `tenant`,
//! `email`, `password` and (with MFA) `totp`; 303 to the dashboard on success;
//! the same message whatever was wrong.

use super::cookies::{self, SESSION_COOKIE};
use super::error::PageError;
use super::mfa;
use super::safe_next;
use super::session::{ClientIp, SignedIn, constant_time_eq};
use crate::WebApp;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use quarterdeck_app::audit::{self, Actor};
use quarterdeck_app::credentials::{hash_token, new_token_secret, verify_password};
use quarterdeck_store::NewSession;
use serde::Deserialize;
use std::sync::LazyLock;

/// The one message for every failed sign-in: it never says which part was wrong.
pub const LOGIN_FAILED: &str = "Sign-in failed. Check the workspace, email, password and (if you use one) authentication code.";

/// An argon2 hash of a random password, checked when the account does not
/// exist so that a wrong email takes as long as a wrong password.
pub(crate) static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    quarterdeck_app::credentials::hash_password(&new_token_secret()).expect("argon2 hashes")
});

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    tenant: &'a str,
    email: &'a str,
    next: &'a str,
    message: Option<&'a str>,
    notice: Option<&'a str>,
    /// Say that two-factor sign-in is off in the demo only.
    demo: bool,
}

#[derive(Debug, Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    done: String,
}

async fn show(
    State(state): State<WebApp>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_str() {
        "logout" => Some("You are signed out."),
        "password" => Some("Your password is set. Sign in with it."),
        "joined" => Some("You have joined the workspace. Sign in to continue."),
        _ => None,
    };
    let page = LoginPage {
        tenant: &q.tenant,
        email: "",
        next: safe_next(&q.next).unwrap_or("/"),
        message: None,
        notice,
        demo: state.web.demo,
    };
    Ok(no_store(Html(page.render()?)).into_response())
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: String,
}

fn refuse(form: &LoginForm, status: StatusCode, message: &str) -> Result<Response, PageError> {
    let page = LoginPage {
        tenant: &form.tenant,
        email: &form.email,
        next: safe_next(&form.next).unwrap_or("/"),
        message: Some(message),
        notice: None,
        demo: false,
    };
    Ok((status, no_store(Html(page.render()?))).into_response())
}

fn no_store<T: IntoResponse>(body: T) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], body)
}

async fn submit(
    State(state): State<WebApp>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let slug = form.tenant.trim().to_ascii_lowercase();
    let email = form.email.trim().to_ascii_lowercase();
    let account = format!("{slug}/{email}");
    let web = &state.web;
    let wait = web.throttle.wait(&account, &ip);
    let store = state.store.as_ref();
    let tenant = store.tenant_by_slug(&slug).await?;
    let actor = Actor {
        name: email.clone(),
        ip: Some(ip.clone()),
    };
    if !wait.is_zero() {
        if let Some(t) = &tenant {
            audit::record(store, Some(t.id), &actor, "login.throttled", None, None).await?;
        }
        let minutes = wait.as_secs().div_ceil(60);
        let message = format!(
            "Too many sign-in attempts. Wait {minutes} minute{} and try again.",
            if minutes == 1 { "" } else { "s" }
        );
        return refuse(&form, StatusCode::TOO_MANY_REQUESTS, &message);
    }
    let user = store.user_by_email(&email).await?;
    let password_ok = verify_password(
        &form.password,
        user.as_ref()
            .map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str()),
    );
    let member = match (&tenant, &user, password_ok) {
        (Some(t), Some(u), true) => store.membership(t.id, u.id).await?,
        _ => None,
    };
    let (Some(tenant), Some(user), Some(member)) = (tenant.clone(), user, member) else {
        web.throttle.failed(&account, &ip);
        if let Some(t) = &tenant {
            audit::record(store, Some(t.id), &actor, "login.failed", None, None).await?;
        }
        return refuse(&form, StatusCode::UNAUTHORIZED, LOGIN_FAILED);
    };
    if let Some(secret) = &user.totp_secret {
        let code = form.totp.trim();
        let ok = if mfa::looks_like_recovery_code(code) {
            let used = store
                .use_recovery_code(user.id, &mfa::recovery_hash(code))
                .await?;
            if used {
                audit::record(
                    store,
                    Some(tenant.id),
                    &actor,
                    "mfa.recovery_code_used",
                    None,
                    None,
                )
                .await?;
            }
            used
        } else {
            match mfa::check_code(secret, code) {
                // A code works once: its step must not have been taken before.
                Some(step) => store.claim_totp_step(user.id, step).await?,
                None => false,
            }
        };
        if !ok {
            web.throttle.failed(&account, &ip);
            audit::record(
                store,
                Some(tenant.id),
                &actor,
                "login.failed",
                None,
                Some("second factor missing or wrong".into()),
            )
            .await?;
            return refuse(&form, StatusCode::UNAUTHORIZED, LOGIN_FAILED);
        }
    }
    web.throttle.succeeded(&account);
    // A new session id at every sign-in (never reuse one a visitor brought).
    if let Some(old) = cookies::get(&headers, SESSION_COOKIE) {
        store.delete_session(&hash_token(old)).await?;
    }
    let secret = new_token_secret();
    store
        .create_session(&NewSession {
            id_hash: hash_token(&secret),
            user_id: user.id,
            tenant_id: tenant.id,
            csrf: new_token_secret(),
            ip: Some(ip.clone()),
        })
        .await?;
    audit::record(
        store,
        Some(tenant.id),
        &actor,
        "login",
        None,
        Some(format!("role {}", member.role.as_str())),
    )
    .await?;
    let to = safe_next(&form.next).unwrap_or("/");
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookies::set(
            SESSION_COOKIE,
            &secret,
            "/",
            web.policy.absolute.num_seconds(),
            cookies::is_https(&headers),
        ),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    csrf: Option<String>,
}

async fn logout(
    State(state): State<WebApp>,
    who: Option<SignedIn>,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    if let Some(who) = who {
        // Same-origin is already enforced; a token, when sent, must match too.
        if let Some(sent) = &form.csrf
            && !constant_time_eq(sent.as_bytes(), who.csrf.as_bytes())
        {
            return Err(PageError::Forbidden(
                "This form has expired. Reload the page.".into(),
            ));
        }
        state.store.delete_session(&who.session_hash).await?;
        audit::record(
            state.store.as_ref(),
            Some(who.tenant.id),
            &who.actor(),
            "logout",
            None,
            None,
        )
        .await?;
    }
    let mut response = Redirect::to("/login?done=logout").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookies::clear(SESSION_COOKIE, "/"));
    Ok(response)
}
