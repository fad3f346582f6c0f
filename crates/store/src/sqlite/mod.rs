//! The SQLite backend: one file in the data dir, WAL mode, a single writer.

use crate::migrate::{Migration, SQLITE};
use crate::types::scopes_to_text;
use crate::{
    Alert, ApiToken, AuditEntry, AuditRecord, DataVersion, Delivery, DigestSubscription, Job,
    Membership, NewAlert, NewApiToken, NewDelivery, NewJob, NewSession, NewShareLink, NewTenant,
    NewUser, Session, ShareLink, StoreError, StoreResult, StoredRecord, Tenant, TenantId,
    TenantUpdate, UserAuth, UserId, UserLink, last_row_per_key,
};
use chrono::Utc;
use quarterdeck_domain::{Collection, ParsedRow, Role};
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
            .pragma("temp_store", "memory");
        // 64 MiB of page cache for the writer: ingest batches touch many index
        // pages. Readers mostly stream pages the OS caches anyway; 16 MiB each
        // keeps four of them from holding 256 MiB after an engine load.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().pragma("cache_size", "-65536"))
            .await?;
        migrate(&writer, SQLITE).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.pragma("cache_size", "-16384"))
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

crate::shared::store_impl!(SqliteStore, sqlx::SqliteConnection, SqliteRow,
tenant: {
    fn backend(&self) -> &'static str {
        "sqlite"
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
        // The single writer connection runs claims one after another: no row
        // locks to skip.
        self.claim_jobs_locking("", worker, kinds, limit, lease, now)
            .await
    }
}
);
