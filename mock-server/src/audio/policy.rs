//! What the fake demands of audio beyond its format: duration bounds and the `text` check (error 1109,
//! 「扣子平台服务会对比音频与该文本的差异，若差异过大会报错 1109 WERError」). Embedded in the server's
//! TOML configuration as the `[audio]` table.

use super::wer::{tokens, word_error_rate};
use super::{AudioError, AudioInfo};
use crate::rules::{DEFAULT_WER_THRESHOLD, RECOMMENDED_DURATION_SECS};

/// Duration and transcript rules, from the `[audio]` table of the configuration.
///
/// Defaults: no duration bounds, because the page only recommends a length
/// ([`RECOMMENDED_DURATION_SECS`]) and nothing says the service refuses other lengths;
/// `strict_duration = true` enforces that recommendation. A `wer_threshold` of
/// [`DEFAULT_WER_THRESHOLD`], since the page publishes none.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioPolicy {
    /// Shortest accepted audio, in seconds; `None`: no lower bound (unless `strict_duration`).
    pub min_duration_secs: Option<f64>,
    /// Longest accepted audio, in seconds; `None`: no upper bound (unless `strict_duration`).
    pub max_duration_secs: Option<f64>,
    /// Enforce [`RECOMMENDED_DURATION_SECS`] wherever a bound above is not set.
    pub strict_duration: bool,
    /// Highest word error rate between the file's transcript and `text` that still passes.
    pub wer_threshold: f64,
}

impl Default for AudioPolicy {
    fn default() -> Self {
        AudioPolicy {
            min_duration_secs: None,
            max_duration_secs: None,
            strict_duration: false,
            wer_threshold: DEFAULT_WER_THRESHOLD,
        }
    }
}

impl AudioPolicy {
    /// The bounds in force: the explicit ones, else the recommendation when strict.
    pub fn duration_bounds(&self) -> (Option<f64>, Option<f64>) {
        let (min, max) = RECOMMENDED_DURATION_SECS;
        let strict = |v: f64| self.strict_duration.then_some(v);
        (
            self.min_duration_secs.or_else(|| strict(min)),
            self.max_duration_secs.or_else(|| strict(max)),
        )
    }

    /// Checks the configuration: bounds and threshold finite and non-negative, min ≤ max.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |v: f64| !v.is_finite() || v < 0.0;
        let (min, max) = self.duration_bounds();
        if min.is_some_and(bad) || max.is_some_and(bad) || bad(self.wer_threshold) {
            return Err("[audio] bounds and wer_threshold must be finite and not negative".into());
        }
        if let (Some(min), Some(max)) = (min, max) {
            if min > max {
                return Err(format!(
                    "[audio] min_duration_secs {min} exceeds max_duration_secs {max}"
                ));
            }
        }
        Ok(())
    }

    /// Judges sniffed audio and the request's `text`. The duration passes when unknown (some Ogg and
    /// fragmented MP4 files do not say). The text check runs only when both a non-blank `text` and a
    /// transcript in the file's metadata exist: the fake cannot hear speech, so a file without one passes.
    pub fn judge(&self, info: &AudioInfo, text: Option<&str>) -> Result<(), AudioError> {
        let (min, max) = self.duration_bounds();
        if let Some(secs) = info.duration_secs {
            if min.is_some_and(|m| secs < m) || max.is_some_and(|m| secs > m) {
                return Err(AudioError::DurationOutOfRange { secs, min, max });
            }
        }
        let text = text.filter(|t| !t.trim().is_empty());
        if let (Some(text), Some(transcript)) = (text, info.transcript.as_deref()) {
            if tokens(transcript).is_empty() {
                return Ok(());
            }
            let error_rate = word_error_rate(transcript, text);
            if error_rate > self.wer_threshold {
                return Err(AudioError::TextMismatch {
                    error_rate,
                    threshold: self.wer_threshold,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::AudioFormat;

    fn info(secs: f64, transcript: Option<&str>) -> AudioInfo {
        AudioInfo {
            format: AudioFormat::Wav,
            bytes: 1,
            duration_secs: Some(secs),
            sample_rate: None,
            channels: None,
            transcript: transcript.map(str::to_owned),
        }
    }

    #[test]
    fn by_default_any_duration_passes() {
        let p = AudioPolicy::default();
        assert_eq!(p.judge(&info(0.5, None), None), Ok(()));
        assert_eq!(p.judge(&info(300.0, None), None), Ok(()));
    }

    #[test]
    fn strict_mode_enforces_the_recommendation_and_explicit_bounds_win() {
        let strict: AudioPolicy = toml::from_str("strict_duration = true").expect("policy");
        assert_eq!(
            strict.judge(&info(2.0, None), None),
            Err(AudioError::DurationOutOfRange {
                secs: 2.0,
                min: Some(10.0),
                max: Some(30.0)
            })
        );
        assert_eq!(strict.judge(&info(20.0, None), None), Ok(()));
        let p: AudioPolicy =
            toml::from_str("strict_duration = true\nmax_duration_secs = 60.0").expect("policy");
        assert_eq!(p.judge(&info(40.0, None), None), Ok(()));
    }

    #[test]
    fn text_is_compared_with_the_transcript_only_when_both_exist() {
        let p = AudioPolicy::default();
        let said = info(12.0, Some("the quick brown fox"));
        assert_eq!(p.judge(&said, Some("The quick, brown fox!")), Ok(()));
        assert_eq!(p.judge(&said, Some("the quick brown cat")), Ok(()));
        assert_eq!(
            p.judge(&said, Some("something else entirely")),
            Err(AudioError::TextMismatch {
                error_rate: 1.0,
                threshold: 0.5
            })
        );
        assert_eq!(p.judge(&said, Some("  ")), Ok(()));
        assert_eq!(p.judge(&info(12.0, None), Some("anything")), Ok(()));
    }

    #[test]
    fn unknown_keys_and_inverted_bounds_are_refused() {
        assert!(toml::from_str::<AudioPolicy>("max_secs = 3").is_err());
        let p: AudioPolicy =
            toml::from_str("min_duration_secs = 5.0\nmax_duration_secs = 1.0").expect("parses");
        assert!(p.validate().is_err());
        assert!(AudioPolicy::default().validate().is_ok());
    }
}
