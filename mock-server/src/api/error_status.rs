//! `[fidelity] error_status`: the HTTP status error envelopes go out on ([`crate::fidelity`] records the
//! choice and its evidence).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;

use crate::envelope::EnvelopeParts;
use crate::error::Origin;
use crate::fidelity::ErrorStatus;

/// Middleware: with `[fidelity] error_status = "always_200"`, every error envelope of the API goes out on
/// HTTP 200, its body unchanged. Injected faults keep the status they were given, and the admin API its
/// own statuses ([`Origin`]). Sits inside [`crate::envelope::logid_layer`], which renders the envelope.
pub(crate) async fn error_status_layer(
    State(error_status): State<ErrorStatus>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if error_status == ErrorStatus::Always200 {
        let api_error = response
            .extensions()
            .get::<EnvelopeParts>()
            .and_then(|parts| parts.refusal)
            .is_some_and(|refusal| refusal.origin == Origin::Api);
        if api_error {
            *response.status_mut() = StatusCode::OK;
        }
    }
    response
}
