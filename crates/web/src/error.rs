//! What a page answers when it cannot show what was asked: a redirect to
//! sign in, or a plain page that says what happened and what to do.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// A page-level failure.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in (or the session ended): go to the sign-in page, then back.
    #[error("sign in first")]
    NeedLogin { next: String },
    /// Somewhere else must be visited first (e.g. MFA enrolment).
    #[error("redirect to {0}")]
    Redirect(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// A link that worked once and no longer does (expired, revoked, used).
    #[error("{0}")]
    Gone(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<quarterdeck_store::StoreError> for PageError {
    fn from(e: quarterdeck_store::StoreError) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl From<quarterdeck_app::metrics::QueryError> for PageError {
    fn from(e: quarterdeck_app::metrics::QueryError) -> Self {
        PageError::BadRequest(e.to_string())
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Internal(format!("template: {e}"))
    }
}

impl From<quarterdeck_api::ApiError> for PageError {
    fn from(e: quarterdeck_api::ApiError) -> Self {
        match e {
            quarterdeck_api::ApiError::BadParameter { param, message } => {
                PageError::BadRequest(format!("{param}: {message}"))
            }
            quarterdeck_api::ApiError::BadRequest(m) => PageError::BadRequest(m),
            quarterdeck_api::ApiError::NotFound(m) => PageError::NotFound(m),
            quarterdeck_api::ApiError::Forbidden(m) => PageError::Forbidden(m),
            other => PageError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    heading: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading) = match &self {
            PageError::NeedLogin { next } => {
                let to = if next == "/" {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", urlencoding::encode(next))
                };
                return Redirect::to(&to).into_response();
            }
            PageError::Redirect(to) => return Redirect::to(to).into_response(),
            PageError::BadRequest(_) => {
                (StatusCode::BAD_REQUEST, "That request did not make sense")
            }
            PageError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not available to you"),
            PageError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            PageError::Gone(_) => (StatusCode::GONE, "This link no longer works"),
            PageError::Internal(cause) => {
                tracing::error!(%cause, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                )
            }
        };
        let message = match &self {
            PageError::Internal(_) => {
                "The error has been logged. Try again in a moment; if it keeps happening, tell your administrator."
                    .to_string()
            }
            other => other.to_string(),
        };
        let body = ErrorPage {
            status: status.as_u16(),
            heading,
            message: &message,
        }
        .render()
        .unwrap_or_else(|_| message.clone());
        (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
    }
}
