//! Sign-in, sessions, MFA, CSRF, roles, share links, audit and isolation,
//! through real HTTP on SQLite and PostgreSQL.

mod support;

use quarterdeck_domain::{Permission, Role};
use quarterdeck_store::testing::TestStore;
use quarterdeck_web::SessionPolicy;
use quarterdeck_web::mfa;
use serde_json::json;
use support::{Browser, PASSWORD, TestApp, between};

quarterdeck_store::backend_stories!(
    pages_say_when_the_range_lies_outside_the_data,
    anonymous_visitors_go_to_login,
    login_sets_a_safe_cookie_and_logout_ends_it,
    failures_never_say_which_field_was_wrong,
    repeated_failures_lock_the_account_out,
    mfa_is_required_enrolled_and_recovery_codes_work_once,
    sessions_expire,
    forms_without_the_token_or_from_another_site_are_refused,
    role_matrix_cell_by_cell,
    csm_sees_only_their_own_accounts,
    share_links_show_one_view_until_revoked_or_expired,
    password_protected_share_link,
    invitations_and_password_resets_work_once,
    tokens_are_listed_and_revoked_in_the_ui,
    audit_log_page_and_csv_are_admin_only,
    another_tenants_ids_are_404_everywhere,
    random_ids_never_reach_another_tenant,
    customer_names_are_escaped,
    kpi_targets_set_in_settings_colour_the_cards,
    save_plays_are_run_from_the_account_page,
);

async fn anonymous_visitors_go_to_login(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let mut b = Browser::new(&app.base);
    for path in [
        "/",
        "/revenue",
        "/accounts",
        "/admin/users",
        "/admin/audit.csv",
        "/account/mfa",
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{path}"
        );
    }
    assert_eq!(b.get("/login").await.status(), 200);
    assert_eq!(b.get("/healthz").await.status(), 200);
}

async fn login_sets_a_safe_cookie_and_logout_ends_it(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = Browser::new(&app.base);
    let r = b.login("acme", "exec@acme.test", PASSWORD, "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP gets no Secure flag: {cookie}"
    );
    assert!(b.page("/").await.contains("Executive summary"));
    let first = b.cookies.clone();

    // Behind HTTPS the cookie is Secure; a second sign-in gets a new session id
    // and the one the browser brought is ended.
    let r = b
        .client
        .post(format!("{}/login", app.base))
        .header("cookie", format!("qd_session={}", first[0].1))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("tenant", "acme"),
            ("email", "exec@acme.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let second = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(second.contains("Secure"));
    assert!(!second.contains(&first[0].1));
    assert_eq!(
        b.get("/").await.status(),
        303,
        "the old session was rotated away"
    );

    let mut b = app.browser("exec@acme.test").await;
    let csrf = b.csrf("/").await;
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(b.get("/").await.status(), 303);
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "login" && e.actor == "exec@acme.test")
    );
    assert!(audit.iter().any(|e| e.action == "logout"));
}

async fn failures_never_say_which_field_was_wrong(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.user("jo@acme.test", Role::Viewer, None).await;
    let mut bodies = Vec::new();
    for (tenant, email, pw) in [
        ("acme", "jo@acme.test", "wrong password here"),
        ("acme", "nobody@acme.test", PASSWORD),
        ("nope", "jo@acme.test", PASSWORD),
    ] {
        let mut b = Browser::new(&app.base);
        let r = b.login(tenant, email, pw, "").await;
        assert_eq!(r.status(), 401);
        let body = r.text().await.unwrap();
        assert!(body.contains("Sign-in failed"));
        bodies.push(between(&body, "role=\"alert\">", "<").unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
}

async fn repeated_failures_lock_the_account_out(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("jo@acme.test", Role::Viewer, None).await;
    app.user("al@acme.test", Role::Viewer, None).await;
    let mut b = Browser::new(&app.base);
    for _ in 0..5 {
        assert_eq!(
            b.login("acme", "jo@acme.test", "not the password", "")
                .await
                .status(),
            401
        );
    }
    let r = b.login("acme", "jo@acme.test", PASSWORD, "").await;
    assert_eq!(r.status(), 429, "locked out even with the right password");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    // Another account from the same address is not locked.
    assert_eq!(
        b.login("acme", "al@acme.test", PASSWORD, "").await.status(),
        303
    );
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "login.failed").count(),
        5
    );
    assert!(audit.iter().any(|e| e.action == "login.throttled"));
}

