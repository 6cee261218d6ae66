//! Parse, then convert: a [`RawCloneForm`] becomes a validated [`CloneRequest`], or the first rule it breaks.
//!
//! The order of the checks below is the order in which a request that breaks several rules is judged:
//! voice_name, text, language, audio_format, ids, then the file, its audio, `audio_format` where the
//! format needs it, and the audio against `text`.

use crate::audio::{AudioInfo, AudioPolicy};
use crate::config::is_decimal_id;
use crate::error::ApiError;
use crate::multipart::RawCloneForm;
use crate::rules::{
    fits_bytes, AudioFormat, Language, DEFAULT_PREVIEW_TEXT, TEXT_MAX_BYTES, VOICE_NAME_MAX_BYTES,
};

/// A clone request that passed every rule that needs no state.
#[derive(Debug)]
pub(crate) struct CloneRequest {
    /// 「voice_name 必选」, at most [`VOICE_NAME_MAX_BYTES`].
    pub voice_name: String,
    /// The transcript of the audio, at most [`TEXT_MAX_BYTES`].
    pub text: Option<String>,
    /// The audio's language; [`Language::DEFAULT`] when not sent.
    pub language: Language,
    /// The voice to retrain, if any.
    pub voice_id: Option<String>,
    /// The preview's text, or 「默认文案」.
    pub preview_text: String,
    /// The workspace asked for; the token's personal one when absent.
    pub space_id: Option<String>,
    /// cozepy's `description`.
    pub description: Option<String>,
    /// What the audio's bytes are.
    pub audio: AudioInfo,
}

/// An optional field: absent, or sent empty, both mean "not given".
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

impl CloneRequest {
    /// Applies the documented rules to the form, in order.
    /// `audio_format_required` (`[fidelity]`): refuse a missing `audio_format` whatever the format, as
    /// the OpenAPI description does; otherwise only pcm and m4a need it (Coze's service types).
    pub(crate) fn parse(
        form: RawCloneForm,
        policy: &AudioPolicy,
        audio_format_required: bool,
    ) -> Result<CloneRequest, ApiError> {
        let voice_name = given(form.voice_name).ok_or(ApiError::VoiceNameMissing)?;
        if !fits_bytes(&voice_name, VOICE_NAME_MAX_BYTES) {
            return Err(ApiError::VoiceNameTooLong {
                bytes: voice_name.len(),
            });
        }
        let text = given(form.text);
        if let Some(t) = &text {
            if !fits_bytes(t, TEXT_MAX_BYTES) {
                return Err(ApiError::TextTooLong { bytes: t.len() });
            }
        }
        let language = match given(form.language) {
            None => Language::DEFAULT,
            Some(code) => {
                Language::from_code(&code).ok_or(ApiError::LanguageUnsupported { value: code })?
            }
        };
        let declared_format = match given(form.audio_format) {
            None => None,
            Some(name) => Some(
                AudioFormat::from_name(&name)
                    .ok_or(ApiError::AudioFormatUnsupported { value: name })?,
            ),
        };
        let voice_id = given(form.voice_id);
        let space_id = given(form.space_id);
        for (field, value) in [("voice_id", &voice_id), ("space_id", &space_id)] {
            if let Some(v) = value {
                if !is_decimal_id(v) {
                    return Err(ApiError::MalformedId {
                        field,
                        value: v.clone(),
                    });
                }
            }
        }
        let mut file = form.file.ok_or(ApiError::FileMissing)?;
        // cozepy sends the file before audio_format: the declaration is applied once the form is read.
        if let Some(format) = declared_format {
            file.sniffer.declare(format);
        }
        let audio = file.sniffer.finish()?;
        if declared_format.is_none() {
            if audio_format_required {
                return Err(ApiError::AudioFormatRequired { format: None });
            }
            if audio.format.must_be_declared() {
                return Err(ApiError::AudioFormatRequired {
                    format: Some(audio.format),
                });
            }
        }
        policy.judge(&audio, text.as_deref())?;
        Ok(CloneRequest {
            voice_name,
            text,
            language,
            voice_id,
            preview_text: given(form.preview_text)
                .unwrap_or_else(|| DEFAULT_PREVIEW_TEXT.to_owned()),
            space_id,
            description: given(form.description),
            audio,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::AudioSniffer;
    use crate::multipart::FilePart;

    fn wav() -> FilePart {
        let mut sniffer = AudioSniffer::new(None);
        let mut header = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        header.extend_from_slice(&[
            16, 0, 0, 0, 1, 0, 1, 0, 0xC0, 0x5D, 0, 0, 0x80, 0xBB, 0, 0, 2, 0, 16, 0,
        ]);
        header.extend_from_slice(b"data\x00\x00\x00\x00");
        sniffer.feed(&header);
        FilePart { sniffer }
    }

    fn form() -> RawCloneForm {
        RawCloneForm {
            voice_name: Some("jay".into()),
            file: Some(wav()),
            ..RawCloneForm::default()
        }
    }

    #[test]
    fn defaults_fill_what_the_page_says() {
        let req = CloneRequest::parse(form(), &AudioPolicy::default(), false).unwrap();
        assert_eq!(req.preview_text, DEFAULT_PREVIEW_TEXT);
        assert_eq!(req.language, Language::Zh);
        assert_eq!(req.space_id, None);
    }

    #[test]
    fn the_first_broken_rule_in_page_order_decides() {
        let mut f = form();
        f.voice_name = Some("名".repeat(43));
        f.language = Some("fr".into());
        f.file = None;
        let err = CloneRequest::parse(f, &AudioPolicy::default(), false).unwrap_err();
        assert_eq!(err.rule(), "voice_name.max_bytes");
    }

    #[test]
    fn an_empty_voice_name_counts_as_missing() {
        let mut f = form();
        f.voice_name = Some(String::new());
        assert_eq!(
            CloneRequest::parse(f, &AudioPolicy::default(), false)
                .unwrap_err()
                .rule(),
            "voice_name.required"
        );
    }

    #[test]
    fn audio_format_is_required_only_when_the_setting_says_so_for_wav() {
        assert!(CloneRequest::parse(form(), &AudioPolicy::default(), false).is_ok());
        let err = CloneRequest::parse(form(), &AudioPolicy::default(), true).unwrap_err();
        assert_eq!(err.rule(), "audio_format.required");
        let mut f = form();
        f.audio_format = Some("wav".into());
        assert!(CloneRequest::parse(f, &AudioPolicy::default(), true).is_ok());
    }

    #[test]
    fn ogg_opus_declares_ogg() {
        let mut f = form();
        f.audio_format = Some("ogg_opus".into());
        // The WAV's bytes decide; what matters is that the value is accepted, not 4303.
        assert!(CloneRequest::parse(f, &AudioPolicy::default(), true).is_ok());
    }

    #[test]
    fn ids_must_be_decimal() {
        let mut f = form();
        f.voice_id = Some("73482933344593x".into());
        assert_eq!(
            CloneRequest::parse(f, &AudioPolicy::default(), false)
                .unwrap_err()
                .rule(),
            "id.malformed"
        );
    }
}
