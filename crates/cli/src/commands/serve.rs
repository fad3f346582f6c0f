//! `quarterdeck serve`.

use crate::options::{DeliveryArgs, ServeArgs};
use anyhow::Context;
use quarterdeck_app::AppState;

/// Serves until SIGINT/SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = super::admin::open_store(&args.store).await?;
    serve(store, args.listen, &args.delivery, false, |url| {
        println!("Quarterdeck is serving on {url}")
    })
    .await
}

/// Binds `listen`, announces the URL, and serves `store` until a shutdown
/// signal; `demo` says the demo company is served (its sign-in page says so).
pub async fn serve(
    store: std::sync::Arc<dyn quarterdeck_store::Store>,
    listen: std::net::SocketAddr,
    delivery: &DeliveryArgs,
    demo: bool,
    announce: impl FnOnce(&str),
) -> anyhow::Result<()> {
    quarterdeck_app::install_crypto();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("could not listen on {listen} (is another server using it? try --listen 127.0.0.1:0)"))?;
    let addr = listener.local_addr()?;
    announce(&format!("http://{addr}"));
    tracing::info!(%addr, backend = store.backend(), "serving");
    let mut state = AppState::new(store)
        .with_base_url(
            delivery
                .base_url
                .as_deref()
                .unwrap_or(&format!("http://{addr}")),
        )
        .with_private_webhooks(delivery.allow_private_webhooks);
    if delivery.allow_private_webhooks {
        tracing::warn!("webhooks may post to loopback, private and link-local addresses");
    }
    if let Some(host) = &delivery.smtp_host {
        let config = quarterdeck_app::mail::SmtpConfig {
            host: host.clone(),
            port: delivery.smtp_port,
            security: quarterdeck_app::mail::SmtpSecurity::parse(&delivery.smtp_security)
                .map_err(|e| anyhow::anyhow!("--smtp-security: {e}"))?,
            username: delivery.smtp_username.clone(),
            password: delivery.smtp_password.clone(),
            from: delivery.smtp_from.clone(),
        };
        let mailer = quarterdeck_app::mail::Mailer::new(&config).context("SMTP settings")?;
        tracing::info!(smtp = %mailer.describe, "email enabled");
        state = state.with_mailer(mailer);
    }
    let mut served = quarterdeck_server::Served::from(state);
    served.web.demo = demo;
    quarterdeck_server::serve(listener, served, quarterdeck_server::shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}
