//! Config documents, alerts, digest subscriptions and deliveries: the `DeliveryStore` implementation shared by both backends.

/// Implements `DeliveryStore` for `$store` (inside `store_impl!`, whose row readers it uses).
macro_rules! delivery_impl {
    ($store:ty, $conn:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::DeliveryStore for $store {
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
                .bind(a.severity.as_str())
                .bind(&a.title)
                .bind(&a.detail)
                .bind(Utc::now())
                .fetch_optional(&self.writer)
                .await?;
                row.as_ref().map(alert_from).transpose()
            }

            async fn record_past_alert(
                &self,
                a: &NewAlert,
                opened_at: chrono::DateTime<Utc>,
                resolved_at: chrono::DateTime<Utc>,
            ) -> StoreResult<Alert> {
                let row = sqlx::query(
                    "INSERT INTO alerts (tenant_id, key, rule, severity, title, detail, state, opened_at, resolved_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'resolved', $7, $8) RETURNING *",
                )
                .bind(a.tenant_id)
                .bind(&a.key)
                .bind(&a.rule)
                .bind(a.severity.as_str())
                .bind(&a.title)
                .bind(&a.detail)
                .bind(opened_at)
                .bind(resolved_at.max(opened_at))
                .fetch_one(&self.writer)
                .await?;
                alert_from(&row)
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

            async fn set_alert_state(&self, tenant: TenantId, id: i64, state: quarterdeck_domain::AlertState, by: &str) -> StoreResult<bool> {
                let now = Utc::now();
                let done = if state == quarterdeck_domain::AlertState::Acknowledged {
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
                .bind(d.cadence.as_str())
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
                .bind(d.kind.as_str())
                .bind(&d.recipient)
                .bind(&d.subject)
                .bind(&d.message_id)
                .bind(d.outcome.as_str())
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
        }
    };
}
pub(crate) use delivery_impl;
