//! What a request's body or query held, as kept for the journal: [`Inputs`] (each field's name and size,
//! the few values the report compares) and the clone form's [`FileSummary`]; never audio or a text's
//! content.

use serde::{Deserialize, Serialize};

use super::fingerprint::AudioHasher;
use crate::rules::AudioFormat;

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
    /// The bytes' [`AudioHasher`] digest, 16 hex digits, once [`FileSummary::seal`]ed.
    pub hash: String,
    /// What the bytes are, once the fake has judged them.
    pub detected: Option<AudioFormat>,
    /// Playing time in seconds, when the fake could tell.
    pub duration_secs: Option<f64>,
    /// The fingerprint while the part is read (over 4 KiB of state), dropped when sealed: what the
    /// journal keeps holds the digest only.
    #[serde(skip)]
    hasher: Option<Box<AudioHasher>>,
}

impl FileSummary {
    /// A file part about to be read.
    pub fn start(part: &str, filename: Option<&str>) -> FileSummary {
        FileSummary {
            part: part.to_owned(),
            filename: filename.map(str::to_owned),
            hasher: Some(Box::default()),
            ..FileSummary::default()
        }
    }

    /// Takes the next chunk of the part into the size and the fingerprint.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(chunk);
        }
    }

    /// Ends the reading: keeps the digest of what was fed and drops the fingerprint's state.
    pub fn seal(&mut self) {
        if let Some(hasher) = self.hasher.take() {
            self.hash = hasher.hex();
        }
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
    /// A streaming-speech session: its events, rounds and end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<super::SessionSummary>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The most fields a summary keeps: a form has at most 64 parts, and a JSON body or query with thousands
/// of keys must not make the journal grow.
pub(crate) const FIELDS_KEPT: usize = 64;

/// The most of a `voice_name` the journal keeps: enough to compare names, bounded for hostile ones.
pub(crate) const NAME_KEPT_BYTES: usize = 256;

impl Inputs {
    /// Ends the reading of the file part, if any ([`FileSummary::seal`]).
    pub fn seal(&mut self) {
        if let Some(file) = &mut self.file {
            file.seal();
        }
    }

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
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_summary_counts_and_hashes_what_it_is_fed() {
        let mut file = FileSummary::start("file", Some("a.wav"));
        file.feed(b"RIFF");
        file.feed(b"....WAVE");
        file.seal();
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
}
