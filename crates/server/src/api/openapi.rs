//! `GET /api/v1/openapi.json`: the OpenAPI document, generated from the code —
//! collection fields from the domain records, metric names from the engine's
//! answer table — so it cannot drift from what the server accepts.

use crate::metrics::answers::METRICS;
use crate::metrics::query::FILTERS;
use axum::Json;
use quarterdeck_domain::Collection;
use quarterdeck_domain::examples::example_row;
use serde_json::{Map, Value, json};

/// The required fields of a collection: those an empty row is refused for.
fn required(c: Collection) -> Vec<String> {
    match quarterdeck_domain::parse_record(c, &json!({})) {
        Err(errors) => errors
            .into_iter()
            .filter(|e| e.message == "is required")
            .map(|e| e.field)
            .collect(),
        Ok(_) => Vec::new(),
    }
}

fn row_schema(c: Collection) -> Value {
    let example = example_row(c, 1);
    let fields = fields_of(c);
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| {
            let schema = match *f {
                "attributes" | "properties" => json!({"type": "object", "description": "flat object: string, number, boolean or null values"}),
                "lines" => json!({"type": "array", "items": {"type": "object"}}),
                _ => json!({"description": "string, or a number / decimal string for amounts"}),
            };
            ((*f).to_string(), schema)
        })
        .collect();
    json!({
        "type": "object",
        "required": required(c),
        "properties": properties,
        "additionalProperties": false,
        "example": example,
    })
}

fn fields_of(c: Collection) -> &'static [&'static str] {
    use quarterdeck_domain::records::*;
    match c {
        Collection::Customers => Customer::FIELDS,
        Collection::SubscriptionEvents => SubscriptionEvent::FIELDS,
        Collection::Invoices => Invoice::FIELDS,
        Collection::Payments => Payment::FIELDS,
        Collection::Costs => Cost::FIELDS,
        Collection::TimeEntries => TimeEntry::FIELDS,
        Collection::Tickets => Ticket::FIELDS,
        Collection::Activities => Activity::FIELDS,
        Collection::Opportunities => Opportunity::FIELDS,
        Collection::Events => Event::FIELDS,
        Collection::Datapoints => Datapoint::FIELDS,
        Collection::FxRates => FxRate::FIELDS,
    }
}

