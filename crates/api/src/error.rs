//! Errors in two tiers: the caller's mistakes (4xx, with a message for them)
//! and ours (500, cause logged once, a generic message returned).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use quarterdeck_app::ingest::{IngestError, RowError};

/// An API failure and how to answer it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("parameter `{param}`: {message}")]
    BadParameter { param: String, message: String },
    #[error("missing or invalid API token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{} invalid row(s)", .0.len())]
    Invalid(Vec<RowError>),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<quarterdeck_store::StoreError> for ApiError {
    fn from(e: quarterdeck_store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Malformed(m) => ApiError::BadRequest(m),
            IngestError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            IngestError::Invalid(rows) => ApiError::Invalid(rows),
            IngestError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Invalid(rows) => json!({ "errors": rows }),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                json!({"error": {"status": 500, "message": "internal error; the cause is in the server log"}})
            }
            ApiError::BadParameter { param, .. } => json!({"error": {
                "status": 400, "param": param, "message": self.to_string()
            }}),
            other => json!({"error": {"status": status.as_u16(), "message": other.to_string()}}),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
