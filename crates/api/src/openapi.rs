//! `GET /api/v1/openapi.json`: the OpenAPI document, generated from the code —
//! collection fields from the domain records, metric names from the engine's
//! answer table — so it cannot drift from what the server accepts.
//!
//! Every status an operation can answer is listed, with the body it carries:
//! errors are `{"error": {"status", "param"?, "message"}}` (400, 401, 403, 404,
//! 413, 500), refused rows `{"errors": [{index, id, field, message}]}` (422).
//! Response schemas allow `null` wherever the server writes it (undefined
//! metric values, optional account fields, the last page's cursor). The
//! document is checked against the running server by schemathesis
//! (`tests/openapi_conformance.rs`).

use axum::Json;
use quarterdeck_app::metrics::query::FILTERS;
use quarterdeck_domain::Collection;
use quarterdeck_domain::examples::example_row;
use quarterdeck_engine::catalogue::{self, METRICS, Unit};
use serde_json::{Map, Value, json};

/// The `interval` values of series, movements and account histories.
const INTERVALS: [&str; 5] = ["day", "week", "month", "quarter", "year"];

/// Movement kinds of the drill-down.
const MOVEMENT_KINDS: [&str; 5] = ["new", "expansion", "contraction", "churn", "reactivation"];

/// Sort keys of `/accounts` (each also with `-` for descending).
const ACCOUNT_SORTS: [&str; 9] = [
    "mrr", "arr", "name", "segment", "csm", "plan", "region", "id", "health",
];

/// Health bands.
const HEALTH_BANDS: [&str; 3] = ["healthy", "at_risk", "critical"];

/// Dates a query may name: `metrics::limits::FIRST_DAY` to `LAST_DAY`
/// (1900-01-01 to 2200-12-31; a test below keeps the two in step).
const DATE_PATTERN: &str =
    "^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

/// Fields required only in some rows (left out of `required`, said in the description).
fn conditionally_required(c: Collection) -> &'static [(&'static str, &'static str)] {
    match c {
        Collection::SubscriptionEvents => &[("amount", "required unless `type` is `cancel`")],
        Collection::Costs => &[
            (
                "service_from",
                "with `service_to`: the first day of the service paid for; the cost is spread evenly over those days",
            ),
            (
                "service_to",
                "with `service_from`: the last day of that service, inclusive",
            ),
        ],
        _ => &[],
    }
}

/// The required fields of a collection: those an empty row is refused for.
fn required(c: Collection) -> Vec<String> {
    let conditional = conditionally_required(c);
    match quarterdeck_domain::parse_record(c, &json!({})) {
        Err(errors) => errors
            .into_iter()
            .filter(|e| e.message == "is required")
            .map(|e| e.field)
            .filter(|f| !conditional.iter().any(|(name, _)| name == f))
            .collect(),
        Ok(_) => Vec::new(),
    }
}

/// One row of a collection, as sent and as stored. Field values are checked
/// by the server (422 names the field); a required field that is `null` or
/// `""` counts as missing, so the schema allows neither.
fn row_schema(c: Collection) -> Value {
    let example = example_row(c, 1);
    let required = required(c);
    let properties: Map<String, Value> = fields_of(c)
        .iter()
        .map(|f| {
            let mut schema = match *f {
                "attributes" | "properties" => json!({"description": "flat object (at most 64 keys of 1–64 characters): string, number, boolean or null values"}),
                "lines" => json!({"description": "array of at most 1000 flat objects"}),
                _ => json!({"description": "string, or a number / decimal string for amounts; dates as YYYY-MM-DD or RFC 3339"}),
            };
            if required.iter().any(|r| r == f) {
                // Not null, not the empty string (both mean "absent").
                schema["type"] = json!(["string", "number", "boolean", "object", "array"]);
                schema["minLength"] = json!(1);
            }
            if let Some((_, note)) = conditionally_required(c).iter().find(|(n, _)| n == f) {
                schema["description"] = json!(format!(
                    "{}; {note}",
                    schema["description"].as_str().unwrap_or_default()
                ));
            }
            if let Some(v) = example.get(*f) {
                schema["examples"] = json!([v]);
            }
            ((*f).to_string(), schema)
        })
        .collect();
    json!({
        "type": "object",
        "required": required,
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
        Collection::SavePlays => SavePlay::FIELDS,
    }
}

/// A component reference.
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A JSON body of `schema`.
fn json_body(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

/// An error answer (`{"error": {...}}`).
fn error(description: &str) -> Value {
    json_body(description, schema_ref("Error"))
}

/// The answers every authenticated operation may give besides its own.
fn auth_errors(scope: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "401".into(),
        json!({
            "description": "missing or invalid API token",
            "headers": {"WWW-Authenticate": {"required": true, "schema": {"type": "string", "const": "Bearer"}}},
            "content": {"application/json": {"schema": schema_ref("Error")}},
        }),
    );
    m.insert(
        "403".into(),
        error(&format!("the token lacks the `{scope}` scope")),
    );
    m.insert(
        "500".into(),
        error("internal error; the cause is in the server log"),
    );
    m
}

/// A date query parameter inside the supported range.
fn date_schema() -> Value {
    json!({"type": "string", "format": "date", "pattern": DATE_PATTERN})
}

fn enum_schema(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

/// An optional query parameter whose empty value counts as absent (the default).
fn param(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "schema": or_empty(schema), "description": description})
}

/// `schema`, or the empty string. Spelled into the schema rather than with
/// `allowEmptyValue`, which schemathesis 4.32 turns into a type-less `anyOf`
/// whose "negative" values (null → `name=`) read on the wire as valid ones.
fn or_empty(mut schema: Value) -> Value {
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(json!(""));
        return schema;
    }
    let plain_string = schema == json!({"type": "string"});
    match schema["type"].as_str() {
        Some("string") if plain_string => schema,
        Some("string") => {
            if let Some(o) = schema.as_object_mut() {
                o.remove("type");
            }
            json!({"type": "string", "anyOf": [schema, {"maxLength": 0}]})
        }
        Some("integer") => json!({"type": ["integer", "string"],
                                  "anyOf": [schema, {"type": "string", "maxLength": 0}]}),
        _ => schema,
    }
}