async fn mfa_is_required_enrolled_and_recovery_codes_work_once(store: TestStore) {
    let app = TestApp::spawn(store).await;
    // The default rule: admins and executives need MFA.
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let r = b.get("/").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account/mfa?required=1");
    let page = b.page("/account/mfa").await;
    assert!(page.contains("requires two-factor sign-in"));
    assert!(page.contains("<svg"), "QR code drawn");
    let secret = between(&page, "name=\"secret\" value=\"", "\"").unwrap();
    let proof = between(&page, "name=\"proof\" value=\"", "\"").unwrap();
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").unwrap();
    // A wrong code changes nothing.
    let r = b
        .post(
            "/account/mfa/enable",
            &[
                ("csrf", &csrf),
                ("secret", &secret),
                ("proof", &proof),
                ("code", "000000"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("did not match"));
    // A secret the client chose (not the one the server issued) is refused.
    let chosen = mfa::new_secret();
    let chosen_code = mfa::current_code(&chosen).unwrap();
    for form_proof in [proof.as_str(), ""] {
        let r = b
            .post(
                "/account/mfa/enable",
                &[
                    ("csrf", &csrf),
                    ("secret", &chosen),
                    ("proof", form_proof),
                    ("code", &chosen_code),
                ],
            )
            .await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("not issued by this page"));
    }
    assert_eq!(b.get("/").await.status(), 303, "still owes MFA");
    let enrol_code = mfa::current_code(&secret).unwrap();
    let r = b
        .post(
            "/account/mfa/enable",
            &[
                ("csrf", &csrf),
                ("secret", &secret),
                ("proof", &proof),
                ("code", &enrol_code),
            ],
        )
        .await;
    let body = r.text().await.unwrap();
    let codes: Vec<String> = body
        .split("<br>")
        .filter_map(|p| p.rsplit('>').next())
        .map(|c| c.trim().to_string())
        .filter(|c| c.len() == 9 && c.as_bytes()[4] == b'-')
        .collect();
    assert_eq!(codes.len(), mfa::RECOVERY_CODES, "{body}");
    assert_eq!(b.get("/").await.status(), 200);

    let mut fresh = Browser::new(&app.base);
    assert_eq!(
        fresh
            .login("acme", "boss@acme.test", PASSWORD, "")
            .await
            .status(),
        401,
        "code missing"
    );
    assert_eq!(
        fresh
            .login("acme", "boss@acme.test", PASSWORD, "123456")
            .await
            .status(),
        401
    );
    // The code that enrolled was spent there; so is each code that signs in.
    let mut replay = Browser::new(&app.base);
    let status = replay
        .login("acme", "boss@acme.test", PASSWORD, &enrol_code)
        .await
        .status();
    assert_eq!(status, 401, "enrolment code replayed");
    let code = mfa::next_code(&secret).unwrap();
    assert_eq!(
        fresh
            .login("acme", "boss@acme.test", PASSWORD, &code)
            .await
            .status(),
        303
    );
    let mut replay = Browser::new(&app.base);
    assert_eq!(
        replay
            .login("acme", "boss@acme.test", PASSWORD, &code)
            .await
            .status(),
        401,
        "a TOTP code works once"
    );
    let mut other = Browser::new(&app.base);
    assert_eq!(
        other
            .login("acme", "boss@acme.test", PASSWORD, &codes[0])
            .await
            .status(),
        303
    );
    let mut again = Browser::new(&app.base);
    assert_eq!(
        again
            .login("acme", "boss@acme.test", PASSWORD, &codes[0])
            .await
            .status(),
        401,
        "used once"
    );
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "mfa.enable"));
    assert!(audit.iter().any(|e| e.action == "mfa.recovery_code_used"));
}

