//! The kinds of job and their payloads, as stored in the queue. The JSON of
//! each payload is part of the stored data: fields may be added (with a
//! default), never renamed.

use super::{JobError, JobKind};
use quarterdeck_store::{DataVersion, Job, TenantId};
use serde::{Deserialize, Serialize};

/// Evaluate a tenant's alert rules (after an ingest at `version`, or on schedule).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvaluateAlerts {
    pub tenant: TenantId,
    /// The data version an ingest reached; a newer ingest makes this one moot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<DataVersion>,
}

impl JobKind for EvaluateAlerts {
    const KIND: &'static str = "alerts.evaluate";
}

/// Email one critical alert to one person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertEmail {
    pub tenant: TenantId,
    pub alert: i64,
    pub user: i64,
}

impl JobKind for AlertEmail {
    const KIND: &'static str = "alert.email";
}

/// Post one alert to one webhook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Webhook {
    pub tenant: TenantId,
    pub webhook: String,
    pub alert: i64,
}

impl JobKind for Webhook {
    const KIND: &'static str = "webhook";
}

/// Send one digest (scheduled, or a preview to its owner).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Digest {
    pub tenant: TenantId,
    pub user: i64,
    /// The local day a scheduled digest is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    #[serde(default)]
    pub preview: bool,
}

impl JobKind for Digest {
    const KIND: &'static str = "digest";
}

/// Test-only: sleep, then append a line to a file (the crash-recovery test).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestSleep {
    #[serde(default = "one_second")]
    pub secs: u64,
    pub path: String,
}

fn one_second() -> u64 {
    1
}

impl JobKind for TestSleep {
    const KIND: &'static str = "test.sleep";
}

/// Runs a `test.sleep` job.
pub async fn test_sleep(p: TestSleep, job: Job) -> Result<(), JobError> {
    use std::io::Write;
    tokio::time::sleep(std::time::Duration::from_secs(p.secs)).await;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p.path)
        .map_err(|e| e.to_string())?;
    Ok(writeln!(f, "done {}", job.idempotency_key).map_err(|e| e.to_string())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_what_earlier_releases_stored() {
        let d: Digest = serde_json::from_str(r#"{"tenant":1,"user":2}"#).unwrap();
        assert!(!d.preview && d.day.is_none());
        let e: EvaluateAlerts = serde_json::from_str(r#"{"tenant":3,"version":7}"#).unwrap();
        assert_eq!(e.version, Some(7));
        assert_eq!(
            serde_json::to_string(&EvaluateAlerts {
                tenant: 3,
                version: None
            })
            .unwrap(),
            r#"{"tenant":3}"#
        );
        assert!(serde_json::from_str::<Webhook>(r#"{"tenant":1}"#).is_err());
    }
}