/// The range, comparison and filters of every metric read, then `extra`.
/// An empty `from` or `to` is refused (400) by the metric reads.
fn view_params(extra: Vec<Value>) -> Vec<Value> {
    let date = |name: &str, description: &str| json!({"name": name, "in": "query", "schema": date_schema(), "description": description});
    let mut params = vec![
        date(
            "from",
            "first day (default: first of the month of `to`); 1900-01-01 to 2200-12-31; not after `to`",
        ),
        date(
            "to",
            "last day, inclusive (default: today in the tenant's zone); 1900-01-01 to 2200-12-31",
        ),
        param(
            "compare",
            enum_schema(&["previous_period", "previous_year", "none"]),
            "comparison period (default previous_period)",
        ),
    ];
    params.extend(FILTERS.iter().map(|f| {
        // One value or several (repeated); on the wire both are `name=value`.
        json!({"name": f, "in": "query", "schema": {"type": ["string", "array"], "items": {"type": "string"}},
               "style": "form", "explode": true,
               "description": "filter, repeatable (`segment=a&segment=b`) or comma-separated (`segment=a,b`); empty values are ignored"})
    }));
    params.extend(extra);
    params
}

/// The 400 any request gets for a NUL byte in its URL (refused before anything reads it).
fn nul_400() -> Value {
    error("the URL contains a NUL byte (%00)")
}

/// The 400 of a metric read: a bad parameter, or an answer over the limits.
fn read_400() -> Value {
    error(
        "a parameter is malformed, unknown or out of range (`error.param` names it), \
         `from` is after `to`, the answer would exceed a limit (more than 1,500 buckets, \
         more than 10,000 cohort cells, or more than 4 s of computing), or the URL holds a NUL byte",
    )
}

/// A `GET` with a `read` token answering `ok` (200) or the listed errors.
fn read_op(
    id: &str,
    summary: &str,
    params: Vec<Value>,
    ok: Value,
    not_found: Option<&str>,
) -> Value {
    let mut responses = auth_errors("read");
    responses.insert("200".into(), ok);
    responses.insert("400".into(), read_400());
    if let Some(what) = not_found {
        responses.insert("404".into(), error(what));
    }
    json!({
        "operationId": id,
        "summary": summary,
        "security": [{"bearer": ["read"]}],
        "parameters": params,
        "responses": responses,
    })
}

fn path_param(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema, "description": description})
}

/// The schema of one metric value of `unit`: null when undefined.
fn value_schema(unit: Unit) -> Value {
    match unit {
        Unit::Count => json!({"type": ["integer", "null"]}),
        Unit::Money | Unit::Ratio | Unit::Days | Unit::Multiple | Unit::Score => {
            json!({"type": ["number", "null"]})
        }
    }
}

