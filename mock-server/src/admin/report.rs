//! The report's admin routes: `GET /__admin/report` (JSON, or JUnit XML with `?format=junit`),
//! `DELETE /__admin/report` (empties it), `GET /__admin/accounts` (slots per account), and the inspector
//! page at `GET /__admin/`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use http::header::CONTENT_TYPE;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::check_access;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::extract::{AdminQuery, Input};
use crate::report::archive::ReportArchive;
use crate::report::{junit, Report};
use crate::rules::Plan;
use crate::state::AppState;

/// The inspector: one self-contained page (no build step, nothing fetched from elsewhere) that polls the
/// admin API.
pub(crate) const INSPECTOR_HTML: &str = include_str!("inspector.html");

/// `GET /__admin/report` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportQuery {
    /// `json` (the default) or `junit`.
    #[serde(default)]
    format: Option<String>,
}

/// `GET /__admin/report`.
pub(super) async fn report(
    State(app): State<AppState>,
    Extension(archive): Extension<Arc<ReportArchive>>,
    Input(Query(q), _): AdminQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = archive.report(&app.journal);
    match q.format.as_deref() {
        None | Some("json") => Ok(Envelope(report).into_response()),
        Some("junit") => Ok((
            [(CONTENT_TYPE, "application/xml; charset=utf-8")],
            junit::render(&report),
        )
            .into_response()),
        Some(other) => Err(ApiError::AdminInvalid {
            reason: format!("format {other:?}: json or junit"),
        }),
    }
}

/// `DELETE /__admin/report`: empties the report (a reset leaves it); answers the report as it was.
pub(super) async fn clear_report(
    State(app): State<AppState>,
    Extension(archive): Extension<Arc<ReportArchive>>,
) -> Envelope<Report> {
    Envelope(archive.take(&app.journal))
}

/// An account with its slots.
#[derive(Debug, Serialize)]
pub(super) struct AccountSlots {
    id: String,
    plan: Plan,
    in_arrears: bool,
    slots_total: u32,
    slots_used: u32,
}

/// `GET /__admin/accounts`.
pub(super) async fn accounts(
    State(app): State<AppState>,
) -> Result<Envelope<Vec<AccountSlots>>, ApiError> {
    let voices = app.store.all_voices()?;
    Ok(Envelope(
        app.directory
            .accounts()
            .into_iter()
            .map(|a| AccountSlots {
                slots_used: voices.iter().filter(|v| v.account_id == a.id).count() as u32,
                id: a.id.clone(),
                plan: a.plan,
                in_arrears: a.in_arrears,
                slots_total: a.voice_slots,
            })
            .collect(),
    ))
}

/// `GET /__admin/`: the page. It holds no data, so it is served wherever the admin API can be reached
/// (the page asks for the admin token when the API answers 401); a server whose admin API is closed
/// refuses it too.
pub(crate) async fn page(State(app): State<AppState>) -> Response {
    let open_without_token = || check_access(&app.admin, &HeaderMap::new());
    match app.admin.token {
        Some(_) => Html(INSPECTOR_HTML).into_response(),
        None => match open_without_token() {
            Ok(()) => Html(INSPECTOR_HTML).into_response(),
            Err(closed) => closed.into_response(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::server::{build_state, Options};

    async fn page_status(admin_token: Option<&str>, loopback: bool) -> u16 {
        let options = Options {
            admin_token: admin_token.map(str::to_owned),
            ..Options::default()
        };
        let state = build_state(&Config::default(), &options, loopback).unwrap();
        page(State(state)).await.status().as_u16()
    }

    #[tokio::test]
    async fn the_page_follows_the_admin_access_rule() {
        assert_eq!(page_status(None, true).await, 200, "open on loopback");
        assert_eq!(
            page_status(Some("t"), false).await,
            200,
            "asks for the token"
        );
        assert_eq!(page_status(None, false).await, 401, "closed");
    }
}
