//! The streaming multipart reader of the clone endpoint: framing only.
//!
//! It reads the body as it arrives with multer, passes the file part's chunks straight to the audio
//! sniffer (the upload is never held in memory) and stops as soon as the file passes the size limit.
//! What it yields, [`RawCloneForm`], is unvalidated: [`crate::clone_request`] judges it.

use std::time::Duration;

use axum::body::BodyDataStream;
use http::header::CONTENT_TYPE;
use http::HeaderMap;
use multer::{Constraints, Multipart, SizeLimit};

use crate::audio::{AudioSniffer, PcmHint};
use crate::capture::{FileSummary, Inputs};
use crate::catalogue::CloneField;
use crate::error::ApiError;
use crate::request_body::{guarded, SlowBody};
use crate::rules::{
    AudioFormat, BOUNDARY_MAX_BYTES, FILE_MAX_BYTES, MAX_PARTS, TEXT_FIELD_MAX_BYTES,
};

/// Room for one part's boundary line and headers in [`BODY_MAX_BYTES`].
const PART_FRAMING_BYTES: u64 = 1024;

/// The largest body worth reading: the file at its limit plus room for every part's framing and two text
/// fields at their limit. A declared Content-Length above this is refused before the body is read.
pub(crate) const BODY_MAX_BYTES: u64 =
    FILE_MAX_BYTES + MAX_PARTS as u64 * PART_FRAMING_BYTES + 2 * TEXT_FIELD_MAX_BYTES;

/// The fields of a clone request as sent, before any rule is applied.
#[derive(Debug, Default)]
pub(crate) struct RawCloneForm {
    /// `voice_name`.
    pub voice_name: Option<String>,
    /// `text`.
    pub text: Option<String>,
    /// `language`.
    pub language: Option<String>,
    /// `voice_id` (retrain).
    pub voice_id: Option<String>,
    /// `preview_text`.
    pub preview_text: Option<String>,
    /// `space_id`.
    pub space_id: Option<String>,
    /// `audio_format`: sent by the page's curl example and by cozepy, not listed in the page's table.
    pub audio_format: Option<String>,
    /// `description`: sent by cozepy, not listed in the page's table.
    pub description: Option<String>,
    /// The file part, already streamed through the sniffer.
    pub file: Option<FilePart>,
    /// Names of parts no client is known to send; accepted and ignored, like unknown JSON keys.
    pub ignored: Vec<String>,
}

/// The audio part of the form.
#[derive(Debug)]
pub(crate) struct FilePart {
    /// The sniffer that has seen every byte of the part.
    pub sniffer: AudioSniffer,
}

/// The boundary of a multipart body. Any Content-Type carrying a `boundary` parameter is read as
/// multipart: the page's own curl example sends `Content-Type: application/json; boundary=…` with a
/// multipart body, and the real service evidently answers it (`docs/fidelity.md`).
pub(crate) fn boundary(headers: &HeaderMap) -> Result<String, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= BOUNDARY_MAX_BYTES)
        .ok_or(ApiError::NotMultipart { content_type })
}