/// The component schemas besides the collections'.
fn shared_schemas(metric_names: &[&str]) -> Map<String, Value> {
    let date = json!({"type": "string", "format": "date"});
    let money = json!({"type": "number", "description": "reporting currency, rounded to cents"});
    let count = json!({"type": "integer", "minimum": 0});
    let text_or_null = json!({"type": ["string", "null"]});
    let object = |required: &[&str], properties: Value| json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false});
    let mut s = Map::new();
    s.insert(
        "Error".into(),
        object(
            &["error"],
            json!({"error": object(&["status", "message"], json!({
                "status": {"type": "integer", "description": "the HTTP status"},
                "param": {"type": "string", "description": "the query or path parameter at fault, when one is"},
                "message": {"type": "string"},
            }))}),
        ),
    );
    s.insert(
        "RowErrors".into(),
        object(
            &["errors"],
            json!({"errors": {"type": "array", "minItems": 1, "items": object(&["index", "id", "field", "message"], json!({
                "index": {"type": "integer", "minimum": 0, "description": "position of the row in the batch, from 0"},
                "id": {"type": ["string", "null"], "description": "the id the row claims, if any"},
                "field": {"type": "string", "description": "the field at fault; empty when the row itself is"},
                "message": {"type": "string"},
            }))}}),
        ),
    );
    s.insert(
        "Accepted".into(),
        object(
            &["accepted"],
            json!({"accepted": {"type": "integer", "minimum": 0, "description": "rows stored"}}),
        ),
    );
    s.insert(
        "Period".into(),
        object(&["from", "to"], json!({"from": date, "to": date})),
    );
    s.insert(
        "Filters".into(),
        json!({
            "type": "object",
            "description": "the filters applied; only the dimensions given",
            "properties": FILTERS.iter().map(|f| ((*f).to_string(), json!({"type": "array", "items": {"type": "string"}}))).collect::<Map<_, _>>(),
            "additionalProperties": false,
        }),
    );
    s.insert(
        "Currency".into(),
        json!({"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code of the reporting currency"}),
    );
    let partial = json!({"type": "boolean", "description": "true when the period (or day) asked ends after today"});
    let partial_point =
        json!({"const": true, "description": "present when the bucket ends after today"});
    let metric_props: Map<String, Value> = METRICS
        .iter()
        .map(|m| {
            let v = value_schema(m.unit);
            let mut props = json!({
                "value": v,
                "previous": v,
                "change": {"type": ["number", "null"], "description": "(value − previous) ÷ |previous|; null when undefined"},
            });
            let mut required = vec!["value", "previous", "change"];
            if m.unit == Unit::Ratio {
                props["change_pp"] = json!({"type": ["number", "null"], "description": "value − previous (a ratio's change in points of the fraction); null when undefined"});
                required.push("change_pp");
            }
            (m.name.to_string(), object(&required, props))
        })
        .collect();
    s.insert(
        "Summary".into(),
        object(
            &["period", "compare", "currency", "filters", "partial", "metrics"],
            json!({
                "period": schema_ref("Period"),
                "compare": {"oneOf": [schema_ref("Period"), {"type": "null"}]},
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "metrics": {"type": "object", "required": metric_names, "properties": metric_props, "additionalProperties": false},
            }),
        ),
    );
    s.insert(
        "Series".into(),
        object(
            &["metric", "interval", "period", "currency", "filters", "partial", "points"],
            json!({
                "metric": enum_schema(metric_names),
                "interval": enum_schema(&INTERVALS),
                "period": schema_ref("Period"),
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "points": {"type": "array", "items": object(&["date", "value"], json!({
                    "date": date,
                    "value": {"type": ["number", "null"], "description": "null when undefined in the bucket"},
                    "partial": partial_point,
                }))},
            }),
        ),
    );
    s.insert(
        "Movements".into(),
        object(
            &["interval", "period", "currency", "filters", "partial", "buckets"],
            json!({
                "interval": enum_schema(&INTERVALS),
                "period": schema_ref("Period"),
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "buckets": {"type": "array", "items": object(
                    &["date", "from", "new", "expansion", "contraction", "churn", "reactivation", "net_new",
                      "mrr_start", "mrr_end", "new_customers", "reactivated_customers", "churned_customers"],
                    json!({
                        "date": date, "from": date,
                        "new": money, "expansion": money, "contraction": money, "churn": money,
                        "reactivation": money, "net_new": money, "mrr_start": money, "mrr_end": money,
                        "new_customers": count, "reactivated_customers": count, "churned_customers": count,
                        "partial": partial_point,
                    }),
                )},
            }),
        ),
    );
    s.insert(
        "MovementCustomers".into(),
        object(
            &[
                "bucket",
                "kind",
                "total",
                "currency",
                "filters",
                "customers",
            ],
            json!({
                "bucket": schema_ref("Period"),
                "kind": enum_schema(&MOVEMENT_KINDS),
                "total": money,
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "customers": {"type": "array", "items": object(&["id", "name", "amount"], json!({
                    "id": {"type": "string"}, "name": text_or_null, "amount": money,
                }))},
            }),
        ),
    );
    s.insert(
        "Cohorts".into(),
        object(
            &["by", "measure", "period", "filters", "partial", "cohorts"],
            json!({
                "by": enum_schema(&["month", "quarter"]),
                "measure": enum_schema(&["logos", "mrr"]),
                "period": schema_ref("Period"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "cohorts": {"type": "array", "items": object(&["cohort", "start", "size", "values"], json!({
                    "cohort": {"type": "string", "description": "2025-01 or 2025-Q1"},
                    "start": date,
                    "size": count,
                    "values": {"type": "array", "items": {"type": ["number", "null"]}, "description": "retention by age; null where undefined"},
                }))},
            }),
        ),
    );
    s.insert(
        "ArAging".into(),
        object(
            &["as_of", "currency", "filters", "partial", "buckets", "total", "overdue"],
            json!({
                "as_of": date,
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "buckets": object(&["current", "d1_30", "d31_60", "d61_90", "d90_plus"], json!({
                    "current": money, "d1_30": money, "d31_60": money, "d61_90": money, "d90_plus": money,
                })),
                "total": money,
                "overdue": money,
            }),
        ),
    );
    let account_props = json!({
        "id": {"type": "string"},
        "name": text_or_null, "segment": text_or_null, "csm": text_or_null,
        "region": text_or_null, "plan": text_or_null,
        "mrr": money, "arr": money,
        "health_score": {"type": ["integer", "null"], "minimum": 0, "maximum": 100, "description": "health score on the day; null when the account is not scored (not paying, or no data)"},
        "health_band": {"enum": [HEALTH_BANDS[0], HEALTH_BANDS[1], HEALTH_BANDS[2], null]},
    });
    let account_fields = [
        "id",
        "name",
        "segment",
        "csm",
        "region",
        "plan",
        "mrr",
        "arr",
        "health_score",
        "health_band",
    ];
    s.insert(
        "Account".into(),
        object(&account_fields, account_props.clone()),
    );
    s.insert(
        "Accounts".into(),
        object(
            &["as_of", "currency", "filters", "partial", "total", "data", "next_cursor"],
            json!({
                "as_of": date,
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "total": count,
                "data": {"type": "array", "items": schema_ref("Account")},
                "next_cursor": {"type": ["string", "null"], "description": "pass as `cursor` for the next page; null on the last"},
            }),
        ),
    );
    let mut detail = account_props.as_object().cloned().unwrap_or_default();
    detail.insert("currency".into(), schema_ref("Currency"));
    detail.insert("period".into(), schema_ref("Period"));
    detail.insert("partial".into(), partial.clone());
    detail.insert(
        "history".into(),
        json!({"type": "array", "items": object(&["date", "mrr"], json!({"date": date, "mrr": money}))}),
    );
    detail.insert(
        "movements".into(),
        json!({"type": "array", "items": object(&["date", "kind", "amount"], json!({
            "date": date, "kind": enum_schema(&MOVEMENT_KINDS), "amount": money,
        }))}),
    );
    let mut detail_required: Vec<&str> = account_fields.to_vec();
    detail_required.extend(["currency", "period", "partial", "history", "movements"]);
    let errors = object(
        &["mape", "mase"],
        json!({
            "mape": {"type": ["number", "null"], "description": "mean absolute percentage error of the held-out months"},
            "mase": {"type": ["number", "null"], "description": "mean absolute error ÷ the in-sample one-step naive forecast's"},
        }),
    );
    s.insert(
        "Forecast".into(),
        object(
            &["period", "currency", "filters", "partial", "method", "history", "points", "backtest"],
            json!({
                "period": schema_ref("Period"),
                "currency": schema_ref("Currency"),
                "filters": schema_ref("Filters"),
                "partial": partial,
                "method": {"type": "string"},
                "history": {"type": "array", "items": object(&["date", "value"], json!({"date": date, "value": money}))},
                "points": {"type": "array", "items": object(&["date", "value", "low", "high"], json!({
                    "date": date, "value": money, "low": money, "high": money,
                }))},
                "backtest": object(&["months", "method", "naive"], json!({
                    "months": count,
                    "method": errors,
                    "naive": errors,
                })),
            }),
        ),
    );
    s.insert(
        "AccountDetail".into(),
        object(&detail_required, Value::Object(detail)),
    );
    let score = json!({"type": "integer", "minimum": 0, "maximum": 100});
    let band = enum_schema(&HEALTH_BANDS);
    let trend = enum_schema(&["improving", "stable", "declining"]);
    let band_tally = object(
        &["customers", "arr"],
        json!({"customers": count, "arr": money}),
    );
    let mut bands = Map::new();
    for b in HEALTH_BANDS {
        bands.insert(b.into(), band_tally.clone());
    }
    let bands = object(&HEALTH_BANDS, Value::Object(bands));
    let tally_fields = json!({
        "scored": count,
        "average": {"type": ["number", "null"], "description": "mean score, one decimal place"},
        "arr": money,
        "bands": bands,
        "arr_at_risk": money,
        "arr_at_risk_watch": money,
        "trend": object(&["improving", "stable", "declining"], json!({"improving": count, "stable": count, "declining": count})),
    });
    let tally_required = [
        "scored",
        "average",
        "arr",
        "bands",
        "arr_at_risk",
        "arr_at_risk_watch",
        "trend",
    ];
    let tally = object(&tally_required, tally_fields.clone());
    let mut previous_fields = tally_fields.as_object().cloned().unwrap_or_default();
    previous_fields.insert("as_of".into(), date.clone());
    let mut previous_required = tally_required.to_vec();
    previous_required.push("as_of");
    let mut previous = object(&previous_required, Value::Object(previous_fields));
    previous["type"] = json!(["object", "null"]);
    let ratio_or_null = json!({"type": ["number", "null"]});
    let mut check_bands = Map::new();
    for b in HEALTH_BANDS {
        check_bands.insert(
            b.into(),
            object(
                &["customers", "churned_90d", "rate"],
                json!({"customers": count, "churned_90d": count, "rate": ratio_or_null}),
            ),
        );
    }
    let mut rates = Map::new();
    for b in HEALTH_BANDS {
        rates.insert(b.into(), ratio_or_null.clone());
    }
    let mut health_fields = tally_fields.as_object().cloned().unwrap_or_default();
    for (k, v) in [
        ("as_of", date.clone()),
        ("period", schema_ref("Period")),
        (
            "compare",
            json!({"oneOf": [schema_ref("Period"), {"type": "null"}]}),
        ),
        ("filters", schema_ref("Filters")),
        ("partial", partial.clone()),
        ("currency", schema_ref("Currency")),
        ("previous", previous),
        (
            "top_at_risk",
            json!({"type": "array", "maxItems": 10, "items": object(
                &["id", "name", "score", "band", "trend", "arr", "csm", "segment"],
                json!({"id": {"type": "string"}, "name": text_or_null, "score": score, "band": band,
                       "trend": trend, "arr": money, "csm": text_or_null, "segment": text_or_null}),
            )}),
        ),
        (
            "by_segment",
            json!({"type": "object", "additionalProperties": tally}),
        ),
        (
            "by_csm",
            json!({"type": "object", "additionalProperties": tally}),
        ),
        (
            "risk_history",
            json!({"type": "array", "items": object(&["date", "arr_at_risk", "arr_at_risk_watch"], json!({
                "date": date, "arr_at_risk": money, "arr_at_risk_watch": money,
            }))}),
        ),
        (
            "backtest",
            object(
                &["auc", "rates", "window_days", "months"],
                json!({
                    "auc": ratio_or_null,
                    "rates": object(&HEALTH_BANDS, Value::Object(rates)),
                    "window_days": count,
                    "months": {"type": "array", "items": object(&["month_end", "complete", "bands"], json!({
                        "month_end": date, "complete": {"type": "boolean"},
                        "bands": object(&HEALTH_BANDS, Value::Object(check_bands)),
                    }))},
                }),
            ),
        ),
        (
            "churn_forecast_90d",
            json!({"type": ["number", "null"], "description": "ARR expected to churn in the next 90 days: each band's ARR today × the share of that band that churned within 90 days in the predictive check; null without a complete month"}),
        ),
        (
            "renewal_churn_forecast_90d",
            json!({"type": ["number", "null"], "description": "of renewals due in the next 90 days: lost ones in full, renewed ones not, others × their band's churn rate; null without a complete month"}),
        ),
        (
            "retention",
            object(
                &["churned_arr", "contraction_arr", "expansion_arr"],
                json!({
                    "churned_arr": {"type": ["number", "null"]},
                    "contraction_arr": {"type": ["number", "null"]},
                    "expansion_arr": {"type": ["number", "null"]},
                }),
            ),
        ),
    ] {
        health_fields.insert(k.into(), v);
    }
    let mut health_required = tally_required.to_vec();
    health_required.extend([
        "as_of",
        "period",
        "compare",
        "filters",
        "partial",
        "currency",
        "previous",
        "top_at_risk",
        "by_segment",
        "by_csm",
        "risk_history",
        "backtest",
        "churn_forecast_90d",
        "renewal_churn_forecast_90d",
        "retention",
    ]);
    s.insert(
        "Health".into(),
        object(&health_required, Value::Object(health_fields)),
    );
    let due = object(&["arr", "count"], json!({"arr": money, "count": count}));
    let stage_names = ["renewed", "on_track", "at_risk", "late", "churned"];
    let mut stage_props = Map::new();
    for k in stage_names {
        stage_props.insert(k.into(), due.clone());
    }
    let pipe = object(
        &["value", "weighted", "count"],
        json!({"value": money, "weighted": money, "count": count}),
    );
    let closed = object(&["value", "count"], json!({"value": money, "count": count}));
    let ratio_or_null = json!({"type": ["number", "null"]});
    let num_or_null = json!({"type": ["number", "null"]});
    s.insert(
        "Segments".into(),
        object(
            &["period", "compare", "filters", "partial", "currency", "segments"],
            json!({
                "period": schema_ref("Period"),
                "compare": {"oneOf": [schema_ref("Period"), {"type": "null"}]},
                "filters": schema_ref("Filters"),
                "partial": partial,
                "currency": schema_ref("Currency"),
                "segments": {"type": "array", "minItems": 1, "items": object(
                    &["segment", "customers", "arr", "avg_health", "grr", "nrr", "expansion_rate", "time_to_value_days", "tickets", "tickets_per_account"],
                    json!({
                        "segment": {"type": "string", "description": "a segment, or `all` (the last row)"},
                        "customers": {"type": ["integer", "null"], "minimum": 0},
                        "arr": num_or_null, "avg_health": num_or_null, "grr": num_or_null, "nrr": num_or_null,
                        "expansion_rate": num_or_null, "time_to_value_days": num_or_null,
                        "tickets": count, "tickets_per_account": num_or_null,
                    }),
                )},
            }),
        ),
    );
    s.insert(
        "Expansion".into(),
        object(
            &["period", "compare", "filters", "partial", "currency", "open", "by_type", "by_stage", "won", "lost", "win_rate", "target", "top"],
            json!({
                "period": schema_ref("Period"),
                "compare": {"oneOf": [schema_ref("Period"), {"type": "null"}]},
                "filters": schema_ref("Filters"),
                "partial": partial,
                "currency": schema_ref("Currency"),
                "open": pipe,
                "by_type": {"type": "object", "additionalProperties": pipe},
                "by_stage": {"type": "object", "additionalProperties": pipe},
                "won": closed,
                "lost": closed,
                "win_rate": object(&["count", "amount"], json!({"count": ratio_or_null, "amount": ratio_or_null})),
                "target": {"type": ["number", "null"]},
                "top": {"type": "array", "maxItems": 10, "items": object(
                    &["id", "customer_id", "name", "type", "stage", "close_date", "value", "probability", "owner"],
                    json!({
                        "id": {"type": "string"}, "customer_id": {"type": "string"}, "name": text_or_null,
                        "type": enum_schema(&["upsell", "cross_sell", "upgrade"]), "stage": {"type": "string"},
                        "close_date": date, "value": money, "probability": {"type": "number"}, "owner": text_or_null,
                    }),
                )},
            }),
        ),
    );
    let per_csm = |with_csm: bool| {
        let mut names = vec![
            "accounts",
            "arr",
            "avg_health",
            "at_risk_accounts",
            "renewals_due_90d",
            "activities",
            "median_first_response_hours",
            "grr",
            "nrr",
            "expansion_won",
            "health_change",
            "utilisation",
        ];
        let mut props = json!({
            "accounts": num_or_null, "arr": num_or_null, "avg_health": num_or_null,
            "at_risk_accounts": num_or_null,
            "renewals_due_90d": object(&["arr", "count"], json!({"arr": num_or_null, "count": num_or_null})),
            "activities": object(&["meeting", "email", "call", "task"], json!({
                "meeting": num_or_null, "email": num_or_null, "call": num_or_null, "task": num_or_null,
            })),
            "median_first_response_hours": num_or_null, "grr": num_or_null, "nrr": num_or_null,
            "expansion_won": num_or_null, "health_change": num_or_null,
            "utilisation": {"type": ["number", "null"], "description": "max(accounts ÷ target accounts, ARR ÷ target ARR), summed over the segments of the book"},
        });
        if with_csm {
            names.insert(0, "csm");
            props["csm"] = json!({"type": "string"});
        }
        object(&names, props)
    };
    s.insert(
        "Team".into(),
        object(
            &["as_of", "period", "compare", "filters", "partial", "currency", "csms", "team_average", "leaderboard", "capacity", "rebalancing", "unassigned", "health_history"],
            json!({
                "as_of": date,
                "period": schema_ref("Period"),
                "compare": {"oneOf": [schema_ref("Period"), {"type": "null"}]},
                "filters": schema_ref("Filters"),
                "partial": partial,
                "currency": schema_ref("Currency"),
                "csms": {"type": "array", "items": per_csm(true)},
                "team_average": per_csm(false),
                "leaderboard": object(&["grr", "expansion_won", "health_change"], json!({
                    "grr": {"type": "array", "items": {"type": "string"}},
                    "expansion_won": {"type": "array", "items": {"type": "string"}},
                    "health_change": {"type": "array", "items": {"type": "string"}},
                })),
                "capacity": {"type": "object", "additionalProperties": object(&["accounts", "arr"], json!({
                    "accounts": {"type": ["integer", "null"], "minimum": 1}, "arr": num_or_null,
                }))},
                "rebalancing": object(&["moves", "short_of_csms"], json!({
                    "moves": {"type": "array", "items": object(
                        &["customer_id", "name", "from", "to", "segment", "arr"],
                        json!({
                            "customer_id": {"type": "string"}, "name": text_or_null, "from": {"type": "string"},
                            "to": {"type": "string"}, "segment": {"type": "string"}, "arr": money,
                        }),
                    )},
                    "short_of_csms": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
                })),
                "unassigned": object(&["accounts", "arr"], json!({"accounts": count, "arr": money})),
                "health_history": {"type": "array", "maxItems": 6, "items": object(&["date", "by_csm", "team"], json!({
                    "date": date,
                    "by_csm": {"type": "object", "additionalProperties": num_or_null},
                    "team": num_or_null,
                }))},
            }),
        ),
    );
    s.insert(
        "SavePlaySummary".into(),
        object(
            &["period", "compare", "filters", "partial", "open", "saved", "lost", "success_rate"],
            json!({
                "period": schema_ref("Period"),
                "compare": {"oneOf": [schema_ref("Period"), {"type": "null"}]},
                "filters": schema_ref("Filters"),
                "partial": partial,
                "open": count, "saved": count, "lost": count,
                "success_rate": {"type": ["number", "null"], "description": "saved ÷ (saved + lost) among plays closed in the period; a saved account that churned within 90 days of the close counts as lost"},
            }),
        ),
    );
    s.insert(
        "Renewals".into(),
        object(
            &["as_of", "period", "compare", "filters", "partial", "currency", "due", "stages", "forecast_rate", "target", "upcoming", "items"],
            json!({
                "as_of": date,
                "period": schema_ref("Period"),
                "compare": {"oneOf": [schema_ref("Period"), {"type": "null"}]},
                "filters": schema_ref("Filters"),
                "partial": partial,
                "currency": schema_ref("Currency"),
                "due": due,
                "stages": object(&stage_names, Value::Object(stage_props)),
                "forecast_rate": {"type": ["number", "null"], "description": "(ARR renewed + ARR on track) ÷ ARR due"},
                "target": {"type": "number"},
                "upcoming": object(&["d0_30", "d31_60", "d61_90"], json!({"d0_30": due, "d31_60": due, "d61_90": due})),
                "items": {"type": "array", "items": object(
                    &["customer_id", "name", "due_date", "arr", "stage", "source", "csm"],
                    json!({
                        "customer_id": {"type": "string"}, "name": text_or_null, "due_date": date,
                        "arr": money, "stage": enum_schema(&stage_names),
                        "source": enum_schema(&["opportunity", "term_end"]), "csm": text_or_null,
                    }),
                )},
            }),
        ),
    );
    s.insert(
        "AccountHealth".into(),
        object(
            &["id", "as_of", "score", "band", "trend", "arr", "components", "history"],
            json!({
                "id": {"type": "string"},
                "as_of": date,
                "score": score,
                "band": band,
                "trend": trend,
                "arr": money,
                "components": {"type": "array", "items": object(&["name", "score", "weight", "contribution", "inputs"], json!({
                    "name": enum_schema(&["payment", "usage", "support", "engagement", "profitability"]),
                    "score": score,
                    "weight": {"type": "number", "description": "share of the score after re-weighting (the weights present sum to 1)"},
                    "contribution": {"type": "number", "description": "score × weight: points added to the total"},
                    "inputs": {"type": "object", "additionalProperties": {"type": "string"}},
                }))},
                "history": {"type": "array", "items": object(&["date", "score"], json!({
                    "date": date, "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                }))},
            }),
        ),
    );
    s
}

/// `/reports/executive.{pdf,xlsx}`: the view's parameters (no endpoint-specific ones).
fn report_op(id: &str, summary: &str, mime: &str) -> Value {
    let mut params = vec![param(
        "range",
        enum_schema(&quarterdeck_app::metrics::query::PRESETS.map(|(name, _)| name)),
        "a preset range; when given, it wins over `from` and `to` (which must still be valid dates)",
    )];
    params.extend(view_params(Vec::new()));
    for p in &mut params {
        // The report's controls: empty dates are the defaults, a reversed range is swapped.
        if p["name"] == "from" || p["name"] == "to" {
            p["schema"] = or_empty(p["schema"].take());
        }
        if p["name"] == "from" {
            p["description"] = json!(
                "first day (default: first of the month of `to`); 1900-01-01 to 2200-12-31; swapped with `to` if later"
            );
        }
    }
    let mut responses = auth_errors("read");
    responses.insert(
        "200".into(),
        json!({
            "description": "the document, as an attachment",
            "headers": {"Content-Disposition": {"required": true, "schema": {"type": "string"}, "description": "attachment; filename=\"<tenant>-executive-report-<from>-to-<to>.<ext>\""}},
            "content": {mime: {"schema": {"type": "string", "format": "binary"}}},
        }),
    );
    responses.insert(
        "400".into(),
        error(
            "a parameter is malformed, unknown or out of range, the report would exceed a limit, or the URL holds a NUL byte",
        ),
    );
    json!({
        "operationId": id,
        "summary": summary,
        "security": [{"bearer": ["read"]}],
        "parameters": params,
        "responses": responses,
    })
}

/// `/api/v1/<collection>`: `POST` (ingest) and `GET` (list).
fn collection_ops(c: Collection) -> Value {
    let slug = c.slug();
    let id = slug.replace('-', "_");
    let row = schema_ref(slug);
    let mut post = auth_errors("ingest");
    post.insert(
        "200".into(),
        json_body("every row stored", schema_ref("Accepted")),
    );
    post.insert(
        "400".into(),
        error("the body is not JSON / NDJSON of the expected shape, or the URL holds a NUL byte; nothing stored"),
    );
    post.insert(
        "413".into(),
        error("over 10,000 rows or 10 MiB; nothing stored"),
    );
    post.insert(
        "422".into(),
        json_body(
            "invalid rows, every problem listed; nothing stored",
            schema_ref("RowErrors"),
        ),
    );
    let mut list = auth_errors("read");
    list.insert(
        "200".into(),
        json_body(
            "stored records, newest first",
            json!({
                "type": "object",
                "required": ["data", "next_cursor"],
                "properties": {
                    "data": {"type": "array", "items": row},
                    "next_cursor": {"type": ["string", "null"], "description": "pass as `cursor` for the next page; null on the last"},
                },
                "additionalProperties": false,
            }),
        ),
    );
    list.insert(
        "400".into(),
        error("`limit` or `cursor` is malformed (`error.param` names it), or the URL holds a NUL byte"),
    );
    json!({
        "post": {
            "operationId": format!("ingest_{id}"),
            "summary": format!("Store a batch of {slug} (atomic, idempotent by key)"),
            "description": "Up to 10,000 rows and 10 MiB. A row whose key is stored already replaces it. \
                            The body is a JSON array of rows, an object {\"data\": [rows]}, or NDJSON \
                            (Content-Type: application/x-ndjson, one row per line).",
            "security": [{"bearer": ["ingest"]}],
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"oneOf": [
                    {"type": "array", "items": row},
                    schema_ref(&format!("{slug}-batch")),
                ]}},
                "application/x-ndjson": {"schema": row, "description": "one row per line"},
            }},
            "responses": post,
        },
        "get": {
            "operationId": format!("list_{id}"),
            "summary": format!("Stored {slug}, newest first"),
            "description": "Other query parameters are ignored.",
            "security": [{"bearer": ["read"]}],
            "parameters": [
                param("limit", json!({"type": "integer", "minimum": 1, "maximum": 1000}), "page size (default 100)"),
                param("cursor", json!({"type": "string"}), "`next_cursor` of the previous page"),
            ],
            "responses": list,
        },
    })
}

