//! Ingestion and record reads: `POST/GET /api/v1/<collection>`, `GET/DELETE …/<id>`.

use crate::ApiError;
use crate::auth::ApiCaller;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use quarterdeck_app::AppState;
use quarterdeck_app::ingest::{self, BodyFormat, MAX_BODY_BYTES};
use quarterdeck_domain::Collection;
use quarterdeck_store::{AuditEntry, StoredRecord};
use serde_json::{Value, json};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

fn collection(slug: &str) -> Result<Collection, ApiError> {
    Collection::from_slug(slug).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection `{slug}`; collections are {}",
            Collection::all_slugs()
        ))
    })
}

/// `POST /api/v1/<collection>`: store a batch, atomically.
pub async fn ingest(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let tenant = caller.can_ingest()?.0;
    let collection = collection(&slug)?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // Far too large: refuse before reading. Slightly too large: read up to the
    // limit first, so the client has finished sending and sees the 413
    // rather than a reset connection.
    if let Some(len) = declared.filter(|&len| len > 2 * MAX_BODY_BYTES) {
        return Err(ingest::too_large_bytes(len).into());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::PayloadTooLarge(format!(
                "request body exceeds the limit of {MAX_BODY_BYTES} bytes (10 MiB)"
            ))
        })?;
    let format = BodyFormat::from_content_type(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let rows = ingest::parse_body(format, &bytes)?;
    let accepted = ingest::ingest(&state, tenant, collection, &rows).await?;
    Ok(Json(json!({ "accepted": accepted })))
}

fn body_of(record: &StoredRecord) -> Result<Value, ApiError> {
    serde_json::from_str(&record.body).map_err(|e| ApiError::Internal(format!("stored body: {e}")))
}

/// `GET /api/v1/<collection>?limit=&cursor=`: stored records, newest first.
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(slug): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let tenant = caller.can_read()?.0;
    let collection = collection(&slug)?;
    // The last of repeated parameters wins (as in the metric reads); others are ignored.
    let last = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match last("limit") {
        None | Some("") => DEFAULT_LIMIT,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::BadParameter {
                param: "limit".into(),
                message: format!("must be a whole number from 1 to {MAX_LIMIT}"),
            })?,
    };
    let before = match last("cursor") {
        None | Some("") => None,
        Some(s) => Some(s.parse::<i64>().map_err(|_| ApiError::BadParameter {
            param: "cursor".into(),
            message: "is not one this API gave out (use next_cursor)".into(),
        })?),
    };
    let records = state
        .store
        .list_records(tenant, collection, limit, before)
        .await?;
    let next_cursor = (records.len() == limit as usize)
        .then(|| records.last().map(|r| r.seq.to_string()))
        .flatten();
    let data = records.iter().map(body_of).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({ "data": data, "next_cursor": next_cursor })))
}

/// `GET /api/v1/<collection>/<id>`: one record.
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let tenant = caller.can_read()?.0;
    let collection = collection(&slug)?;
    let record = state
        .store
        .get_record(tenant, collection, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no {collection} record `{id}`")))?;
    Ok(Json(body_of(&record)?))
}

/// `DELETE /api/v1/<collection>/<id>`: remove one record (audit-logged).
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    crate::client_ip::ClientIp(ip): crate::client_ip::ClientIp,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let tenant = caller.can_ingest()?.0;
    let collection = collection(&slug)?;
    let Some(version) = state.store.delete_record(tenant, collection, &id).await? else {
        return Err(ApiError::NotFound(format!("no {collection} record `{id}`")));
    };
    state.events.announce(tenant, version);
    state
        .store
        .append_audit(&AuditEntry {
            tenant_id: Some(tenant),
            actor: caller.actor.clone(),
            action: "record.delete".into(),
            target: Some(format!("{collection}/{id}")),
            detail: None,
            ip: Some(ip),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
