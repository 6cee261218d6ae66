//! Who sent a request and how it carried its token, read from its head before any handler runs:
//! [`RequestHead`], with the [`ClientFamily`] a User-Agent names and the [`TokenPlacement`].

use http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::inputs::clip;
use crate::auth::bearer_token;

/// The family of client a User-Agent names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientFamily {
    /// The official Python SDK (`cozepy/0.20.0 python/…`).
    Cozepy,
    /// The official Node SDK (`coze-js/1.3.9 node/…`), or bare axios, which it is built on.
    CozeJs,
    /// The official Go SDK, or Go's `net/http` default agent.
    CozeGo,
    /// The official Java SDK, or OkHttp, which it is built on.
    CozeJava,
    /// curl, as in the page's example.
    Curl,
    /// Anything else, or no User-Agent.
    Other,
}

impl ClientFamily {
    /// How the report names the family.
    pub fn label(self) -> &'static str {
        match self {
            ClientFamily::Cozepy => "cozepy",
            ClientFamily::CozeJs => "@coze/api",
            ClientFamily::CozeGo => "coze-go",
            ClientFamily::CozeJava => "coze-java",
            ClientFamily::Curl => "curl",
            ClientFamily::Other => "other",
        }
    }

    /// The family and version a User-Agent names: its first product token decides.
    pub fn of_user_agent(user_agent: &str) -> (ClientFamily, Option<String>) {
        let ua = user_agent.trim().to_ascii_lowercase();
        let families: [(&str, ClientFamily); 10] = [
            ("cozepy/", ClientFamily::Cozepy),
            ("coze-js/", ClientFamily::CozeJs),
            ("@coze/api/", ClientFamily::CozeJs),
            ("axios/", ClientFamily::CozeJs),
            ("cozego/", ClientFamily::CozeGo),
            ("coze-go/", ClientFamily::CozeGo),
            ("go-http-client/", ClientFamily::CozeGo),
            ("cozejava/", ClientFamily::CozeJava),
            ("coze-java/", ClientFamily::CozeJava),
            ("okhttp/", ClientFamily::CozeJava),
        ];
        let version_after = |prefix: &str| {
            ua[prefix.len()..]
                .split(|c: char| c.is_whitespace() || c == ';' || c == '(')
                .next()
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        if let Some((prefix, family)) = families.iter().find(|(p, _)| ua.starts_with(p)) {
            return (*family, version_after(prefix));
        }
        if ua.starts_with("curl/") {
            return (ClientFamily::Curl, version_after("curl/"));
        }
        (ClientFamily::Other, None)
    }
}

/// Who sent a request: the User-Agent's family and version, and the token (shortened).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Client {
    /// The User-Agent's family.
    pub family: ClientFamily,
    /// Its version, if the User-Agent gives one.
    pub version: Option<String>,
    /// The token, shortened to its first and last four characters when long; `None` when none was sent.
    pub token: Option<String>,
}

impl Client {
    /// `cozepy/0.20.0`, or the family alone.
    pub fn agent(&self) -> String {
        match &self.version {
            Some(v) => format!("{}/{v}", self.family.label()),
            None => self.family.label().to_owned(),
        }
    }

    /// `cozepy/0.20.0 · pat_mock`: how pages and reports name the client.
    pub fn label(&self) -> String {
        format!(
            "{} · {}",
            self.agent(),
            self.token.as_deref().unwrap_or("no token")
        )
    }
}

