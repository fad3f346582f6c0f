//! `quarterdeck serve`.

use crate::options::ServeArgs;
use anyhow::Context;
use quarterdeck_server::AppState;

/// Serves until SIGINT/SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = super::admin::open_store(&args.store).await?;
    serve(store, args.listen, |url| {
        println!("Quarterdeck is serving on {url}")
    })
    .await
}

/// Binds `listen`, announces the URL, and serves `store` until a shutdown signal.
pub async fn serve(
    store: std::sync::Arc<dyn quarterdeck_store::Store>,
    listen: std::net::SocketAddr,
    announce: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("could not listen on {listen} (is another server using it? try --listen 127.0.0.1:0)"))?;
    let addr = listener.local_addr()?;
    announce(&format!("http://{addr}"));
    tracing::info!(%addr, backend = store.backend(), "serving");
    quarterdeck_server::serve(
        listener,
        AppState::new(store),
        quarterdeck_server::shutdown_signal(),
    )
    .await
    .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}
