//! Tenants, their settings and API-token scopes.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A tenant's short name: lower-case letters, digits and dashes, 1–63 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantSlug(String);

impl TenantSlug {
    /// Checks and wraps a slug such as `acme-corp`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid tenant slug: use 1–63 lower-case letters, digits and dashes"
            ))
        }
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant's reporting time zone (IANA name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantTimeZone(pub Tz);

impl TenantTimeZone {
    /// Parses an IANA zone name such as `Europe/Berlin` or `UTC`.
    pub fn parse(s: &str) -> Result<Self, String> {
        s.parse::<Tz>()
            .map(Self)
            .map_err(|_| format!("`{s}` is not an IANA time zone (e.g. UTC, Europe/Berlin)"))
    }

    /// The zone's name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

/// A tenant's metric settings beyond currency, zone and fiscal year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantOptions {
    /// Delinquency churn: days past due after which a customer counts as churned (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delinquency_days: Option<u32>,
    /// Gross margin used when the tenant has no cost data (metrics.md default 0.80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_margin: Option<rust_decimal::Decimal>,
    /// Roles that must use MFA (absent: admin and executive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_roles: Option<Vec<Role>>,
    /// Health score weights and bands (absent: the defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<crate::HealthSettings>,
}

impl TenantOptions {
    /// Reads stored options; unknown keys are ignored so older binaries can read newer rows.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("tenant settings: {e}"))
    }

    /// Whether users with `role` must sign in with a second factor.
    pub fn mfa_required_for(&self, role: Role) -> bool {
        match &self.mfa_roles {
            Some(roles) => roles.contains(&role),
            None => Role::MFA_BY_DEFAULT.contains(&role),
        }
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("options serialise")
    }
}

/// A KPI's target: at or past `good` it is on target, at or past `bad` it is
/// off target, between them it needs watching. `good > bad` means higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub good: rust_decimal::Decimal,
    pub bad: rust_decimal::Decimal,
}

impl Target {
    /// (css class, words) for `value`: never colour alone.
    pub fn judge(&self, value: rust_decimal::Decimal) -> (&'static str, &'static str) {
        let higher_better = self.good >= self.bad;
        let past = |v: rust_decimal::Decimal, line: rust_decimal::Decimal| {
            if higher_better { v >= line } else { v <= line }
        };
        let beyond_bad = if higher_better {
            value < self.bad
        } else {
            value > self.bad
        };
        if past(value, self.good) {
            ("good", "On target")
        } else if beyond_bad {
            ("bad", "Off target")
        } else {
            ("warn", "Watch")
        }
    }
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Send records to the ingestion API.
    Ingest,
    /// Read records and metrics.
    Read,
    /// Everything, including deletes and administration.
    Admin,
}

impl Scope {
    /// Parses `ingest`, `read` or `admin`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "ingest" => Ok(Scope::Ingest),
            "read" => Ok(Scope::Read),
            "admin" => Ok(Scope::Admin),
            other => Err(format!(
                "`{other}` is not a scope; use ingest, read or admin"
            )),
        }
    }

    /// Parses a comma-separated list such as `ingest,read`.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = s
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Scope::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if scopes.is_empty() {
            return Err("give at least one scope: ingest, read or admin".into());
        }
        scopes.sort_unstable();
        scopes.dedup();
        Ok(scopes)
    }

    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }

    /// Whether holding `held` grants this scope (admin grants everything).
    pub fn granted_by(self, held: &[Scope]) -> bool {
        held.contains(&self) || held.contains(&Scope::Admin)
    }
}

/// What a user may do in the product (the capability matrix is in docs/roles.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Executive,
    Finance,
    CsLead,
    Csm,
    Viewer,
}

impl Role {
    /// Parses a role name such as `cs_lead`.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s.trim() {
            "admin" => Role::Admin,
            "executive" => Role::Executive,
            "finance" => Role::Finance,
            "cs_lead" => Role::CsLead,
            "csm" => Role::Csm,
            "viewer" => Role::Viewer,
            other => {
                return Err(format!(
                    "`{other}` is not a role; use admin, executive, finance, cs_lead, csm or viewer"
                ));
            }
        })
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::Finance => "finance",
            Role::CsLead => "cs_lead",
            Role::Csm => "csm",
            Role::Viewer => "viewer",
        }
    }

    /// The role as people say it ("CS lead").
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Executive => "Executive",
            Role::Finance => "Finance",
            Role::CsLead => "CS lead",
            Role::Csm => "CSM",
            Role::Viewer => "Viewer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(TenantSlug::parse("acme-1").is_ok());
        assert!(TenantSlug::parse("Acme").is_err());
        assert!(TenantSlug::parse("-x").is_err());
        assert!(TenantSlug::parse("").is_err());
    }

    #[test]
    fn scope_lists() {
        assert_eq!(
            Scope::parse_list("read,ingest,read").unwrap(),
            vec![Scope::Ingest, Scope::Read]
        );
        assert!(Scope::parse_list("").is_err());
        assert!(Scope::parse_list("write").is_err());
        assert!(Scope::Read.granted_by(&[Scope::Admin]));
        assert!(!Scope::Ingest.granted_by(&[Scope::Read]));
    }

    #[test]
    fn targets_judge_both_directions() {
        let nrr = Target {
            good: "1.00".parse().unwrap(),
            bad: "0.90".parse().unwrap(),
        };
        assert_eq!(nrr.judge("1.05".parse().unwrap()).0, "good");
        assert_eq!(nrr.judge("0.95".parse().unwrap()).0, "warn");
        assert_eq!(nrr.judge("0.85".parse().unwrap()).0, "bad");
        let churn = Target {
            good: "0.02".parse().unwrap(),
            bad: "0.05".parse().unwrap(),
        };
        assert_eq!(churn.judge("0.01".parse().unwrap()).0, "good");
        assert_eq!(churn.judge("0.03".parse().unwrap()).0, "warn");
        assert_eq!(churn.judge("0.06".parse().unwrap()).0, "bad");
    }

    #[test]
    fn zones() {
        assert!(TenantTimeZone::parse("Europe/Berlin").is_ok());
        assert!(TenantTimeZone::parse("Mars/Olympus").is_err());
    }
}
