//! The admin API under [`ADMIN_PREFIX`]: steer and inspect the fake from tests (like httpmock's
//! `/__httpmock__/` prefix). Answers are envelopes like the API's; admin requests are neither journaled
//! nor subject to faults (the router nests these routes outside those layers).
//!
//! | Route | Does |
//! |---|---|
//! | `POST /__admin/reset` | forgets voices, journal, seeds, faults and expectations: back to the configured state; the report stays |
//! | `POST /__admin/seed` | adds accounts, workspaces, tokens and voices (the configuration's shape) |
//! | `GET /__admin/voices` | every voice of every workspace, with its account and clone count |
//! | `GET /__admin/journal?after=ID&limit=N` | requests with their verdict, rule, summary and findings, oldest first; also `logid`, `path` (`*` ends a prefix), `code`, `client`, `since`, `until` (Unix ms) filters |
//! | `GET, POST, DELETE /__admin/faults` | list, add ([`FaultSpec`]) or clear injected faults |
//! | `GET, POST, DELETE /__admin/expect` | list, add ([`ExpectSpec`]) or clear expected outcomes ([`crate::expect`]); `DELETE` answers what each saw |
//! | `GET, DELETE /__admin/report` | the conformance report ([`report`]) since it was last emptied, `?format=junit` as JUnit XML; empty it |
//! | `GET /__admin/accounts` | every account with its voice slots, used and total |
//! | `GET /__admin/` | the inspector page (routed beside this module's routes; served without the token: it asks for it) |
//! | `GET /__admin/health` | `{"ready": true, "version": "…"}` once the server answers: what launchers poll |
//! | `GET /__admin/fidelity` | the fidelity ledger ([`crate::fidelity::LEDGER`]) and the settings in force |
//!
//! # Access
//! With `--admin-token T` (env `COZE_MOCK_ADMIN_TOKEN`), every admin request but `health` needs
//! `Authorization: Bearer T`. Without one, the admin API is open only when the server listens on a
//! loopback address (the default `127.0.0.1:8080`, and [`crate::MockServer`]): only local processes reach
//! it then. A server on any other address without a token refuses every admin request but `health`,
//! which tells nothing but that the server is up and its version.

pub(crate) mod report;

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{Extension, Json, Router};
use http::{HeaderMap, Uri};
use serde::{Deserialize, Serialize};

use crate::auth::bearer_token;
use crate::catalogue::{Access, AdminEndpoint, Def, Endpoint, ADMIN_PREFIX, JOURNAL_PAGE_MAX};
use crate::config::Config;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::expect::{AdminExpectation, ExpectSpec};
use crate::extract::{AdminJson, AdminQuery, Input};
use crate::faults::{Fault, FaultSpec};
use crate::journal::JournalFilter;
use crate::report::archive::ReportArchive;
use crate::report::concluded::{self, ConcludedRecord};
use crate::startup::{configured_voice, effective_config, load};
use crate::state::{now, AdminState, AppState};
use crate::voice_view::VoiceView;

