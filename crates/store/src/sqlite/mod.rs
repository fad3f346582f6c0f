//! The SQLite backend: one file in the data dir, WAL mode, a single writer.

use crate::migrate::{Migration, SQLITE};
use crate::types::scopes_to_text;
use crate::{
    ApiToken, AuditEntry, AuditRecord, DataVersion, NewApiToken, NewTenant, NewUser, Store,
    StoreError, StoreResult, StoredRecord, Tenant, TenantId, TenantUpdate, UserId,
    last_row_per_key,
};
use async_trait::async_trait;
use chrono::Utc;
use quarterdeck_domain::{Collection, ParsedRow};
use sqlx::AssertSqlSafe;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

/// Rows per INSERT statement (6 parameters each, well under SQLite's limit).
const ROWS_PER_STATEMENT: usize = 500;

/// The file name of the database inside the data dir.
pub const DB_FILE: &str = "quarterdeck.sqlite";

/// Quarterdeck's data in an SQLite file.
pub struct SqliteStore {
    /// One connection: SQLite serialises writers anyway, and one avoids busy retries.
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/quarterdeck.sqlite` and migrates it.
    pub async fn open(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let options = SqliteConnectOptions::new()
            .filename(dir.join(DB_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // 64 MiB of page cache: ingest batches touch many index pages.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        migrate(&writer, SQLITE).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Self { writer, reader })
    }
}

async fn migrate(pool: &SqlitePool, migrations: &[Migration]) -> StoreResult<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, \
         name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(pool)
            .await?;
    for m in migrations.iter().filter(|m| m.version > current) {
        let fail = |source| StoreError::Migration {
            version: m.version,
            name: m.name,
            source,
        };
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(fail)?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
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
            "applied sqlite migration"
        );
    }
    Ok(())
}

crate::rows::row_readers!(SqliteRow);

/// `INSERT … VALUES (?, ?, ?, ?, ?, ?), …` for `n` rows, with upsert.
///
/// Anonymous parameters on purpose: with numbered ones (`?7`) binding looks up
/// every parameter's name, which was a third of the ingest time.
fn upsert_sql(n: usize) -> String {
    let mut sql = String::with_capacity(96 + n * 20);
    sql.push_str(
        "INSERT INTO records (tenant_id, collection, key, body, seq, received_at) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?)");
    }
    sql.push_str(
        " ON CONFLICT (tenant_id, collection, key) DO UPDATE SET body = excluded.body, \
         seq = excluded.seq, received_at = excluded.received_at",
    );
    sql
}

/// Bumps the tenant's data version inside the caller's transaction.
async fn bump_version(
    conn: &mut sqlx::SqliteConnection,
    tenant: TenantId,
) -> StoreResult<DataVersion> {
    sqlx::query_scalar(
        "UPDATE tenants SET data_version = data_version + 1 WHERE id = ? RETURNING data_version",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant}")))
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn create_tenant(&self, t: &NewTenant) -> StoreResult<Tenant> {
        let row = sqlx::query(
            "INSERT INTO tenants (slug, name, currency, timezone, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING *",
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
        let row = sqlx::query("SELECT * FROM tenants WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(tenant_from).transpose()
    }

    async fn tenant_by_id(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query("SELECT * FROM tenants WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(tenant_from).transpose()
    }

    async fn update_tenant(&self, id: TenantId, u: &TenantUpdate) -> StoreResult<Tenant> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE tenants SET name = ?, currency = ?, timezone = ?, fiscal_year_start = ?, \
             settings = ? WHERE id = ? RETURNING *",
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
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(tenant_from).collect()
    }

    async fn create_token(&self, t: &NewApiToken) -> StoreResult<ApiToken> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (tenant_id, name, prefix, secret_hash, scopes, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
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
            sqlx::query("SELECT * FROM api_tokens WHERE secret_hash = ? AND revoked_at IS NULL")
                .bind(secret_hash)
                .fetch_optional(&self.reader)
                .await?;
        row.as_ref().map(token_from).transpose()
    }

    async fn upsert_user_membership(&self, u: &NewUser) -> StoreResult<UserId> {
        let mut tx = self.writer.begin().await?;
        let now = Utc::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?) \
             ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash RETURNING id",
        )
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = excluded.role",
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
        let mut tx = self.writer.begin().await?;
        let last_seq: i64 = sqlx::query_scalar(
            "UPDATE counters SET value = value + ? WHERE name = 'record_seq' RETURNING value",
        )
        .bind(rows.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let mut seq = last_seq - rows.len() as i64;
        let now = Utc::now();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = upsert_sql(chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                seq += 1;
                q = q
                    .bind(tenant)
                    .bind(collection.slug())
                    .bind(row.key.as_str())
                    .bind(row.body.as_str())
                    .bind(seq)
                    .bind(now);
            }
            q.execute(&mut *tx).await?;
        }
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
             WHERE tenant_id = ? AND collection = ? AND key = ?",
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
             WHERE tenant_id = ? AND collection = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
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
        let done =
            sqlx::query("DELETE FROM records WHERE tenant_id = ? AND collection = ? AND key = ?")
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
        sqlx::query_scalar("SELECT data_version FROM tenants WHERE id = ?")
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
            "SELECT body FROM records WHERE tenant_id = ? AND collection = ? ORDER BY seq",
        )
        .bind(tenant)
        .bind(collection.slug())
        .fetch_all(&self.reader)
        .await?)
    }

    async fn delete_all_records(&self, tenant: TenantId) -> StoreResult<u64> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query("DELETE FROM records WHERE tenant_id = ?")
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn count_records(&self, tenant: TenantId, collection: Collection) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM records WHERE tenant_id = ? AND collection = ?",
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
             VALUES (?, ?, ?, ?, ?, ?, ?)",
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
             WHERE tenant_id = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(tenant)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(audit_from).collect()
    }
}
