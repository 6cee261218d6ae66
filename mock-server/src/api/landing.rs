//! `GET /`: a short envelope pointing at the endpoints, the inspector page, the report and the docs, for
//! whoever opens the fake's address in a browser or with curl. Not journaled: it is no API call.

use serde::Serialize;

use crate::envelope::Envelope;

/// What `/` answers.
#[derive(Debug, Serialize)]
pub(crate) struct Landing {
    /// `coze-mock`.
    pub name: &'static str,
    /// The binary's version.
    pub version: &'static str,
    /// The API's endpoints, as `METHOD path`.
    pub endpoints: [&'static str; 3],
    /// The inspector page.
    pub inspector: &'static str,
    /// The conformance report (JSON; `?format=junit` for JUnit XML).
    pub report: &'static str,
    /// The documentation page the fake follows.
    pub docs: &'static str,
}

/// Answers the landing envelope.
pub(crate) async fn landing() -> Envelope<Landing> {
    Envelope(Landing {
        name: "coze-mock",
        version: env!("CARGO_PKG_VERSION"),
        endpoints: [
            "POST /v1/audio/voices/clone",
            "GET /v1/audio/voices",
            "POST /v1/audio/speech",
        ],
        inspector: "/__admin/",
        report: "/__admin/report",
        docs: "https://www.coze.cn/open/docs/developer_guides/clone_voices",
    })
}