/// `/api/v1/<collection>/{id}`: `GET` and `DELETE` one record.
fn record_ops(c: Collection) -> Value {
    let slug = c.slug();
    let id = slug.replace('-', "_");
    let key = match c {
        Collection::FxRates => "the record's key: `CURRENCY|DATE`, e.g. `EUR|2024-02-02`",
        Collection::Datapoints => {
            "the record's key: `kpi|date|dimension` (dimension may be empty), e.g. `cash_balance|2024-02-02|d0`"
        }
        _ => "the record's `id`",
    };
    let params = json!([path_param(
        "id",
        json!({"type": "string", "minLength": 1}),
        key
    )]);
    let missing = format!("no {slug} record with this key in the token's tenant");
    let mut get = auth_errors("read");
    get.insert(
        "200".into(),
        json_body("the record as stored", schema_ref(slug)),
    );
    get.insert("400".into(), nul_400());
    get.insert("404".into(), error(&missing));
    let mut delete = auth_errors("ingest");
    delete.insert("204".into(), json!({"description": "removed"}));
    delete.insert("400".into(), nul_400());
    delete.insert("404".into(), error(&missing));
    json!({
        "parameters": params,
        "get": {
            "operationId": format!("get_{id}"),
            "summary": format!("One stored {slug} record"),
            "security": [{"bearer": ["read"]}],
            "responses": get,
        },
        "delete": {
            "operationId": format!("delete_{id}"),
            "summary": format!("Remove one {slug} record (audit-logged)"),
            "security": [{"bearer": ["ingest"]}],
            "responses": delete,
        },
    })
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let metric_names: Vec<&str> = catalogue::names().collect();
    let interval = |what: &str| {
        param(
            "interval",
            enum_schema(&INTERVALS),
            &format!("{what} (default month)"),
        )
    };
    let ok = |description: &str, schema: &str| json_body(description, schema_ref(schema));
    paths.insert(
        "/api/v1/openapi.json".into(),
        json!({"get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": json_body("the OpenAPI document", json!({"type": "object", "required": ["openapi", "paths"]})),
                "400": nul_400(),
            },
        }}),
    );
    paths.insert(
        "/api/v1/metrics/summary".into(),
        json!({"get": read_op(
            "metrics_summary",
            "Every summary metric with previous value and change",
            view_params(Vec::new()),
            ok("every metric; values are null when undefined", "Summary"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/metrics/series".into(),
        json!({"get": read_op(
            "metrics_series",
            "One metric by bucket",
            view_params(vec![
                json!({"name": "metric", "in": "query", "required": true, "schema": enum_schema(&metric_names), "description": "the metric"}),
                interval("bucket size"),
            ]),
            ok("one point per bucket (at most 1,500)", "Series"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/metrics/movements".into(),
        json!({"get": read_op(
            "metrics_movements",
            "MRR movements by bucket",
            view_params(vec![interval("bucket size")]),
            ok("one entry per bucket (at most 1,500)", "Movements"),
            None,
        )}),
    );
    let mut drilldown = read_op(
        "metrics_movement_customers",
        "The customers behind one movement bar",
        view_params(vec![interval("bucket size")]),
        ok(
            "the bucket holding `date` and its customers",
            "MovementCustomers",
        ),
        None,
    );
    if let Some(p) = drilldown["parameters"].as_array_mut() {
        p.insert(
            0,
            path_param(
                "date",
                date_schema(),
                "a day inside the bucket, which must lie in the period",
            ),
        );
        p.insert(
            1,
            path_param("kind", enum_schema(&MOVEMENT_KINDS), "the movement"),
        );
    }
    paths.insert(
        "/api/v1/metrics/movements/{date}/{kind}".into(),
        json!({"get": drilldown}),
    );
    paths.insert(
        "/api/v1/metrics/cohorts".into(),
        json!({"get": read_op(
            "metrics_cohorts",
            "Cohort retention",
            view_params(vec![
                param("by", enum_schema(&["month", "quarter"]), "cohort size (default month)"),
                param("measure", enum_schema(&["logos", "mrr"]), "what is retained (default logos)"),
            ]),
            ok("one row per cohort starting in the period", "Cohorts"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/metrics/forecast".into(),
        json!({"get": read_op(
            "metrics_forecast",
            "Six-month MRR forecast with its rolling-origin backtest beside the naive forecast's",
            view_params(vec![]),
            ok("the forecast from the twelve whole months ending by `to`", "Forecast"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/metrics/ar-aging".into(),
        json!({"get": read_op(
            "metrics_ar_aging",
            "AR aging buckets",
            view_params(vec![param("as_of", date_schema(), "the day (default: `to`)")]),
            ok("open receivables by age", "ArAging"),
            None,
        )}),
    );
    let sorts: Vec<String> = ACCOUNT_SORTS
        .iter()
        .flat_map(|k| [(*k).to_string(), format!("-{k}")])
        .collect();
    let sorts: Vec<&str> = sorts.iter().map(String::as_str).collect();
    paths.insert(
        "/api/v1/accounts".into(),
        json!({"get": read_op(
            "accounts",
            "Accounts with MRR and ARR",
            view_params(vec![
                param("sort", enum_schema(&sorts), "sort key, `-` for descending (default -mrr)"),
                param("limit", json!({"type": "integer", "minimum": 1, "maximum": 1000}), "page size (default 50)"),
                param("cursor", json!({"type": "string"}), "`next_cursor` of the previous page"),
                param("health", enum_schema(&HEALTH_BANDS), "only accounts of this health band"),
                param("search", json!({"type": "string", "maxLength": quarterdeck_app::metrics::answers::MAX_SEARCH}), "only accounts whose name or id contains this (any case)"),
                param("paying", enum_schema(&["only", "all"]), "`only`: accounts with MRR on `to`; `all` (default): every account"),
            ]),
            ok("one page of accounts as of `to`", "Accounts"),
            None,
        )}),
    );
    let mut account = read_op(
        "account",
        "One account with its MRR history and movements",
        view_params(vec![interval("history bucket size")]),
        ok("the account as of `to`", "AccountDetail"),
        Some("no such account in the token's tenant"),
    );
    if let Some(p) = account["parameters"].as_array_mut() {
        p.insert(
            0,
            path_param(
                "id",
                json!({"type": "string", "minLength": 1}),
                "the customer id",
            ),
        );
    }
    paths.insert("/api/v1/accounts/{id}".into(), json!({"get": account}));
    let as_of = || {
        param(
            "as_of",
            date_schema(),
            "the day (default: `to`; never after today)",
        )
    };
    paths.insert(
        "/api/v1/health".into(),
        json!({"get": read_op(
            "health",
            "Portfolio health: bands, ARR at risk, trends, the most at-risk accounts, by segment and CSM, and the predictive check",
            view_params(vec![as_of()]),
            ok("the portfolio on `as_of`", "Health"),
            None,
        )}),
    );
    let mut account_health = read_op(
        "account_health",
        "One account's health score with its components and history",
        view_params(vec![as_of()]),
        ok("the account's score on `as_of`", "AccountHealth"),
        Some("no such account, or it is not scored (not paying, or no data) on that day"),
    );
    if let Some(p) = account_health["parameters"].as_array_mut() {
        p.insert(
            0,
            path_param(
                "id",
                json!({"type": "string", "minLength": 1}),
                "the customer id",
            ),
        );
    }
    paths.insert(
        "/api/v1/accounts/{id}/health".into(),
        json!({"get": account_health}),
    );
    paths.insert(
        "/api/v1/segments".into(),
        json!({"get": read_op(
            "segments",
            "Segments side by side, then all customers: customers, ARR, average health, GRR and NRR (twelve months to `to`), expansion rate, time to value, tickets",
            view_params(vec![]),
            ok("one row per segment, then `all`", "Segments"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/expansion".into(),
        json!({"get": read_op(
            "expansion",
            "The expansion pipeline: open and weighted value by type and stage, won and lost closing from `from` to `to`, win rate by count and amount, the ten largest open opportunities",
            view_params(vec![]),
            ok("the expansion pipeline", "Expansion"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/renewals".into(),
        json!({"get": read_op(
            "renewals",
            "Renewals due from `from` to `to`: ARR by stage as of `as_of`, the forecast renewal rate against its target, and what falls due in the next 90 days",
            view_params(vec![param("as_of", date_schema(), "the day stages are judged on (default: today)")]),
            ok("the renewals of the window", "Renewals"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/team".into(),
        json!({"get": read_op(
            "team",
            "Each CSM's book beside the team average: accounts, ARR, health, renewals, activities, first response, GRR, NRR, expansion won, utilisation against capacity; the leaderboard and the rebalancing recommendation",
            view_params(vec![]),
            ok("the team", "Team"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/save-plays/summary".into(),
        json!({"get": read_op(
            "save_plays_summary",
            "Save plays open on `to` and closed from `from` to `to`, and the success rate",
            view_params(vec![]),
            ok("the save plays of the period", "SavePlaySummary"),
            None,
        )}),
    );
    paths.insert(
        "/api/v1/reports/executive.pdf".into(),
        json!({"get": report_op("report_pdf", "The executive report of a view, as PDF", "application/pdf")}),
    );
    paths.insert(
        "/api/v1/reports/executive.xlsx".into(),
        json!({"get": report_op(
            "report_xlsx",
            "The executive report of a view, as an Excel workbook",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )}),
    );
    for c in Collection::ALL {
        paths.insert(format!("/api/v1/{}", c.slug()), collection_ops(c));
        paths.insert(format!("/api/v1/{}/{{id}}", c.slug()), record_ops(c));
    }
    let mut schemas = shared_schemas(&metric_names);
    for c in Collection::ALL {
        schemas.insert(c.slug().to_string(), row_schema(c));
        // A named component rather than an inline object: schemathesis 4.32
        // confuses an inline object of a `oneOf` with the rows it holds.
        schemas.insert(
            format!("{}-batch", c.slug()),
            json!({
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": schema_ref(c.slug())}},
                "additionalProperties": false,
            }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Quarterdeck API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Ingestion and metrics. Money is in the tenant's reporting currency, rounded to cents; \
                                 ratios are fractions; undefined values are null. Every operation but this document \
                                 needs a bearer API token with the `read` or `ingest` scope; the tenant is the token's. \
                                 A request still unanswered after 30 s is answered 408."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                "description": "an API token (`quarterdeck token create`); its scopes, `read` and/or `ingest`, are listed per operation"}},
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
    use quarterdeck_app::metrics::limits::{FIRST_DAY, LAST_DAY};

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

    #[test]
    fn conditional_requirements_hold() {
        // A cancellation needs no amount; a start does.
        let mut cancel = example_row(Collection::SubscriptionEvents, 1);
        cancel["type"] = json!("cancel");
        cancel.as_object_mut().unwrap().remove("amount");
        assert!(quarterdeck_domain::parse_record(Collection::SubscriptionEvents, &cancel).is_ok());
        cancel["type"] = json!("start");
        assert!(quarterdeck_domain::parse_record(Collection::SubscriptionEvents, &cancel).is_err());
        assert!(!required(Collection::SubscriptionEvents).contains(&"amount".to_string()));
    }

    #[test]
    fn the_date_pattern_matches_the_limits() {
        // DATE_PATTERN spells out these two days; change both together.
        assert_eq!(FIRST_DAY.to_string(), "1900-01-01");
        assert_eq!(LAST_DAY.to_string(), "2200-12-31");
    }

    #[test]
    fn every_path_parameter_is_declared() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let names: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            for (method, op) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                let declared: Vec<&str> = item["parameters"]
                    .as_array()
                    .into_iter()
                    .chain(op["parameters"].as_array())
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                for n in &names {
                    assert!(declared.contains(n), "{method} {path}: `{n}` undeclared");
                }
                assert_eq!(declared.len(), names.len(), "{method} {path}");
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.contains_key("200") || responses.contains_key("204"),
                    "{method} {path}"
                );
                if op["security"] != json!([]) {
                    assert!(responses.contains_key("401"), "{method} {path}");
                }
            }
        }
        for c in Collection::ALL {
            let item = &doc["paths"][format!("/api/v1/{}/{{id}}", c.slug())];
            assert!(item["get"].is_object() && item["delete"].is_object());
            assert!(doc["paths"][format!("/api/v1/{}", c.slug())]["post"].is_object());
        }
        for p in [
            "/api/v1/reports/executive.pdf",
            "/api/v1/reports/executive.xlsx",
        ] {
            assert!(doc["paths"][p]["get"].is_object(), "{p}");
        }
    }
}
