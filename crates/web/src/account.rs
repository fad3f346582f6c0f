//! The signed-in person's own settings: two-factor sign-in.

use super::Chrome;
use super::error::PageError;
use super::mfa;
use super::session::SignedIn;
use crate::WebApp;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use quarterdeck_app::audit;
use quarterdeck_app::credentials::verify_password;
use serde::Deserialize;

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/account/mfa", get(show))
        .route("/account/mfa/enable", post(enable))
        .route("/account/mfa/disable", post(disable))
}

#[derive(Template)]
#[template(path = "account_mfa.html")]
struct MfaPage {
    chrome: Chrome,
    required: bool,
    required_for_role: bool,
    enabled: bool,
    codes_left: i64,
    message: Option<String>,
    secret: String,
    /// The server's signature of `secret` for this session (see `mfa::enrolment_proof`).
    proof: String,
    qr_svg: String,
    recovery_codes: Vec<String>,
}

impl MfaPage {
    async fn for_user(
        state: &WebApp,
        who: &SignedIn,
        message: Option<String>,
    ) -> Result<Self, PageError> {
        let secret = mfa::new_secret();
        let uri = mfa::otpauth_uri(&secret, &who.email)
            .ok_or_else(|| PageError::Internal("could not build the otpauth URI".into()))?;
        let key = state.signing_key().await?;
        let proof = mfa::enrolment_proof(key, &who.session_hash, &secret);
        Ok(MfaPage {
            chrome: Chrome::new(who, "Two-factor sign-in", "/account/mfa", ""),
            required: who.owes_mfa(),
            required_for_role: who.tenant.options.mfa_required_for(who.role),
            enabled: who.mfa_enabled,
            codes_left: state.store.recovery_codes_left(who.user_id).await?,
            message,
            qr_svg: mfa::qr_svg(&uri).unwrap_or_default(),
            secret,
            proof,
            recovery_codes: Vec::new(),
        })
    }
}

async fn show(State(state): State<WebApp>, who: SignedIn) -> Result<Response, PageError> {
    let page = MfaPage::for_user(&state, &who, None).await?;
    Ok(Html(page.render()?).into_response())
}

#[derive(Debug, Deserialize)]
struct EnableForm {
    csrf: String,
    secret: String,
    #[serde(default)]
    proof: String,
    code: String,
}

async fn enable(
    State(state): State<WebApp>,
    who: SignedIn,
    Form(form): Form<EnableForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    if who.mfa_enabled {
        return Ok(Redirect::to("/account/mfa").into_response());
    }
    let key = state.signing_key().await?;
    let issued = mfa::enrolment_proof(key, &who.session_hash, &form.secret);
    if !super::session::constant_time_eq(issued.as_bytes(), form.proof.as_bytes()) {
        // Not the secret this page gave out: start again with a fresh one.
        let page = MfaPage::for_user(
            &state,
            &who,
            Some(
                "That key was not issued by this page. Scan the new code below and try again."
                    .into(),
            ),
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    let step = mfa::check_code(&form.secret, &form.code);
    if step.is_none() {
        let mut page = MfaPage::for_user(
            &state,
            &who,
            Some("That code did not match. Scan the new code below and try again; check the phone's clock if it keeps failing.".into()),
        )
        .await?;
        page.required = who.owes_mfa();
        return Ok(Html(page.render()?).into_response());
    }
    let codes = mfa::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| mfa::recovery_hash(c)).collect();
    state
        .store
        .set_mfa(who.user_id, Some(&form.secret), &hashes)
        .await?;
    // The code that enrolled cannot also sign in.
    if let Some(step) = step {
        state.store.claim_totp_step(who.user_id, step).await?;
    }
    audit::record(
        state.store.as_ref(),
        Some(who.tenant.id),
        &who.actor(),
        "mfa.enable",
        None,
        None,
    )
    .await?;
    let mut page = MfaPage::for_user(&state, &who, None).await?;
    page.enabled = true;
    page.required = false;
    page.recovery_codes = codes;
    Ok(Html(page.render()?).into_response())
}

#[derive(Debug, Deserialize)]
struct DisableForm {
    csrf: String,
    password: String,
}

async fn disable(
    State(state): State<WebApp>,
    who: SignedIn,
    Form(form): Form<DisableForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    if who.tenant.options.mfa_required_for(who.role) {
        return Err(PageError::Forbidden(
            "Your workspace requires two-factor sign-in for your role.".into(),
        ));
    }
    let user = state
        .store
        .user_by_id(who.user_id)
        .await?
        .ok_or_else(|| PageError::NotFound("no such user".into()))?;
    if !verify_password(&form.password, &user.password_hash) {
        let page =
            MfaPage::for_user(&state, &who, Some("That password is not right.".into())).await?;
        return Ok(Html(page.render()?).into_response());
    }
    state.store.set_mfa(who.user_id, None, &[]).await?;
    audit::record(
        state.store.as_ref(),
        Some(who.tenant.id),
        &who.actor(),
        "mfa.disable",
        None,
        None,
    )
    .await?;
    Ok(Redirect::to("/account/mfa").into_response())
}
