//! The parts of the `Store` implementation that are the same on both backends,
//! written once. Queries use `$N` placeholders, which PostgreSQL takes natively
//! and sqlx binds by number on SQLite too; only DDL (migrations), the bulk
//! upsert and the row lock of the job claim differ, and those stay in each
//! backend's module.

/// Implements every capability trait (so `Store`) for `$store`, whose `reader`
/// and `writer` pools may be one pool: one file per capability in `shared/`,
/// with the backend's own items given in the `tenant` (`backend`), `records`
/// (`upsert_records`) and `jobs` (`claim_jobs`) braces.
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod delivery;
pub(crate) mod jobs;
pub(crate) mod records;
pub(crate) mod tenants;

macro_rules! store_impl {
    ($store:ty, $conn:ty, $row:ty, tenant: { $($tenant:tt)* }, records: { $($records:tt)* }, jobs: { $($jobs:tt)* }) => {
        crate::rows::row_readers!($row);

        /// Bumps the tenant's data version inside the caller's transaction.
        async fn bump_version(conn: &mut $conn, tenant: TenantId) -> StoreResult<DataVersion> {
            sqlx::query_scalar(
                "UPDATE tenants SET data_version = data_version + 1 WHERE id = $1 RETURNING data_version",
            )
            .bind(tenant)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant}")))
        }

        impl $store {
            /// `Store::claim_jobs`, with `lock` ending the selection of the jobs to
            /// take: `FOR UPDATE SKIP LOCKED` where writers run concurrently.
            async fn claim_jobs_locking(
                &self,
                lock: &'static str,
                worker: &str,
                kinds: &[&str],
                limit: u32,
                lease: chrono::Duration,
                now: chrono::DateTime<Utc>,
            ) -> StoreResult<Vec<Job>> {
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let stamp = Utc::now();
                let mut tx = self.writer.begin().await?;
                // A worker that keeps dying (e.g. killed by the job itself) must not
                // get the job forever: out of attempts, its lost lease ends the job.
                // MATERIALIZED: an `IN (SELECT … LIMIT … SKIP LOCKED)` that the
                // planner turns into a rescanned join can take more rows than asked.
                let reap = format!(
                    "WITH expired AS MATERIALIZED (SELECT id FROM jobs \
                     WHERE state = 'running' AND locked_until < $1 AND attempts >= max_attempts {lock}) \
                     UPDATE jobs SET state = 'dead', \
                     last_error = 'the lease of ' || locked_by || ' ran out on the last attempt', \
                     locked_by = NULL, locked_until = NULL, updated_at = $2, finished_at = $2 \
                     WHERE id IN (SELECT id FROM expired)"
                );
                sqlx::query(sqlx::AssertSqlSafe(reap))
                    .bind(now)
                    .bind(stamp)
                    .execute(&mut *tx)
                    .await?;
                let kinds_filter = if kinds.is_empty() {
                    String::new()
                } else {
                    let params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 6)).collect();
                    format!("AND kind IN ({})", params.join(", "))
                };
                let claim = format!(
                    "WITH picked AS MATERIALIZED (SELECT id FROM jobs \
                     WHERE ((state IN ('queued', 'failed') AND run_at <= $3) \
                     OR (state = 'running' AND locked_until < $3 AND attempts < max_attempts)) \
                     {kinds_filter} ORDER BY run_at, id LIMIT $4 {lock}) \
                     UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
                     locked_until = $2, updated_at = $5 \
                     WHERE id IN (SELECT id FROM picked) RETURNING *"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(claim))
                    .bind(worker)
                    .bind(now + lease)
                    .bind(now)
                    .bind(i64::from(limit))
                    .bind(stamp);
                for kind in kinds {
                    query = query.bind(*kind);
                }
                let rows = query.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                let mut jobs = rows.iter().map(job_from).collect::<StoreResult<Vec<_>>>()?;
                // RETURNING follows no order: hand them out in the order they were due.
                jobs.sort_by_key(|j| (j.run_at, j.id));
                Ok(jobs)
            }
        }

        crate::shared::tenants::tenant_impl!($store, $conn, $row, { $($tenant)* });

        crate::shared::records::records_impl!($store, $conn, $row, { $($records)* });

        crate::shared::auth::auth_impl!($store, $conn, $row);

        crate::shared::delivery::delivery_impl!($store, $conn, $row);

        crate::shared::audit::audit_impl!($store, $conn, $row);

        crate::shared::jobs::jobs_impl!($store, $conn, $row, { $($jobs)* });

    };
}
pub(crate) use store_impl;
