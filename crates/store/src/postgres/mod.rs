//! The PostgreSQL backend, for several stateless replicas sharing one database.

use crate::migrate::{Migration, POSTGRES};
use crate::types::scopes_to_text;
use crate::{
    ApiToken, AuditEntry, AuditRecord, DataVersion, NewApiToken, NewTenant, NewUser, Store,
    StoreError, StoreResult, StoredRecord, Tenant, TenantId, TenantUpdate, UserId,
    last_row_per_key,
};
use async_trait::async_trait;
use chrono::Utc;
use quarterdeck_domain::{Collection, ParsedRow};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use std::str::FromStr;
use std::time::Duration;

/// Any key: held while migrating so that replicas starting together take turns.
const MIGRATION_LOCK: i64 = 0x5144_4d49_4752;

/// Quarterdeck's data in PostgreSQL.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and migrates the schema.
    pub async fn open(url: &str) -> StoreResult<Self> {
        Self::connect(PgConnectOptions::from_str(url)?).await
    }

    /// Connects with `options` and migrates the schema.
    pub async fn connect(options: PgConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        migrate(&pool, POSTGRES).await?;
        Ok(Self { pool })
    }
}

async fn migrate(pool: &PgPool, migrations: &[Migration]) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await?;
    let result = async {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
        )
        .execute(&mut *conn)
        .await?;
        let current: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                .fetch_one(&mut *conn)
                .await?;
        for m in migrations.iter().filter(|m| m.version > current) {
            let fail = |source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            };
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(fail)?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
            tx.commit().await?;
            tracing::info!(
                version = m.version,
                name = m.name,
                "applied postgres migration"
            );
        }
        Ok::<_, StoreError>(())
    }
    .await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await?;
    result
}

crate::rows::row_readers!(PgRow);

/// Bumps the tenant's data version inside the caller's transaction.
async fn bump_version(conn: &mut sqlx::PgConnection, tenant: TenantId) -> StoreResult<DataVersion> {
    sqlx::query_scalar(
        "UPDATE tenants SET data_version = data_version + 1 WHERE id = $1 RETURNING data_version",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant}")))
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
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
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, format!("tenant `{}`", t.slug)))?;
        tenant_from(&row)
    }

    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query("SELECT * FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tenant_from).transpose()
    }

    async fn tenant_by_id(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query("SELECT * FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(tenant_from).transpose()
    }

    async fn update_tenant(&self, id: TenantId, u: &TenantUpdate) -> StoreResult<Tenant> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE tenants SET name = $1, currency = $2, timezone = $3, fiscal_year_start = $4, \
             settings = $5 WHERE id = $6 RETURNING *",
        )
        .bind(&u.name)
        .bind(u.currency.code())
        .bind(&u.timezone)
        .bind(u.fiscal_year_start as i32)
        .bind(u.options.to_json())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tenant {id}")))?;
        bump_version(&mut tx, id).await?;
        tx.commit().await?;
        tenant_from(&row)
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let rows = sqlx::query("SELECT * FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
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
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, "token"))?;
        token_from(&row)
    }

    async fn token_by_hash(&self, secret_hash: &str) -> StoreResult<Option<ApiToken>> {
        let row =
            sqlx::query("SELECT * FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL")
                .bind(secret_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(token_from).transpose()
    }

    async fn upsert_user_membership(&self, u: &NewUser) -> StoreResult<UserId> {
        let mut tx = self.pool.begin().await?;
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

    async fn upsert_records(
        &self,
        tenant: TenantId,
        collection: Collection,
        rows: &[ParsedRow],
    ) -> StoreResult<DataVersion> {
        let rows = last_row_per_key(rows);
        if rows.is_empty() {
            return self.data_version(tenant).await;
        }
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        let bodies: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO records (tenant_id, collection, key, body, seq, received_at) \
             SELECT $1, $2, t.key, t.body, nextval('record_seq'), $3 \
             FROM UNNEST($4::text[], $5::text[]) WITH ORDINALITY AS t(key, body, ord) \
             ORDER BY t.ord \
             ON CONFLICT (tenant_id, collection, key) DO UPDATE SET body = EXCLUDED.body, \
             seq = EXCLUDED.seq, received_at = EXCLUDED.received_at",
        )
        .bind(tenant)
        .bind(collection.slug())
        .bind(Utc::now())
        .bind(keys)
        .bind(bodies)
        .execute(&mut *tx)
        .await?;
        let version = bump_version(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok(version)
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
        .fetch_optional(&self.pool)
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
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from).collect()
    }

    async fn delete_record(
        &self,
        tenant: TenantId,
        collection: Collection,
        key: &str,
    ) -> StoreResult<Option<DataVersion>> {
        let mut tx = self.pool.begin().await?;
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
            .fetch_optional(&self.pool)
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
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delete_all_records(&self, tenant: TenantId) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
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
        .fetch_one(&self.pool)
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
        .execute(&self.pool)
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
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from).collect()
    }
}
