//! [`RequestSummary`]: what the report keeps of one request. Names and sizes of what was sent, the file's
//! name, formats and hash, who sent it and what it was answered; never the audio or a text's content.

use http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::auth::bearer_token;
use crate::rules::AudioFormat;

/// The endpoints the report covers, by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    /// `POST /v1/audio/voices/clone`.
    Clone,
    /// `GET /v1/audio/voices`.
    List,
    /// `POST /v1/audio/speech`.
    Speech,
    /// The preview audio URL of a voice.
    Preview,
    /// Any other path.
    Other,
}

impl Endpoint {
    /// The three endpoints of Coze's API the fake serves, in the report's order.
    pub const API: [Endpoint; 3] = [Endpoint::Clone, Endpoint::List, Endpoint::Speech];

    /// The endpoint a path belongs to.
    pub fn of_path(path: &str) -> Endpoint {
        match path {
            "/v1/audio/voices/clone" => Endpoint::Clone,
            "/v1/audio/voices" => Endpoint::List,
            "/v1/audio/speech" => Endpoint::Speech,
            p if p.starts_with("/__mock/preview_audio/") => Endpoint::Preview,
            _ => Endpoint::Other,
        }
    }

    /// Its short name (`clone`, `list`, …).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Clone => "clone",
            Endpoint::List => "list",
            Endpoint::Speech => "speech",
            Endpoint::Preview => "preview",
            Endpoint::Other => "other",
        }
    }
}

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
pub fn shorten_token(token: &str) -> String {
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

/// One text field, JSON key or query parameter as sent: its name and size, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSize {
    /// The name as sent.
    pub name: String,
    /// Its value's length in bytes of UTF-8.
    pub bytes: usize,
    /// Its value's length in characters.
    pub chars: usize,
}

impl FieldSize {
    /// The size of `value` under `name`.
    pub fn of(name: &str, value: &str) -> FieldSize {
        FieldSize {
            name: name.to_owned(),
            bytes: value.len(),
            chars: value.chars().count(),
        }
    }
}

/// The file part of a clone form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// The part's name (`file`, or what the client called it).
    pub part: String,
    /// The part's `filename` parameter: `None` when absent, `Some("")` when empty.
    pub filename: Option<String>,
    /// Bytes in the part.
    pub bytes: u64,
    /// The bytes' [`AudioHasher`] digest, 16 hex digits.
    pub hash: String,
    /// What the bytes are, once the fake has judged them.
    pub detected: Option<AudioFormat>,
    /// Playing time in seconds, when the fake could tell.
    pub duration_secs: Option<f64>,
    #[serde(skip)]
    hasher: AudioHasher,
}

impl FileSummary {
    /// A file part about to be read.
    pub fn start(part: &str, filename: Option<&str>) -> FileSummary {
        FileSummary {
            part: part.to_owned(),
            filename: filename.map(str::to_owned),
            hash: AudioHasher::default().hex(),
            ..FileSummary::default()
        }
    }

    /// Takes the next chunk of the part into the size and the hash.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.hasher.update(chunk);
        self.hash = self.hasher.hex();
    }
}

/// A fast, non-cryptographic fingerprint of an upload, enough to tell that two uploads carry the same
/// audio: FNV-1a (64-bit) in four independent lanes over a sample of the bytes (the first
/// [`SAMPLE_HEAD`] bytes, then [`SAMPLE_WINDOW`] bytes at the start of every further [`SAMPLE_STRIDE`]),
/// the last [`SAMPLE_WINDOW`] bytes and the length. Hashing every byte of a 10 MiB upload took about as
/// long as the bare server takes to read it (bench/README.md); the sample is about 1/16 of the bytes past
/// the head. Two recordings that differ only between the windows would share a fingerprint, which real
/// recordings of different takes never do. How the upload was cut into chunks does not change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioHasher {
    lanes: FnvLanes,
    /// Bytes taken so far: the position of the next byte.
    len: u64,
    /// The latest bytes, oldest first once full.
    tail: [u8; SAMPLE_WINDOW],
    tail_len: usize,
}

/// Bytes at the start of an upload that are all hashed.
pub const SAMPLE_HEAD: u64 = 64 * 1024;
/// Past the head, a window is hashed at the start of every this many bytes.
pub const SAMPLE_STRIDE: u64 = 64 * 1024;
/// The size of each sampled window, and of the tail that is always hashed.
pub const SAMPLE_WINDOW: usize = 4 * 1024;

impl Default for AudioHasher {
    fn default() -> Self {
        AudioHasher {
            lanes: FnvLanes::default(),
            len: 0,
            tail: [0; SAMPLE_WINDOW],
            tail_len: 0,
        }
    }
}

