//! The executive report (PDF) and workbook (XLSX) of a view, for members
//! who may export and for API tokens: the same query the pages answer.

use super::Pairs;
use super::controls::{Controls, period_label};
use super::export::{self, Table};
use super::view::{Audience, PageSpec, View};
use crate::{PageError, Viewer, WebApp};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use quarterdeck_api::ApiError;
use quarterdeck_api::auth::ApiCaller;
use quarterdeck_app::audit;
use quarterdeck_app::metrics::MetricQuery;
use quarterdeck_app::metrics::answers;
use quarterdeck_app::report::{Labels, model};
use quarterdeck_domain::Permission;
use quarterdeck_render::{CellValue, ReportModel, ReportTable};

/// The executive report of a view (PDF and workbook).
pub const REPORT: PageSpec = PageSpec {
    path: "/",
    title: "Report",
    nav: "",
    permission: Permission::ViewSummary,
    extra: &[],
    twin: "",
    kpis: &[],
};

/// The report labels of a page's controls.
pub fn labels_of(controls: &Controls, q: &MetricQuery) -> Labels {
    Labels {
        period: controls.period_label(),
        comparison: q.comparison().map(|p| period_label(p.from, p.to)),
        filters: controls.filters_label(),
    }
}

/// Which document to make.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Pdf,
    Xlsx,
}

async fn document(state: &WebApp, view: View, kind: Kind) -> Result<Response, PageError> {
    let labels = labels_of(&view.controls, &view.query);
    let (view, bytes) = super::blocking(view, move |v| {
        let model = model(
            v.engine(),
            &v.tenant.name,
            &v.currency,
            &v.query,
            labels,
            &v.targets,
        )
        .map_err(PageError::from)?;
        write(&model, kind)
    })
    .await?;
    respond(
        state,
        view,
        bytes?,
        kind,
        "executive-report",
        "executive report",
    )
    .await
}

/// The model as PDF or workbook bytes.
fn write(model: &ReportModel, kind: Kind) -> Result<Vec<u8>, PageError> {
    match kind {
        Kind::Pdf => quarterdeck_render::pdf::executive_pdf(model),
        Kind::Xlsx => quarterdeck_render::xlsx::workbook(model),
    }
    .map_err(PageError::Internal)
}

/// A dashboard page as a document: its title (or `title`, e.g. the
/// movement a drill-down lists), period, KPI cards (with the statuses the
/// page gives them) and its table, formatted for people: segment, region,
/// plan and CSM codes in words.
pub async fn page_document(
    state: &WebApp,
    mut view: View,
    spec: &PageSpec,
    mut table: Table,
    kind: Kind,
    title: Option<String>,
) -> Result<Response, PageError> {
    view.grant_export()?;
    let kpis = spec.kpis;
    // Pages without summary cards need no second engine read.
    if !kpis.is_empty() {
        view.reacquire_engine(state).await?;
    }
    let labels = labels_of(&view.controls, &view.query);
    let title = title.unwrap_or_else(|| spec.title.to_string());
    for (c, column) in table.columns.iter().enumerate() {
        if quarterdeck_app::metrics::query::FILTERS.contains(&column.as_str()) {
            for row in &mut table.rows {
                if let Some(CellValue::Text(v)) = row.get_mut(c) {
                    *v = quarterdeck_engine::filter::human(column, v);
                }
            }
        }
    }
    let heading = title.clone();
    let (view, bytes) = super::blocking(view, move |v| {
        let cards = if kpis.is_empty() {
            Vec::new()
        } else {
            let summary = answers::summary_of(v.engine(), &v.query);
            quarterdeck_app::report::kpis(&summary, &v.currency, kpis, &v.targets)
        };
        let model = ReportModel {
            tenant_name: v.tenant.name.clone(),
            title: heading.clone(),
            period: labels.period,
            comparison: labels.comparison,
            filters: labels.filters,
            currency: v.currency.clone(),
            generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            kpis: cards,
            charts: Vec::new(),
            tables: vec![ReportTable {
                title: heading,
                columns: table.columns.iter().map(|c| export::heading(c)).collect(),
                rows: table.rows,
            }],
        };
        write(&model, kind)
    })
    .await?;
    let name = title.to_lowercase().replace(' ', "-");
    respond(state, view, bytes?, kind, &name, &title).await
}

/// The download of a document, audit-logged.
async fn respond(
    state: &WebApp,
    view: View,
    bytes: Vec<u8>,
    kind: Kind,
    file_stem: &str,
    what: &str,
) -> Result<Response, PageError> {
    let (ext, mime) = match kind {
        Kind::Pdf => ("pdf", "application/pdf"),
        Kind::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    audit::record(
        state.store.as_ref(),
        Some(view.tenant.id),
        &view.actor,
        &format!("export.{ext}"),
        Some(what.to_string()),
        Some(view.controls.href_same_page(view.path, &[])),
    )
    .await?;
    let c = &view.controls;
    let filename = format!(
        "{}-{file_stem}-{}-to-{}.{ext}",
        view.tenant.slug, c.from, c.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /report.pdf` and `/report.xlsx` for signed-in members who may export.
pub async fn member(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
    kind: Kind,
) -> Result<Response, PageError> {
    viewer.grant(Permission::Export)?;
    let view = View::open(state, Audience::Member(viewer), &REPORT, pairs).await?;
    document(state, view, kind).await
}

/// `GET /report.pdf`.
pub async fn pdf(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    member(&state, viewer, pairs, Kind::Pdf).await
}

/// `GET /report.xlsx`.
pub async fn xlsx(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    member(&state, viewer, pairs, Kind::Xlsx).await
}

/// The report of a view for an API token with the `read` scope.
async fn api(
    state: &WebApp,
    caller: ApiCaller,
    pairs: Vec<(String, String)>,
    kind: Kind,
) -> Result<Response, ApiError> {
    let tenant_id = caller.can_read()?.0;
    let tenant = state
        .store
        .tenant_by_id(tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("token of missing tenant {tenant_id}")))?;
    let audience = Audience::Shared {
        tenant,
        expires: String::new(),
    };
    let mut view = View::open(state, audience, &REPORT, pairs)
        .await
        .map_err(api_error)?;
    view.actor = audit::Actor {
        name: "api".into(),
        ip: None,
    };
    document(state, view, kind).await.map_err(api_error)
}

/// A page's refusal as the API words it.
fn api_error(e: PageError) -> ApiError {
    match e {
        PageError::BadRequest(m) => ApiError::BadRequest(m),
        other => ApiError::Internal(other.to_string()),
    }
}

/// `GET /api/v1/reports/executive.pdf`: the executive report of a view.
pub async fn api_pdf(
    State(state): State<WebApp>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Response, ApiError> {
    api(&state, caller, pairs, Kind::Pdf).await
}

/// `GET /api/v1/reports/executive.xlsx`: the workbook of a view.
pub async fn api_xlsx(
    State(state): State<WebApp>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Response, ApiError> {
    api(&state, caller, pairs, Kind::Xlsx).await
}
