//! The audit log: the `AuditStore` implementation shared by both backends.

/// Implements `AuditStore` for `$store` (inside `store_impl!`, whose row readers it uses).
macro_rules! audit_impl {
    ($store:ty, $conn:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::AuditStore for $store {
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

            async fn list_audit(
                &self,
                tenant: TenantId,
                limit: u32,
            ) -> StoreResult<Vec<AuditRecord>> {
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
pub(crate) use audit_impl;
