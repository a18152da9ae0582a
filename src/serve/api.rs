//! Placeholder: filled in by the serve work.

/// The routes of this part of the server.
#[allow(dead_code)]
pub(crate) fn router() -> axum::Router {
    axum::Router::new()
}
