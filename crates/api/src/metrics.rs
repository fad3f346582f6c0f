//! The metrics and accounts API: parse the query, read the engine, answer.

use crate::ApiError;
use crate::auth::ApiCaller;
use axum::Json;
use axum::extract::{Path, Query, State};
use quarterdeck_app::AppState;
use quarterdeck_app::engines::{EngineRead, TenantEngine};
use quarterdeck_app::metrics::{
    MetricQuery, QueryError, answers, expansion, health, plays, renewals, segments, team,
};
use serde_json::Value;

type Pairs = Query<Vec<(String, String)>>;

/// The endpoint parameters each read endpoint accepts besides range, compare and filters.
const SUMMARY: &[&str] = &[];
const SERIES: &[&str] = &["metric", "interval"];
const MOVEMENTS: &[&str] = &["interval"];
const COHORTS: &[&str] = &["by", "measure"];
const AR_AGING: &[&str] = &["as_of"];
const ACCOUNTS: &[&str] = &["sort", "limit", "cursor", "health", "search", "paying"];
const ACCOUNT: &[&str] = &["interval"];
const HEALTH: &[&str] = &["as_of"];

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        ApiError::BadParameter {
            param: e.param,
            message: e.message,
        }
    }
}

/// Authorises the caller, parses the query in the tenant's calendar and
/// gets the tenant's current engine.
async fn prepare(
    state: &AppState,
    caller: &ApiCaller,
    pairs: &[(String, String)],
    extra: &[&str],
) -> Result<(EngineRead, MetricQuery), ApiError> {
    let tenant_id = caller.can_read()?.0;
    let tenant = state
        .store
        .tenant_by_id(tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("token of missing tenant {tenant_id}")))?;
    let query = MetricQuery::parse(pairs, state.calendar_of(&tenant), extra)?;
    let engine = state.engines.read(&tenant).await?;
    Ok((engine, query))
}

/// Runs an answer off the async threads (it may take tens of milliseconds).
async fn answer<T: Send + 'static>(
    engine: EngineRead,
    query: MetricQuery,
    f: impl FnOnce(&TenantEngine, &MetricQuery) -> Result<T, QueryError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || f(&engine, &query))
        .await
        .map_err(|e| ApiError::Internal(format!("metric computation crashed: {e}")))?
        .map_err(ApiError::from)
}

/// Like `answer`, remembered by the engine until the next write: the key
/// is `name` (which must also name every input besides the engine's data
/// and the query: targets, settings) with the query.
async fn remembered(
    engine: EngineRead,
    query: MetricQuery,
    name: String,
    f: impl FnOnce(&TenantEngine, &MetricQuery) -> Result<Value, QueryError> + Send + 'static,
) -> Result<Value, ApiError> {
    answer(engine, query, move |e, q| {
        let key = format!("{name}:{q:?}");
        (*e.remembered(key, || f(e, q))).clone()
    })
    .await
}

/// `GET /api/v1/metrics/summary`.
pub async fn summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SUMMARY).await?;
    Ok(Json(
        answer(engine, q, |l, q| Ok(answers::summary(l, q))).await?,
    ))
}

/// `GET /api/v1/metrics/forecast`.
pub async fn forecast(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SUMMARY).await?;
    Ok(Json(
        answer(engine, q, |l, q| Ok(answers::forecast(l, q))).await?,
    ))
}

/// `GET /api/v1/metrics/series`.
pub async fn series(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SERIES).await?;
    Ok(Json(answer(engine, q, answers::series).await?))
}

/// `GET /api/v1/metrics/movements`.
pub async fn movements(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, MOVEMENTS).await?;
    Ok(Json(answer(engine, q, answers::movements).await?))
}

/// `GET /api/v1/metrics/movements/{date}/{kind}`.
pub async fn movement_drilldown(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((date, kind)): Path<(String, String)>,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, MOVEMENTS).await?;
    let date = quarterdeck_app::metrics::query::parse_date("date", &date)?;
    let kind = answers::movement_kind(&kind)?;
    Ok(Json(
        answer(engine, q, move |l, q| {
            answers::movement_drilldown(l, q, date, kind)
        })
        .await?,
    ))
}

