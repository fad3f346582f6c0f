//! The store contract: the same stories against SQLite and PostgreSQL.

use quarterdeck_domain::examples::example_row;
use quarterdeck_domain::{Collection, Currency, Role, Scope, parse_record};
use quarterdeck_store::testing::TestStore;
use quarterdeck_store::{
    AuditEntry, NewApiToken, NewSession, NewShareLink, NewTenant, NewUser, StoreError, UserLink,
    UserLinkKind,
};

quarterdeck_store::backend_stories!(
    tenants_have_unique_slugs,
    tokens_are_found_by_hash_only,
    batches_upsert_by_key,
    a_key_twice_in_one_batch_keeps_the_last,
    tenants_never_see_each_other,
    listing_is_newest_first_with_a_cursor,
    deletes_are_scoped,
    users_join_several_tenants,
    audit_log_appends,
    reopening_keeps_data,
    every_change_moves_the_data_version,
    tenant_settings_update,
    tokens_list_and_revoke_within_their_tenant,
    sessions_mfa_and_recovery_codes,
    user_links_work_once,
    share_links_are_scoped_and_revocable,
    audit_log_is_append_only,
);

fn tenant(slug: &str) -> NewTenant {
    NewTenant {
        slug: slug.into(),
        name: slug.to_uppercase(),
        currency: Currency::USD,
        timezone: "UTC".into(),
    }
}

fn rows(c: Collection, ids: std::ops::Range<usize>) -> Vec<quarterdeck_domain::ParsedRow> {
    ids.map(|n| parse_record(c, &example_row(c, n)).unwrap().to_row())
        .collect()
}

async fn tenants_have_unique_slugs(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("acme")).await.unwrap();
    assert_eq!(a.slug, "acme");
    assert_eq!(a.fiscal_year_start, 1);
    let again = store.create_tenant(&tenant("acme")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.tenant_by_slug("acme").await.unwrap(), Some(a.clone()));
    assert_eq!(store.tenant_by_id(a.id).await.unwrap(), Some(a));
    assert_eq!(store.tenant_by_slug("nope").await.unwrap(), None);
    let b = store.create_tenant(&tenant("beta")).await.unwrap();
    let all = store.list_tenants().await.unwrap();
    assert_eq!(
        all.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
        vec!["acme", "beta"]
    );
    assert_eq!(all[1], b);
}

async fn tokens_are_found_by_hash_only(t: TestStore) {
    let store = t.store.clone();
    let t = store.create_tenant(&tenant("acme")).await.unwrap();
    let tok = store
        .create_token(&NewApiToken {
            tenant_id: t.id,
            name: "ci".into(),
            prefix: "qd_abcd".into(),
            secret_hash: "hash1".into(),
            scopes: vec![Scope::Ingest, Scope::Read],
        })
        .await
        .unwrap();
    let found = store.token_by_hash("hash1").await.unwrap().unwrap();
    assert_eq!(found, tok);
    assert_eq!(found.scopes, vec![Scope::Ingest, Scope::Read]);
    assert_eq!(store.token_by_hash("hash2").await.unwrap(), None);
}

async fn batches_upsert_by_key(t: TestStore) {
    let store = t.store.clone();
    let t = store.create_tenant(&tenant("acme")).await.unwrap();
    for c in Collection::ALL {
        store
            .upsert_records(t.id, c, &rows(c, 0..30))
            .await
            .unwrap();
        store
            .upsert_records(t.id, c, &rows(c, 0..30))
            .await
            .unwrap();
        let expected = rows(c, 0..30)
            .iter()
            .map(|r| r.key.clone())
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(
            store.count_records(t.id, c).await.unwrap(),
            expected.len() as u64,
            "{c}"
        );
    }
    let mut changed = rows(Collection::Invoices, 3..4);
    changed[0].body = changed[0].body.replace("\"147\"", "\"150\"");
    store
        .upsert_records(t.id, Collection::Invoices, &changed)
        .await
        .unwrap();
    let got = store
        .get_record(t.id, Collection::Invoices, "ex_3")
        .await
        .unwrap()
        .unwrap();
    assert!(got.body.contains("\"150\""), "{}", got.body);
}

async fn a_key_twice_in_one_batch_keeps_the_last(t: TestStore) {
    let store = t.store.clone();
    let t = store.create_tenant(&tenant("acme")).await.unwrap();
    let mut batch = rows(Collection::Costs, 0..2);
    let mut again = batch[0].clone();
    again.body = again.body.replace("hosting", "support");
    batch.push(again);
    store
        .upsert_records(t.id, Collection::Costs, &batch)
        .await
        .unwrap();
    assert_eq!(
        store.count_records(t.id, Collection::Costs).await.unwrap(),
        2
    );
    let got = store
        .get_record(t.id, Collection::Costs, "ex_0")
        .await
        .unwrap()
        .unwrap();
    assert!(got.body.contains("support"));
}

