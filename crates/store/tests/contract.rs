//! The store contract: the same stories against SQLite and PostgreSQL.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use quarterdeck_domain::examples::example_row;
use quarterdeck_domain::{Collection, Currency, Role, Scope, parse_record};
use quarterdeck_store::testing::TestStore;
use quarterdeck_store::{
    AuditEntry, JobState, NewApiToken, NewJob, NewSession, NewShareLink, NewTenant, NewUser,
    StoreError, TenantId, UserLink, UserLinkKind,
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
    alerts_deduplicate_and_resolve,
    past_alerts_are_history_and_block_nothing,
    digests_config_and_deliveries,
    jobs_run_once_per_idempotency_key,
    failed_jobs_retry_with_backoff_then_die,
    expired_leases_are_taken_over,
    concurrent_workers_claim_each_job_once,
    jobs_list_by_tenant,
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
    let bodies = store
        .bodies_after(b.id, Collection::Costs, 0, 10)
        .await
        .unwrap();
    assert!(bodies.is_empty());
    store
        .upsert_records(b.id, Collection::Costs, &rows(Collection::Costs, 0..2))
        .await
        .unwrap();
    store
        .upsert_records(b.id, Collection::Costs, &rows(Collection::Costs, 5..6))
        .await
        .unwrap();
    let bodies = store
        .bodies_after(b.id, Collection::Costs, 0, 10)
        .await
        .unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(bodies[2].1.contains("ex_5"), "arrival order");
    let first = store
        .bodies_after(b.id, Collection::Costs, 0, 2)
        .await
        .unwrap();
    assert_eq!(first.len(), 2, "a page holds at most `limit`");
    let rest = store
        .bodies_after(b.id, Collection::Costs, first[1].0, 2)
        .await
        .unwrap();
    assert_eq!(
        rest,
        bodies[2..],
        "the next page starts after the last seen"
    );
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
        health: Some(quarterdeck_domain::HealthSettings {
            healthy_from: 75,
            ..Default::default()
        }),
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
    // A TOTP time step is taken once; an older one never again.
    assert!(store.claim_totp_step(user, 100).await.unwrap());
    assert!(!store.claim_totp_step(user, 100).await.unwrap());
    assert!(!store.claim_totp_step(user, 99).await.unwrap());
    assert!(store.claim_totp_step(user, 101).await.unwrap());
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    assert_eq!(store.membership_count(user).await.unwrap(), 1);
    store
        .set_membership(b.id, user, Role::Viewer, None)
        .await
        .unwrap();
    assert_eq!(store.membership_count(user).await.unwrap(), 2);
    assert!(store.remove_membership(a.id, user).await.unwrap());
    assert!(store.membership(a.id, user).await.unwrap().is_none());
    assert_eq!(store.membership_count(user).await.unwrap(), 1);
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

/// Whole seconds: PostgreSQL keeps microseconds, so finer times would not read back equal.
fn clock() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

fn job(tenant_id: Option<TenantId>, kind: &str, key: &str, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        tenant_id,
        kind: kind.into(),
        payload: format!(r#"{{"key":"{key}"}}"#),
        idempotency_key: key.into(),
        run_at,
        max_attempts: 3,
    }
}

async fn jobs_run_once_per_idempotency_key(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let now = clock();
    let lease = Duration::minutes(5);
    let first = store
        .enqueue_job(&job(Some(a.id), "digest", "digest:a:2026-01", now))
        .await
        .unwrap();
    let id = first.expect("a new key is queued");
    let again = store
        .enqueue_job(&job(Some(a.id), "digest", "digest:a:2026-01", now))
        .await
        .unwrap();
    assert_eq!(again, None, "the same key queues nothing");
    let queued = store.job_by_key("digest:a:2026-01").await.unwrap().unwrap();
    assert_eq!(
        (queued.id, queued.state, queued.attempts, queued.tenant_id),
        (id, JobState::Queued, 0, Some(a.id))
    );
    assert_eq!(queued.payload, r#"{"key":"digest:a:2026-01"}"#);
    // Workers take only the kinds they handle.
    assert!(
        store
            .claim_jobs("w1", &["webhook"], 10, lease, now)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = store
        .claim_jobs("w1", &["webhook", "digest"], 10, lease, now)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let running = &claimed[0];
    assert_eq!(
        (running.id, running.state, running.attempts),
        (id, JobState::Running, 1)
    );
    assert_eq!(running.locked_by.as_deref(), Some("w1"));
    assert_eq!(running.locked_until, Some(now + lease));
    assert!(
        store
            .claim_jobs("w2", &[], 10, lease, now + Duration::seconds(1))
            .await
            .unwrap()
            .is_empty(),
        "a leased job is not claimed again"
    );
    assert!(!store.complete_job(id, "w2").await.unwrap());
    assert!(store.complete_job(id, "w1").await.unwrap());
    assert!(!store.complete_job(id, "w1").await.unwrap(), "only once");
    let done = store.job_by_key("digest:a:2026-01").await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
    assert!(done.finished_at.is_some());
    assert_eq!((done.locked_by, done.locked_until), (None, None));
    assert!(
        store
            .claim_jobs("w2", &[], 10, lease, now + Duration::hours(1))
            .await
            .unwrap()
            .is_empty(),
        "a done job is never claimed"
    );
    // Done, the key still refuses a second job: it never runs twice.
    let after = store
        .enqueue_job(&job(Some(a.id), "digest", "digest:a:2026-01", now))
        .await
        .unwrap();
    assert_eq!(after, None);
    assert_eq!(
        store.claim_jobs("w2", &[], 0, lease, now).await.unwrap(),
        vec![]
    );
}

async fn failed_jobs_retry_with_backoff_then_die(t: TestStore) {
    let store = t.store.clone();
    let now = clock();
    let lease = Duration::minutes(5);
    let id = store
        .enqueue_job(&job(None, "webhook", "hook:1", now))
        .await
        .unwrap()
        .unwrap();
    let mut at = now;
    for attempt in 1..=2 {
        let claimed = store.claim_jobs("w", &[], 1, lease, at).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        assert_eq!(claimed[0].attempts, attempt);
        let retry_at = at + quarterdeck_store::backoff(attempt);
        assert!(
            store
                .fail_job(id, "w", &format!("HTTP 503 #{attempt}"), Some(retry_at))
                .await
                .unwrap()
        );
        let failed = store.job_by_key("hook:1").await.unwrap().unwrap();
        assert_eq!(failed.state, JobState::Failed);
        assert_eq!(failed.run_at, retry_at);
        assert!(failed.run_at > at);
        assert_eq!(failed.last_error, Some(format!("HTTP 503 #{attempt}")));
        assert_eq!((failed.locked_by, failed.finished_at), (None, None));
        assert!(
            store
                .claim_jobs("w", &[], 1, lease, retry_at - Duration::seconds(1))
                .await
                .unwrap()
                .is_empty(),
            "not before its retry time"
        );
        at = retry_at;
    }
    // The third and last attempt fails: the job is dead even with a retry time.
    let claimed = store.claim_jobs("w", &[], 1, lease, at).await.unwrap();
    assert_eq!(claimed[0].attempts, 3);
    assert!(
        !store
            .fail_job(id, "other", "not mine", Some(at))
            .await
            .unwrap()
    );
    assert!(
        store
            .fail_job(id, "w", "HTTP 503 #3", Some(at + Duration::minutes(2)))
            .await
            .unwrap()
    );
    let dead = store.job_by_key("hook:1").await.unwrap().unwrap();
    assert_eq!(
        (dead.state, dead.attempts, dead.last_error.as_deref()),
        (JobState::Dead, 3, Some("HTTP 503 #3"))
    );
    assert!(dead.finished_at.is_some());
    assert!(
        store
            .claim_jobs("w", &[], 1, lease, at + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
    // A failure without a retry time ends the job at once.
    let id = store
        .enqueue_job(&job(None, "webhook", "hook:2", now))
        .await
        .unwrap()
        .unwrap();
    store.claim_jobs("w", &[], 1, lease, now).await.unwrap();
    assert!(store.fail_job(id, "w", "410 Gone", None).await.unwrap());
    let dead = store.job_by_key("hook:2").await.unwrap().unwrap();
    assert_eq!((dead.state, dead.attempts), (JobState::Dead, 1));
}

async fn expired_leases_are_taken_over(t: TestStore) {
    let store = t.store.clone();
    let now = clock();
    let id = store
        .enqueue_job(&job(None, "alerts", "alerts:1", now))
        .await
        .unwrap()
        .unwrap();
    let short = Duration::seconds(30);
    let old = store.claim_jobs("old", &[], 5, short, now).await.unwrap();
    assert_eq!(old.len(), 1);
    assert!(
        store
            .claim_jobs("new", &[], 5, short, now + short)
            .await
            .unwrap()
            .is_empty(),
        "the lease holds until it ends"
    );
    // The old worker died mid-run: once its lease ended, another takes the job.
    let later = now + short + Duration::seconds(1);
    let taken = store.claim_jobs("new", &[], 5, short, later).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(
        (
            taken[0].id,
            taken[0].attempts,
            taken[0].locked_by.as_deref()
        ),
        (id, 2, Some("new"))
    );
    assert_eq!(taken[0].locked_until, Some(later + short));
    assert!(!store.complete_job(id, "old").await.unwrap());
    assert!(!store.fail_job(id, "old", "late", None).await.unwrap());
    assert!(store.complete_job(id, "new").await.unwrap());
    assert_eq!(
        store.job_by_key("alerts:1").await.unwrap().unwrap().state,
        JobState::Done
    );

    // A job whose every attempt lost its worker ends dead rather than looping.
    let once = NewJob {
        max_attempts: 1,
        ..job(None, "alerts", "alerts:2", now)
    };
    store.enqueue_job(&once).await.unwrap().unwrap();
    assert_eq!(
        store
            .claim_jobs("old", &[], 5, short, now)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .claim_jobs("new", &[], 5, short, later)
            .await
            .unwrap()
            .is_empty()
    );
    let dead = store.job_by_key("alerts:2").await.unwrap().unwrap();
    assert_eq!((dead.state, dead.attempts), (JobState::Dead, 1));
    assert_eq!(
        dead.last_error.as_deref(),
        Some("the lease of old ran out on the last attempt")
    );
    assert_eq!((dead.locked_by, dead.locked_until), (None, None));
}

async fn concurrent_workers_claim_each_job_once(t: TestStore) {
    let store = t.store.clone();
    let now = clock();
    for n in 0..100 {
        store
            .enqueue_job(&job(None, "digest", &format!("job:{n}"), now))
            .await
            .unwrap()
            .unwrap();
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let worker = format!("w{w}");
                let mut mine = Vec::new();
                loop {
                    let jobs = store
                        .claim_jobs(&worker, &[], 3, Duration::minutes(5), now)
                        .await
                        .unwrap();
                    if jobs.is_empty() {
                        break;
                    }
                    for job in jobs {
                        assert!(store.complete_job(job.id, &worker).await.unwrap());
                        mine.push(job.id);
                    }
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut busy = 0;
    for w in workers {
        let mine = w.await.unwrap();
        busy += usize::from(!mine.is_empty());
        all.extend(mine);
    }
    let claimed = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(claimed, all.len(), "a job was claimed twice");
    assert_eq!(all.len(), 100, "every job was claimed");
    assert!(busy >= 1);
    let jobs = store.list_jobs(None, 1000).await.unwrap();
    assert!(
        jobs.iter()
            .all(|j| j.state == JobState::Done && j.attempts == 1)
    );
}

async fn jobs_list_by_tenant(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    let now = clock();
    for key in ["a1", "a2", "a3"] {
        store
            .enqueue_job(&job(Some(a.id), "digest", key, now))
            .await
            .unwrap();
    }
    store
        .enqueue_job(&job(Some(b.id), "digest", "b1", now))
        .await
        .unwrap();
    store
        .enqueue_job(&job(None, "cleanup", "server1", now))
        .await
        .unwrap();
    let keys = |jobs: Vec<quarterdeck_store::Job>| {
        jobs.into_iter()
            .map(|j| j.idempotency_key)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(store.list_jobs(Some(a.id), 10).await.unwrap()),
        vec!["a3", "a2", "a1"]
    );
    assert_eq!(
        keys(store.list_jobs(Some(a.id), 2).await.unwrap()),
        vec!["a3", "a2"]
    );
    assert_eq!(
        keys(store.list_jobs(Some(b.id), 10).await.unwrap()),
        vec!["b1"]
    );
    assert_eq!(
        keys(store.list_jobs(None, 10).await.unwrap()),
        vec!["server1", "b1", "a3", "a2", "a1"]
    );
    assert_eq!(store.job_by_key("nope").await.unwrap(), None);
}

fn alert(tenant_id: i64, key: &str) -> quarterdeck_store::NewAlert {
    quarterdeck_store::NewAlert {
        tenant_id,
        key: key.into(),
        rule: "threshold:r1".into(),
        severity: quarterdeck_domain::Severity::Warning,
        title: "Churn above 3 %".into(),
        detail: "{}".into(),
    }
}

async fn past_alerts_are_history_and_block_nothing(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let opened: chrono::DateTime<chrono::Utc> = "2026-05-04T09:00:00Z".parse().unwrap();
    let resolved: chrono::DateTime<chrono::Utc> = "2026-05-11T09:00:00Z".parse().unwrap();
    let past = store
        .record_past_alert(&alert(a.id, "k1"), opened, resolved)
        .await
        .unwrap();
    assert_eq!(past.state, quarterdeck_domain::AlertState::Resolved);
    assert_eq!((past.opened_at, past.resolved_at), (opened, Some(resolved)));
    // A second time is a second, separate episode; neither blocks a live alert.
    store
        .record_past_alert(&alert(a.id, "k1"), resolved, resolved)
        .await
        .unwrap();
    assert!(
        store
            .open_alert(&alert(a.id, "k1"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.count_open_alerts(a.id).await.unwrap(), 1);
    assert_eq!(store.list_alerts(a.id, false, 10).await.unwrap().len(), 3);
}

async fn alerts_deduplicate_and_resolve(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let b = store.create_tenant(&tenant("b")).await.unwrap();
    let first = store.open_alert(&alert(a.id, "k1")).await.unwrap().unwrap();
    assert!(
        store
            .open_alert(&alert(a.id, "k1"))
            .await
            .unwrap()
            .is_none(),
        "deduplicated"
    );
    assert!(
        store
            .open_alert(&alert(b.id, "k1"))
            .await
            .unwrap()
            .is_some(),
        "per tenant"
    );
    assert_eq!(
        store.alert(a.id, first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.alert(b.id, first.id).await.unwrap(),
        None,
        "scoped to its tenant"
    );
    assert!(
        !store
            .set_alert_state(
                b.id,
                first.id,
                quarterdeck_domain::AlertState::Acknowledged,
                "x"
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .set_alert_state(
                a.id,
                first.id,
                quarterdeck_domain::AlertState::Acknowledged,
                "jo"
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .open_alert(&alert(a.id, "k1"))
            .await
            .unwrap()
            .is_none(),
        "acknowledged still blocks"
    );
    let mut critical = alert(a.id, "k2");
    critical.severity = quarterdeck_domain::Severity::Critical;
    store.open_alert(&critical).await.unwrap().unwrap();
    assert_eq!(store.count_open_alerts(a.id).await.unwrap(), 2);
    assert_eq!(
        store.top_open_alerts(a.id, 1).await.unwrap()[0].key,
        "k2",
        "most severe first"
    );
    store.resolve_alerts(a.id, &["k2".into()]).await.unwrap();
    assert_eq!(store.resolve_alerts(a.id, &["k1".into()]).await.unwrap(), 1);
    assert!(store.list_alerts(a.id, true, 10).await.unwrap().is_empty());
    // Once resolved, the same key may open again.
    assert!(
        store
            .open_alert(&alert(a.id, "k1"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.list_alerts(a.id, false, 10).await.unwrap().len(), 3);
}

async fn digests_config_and_deliveries(t: TestStore) {
    let store = t.store.clone();
    let a = store.create_tenant(&tenant("a")).await.unwrap();
    let u = store.create_user("jo@example.com", "h").await.unwrap();
    store
        .set_membership(a.id, u, Role::Executive, None)
        .await
        .unwrap();
    let sub = quarterdeck_store::DigestSubscription {
        tenant_id: a.id,
        user_id: u,
        email: "jo@example.com".into(),
        cadence: quarterdeck_domain::Cadence::Weekly,
        weekday: 1,
        monthday: 1,
        hour: 8,
        time_zone: "Europe/Berlin".into(),
    };
    store.set_digest(&sub, "unsub1").await.unwrap();
    assert_eq!(store.digest_for(a.id, u).await.unwrap(), Some(sub.clone()));
    assert_eq!(store.all_digests().await.unwrap(), vec![sub]);
    assert!(store.unsubscribe("unsub1").await.unwrap());
    assert!(store.all_digests().await.unwrap().is_empty());
    let v = store.data_version(a.id).await.unwrap();
    store.set_config(a.id, "alert_rules", "[]").await.unwrap();
    store.set_config(a.id, "alert_rules", "[1]").await.unwrap();
    assert_eq!(
        store
            .get_config(a.id, "alert_rules")
            .await
            .unwrap()
            .as_deref(),
        Some("[1]")
    );
    // Compare-and-set: only from the value the edit read.
    assert!(
        !store
            .replace_config(a.id, "alert_rules", Some("[]"), "[2]")
            .await
            .unwrap()
    );
    assert!(
        store
            .replace_config(a.id, "alert_rules", Some("[1]"), "[1,2]")
            .await
            .unwrap()
    );
    assert!(
        !store
            .replace_config(a.id, "alert_rules", None, "[3]")
            .await
            .unwrap()
    );
    assert!(
        store
            .replace_config(a.id, "webhooks", None, "[]")
            .await
            .unwrap()
    );
    assert!(
        !store
            .replace_config(a.id, "webhooks", None, "[9]")
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_config(a.id, "alert_rules")
            .await
            .unwrap()
            .as_deref(),
        Some("[1,2]")
    );
    assert_eq!(
        store.data_version(a.id).await.unwrap(),
        v,
        "config is not metric data"
    );
    store
        .record_delivery(&quarterdeck_store::NewDelivery {
            tenant_id: a.id,
            kind: quarterdeck_domain::DeliveryKind::Email,
            recipient: "jo@example.com".into(),
            subject: "Weekly digest".into(),
            message_id: Some("<m1@q>".into()),
            outcome: quarterdeck_domain::DeliveryOutcome::Sent,
            error: None,
        })
        .await
        .unwrap();
    assert_eq!(
        store.list_deliveries(a.id, 10).await.unwrap()[0]
            .message_id
            .as_deref(),
        Some("<m1@q>")
    );
}
