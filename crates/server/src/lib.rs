//! Quarterdeck's server: composes the application (`quarterdeck-app`), the
//! JSON API, the browser side and delivery into one router with its
//! middleware, and runs the job worker and scheduler beside it.

mod serve;

pub use serve::{Served, job_registry, router, serve, shutdown_signal};

/// Checks that a view is a page a share link may show (the pages' to say),
/// for share links made outside a browser (the CLI).
pub use quarterdeck_web::share::check_view as check_share_view;
