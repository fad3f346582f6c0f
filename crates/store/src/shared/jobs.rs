//! The job queue: the `JobStore` implementation shared by both backends.

/// Implements `JobStore` for `$store` (inside `store_impl!`, whose row readers it uses).
macro_rules! jobs_impl {
    ($store:ty, $conn:ty, $row:ty, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl crate::JobStore for $store {
            $($specific)*

            async fn enqueue_job(&self, job: &NewJob) -> StoreResult<Option<i64>> {
                let now = Utc::now();
                Ok(sqlx::query_scalar(
                    "INSERT INTO jobs (tenant_id, kind, payload, idempotency_key, state, attempts, \
                     max_attempts, run_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7) \
                     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                )
                .bind(job.tenant_id)
                .bind(&job.kind)
                .bind(&job.payload)
                .bind(&job.idempotency_key)
                .bind(job.max_attempts)
                .bind(job.run_at)
                .bind(now)
                .fetch_optional(&self.writer)
                .await?)
            }

            async fn complete_job(&self, id: i64, worker: &str) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, \
                     updated_at = $1, finished_at = $1 \
                     WHERE id = $2 AND state = 'running' AND locked_by = $3",
                )
                .bind(Utc::now())
                .bind(id)
                .bind(worker)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn fail_job(
                &self,
                id: i64,
                worker: &str,
                error: &str,
                retry_at: Option<chrono::DateTime<Utc>>,
            ) -> StoreResult<bool> {
                // One statement decides retry or death from the stored attempts,
                // so it cannot race with another writer.
                let done = sqlx::query(
                    "UPDATE jobs SET \
                     state = CASE WHEN $1 IS NOT NULL AND attempts < max_attempts THEN 'failed' ELSE 'dead' END, \
                     run_at = CASE WHEN $1 IS NOT NULL AND attempts < max_attempts THEN $1 ELSE run_at END, \
                     finished_at = CASE WHEN $1 IS NOT NULL AND attempts < max_attempts THEN NULL ELSE $2 END, \
                     last_error = $3, locked_by = NULL, locked_until = NULL, updated_at = $2 \
                     WHERE id = $4 AND state = 'running' AND locked_by = $5",
                )
                .bind(retry_at)
                .bind(Utc::now())
                .bind(error)
                .bind(id)
                .bind(worker)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_jobs(&self, tenant: Option<TenantId>, limit: u32) -> StoreResult<Vec<Job>> {
                let rows = match tenant {
                    Some(tenant) => {
                        sqlx::query("SELECT * FROM jobs WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2")
                            .bind(tenant)
                            .bind(i64::from(limit))
                            .fetch_all(&self.reader)
                            .await?
                    }
                    None => sqlx::query("SELECT * FROM jobs ORDER BY id DESC LIMIT $1")
                        .bind(i64::from(limit))
                        .fetch_all(&self.reader)
                        .await?,
                };
                rows.iter().map(job_from).collect()
            }

            async fn job_by_key(&self, key: &str) -> StoreResult<Option<Job>> {
                let row = sqlx::query("SELECT * FROM jobs WHERE idempotency_key = $1")
                    .bind(key)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(job_from).transpose()
            }
        }
    };
}
pub(crate) use jobs_impl;