impl AudioHasher {
    /// The digest of `bytes` in one piece.
    pub fn digest(bytes: &[u8]) -> String {
        let mut h = AudioHasher::default();
        h.update(bytes);
        h.hex()
    }

    /// Takes the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            let pos = self.len + at as u64;
            let left = (bytes.len() - at) as u64;
            let into_stride = pos % SAMPLE_STRIDE;
            let (sampled, run) = if pos < SAMPLE_HEAD {
                (true, SAMPLE_HEAD - pos)
            } else if into_stride < SAMPLE_WINDOW as u64 {
                (true, SAMPLE_WINDOW as u64 - into_stride)
            } else {
                (false, SAMPLE_STRIDE - into_stride)
            };
            let n = run.min(left) as usize;
            if sampled {
                self.lanes.update(&bytes[at..at + n]);
            }
            at += n;
        }
        self.len += bytes.len() as u64;
        self.keep_tail(bytes);
    }

    fn keep_tail(&mut self, bytes: &[u8]) {
        if bytes.len() >= SAMPLE_WINDOW {
            self.tail
                .copy_from_slice(&bytes[bytes.len() - SAMPLE_WINDOW..]);
            self.tail_len = SAMPLE_WINDOW;
            return;
        }
        let overflow = (self.tail_len + bytes.len()).saturating_sub(SAMPLE_WINDOW);
        if overflow > 0 {
            self.tail.copy_within(overflow..self.tail_len, 0);
            self.tail_len -= overflow;
        }
        self.tail[self.tail_len..self.tail_len + bytes.len()].copy_from_slice(bytes);
        self.tail_len += bytes.len();
    }

    /// The digest of everything taken so far, as 16 hex digits.
    pub fn hex(&self) -> String {
        let mut tail = FnvLanes::default();
        tail.update(&self.tail[..self.tail_len]);
        let state = fnv(fnv(self.lanes.finish(), tail.finish()), self.len);
        format!("{state:016x}")
    }
}

/// FNV-1a (64-bit) over 8-byte words in four independent lanes (32-byte blocks), folded together at the
/// end: one lane is a chain of dependent multiplications, four let the processor run them side by side.
/// Its result depends only on the bytes taken, not on how they were cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FnvLanes {
    lanes: [u64; LANES],
    pending: [u8; BLOCK],
    pending_len: usize,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
/// Independent FNV states.
const LANES: usize = 4;
/// Bytes one round of the lanes takes.
const BLOCK: usize = LANES * 8;

impl Default for FnvLanes {
    fn default() -> Self {
        FnvLanes {
            lanes: [FNV_OFFSET; LANES],
            pending: [0; BLOCK],
            pending_len: 0,
        }
    }
}