async fn tenants_never_see_each_other(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    store
        .upsert_records(a.id, Collection::Costs, &rows(Collection::Costs, 0..5))
        .await
        .unwrap();
    assert_eq!(
        store.count_records(b.id, Collection::Costs).await.unwrap(),
        0
    );
    assert_eq!(
        store
            .get_record(b.id, Collection::Costs, "ex_1")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .list_records(b.id, Collection::Costs, 100, None)
            .await
            .unwrap()
            .is_empty()
    );
    let deleted = store
        .delete_record(b.id, Collection::Costs, "ex_1")
        .await
        .unwrap();
    assert_eq!(deleted, None);
    assert_eq!(
        store.count_records(a.id, Collection::Costs).await.unwrap(),
        5
    );
    // Same ids in both tenants stay apart.
    let mut other = rows(Collection::Costs, 0..1);
    other[0].body = other[0].body.replace("hosting", "b-only");
    store
        .upsert_records(b.id, Collection::Costs, &other)
        .await
        .unwrap();
    let a0 = store
        .get_record(a.id, Collection::Costs, "ex_0")
        .await
        .unwrap()
        .unwrap();
    assert!(a0.body.contains("hosting"));
}

async fn listing_is_newest_first_with_a_cursor(t: TestStore) {
    let store = t.store.clone();
    let t = store.create_tenant(&tenant("acme")).await.unwrap();
    store
        .upsert_records(t.id, Collection::Events, &rows(Collection::Events, 0..5))
        .await
        .unwrap();
    store
        .upsert_records(t.id, Collection::Events, &rows(Collection::Events, 5..10))
        .await
        .unwrap();
    let page1 = store
        .list_records(t.id, Collection::Events, 4, None)
        .await
        .unwrap();
    let keys: Vec<_> = page1.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, vec!["ex_9", "ex_8", "ex_7", "ex_6"]);
    let page2 = store
        .list_records(t.id, Collection::Events, 4, Some(page1[3].seq))
        .await
        .unwrap();
    let keys: Vec<_> = page2.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, vec!["ex_5", "ex_4", "ex_3", "ex_2"]);
    let page3 = store
        .list_records(t.id, Collection::Events, 4, Some(page2[3].seq))
        .await
        .unwrap();
    assert_eq!(page3.len(), 2);
}

async fn deletes_are_scoped(t: TestStore) {
    let store = t.store.clone();
    let t = store.create_tenant(&tenant("acme")).await.unwrap();
    store
        .upsert_records(t.id, Collection::Tickets, &rows(Collection::Tickets, 0..3))
        .await
        .unwrap();
    store
        .upsert_records(t.id, Collection::Costs, &rows(Collection::Costs, 0..3))
        .await
        .unwrap();
    let first = store
        .delete_record(t.id, Collection::Tickets, "ex_1")
        .await
        .unwrap();
    assert!(first.is_some());
    let again = store
        .delete_record(t.id, Collection::Tickets, "ex_1")
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(
        store
            .count_records(t.id, Collection::Tickets)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.count_records(t.id, Collection::Costs).await.unwrap(),
        3
    );
    assert_eq!(store.delete_all_records(t.id).await.unwrap(), 5);
}

async fn users_join_several_tenants(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    let user = |tenant_id, role| NewUser {
        tenant_id,
        email: "ceo@example.com".into(),
        password_hash: "h".into(),
        role,
    };
    let id1 = store
        .upsert_user_membership(&user(a.id, Role::Admin))
        .await
        .unwrap();
    let id2 = store
        .upsert_user_membership(&user(b.id, Role::Viewer))
        .await
        .unwrap();
    assert_eq!(id1, id2);
}

async fn audit_log_appends(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    for action in ["one", "two"] {
        store
            .append_audit(&AuditEntry {
                tenant_id: Some(a.id),
                actor: "cli".into(),
                action: action.into(),
                target: Some("costs/ex_1".into()),
                detail: None,
                ip: None,
            })
            .await
            .unwrap();
    }
    let log = store.list_audit(a.id, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["two", "one"]
    );
    assert!(store.list_audit(b.id, 10).await.unwrap().is_empty());
}

