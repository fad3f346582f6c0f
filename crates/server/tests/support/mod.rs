//! `TestApp`: the real server on port 0 over a fresh store, with a tenant and tokens.

#![allow(dead_code)]

use quarterdeck_app::audit::Actor;
use quarterdeck_app::{AppState, admin};
use quarterdeck_domain::Scope;
use quarterdeck_store::Tenant;
use quarterdeck_store::testing::TestStore;
use reqwest::{Client, Response};
use serde_json::Value;

/// A running server and everything a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub tenant: Tenant,
    /// Token with `ingest` only.
    pub ingest_token: String,
    /// Token with `read` only.
    pub read_token: String,
    /// Token with `ingest` and `read`.
    pub token: String,
    pub store: TestStore,
    /// The application state the server runs on (its clock, its store).
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// Starts the app on a random local port with tenant `acme`.
    pub async fn spawn(store: TestStore) -> Self {
        Self::spawn_with(store, |s| s).await
    }

    /// Like `spawn`, with the state adjusted first (e.g. session lifetimes).
    pub async fn spawn_with<S: Into<quarterdeck_server::Served>>(
        store: TestStore,
        adjust: impl FnOnce(AppState) -> S,
    ) -> Self {
        quarterdeck_app::install_crypto();
        let s = store.store.as_ref();
        let tenant = admin::create_tenant(s, "acme", Some("Acme"), "USD", "UTC")
            .await
            .unwrap();
        let token_with = |scopes: &'static [Scope]| {
            let tenant = tenant.clone();
            async move {
                admin::create_token(s, &tenant, scopes, "test", &Actor::cli())
                    .await
                    .unwrap()
                    .1
            }
        };
        let ingest_token = token_with(&[Scope::Ingest]).await;
        let read_token = token_with(&[Scope::Read]).await;
        let token = token_with(&[Scope::Ingest, Scope::Read]).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served: quarterdeck_server::Served = adjust(AppState::new(store.store.clone())).into();
        let state = served.app.clone();
        tokio::spawn(quarterdeck_server::serve(listener, served, async move {
            let _ = rx.await;
        }));
        Self {
            base,
            client: Client::new(),
            tenant,
            ingest_token,
            read_token,
            token,
            store,
            state,
            shutdown: Some(tx),
        }
    }

    /// A share link of `view` for `tenant`, made as the CLI makes one.
    pub async fn share_for(
        &self,
        tenant: &quarterdeck_store::Tenant,
        view: &str,
        days: i64,
        password: Option<&str>,
    ) -> Result<(quarterdeck_store::ShareLink, String), quarterdeck_app::shares::ShareError> {
        let request = quarterdeck_app::shares::ShareRequest {
            view,
            days,
            password,
        };
        quarterdeck_web::share::create_share(&self.state, tenant, request, &Actor::cli()).await
    }

    /// A share link of `view` for the test tenant.
    pub async fn share(
        &self,
        view: &str,
        days: i64,
        password: Option<&str>,
    ) -> Result<(quarterdeck_store::ShareLink, String), quarterdeck_app::shares::ShareError> {
        self.share_for(&self.tenant, view, days, password).await
    }

    /// A second tenant with its own read+ingest token.
    pub async fn other_tenant(&self, slug: &str) -> (Tenant, String) {
        let s = self.store.store.as_ref();
        let t = admin::create_tenant(s, slug, None, "EUR", "Europe/Berlin")
            .await
            .unwrap();
        let (_, secret) =
            admin::create_token(s, &t, &[Scope::Ingest, Scope::Read], "t", &Actor::cli())
                .await
                .unwrap();
        (t, secret)
    }

    /// `POST /api/v1/<collection>` with a JSON body.
    pub async fn post(&self, collection: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}/api/v1/{collection}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/v1/<collection>` with the app's token, which must be
    /// accepted (the response body is shown when it is not).
    pub async fn post_ok(&self, collection: &str, body: Value) {
        let r = self.post(collection, &self.token, &body).await;
        assert_eq!(r.status(), 200, "{collection}: {}", r.text().await.unwrap());
    }

    /// `POST` raw bytes with a content type.
    pub async fn post_raw(
        &self,
        collection: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Response {
        let mut req = self
            .client
            .post(format!("{}/api/v1/{collection}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// `GET path` with a token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// `DELETE path` with a token.
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Every stored record of a collection, via the API, oldest first.
    pub async fn all(&self, collection: &str, token: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = self
                .get(
                    &format!("/api/v1/{collection}?limit=1000&cursor={cursor}"),
                    Some(token),
                )
                .await;
            assert_eq!(r.status(), 200);
            let page: Value = r.json().await.unwrap();
            out.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => break,
            }
        }
        out.reverse();
        out
    }
}

/// A browser: keeps the session cookie, never follows redirects (tests check them).
pub struct Browser {
    pub base: String,
    pub client: Client,
    pub cookies: Vec<(String, String)>,
}

impl Browser {
    /// A fresh browser with no cookies.
    pub fn new(base: &str) -> Self {
        quarterdeck_app::install_crypto();
        Self {
            base: base.to_string(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, r: &Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !val.is_empty() && !v.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Response {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    /// `GET path`, expecting 200, returning the body.
    pub async fn page(&mut self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.unwrap()
    }

    /// `POST path` with form fields.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    /// Signs in through the form.
    pub async fn login(
        &mut self,
        tenant: &str,
        email: &str,
        password: &str,
        totp: &str,
    ) -> Response {
        self.post(
            "/login",
            &[
                ("tenant", tenant),
                ("email", email),
                ("password", password),
                ("totp", totp),
            ],
        )
        .await
    }

    /// The anti-forgery token embedded in a page.
    pub async fn csrf(&mut self, path: &str) -> String {
        let body = self.page(path).await;
        between(&body, "name=\"csrf\" value=\"", "\"").expect("page has a form token")
    }
}

/// The text between `start` and the next `end`.
pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let i = text.find(start)? + start.len();
    let j = text[i..].find(end)? + i;
    Some(text[i..j].to_string())
}

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Adds a user to `acme` with `role` (and an optional CSM name).
    pub async fn user(&self, email: &str, role: quarterdeck_domain::Role, csm: Option<&str>) {
        let s = self.store.store.as_ref();
        admin::create_user(s, &self.tenant, email, role, PASSWORD)
            .await
            .unwrap();
        let u = s.user_by_email(email).await.unwrap().unwrap();
        s.set_membership(self.tenant.id, u.id, role, csm)
            .await
            .unwrap();
    }

    /// Turns the MFA requirement off for `acme` (so role tests need no codes).
    pub async fn no_mfa_rule(&self) {
        let changes = admin::TenantChanges {
            mfa_roles: Some(Vec::new()),
            ..Default::default()
        };
        admin::update_tenant(self.store.store.as_ref(), "acme", &changes, &Actor::cli())
            .await
            .unwrap();
    }

    /// A browser signed in as `email`.
    pub async fn browser(&self, email: &str) -> Browser {
        let mut b = Browser::new(&self.base);
        let r = b.login("acme", email, PASSWORD, "").await;
        assert_eq!(r.status(), 303, "login of {email}");
        b
    }
}

impl TestApp {
    /// Loads the deterministic demo company (as `quarterdeck demo` does) into `acme`.
    pub async fn load_demo(&self, customers: usize) {
        self.load_demo_on(customers, chrono::Utc::now().date_naive())
            .await;
    }

    /// The demo company as it stands on `today` (fixed for golden answers).
    pub async fn load_demo_on(&self, customers: usize, today: chrono::NaiveDate) {
        use quarterdeck_app::ingest;
        let config = quarterdeck_demo::DemoConfig {
            customers,
            seed: 7,
            today,
        };
        let mut batches = Vec::new();
        quarterdeck_demo::generate(&config, 1000, &mut |collection, rows| {
            batches.push(ingest::validate(collection, &rows).map_err(|e| format!("{e:?}"))?);
            Ok(())
        })
        .unwrap();
        let state = AppState::new(self.store.store.clone());
        for b in &batches {
            ingest::commit(&state, self.tenant.id, b).await.unwrap();
        }
    }
}

/// A real SMTP server on localhost that keeps every message it accepts.
/// With `refuse_first`, the first message is refused with a temporary error.
pub struct SmtpSink {
    pub port: u16,
    pub messages: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    pub attempts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpSink {
    /// Starts the server on a random port.
    pub async fn start(refuse_first: bool) -> Self {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (m, a) = (messages.clone(), attempts.clone());
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (m, a) = (m.clone(), a.clone());
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let cmd = line.trim_end().to_ascii_uppercase();
                        let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if cmd.starts_with("DATA") {
                            let _ = w.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            loop {
                                let mut l = String::new();
                                if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if l == ".\r\n" {
                                    break;
                                }
                                data.push_str(&l);
                            }
                            let n = a.fetch_add(1, Ordering::SeqCst);
                            if refuse_first && n == 0 {
                                b"451 try again later\r\n"
                            } else {
                                m.lock().unwrap().push(data);
                                b"250 queued\r\n"
                            }
                        } else if cmd.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 ok\r\n"
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink {
            port,
            messages,
            attempts,
        }
    }

    /// The mailer configuration that sends here.
    pub fn config(&self) -> quarterdeck_app::mail::SmtpConfig {
        quarterdeck_app::mail::SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            security: quarterdeck_app::mail::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Quarterdeck <reports@acme.test>".into(),
        }
    }

    /// Waits until `n` messages arrived (or panics after a deadline).
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        self.wait_for_within(n, 30).await
    }

    /// Waits until `n` messages arrived, for at most `secs` seconds.
    pub async fn wait_for_within(&self, n: usize, secs: u64) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < deadline {
            let got = self.messages.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "the SMTP server got {} of {n} messages",
            self.messages.lock().unwrap().len()
        );
    }
}
