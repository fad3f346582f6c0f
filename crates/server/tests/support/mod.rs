//! `TestApp`: the real server on port 0 over a fresh store, with a tenant and tokens.

#![allow(dead_code)]

use quarterdeck_domain::Scope;
use quarterdeck_server::{AppState, admin};
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
        let s = store.store.as_ref();
        let tenant = admin::create_tenant(s, "acme", Some("Acme"), "USD", "UTC")
            .await
            .unwrap();
        let token_with = |scopes: &'static [Scope]| {
            let tenant = tenant.clone();
            async move {
                admin::create_token(s, &tenant, scopes, "test")
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
        let state = AppState::new(store.store.clone());
        tokio::spawn(quarterdeck_server::serve(listener, state, async move {
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
            shutdown: Some(tx),
        }
    }

    /// A second tenant with its own read+ingest token.
    pub async fn other_tenant(&self, slug: &str) -> (Tenant, String) {
        let s = self.store.store.as_ref();
        let t = admin::create_tenant(s, slug, None, "EUR", "Europe/Berlin")
            .await
            .unwrap();
        let (_, secret) = admin::create_token(s, &t, &[Scope::Ingest, Scope::Read], "t")
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
