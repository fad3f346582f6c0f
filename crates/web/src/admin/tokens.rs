//! API tokens: list, create (secret shown once), revoke.

use super::{when, when_or_never};
use crate::WebApp;
use crate::{Chrome, CsrfForm, PageError, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use quarterdeck_app::{admin, audit};
use quarterdeck_domain::{Permission, Scope};
use serde::Deserialize;

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/admin/tokens", get(list).post(create))
        .route("/admin/tokens/{id}/revoke", post(revoke))
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    scopes: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    new_secret: Option<String>,
    message: Option<String>,
}

async fn page(
    state: &WebApp,
    viewer: &Viewer,
    new_secret: Option<String>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageTokens)?;
    let tokens = state
        .store
        .list_tokens(grant.tenant().id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            created: when(t.created_at),
            last_used: when_or_never(t.last_used_at),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let page = TokensPage {
        chrome: Chrome::new(viewer, "API tokens", "/admin/tokens", ""),
        tokens,
        new_secret,
        message,
    };
    Ok(Html(page.render()?).into_response())
}

async fn list(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    page(&state, &viewer, None, None).await
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    csrf: String,
    #[serde(default)]
    name: String,
    ingest: Option<String>,
    read: Option<String>,
    admin: Option<String>,
}

async fn create(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageTokens)?;
    viewer.check_csrf(&form.csrf)?;
    let scopes: Vec<Scope> = [
        (form.ingest.is_some(), Scope::Ingest),
        (form.read.is_some(), Scope::Read),
        (form.admin.is_some(), Scope::Admin),
    ]
    .into_iter()
    .filter_map(|(on, s)| on.then_some(s))
    .collect();
    if scopes.is_empty() {
        return page(
            &state,
            &viewer,
            None,
            Some("Choose at least one scope.".into()),
        )
        .await;
    }
    match admin::create_token(
        state.store.as_ref(),
        grant.tenant(),
        &scopes,
        &form.name,
        &viewer.actor(),
    )
    .await
    {
        Ok((_, secret)) => page(&state, &viewer, Some(secret), None).await,
        Err(admin::AdminError::Invalid(m)) => page(&state, &viewer, None, Some(m)).await,
        Err(admin::AdminError::Store(e)) => Err(e.into()),
    }
}

async fn revoke(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageTokens)?;
    viewer.check_csrf(&form.csrf)?;
    if !state.store.revoke_token(grant.tenant().id, id).await? {
        return Err(PageError::NotFound("no such active token".into()));
    }
    audit::record(
        state.store.as_ref(),
        Some(grant.tenant().id),
        &viewer.actor(),
        "token.revoke",
        Some(format!("token {id}")),
        None,
    )
    .await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