/// The admin routes, each on the method and path the catalogue gives it; those the catalogue opens to
/// anyone ([`Access::Open`]) sit outside the access check described in the module doc. The report across
/// resets ([`ReportArchive`]) is the admin API's alone: it lives in these routes, not in [`AppState`],
/// so nothing the API's handlers share reaches the report.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    use AdminEndpoint::*;
    let routes = [
        Endpoint::Admin(Reset).route(reset),
        Endpoint::Admin(Seed).route(seed),
        Endpoint::Admin(Voices).route(voices),
        Endpoint::Admin(Journal).route(journal),
        Endpoint::Admin(Fidelity).route(fidelity),
        Endpoint::Admin(Faults).route(list_faults),
        Endpoint::Admin(AddFault).route(add_fault),
        Endpoint::Admin(ClearFaults).route(clear_faults),
        Endpoint::Admin(Expectations).route(list_expectations),
        Endpoint::Admin(AddExpectation).route(add_expectation),
        Endpoint::Admin(ClearExpectations).route(clear_expectations),
        Endpoint::Admin(Report).route(report::report),
        Endpoint::Admin(ClearReport).route(report::clear_report),
        Endpoint::Admin(Accounts).route(report::accounts),
        Endpoint::Admin(Health).route(health),
    ];
    let (open, guarded): (Vec<_>, Vec<_>) = routes
        .into_iter()
        .partition(|(def, _)| def.access == Access::Open);
    let add = |router: Router<AppState>, (def, route): (&Def, MethodRouter<AppState>)| {
        router.route(def.route_path(), route)
    };
    let guarded = guarded
        .into_iter()
        .fold(Router::new(), add)
        .route_layer(axum::middleware::from_fn_with_state(state, guard));
    open.into_iter()
        .fold(guarded, add)
        .layer(Extension(Arc::new(ReportArchive::default())))
}

/// What `GET /__admin/health` answers.
#[derive(Debug, Serialize)]
struct Health {
    /// Always true: the server answers only once it serves.
    ready: bool,
    /// The fake's version (the `coze-mock` crate's).
    version: &'static str,
}