fn fnv(state: u64, word: u64) -> u64 {
    (state ^ word).wrapping_mul(FNV_PRIME)
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

impl FnvLanes {
    fn block(&mut self, block: &[u8; BLOCK]) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let w: [u8; 8] = block[i * 8..i * 8 + 8].try_into().expect("8 bytes");
            *lane = fnv(*lane, u64::from_le_bytes(w));
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        if self.pending_len > 0 {
            let take = (BLOCK - self.pending_len).min(bytes.len());
            let at = self.pending_len;
            self.pending[at..at + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < BLOCK {
                return;
            }
            let pending = self.pending;
            self.block(&pending);
            self.pending_len = 0;
        }
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in &mut blocks {
            self.block(block.try_into().expect("a whole block"));
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// The lanes and the last partial block (its words, the last one zero-padded) folded into one state.
    fn finish(&self) -> u64 {
        let mut lanes = self.lanes;
        for (lane, w) in lanes
            .iter_mut()
            .zip(self.pending[..self.pending_len].chunks(8))
        {
            *lane = fnv(*lane, word(w));
        }
        lanes.into_iter().fold(FNV_OFFSET, fnv)
    }
}

/// What the handlers learn from a request's body or query, kept for the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// The text parts of a form, the keys of a JSON body, or the query's parameters, in the order sent.
    pub fields: Vec<FieldSize>,
    /// A clone form's file part.
    pub file: Option<FileSummary>,
    /// `audio_format` as sent.
    pub declared_format: Option<String>,
    /// `voice_name` as sent (at most [`NAME_KEPT_BYTES`]).
    pub voice_name: Option<String>,
    /// `voice_id` as sent: a retrain, or the voice a speech uses.
    pub voice_id: Option<String>,
    /// `space_id` as sent.
    pub space_id: Option<String>,
    /// Fields past the first [`FIELDS_KEPT`], counted but not kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fields_not_kept: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The most fields a summary keeps: a form has at most 64 parts, and a JSON body or query with thousands
/// of keys must not make the journal grow.
pub const FIELDS_KEPT: usize = 64;

/// The most of a `voice_name` the journal keeps: enough to compare names, bounded for hostile ones.
pub const NAME_KEPT_BYTES: usize = 256;

impl Inputs {
    /// Records a text field (form part, JSON string, query parameter) and the values the report compares.
    pub fn field(&mut self, name: &str, value: &str) {
        self.size(FieldSize::of(name, value));
        let kept = || Some(clip(value, NAME_KEPT_BYTES));
        match name {
            "voice_name" => self.voice_name = kept(),
            "voice_id" => self.voice_id = kept(),
            "space_id" => self.space_id = kept(),
            "audio_format" => self.declared_format = kept(),
            _ => {}
        }
    }

    /// Keeps a field's size, its name cut to [`NAME_KEPT_BYTES`], while fewer than [`FIELDS_KEPT`] are kept.
    fn size(&mut self, mut field: FieldSize) {
        if self.fields.len() >= FIELDS_KEPT {
            self.fields_not_kept += 1;
            return;
        }
        field.name = clip(&field.name, NAME_KEPT_BYTES);
        self.fields.push(field);
    }

    /// Records the keys of a JSON object body (a speech); string values count their text, others their
    /// JSON text.
    pub fn json_body(&mut self, body: &[u8]) {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return;
        };
        for (key, value) in &map {
            match value {
                serde_json::Value::String(s) => self.field(key, s),
                other => self.size(FieldSize::of(key, &other.to_string())),
            }
        }
    }

    /// Records the parameters of a query string.
    pub fn query(&mut self, query: &str) {
        for (key, value) in form_urlencoded_pairs(query) {
            self.field(&key, &value);
        }
    }
}

/// The `key=value` pairs of a query string, percent-decoded.
fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded_pairs(query).unwrap_or_default()
}

fn serde_urlencoded_pairs(query: &str) -> Option<Vec<(String, String)>> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&format!("/?{query}").parse().ok()?)
        .ok()
        .map(|q| q.0)
}

/// At most `max` bytes of `s`, cut at a character boundary.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// An injected fault, as the journal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// The answer was delayed this long, then given normally.
    Latency {
        /// The delay.
        ms: u64,
    },
    /// An envelope chosen by the test replaced the answer.
    Envelope,
    /// A bare HTTP 429 or 5xx replaced the answer.
    HttpStatus,
    /// The connection was closed before the answer was complete.
    Drop,
}

/// What the client was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The HTTP status sent; `None` when the connection was dropped (the client received no answer).
    pub status: Option<u16>,
    /// The envelope's `code`, if the answer was an envelope.
    pub code: Option<i64>,
    /// The rule that decided an error, or the fault's name.
    pub rule: Option<String>,
    /// The fault injected, if any.
    pub fault: Option<FaultKind>,
    /// From the request's arrival to its answer, in milliseconds.
    pub duration_ms: u64,
    /// The client went away before the answer was ready (a client timeout): it received nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abandoned: bool,
}

impl Outcome {
    /// Whether the client was told plainly that the request worked.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s)) && self.code.unwrap_or(0) == 0
    }

    /// Whether the client cannot know if the request took effect: a dropped connection, a client that gave
    /// up waiting, a delay long enough to time out, an injected fault, a 5xx or a 5000. Retrying a clone after one of these may
    /// create a second voice.
    pub fn ambiguous(&self) -> bool {
        self.abandoned
            || self.fault.is_some()
            || self.status.is_none_or(|s| s >= 500)
            || self.code == Some(crate::error::CODE_INTERNAL)
    }
}

/// One request as the report reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// Unix milliseconds when the answer was ready.
    pub time_ms: i64,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The endpoint the path belongs to.
    pub endpoint: Endpoint,
    /// Who sent it.
    pub client: Client,
    /// Where the token was.
    pub token_placement: TokenPlacement,
    /// The account of the token, when the fake knows it.
    pub account: Option<String>,
    /// The workspace the request acts in: `space_id`, else the token's personal workspace.
    pub workspace: Option<String>,
    /// The body's Content-Type as sent.
    pub content_type: Option<String>,
    /// What the body or query held.
    #[serde(flatten)]
    pub inputs: Inputs,
    /// What it was answered.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The answer's `x-tt-logid`.
    pub logid: Option<String>,
}

