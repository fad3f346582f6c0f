//! `GET /events`: a server-sent-events stream per tenant that tells open
//! pages new data arrived, so they refresh their numbers in place.
//!
//! Local writes are announced at once; writes by other replicas are noticed
//! by polling the tenant's data version every few seconds.

use crate::WebApp;
use crate::{PageError, Viewer};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;

/// How often a stream checks the store for other replicas' writes.
const POLL_EVERY: Duration = Duration::from_secs(5);

/// The stream of one signed-in person's tenant.
pub async fn events(
    State(state): State<WebApp>,
    viewer: Viewer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    let tenant = viewer.tenant.id;
    let seen = state.store.data_version(tenant).await?;
    let rx = state.events.subscribe();
    let store = state.store.clone();
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.reset();
    let stream = futures_util::stream::unfold(
        (rx, seen, tick, store),
        move |(mut rx, mut seen, mut tick, store)| async move {
            loop {
                let version = tokio::select! {
                    got = rx.recv() => match got {
                        Ok((t, v)) if t == tenant => Some(v),
                        Ok(_) => None,
                        Err(broadcast::error::RecvError::Lagged(_)) => store.data_version(tenant).await.ok(),
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = tick.tick() => store.data_version(tenant).await.ok(),
                };
                if let Some(v) = version.filter(|v| *v > seen) {
                    seen = v;
                    let event = Event::default()
                        .event("data")
                        .data(format!("{{\"version\":{v}}}"));
                    return Some((Ok(event), (rx, seen, tick, store)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}