/// Reads the whole form from `body` within the body `deadline`, streaming the file through the sniffer, and notes each part's name
/// and size (and the file's hash) in `inputs` as it goes, so a form refused half-way is still described.
pub(crate) async fn read_clone_form(
    boundary: String,
    body: &mut BodyDataStream,
    deadline: Duration,
    inputs: &mut Inputs,
) -> Result<RawCloneForm, ApiError> {
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(BODY_MAX_BYTES)
            .per_field(TEXT_FIELD_MAX_BYTES)
            .for_field(CloneField::File.name(), FILE_MAX_BYTES + 1),
    );
    let mut multipart = Multipart::with_constraints(guarded(body, deadline), boundary, constraints);
    let mut form = RawCloneForm::default();
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(framing_error)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::MalformedMultipart {
                reason: format!("more than {MAX_PARTS} parts"),
            });
        }
        let name = field.name().unwrap_or_default().to_owned();
        let known = CloneField::of_name(&name);
        if known == Some(CloneField::File) || field.file_name().is_some() {
            inputs.file = Some(FileSummary::start(&name, field.file_name()));
            if known != Some(CloneField::File) {
                return Err(ApiError::MalformedMultipart {
                    reason: format!(
                        "file part named {name:?}: the audio goes in the part named file"
                    ),
                });
            }
            if form.file.is_some() {
                return Err(ApiError::TooManyFiles);
            }
            let filename = field.file_name().map(str::to_owned);
            let declared = filename
                .as_deref()
                .and_then(|n| n.rsplit_once('.'))
                .and_then(|(_, ext)| AudioFormat::from_name(ext));
            let pcm_hint = filename
                .as_deref()
                .map(PcmHint::from_file_name)
                .unwrap_or_default();
            let mut sniffer = AudioSniffer::new(declared).with_pcm_hint(pcm_hint);
            let mut bytes = 0u64;
            while let Some(chunk) = field.chunk().await.map_err(framing_error)? {
                bytes += chunk.len() as u64;
                if bytes > FILE_MAX_BYTES {
                    return Err(ApiError::FileTooLarge);
                }
                sniffer.feed(&chunk);
                if let Some(file) = &mut inputs.file {
                    file.feed(&chunk);
                }
            }
            form.file = Some(FilePart { sniffer });
            continue;
        }
        let value = field.bytes().await.map_err(framing_error)?;
        let value = String::from_utf8(value.to_vec()).map_err(|_| ApiError::InvalidField {
            field: name.clone(),
            reason: "valid UTF-8 text".to_owned(),
        })?;
        inputs.field(&name, &value);
        let slot = match known {
            Some(CloneField::VoiceName) => &mut form.voice_name,
            Some(CloneField::Text) => &mut form.text,
            Some(CloneField::Language) => &mut form.language,
            Some(CloneField::VoiceId) => &mut form.voice_id,
            Some(CloneField::PreviewText) => &mut form.preview_text,
            Some(CloneField::SpaceId) => &mut form.space_id,
            Some(CloneField::AudioFormat) => &mut form.audio_format,
            Some(CloneField::Description) => &mut form.description,
            // A part named `file` is the audio, read above.
            Some(CloneField::File) | None => {
                form.ignored.push(name);
                continue;
            }
        };
        if slot.replace(value).is_some() {
            return Err(ApiError::DuplicateField { field: name });
        }
    }
    Ok(form)
}

