//! Bearer authentication: 「Authorization: Bearer $Access_Token」 → the token's [`Principal`].

use http::header::AUTHORIZATION;
use http::HeaderMap;

use crate::directory::{Directory, Principal};
use crate::error::ApiError;

/// Finds the principal of the request's bearer token, refusing a missing, malformed, unknown or expired one.
/// `now` is Unix time in seconds.
pub(crate) fn authenticate(
    headers: &HeaderMap,
    directory: &Directory,
    now: i64,
) -> Result<Principal, ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::MissingAuthorization)?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::MalformedAuthorization)?;
    let token = bearer_token(value).ok_or(ApiError::MalformedAuthorization)?;
    let principal = directory.principal(token).ok_or(ApiError::UnknownToken)?;
    match principal.expires_at {
        Some(expiry) if now >= expiry => Err(ApiError::ExpiredToken),
        _ => Ok(principal),
    }
}

/// The token of a `Bearer <token>` header value; the scheme is case-insensitive (RFC 9110 §11.1).
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DEFAULT_TOKEN};
    use http::HeaderValue;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn each_broken_authorization_is_named_precisely() {
        let dir = Config::default().validate().unwrap();
        let cases = [
            (None, "auth.header_missing"),
            (Some("pat_mock"), "auth.not_bearer"),
            (Some("Basic pat_mock"), "auth.not_bearer"),
            (Some("Bearer "), "auth.not_bearer"),
            (Some("Bearer pat_other"), "auth.token_unknown"),
        ];
        for (auth, rule) in cases {
            let err = authenticate(&headers(auth), &dir, 0).unwrap_err();
            assert_eq!(err.rule(), rule, "Authorization {auth:?}");
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let dir = Config::default().validate().unwrap();
        assert!(authenticate(&headers(Some("bearer pat_mock")), &dir, 0).is_ok());
        assert!(authenticate(&headers(Some(&format!("Bearer {DEFAULT_TOKEN}"))), &dir, 0).is_ok());
    }

    #[test]
    fn a_token_is_refused_from_its_expiry_on() {
        let mut cfg = Config::default();
        cfg.tokens[0].expires_at = Some("2026-01-01T00:00:00Z".into());
        let dir = cfg.validate().unwrap();
        let expiry = 1_767_225_600;
        let h = headers(Some("Bearer pat_mock"));
        assert!(authenticate(&h, &dir, expiry - 1).is_ok());
        assert_eq!(
            authenticate(&h, &dir, expiry).unwrap_err().rule(),
            "auth.token_expired"
        );
    }
}
