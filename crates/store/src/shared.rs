//! The parts of the `Store` implementation that are the same on both backends,
//! written once. Queries use `$N` placeholders, which PostgreSQL takes natively
//! and sqlx binds by number on SQLite too; only DDL (migrations), the bulk
//! upsert and the row lock of the job claim differ, and those stay in each
//! backend's module.

/// Implements `Store` for `$store` (whose `reader` and `writer` pools may be one
/// pool), with the backend's own items (`backend`, `upsert_records`, `claim_jobs`)
/// given in braces.
macro_rules! store_impl {
    ($store:ty, $conn:ty, $row:ty, { $($specific:tt)* }) => {
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

        #[async_trait::async_trait]
        impl crate::Store for $store {
            $($specific)*

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.reader).await?;
                Ok(())
            }

            async fn create_tenant(&self, t: &NewTenant) -> StoreResult<Tenant> {
                let row = sqlx::query(
                    "INSERT INTO tenants (slug, name, currency, timezone, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING *",
                )
                .bind(&t.slug)
                .bind(&t.name)
                .bind(t.currency.code())
                .bind(&t.timezone)
                .bind(Utc::now())
                .fetch_one(&self.writer)
                .await
                .map_err(|e| StoreError::unique(e, format!("tenant `{}`", t.slug)))?;
                tenant_from(&row)
            }

            async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
                let row = sqlx::query("SELECT * FROM tenants WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(tenant_from).transpose()
            }

            async fn tenant_by_id(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
                let row = sqlx::query("SELECT * FROM tenants WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(tenant_from).transpose()
            }

            async fn update_tenant(&self, id: TenantId, u: &TenantUpdate) -> StoreResult<Tenant> {
                let row = sqlx::query(
                    "UPDATE tenants SET name = $1, currency = $2, timezone = $3, fiscal_year_start = $4, \
                     settings = $5, data_version = data_version + 1 WHERE id = $6 RETURNING *",
                )
                .bind(&u.name)
                .bind(u.currency.code())
                .bind(&u.timezone)
                .bind(u.fiscal_year_start as i32)
                .bind(u.options.to_json())
                .bind(id)
                .fetch_optional(&self.writer)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("tenant {id}")))?;
                tenant_from(&row)
            }

            async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
                let rows = sqlx::query("SELECT * FROM tenants ORDER BY id")
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(tenant_from).collect()
            }

            async fn create_token(&self, t: &NewApiToken) -> StoreResult<ApiToken> {
                let row = sqlx::query(
                    "INSERT INTO api_tokens (tenant_id, name, prefix, secret_hash, scopes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
                )
                .bind(t.tenant_id)
                .bind(&t.name)
                .bind(&t.prefix)
                .bind(&t.secret_hash)
                .bind(scopes_to_text(&t.scopes))
                .bind(Utc::now())
                .fetch_one(&self.writer)
                .await
                .map_err(|e| StoreError::unique(e, "token"))?;
                token_from(&row)
            }

            async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>> {
                let row =
                    sqlx::query("SELECT * FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL")
                        .bind(secret_hash)
                        .fetch_optional(&self.reader)
                        .await?;
                row.as_ref().map(token_from).transpose()
            }

            async fn upsert_user_membership(&self, u: &NewUser) -> StoreResult<UserId> {
                let mut tx = self.writer.begin().await?;
                let now = Utc::now();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id",
                )
                .bind(&u.email)
                .bind(&u.password_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role",
                )
                .bind(u.tenant_id)
                .bind(id)
                .bind(u.role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn get_record(
                &self,
                tenant: TenantId,
                collection: Collection,
                key: &str,
            ) -> StoreResult<Option<StoredRecord>> {
                let row = sqlx::query(
                    "SELECT key, body, seq, received_at FROM records \
                     WHERE tenant_id = $1 AND collection = $2 AND key = $3",
                )
                .bind(tenant)
                .bind(collection.slug())
                .bind(key)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(record_from).transpose()
            }

            async fn list_records(
                &self,
                tenant: TenantId,
                collection: Collection,
                limit: u32,
                before: Option<i64>,
            ) -> StoreResult<Vec<StoredRecord>> {
                let rows = sqlx::query(
                    "SELECT key, body, seq, received_at FROM records \
                     WHERE tenant_id = $1 AND collection = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4",
                )
                .bind(tenant)
                .bind(collection.slug())
                .bind(before.unwrap_or(i64::MAX))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(record_from).collect()
            }

            async fn delete_record(
                &self,
                tenant: TenantId,
                collection: Collection,
                key: &str,
            ) -> StoreResult<Option<DataVersion>> {
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query(
                    "DELETE FROM records WHERE tenant_id = $1 AND collection = $2 AND key = $3",
                )
                .bind(tenant)
                .bind(collection.slug())
                .bind(key)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                let version = bump_version(&mut tx, tenant).await?;
                tx.commit().await?;
                Ok(Some(version))
            }

            async fn data_version(&self, tenant: TenantId) -> StoreResult<DataVersion> {
                sqlx::query_scalar("SELECT data_version FROM tenants WHERE id = $1")
                    .bind(tenant)
                    .fetch_optional(&self.reader)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant}")))
            }

            async fn bodies_after(
                &self,
                tenant: TenantId,
                collection: Collection,
                after: i64,
                limit: u32,
            ) -> StoreResult<Vec<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT seq, body FROM records WHERE tenant_id = $1 AND collection = $2 \
                     AND seq > $3 ORDER BY seq LIMIT $4",
                )
                .bind(tenant)
                .bind(collection.slug())
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?)
            }

            async fn delete_all_records(&self, tenant: TenantId) -> StoreResult<u64> {
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query("DELETE FROM records WHERE tenant_id = $1")
                    .bind(tenant)
                    .execute(&mut *tx)
                    .await?;
                bump_version(&mut tx, tenant).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn count_records(&self, tenant: TenantId, collection: Collection) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM records WHERE tenant_id = $1 AND collection = $2",
                )
                .bind(tenant)
                .bind(collection.slug())
                .fetch_one(&self.reader)
                .await?;
                Ok(n as u64)
            }

            async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
                let rows = sqlx::query("SELECT * FROM api_tokens WHERE tenant_id = $1 ORDER BY id DESC")
                    .bind(tenant)
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(token_from).collect()
            }

            async fn revoke_token(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 \
                     WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL",
                )
                .bind(Utc::now())
                .bind(tenant)
                .bind(id)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn touch_token(&self, id: i64, at: chrono::DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserAuth>> {
                let row = sqlx::query("SELECT * FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(user_from).transpose()
            }

            async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserAuth>> {
                let row = sqlx::query("SELECT * FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(user_from).transpose()
            }

            async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>> {
                let row = sqlx::query(
                    "SELECT m.user_id, u.email, m.role, m.csm, u.totp_secret, m.created_at \
                     FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE m.tenant_id = $1 AND m.user_id = $2",
                )
                .bind(tenant)
                .bind(user)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(membership_from).transpose()
            }

            async fn list_members(&self, tenant: TenantId) -> StoreResult<Vec<Membership>> {
                let rows = sqlx::query(
                    "SELECT m.user_id, u.email, m.role, m.csm, u.totp_secret, m.created_at \
                     FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE m.tenant_id = $1 ORDER BY u.email",
                )
                .bind(tenant)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(membership_from).collect()
            }

            async fn set_membership(
                &self,
                tenant: TenantId,
                user: UserId,
                role: Role,
                csm: Option<&str>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO memberships (tenant_id, user_id, role, csm, created_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role, csm = EXCLUDED.csm",
                )
                .bind(tenant)
                .bind(user)
                .bind(role.as_str())
                .bind(csm)
                .bind(Utc::now())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn claim_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET totp_last_step = $1 \
                     WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
                )
                .bind(step)
                .bind(user)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn membership_count(&self, user: UserId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1")
                    .bind(user)
                    .fetch_one(&self.reader)
                    .await?)
            }

            async fn remove_membership(&self, tenant: TenantId, user: UserId) -> StoreResult<bool> {
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
                    .bind(tenant)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
                    .bind(tenant)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<UserId> {
                sqlx::query_scalar(
                    "INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(email)
                .bind(password_hash)
                .bind(Utc::now())
                .fetch_one(&self.writer)
                .await
                .map_err(|e| StoreError::unique(e, format!("user `{email}`")))
            }

            async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()> {
                let mut tx = self.writer.begin().await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_mfa(
                &self,
                user: UserId,
                secret: Option<&str>,
                recovery_hashes: &[String],
            ) -> StoreResult<()> {
                let mut tx = self.writer.begin().await?;
                let enabled_at = secret.map(|_| Utc::now());
                sqlx::query("UPDATE users SET totp_secret = $1, mfa_enabled_at = $2 WHERE id = $3")
                    .bind(secret)
                    .bind(enabled_at)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                for hash in recovery_hashes {
                    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                        .bind(user)
                        .bind(hash)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $1 \
                     WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(Utc::now())
                .bind(user)
                .bind(code_hash)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn recovery_codes_left(&self, user: UserId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                )
                .bind(user)
                .fetch_one(&self.reader)
                .await?)
            }

            async fn create_session(&self, s: &NewSession) -> StoreResult<()> {
                let now = Utc::now();
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, tenant_id, csrf, ip, created_at, last_seen_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&s.id_hash)
                .bind(s.user_id)
                .bind(s.tenant_id)
                .bind(&s.csrf)
                .bind(&s.ip)
                .bind(now)
                .bind(now)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn session_by_hash(&self, id_hash: &str) -> StoreResult<Option<Session>> {
                let row = sqlx::query("SELECT * FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(session_from).transpose()
            }

            async fn touch_session(&self, id_hash: &str, at: chrono::DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(at)
                    .bind(id_hash)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn create_user_link(&self, l: &UserLink) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO user_links (token_hash, tenant_id, kind, email, role, csm, created_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&l.token_hash)
                .bind(l.tenant_id)
                .bind(l.kind.as_str())
                .bind(&l.email)
                .bind(l.role.as_str())
                .bind(&l.csm)
                .bind(&l.created_by)
                .bind(Utc::now())
                .bind(l.expires_at)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn user_link(&self, token_hash: &str) -> StoreResult<Option<UserLink>> {
                let row = sqlx::query("SELECT * FROM user_links WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(link_from).transpose()
            }

            async fn spend_user_link(&self, token_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE user_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                )
                .bind(Utc::now())
                .bind(token_hash)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_share(&self, sh: &NewShareLink) -> StoreResult<ShareLink> {
                let row = sqlx::query(
                    "INSERT INTO share_links (tenant_id, token_hash, prefix, view, password_hash, \
                     created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
                )
                .bind(sh.tenant_id)
                .bind(&sh.token_hash)
                .bind(&sh.prefix)
                .bind(&sh.view)
                .bind(&sh.password_hash)
                .bind(&sh.created_by)
                .bind(Utc::now())
                .bind(sh.expires_at)
                .fetch_one(&self.writer)
                .await?;
                share_from(&row)
            }

            async fn share_by_hash(&self, token_hash: &str) -> StoreResult<Option<ShareLink>> {
                let row = sqlx::query("SELECT * FROM share_links WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(share_from).transpose()
            }

            async fn list_shares(&self, tenant: TenantId) -> StoreResult<Vec<ShareLink>> {
                let rows = sqlx::query("SELECT * FROM share_links WHERE tenant_id = $1 ORDER BY id DESC")
                    .bind(tenant)
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(share_from).collect()
            }

            async fn revoke_share(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE share_links SET revoked_at = $1 \
                     WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL",
                )
                .bind(Utc::now())
                .bind(tenant)
                .bind(id)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn touch_share(&self, id: i64, at: chrono::DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE share_links SET last_used_at = $1, uses = uses + 1 WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn server_key(&self, name: &str, fresh: &str) -> StoreResult<String> {
                sqlx::query("INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(fresh)
                    .execute(&self.writer)
                    .await?;
                Ok(sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1")
                    .bind(name)
                    .fetch_one(&self.writer)
                    .await?)
            }

            async fn get_config(&self, tenant: TenantId, name: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM tenant_config WHERE tenant_id = $1 AND name = $2")
                    .bind(tenant)
                    .bind(name)
                    .fetch_optional(&self.reader)
                    .await?)
            }

            async fn set_config(&self, tenant: TenantId, name: &str, value: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO tenant_config (tenant_id, name, value, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (tenant_id, name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
                )
                .bind(tenant)
                .bind(name)
                .bind(value)
                .bind(Utc::now())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn replace_config(
                &self,
                tenant: TenantId,
                name: &str,
                expected: Option<&str>,
                value: &str,
            ) -> StoreResult<bool> {
                let done = match expected {
                    None => sqlx::query(
                        "INSERT INTO tenant_config (tenant_id, name, value, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (tenant_id, name) DO NOTHING",
                    )
                    .bind(tenant)
                    .bind(name)
                    .bind(value)
                    .bind(Utc::now())
                    .execute(&self.writer)
                    .await?,
                    Some(old) => sqlx::query(
                        "UPDATE tenant_config SET value = $1, updated_at = $2 \
                         WHERE tenant_id = $3 AND name = $4 AND value = $5",
                    )
                    .bind(value)
                    .bind(Utc::now())
                    .bind(tenant)
                    .bind(name)
                    .bind(old)
                    .execute(&self.writer)
                    .await?,
                };
                Ok(done.rows_affected() == 1)
            }

            async fn open_alert(&self, a: &NewAlert) -> StoreResult<Option<Alert>> {
                let row = sqlx::query(
                    "INSERT INTO alerts (tenant_id, key, rule, severity, title, detail, state, opened_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) \
                     ON CONFLICT (tenant_id, key) WHERE state <> 'resolved' DO NOTHING RETURNING *",
                )
                .bind(a.tenant_id)
                .bind(&a.key)
                .bind(&a.rule)
                .bind(&a.severity)
                .bind(&a.title)
                .bind(&a.detail)
                .bind(Utc::now())
                .fetch_optional(&self.writer)
                .await?;
                row.as_ref().map(alert_from).transpose()
            }

            async fn list_alerts(&self, tenant: TenantId, open_only: bool, limit: u32) -> StoreResult<Vec<Alert>> {
                let sql = if open_only {
                    "SELECT * FROM alerts WHERE tenant_id = $1 AND state <> 'resolved' ORDER BY id DESC LIMIT $2"
                } else {
                    "SELECT * FROM alerts WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2"
                };
                let rows = sqlx::query(sql)
                    .bind(tenant)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(alert_from).collect()
            }

            async fn alert(&self, tenant: TenantId, id: i64) -> StoreResult<Option<Alert>> {
                let row = sqlx::query("SELECT * FROM alerts WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant)
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(alert_from).transpose()
            }

            async fn count_open_alerts(&self, tenant: TenantId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM alerts WHERE tenant_id = $1 AND state <> 'resolved'")
                    .bind(tenant)
                    .fetch_one(&self.reader)
                    .await?)
            }

            async fn top_open_alerts(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<Alert>> {
                let rows = sqlx::query(
                    "SELECT * FROM alerts WHERE tenant_id = $1 AND state <> 'resolved' ORDER BY \
                     CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id DESC LIMIT $2",
                )
                .bind(tenant)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(alert_from).collect()
            }

            async fn set_alert_state(&self, tenant: TenantId, id: i64, state: &str, by: &str) -> StoreResult<bool> {
                let now = Utc::now();
                let done = if state == "acknowledged" {
                    sqlx::query(
                        "UPDATE alerts SET state = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2 \
                         WHERE tenant_id = $3 AND id = $4 AND state = 'open'",
                    )
                    .bind(now)
                    .bind(by)
                    .bind(tenant)
                    .bind(id)
                    .execute(&self.writer)
                    .await?
                } else {
                    sqlx::query(
                        "UPDATE alerts SET state = 'resolved', resolved_at = $1 \
                         WHERE tenant_id = $2 AND id = $3 AND state <> 'resolved'",
                    )
                    .bind(now)
                    .bind(tenant)
                    .bind(id)
                    .execute(&self.writer)
                    .await?
                };
                Ok(done.rows_affected() == 1)
            }

            async fn resolve_alerts(&self, tenant: TenantId, keys: &[String]) -> StoreResult<u64> {
                let mut n = 0;
                for key in keys {
                    n += sqlx::query(
                        "UPDATE alerts SET state = 'resolved', resolved_at = $1 \
                         WHERE tenant_id = $2 AND key = $3 AND state <> 'resolved'",
                    )
                    .bind(Utc::now())
                    .bind(tenant)
                    .bind(key)
                    .execute(&self.writer)
                    .await?
                    .rows_affected();
                }
                Ok(n)
            }

            async fn set_digest(&self, d: &DigestSubscription, unsubscribe_hash: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO digest_subscriptions (tenant_id, user_id, cadence, weekday, monthday, hour, \
                     time_zone, unsubscribe_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (tenant_id, user_id) DO UPDATE SET cadence = EXCLUDED.cadence, \
                     weekday = EXCLUDED.weekday, monthday = EXCLUDED.monthday, hour = EXCLUDED.hour, \
                     time_zone = EXCLUDED.time_zone, unsubscribe_hash = EXCLUDED.unsubscribe_hash",
                )
                .bind(d.tenant_id)
                .bind(d.user_id)
                .bind(&d.cadence)
                .bind(d.weekday)
                .bind(d.monthday)
                .bind(d.hour)
                .bind(&d.time_zone)
                .bind(unsubscribe_hash)
                .bind(Utc::now())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn digest_for(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<DigestSubscription>> {
                let row = sqlx::query(
                    "SELECT d.*, u.email FROM digest_subscriptions d JOIN users u ON u.id = d.user_id \
                     WHERE d.tenant_id = $1 AND d.user_id = $2",
                )
                .bind(tenant)
                .bind(user)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(digest_from).transpose()
            }

            async fn all_digests(&self) -> StoreResult<Vec<DigestSubscription>> {
                let rows = sqlx::query(
                    "SELECT d.*, u.email FROM digest_subscriptions d JOIN users u ON u.id = d.user_id \
                     JOIN memberships m ON m.tenant_id = d.tenant_id AND m.user_id = d.user_id \
                     ORDER BY d.tenant_id, d.user_id",
                )
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(digest_from).collect()
            }

            async fn delete_digest(&self, tenant: TenantId, user: UserId) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM digest_subscriptions WHERE tenant_id = $1 AND user_id = $2")
                    .bind(tenant)
                    .bind(user)
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn unsubscribe(&self, unsubscribe_hash: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM digest_subscriptions WHERE unsubscribe_hash = $1")
                    .bind(unsubscribe_hash)
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_delivery(&self, d: &NewDelivery) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO deliveries (tenant_id, kind, recipient, subject, message_id, outcome, error, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(d.tenant_id)
                .bind(&d.kind)
                .bind(&d.recipient)
                .bind(&d.subject)
                .bind(&d.message_id)
                .bind(&d.outcome)
                .bind(&d.error)
                .bind(Utc::now())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn list_deliveries(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<Delivery>> {
                let rows = sqlx::query("SELECT * FROM deliveries WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(tenant)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(delivery_from).collect()
            }

            async fn append_audit(&self, e: &AuditEntry) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO audit_log (tenant_id, actor, action, target, detail, ip, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(e.tenant_id)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.target)
                .bind(&e.detail)
                .bind(&e.ip)
                .bind(Utc::now())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn list_audit(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT id, actor, action, target, detail, ip, at FROM audit_log \
                     WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(tenant)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(audit_from).collect()
            }

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
pub(crate) use store_impl;