/// A token as the report shows it: whole when short (like the default `pat_mock`), else its first and last
/// four characters, so a real token never appears on a page or in a CI log.
pub(crate) fn shorten_token(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 12 {
        return token.to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Where the request carried its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>`, as the page says.
    Bearer,
    /// An `Authorization` header with another scheme, or none: `Token pat_…`, a bare `pat_…`.
    AuthorizationWithoutBearer {
        /// The value's first word (the scheme, or the bare token shortened).
        scheme: String,
    },
    /// No usable `Authorization`, but a header that looks like it carries the token.
    OtherHeader {
        /// The header's name.
        header: String,
    },
    /// No token anywhere.
    Absent,
}

/// Prefixes of Coze tokens: personal (`pat_`), service (`sat_`) and OAuth ones (`czs_`).
const TOKEN_PREFIXES: [&str; 3] = ["pat_", "sat_", "czs_"];

/// Header names clients use for API keys elsewhere.
const KEY_HEADER_WORDS: [&str; 4] = ["token", "api-key", "apikey", "api_key"];

impl TokenPlacement {
    /// Where `headers` carry a token, and the token itself when it can be told.
    pub fn of_headers(headers: &HeaderMap) -> (TokenPlacement, Option<String>) {
        let authorization = headers
            .get(AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(value) = &authorization {
            if let Some(token) = bearer_token(value) {
                return (TokenPlacement::Bearer, Some(token.to_owned()));
            }
        }
        let looks_like_token = |v: &str| {
            let v = v.trim();
            TOKEN_PREFIXES.iter().any(|p| v.starts_with(p)) || bearer_token(v).is_some()
        };
        for (name, value) in headers {
            if name == AUTHORIZATION || name == "x-coze-client-user-agent" {
                continue;
            }
            let value = String::from_utf8_lossy(value.as_bytes());
            let named_like_key = KEY_HEADER_WORDS.iter().any(|w| name.as_str().contains(w));
            if looks_like_token(&value) || (named_like_key && !value.trim().is_empty()) {
                let token = bearer_token(&value).unwrap_or(value.trim()).to_owned();
                return (
                    TokenPlacement::OtherHeader {
                        header: name.as_str().to_owned(),
                    },
                    Some(token),
                );
            }
        }
        match authorization {
            Some(value) => {
                let first = value.split_whitespace().next().unwrap_or_default();
                let token = value.split_whitespace().last().unwrap_or_default();
                let scheme = if TOKEN_PREFIXES.iter().any(|p| first.starts_with(p)) {
                    shorten_token(first)
                } else {
                    first.to_owned()
                };
                (
                    TokenPlacement::AuthorizationWithoutBearer { scheme },
                    Some(token.to_owned()),
                )
            }
            None => (TokenPlacement::Absent, None),
        }
    }
}

/// What the request's head tells before any handler runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RequestHead {
    /// Who sent it.
    pub client: Client,
    /// Where the token was.
    pub token_placement: TokenPlacement,
    /// The token itself, for the fake to look its account up (never kept).
    pub token: Option<String>,
    /// The Content-Type as sent.
    pub content_type: Option<String>,
}

impl RequestHead {
    /// Reads the client, the token's placement and the Content-Type from the headers.
    pub(crate) fn of_headers(headers: &HeaderMap) -> RequestHead {
        let (family, version) = headers
            .get(USER_AGENT)
            .map(|v| ClientFamily::of_user_agent(&String::from_utf8_lossy(v.as_bytes())))
            .unwrap_or((ClientFamily::Other, None));
        let (token_placement, token) = TokenPlacement::of_headers(headers);
        RequestHead {
            client: Client {
                family,
                version,
                token: token.as_deref().map(shorten_token),
            },
            token_placement,
            token,
            content_type: headers
                .get(CONTENT_TYPE)
                .map(|v| clip(&String::from_utf8_lossy(v.as_bytes()), 200)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn user_agents_of_the_official_sdks_are_told_apart() {
        let cases = [
            (
                "cozepy/0.20.0 python/3.11.2 linux/6.1",
                ClientFamily::Cozepy,
                Some("0.20.0"),
            ),
            (
                "coze-js/1.3.9 node/20.11.0 linux/6.1",
                ClientFamily::CozeJs,
                Some("1.3.9"),
            ),
            ("axios/1.7.9", ClientFamily::CozeJs, Some("1.7.9")),
            ("Go-http-client/1.1", ClientFamily::CozeGo, Some("1.1")),
            ("okhttp/4.12.0", ClientFamily::CozeJava, Some("4.12.0")),
            ("curl/7.88.1", ClientFamily::Curl, Some("7.88.1")),
            ("Mozilla/5.0 (X11)", ClientFamily::Other, None),
        ];
        for (ua, family, version) in cases {
            let (f, v) = ClientFamily::of_user_agent(ua);
            assert_eq!((f, v.as_deref()), (family, version), "{ua}");
        }
    }

    #[test]
    fn long_tokens_are_shortened_short_ones_kept() {
        assert_eq!(shorten_token("pat_mock"), "pat_mock");
        let real = format!("pat_{}", "a1".repeat(32));
        assert_eq!(shorten_token(&real), "pat_…a1a1");
    }

    #[test]
    fn the_token_is_found_wherever_it_was_put() {
        let cases: [(&[(&'static str, &str)], TokenPlacement); 5] = [
            (&[("authorization", "Bearer pat_x")], TokenPlacement::Bearer),
            (
                &[("authorization", "pat_x")],
                TokenPlacement::AuthorizationWithoutBearer {
                    scheme: "pat_x".into(),
                },
            ),
            (
                &[("authorization", "Token pat_x")],
                TokenPlacement::AuthorizationWithoutBearer {
                    scheme: "Token".into(),
                },
            ),
            (
                &[("x-api-key", "pat_x")],
                TokenPlacement::OtherHeader {
                    header: "x-api-key".into(),
                },
            ),
            (&[("user-agent", "curl/8")], TokenPlacement::Absent),
        ];
        for (h, expected) in cases {
            let (placement, token) = TokenPlacement::of_headers(&headers(h));
            assert_eq!(placement, expected, "{h:?}");
            if expected != TokenPlacement::Absent {
                assert_eq!(token.as_deref(), Some("pat_x"), "{h:?}");
            }
        }
    }

    #[test]
    fn the_sdk_agent_header_is_not_mistaken_for_a_token() {
        let h = headers(&[
            ("authorization", "Bearer pat_x"),
            ("x-coze-client-user-agent", r#"{"version":"0.20.0"}"#),
        ]);
        assert_eq!(TokenPlacement::of_headers(&h).0, TokenPlacement::Bearer);
    }
}