/// What the request's head tells before any handler runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestHead {
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
    pub fn of_headers(headers: &HeaderMap) -> RequestHead {
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

    #[test]
    fn the_audio_fingerprint_sees_the_head_the_windows_the_tail_and_the_length_only() {
        let base: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 241) as u8).collect();
        let digest = AudioHasher::digest(&base);
        let changed_at = |pos: usize| {
            let mut b = base.clone();
            b[pos] ^= 0xff;
            AudioHasher::digest(&b)
        };
        let window = SAMPLE_STRIDE as usize * 2 + 10;
        for seen in [10, SAMPLE_HEAD as usize - 1, window, base.len() - 1] {
            assert_ne!(changed_at(seen), digest, "a change at byte {seen} is seen");
        }
        let between = SAMPLE_STRIDE as usize * 2 + SAMPLE_WINDOW + 100;
        assert_eq!(
            changed_at(between),
            digest,
            "bytes between windows are not hashed"
        );
        assert_ne!(AudioHasher::digest(&base[..base.len() - 1]), digest);
    }

    #[test]
    fn the_audio_hash_does_not_depend_on_how_the_upload_was_cut() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = AudioHasher::digest(&bytes);
        for cut in [1, 3, 7, 8, 9, 31, 32, 33, 64, 999] {
            let mut h = AudioHasher::default();
            for piece in bytes.chunks(cut) {
                h.update(piece);
            }
            assert_eq!(h.hex(), whole, "pieces of {cut}");
        }
        assert_ne!(AudioHasher::digest(&bytes[..999]), whole);
        // Past the head: windows, tail and length sampled the same whatever the cut.
        let long: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 253) as u8).collect();
        let whole_long = AudioHasher::digest(&long);
        for cut in [1_000, 4_095, 4_096, 65_536, 70_000] {
            let mut h = AudioHasher::default();
            for piece in long.chunks(cut) {
                h.update(piece);
            }
            assert_eq!(h.hex(), whole_long, "pieces of {cut}");
        }
        assert_ne!(AudioHasher::digest(b""), AudioHasher::digest(&[0]));
        assert_eq!(whole.len(), 16);
    }

    #[test]
    fn a_file_summary_counts_and_hashes_what_it_is_fed() {
        let mut file = FileSummary::start("file", Some("a.wav"));
        file.feed(b"RIFF");
        file.feed(b"....WAVE");
        assert_eq!(file.bytes, 12);
        assert_eq!(file.hash, AudioHasher::digest(b"RIFF....WAVE"));
    }

    #[test]
    fn inputs_keep_sizes_and_the_compared_values_only() {
        let mut inputs = Inputs::default();
        inputs.field("voice_name", "名字");
        inputs.field("text", "hello");
        inputs.query("page_num=1&pageSize=20");
        inputs.json_body(br#"{"input":"hi","speed":1.5}"#);
        let names: Vec<_> = inputs.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "voice_name",
                "text",
                "page_num",
                "pageSize",
                "input",
                "speed"
            ]
        );
        assert_eq!((inputs.fields[0].bytes, inputs.fields[0].chars), (6, 2));
        assert_eq!(inputs.voice_name.as_deref(), Some("名字"));
    }

    #[test]
    fn a_body_with_thousands_of_keys_keeps_a_bounded_summary() {
        let body: serde_json::Map<String, serde_json::Value> = (0..5000)
            .map(|i| {
                (
                    format!("{}{i}", "k".repeat(1000)),
                    serde_json::Value::from(i),
                )
            })
            .collect();
        let mut inputs = Inputs::default();
        inputs.json_body(serde_json::to_string(&body).unwrap().as_bytes());
        assert_eq!(inputs.fields.len(), FIELDS_KEPT);
        assert_eq!(inputs.fields_not_kept, 5000 - FIELDS_KEPT);
        assert!(inputs
            .fields
            .iter()
            .all(|f| f.name.len() <= NAME_KEPT_BYTES));
    }

    #[test]
    fn outcomes_that_leave_the_client_in_doubt_are_ambiguous() {
        let outcome = |status, code, fault| Outcome {
            status,
            code,
            rule: None,
            fault,
            duration_ms: 0,
            abandoned: false,
        };
        assert!(outcome(None, None, Some(FaultKind::Drop)).ambiguous());
        assert!(outcome(Some(200), Some(0), Some(FaultKind::Latency { ms: 9000 })).ambiguous());
        assert!(outcome(Some(200), Some(5000), None).ambiguous());
        assert!(outcome(Some(503), None, None).ambiguous());
        assert!(!outcome(Some(200), Some(4000), None).ambiguous());
        assert!(!outcome(Some(200), Some(0), None).ambiguous());
        assert!(outcome(Some(200), Some(0), None).succeeded());
    }
}
