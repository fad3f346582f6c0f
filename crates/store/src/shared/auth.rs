//! Tokens, users, memberships, MFA, sessions, user links and share links: the `AuthStore` implementation shared by both backends.

/// Implements `AuthStore` for `$store` (inside `store_impl!`, whose row readers it uses).
macro_rules! auth_impl {
    ($store:ty, $conn:ty, $row:ty) => {
        #[async_trait::async_trait]
        impl crate::AuthStore for $store {
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

            async fn claim_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET totp_last_step = $1 \
                     WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
                )
                .bind(step)
                .bind(user)
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn membership_count(&self, user: UserId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1")
                    .bind(user)
                    .fetch_one(&self.reader)
                    .await?)
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
        }
    };
}
pub(crate) use auth_impl;
