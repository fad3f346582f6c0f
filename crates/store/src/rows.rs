//! Reading rows into store types, the same for both backends.

/// Defines `tenant_from`, `token_from`, `record_from`, `audit_from`, `job_from`… for one row type.
macro_rules! row_readers {
    ($row:ty) => {
        use sqlx::Row as _;
        use $crate::types::{currency_from_text, scopes_from_text};

        fn tenant_from(row: &$row) -> $crate::StoreResult<$crate::Tenant> {
            Ok($crate::Tenant {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                currency: currency_from_text(row.try_get("currency")?)?,
                timezone: row.try_get("timezone")?,
                fiscal_year_start: row.try_get::<i32, _>("fiscal_year_start")? as u32,
                options: quarterdeck_domain::TenantOptions::from_json(row.try_get("settings")?)
                    .map_err($crate::StoreError::Corrupt)?,
                data_version: row.try_get("data_version")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn token_from(row: &$row) -> $crate::StoreResult<$crate::ApiToken> {
            Ok($crate::ApiToken {
                id: row.try_get("id")?,
                tenant_id: row.try_get("tenant_id")?,
                name: row.try_get("name")?,
                prefix: row.try_get("prefix")?,
                scopes: scopes_from_text(row.try_get("scopes")?)?,
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        fn role_from(text: &str) -> $crate::StoreResult<quarterdeck_domain::Role> {
            quarterdeck_domain::Role::parse(text).map_err($crate::StoreError::Corrupt)
        }

        fn user_from(row: &$row) -> $crate::StoreResult<$crate::UserAuth> {
            Ok($crate::UserAuth {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                password_hash: row.try_get("password_hash")?,
                totp_secret: row.try_get("totp_secret")?,
            })
        }

        fn membership_from(row: &$row) -> $crate::StoreResult<$crate::Membership> {
            Ok($crate::Membership {
                user_id: row.try_get("user_id")?,
                email: row.try_get("email")?,
                role: role_from(row.try_get("role")?)?,
                csm: row.try_get("csm")?,
                mfa_enabled: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
                created_at: row.try_get("created_at")?,
            })
        }

        fn session_from(row: &$row) -> $crate::StoreResult<$crate::Session> {
            Ok($crate::Session {
                id_hash: row.try_get("id_hash")?,
                user_id: row.try_get("user_id")?,
                tenant_id: row.try_get("tenant_id")?,
                csrf: row.try_get("csrf")?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
            })
        }

        fn link_from(row: &$row) -> $crate::StoreResult<$crate::UserLink> {
            let kind = match row.try_get::<String, _>("kind")?.as_str() {
                "invite" => $crate::UserLinkKind::Invite,
                "reset" => $crate::UserLinkKind::Reset,
                other => {
                    return Err($crate::StoreError::Corrupt(format!(
                        "user link kind `{other}`"
                    )));
                }
            };
            Ok($crate::UserLink {
                token_hash: row.try_get("token_hash")?,
                tenant_id: row.try_get("tenant_id")?,
                kind,
                email: row.try_get("email")?,
                role: role_from(row.try_get("role")?)?,
                csm: row.try_get("csm")?,
                created_by: row.try_get("created_by")?,
                expires_at: row.try_get("expires_at")?,
                used_at: row.try_get("used_at")?,
            })
        }

        fn share_from(row: &$row) -> $crate::StoreResult<$crate::ShareLink> {
            Ok($crate::ShareLink {
                id: row.try_get("id")?,
                tenant_id: row.try_get("tenant_id")?,
                prefix: row.try_get("prefix")?,
                view: row.try_get("view")?,
                password_hash: row.try_get("password_hash")?,
                created_by: row.try_get("created_by")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
                last_used_at: row.try_get("last_used_at")?,
                uses: row.try_get("uses")?,
            })
        }

        fn alert_from(row: &$row) -> $crate::StoreResult<$crate::Alert> {
            Ok($crate::Alert {
                id: row.try_get("id")?,
                tenant_id: row.try_get("tenant_id")?,
                key: row.try_get("key")?,
                rule: row.try_get("rule")?,
                severity: $crate::named(
                    row.try_get("severity")?,
                    quarterdeck_domain::Severity::parse,
                )?,
                title: row.try_get("title")?,
                detail: row.try_get("detail")?,
                state: $crate::named(row.try_get("state")?, quarterdeck_domain::AlertState::parse)?,
                opened_at: row.try_get("opened_at")?,
                acknowledged_at: row.try_get("acknowledged_at")?,
                acknowledged_by: row.try_get("acknowledged_by")?,
                resolved_at: row.try_get("resolved_at")?,
            })
        }

        fn digest_from(row: &$row) -> $crate::StoreResult<$crate::DigestSubscription> {
            Ok($crate::DigestSubscription {
                tenant_id: row.try_get("tenant_id")?,
                user_id: row.try_get("user_id")?,
                email: row.try_get("email")?,
                cadence: $crate::named(
                    row.try_get("cadence")?,
                    quarterdeck_domain::Cadence::parse,
                )?,
                weekday: row.try_get("weekday")?,
                monthday: row.try_get("monthday")?,
                hour: row.try_get("hour")?,
                time_zone: row.try_get("time_zone")?,
            })
        }

        fn delivery_from(row: &$row) -> $crate::StoreResult<$crate::Delivery> {
            Ok($crate::Delivery {
                id: row.try_get("id")?,
                kind: $crate::named(
                    row.try_get("kind")?,
                    quarterdeck_domain::DeliveryKind::parse,
                )?,
                recipient: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                message_id: row.try_get("message_id")?,
                outcome: $crate::named(
                    row.try_get("outcome")?,
                    quarterdeck_domain::DeliveryOutcome::parse,
                )?,
                error: row.try_get("error")?,
                at: row.try_get("at")?,
            })
        }

        fn record_from(row: &$row) -> $crate::StoreResult<$crate::StoredRecord> {
            Ok($crate::StoredRecord {
                key: row.try_get("key")?,
                body: row.try_get("body")?,
                seq: row.try_get("seq")?,
                received_at: row.try_get("received_at")?,
            })
        }

        fn audit_from(row: &$row) -> $crate::StoreResult<$crate::AuditRecord> {
            Ok($crate::AuditRecord {
                id: row.try_get("id")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                target: row.try_get("target")?,
                detail: row.try_get("detail")?,
                ip: row.try_get("ip")?,
                at: row.try_get("at")?,
            })
        }

        fn job_from(row: &$row) -> $crate::StoreResult<$crate::Job> {
            Ok($crate::Job {
                id: row.try_get("id")?,
                tenant_id: row.try_get("tenant_id")?,
                kind: row.try_get("kind")?,
                payload: row.try_get("payload")?,
                idempotency_key: row.try_get("idempotency_key")?,
                state: $crate::JobState::parse(row.try_get("state")?)
                    .map_err($crate::StoreError::Corrupt)?,
                attempts: row.try_get("attempts")?,
                max_attempts: row.try_get("max_attempts")?,
                run_at: row.try_get("run_at")?,
                locked_by: row.try_get("locked_by")?,
                locked_until: row.try_get("locked_until")?,
                last_error: row.try_get("last_error")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                finished_at: row.try_get("finished_at")?,
            })
        }
    };
}
pub(crate) use row_readers;
