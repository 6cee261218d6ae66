//! The spend guard (`--spend`): which requests may reach the real API, where a clone costs money and one
//! of the voice id's 10 trainings, and speech is billed.

use crate::catalogue::Endpoint;

/// The response header marking an answer the shadow fake gave alone.
pub(crate) const NOT_FORWARDED_HEADER: &str = "x-coze-mock-proxy";

/// What may be forwarded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Spend {
    /// Only the voice list (free); clones, retrains, speech and unknown endpoints are answered by the
    /// shadow fake alone.
    #[default]
    None,
    /// Also the requests the fake predicts the real API refuses (no voice is created, nothing billed).
    Refusals,
    /// Everything: clones create real voices and use trainings, speech is billed.
    All,
}

/// How one request is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To the upstream and the shadow at once, the body streamed to both.
    Forward,
    /// To the shadow alone.
    ShadowOnly,
    /// To the shadow first (the body held); to the upstream too if the shadow refuses it.
    ShadowFirst,
}

impl Spend {
    /// How a request to `endpoint` is handled under this guard.
    pub fn route(self, endpoint: Endpoint) -> Route {
        match (endpoint, self) {
            (Endpoint::List, _) | (_, Spend::All) => Route::Forward,
            (_, Spend::Refusals) => Route::ShadowFirst,
            (_, Spend::None) => Route::ShadowOnly,
        }
    }

    /// The flag's value.
    pub fn name(self) -> &'static str {
        match self {
            Spend::None => "none",
            Spend::Refusals => "refusals",
            Spend::All => "all",
        }
    }

    /// What this setting costs, for the start-up lines.
    pub fn cost(self) -> &'static str {
        match self {
            Spend::None => "nothing: only the voice list (free) reaches the real API; clones, retrains and speech are answered by the shadow fake alone",
            Spend::Refusals => "nothing if the fake is right: the voice list and the requests the fake predicts the real API refuses are forwarded; if the real API accepts one of those, a voice may have been created and billed (reported at once)",
            Spend::All => "real money: every clone creates or retrains a real voice (one of its 10 trainings, billed), every speech request is billed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_list_is_forwarded_by_default_and_everything_under_all() {
        for endpoint in [Endpoint::Clone, Endpoint::Speech, Endpoint::Other] {
            assert_eq!(Spend::None.route(endpoint), Route::ShadowOnly);
            assert_eq!(Spend::Refusals.route(endpoint), Route::ShadowFirst);
            assert_eq!(Spend::All.route(endpoint), Route::Forward);
        }
        for spend in [Spend::None, Spend::Refusals, Spend::All] {
            assert_eq!(spend.route(Endpoint::List), Route::Forward);
        }
    }
}
