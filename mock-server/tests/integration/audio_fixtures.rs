//! Every fixture of `fixtures/audio` through the sniffer and the default and strict policies, checked
//! against `fixtures/audio/verdicts.toml`; and the same verdict whatever the chunk split.

use std::collections::BTreeSet;
use std::path::PathBuf;

use coze_mock::__internals::audio::{AudioError, AudioInfo, AudioPolicy, AudioSniffer, PcmHint};
use coze_mock::rules::AudioFormat;
use proptest::prelude::*;

/// One row of `verdicts.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    file: String,
    audio_format: String,
    expect: String,
    expect_strict: String,
    format: Option<String>,
    duration_secs: Option<f64>,
    duration_tolerance_secs: Option<f64>,
    sample_rate: Option<u32>,
    channels: Option<u16>,
    transcript: Option<bool>,
    text: Option<String>,
    detected: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    fixture: Vec<Fixture>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audio")
}

fn table() -> Vec<Fixture> {
    let text = std::fs::read_to_string(dir().join("verdicts.toml")).expect("verdicts.toml");
    toml::from_str::<Table>(&text)
        .expect("valid verdicts.toml")
        .fixture
}

fn bytes_of(f: &Fixture) -> Vec<u8> {
    std::fs::read(dir().join(&f.file)).expect("fixture file")
}

/// Sniffs `bytes` as the handler does for this fixture, fed in the chunks `cuts` make.
fn sniff(f: &Fixture, bytes: &[u8], cuts: &[usize]) -> Result<AudioInfo, AudioError> {
    let mut s = AudioSniffer::new(AudioFormat::from_name(&f.audio_format))
        .with_pcm_hint(PcmHint::from_file_name(&f.file));
    let mut from = 0;
    for &cut in cuts.iter().chain([bytes.len()].iter()) {
        s.feed(bytes.get(from..cut).unwrap_or_default());
        from = cut;
    }
    s.finish()
}

fn verdict(f: &Fixture, policy: &AudioPolicy) -> Result<AudioInfo, AudioError> {
    let info = sniff(f, &bytes_of(f), &[])?;
    policy.judge(&info, f.text.as_deref())?;
    Ok(info)
}

fn name(v: &Result<AudioInfo, AudioError>) -> &'static str {
    v.as_ref().map_or_else(AudioError::kind, |_| "ok")
}

#[test]
fn every_fixture_gets_the_verdict_of_the_table() {
    let strict = AudioPolicy {
        strict_duration: true,
        ..AudioPolicy::default()
    };
    for f in table() {
        let got = verdict(&f, &AudioPolicy::default());
        assert_eq!(name(&got), f.expect, "{}: {got:?}", f.file);
        assert_eq!(
            name(&verdict(&f, &strict)),
            f.expect_strict,
            "{} (strict)",
            f.file
        );
        if let (Some(detected), Err(AudioError::FormatMismatch { detected: d, .. })) =
            (&f.detected, &got)
        {
            assert_eq!(d.name(), detected, "{}", f.file);
        }
        // What an accepted sniff reports, on the rows that list it.
        let Some(format) = &f.format else {
            continue;
        };
        let info = sniff(&f, &bytes_of(&f), &[]).expect("an accepted sniff");
        assert_eq!(info.format.name(), format, "{}", f.file);
        if let Some(expected) = f.duration_secs {
            let secs = info.duration_secs.expect("a duration");
            let tolerance = f.duration_tolerance_secs.unwrap_or(0.1);
            assert!((secs - expected).abs() <= tolerance, "{}: {secs} s", f.file);
        }
        assert_eq!(info.sample_rate, f.sample_rate, "{}", f.file);
        assert_eq!(info.channels, f.channels, "{}", f.file);
        if let Some(has) = f.transcript {
            assert_eq!(info.transcript.is_some(), has, "{}", f.file);
        }
    }
}

#[test]
fn the_table_and_the_folder_list_the_same_files() {
    let listed: BTreeSet<String> = table().into_iter().map(|f| f.file).collect();
    let present: BTreeSet<String> = std::fs::read_dir(dir())
        .expect("fixture folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !matches!(n.as_str(), "make.sh" | "README.md" | "verdicts.toml"))
        .collect();
    assert_eq!(listed, present);
}

#[test]
fn fixtures_fed_a_byte_at_a_time_get_the_same_verdict() {
    for f in table() {
        let bytes = bytes_of(&f);
        if bytes.len() > 64 * 1024 {
            continue;
        }
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(
            sniff(&f, &bytes, &cuts),
            sniff(&f, &bytes, &[]),
            "{}",
            f.file
        );
    }
}

/// A fixture row and its bytes.
fn fixtures() -> impl Strategy<Value = (Fixture, Vec<u8>)> {
    let rows: Vec<(Fixture, Vec<u8>)> = table()
        .into_iter()
        .map(|f| {
            let bytes = bytes_of(&f);
            (f, bytes)
        })
        .collect();
    prop::sample::select(rows)
}

/// Cut points splitting `len` bytes into chunks: sorted offsets in `0..=len` (repeats make empty chunks).
fn chunk_splits_of(len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=len, 0..32).prop_map(|mut cuts| {
        cuts.sort_unstable();
        cuts
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_fixture_gets_the_same_verdict_whatever_the_chunk_split(
        ((f, bytes), cuts) in fixtures().prop_flat_map(|(f, b)| {
            let n = b.len();
            (Just((f, b)), chunk_splits_of(n))
        })
    ) {
        prop_assert_eq!(sniff(&f, &bytes, &cuts), sniff(&f, &bytes, &[]), "{}", f.file);
    }
}