async fn reopening_keeps_data(t: TestStore) {
    let store = t.store.clone();
    let target = t.target.clone();
    let t = store.create_tenant(&tenant("acme")).await.unwrap();
    store
        .upsert_records(t.id, Collection::Costs, &rows(Collection::Costs, 0..3))
        .await
        .unwrap();
    // Opening again runs migrations again: they must be a no-op.
    let again = quarterdeck_store::open(&target).await.unwrap();
    assert_eq!(
        again.count_records(t.id, Collection::Costs).await.unwrap(),
        3
    );
}

async fn every_change_moves_the_data_version(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    let v0 = store.data_version(a.id).await.unwrap();
    let v1 = store
        .upsert_records(a.id, Collection::Costs, &rows(Collection::Costs, 0..3))
        .await
        .unwrap();
    assert!(v1 > v0);
    assert_eq!(store.data_version(a.id).await.unwrap(), v1);
    let v2 = store
        .delete_record(a.id, Collection::Costs, "ex_0")
        .await
        .unwrap()
        .unwrap();
    assert!(v2 > v1);
    assert_eq!(
        store.data_version(b.id).await.unwrap(),
        0,
        "other tenants are untouched"
    );
    store.delete_all_records(a.id).await.unwrap();
    assert!(store.data_version(a.id).await.unwrap() > v2);
    let bodies = store.all_bodies(b.id, Collection::Costs).await.unwrap();
    assert!(bodies.is_empty());
    store
        .upsert_records(b.id, Collection::Costs, &rows(Collection::Costs, 0..2))
        .await
        .unwrap();
    store
        .upsert_records(b.id, Collection::Costs, &rows(Collection::Costs, 5..6))
        .await
        .unwrap();
    let bodies = store.all_bodies(b.id, Collection::Costs).await.unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(bodies[2].contains("ex_5"), "arrival order");
}

async fn tenant_settings_update(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    assert_eq!(a.options, quarterdeck_domain::TenantOptions::default());
    let v = store.data_version(a.id).await.unwrap();
    let options = quarterdeck_domain::TenantOptions {
        delinquency_days: Some(30),
        gross_margin: Some("0.65".parse().unwrap()),
        mfa_roles: Some(vec![quarterdeck_domain::Role::Admin]),
        targets: Default::default(),
    };
    let updated = store
        .update_tenant(
            a.id,
            &quarterdeck_store::TenantUpdate {
                name: "A Corp".into(),
                currency: Currency::parse("GBP").unwrap(),
                timezone: "Europe/London".into(),
                fiscal_year_start: 4,
                options: options.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            updated.name.as_str(),
            updated.currency.code(),
            updated.fiscal_year_start
        ),
        ("A Corp", "GBP", 4)
    );
    assert_eq!(updated.options, options);
    assert_eq!(store.tenant_by_id(a.id).await.unwrap().unwrap(), updated);
    assert!(
        store.data_version(a.id).await.unwrap() > v,
        "metrics depend on settings"
    );
}

fn new_token(tenant_id: i64, hash: &str) -> NewApiToken {
    NewApiToken {
        tenant_id,
        name: "ci".into(),
        prefix: "qd_abc".into(),
        secret_hash: hash.into(),
        scopes: vec![Scope::Read],
    }
}

async fn tokens_list_and_revoke_within_their_tenant(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    let ta = store.create_token(&new_token(a.id, "h1")).await.unwrap();
    store.create_token(&new_token(b.id, "h2")).await.unwrap();
    assert_eq!(store.list_tokens(a.id).await.unwrap().len(), 1);
    // Another tenant cannot revoke it.
    assert!(!store.revoke_token(b.id, ta.id).await.unwrap());
    assert!(store.token_by_hash("h1").await.unwrap().is_some());
    let at = chrono::Utc::now();
    store.touch_token(ta.id, at).await.unwrap();
    assert!(
        store.list_tokens(a.id).await.unwrap()[0]
            .last_used_at
            .is_some()
    );
    assert!(store.revoke_token(a.id, ta.id).await.unwrap());
    assert!(!store.revoke_token(a.id, ta.id).await.unwrap());
    assert!(store.token_by_hash("h1").await.unwrap().is_none());
    assert!(
        store.list_tokens(a.id).await.unwrap()[0]
            .revoked_at
            .is_some()
    );
}