async fn sessions_expire(store: TestStore) {
    let app = TestApp::spawn_with(store, |s| {
        quarterdeck_server::Served::from(s).with_session_policy(SessionPolicy {
            idle: chrono::Duration::zero(),
            absolute: chrono::Duration::days(1),
        })
    })
    .await;
    app.no_mfa_rule().await;
    app.user("jo@acme.test", Role::Viewer, None).await;
    let mut b = app.browser("jo@acme.test").await;
    // Idle longer than allowed (zero): the next request must sign in again.
    let r = b.get("/revenue").await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Frevenue")
    );
}

async fn forms_without_the_token_or_from_another_site_are_refused(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let r = b
        .post(
            "/admin/tokens",
            &[("csrf", "forged"), ("name", "x"), ("read", "1")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let csrf = b.csrf("/admin/tokens").await;
    let r = b
        .client
        .post(format!("{}/admin/tokens", app.base))
        .header("cookie", format!("qd_session={}", b.cookies[0].1))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("name", "x"), ("read", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "cross-site form");
    assert!(
        app.store
            .store
            .list_tokens(app.tenant.id)
            .await
            .unwrap()
            .iter()
            .all(|t| t.name != "x")
    );
    let r = b
        .post(
            "/admin/tokens",
            &[("csrf", &csrf), ("name", "x"), ("read", "1")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("qd_"));
}

/// Every page and download, with the permission it needs.
const CELLS: &[(&str, Permission)] = &[
    ("/revenue", Permission::ViewRevenue),
    ("/retention", Permission::ViewRetention),
    ("/billing", Permission::ViewBilling),
    ("/accounts", Permission::ViewAccounts),
    ("/health", Permission::ViewHealth),
    ("/renewals", Permission::ViewHealth),
    ("/expansion", Permission::ViewHealth),
    ("/segments", Permission::ViewHealth),
    ("/team", Permission::ViewHealth),
    ("/team.csv", Permission::Export),
    ("/team/rebalancing.csv", Permission::Export),
    ("/movements?kind=new", Permission::ViewRevenue),
    ("/summary.json", Permission::ViewSummary),
    ("/summary.csv", Permission::Export),
    ("/revenue.csv", Permission::Export),
    ("/accounts.csv", Permission::Export),
    ("/admin/users", Permission::ManageUsers),
    ("/admin/tokens", Permission::ManageTokens),
    ("/admin/shares", Permission::ShareViews),
    ("/admin/settings", Permission::ManageSettings),
    ("/admin/audit", Permission::ViewAudit),
    ("/admin/audit.csv", Permission::ViewAudit),
];

async fn role_matrix_cell_by_cell(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    for role in Role::ALL {
        let email = format!("{}@acme.test", role.as_str());
        app.user(&email, role, Some("Dana")).await;
        let mut b = app.browser(&email).await;
        let home = b.get("/").await.status();
        let expected_home = if role.allows(Permission::ViewSummary) {
            200
        } else {
            303
        };
        assert_eq!(home, expected_home, "{role:?} /");
        for (path, permission) in CELLS {
            // Exports need the page's own permission too.
            let page_ok = match *path {
                "/summary.csv" => role.allows(Permission::ViewSummary),
                "/revenue.csv" => role.allows(Permission::ViewRevenue),
                "/accounts.csv" => role.allows(Permission::ViewAccounts),
                "/team.csv" | "/team/rebalancing.csv" => role.allows(Permission::ViewHealth),
                _ => true,
            };
            let expected = if role.allows(*permission) && page_ok {
                200
            } else {
                403
            };
            assert_eq!(b.get(path).await.status(), expected, "{role:?} {path}");
        }
    }
}

async fn csm_sees_only_their_own_accounts(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([
                {"id": "c1", "name": "Dana's Client", "csm": "Dana"},
                {"id": "c2", "name": "Someone Else's Client", "csm": "Lee"}
            ]),
        )
        .await;
    assert_eq!(r.status(), 200);
    app.user("dana@acme.test", Role::Csm, Some("Dana")).await;
    let mut b = app.browser("dana@acme.test").await;
    assert_eq!(b.get("/").await.headers()["location"], "/health");
    // Neither has MRR: paying accounts alone are listed unless asked.
    let paying = b.page("/accounts?range=last_12_months").await;
    assert!(!paying.contains("Dana&#39;s Client"), "{paying}");
    assert!(paying.contains("0 paying accounts"), "{paying}");
    let list = b.page("/accounts?range=last_12_months&paying=all").await;
    assert!(
        list.contains("Dana&#39;s Client") || list.contains("Dana's Client"),
        "{list}"
    );
    assert!(!list.contains("Someone Else"));
    // Search by a piece of the name, any case.
    let found = b.page("/accounts?paying=all&search=DANA").await;
    assert!(found.contains("1 account on"), "{found}");
    let none = b.page("/accounts?paying=all&search=nobody").await;
    assert!(none.contains("0 accounts on"), "{none}");
    // Asking for Lee's accounts by filter changes nothing.
    let list = b.page("/accounts?csm=Lee").await;
    assert!(!list.contains("Someone Else"));
    assert_eq!(b.get("/accounts/c2").await.status(), 404);
    assert_eq!(b.get("/accounts/c1").await.status(), 200);
    // Health & risk: their own book only, even when asked for Lee's.
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &json!([
                {"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start", "effective_at": "2025-01-01", "amount": 100},
                {"id": "e2", "customer_id": "c2", "subscription_id": "s2", "type": "start", "effective_at": "2025-01-01", "amount": 100}
            ]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "tickets",
            &app.token,
            &json!([{"id": "t1", "customer_id": "c2", "opened_at": "2025-02-01"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    for path in ["/health.json", "/health.json?csm=Lee"] {
        let health: serde_json::Value = b.get(path).await.json().await.unwrap();
        assert_eq!(health["scored"], 1, "{path}: {health}");
        let csms: Vec<&String> = health["by_csm"].as_object().unwrap().keys().collect();
        assert_eq!(csms, ["Dana"], "{path}");
    }
    // The team view and save plays: their own book only, even when asked for Lee's.
    for path in ["/team.json", "/team.json?csm=Lee"] {
        let team: serde_json::Value = b.get(path).await.json().await.unwrap();
        let csms: Vec<&str> = team["csms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["csm"].as_str().unwrap())
            .collect();
        assert_eq!(csms, ["Dana"], "{path}: {team}");
    }
    // A CSM has no downloads (docs/roles.md).
    assert_eq!(b.get("/health.csv").await.status(), 403);
    assert_eq!(b.get("/team/rebalancing.csv").await.status(), 403);
}

async fn share_links_show_one_view_until_revoked_or_expired(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = app.browser("exec@acme.test").await;
    let csrf = b.csrf("/admin/shares").await;
    let r = b
        .post(
            "/admin/shares",
            &[
                ("csrf", &csrf),
                ("view", "/revenue?range=last_month&segment=smb"),
                ("days", "30"),
                ("password", ""),
            ],
        )
        .await;
    let body = r.text().await.unwrap();
    let url = between(&body, "<div class=\"secret\">", "</div>").unwrap();
    let path = url.trim_start_matches(&app.base).to_string();
    assert!(path.starts_with("/s/qd_"), "{url}");

    let mut anon = Browser::new(&app.base);
    let page = anon.page(&path).await;
    assert!(page.contains("shared, read-only view"));
    assert!(page.contains("Segment: SMB"));
    assert!(page.contains("Revenue"));
    assert!(!page.contains("/admin/"), "no way into other pages");
    assert!(!page.contains("Download CSV"));
    assert!(
        !page.contains("class=\"controls\""),
        "no controls that lead off the link"
    );
    // The link reaches nothing else: not other views, not the API.
    assert_eq!(anon.get(&format!("{path}/../billing")).await.status(), 404);
    assert_eq!(anon.get("/billing").await.status(), 303);
    assert_eq!(anon.get("/api/v1/customers").await.status(), 401);
    assert_eq!(anon.get("/s/qd_nonsense").await.status(), 404);

    let shares = app.store.store.list_shares(app.tenant.id).await.unwrap();
    assert_eq!(shares[0].uses, 1);
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "share.create"));
    assert!(audit.iter().any(|e| e.action == "share.view"));

    let csrf = b.csrf("/admin/shares").await;
    let r = b
        .post(
            &format!("/admin/shares/{}/revoke", shares[0].id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(anon.get(&path).await.status(), 410);

    // An expired link.
    let s = app.store.store.as_ref();
    s.create_share(&quarterdeck_store::NewShareLink {
        tenant_id: app.tenant.id,
        token_hash: quarterdeck_app::credentials::hash_token("qd_expired"),
        prefix: "expire".into(),
        view: "/".into(),
        password_hash: None,
        created_by: "t".into(),
        expires_at: chrono::Utc::now() - chrono::Duration::minutes(1),
    })
    .await
    .unwrap();
    assert_eq!(anon.get("/s/qd_expired").await.status(), 410);
    // Views that are not dashboards cannot be shared.
    let r = b
        .post(
            "/admin/shares",
            &[("csrf", &csrf), ("view", "/admin/users"), ("days", "30")],
        )
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not a view that can be shared")
    );
}

async fn password_protected_share_link(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let (_, token) = app
        .share(
            "/retention?range=last_12_months",
            7,
            Some("board-only-2026"),
        )
        .await
        .unwrap();
    let path = format!("/s/{token}");
    let mut anon = Browser::new(&app.base);
    assert!(anon.page(&path).await.contains("protected by a password"));
    assert_eq!(
        anon.post(&path, &[("password", "guess")]).await.status(),
        401
    );
    assert_eq!(
        anon.post(&path, &[("password", "board-only-2026")])
            .await
            .status(),
        303
    );
    assert!(anon.page(&path).await.contains("Retention"));
    // The unlock cookie opens only this link.
    let mut other = Browser::new(&app.base);
    other.cookies = anon.cookies.clone();
    assert!(other.page(&path).await.contains("Retention"));
}

async fn invitations_and_password_resets_work_once(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut admin = app.browser("boss@acme.test").await;
    let csrf = admin.csrf("/admin/users").await;
    let r = admin
        .post(
            "/admin/users/invite",
            &[
                ("csrf", &csrf),
                ("email", "New@Acme.test"),
                ("role", "finance"),
                ("csm", ""),
            ],
        )
        .await;
    let body = r.text().await.unwrap();
    let url = between(&body, "<div class=\"secret\">", "</div>").unwrap();
    let path = url.trim_start_matches(&app.base).to_string();
    let mut guest = Browser::new(&app.base);
    assert!(guest.page(&path).await.contains("new@acme.test"));
    let weak = guest
        .post(
            &path,
            &[("password", "password123"), ("confirm", "password123")],
        )
        .await;
    assert!(
        weak.text()
            .await
            .unwrap()
            .contains("That password did not work")
    );
    let r = guest
        .post(&path, &[("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(guest.get(&path).await.status(), 410, "used once");
    let mut fin = app.browser("new@acme.test").await;
    assert_eq!(fin.get("/revenue").await.status(), 200);
    assert_eq!(fin.get("/admin/users").await.status(), 403);

    // A reset link: new password works, old one and old sessions do not.
    let user = app
        .store
        .store
        .user_by_email("new@acme.test")
        .await
        .unwrap()
        .unwrap();
    let csrf = admin.csrf("/admin/users").await;
    let r = admin
        .post(
            &format!("/admin/users/{}/reset", user.id),
            &[("csrf", &csrf)],
        )
        .await;
    let body = r.text().await.unwrap();
    let url = between(&body, "<div class=\"secret\">", "</div>").unwrap();
    let path = url.trim_start_matches(&app.base).to_string();
    let new_pw = "a different long passphrase";
    let r = guest
        .post(&path, &[("password", new_pw), ("confirm", new_pw)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        fin.get("/revenue").await.status(),
        303,
        "old sessions ended"
    );
    let mut b = Browser::new(&app.base);
    assert_eq!(
        b.login("acme", "new@acme.test", PASSWORD, "")
            .await
            .status(),
        401
    );
    assert_eq!(
        b.login("acme", "new@acme.test", new_pw, "").await.status(),
        303
    );
    let audit = app
        .store
        .store
        .list_audit(app.tenant.id, 100)
        .await
        .unwrap();
    for action in [
        "user.invite",
        "user.join",
        "password.reset_link",
        "password.reset",
    ] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
}

async fn tokens_are_listed_and_revoked_in_the_ui(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let csrf = b.csrf("/admin/tokens").await;
    let body = b
        .post(
            "/admin/tokens",
            &[
                ("csrf", &csrf),
                ("name", "billing sync"),
                ("ingest", "1"),
                ("read", "1"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let secret = between(&body, "<div class=\"secret\">", "</div>").unwrap();
    assert_eq!(
        app.get("/api/v1/customers", Some(&secret)).await.status(),
        200
    );
    let listed = b.page("/admin/tokens").await;
    assert!(listed.contains("billing sync") && listed.contains("ingest, read"));
    let token = app
        .store
        .store
        .list_tokens(app.tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "billing sync")
        .unwrap();
    assert!(token.last_used_at.is_some(), "last use recorded");
    let r = b
        .post(
            &format!("/admin/tokens/{}/revoke", token.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.get("/api/v1/customers", Some(&secret)).await.status(),
        401
    );
    assert!(b.page("/admin/tokens").await.contains("Revoked"));
}

async fn audit_log_page_and_csv_are_admin_only(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = app.browser("boss@acme.test").await;
    assert!(b.page("/admin/audit").await.contains("login"));
    let r = b.get("/admin/audit.csv").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("id,at,actor,action,target,detail,ip"));
    assert!(csv.contains(",login,"));
    let mut e = app.browser("exec@acme.test").await;
    assert_eq!(e.get("/admin/audit").await.status(), 403);
    assert_eq!(e.get("/admin/audit.csv").await.status(), 403);
    let audit = app
        .store
        .store
        .list_audit(app.tenant.id, 100)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "export.audit_csv"));
}

async fn another_tenants_ids_are_404_everywhere(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let (other, other_token) = app.other_tenant("beta").await;
    // Overlapping ids: both tenants have customer c1; only beta has c9.
    for (token, name) in [(&app.token, "Acme One"), (&other_token, "Beta Secret")] {
        let r = app
            .post("customers", token, &json!([{"id": "c1", "name": name}]))
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        app.post(
            "customers",
            &other_token,
            &json!([{"id": "c9", "name": "Beta Only"}])
        )
        .await
        .status(),
        200
    );
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let page = b.page("/accounts/c1").await;
    assert!(page.contains("Acme One") && !page.contains("Beta Secret"));
    assert_eq!(b.get("/accounts/c9").await.status(), 404);
    assert_eq!(
        app.get("/api/v1/customers/c9", Some(&app.token))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete("/api/v1/customers/c9", &app.token)
            .await
            .status(),
        404
    );
    // Beta's token, share link and user are out of reach of acme's admin.
    let s = app.store.store.as_ref();
    let beta_token = s.list_tokens(other.id).await.unwrap()[0].id;
    let (beta_share, _) = app.share_for(&other, "/", 7, None).await.unwrap();
    let beta_user = s.create_user("b@beta.test", "x").await.unwrap();
    s.set_membership(other.id, beta_user, Role::Viewer, None)
        .await
        .unwrap();
    let csrf = b.csrf("/admin/tokens").await;
    for path in [
        format!("/admin/tokens/{beta_token}/revoke"),
        format!("/admin/shares/{}/revoke", beta_share.id),
        format!("/admin/users/{beta_user}/remove"),
        format!("/admin/users/{beta_user}/reset"),
    ] {
        assert_eq!(
            b.post(&path, &[("csrf", &csrf)]).await.status(),
            404,
            "{path}"
        );
    }
    assert!(
        s.token_by_hash(&s.list_tokens(other.id).await.unwrap()[0].prefix)
            .await
            .is_ok()
    );
    assert!(
        s.list_tokens(other.id).await.unwrap()[0]
            .revoked_at
            .is_none()
    );
    assert!(s.membership(other.id, beta_user).await.unwrap().is_some());
    // A tenant in the login form never opens another tenant's data.
    let mut x = Browser::new(&app.base);
    assert_eq!(
        x.login("beta", "boss@acme.test", PASSWORD, "")
            .await
            .status(),
        401
    );
}

async fn random_ids_never_reach_another_tenant(store: TestStore) {
    use rand::RngExt;
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let (_, other_token) = app.other_tenant("beta").await;
    let secret_ids: Vec<String> = (0..20).map(|i| format!("b{i}")).collect();
    let rows: Vec<_> = secret_ids
        .iter()
        .map(|id| json!({"id": id, "name": format!("BETA-SECRET-{id}")}))
        .collect();
    assert_eq!(
        app.post("customers", &other_token, &json!(rows))
            .await
            .status(),
        200
    );
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let mut rng = rand::rng();
    for i in 0..60 {
        let id = if i % 3 == 0 {
            secret_ids[rng.random_range(0..secret_ids.len())].clone()
        } else {
            let n: u32 = rng.random();
            format!("{}{n}", ["b", "c", "x", ""][rng.random_range(0..4)])
        };
        for path in [
            format!("/accounts/{id}"),
            format!("/movements?kind=new&csm={id}"),
        ] {
            let r = b.get(&path).await;
            let body = r.text().await.unwrap();
            assert!(
                !body.contains("BETA-SECRET"),
                "{path} leaked another tenant's data"
            );
        }
        for path in [
            format!("/api/v1/customers/{id}"),
            format!("/api/v1/accounts/{id}"),
        ] {
            let r = app.get(&path, Some(&app.token)).await;
            assert_ne!(r.status(), 200, "{path}");
        }
    }
}

async fn customer_names_are_escaped(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([{"id": "x1", "name": "<script>alert(1)</script>", "segment": "<b>bold</b>"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    for path in ["/accounts", "/accounts/x1", "/"] {
        let page = b.page(path).await;
        assert!(!page.contains("<script>alert(1)"), "{path}");
        assert!(!page.contains("<b>bold</b>"), "{path}");
    }
    assert!(
        b.page("/accounts/x1")
            .await
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
}

async fn kpi_targets_set_in_settings_colour_the_cards(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(100).await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let csrf = b.csrf("/admin/settings").await;
    // An unreachable MRR target: the card must say so in words, not colour alone.
    let r = b
        .post(
            "/admin/settings/targets",
            &[
                ("csrf", &csrf),
                ("mrr_good", "999999999"),
                ("mrr_bad", "999999998"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = b.page("/?range=last_12_months").await;
    let card = between(&page, "id=\"kpi-mrr\"", "</article>").unwrap();
    assert!(card.contains("Off target"), "{card}");
    let bad = b
        .post(
            "/admin/settings/targets",
            &[("csrf", &csrf), ("mrr_good", "abc"), ("mrr_bad", "1")],
        )
        .await;
    assert!(bad.text().await.unwrap().contains("as numbers"));
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "settings.targets"));
    // Ratios are typed as percentages everywhere (as in the alert form) and
    // kept as fractions.
    let r = b
        .post(
            "/admin/settings/targets",
            &[
                ("csrf", &csrf),
                ("customer_churn_rate_good", "2"),
                ("customer_churn_rate_bad", "4 %"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let stored = app
        .store
        .store
        .get_config(app.tenant.id, "kpi_targets")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.contains("0.02") && stored.contains("0.04"),
        "{stored}"
    );
    let settings = b.page("/admin/settings").await;
    assert!(
        settings.contains("name=\"customer_churn_rate_good\" value=\"2\""),
        "{settings}"
    );
    let r = b
        .post(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("name", "Acme"),
                ("currency", "USD"),
                ("timezone", "UTC"),
                ("gross_margin", "75"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let tenant = app
        .store
        .store
        .tenant_by_slug(&app.tenant.slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tenant.options.gross_margin, Some("0.75".parse().unwrap()));
    assert!(b.page("/admin/settings").await.contains("value=\"75\""));
}

/// A range before the data, or running past today, is said in words; the
/// demo's sign-in page says two-factor sign-in is off there only.
async fn pages_say_when_the_range_lies_outside_the_data(store: TestStore) {
    let app = TestApp::spawn_with(store, |s| {
        let mut served = quarterdeck_server::Served::from(s);
        served.web.demo = true;
        served
    })
    .await;
    let login = app
        .client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        login
            .text()
            .await
            .unwrap()
            .contains("two-factor sign-in is switched off here only")
    );
    app.no_mfa_rule().await;
    app.user("jo@acme.test", Role::Executive, None).await;
    let mut b = app.browser("jo@acme.test").await;
    let empty = b.page("/revenue").await;
    assert!(empty.contains("No revenue data yet"), "{empty}");
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &serde_json::json!([{"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start",
                "effective_at": "2025-03-04", "amount": 100}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let before = b.page("/revenue?from=2024-01-01&to=2024-12-31").await;
    assert!(
        before.contains("ends before the data starts (Mar 4, 2025)"),
        "{before}"
    );
    let straddle = b.page("/revenue?from=2025-01-01&to=2025-06-30").await;
    assert!(
        straddle.contains("The data starts Mar 4, 2025"),
        "{straddle}"
    );
    let future = b.page("/revenue?range=this_month").await;
    assert!(!future.contains("runs past today"));
    let ahead = chrono::Utc::now().date_naive() + chrono::Duration::days(40);
    let future = b
        .page(&format!("/revenue?from=2025-06-01&to={ahead}"))
        .await;
    assert!(future.contains("runs past today"), "{future}");
}

/// A CSM opens a save play on their own account and closes it as saved;
/// another CSM's account is not theirs to touch, and a viewer may not.
async fn save_plays_are_run_from_the_account_page(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([
                {"id": "c1", "name": "Dana's Client", "csm": "Dana"},
                {"id": "c2", "name": "Lee's Client", "csm": "Lee"}
            ]),
        )
        .await;
    assert_eq!(r.status(), 200);
    app.user("dana@acme.test", Role::Csm, Some("Dana")).await;
    let mut b = app.browser("dana@acme.test").await;
    let page = b.page("/accounts/c1").await;
    assert!(page.contains("Open a save play"), "{page}");
    assert!(page.contains("No tickets, CSM activities or opportunities recorded."));
    let csrf = b.csrf("/accounts/c1").await;
    let r = b
        .post(
            "/accounts/c1/save-plays",
            &[
                ("csrf", &csrf),
                ("action", "open"),
                ("reason", "Champion left"),
                ("target_date", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let plays = app.all("save-plays", &app.token).await;
    assert_eq!(plays.len(), 1, "{plays:?}");
    assert_eq!(plays[0]["owner"], "Dana");
    assert_eq!(plays[0]["status"], "open");
    let id = plays[0]["id"].as_str().unwrap().to_string();
    let page = b.page("/accounts/c1").await;
    assert!(page.contains("Champion left"), "{page}");
    // Close it as saved.
    let r = b
        .post(
            "/accounts/c1/save-plays",
            &[("csrf", &csrf), ("action", "saved"), ("play", &id)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let plays = app.all("save-plays", &app.token).await;
    assert_eq!(plays[0]["status"], "saved");
    assert!(plays[0]["closed_at"].is_string());
    let page = b.page("/accounts/c1").await;
    assert!(page.contains("Saved on"), "{page}");
    // Closing it again is refused and changes nothing.
    let r = b
        .post(
            "/accounts/c1/save-plays",
            &[("csrf", &csrf), ("action", "lost"), ("play", &id)],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.all("save-plays", &app.token).await[0]["status"],
        "saved"
    );
    // Lee's account is not Dana's to touch.
    let r = b
        .post(
            "/accounts/c2/save-plays",
            &[("csrf", &csrf), ("action", "open"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 404);
    // A target date before the play opened is refused, naming the field.
    let r = b
        .post(
            "/accounts/c1/save-plays",
            &[
                ("csrf", &csrf),
                ("action", "open"),
                ("reason", "x"),
                ("target_date", "2001-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("target_date"));
    assert_eq!(app.all("save-plays", &app.token).await.len(), 1);
    // A viewer sees plays but may not run them.
    app.user("vic@acme.test", Role::Viewer, None).await;
    let mut v = app.browser("vic@acme.test").await;
    let page = v.page("/accounts/c1").await;
    assert!(page.contains("Champion left") && !page.contains("Open a save play"));
    let csrf = v.csrf("/accounts/c1").await;
    let r = v
        .post(
            "/accounts/c1/save-plays",
            &[("csrf", &csrf), ("action", "open"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 403);
}
