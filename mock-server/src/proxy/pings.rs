//! Which relayed pings are still waiting for their pong. tungstenite answers every ping it reads at once,
//! so the proxy's own pong has already gone back when the other side's pong for a relayed ping arrives:
//! that pong is not relayed again, and each ping's sender gets exactly one pong, as without the proxy.
//! A pong that answers no relayed ping (a heartbeat, RFC 6455 5.5.3) is relayed.

use std::collections::VecDeque;

use bytes::Bytes;

/// The most pings kept waiting; an older one is forgotten (its pong, if it ever comes, is relayed).
const KEPT: usize = 32;

/// The payloads of pings relayed one way and not yet answered the other way, oldest first.
#[derive(Debug, Default)]
pub(crate) struct PendingPings(VecDeque<Bytes>);

impl PendingPings {
    /// Notes a ping relayed with `payload`.
    pub(crate) fn relayed(&mut self, payload: &Bytes) {
        if self.0.len() == KEPT {
            self.0.pop_front();
        }
        self.0.push_back(payload.clone());
    }

    /// Whether a pong with `payload` answers a relayed ping (then it and every older ping are settled:
    /// a peer may answer only the latest of several pings, RFC 6455 5.5.3); `false` for an unasked pong.
    pub(crate) fn answered_by(&mut self, payload: &Bytes) -> bool {
        match self.0.iter().position(|p| p == payload) {
            Some(at) => {
                self.0.drain(..=at);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn a_pong_answering_a_relayed_ping_is_settled_once() {
        let mut pings = PendingPings::default();
        pings.relayed(&b("one"));
        assert!(pings.answered_by(&b("one")));
        assert!(!pings.answered_by(&b("one")), "a second pong is unasked");
    }

    #[test]
    fn an_unasked_pong_is_not_an_answer() {
        let mut pings = PendingPings::default();
        assert!(!pings.answered_by(&b("heartbeat")));
        pings.relayed(&b("one"));
        assert!(!pings.answered_by(&b("two")));
        assert!(pings.answered_by(&b("one")), "the ping still waits");
    }

    #[test]
    fn answering_the_latest_ping_settles_the_older_ones() {
        let mut pings = PendingPings::default();
        for p in ["one", "two", "three"] {
            pings.relayed(&b(p));
        }
        assert!(pings.answered_by(&b("two")));
        assert!(!pings.answered_by(&b("one")));
        assert!(pings.answered_by(&b("three")));
    }

    #[test]
    fn only_the_latest_pings_are_kept() {
        let mut pings = PendingPings::default();
        for n in 0..=KEPT {
            pings.relayed(&Bytes::from(n.to_string()));
        }
        assert!(!pings.answered_by(&b("0")), "the oldest was forgotten");
        assert!(pings.answered_by(&Bytes::from(KEPT.to_string())));
    }
}