/// Tells a launcher the server is up; needs no token.
async fn health() -> Envelope<Health> {
    Envelope(Health {
        ready: true,
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The start-up line saying whether the admin API and the inspector page are open, and where.
pub fn access_line(base_url: &str, token: bool, loopback: bool) -> String {
    match (token, loopback) {
        (true, _) => format!(
            "admin API and inspector page: {base_url}{ADMIN_PREFIX}/ (admin token required)"
        ),
        (false, true) => format!(
            "admin API and inspector page: {base_url}{ADMIN_PREFIX}/ (open: loopback only)"
        ),
        (false, false) => format!(
            "admin API and inspector page: closed (not on loopback and no --admin-token); {base_url}{ADMIN_PREFIX}/ refuses every request"
        ),
    }
}

/// Refuses admin requests without the admin token, or to a non-loopback server that has none.
async fn guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    match check_access(&app.admin, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

/// The access rule of the module doc.
pub(crate) fn check_access(admin: &AdminState, headers: &HeaderMap) -> Result<(), ApiError> {
    match &admin.token {
        Some(expected) => {
            let sent = headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(bearer_token);
            if sent == Some(expected.as_str()) {
                Ok(())
            } else {
                Err(ApiError::AdminUnauthorized {
                    reason: "send Authorization: Bearer <the --admin-token value>",
                })
            }
        }
        None if admin.loopback => Ok(()),
        None => Err(ApiError::AdminUnauthorized {
            reason: "closed: the server is not on loopback and no --admin-token is configured",
        }),
    }
}

/// What `GET /__admin/fidelity` answers.
#[derive(Debug, Serialize)]
struct Fidelity {
    /// `[fidelity]` in force.
    settings: crate::fidelity::FidelitySettings,
    /// `[rules]` in force.
    rules: crate::fidelity::RuleSettings,
    /// `[limits]` in force: the body deadline the ledger's `http.slow_clients` names.
    limits: crate::config::Limits,
    /// Every choice the fake made, with its evidence.
    ledger: &'static [crate::fidelity::Point],
}

async fn fidelity(State(app): State<AppState>) -> Envelope<Fidelity> {
    Envelope(Fidelity {
        settings: app.settings.fidelity.clone(),
        rules: app.settings.rules.clone(),
        limits: app.settings.limits,
        ledger: crate::fidelity::LEDGER,
    })
}

/// What reset and seed answer.
#[derive(Debug, Serialize)]
struct Done {
    /// Voices the store holds afterwards.
    voices: usize,
}

async fn reset(
    State(app): State<AppState>,
    Extension(archive): Extension<Arc<ReportArchive>>,
) -> Result<Envelope<Done>, ApiError> {
    app.store.reset()?;
    archive.clear_journal(&app.journal);
    app.journal.expectations().clear();
    app.faults.clear();
    let directory = load(&app.admin.config, app.store.as_ref())
        .map_err(|e| ApiError::Internal(format!("{e:#}")))?;
    app.directory.replace(directory);
    let voices = app.store.all_voices()?.len();
    Ok(Envelope(Done { voices }))
}

fn invalid(reason: impl Into<String>) -> ApiError {
    ApiError::AdminInvalid {
        reason: reason.into(),
    }
}

/// Seeds accounts, workspaces, tokens and voices. The body has the configuration file's shape (as JSON);
/// a voice without `voice_id` gets one derived from its workspace and name. Seeds are stored, so they
/// survive restarts, and dropped by `reset`.
async fn seed(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Input(Json(body), _): AdminJson<serde_json::Value>,
) -> Result<Envelope<SeededVoices>, ApiError> {
    // serde reads a struct from a JSON array too (its fields in order): `[]` would seed nothing and pass.
    if !body.is_object() {
        return Err(invalid(
            "a JSON object in the configuration file's shape (accounts, workspaces, tokens, voices)",
        ));
    }
    let seedable = ["accounts", "workspaces", "tokens", "voices"];
    if let Some(key) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| !seedable.contains(&k.as_str())))
    {
        return Err(invalid(format!(
            "{key:?} cannot be seeded: a seed adds {}; the rest comes from the configuration file",
            seedable.join(", ")
        )));
    }
    let seed: Config = serde_json::from_value(body).map_err(|e| invalid(e.to_string()))?;
    let _one_seed_at_a_time = app.admin.one_seed_at_a_time();
    let mut config = effective_config(&app.admin.config, app.store.as_ref())
        .map_err(|e| ApiError::Internal(format!("{e:#}")))?;
    config.extend(seed.clone());
    let directory = config.validate().map_err(|e| invalid(format!("{e:#}")))?;
    let json = serde_json::to_string(&seed).map_err(|e| ApiError::Internal(e.to_string()))?;
    app.store.add_seed(&json)?;
    let base = app.scheme.base_url(&headers, &uri);
    let time = now();
    let mut views = Vec::new();
    for v in &seed.voices {
        let owner = config.workspace_owner(&v.space_id).unwrap_or_default();
        let voice = configured_voice(v, owner, time);
        app.store.put_voice(&voice)?;
        views.push(VoiceView::of(&voice, &base));
    }
    app.directory.replace(directory);
    Ok(Envelope(SeededVoices { voices: views }))
}

/// The voices a seed wrote.
#[derive(Debug, Serialize)]
struct SeededVoices {
    voices: Vec<VoiceView>,
}

/// A voice with what only the admin sees.
#[derive(Debug, Serialize)]
struct AdminVoice {
    space_id: String,
    account_id: String,
    clone_count: u32,
    #[serde(flatten)]
    voice: VoiceView,
}

async fn voices(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Envelope<Vec<AdminVoice>>, ApiError> {
    let base = app.scheme.base_url(&headers, &uri);
    let voices = app.store.all_voices()?;
    Ok(Envelope(
        voices
            .into_iter()
            .map(|v| AdminVoice {
                voice: VoiceView::of(&v, &base),
                space_id: v.space_id,
                account_id: v.account_id,
                clone_count: v.clone_count,
            })
            .collect(),
    ))
}

/// `GET /__admin/journal` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JournalQuery {
    /// Only records with a larger id.
    #[serde(default)]
    after: u64,
    /// At most this many (default and maximum [`JOURNAL_PAGE_MAX`]).
    #[serde(default)]
    limit: Option<u32>,
    /// See [`JournalFilter`].
    #[serde(default)]
    logid: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    client: Option<String>,
    #[serde(default)]
    since: Option<i64>,
    #[serde(default)]
    until: Option<i64>,
}

/// A page of the journal.
#[derive(Debug, Serialize)]
struct JournalPage {
    records: Vec<ConcludedRecord>,
}

async fn journal(
    State(app): State<AppState>,
    Input(Query(q), _): AdminQuery<JournalQuery>,
) -> Result<Envelope<JournalPage>, ApiError> {
    let limit = q.limit.unwrap_or(JOURNAL_PAGE_MAX).min(JOURNAL_PAGE_MAX);
    let filter = JournalFilter {
        logid: q.logid,
        path: q.path,
        code: q.code,
        client: q.client,
        since: q.since,
        until: q.until,
    };
    let records = concluded::records(&app.journal, q.after, limit as usize, &filter);
    Ok(Envelope(JournalPage { records }))
}

/// The active faults.
#[derive(Debug, Serialize)]
struct FaultList {
    faults: Vec<Fault>,
}

async fn list_faults(State(app): State<AppState>) -> Envelope<FaultList> {
    Envelope(FaultList {
        faults: app.faults.list(chrono::Utc::now().timestamp_millis()),
    })
}

async fn add_fault(
    State(app): State<AppState>,
    Input(Json(spec), _): AdminJson<FaultSpec>,
) -> Result<Envelope<Fault>, ApiError> {
    app.faults
        .add(spec, chrono::Utc::now().timestamp_millis())
        .map(Envelope)
}

async fn clear_faults(State(app): State<AppState>) -> Envelope<FaultList> {
    app.faults.clear();
    Envelope(FaultList { faults: Vec::new() })
}

/// The admin expectations.
#[derive(Debug, Serialize)]
struct ExpectationList {
    expectations: Vec<AdminExpectation>,
}

async fn list_expectations(State(app): State<AppState>) -> Envelope<ExpectationList> {
    let mut expectations = app.journal.expectations().list();
    let counts = concluded::expectation_counts(&app.journal);
    for e in &mut expectations {
        (e.met, e.unmet) = counts.get(&e.id).copied().unwrap_or_default();
    }
    Envelope(ExpectationList { expectations })
}

async fn add_expectation(
    State(app): State<AppState>,
    Input(Json(spec), _): AdminJson<ExpectSpec>,
) -> Result<Envelope<AdminExpectation>, ApiError> {
    app.journal
        .expectations()
        .add(spec, chrono::Utc::now().timestamp_millis())
        .map(Envelope)
}

/// Clears the expectations and answers them with what each saw: a test can tell that the refusal it
/// declared never came (`met` 0).
async fn clear_expectations(State(app): State<AppState>) -> Envelope<ExpectationList> {
    let mut expectations = app.journal.expectations().clear();
    let counts = concluded::expectation_counts(&app.journal);
    for e in &mut expectations {
        (e.met, e.unmet) = counts.get(&e.id).copied().unwrap_or_default();
    }
    Envelope(ExpectationList { expectations })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(
                http::header::AUTHORIZATION,
                HeaderValue::from_str(a).unwrap(),
            );
        }
        h
    }

    #[test]
    fn without_a_token_the_admin_api_is_open_on_loopback_only() {
        let local = AdminState::new(Config::default(), None, true);
        let public = AdminState::new(Config::default(), None, false);
        assert!(check_access(&local, &headers(None)).is_ok());
        assert_eq!(
            check_access(&public, &headers(Some("Bearer anything")))
                .unwrap_err()
                .rule(),
            "admin.unauthorized"
        );
    }

    #[test]
    fn with_a_token_every_admin_request_must_carry_it_even_on_loopback() {
        let admin = AdminState::new(Config::default(), Some("s3cret".into()), true);
        assert!(check_access(&admin, &headers(Some("Bearer s3cret"))).is_ok());
        assert!(check_access(&admin, &headers(None)).is_err());
        assert!(check_access(&admin, &headers(Some("Bearer pat_mock"))).is_err());
    }
}
