//! What an attacker tried and must not get (the hardening issue): another
//! tenant's login, an open redirect, unthrottled share-link guesses, NUL
//! bytes, sloppy numbers — through real HTTP on SQLite and PostgreSQL.

mod support;

use quarterdeck_app::admin;
use quarterdeck_app::audit::Actor;
use quarterdeck_domain::Role;
use quarterdeck_store::testing::TestStore;
use serde_json::json;
use support::{Browser, PASSWORD, TestApp, between};

quarterdeck_store::backend_stories!(
    another_tenants_admin_cannot_reset_a_shared_persons_password,
    a_reset_link_stops_working_once_the_person_joins_another_tenant,
    invitations_read_the_same_whether_or_not_the_email_has_a_login,
    sign_in_never_redirects_off_site,
    share_link_passwords_are_throttled_and_long,
    nul_bytes_are_refused_not_a_server_error,
    optional_numbers_and_decimal_places_are_checked,
    metric_limits_hold_for_pages_and_exports,
);

/// A second tenant `beta` whose admin `evil@beta.test` is signed in (no MFA rule).
async fn beta_with_admin(app: &TestApp) -> (quarterdeck_store::Tenant, Browser) {
    let s = app.store.store.as_ref();
    let (beta, _) = app.other_tenant("beta").await;
    admin::create_user(s, &beta, "evil@beta.test", Role::Admin, PASSWORD)
        .await
        .unwrap();
    let changes = admin::TenantChanges {
        mfa_roles: Some(Vec::new()),
        ..Default::default()
    };
    admin::update_tenant(s, "beta", &changes, &Actor::cli())
        .await
        .unwrap();
    let mut b = Browser::new(&app.base);
    assert_eq!(
        b.login("beta", "evil@beta.test", PASSWORD, "")
            .await
            .status(),
        303
    );
    (beta, b)
}

async fn another_tenants_admin_cannot_reset_a_shared_persons_password(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("ceo@acme.test", Role::Viewer, None).await;
    let (beta, mut evil) = beta_with_admin(&app).await;
    // The person also belongs to beta (as a viewer there).
    let s = app.store.store.as_ref();
    let person = s.user_by_email("ceo@acme.test").await.unwrap().unwrap();
    s.set_membership(beta.id, person.id, Role::Viewer, None)
        .await
        .unwrap();
    let mut ceo = app.browser("ceo@acme.test").await;
    assert_eq!(ceo.get("/").await.status(), 200);

    let csrf = evil.csrf("/admin/users").await;
    let r = evil
        .post(
            &format!("/admin/users/{}/reset", person.id),
            &[("csrf", &csrf)],
        )
        .await;
    let body = r.text().await.unwrap();
    assert!(body.contains("also opens another workspace"), "{body}");
    assert!(!body.contains("/reset/"), "no link was issued");
    // Nothing changed: the person's password and session still work.
    assert_eq!(ceo.get("/").await.status(), 200);
    let mut again = Browser::new(&app.base);
    assert_eq!(
        again
            .login("acme", "ceo@acme.test", PASSWORD, "")
            .await
            .status(),
        303
    );
}

async fn a_reset_link_stops_working_once_the_person_joins_another_tenant(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let (beta, mut evil) = beta_with_admin(&app).await;
    let s = app.store.store.as_ref();
    admin::create_user(s, &beta, "jo@beta.test", Role::Viewer, PASSWORD)
        .await
        .unwrap();
    let jo = s.user_by_email("jo@beta.test").await.unwrap().unwrap();
    // While Jo belongs to beta alone, beta's admin may issue a reset link...
    let csrf = evil.csrf("/admin/users").await;
    let body = evil
        .post(&format!("/admin/users/{}/reset", jo.id), &[("csrf", &csrf)])
        .await
        .text()
        .await
        .unwrap();
    let url = between(&body, "<div class=\"secret\">", "</div>").unwrap();
    let path = url.trim_start_matches(&app.base).to_string();
    // ...but once Jo also joins acme, the link opens nothing.
    s.set_membership(app.tenant.id, jo.id, Role::Viewer, None)
        .await
        .unwrap();
    let new_pw = "an entirely new passphrase";
    let mut guest = Browser::new(&app.base);
    let r = guest
        .post(&path, &[("password", new_pw), ("confirm", new_pw)])
        .await;
    assert_eq!(r.status(), 410);
    let mut b = Browser::new(&app.base);
    assert_eq!(
        b.login("acme", "jo@beta.test", PASSWORD, "").await.status(),
        303,
        "Jo's own password still opens acme"
    );
}

