//! The shadow's side of a forwarded exchange ([`Judging`]) and, without `--config`, the upstream's say on
//! authentication: a token the upstream has not accepted is judged only after its answer; its refusal
//! for the token or its account is met by the fake's own answer for that failure ([`crate::api::answer_error`]).

use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::task::JoinHandle;

use super::answer::{Answer, BodyNotes};
use super::tee::replay;
use super::{content_type, follow, shadow_answer, Head, Proxy, SHADOW_TIMEOUT};
use crate::catalogue::Endpoint;

/// The shadow's side of a forwarded exchange.
pub(crate) enum Judging {
    /// Its answer, made while the upstream answers.
    Now(JoinHandle<Answer>),
    /// The request's body, held until the upstream has answered for the token (`None` past
    /// [`super::HOLD_MAX_BYTES`]).
    AfterUpstream(JoinHandle<Option<Bytes>>),
}

impl Judging {
    pub(super) fn abort(&self) {
        match self {
            Judging::Now(task) => task.abort(),
            Judging::AfterUpstream(task) => task.abort(),
        }
    }
}

impl Proxy {
    /// The fake's answer to compare with `real`. For a token the upstream had not accepted: its refusal
    /// for the token or its account is met by the fake's answer for that failure, and the token is
    /// forgotten (the shadow never judged the request, or refused it: its state is untouched); any other
    /// answer makes the token the shadow's before a held request is judged.
    pub(super) async fn shadow_side(
        &self,
        head: &Head,
        real: &Answer,
        judging: Judging,
    ) -> Option<Answer> {
        if let Some(refused) = self.token_refused(head, real).await {
            judging.abort();
            return Some(refused);
        }
        self.upstream_accepted(head);
        let learner = self.learner.as_ref().filter(|_| head.awaits_upstream);
        let answer = async {
            match judging {
                Judging::Now(task) => task.await.ok(),
                Judging::AfterUpstream(held) => {
                    let held = held.await.ok()??;
                    if let (Some(learner), Some(token), Endpoint::Clone) =
                        (learner, &head.token, head.endpoint)
                    {
                        if let Some(space) = follow::space_id_in(&held) {
                            learner.space(&self.shadow, token, &space);
                        }
                    }
                    let request = head.request(replay(&held));
                    Some(
                        shadow_answer(self.shadow_router.clone(), request)
                            .await
                            .answer,
                    )
                }
            }
        };
        tokio::time::timeout(SHADOW_TIMEOUT, answer)
            .await
            .ok()
            .flatten()
    }

    /// The upstream got past the request's token: a token it had not accepted becomes the shadow's.
    pub(super) fn upstream_accepted(&self, head: &Head) {
        let learner = self.learner.as_ref().filter(|_| head.awaits_upstream);
        if let (Some(learner), Some(token)) = (learner, &head.token) {
            learner.accepted(&self.shadow, token);
        }
    }

    /// When the upstream refused, for the token or its account, a token it had not accepted: the token
    /// is forgotten, and the fake's answer for that failure returned.
    pub(super) async fn token_refused(&self, head: &Head, real: &Answer) -> Option<Answer> {
        let learner = self.learner.as_ref().filter(|_| head.awaits_upstream)?;
        let token = head.token.as_deref()?;
        let refusal = follow::TokenRefusal::of(head.endpoint, real)?;
        learner.refused(&self.shadow, token);
        let response = crate::api::answer_error(&self.shadow, move || refusal.error()).await;
        let (parts, body) = response.into_parts();
        let mut notes = BodyNotes::new(content_type(&parts.headers));
        notes.feed(
            &body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default(),
        );
        Some(Answer::new(
            parts.status.as_u16(),
            &parts.headers,
            notes.finish(),
        ))
    }
}
