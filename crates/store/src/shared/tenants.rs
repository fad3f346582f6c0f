//! Tenants and server keys: the `TenantStore` implementation shared by both backends.

/// Implements `TenantStore` for `$store` (inside `store_impl!`, whose row readers it uses).
macro_rules! tenant_impl {
    ($store:ty, $conn:ty, $row:ty, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl crate::TenantStore for $store {
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
        }
    };
}
pub(crate) use tenant_impl;
