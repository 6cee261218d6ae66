//! `[fidelity] error_status`: the HTTP status error envelopes go out on ([`crate::fidelity`] records the
//! choice and its evidence).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;

use crate::directory::Directory;
use crate::envelope::EnvelopeParts;
use crate::fidelity::ErrorStatus;

/// Middleware: with `[fidelity] error_status = "always_200"`, every error envelope of the API goes out on
/// HTTP 200, its body unchanged. Injected faults keep the status they were given, and the admin API its
/// own statuses. Sits inside [`crate::envelope::logid_layer`], which renders the envelope.
pub async fn error_status_layer(
    State(directory): State<Arc<Directory>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if directory.fidelity.error_status == ErrorStatus::Always200 {
        let api_error = response
            .extensions()
            .get::<EnvelopeParts>()
            .and_then(|parts| parts.rule)
            .is_some_and(|rule| rule != "fault.envelope" && !rule.starts_with("admin."));
        if api_error {
            *response.status_mut() = StatusCode::OK;
        }
    }
    response
}