async fn sessions_mfa_and_recovery_codes(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let user = store.create_user("jo@example.com", "hash").await.unwrap();
    assert!(matches!(
        store.create_user("jo@example.com", "hash").await,
        Err(StoreError::Conflict(_))
    ));
    store
        .set_membership(a.id, user, Role::Csm, Some("Jo"))
        .await
        .unwrap();
    let m = store.membership(a.id, user).await.unwrap().unwrap();
    assert_eq!(
        (m.role, m.csm.as_deref(), m.mfa_enabled),
        (Role::Csm, Some("Jo"), false)
    );
    store
        .create_session(&NewSession {
            id_hash: "s1".into(),
            user_id: user,
            tenant_id: a.id,
            csrf: "c".into(),
            ip: None,
        })
        .await
        .unwrap();
    assert_eq!(
        store.session_by_hash("s1").await.unwrap().unwrap().user_id,
        user
    );
    store
        .set_mfa(user, Some("SECRET"), &["r1".into(), "r2".into()])
        .await
        .unwrap();
    assert!(
        store
            .membership(a.id, user)
            .await
            .unwrap()
            .unwrap()
            .mfa_enabled
    );
    assert_eq!(store.recovery_codes_left(user).await.unwrap(), 2);
    assert!(store.use_recovery_code(user, "r1").await.unwrap());
    assert!(!store.use_recovery_code(user, "r1").await.unwrap());
    assert_eq!(store.recovery_codes_left(user).await.unwrap(), 1);
    // A new password ends every session.
    store.set_password(user, "hash2").await.unwrap();
    assert!(store.session_by_hash("s1").await.unwrap().is_none());
    assert_eq!(
        store
            .user_by_email("jo@example.com")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "hash2"
    );
    assert!(store.remove_membership(a.id, user).await.unwrap());
    assert!(store.membership(a.id, user).await.unwrap().is_none());
}

async fn user_links_work_once(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let link = UserLink {
        token_hash: "l1".into(),
        tenant_id: a.id,
        kind: UserLinkKind::Invite,
        email: "new@example.com".into(),
        role: Role::Viewer,
        csm: None,
        created_by: "admin@example.com".into(),
        expires_at: chrono::Utc::now() + chrono::Duration::days(7),
        used_at: None,
    };
    store.create_user_link(&link).await.unwrap();
    let got = store.user_link("l1").await.unwrap().unwrap();
    assert_eq!((got.kind, got.role), (UserLinkKind::Invite, Role::Viewer));
    assert!(store.spend_user_link("l1").await.unwrap());
    assert!(!store.spend_user_link("l1").await.unwrap());
    assert!(
        store
            .user_link("l1")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_some()
    );
}

async fn share_links_are_scoped_and_revocable(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    let share = store
        .create_share(&NewShareLink {
            tenant_id: a.id,
            token_hash: "sh1".into(),
            prefix: "abc".into(),
            view: "/revenue?segment=smb".into(),
            password_hash: None,
            created_by: "x".into(),
            expires_at: chrono::Utc::now() + chrono::Duration::days(30),
        })
        .await
        .unwrap();
    assert_eq!(
        store.share_by_hash("sh1").await.unwrap(),
        Some(share.clone())
    );
    assert!(store.list_shares(b.id).await.unwrap().is_empty());
    assert!(!store.revoke_share(b.id, share.id).await.unwrap());
    store
        .touch_share(share.id, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(store.list_shares(a.id).await.unwrap()[0].uses, 1);
    assert!(store.revoke_share(a.id, share.id).await.unwrap());
    assert!(
        store
            .share_by_hash("sh1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    // Server keys are created once and then shared.
    let k1 = store.server_key("cookie", "first").await.unwrap();
    let k2 = store.server_key("cookie", "second").await.unwrap();
    assert_eq!((k1.as_str(), k2.as_str()), ("first", "first"));
}

async fn audit_log_is_append_only(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    store
        .append_audit(&AuditEntry {
            tenant_id: Some(a.id),
            actor: "x".into(),
            action: "login".into(),
            target: None,
            detail: None,
            ip: Some("127.0.0.1".into()),
        })
        .await
        .unwrap();
    let target = t.target.clone();
    // Straight SQL against the same database: the triggers refuse changes.
    let refused = match target {
        quarterdeck_store::StoreTarget::DataDir(path) => {
            let url = format!("sqlite://{}", path.join("quarterdeck.sqlite").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query("DELETE FROM audit_log")
                .execute(&pool)
                .await
                .is_err()
                && sqlx::query("UPDATE audit_log SET actor = 'y'")
                    .execute(&pool)
                    .await
                    .is_err()
        }
        quarterdeck_store::StoreTarget::Url(url) => {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query("DELETE FROM audit_log")
                .execute(&pool)
                .await
                .is_err()
                && sqlx::query("UPDATE audit_log SET actor = 'y'")
                    .execute(&pool)
                    .await
                    .is_err()
        }
    };
    assert!(refused, "the audit log accepted a change");
    assert_eq!(store.list_audit(a.id, 10).await.unwrap().len(), 1);
}
