//! Coverage: which documented outcomes each client has been served, per endpoint, and the sentence a
//! client author needs ("never saw 4302, 1109, a 5xx or a dropped connection").

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::capture::{Endpoint, FaultKind, Outcome};
use crate::catalogue::stream_event_failures;
use crate::error::CODE_INTERNAL;

/// One outcome a client can be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Served {
    /// A plain success.
    Success,
    /// An error envelope with this code.
    Code(i64),
    /// HTTP 429.
    TooManyRequests,
    /// An HTTP 5xx.
    ServerError,
    /// An answer delayed by a latency fault.
    Latency,
    /// A connection closed before the answer was complete.
    Dropped,
}

impl Served {
    /// The outcome's name: `success`, `4302`, `429`, `5xx`, `latency`, `dropped`.
    pub(crate) fn name(self) -> String {
        match self {
            Served::Success => "success".to_owned(),
            Served::Code(c) => c.to_string(),
            Served::TooManyRequests => "429".to_owned(),
            Served::ServerError => "5xx".to_owned(),
            Served::Latency => "latency".to_owned(),
            Served::Dropped => "dropped".to_owned(),
        }
    }

    /// Parses a name.
    pub(crate) fn from_name(name: &str) -> Option<Served> {
        Some(match name {
            "success" => Served::Success,
            "429" => Served::TooManyRequests,
            "5xx" => Served::ServerError,
            "latency" => Served::Latency,
            "dropped" => Served::Dropped,
            code => Served::Code(code.parse().ok()?),
        })
    }

    /// How a sentence names it: `4302`, `a 5xx`, `a dropped connection`.
    pub(crate) fn phrase(self) -> String {
        match self {
            Served::Success => "a success".to_owned(),
            Served::Code(c) => c.to_string(),
            Served::TooManyRequests => "a 429".to_owned(),
            Served::ServerError => "a 5xx".to_owned(),
            Served::Latency => "a slow answer".to_owned(),
            Served::Dropped => "a dropped connection".to_owned(),
        }
    }

    /// Every outcome one answer served: a delayed success is both `latency` and `success`; a client that
    /// gave up was served only the delay, if any.
    pub(crate) fn of(outcome: &Outcome) -> Vec<Served> {
        let mut served = Vec::new();
        if outcome.abandoned {
            if let Some(FaultKind::Latency { .. }) = outcome.fault {
                served.push(Served::Latency);
            }
            return served;
        }
        match outcome.fault {
            Some(FaultKind::Drop) => return vec![Served::Dropped],
            Some(FaultKind::Latency { .. }) => served.push(Served::Latency),
            _ => {}
        }
        let Some(status) = outcome.status else {
            served.push(Served::Dropped);
            return served;
        };
        if outcome.succeeded() {
            served.push(Served::Success);
        }
        if let Some(code) = outcome.code.filter(|c| *c != 0) {
            served.push(Served::Code(code));
        }
        if status == 429 {
            served.push(Served::TooManyRequests);
        }
        if status >= 500 {
            served.push(Served::ServerError);
        }
        served
    }
}

impl fmt::Display for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Served {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for Served {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Served::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown outcome {name:?}")))
    }
}

/// The transport faults every endpoint can be served through the admin API's faults.
const TRANSPORT: [Served; 4] = [
    Served::TooManyRequests,
    Served::ServerError,
    Served::Latency,
    Served::Dropped,
];

/// The outcomes the fake can serve on `endpoint`: success, the code of every failure the catalogue lists
/// for it (in ascending order), 5000 (an injected envelope, or the fake's own failure), and the
/// transport faults; nothing for a request that is no endpoint.
pub(crate) fn documented_outcomes(endpoint: Endpoint) -> Vec<Served> {
    let Some(def) = endpoint.def() else {
        return Vec::new();
    };
    let mut codes: Vec<i64> = (def.failures)().iter().map(|e| e.row().code).collect();
    if endpoint == Endpoint::SpeechStream {
        codes.extend(stream_event_failures().iter().map(|e| e.row().code));
    }
    codes.push(CODE_INTERNAL);
    codes.sort_unstable();
    codes.dedup();
    std::iter::once(Served::Success)
        .chain(codes.into_iter().map(Served::Code))
        .chain(TRANSPORT)
        .collect()
}

/// One cell of the coverage grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cell {
    /// The outcome.
    pub outcome: Served,
    /// How many answers served it.
    pub seen: u64,
}

/// One endpoint's row of the grid for one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EndpointCoverage {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Requests the client sent to it.
    pub requests: u64,
    /// Each documented outcome, in [`documented_outcomes`]' order.
    pub outcomes: Vec<Cell>,
    /// Codes served that the endpoint does not document (an injected envelope's, say).
    pub other: Vec<Cell>,
}

impl EndpointCoverage {
    /// An empty row.
    pub(crate) fn new(endpoint: Endpoint) -> EndpointCoverage {
        EndpointCoverage {
            endpoint,
            requests: 0,
            outcomes: documented_outcomes(endpoint)
                .into_iter()
                .map(|outcome| Cell { outcome, seen: 0 })
                .collect(),
            other: Vec::new(),
        }
    }

    /// Counts one answer.
    pub(crate) fn count(&mut self, outcome: &Outcome) {
        self.requests += 1;
        for served in Served::of(outcome) {
            self.add(served, 1);
        }
    }