fn query_params(extra: &[(&str, &str)]) -> Value {
    let mut params = vec![
        json!({"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "first day (default: first of the current month)"}),
        json!({"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "last day, inclusive (default: today in the tenant's zone)"}),
        json!({"name": "compare", "in": "query", "schema": {"enum": ["previous_period", "previous_year", "none"]}}),
    ];
    for f in FILTERS {
        params.push(json!({"name": f, "in": "query", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": true, "description": "repeatable filter"}));
    }
    for (name, description) in extra {
        params.push(json!({"name": name, "in": "query", "schema": {"type": "string"}, "description": description}));
    }
    Value::Array(params)
}

fn errors() -> Value {
    json!({
        "400": {"description": "bad parameter or malformed body; `error.param` names the parameter"},
        "401": {"description": "missing or invalid token"},
        "403": {"description": "token lacks the scope"},
        "404": {"description": "absent, or another tenant's"},
    })
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let metric_names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
    let read = |summary: &str, extra: &[(&str, &str)]| {
        let mut responses = errors();
        responses["200"] = json!({"description": "OK"});
        json!({"get": {"summary": summary, "security": [{"bearer": ["read"]}], "parameters": query_params(extra), "responses": responses}})
    };
    paths.insert(
        "/api/v1/metrics/summary".into(),
        read("Every summary metric with previous value and change", &[]),
    );
    paths.insert(
        "/api/v1/metrics/series".into(),
        read(
            "One metric by bucket",
            &[
                ("metric", &format!("one of: {}", metric_names.join(", "))),
                ("interval", "day, week, month (default), quarter, year"),
            ],
        ),
    );
    paths.insert(
        "/api/v1/metrics/movements".into(),
        read(
            "MRR movements by bucket",
            &[("interval", "day, week, month (default), quarter, year")],
        ),
    );
    paths.insert(
        "/api/v1/metrics/movements/{date}/{kind}".into(),
        read("The customers behind one movement bar (date inside the bucket; kind new, expansion, contraction, churn or reactivation)", &[("interval", "the bucket size")]),
    );
    paths.insert(
        "/api/v1/metrics/cohorts".into(),
        read(
            "Cohort retention",
            &[("by", "month or quarter"), ("measure", "logos or mrr")],
        ),
    );
    paths.insert(
        "/api/v1/metrics/ar-aging".into(),
        read("AR aging buckets", &[("as_of", "date (default: to)")]),
    );
    paths.insert(
        "/api/v1/accounts".into(),
        read("Accounts with MRR and ARR", &[("sort", "mrr, arr, name, segment, csm, plan, region, id; prefix - for descending (default -mrr)"), ("limit", "1–1000 (default 50)"), ("cursor", "next_cursor of the previous page"), ("health", "healthy, at_risk or critical")]),
    );
    paths.insert(
        "/api/v1/accounts/{id}".into(),
        read(
            "One account with its MRR history and movements",
            &[("interval", "history bucket size")],
        ),
    );
    for c in Collection::ALL {
        let slug = c.slug();
        let mut responses = errors();
        responses["200"] = json!({"description": "stored: {\"accepted\": N}"});
        responses["413"] = json!({"description": "over 10,000 rows or 10 MiB"});
        responses["422"] = json!({"description": "invalid rows: {\"errors\": [{index, id, field, message}]}; nothing stored"});
        paths.insert(
            format!("/api/v1/{slug}"),
            json!({
                "post": {
                    "summary": format!("Store a batch of {slug} (atomic, idempotent by key)"),
                    "security": [{"bearer": ["ingest"]}],
                    "requestBody": {"content": {
                        "application/json": {"schema": {"oneOf": [
                            {"type": "array", "items": {"$ref": format!("#/components/schemas/{slug}")}},
                            {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": format!("#/components/schemas/{slug}")}}}},
                        ]}},
                        "application/x-ndjson": {"schema": {"$ref": format!("#/components/schemas/{slug}")}},
                    }},
                    "responses": responses,
                },
                "get": {
                    "summary": format!("Stored {slug}, newest first"),
                    "security": [{"bearer": ["read"]}],
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": {"description": "{\"data\": [...], \"next_cursor\": string|null}"}},
                },
            }),
        );
        paths.insert(
            format!("/api/v1/{slug}/{{id}}"),
            json!({
                "get": {"summary": "One record", "security": [{"bearer": ["read"]}], "responses": {"200": {"description": "the record"}, "404": {"description": "absent or another tenant's"}}},
                "delete": {"summary": "Remove one record (audit-logged)", "security": [{"bearer": ["ingest"]}], "responses": {"204": {"description": "removed"}, "404": {"description": "absent or another tenant's"}}},
            }),
        );
    }
    let schemas: Map<String, Value> = Collection::ALL
        .iter()
        .map(|c| (c.slug().to_string(), row_schema(*c)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Quarterdeck API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Ingestion and metrics. Money is in the tenant's reporting currency, rounded to cents; ratios are fractions; undefined values are null."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
}

/// Serves the document.
pub async fn serve() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_come_from_validation() {
        assert_eq!(required(Collection::Customers), vec!["id", "name"]);
        assert_eq!(
            required(Collection::FxRates),
            vec!["date", "currency", "rate"]
        );
        let doc = document();
        assert!(doc["paths"]["/api/v1/metrics/summary"]["get"].is_object());
        assert_eq!(
            doc["components"]["schemas"]["payments"]["required"],
            json!(["id", "invoice_id", "paid_at", "amount"])
        );
    }
}
