//! Background work through the store's durable job queue: typed job kinds
//! (`kinds`), a registry that maps each kind to the handler that runs it (the
//! delivery crate registers alert, webhook and digest handlers), and a worker
//! that claims and runs jobs. Every replica runs a worker; the queue's leases
//! and idempotency keys make each job run once.

pub mod kinds;

use crate::AppState;
use chrono::{Duration, Utc};
use quarterdeck_store::{Job, NewJob, Store, StoreResult, TenantId, backoff};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::Notify;

/// Attempts before a job is given up.
const MAX_ATTEMPTS: i32 = 6;

/// Wakes the local worker when a job is queued here.
pub static WAKE: std::sync::LazyLock<Arc<Notify>> =
    std::sync::LazyLock::new(|| Arc::new(Notify::new()));

/// A kind of job: its payload type and the name it is stored under.
pub trait JobKind: Serialize + DeserializeOwned + Send + 'static {
    /// The kind's name in the queue (stable: stored jobs carry it).
    const KIND: &'static str;
}

/// Queues a job unless its idempotency key was queued before.
pub async fn enqueue<K: JobKind>(
    store: &dyn Store,
    tenant: Option<TenantId>,
    payload: &K,
    key: &str,
) -> StoreResult<Option<i64>> {
    let payload = serde_json::to_string(payload)
        .map_err(|e| quarterdeck_store::StoreError::Corrupt(format!("job payload: {e}")))?;
    let id = store
        .enqueue_job(&NewJob {
            tenant_id: tenant,
            kind: K::KIND.to_string(),
            payload,
            idempotency_key: key.to_string(),
            run_at: Utc::now(),
            max_attempts: MAX_ATTEMPTS,
        })
        .await?;
    if id.is_some() {
        WAKE.notify_one();
    }
    Ok(id)
}

/// Why a job did not complete: worth another attempt, or never going to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// A passing failure (a server refused, a store hiccup): retried with backoff.
    Retry(String),
    /// It cannot succeed as things stand (no SMTP server, a malformed payload,
    /// a tenant gone): failed once, with the reason, instead of six retries.
    Never(String),
}

impl JobError {
    /// The reason, for the job list.
    pub fn message(&self) -> &str {
        match self {
            JobError::Retry(m) | JobError::Never(m) => m,
        }
    }
}

impl From<String> for JobError {
    fn from(m: String) -> Self {
        JobError::Retry(m)
    }
}

impl From<&str> for JobError {
    fn from(m: &str) -> Self {
        JobError::Retry(m.to_string())
    }
}

/// What a job needing email says when the workspace has no SMTP server.
pub const NO_SMTP: &str =
    "no SMTP server is configured (Alert rules page, or the server's --smtp-host)";

/// What a handler returns: the job's outcome, later.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

type Handler = Box<dyn Fn(AppState, &Job) -> JobFuture + Send + Sync>;

/// Which handler runs each kind of job.
#[derive(Default)]
pub struct JobRegistry {
    handlers: BTreeMap<&'static str, Handler>,
}

impl JobRegistry {
    /// No kinds yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of kind `K` with `handler` (given the state, the decoded
    /// payload and the job); a payload that does not decode fails once.
    pub fn register<K: JobKind>(
        &mut self,
        handler: impl Fn(AppState, K, Job) -> JobFuture + Send + Sync + 'static,
    ) -> &mut Self {
        let run = move |state: AppState, job: &Job| -> JobFuture {
            match serde_json::from_str::<K>(&job.payload) {
                Ok(payload) => handler(state, payload, job.clone()),
                Err(e) => {
                    let e = JobError::Never(format!("payload: {e}"));
                    Box::pin(async move { Err(e) })
                }
            }
        };
        self.handlers.insert(K::KIND, Box::new(run));
        self
    }

    /// The kinds this registry runs.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.handlers.keys().copied()
    }

    /// Runs one job; a `Retry` error makes it retry later, `Never` ends it.
    pub async fn run(&self, state: &AppState, job: &Job) -> Result<(), JobError> {
        match self.handlers.get(job.kind.as_str()) {
            Some(handler) => handler(state.clone(), job).await,
            None => Err(JobError::Never(format!("unknown job kind `{}`", job.kind))),
        }
    }

    /// Adds the test-only `test.sleep` kind (the crash-recovery test).
    pub fn with_test_jobs(&mut self) -> &mut Self {
        self.register(|_, p: kinds::TestSleep, job| Box::pin(kinds::test_sleep(p, job)))
    }
}

/// How long a claimed job is ours before another worker may take it over.
fn lease() -> Duration {
    std::env::var("QUARTERDECK_JOB_LEASE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::minutes(5), Duration::seconds)
}

/// This process's name in job leases.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Claims and runs jobs until the process stops.
pub async fn run_worker(state: AppState, registry: Arc<JobRegistry>) {
    let name = worker_name();
    loop {
        let claimed = state
            .store
            .claim_jobs(&name, &[], 4, lease(), Utc::now())
            .await;
        let jobs = match claimed {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim jobs");
                Vec::new()
            }
        };
        if jobs.is_empty() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), WAKE.notified()).await;
            continue;
        }
        for job in jobs {
            let outcome = registry.run(&state, &job).await;
            let recorded = match &outcome {
                Ok(()) => state.store.complete_job(job.id, &name).await,
                Err(e) => {
                    let never = matches!(e, JobError::Never(_));
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = e.message(), never, "job failed");
                    let delay = state.job_retry.unwrap_or_else(|| backoff(job.attempts));
                    let retry =
                        (!never && job.attempts < job.max_attempts).then(|| Utc::now() + delay);
                    state
                        .store
                        .fail_job(job.id, &name, e.message(), retry)
                        .await
                }
            };
            if let Err(e) = recorded {
                tracing::warn!(job = job.id, error = %e, "could not record a job's outcome");
            }
        }
    }
}

/// The tenant a job names, or why it cannot run.
pub async fn tenant_of(
    state: &AppState,
    id: TenantId,
) -> Result<quarterdeck_store::Tenant, JobError> {
    state
        .store
        .tenant_by_id(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| JobError::Never(format!("tenant {id} no longer exists")))
}

/// A Message-ID derived from a job's idempotency key (the same job, the same id).
pub fn message_id(key: &str) -> String {
    format!(
        "<{}@quarterdeck>",
        &crate::credentials::hash_token(key)[..32]
    )
}