    /// Adds `other`'s counts (the same endpoint, for another client or another run) to this row's.
    pub(crate) fn absorb(&mut self, other: &EndpointCoverage) {
        self.requests += other.requests;
        for cell in other.outcomes.iter().chain(&other.other) {
            if cell.seen > 0 {
                self.add(cell.outcome, cell.seen);
            }
        }
    }

    fn add(&mut self, served: Served, seen: u64) {
        let cells = if self.outcomes.iter().any(|c| c.outcome == served) {
            &mut self.outcomes
        } else {
            &mut self.other
        };
        match cells.iter_mut().find(|c| c.outcome == served) {
            Some(cell) => cell.seen += seen,
            None => cells.push(Cell {
                outcome: served,
                seen,
            }),
        }
    }

    /// The documented outcomes never served.
    pub(crate) fn never_seen(&self) -> Vec<Served> {
        self.outcomes
            .iter()
            .filter(|c| c.seen == 0)
            .map(|c| c.outcome)
            .collect()
    }

    /// "clone never saw 4302, 1109, a 5xx or a dropped connection", or `None` when everything was seen.
    pub(crate) fn sentence(&self) -> Option<String> {
        let missing = self.never_seen();
        if self.requests == 0 {
            return Some(format!("never called {}", self.endpoint.name()));
        }
        if missing.is_empty() {
            return None;
        }
        let phrases: Vec<String> = missing.iter().map(|s| s.phrase()).collect();
        Some(format!(
            "{} never saw {}",
            self.endpoint.name(),
            join_or(&phrases)
        ))
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Option<u16>, code: Option<i64>, fault: Option<FaultKind>) -> Outcome {
        Outcome {
            status,
            code,
            rule: None,
            fault,
            duration_ms: 0,
            abandoned: false,
        }
    }

    #[test]
    fn each_answer_serves_what_the_client_saw() {
        let cases = [
            (outcome(Some(200), Some(0), None), vec![Served::Success]),
            (outcome(Some(200), None, None), vec![Served::Success]),
            (
                outcome(Some(200), Some(4302), None),
                vec![Served::Code(4302)],
            ),
            (
                outcome(Some(500), Some(5000), None),
                vec![Served::Code(5000), Served::ServerError],
            ),
            (
                outcome(Some(429), None, Some(FaultKind::HttpStatus)),
                vec![Served::TooManyRequests],
            ),
            (
                outcome(Some(200), Some(0), Some(FaultKind::Latency { ms: 10 })),
                vec![Served::Latency, Served::Success],
            ),
            (
                outcome(None, None, Some(FaultKind::Drop)),
                vec![Served::Dropped],
            ),
            (
                Outcome {
                    abandoned: true,
                    ..outcome(None, None, Some(FaultKind::Latency { ms: 10 }))
                },
                vec![Served::Latency],
            ),
        ];
        for (o, served) in cases {
            assert_eq!(Served::of(&o), served, "{o:?}");
        }
    }

    #[test]
    fn the_clone_endpoint_documents_every_code_the_fake_answers_there() {
        let names: Vec<String> = documented_outcomes(Endpoint::Clone)
            .iter()
            .map(|s| s.name())
            .collect();
        assert_eq!(
            names,
            [
                "success", "1109", "4000", "4019", "4100", "4101", "4200", "4300", "4301", "4302",
                "4303", "4304", "5000", "429", "5xx", "latency", "dropped"
            ]
        );
        assert!(documented_outcomes(Endpoint::Other).is_empty());
    }

    #[test]
    fn the_voice_list_documents_the_refusal_of_a_token_without_list_voice() {
        let list = documented_outcomes(Endpoint::List);
        assert!(list.contains(&Served::Code(4101)), "{list:?}");
    }

    #[test]
    fn the_sentence_names_what_was_never_served() {
        let mut row = EndpointCoverage::new(Endpoint::List);
        assert_eq!(row.sentence().as_deref(), Some("never called list"));
        row.count(&outcome(Some(200), Some(0), None));
        row.count(&outcome(Some(200), Some(4000), None));
        row.count(&outcome(Some(200), Some(4100), None));
        row.count(&outcome(Some(200), Some(4101), None));
        row.count(&outcome(Some(200), Some(5000), Some(FaultKind::Envelope)));
        row.count(&outcome(Some(200), Some(4008), Some(FaultKind::Envelope)));
        assert_eq!(
            row.sentence().as_deref(),
            Some("list never saw a 429, a 5xx, a slow answer or a dropped connection")
        );
        assert_eq!(
            row.other,
            [Cell {
                outcome: Served::Code(4008),
                seen: 1
            }]
        );
        for o in [
            outcome(Some(429), None, Some(FaultKind::HttpStatus)),
            outcome(Some(502), None, Some(FaultKind::HttpStatus)),
            outcome(Some(200), Some(0), Some(FaultKind::Latency { ms: 1 })),
            outcome(None, None, Some(FaultKind::Drop)),
        ] {
            row.count(&o);
        }
        assert_eq!(row.sentence(), None);
    }

    #[test]
    fn outcome_names_round_trip() {
        for endpoint in Endpoint::API {
            for served in documented_outcomes(endpoint) {
                assert_eq!(Served::from_name(&served.name()), Some(served));
            }
        }
        assert_eq!(Served::from_name("often"), None);
    }
}
