//! The one ingestion path: parse a batch, validate every row, store all or none.
//!
//! The HTTP API, CSV import and the demo generator all come through here.

use crate::AppState;
use quarterdeck_domain::records::claimed_id;
use quarterdeck_domain::{AnyRecord, Collection, ParsedRow, parse_record};
use quarterdeck_store::{DataVersion, StoreError, TenantId};
use serde::Serialize;
use serde_json::Value;

/// Most rows one batch may carry.
pub const MAX_ROWS: usize = 10_000;
/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One problem with one row of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Position of the row in the batch, from 0.
    pub index: usize,
    /// The id the row claims, when it has one.
    pub id: Option<String>,
    pub field: String,
    pub message: String,
}

/// Why a batch was refused; nothing of it was stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The body is not JSON / NDJSON of the expected shape.
    #[error("{0}")]
    Malformed(String),
    /// Too many rows or bytes.
    #[error("{0}")]
    TooLarge(String),
    /// Some rows are invalid; every problem is listed.
    #[error("{} problem(s) in the batch", .0.len())]
    Invalid(Vec<RowError>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How the body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// A JSON array, or an object `{"data": [...]}`.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl BodyFormat {
    /// The format a `Content-Type` header names (JSON unless it says NDJSON).
    pub fn from_content_type(content_type: Option<&str>) -> Self {
        match content_type {
            Some(ct) if ct.contains("ndjson") || ct.contains("jsonlines") => BodyFormat::Ndjson,
            _ => BodyFormat::Json,
        }
    }
}

/// Splits a request body into rows, enforcing the API's size limits.
pub fn parse_body(format: BodyFormat, body: &[u8]) -> Result<Vec<Value>, IngestError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large_bytes(body.len()));
    }
    let rows = parse_rows(format, body, Some(MAX_ROWS))?;
    if rows.len() > MAX_ROWS {
        return Err(IngestError::TooLarge(format!(
            "a batch may carry at most {MAX_ROWS} rows; split it into several requests"
        )));
    }
    Ok(rows)
}

/// Splits a body or file into rows; NDJSON stops reading past `stop_after` rows.
pub fn parse_rows(
    format: BodyFormat,
    body: &[u8],
    stop_after: Option<usize>,
) -> Result<Vec<Value>, IngestError> {
    Ok(match format {
        BodyFormat::Json => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| IngestError::Malformed(format!("malformed JSON: {e}")))?;
            match value {
                Value::Array(rows) => rows,
                Value::Object(mut obj) if obj.contains_key("data") => match obj.remove("data") {
                    Some(Value::Array(rows)) if obj.is_empty() => rows,
                    _ => return Err(shape_error()),
                },
                _ => return Err(shape_error()),
            }
        }
        BodyFormat::Ndjson => {
            let text = std::str::from_utf8(body)
                .map_err(|_| IngestError::Malformed("NDJSON body is not UTF-8".into()))?;
            let mut rows = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let row = serde_json::from_str(line).map_err(|e| {
                    IngestError::Malformed(format!("malformed JSON on NDJSON line {}: {e}", n + 1))
                })?;
                rows.push(row);
                if stop_after.is_some_and(|max| rows.len() > max) {
                    break;
                }
            }
            rows
        }
    })
}

fn shape_error() -> IngestError {
    IngestError::Malformed(
        "expected a JSON array of rows, or an object {\"data\": [...]}, or NDJSON \
         with Content-Type: application/x-ndjson"
            .into(),
    )
}

/// The error for a body of `len` bytes.
pub fn too_large_bytes(len: usize) -> IngestError {
    IngestError::TooLarge(format!(
        "request body of {len} bytes exceeds the limit of {MAX_BODY_BYTES} bytes (10 MiB)"
    ))
}

/// A batch every row of which is valid: the records and their stored form.
#[derive(Debug, Clone)]
pub struct ValidBatch {
    /// The collection they belong to.
    pub collection: Collection,
    /// The typed records, in the order sent.
    pub records: Vec<AnyRecord>,
    /// The same records as rows to store.
    pub rows: Vec<ParsedRow>,
}

impl ValidBatch {
    /// How many rows the batch holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Validates every row, returning them ready to store or every problem found.
pub fn validate(collection: Collection, rows: &[Value]) -> Result<ValidBatch, Vec<RowError>> {
    let mut records = Vec::with_capacity(rows.len());
    let mut parsed = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match parse_record(collection, row) {
            Ok(record) => {
                parsed.push(record.to_row());
                records.push(record);
            }
            Err(problems) => {
                let id = claimed_id(row);
                errors.extend(problems.into_iter().map(|p| RowError {
                    index,
                    id: id.clone(),
                    field: p.field,
                    message: p.message,
                }));
            }
        }
    }
    if errors.is_empty() {
        Ok(ValidBatch {
            collection,
            records,
            rows: parsed,
        })
    } else {
        Err(errors)
    }
}

/// Validates and stores a batch atomically; returns how many rows were accepted.
pub async fn ingest(
    state: &AppState,
    tenant: TenantId,
    collection: Collection,
    rows: &[Value],
) -> Result<usize, IngestError> {
    if rows.len() > MAX_ROWS {
        return Err(IngestError::TooLarge(format!(
            "a batch may carry at most {MAX_ROWS} rows"
        )));
    }
    let batch = validate(collection, rows).map_err(IngestError::Invalid)?;
    commit(state, tenant, &batch).await?;
    Ok(batch.len())
}

/// Stores a validated batch atomically and brings this process's engine up to
/// date. Every writer of records (API, import, demo) ends here.
pub async fn commit(
    state: &AppState,
    tenant: TenantId,
    batch: &ValidBatch,
) -> Result<DataVersion, StoreError> {
    let version = state
        .store
        .upsert_records(tenant, batch.collection, &batch.rows)
        .await?;
    state
        .engines
        .apply_upsert(tenant, version, &batch.records)
        .await;
    state.events.announce(tenant, version);
    // Alerts are evaluated after every ingest; an evaluation overtaken by a
    // newer ingest skips itself (the newer one has its own job).
    crate::jobs::enqueue(
        state.store.as_ref(),
        Some(tenant),
        &crate::jobs::kinds::EvaluateAlerts {
            tenant,
            version: Some(version),
        },
        &format!("alerts:{tenant}:v{version}"),
    )
    .await?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_in_all_three_shapes() {
        let array = parse_body(BodyFormat::Json, br#"[{"a":1},{"a":2}]"#).unwrap();
        let wrapped = parse_body(BodyFormat::Json, br#"{"data":[{"a":1},{"a":2}]}"#).unwrap();
        let nd = parse_body(BodyFormat::Ndjson, b"{\"a\":1}\n\n{\"a\":2}\n").unwrap();
        assert_eq!(array, wrapped);
        assert_eq!(array, nd);
    }

    #[test]
    fn malformed_bodies() {
        assert!(matches!(
            parse_body(BodyFormat::Json, b"[{"),
            Err(IngestError::Malformed(_))
        ));
        assert!(matches!(
            parse_body(BodyFormat::Json, b"{\"a\":1}"),
            Err(IngestError::Malformed(_))
        ));
        let err = parse_body(BodyFormat::Ndjson, b"{}\n{oops\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn content_types() {
        assert_eq!(
            BodyFormat::from_content_type(Some("application/x-ndjson")),
            BodyFormat::Ndjson
        );
        assert_eq!(
            BodyFormat::from_content_type(Some("application/json")),
            BodyFormat::Json
        );
        assert_eq!(BodyFormat::from_content_type(None), BodyFormat::Json);
    }
}