/// Maps multer's failures to the envelope, saying what was wrong without Rust internals.
fn framing_error(e: multer::Error) -> ApiError {
    use multer::Error as E;
    let reason = match e {
        E::FieldSizeExceeded { field_name, .. } => {
            return match field_name.as_deref() {
                Some(name) if CloneField::of_name(name) == Some(CloneField::File) => {
                    ApiError::FileTooLarge
                }
                name => ApiError::InvalidField {
                    field: name.unwrap_or_default().to_owned(),
                    reason: format!("at most {TEXT_FIELD_MAX_BYTES} bytes"),
                },
            }
        }
        E::StreamSizeExceeded { .. } => return ApiError::FileTooLarge,
        E::IncompleteStream => "the body ended before the closing boundary".to_owned(),
        E::IncompleteFieldData { field_name } => format!(
            "the body ended inside part {:?}",
            field_name.unwrap_or_default()
        ),
        E::IncompleteHeaders => "the body ended inside a part's headers".to_owned(),
        E::ReadHeaderFailed(_) | E::DecodeHeaderName { .. } | E::DecodeHeaderValue { .. } => {
            "a part has malformed headers".to_owned()
        }
        E::StreamReadFailed(cause) => match cause.downcast_ref::<SlowBody>() {
            Some(slow) => return ApiError::BodyTooSlow(*slow),
            None => "the body could not be read to its end".to_owned(),
        },
        other => format!("{other}"),
    };
    ApiError::MalformedMultipart { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::BODY_DEADLINE;
    use axum::body::Body;
    use http::HeaderValue;

    async fn read(boundary: &str, body: Body) -> Result<RawCloneForm, ApiError> {
        read_clone_form(
            boundary.into(),
            &mut body.into_data_stream(),
            BODY_DEADLINE,
            &mut Inputs::default(),
        )
        .await
    }

    fn content_type(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn boundary_is_read_from_any_content_type_that_carries_one() {
        let b = boundary(&content_type("multipart/form-data; boundary=abc")).unwrap();
        assert_eq!(b, "abc");
        let b = boundary(&content_type("application/json; boundary=------x")).unwrap();
        assert_eq!(b, "------x");
        let b = boundary(&content_type("multipart/form-data; BOUNDARY=\"q r\"")).unwrap();
        assert_eq!(b, "q r");
    }

    #[test]
    fn a_content_type_without_boundary_is_not_multipart() {
        assert!(boundary(&content_type("application/json")).is_err());
        assert!(boundary(&content_type("multipart/form-data")).is_err());
        assert!(boundary(&HeaderMap::new()).is_err());
    }

    fn body(parts: &[(&str, &str)]) -> Body {
        let mut s = String::new();
        for (name, value) in parts {
            s.push_str(&format!(
                "--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        s.push_str("--B--\r\n");
        Body::from(s)
    }

    #[tokio::test]
    async fn a_field_sent_twice_is_refused() {
        let err = read("B", body(&[("language", "zh"), ("language", "en")]))
            .await
            .unwrap_err();
        assert_eq!(err.rule(), "body.duplicate_field");
    }

    #[tokio::test]
    async fn unknown_fields_are_kept_aside_not_refused() {
        let form = read("B", body(&[("voice_name", "a"), ("x", "1")]))
            .await
            .unwrap();
        assert_eq!(form.voice_name.as_deref(), Some("a"));
        assert_eq!(form.ignored, ["x"]);
    }

    #[tokio::test]
    async fn every_part_is_noted_even_when_the_form_is_refused_half_way() {
        let body = Body::from(
            "--B\r\nContent-Disposition: form-data; name=\"voiceName\"\r\n\r\n名字\r\n\
             --B\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--B--\r\n",
        );
        let mut inputs = Inputs::default();
        let mut body = body.into_data_stream();
        let err = read_clone_form("B".into(), &mut body, BODY_DEADLINE, &mut inputs)
            .await
            .unwrap_err();
        assert_eq!(err.rule(), "body.malformed_multipart");
        assert_eq!(inputs.fields[0].name, "voiceName");
        assert_eq!((inputs.fields[0].bytes, inputs.fields[0].chars), (6, 2));
        let file = inputs.file.unwrap();
        assert_eq!(
            (file.part.as_str(), file.filename.as_deref()),
            ("audio", Some("a.wav"))
        );
    }

    #[tokio::test]
    async fn the_file_is_hashed_as_it_streams() {
        let body = Body::from(
            "--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nRIFF....WAVE\r\n--B--\r\n",
        );
        let mut inputs = Inputs::default();
        let mut body = body.into_data_stream();
        let form = read_clone_form("B".into(), &mut body, BODY_DEADLINE, &mut inputs)
            .await
            .unwrap();
        assert!(form.file.is_some());
        let mut file = inputs.file.unwrap();
        file.seal();
        assert_eq!(file.filename, None);
        assert_eq!(file.bytes, 12);
        assert_eq!(
            file.hash,
            crate::capture::fingerprint::AudioHasher::digest(b"RIFF....WAVE")
        );
    }

    #[tokio::test]
    async fn a_body_cut_before_the_closing_boundary_is_malformed() {
        let cut =
            Body::from("--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\nja");
        let err = read("B", cut).await.unwrap_err();
        assert_eq!(err.rule(), "body.malformed_multipart", "{err}");
    }
}
