//! The PostgreSQL backend, for several stateless replicas sharing one database.

use crate::migrate::{Migration, POSTGRES};
use crate::types::scopes_to_text;
use crate::{
    Alert, ApiToken, AuditEntry, AuditRecord, DataVersion, Delivery, DigestSubscription, Job,
    Membership, NewAlert, NewApiToken, NewDelivery, NewJob, NewSession, NewShareLink, NewTenant,
    NewUser, Session, ShareLink, StoreError, StoreResult, StoredRecord, Tenant, TenantId,
    TenantUpdate, UserAuth, UserId, UserLink, last_row_per_key,
};
use chrono::Utc;
use quarterdeck_domain::{Collection, ParsedRow, Role};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use std::str::FromStr;
use std::time::Duration;

/// Any key: held while migrating so that replicas starting together take turns.
const MIGRATION_LOCK: i64 = 0x5144_4d49_4752;

/// Quarterdeck's data in PostgreSQL.
pub struct PgStore {
    /// One pool serves reads and writes (the shared code names both).
    reader: PgPool,
    writer: PgPool,
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
        Ok(Self {
            reader: pool.clone(),
            writer: pool,
        })
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

crate::shared::store_impl!(PgStore, sqlx::PgConnection, PgRow,
tenant: {
    fn backend(&self) -> &'static str {
        "postgres"
    }
},
records: {
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
        let mut tx = self.writer.begin().await?;
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
},
jobs: {
    async fn claim_jobs(
        &self,
        worker: &str,
        kinds: &[&str],
        limit: u32,
        lease: chrono::Duration,
        now: chrono::DateTime<Utc>,
    ) -> StoreResult<Vec<Job>> {
        // Replicas claim at once: each passes over the jobs another is taking
        // instead of waiting for them, so every job goes to one of them.
        self.claim_jobs_locking("FOR UPDATE SKIP LOCKED", worker, kinds, limit, lease, now)
            .await
    }
}
);
