//! What each role may do: the one table every check reads (docs/roles.md).
//!
//! Handlers never compare roles; they ask for a capability, which the server
//! hands out only when `Role::allows` says so.

use crate::Role;

/// Something a signed-in person may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// The executive summary (home) page.
    ViewSummary,
    /// Revenue pages: MRR, movements, ARPA.
    ViewRevenue,
    /// Retention pages: GRR/NRR, churn rates, cohorts.
    ViewRetention,
    /// Billing and cash: AR aging, DSO, invoices, revenue billed, margin.
    ViewBilling,
    /// The accounts list and account pages (for a CSM only their own accounts).
    ViewAccounts,
    /// Customer health and risk (for a CSM only their own accounts).
    ViewHealth,
    /// Opening and closing save plays (for a CSM only on their own accounts).
    RunSavePlays,
    /// CSV, XLSX and PDF downloads of the pages the role can see.
    Export,
    /// Alert rules and the alert list.
    ManageAlerts,
    /// Add, remove and test-send webhooks (the server posts to them).
    ManageWebhooks,
    /// One's own digest schedules.
    OwnSchedules,
    /// Read-only share links of a view.
    ShareViews,
    /// Users, roles, invitations and password resets.
    ManageUsers,
    /// API tokens.
    ManageTokens,
    /// Tenant settings, targets, sources and SMTP.
    ManageSettings,
    /// The audit log and its export.
    ViewAudit,
}

impl Permission {
    /// Every permission, in the order of the documented matrix.
    pub const ALL: [Permission; 16] = [
        Permission::ViewSummary,
        Permission::ViewRevenue,
        Permission::ViewRetention,
        Permission::ViewBilling,
        Permission::ViewAccounts,
        Permission::ViewHealth,
        Permission::RunSavePlays,
        Permission::Export,
        Permission::ManageAlerts,
        Permission::ManageWebhooks,
        Permission::OwnSchedules,
        Permission::ShareViews,
        Permission::ManageUsers,
        Permission::ManageTokens,
        Permission::ManageSettings,
        Permission::ViewAudit,
    ];

    /// The permission's name in docs and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewSummary => "view_summary",
            Permission::ViewRevenue => "view_revenue",
            Permission::ViewRetention => "view_retention",
            Permission::ViewBilling => "view_billing",
            Permission::ViewAccounts => "view_accounts",
            Permission::ViewHealth => "view_health",
            Permission::RunSavePlays => "run_save_plays",
            Permission::Export => "export",
            Permission::ManageAlerts => "manage_alerts",
            Permission::ManageWebhooks => "manage_webhooks",
            Permission::OwnSchedules => "own_schedules",
            Permission::ShareViews => "share_views",
            Permission::ManageUsers => "manage_users",
            Permission::ManageTokens => "manage_tokens",
            Permission::ManageSettings => "manage_settings",
            Permission::ViewAudit => "view_audit",
        }
    }
}

impl Role {
    /// Every role, in the order of the documented matrix.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Executive,
        Role::Finance,
        Role::CsLead,
        Role::Csm,
        Role::Viewer,
    ];

    /// Whether this role has `permission` — the whole role matrix.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match self {
            R::Admin => true,
            R::Executive => !matches!(
                permission,
                P::ManageUsers
                    | P::ManageTokens
                    | P::ManageSettings
                    | P::ManageWebhooks
                    | P::ViewAudit
            ),
            R::Finance => matches!(
                permission,
                P::ViewRevenue | P::ViewBilling | P::ViewAccounts | P::Export | P::OwnSchedules
            ),
            R::CsLead => matches!(
                permission,
                P::ViewRetention
                    | P::ViewAccounts
                    | P::ViewHealth
                    | P::RunSavePlays
                    | P::Export
                    | P::OwnSchedules
            ),
            R::Csm => matches!(
                permission,
                P::ViewAccounts | P::ViewHealth | P::RunSavePlays | P::OwnSchedules
            ),
            R::Viewer => matches!(
                permission,
                P::ViewSummary
                    | P::ViewRevenue
                    | P::ViewRetention
                    | P::ViewBilling
                    | P::ViewAccounts
                    | P::ViewHealth
            ),
        }
    }

    /// Whether the role sees only the accounts whose CSM is the user (row-level).
    pub fn only_own_accounts(self) -> bool {
        self == Role::Csm
    }

    /// Roles for which tenants require MFA unless they choose otherwise.
    pub const MFA_BY_DEFAULT: [Role; 2] = [Role::Admin, Role::Executive];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_has_everything_and_viewer_cannot_export() {
        assert!(Permission::ALL.iter().all(|p| Role::Admin.allows(*p)));
        assert!(!Role::Viewer.allows(Permission::Export));
        assert!(!Role::Executive.allows(Permission::ManageUsers));
        assert!(Role::Executive.allows(Permission::ManageAlerts));
        assert!(
            Role::ALL
                .iter()
                .all(|r| r.allows(Permission::ManageWebhooks) == (*r == Role::Admin)),
            "only admins point the server at URLs"
        );
        assert!(Role::Executive.allows(Permission::Export));
        assert!(Role::Csm.only_own_accounts());
        assert!(!Role::CsLead.only_own_accounts());
    }

    #[test]
    fn every_role_can_see_some_page() {
        for role in Role::ALL {
            assert!(
                [
                    Permission::ViewSummary,
                    Permission::ViewRevenue,
                    Permission::ViewRetention,
                    Permission::ViewAccounts
                ]
                .iter()
                .any(|p| role.allows(*p)),
                "{role:?}"
            );
        }
    }
}