async fn invitations_read_the_same_whether_or_not_the_email_has_a_login(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("known@acme.test", Role::Viewer, None).await;
    let (_, mut evil) = beta_with_admin(&app).await;
    let known = invite(&mut evil, "known@acme.test").await;
    let unknown = invite(&mut evil, "nobody@else.test").await;
    let mut b = Browser::new(&app.base);
    let known_page = b
        .page(&format!("/invite/{known}"))
        .await
        .replace("known@acme.test", "EMAIL");
    let unknown_page = b
        .page(&format!("/invite/{unknown}"))
        .await
        .replace("nobody@else.test", "EMAIL");
    assert_eq!(
        known_page, unknown_page,
        "the page must not tell who has a login"
    );
    // A password that does not work gets one answer either way.
    let answer = |token: String| {
        let base = app.base.clone();
        async move {
            let mut b = Browser::new(&base);
            let r = b
                .post(
                    &format!("/invite/{token}"),
                    &[("password", "short"), ("confirm", "short")],
                )
                .await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s1, b1) = answer(known.clone()).await;
    let (s2, b2) = answer(unknown.clone()).await;
    assert_eq!(s1, s2);
    assert_eq!(
        b1.replace("known@acme.test", "EMAIL"),
        b2.replace("nobody@else.test", "EMAIL")
    );
    assert!(b1.contains("That password did not work"));
    // The known person joins with their own password, which stays theirs.
    let mut p = Browser::new(&app.base);
    let r = p
        .post(
            &format!("/invite/{known}"),
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut b = Browser::new(&app.base);
    assert_eq!(
        b.login("beta", "known@acme.test", PASSWORD, "")
            .await
            .status(),
        303
    );
}

/// An invitation from `admin`'s Users page; the link's token.
async fn invite(admin: &mut Browser, email: &str) -> String {
    let csrf = admin.csrf("/admin/users").await;
    let body = admin
        .post(
            "/admin/users/invite",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("role", "viewer"),
                ("csm", ""),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let url = between(&body, "<div class=\"secret\">", "</div>").unwrap();
    url.rsplit('/').next().unwrap().to_string()
}

async fn sign_in_never_redirects_off_site(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("jo@acme.test", Role::Admin, None).await;
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: a=b",
        "https://evil.example/",
    ] {
        let mut b = Browser::new(&app.base);
        let r = b
            .post(
                "/login",
                &[
                    ("tenant", "acme"),
                    ("email", "jo@acme.test"),
                    ("password", PASSWORD),
                    ("totp", ""),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/", "{next:?}");
        // The login page's hidden field never carries it either.
        let page = b
            .get(&format!("/login?next={}", urlencoding::encode(next)))
            .await;
        let status = page.status();
        let body = page.text().await.unwrap();
        assert!(status == 200 || status == 303, "{next:?}: {status}");
        assert!(!body.contains("evil.example"), "{next:?}");
    }
    // An in-app target is kept.
    let mut b = Browser::new(&app.base);
    let r = b
        .post(
            "/login",
            &[
                ("tenant", "acme"),
                ("email", "jo@acme.test"),
                ("password", PASSWORD),
                ("totp", ""),
                ("next", "/revenue?range=last_quarter"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/revenue?range=last_quarter");
}

async fn share_link_passwords_are_throttled_and_long(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let s = app.store.store.as_ref();
    let short = app.share("/revenue", 7, Some("eight888")).await;
    assert!(short.is_err(), "an 8-character password is too short");
    let (_, token) = app
        .share("/revenue", 7, Some("board-only-2026"))
        .await
        .unwrap();
    let path = format!("/s/{token}");
    let mut anon = Browser::new(&app.base);
    let mut statuses = Vec::new();
    for i in 0..8 {
        let r = anon
            .post(&path, &[("password", &format!("guess number {i}"))])
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // Throttled: even the right password waits, and says how long.
    let r = anon.post(&path, &[("password", "board-only-2026")]).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Wait"));
    let audit = s.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "share.password_failed"));
}

async fn nul_bytes_are_refused_not_a_server_error(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let r = app.get("/api/v1/customers/a%00b", Some(&app.token)).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("NUL"));
    let r = app.delete("/api/v1/customers/a%00b", &app.token).await;
    assert_eq!(r.status(), 400);
    let r = app
        .get("/api/v1/metrics/summary?segment=a%00b", Some(&app.token))
        .await;
    assert_eq!(r.status(), 400);
    for (tenant, email) in [("ac\0me", "jo@acme.test"), ("acme", "jo\0@acme.test")] {
        let mut b = Browser::new(&app.base);
        let r = b.login(tenant, email, PASSWORD, "").await;
        assert_eq!(r.status(), 400, "{tenant:?} {email:?}");
    }
    // A NUL inside ingested text is refused in ids and kept escaped elsewhere.
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([{"id": "c\u{0}1", "name": "x"}]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([{"id": "c1", "name": "a\u{0}b"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app.get("/api/v1/customers/c1", Some(&app.token)).await;
    assert_eq!(r.status(), 200);
}

async fn optional_numbers_and_decimal_places_are_checked(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let base = json!({"id": "e1", "customer_id": "c1", "subscription_id": "s1",
        "type": "start", "effective_at": "2025-01-01", "amount": "10", "currency": "USD"});
    let with = |k: &str, v: serde_json::Value| {
        let mut row = base.clone();
        row[k] = v;
        json!([row])
    };
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &with("quantity", json!("")),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "quantity");
    let thirty = format!("10.{}1", "0".repeat(29));
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &with("amount", json!(thirty)),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 28"),
        "{body}"
    );
    // Nothing was stored; null and absent still mean "not given".
    assert!(app.all("subscription-events", &app.token).await.is_empty());
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &with("quantity", json!(null)),
        )
        .await;
    assert_eq!(r.status(), 200);
}

async fn metric_limits_hold_for_pages_and_exports(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(40).await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    for path in [
        "/retention?from=1925-01-01&to=2025-12-31",
        "/revenue?from=1900-01-01&to=2200-12-31&interval=day",
        "/revenue.json?from=1900-01-01&to=2200-12-31&interval=day",
        "/revenue.csv?from=1900-01-01&to=2200-12-31&interval=day",
        "/report.pdf?from=1900-01-01&to=2200-12-31",
        "/report.xlsx?from=1900-01-01&to=2200-12-31",
        "/?from=2025-01-01&to=9999-12-31",
        "/accounts?from=-2026-12-30",
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("1,500 buckets")
                || body.contains("10,000 cells")
                || body.contains("supported dates"),
            "{path}: {body:.400}"
        );
    }
    // The API answers alike.
    let r = app
        .get(
            "/api/v1/metrics/cohorts?by=month&from=1900-01-01&to=2200-12-31",
            Some(&app.read_token),
        )
        .await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["param"], "from");
}
