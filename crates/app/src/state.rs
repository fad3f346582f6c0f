//! What every request handler can reach.

use crate::engines::Engines;
use quarterdeck_store::{Store, StoreError, StoreResult};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Shared, cheap-to-clone application state.
#[derive(Clone)]
pub struct AppState {
    /// The store (truth).
    pub store: Arc<dyn Store>,
    /// The in-memory metric engines (a cache of the store).
    pub engines: Arc<Engines>,
    /// Announcements of new data (ingest, alerts) for live pages.
    pub events: Arc<crate::events::DataEvents>,
    /// Outgoing mail, when an SMTP server is configured.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Where people reach the server, for links in emails and webhooks.
    pub base_url: String,
    /// A fixed retry delay instead of the growing backoff (tests).
    pub job_retry: Option<chrono::Duration>,
    /// Whether webhooks may post to loopback, private and link-local
    /// addresses (`--allow-private-webhooks`; off by default).
    pub allow_private_webhooks: bool,
    /// Where "now" comes from (fixed in tests).
    pub clock: crate::clock::Clock,
    /// The key that signs share-link cookies, MFA proofs and unsubscribe links.
    signing_key: Arc<OnceCell<Vec<u8>>>,
}

impl AppState {
    /// State over `store`, with no engine built yet.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            engines: Arc::new(Engines::new(store.clone())),
            store,
            events: Arc::new(crate::events::DataEvents::default()),
            mailer: None,
            base_url: "http://127.0.0.1:8080".into(),
            job_retry: None,
            allow_private_webhooks: false,
            clock: crate::clock::Clock::system(),
            signing_key: Arc::default(),
        }
    }

    /// The tenant's calendar today: its local date and fiscal year start.
    pub fn calendar_of(
        &self,
        tenant: &quarterdeck_store::Tenant,
    ) -> crate::metrics::query::Calendar {
        let settings = crate::engines::settings_of(tenant);
        crate::metrics::query::Calendar {
            today: self.clock.today_in(settings.time_zone),
            fiscal_start: settings.fiscal_year_start_month,
        }
    }

    /// The server's signing key, created in the store by the first process to
    /// need it, so every replica signs alike.
    pub async fn signing_key(&self) -> StoreResult<&[u8]> {
        self.signing_key
            .get_or_try_init(|| async {
                let fresh = crate::credentials::new_token_secret();
                let key = self.store.server_key("share_cookie", &fresh).await?;
                Ok::<_, StoreError>(key.into_bytes())
            })
            .await
            .map(Vec::as_slice)
    }

    /// The same state reading the time from `clock`.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The same state sending mail through `mailer`.
    pub fn with_mailer(mut self, mailer: crate::mail::Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
        self
    }

    /// The same state retrying failed jobs after `delay` (tests need no minutes-long backoff).
    pub fn with_job_retry(mut self, delay: chrono::Duration) -> Self {
        self.job_retry = Some(delay);
        self
    }

    /// The same state letting webhooks post to loopback, private and
    /// link-local addresses (self-hosted receivers on the same network).
    pub fn with_private_webhooks(mut self, allow: bool) -> Self {
        self.allow_private_webhooks = allow;
        self
    }

    /// The same state with the public address used in emails.
    pub fn with_base_url(mut self, url: &str) -> Self {
        self.base_url = url.trim_end_matches('/').to_string();
        self
    }
}
