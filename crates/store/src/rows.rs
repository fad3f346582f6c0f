//! Reading rows into store types, the same for both backends.

/// Defines `tenant_from`, `token_from`, `record_from` and `audit_from` for one row type.
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
    };
}
pub(crate) use row_readers;
