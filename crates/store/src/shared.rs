//! The parts of the `Store` implementation that are the same on both backends,
//! written once. Queries use `$N` placeholders, which PostgreSQL takes natively
//! and sqlx binds by number on SQLite too; only DDL (migrations) and the bulk
//! upsert differ, and those stay in each backend's module.

/// Implements `Store` for `$store` (whose `reader` and `writer` pools may be one
/// pool), with the backend's own items (`backend`, `upsert_records`) given in braces.
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

            async fn all_bodies(
                &self,
                tenant: TenantId,
                collection: Collection,
            ) -> StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT body FROM records WHERE tenant_id = $1 AND collection = $2 ORDER BY seq",
                )
                .bind(tenant)
                .bind(collection.slug())
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
        }
    };
}
pub(crate) use store_impl;