/// `GET /api/v1/metrics/cohorts`.
pub async fn cohorts(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, COHORTS).await?;
    Ok(Json(answer(engine, q, answers::cohorts).await?))
}

/// `GET /api/v1/metrics/ar-aging`.
pub async fn ar_aging(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, AR_AGING).await?;
    Ok(Json(answer(engine, q, answers::ar_aging).await?))
}

/// `GET /api/v1/accounts`.
pub async fn accounts(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, ACCOUNTS).await?;
    Ok(Json(answer(engine, q, answers::accounts).await?))
}

/// `GET /api/v1/accounts/{id}`.
pub async fn account(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, ACCOUNT).await?;
    let found = answer(engine, q, move |l, q| answers::account(l, q, &id)).await?;
    found
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("no such account".into()))
}

/// `GET /api/v1/health`.
pub async fn health(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, HEALTH).await?;
    // The answer shows the predictive check, which is refreshed in the
    // background without a new data version: its identity is in the key.
    Ok(Json(
        answer(engine, q, |e, q| {
            let key = format!("health:{}:{q:?}", health::check_stamp(e, q));
            (*e.remembered(key, || health::portfolio(e, q))).clone()
        })
        .await?,
    ))
}

/// `GET /api/v1/accounts/{id}/health`.
pub async fn account_health(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, HEALTH).await?;
    let found = answer(engine, q, move |l, q| health::account(l, q, &id)).await?;
    found.map(Json).ok_or_else(|| {
        ApiError::NotFound(
            "no such account, or it is not paying (only paying accounts are scored) on that day"
                .into(),
        )
    })
}

/// `GET /api/v1/renewals`.
pub async fn renewals(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, HEALTH).await?;
    let targets = quarterdeck_app::metrics::targets::TenantTargets::load(
        state.store.as_ref(),
        caller.can_read()?.0,
    )
    .await?;
    let target = renewals::own_target(&targets);
    Ok(Json(
        remembered(engine, q, format!("renewals:{target:?}"), move |e, q| {
            renewals::renewals(e, q, target)
        })
        .await?,
    ))
}

/// `GET /api/v1/expansion`.
pub async fn expansion(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SUMMARY).await?;
    let tenant = caller.can_read()?.0;
    let store = state.store.as_ref();
    let targets = quarterdeck_app::metrics::targets::TenantTargets::load(store, tenant).await?;
    let target = expansion::own_target(&targets);
    let stages = expansion::load_stage_probabilities(store, tenant).await?;
    Ok(Json(
        remembered(
            engine,
            q,
            // Sorted: a HashMap's order differs between requests.
            format!(
                "expansion:{target:?}:{:?}",
                stages.iter().collect::<std::collections::BTreeMap<_, _>>()
            ),
            move |e, q| expansion::expansion(e, q, &stages, target),
        )
        .await?,
    ))
}

/// `GET /api/v1/segments`.
pub async fn segments(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SUMMARY).await?;
    Ok(Json(
        remembered(engine, q, "segments".into(), |e, q| {
            Ok(segments::segments(e, q))
        })
        .await?,
    ))
}

/// `GET /api/v1/team`.
pub async fn team(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SUMMARY).await?;
    let capacity = team::load_capacity(state.store.as_ref(), caller.can_read()?.0).await?;
    Ok(Json(
        remembered(engine, q, format!("team:{capacity:?}"), move |e, q| {
            Ok(team::team(e, q, capacity))
        })
        .await?,
    ))
}

/// `GET /api/v1/save-plays/summary`.
pub async fn save_plays_summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(pairs): Pairs,
) -> Result<Json<Value>, ApiError> {
    let (engine, q) = prepare(&state, &caller, &pairs, SUMMARY).await?;
    Ok(Json(
        remembered(engine, q, "save-plays".into(), |e, q| {
            Ok(plays::summary(e, q))
        })
        .await?,
    ))
}
