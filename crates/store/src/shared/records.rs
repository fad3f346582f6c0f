//! Ingested records: the `RecordStore` implementation shared by both backends.

/// Implements `RecordStore` for `$store` (inside `store_impl!`, whose row readers it uses).
macro_rules! records_impl {
    ($store:ty, $conn:ty, $row:ty, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl crate::RecordStore for $store {
            $($specific)*

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
        }
    };
}
pub(crate) use records_impl;
