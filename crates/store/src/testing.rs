//! Fresh stores for tests: an SQLite file in a temp dir, or a newly created
//! PostgreSQL database (from `QUARTERDECK_TEST_DATABASE_URL`) dropped afterwards.

use crate::{Store, StoreResult, postgres::PgStore, sqlite::SqliteStore};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable that names the PostgreSQL server tests may create databases on.
pub const TEST_DATABASE_URL: &str = "QUARTERDECK_TEST_DATABASE_URL";

/// Which backend a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store that exists for one test and is removed when dropped.
pub struct TestStore {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// Where it lives, to open it again (e.g. from a child process).
    pub target: crate::StoreTarget,
    _cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile_dir::TempDir),
    Database {
        admin: Box<PgConnectOptions>,
        name: String,
    },
}

/// Temp dirs without a dev-dependency leak into the library: a tiny own type.
mod tempfile_dir {
    /// A directory removed on drop.
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Database { admin, name } = self {
            let (admin, name) = (admin.as_ref().clone(), name.clone());
            // Drop runs outside any runtime guarantee: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut conn) = PgConnection::connect_with(&admin).await {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                                .execute(&mut conn)
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

/// Reports a test part that cannot run here: a loud note locally, a failure
/// in CI (`CI` set), where every part must run.
pub fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{reason} — in CI nothing may be skipped");
    }
    eprintln!("SKIPPED: {reason}");
}

/// A fresh store on `backend`; `None` (with a loud note) when PostgreSQL is
/// not configured, a failure in CI.
pub async fn fresh(backend: Backend) -> StoreResult<Option<TestStore>> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique_name("quarterdeck_test"));
            let store = SqliteStore::open(&dir).await?;
            Ok(Some(TestStore {
                store: Arc::new(store),
                target: crate::StoreTarget::DataDir(dir.clone()),
                _cleanup: Cleanup::Dir(tempfile_dir::TempDir(dir)),
            }))
        }
        Backend::Postgres => {
            let Some(url) = std::env::var(TEST_DATABASE_URL)
                .ok()
                .filter(|u| !u.is_empty())
            else {
                skip_or_fail(&format!(
                    "PostgreSQL half of this test: set {TEST_DATABASE_URL} \
                     (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it"
                ));
                return Ok(None);
            };
            let admin = PgConnectOptions::from_str(&url)?;
            let name = unique_name("qd_test");
            let mut conn = PgConnection::connect_with(&admin).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
            let cleanup = Cleanup::Database {
                admin: Box::new(admin.clone()),
                name: name.clone(),
            };
            let store = PgStore::connect(admin.clone().database(&name)).await?;
            let target_url = with_database(&url, &name);
            Ok(Some(TestStore {
                store: Arc::new(store),
                target: crate::StoreTarget::Url(target_url),
                _cleanup: cleanup,
            }))
        }
    }
}

/// `url` with its database path replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Defines one `#[tokio::test]` per story and backend, in modules `sqlite` and
/// `postgres`. Each story is an `async fn(TestStore)`; the PostgreSQL half
/// reports itself skipped when no server is configured.
#[macro_export]
macro_rules! backend_stories {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::testing::run_story($crate::testing::Backend::Sqlite, super::$name).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::testing::run_story($crate::testing::Backend::Postgres, super::$name).await
            })*
        }
    };
}

/// Runs `story` on a fresh store of `backend` (used by `backend_stories!`).
pub async fn run_story<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(TestStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(store) = fresh(backend).await.expect("could not create a test store") else {
        return;
    };
    story(store).await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            super::with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
