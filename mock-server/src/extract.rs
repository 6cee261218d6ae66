//! Extractors whose rejections answer in the API's envelope.
//!
//! [`Input`] wraps one of axum's extractors (`Json`, `Query`, `Bytes`) and turns its rejection into the
//! [`ApiError`] of the route it serves, which a [`Route`] marker names: a handler takes
//! `Input(Json(spec), _): AdminJson<FaultSpec>` and never sees a rejection. A handler that checks the
//! token first takes `Result<SpeechBody, ApiError>` and applies `?` after the check, so an anonymous
//! request is refused for its token whatever its body. A body is read under the body deadline the
//! state's [`Limits`] set ([`crate::request_body::guarded`]): one that stalls or trickles is
//! [`ApiError::BodyTooSlow`], as in the clone's form.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Query, Request};
use axum::Json;
use http::request::Parts;

use crate::error::ApiError;
use crate::request_body::{guarded_body, Limits};

/// An axum extractor `X` whose rejection becomes route `R`'s error.
#[derive(Debug)]
pub(crate) struct Input<X, R>(pub X, pub PhantomData<R>);

/// A JSON body of the admin API.
pub(crate) type AdminJson<T> = Input<Json<T>, Admin>;
/// A query string of the admin API.
pub(crate) type AdminQuery<T> = Input<Query<T>, Admin>;
/// The voice list's query string, as pairs.
pub(crate) type VoiceListQuery = Input<Query<Vec<(String, String)>>, VoiceList>;
/// A speech request's body, as bytes (it is parsed by the handler, whatever its Content-Type).
pub(crate) type SpeechBody = Input<Bytes, Speech>;

/// A route's answer to input it cannot read.
pub(crate) trait Route {
    /// The error for input that could not be read, `reason` saying why.
    fn unreadable(reason: String) -> ApiError;
}

/// The admin API, under `/__admin/`.
#[derive(Debug)]
pub(crate) enum Admin {}

impl Route for Admin {
    fn unreadable(reason: String) -> ApiError {
        ApiError::AdminInvalid { reason }
    }
}

/// `GET /v1/audio/voices`.
#[derive(Debug)]
pub(crate) enum VoiceList {}

impl Route for VoiceList {
    fn unreadable(reason: String) -> ApiError {
        ApiError::ListParamInvalid {
            param: "query",
            expected: "a valid query string".to_owned(),
            value: reason,
        }
    }
}

/// `POST /v1/audio/speech`.
#[derive(Debug)]
pub(crate) enum Speech {}

impl Route for Speech {
    fn unreadable(reason: String) -> ApiError {
        ApiError::SpeechBodyInvalid {
            reason: format!("a readable body: {reason}"),
        }
    }
}

/// An axum rejection's reason, as axum words it for the client.
pub(crate) trait Rejection {
    /// The reason.
    fn reason(&self) -> String;
}

impl Rejection for JsonRejection {
    fn reason(&self) -> String {
        self.body_text()
    }
}

impl Rejection for QueryRejection {
    fn reason(&self) -> String {
        self.body_text()
    }
}

impl Rejection for BytesRejection {
    fn reason(&self) -> String {
        self.body_text()
    }
}

impl<S, X, R> FromRequest<S> for Input<X, R>
where
    S: Send + Sync,
    Limits: FromRef<S>,
    X: FromRequest<S>,
    X::Rejection: Rejection,
    R: Route,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (head, body) = request.into_parts();
        let (body, cut) = guarded_body(body, Limits::from_ref(state).body_deadline());
        match X::from_request(Request::from_parts(head, body), state).await {
            Ok(x) => Ok(Input(x, PhantomData)),
            Err(e) => Err(match cut.get() {
                Some(slow) => ApiError::BodyTooSlow(*slow),
                None => R::unreadable(e.reason()),
            }),
        }
    }
}

impl<S, X, R> FromRequestParts<S> for Input<X, R>
where
    S: Send + Sync,
    X: FromRequestParts<S>,
    X::Rejection: Rejection,
    R: Route,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match X::from_request_parts(parts, state).await {
            Ok(x) => Ok(Input(x, PhantomData)),
            Err(e) => Err(R::unreadable(e.reason())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(uri: &str, content_type: &str, body: &'static str) -> Request {
        Request::builder()
            .method("POST")
            .uri(uri)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn an_unreadable_admin_body_is_an_admin_error_with_axums_reason() {
        let rejected = AdminJson::<Vec<u32>>::from_request(
            request("/", "application/json", "[1,"),
            &Limits::default(),
        )
        .await;
        let e = rejected.unwrap_err();
        assert_eq!(e.rule(), "admin.invalid");
        assert!(e.row().msg.contains("JSON"), "{}", e.row().msg);
        let Input(Json(read), _) = AdminJson::<Vec<u32>>::from_request(
            request("/", "application/json", "[1,2]"),
            &Limits::default(),
        )
        .await
        .unwrap();
        assert_eq!(read, [1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stalls_half_way_is_cut_off_by_the_states_deadline_on_every_route() {
        let stalled = || {
            let half = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
                br#"{"input":"#,
            ))]);
            let body = Body::from_stream(futures_util::StreamExt::chain(
                half,
                futures_util::stream::pending(),
            ));
            Request::builder()
                .method("POST")
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body)
                .unwrap()
        };
        // The state's deadline, 1 s: within the 2 s bound, which the 10 s default would outlast.
        let limits = Limits {
            body_deadline_secs: 1.0,
        };
        let bound = std::time::Duration::from_secs(2);
        let speech = SpeechBody::from_request(stalled(), &limits);
        let speech = tokio::time::timeout(bound, speech)
            .await
            .expect("cut off within the state's deadline");
        assert_eq!(speech.unwrap_err().rule(), "body.stalled");
        let admin = AdminJson::<serde_json::Value>::from_request(stalled(), &limits);
        let admin = tokio::time::timeout(bound, admin)
            .await
            .expect("cut off within the state's deadline");
        assert_eq!(admin.unwrap_err().rule(), "body.stalled");
    }

    #[tokio::test]
    async fn an_unreadable_query_is_its_routes_error() {
        let (mut parts, _body) = request("/?after=x", "text/plain", "").into_parts();
        let admin = AdminQuery::<std::collections::HashMap<String, u32>>::from_request_parts(
            &mut parts,
            &(),
        )
        .await;
        assert_eq!(admin.unwrap_err().rule(), "admin.invalid");
        let (mut parts, _body) = request("/?a=1&b=2", "text/plain", "").into_parts();
        let Input(Query(pairs), _) = VoiceListQuery::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        assert_eq!(pairs, [("a".into(), "1".into()), ("b".into(), "2".into())]);
    }
}
