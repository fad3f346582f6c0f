//! Customers (accounts).

use super::{Record, take};
use crate::fields::{self, Fields};
use crate::{Collection, FieldError, TimePoint};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A customer account and the dimensions dashboards filter by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<TimePoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Record for Customer {
    const COLLECTION: Collection = Collection::Customers;
    const FIELDS: &'static [&'static str] = &[
        "id",
        "name",
        "segment",
        "csm",
        "region",
        "country",
        "created_at",
        "user_type",
        "attributes",
    ];

    fn parse(row: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(row, Self::FIELDS)?;
        let id = f.req("id", fields::id);
        let name = f.req("name", fields::text(256));
        let segment = f.opt("segment", fields::text(128));
        let csm = f.opt("csm", fields::text(128));
        let region = f.opt("region", fields::text(128));
        let country = f.opt("country", fields::text(64));
        let created_at = f.opt("created_at", fields::time_point);
        let user_type = f.opt("user_type", fields::text(128));
        let attributes = f.opt("attributes", fields::flat_object).unwrap_or_default();
        if name.as_deref() == Some("") {
            f.fail("name", "must not be empty");
        }
        f.finish()?;
        take!(id, name);
        Ok(Self {
            id,
            name,
            segment,
            csm,
            region,
            country,
            created_at,
            user_type,
            attributes,
        })
    }

    fn key(&self) -> String {
        self.id.clone()
    }
}
