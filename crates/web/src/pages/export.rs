//! Downloads of what a page shows: CSV that states its period, comparison
//! and filters on its first lines, and the page's JSON twin. Exports are
//! audit-logged.

use super::view::View;
use crate::PageError;
use crate::WebApp;
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use quarterdeck_app::audit;
use quarterdeck_render::CellValue;
use quarterdeck_render::csv_cell::safe_record;
use serde_json::Value;

/// A table to export: column names and rows of typed cells. CSV writes the
/// cells as machine values (decimals, ISO dates); the PDF and the workbook
/// format them.
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<CellValue>>,
}

/// A cell as CSV writes it: the exact value, no formatting.
fn raw(cell: &CellValue) -> String {
    match cell {
        CellValue::Text(t) => t.clone(),
        CellValue::Money(v) | CellValue::Ratio(v) | CellValue::Number(v) | CellValue::Points(v) => {
            v.to_string()
        }
        CellValue::Count(n) => n.to_string(),
        CellValue::Date(d) => d.to_string(),
        CellValue::Empty => String::new(),
    }
}

/// A column name as people read it: `days_past_due` → "Days past due".
pub fn heading(column: &str) -> String {
    let words: Vec<String> = column
        .split('_')
        .enumerate()
        .map(|(i, w)| match w {
            "mrr" | "arr" | "id" | "csm" => w.to_uppercase(),
            _ if i == 0 => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            _ => w.to_string(),
        })
        .collect();
    words.join(" ")
}

/// The CSV download of `table`, after checking the viewer may export.
pub async fn csv(state: &WebApp, view: &View, table: Table) -> Result<Response, PageError> {
    view.grant_export()?;
    // The context lines have two fields and the table more: flexible.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| PageError::Internal(e.to_string());
    let c = &view.controls;
    let compare = view
        .query
        .comparison()
        .map_or("none".to_string(), |p| format!("{} to {}", p.from, p.to));
    // Context first, so a file found later still says what it covers.
    for (k, v) in [
        ("tenant", view.tenant.name.clone()),
        ("period", format!("{} to {}", c.from, c.to)),
        ("compare", compare),
        ("filters", c.filters_label()),
        ("currency", view.currency.clone()),
        ("generated_at", chrono::Utc::now().to_rfc3339()),
    ] {
        out.write_record(safe_record([format!("# {k}"), v]))
            .map_err(fail)?;
    }
    // Tenant, customer and segment names are other people's text: no cell
    // may start a spreadsheet formula (numbers stay numbers).
    out.write_record(safe_record(&table.columns))
        .map_err(fail)?;
    for row in &table.rows {
        let row: Vec<String> = row.iter().map(raw).collect();
        out.write_record(safe_record(&row)).map_err(fail)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    audit::record(
        state.store.as_ref(),
        Some(view.tenant.id),
        &view.actor,
        "export.csv",
        Some(view.path.to_string()),
        Some(c.href_same_page(view.path, &[])),
    )
    .await?;
    let filename = format!(
        "{}-{}-{}-to-{}.csv",
        view.tenant.slug, table.name, c.from, c.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The JSON twin of a page: the metric answers it was drawn from.
pub fn json(value: Value) -> Response {
    Json(value).into_response()
}
