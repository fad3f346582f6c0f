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
