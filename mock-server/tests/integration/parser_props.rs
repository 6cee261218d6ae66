//! Bounded fuzzing of the two parsers the clone endpoint's fuzzing does not reach: the speech body
//! (`SpeechRequest::parse`) and the voice-list query (`ListQuery::parse`). Any input gives either a
//! request within the rules or a 4000 naming the parser's rule; never a panic. `PROPTEST_CASES` raises
//! the number of cases (default 256 per property).

use coze_mock::__internals::api::ListQuery;
use coze_mock::__internals::api::SpeechRequest;
use coze_mock::__internals::error::{ApiError, CODE_INVALID_PARAMETER};
use coze_mock::rules::{
    PAGE_SIZE_MAX, SPEECH_EMOTIONS, SPEECH_INPUT_MAX_BYTES, SPEECH_SAMPLE_RATES, VOICE_MODEL_TYPES,
    VOICE_STATES,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

/// Any JSON scalar a client might put in a field: null, booleans, integers and fractions of any size,
/// strings near and far from the documented values.
fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-10.0f64..100_000.0).prop_map(Value::from),
        prop::sample::select(SPEECH_SAMPLE_RATES.to_vec()).prop_map(Value::from),
        prop::sample::select(vec![
            "", "wav", "mp3", "pcm", "ogg_opus", "ogg", "opus", "flac", "WAV"
        ])
        .prop_map(Value::from),
        prop::sample::select(SPEECH_EMOTIONS.to_vec()).prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::from),
        "[字a]{1000,1030}".prop_map(Value::from),
    ]
}

prop_compose! {
    /// A JSON object holding any subset of the speech fields the SDKs send (each with any scalar), plus
    /// maybe an unknown field.
    fn speech_object()(
        fields in prop::collection::btree_map(
            prop::sample::select(vec![
                "input", "voice_id", "response_format", "speed", "sample_rate", "loudness_rate",
                "emotion", "emotion_scale", "context_texts", "unknown",
            ]),
            json_scalar(),
            0..10,
        ),
    ) -> Value {
        Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
    }
}

/// What a speech or list refusal must look like: a 4000 of the parser's own rule.
fn assert_a_4000_of(e: &ApiError, rule_prefix: &str) -> Result<(), TestCaseError> {
    let row = e.row();
    prop_assert_eq!(row.code, CODE_INVALID_PARAMETER, "{:?}", e);
    prop_assert!(
        row.rule.starts_with(rule_prefix),
        "{} for {:?}",
        row.rule,
        e
    );
    Ok(())
}

/// The rules the body alone decides; `speed` is judged later against the voice's model type
/// (`SpeechRequest::check_voice`), so here it need only be a number.
fn assert_within_the_speech_rules(r: &SpeechRequest) -> Result<(), TestCaseError> {
    prop_assert!(!r.input.is_empty() && r.input.len() <= SPEECH_INPUT_MAX_BYTES);
    prop_assert!(!r.voice_id.is_empty());
    prop_assert!(r.speed.is_finite(), "speed {}", r.speed);
    prop_assert!(SPEECH_SAMPLE_RATES.contains(&r.sample_rate));
    if let Some(emotion) = &r.emotion {
        prop_assert!(SPEECH_EMOTIONS.contains(&emotion.as_str()), "{}", emotion);
    }
    Ok(())
}

/// A query parameter as a client might send it: a known name or not, any value.
fn query_pair() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(vec![
            "filter_system_voice",
            "model_type",
            "voice_state",
            "page_num",
            "page_size",
            "other",
        ]),
        prop_oneof![
            Just(String::new()),
            prop::sample::select(vec![
                "true", "FALSE", "1", "0", "big", "small", "init", "cloned", "all", "100", "101",
            ])
            .prop_map(str::to_owned),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            "\\PC{0,12}",
        ],
    )
        .prop_map(|(k, v)| (k.to_owned(), v))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_are_a_speech_request_or_a_4000(body in prop::collection::vec(any::<u8>(), 0..256)) {
        match SpeechRequest::parse(&body) {
            Ok(r) => assert_within_the_speech_rules(&r)?,
            Err(e) => assert_a_4000_of(&e, "speech.")?,
        }
    }

    #[test]
    fn any_speech_object_is_accepted_only_within_the_rules(body in speech_object()) {
        let bytes = serde_json::to_vec(&body).unwrap();
        match SpeechRequest::parse(&bytes) {
            Ok(r) => assert_within_the_speech_rules(&r)?,
            Err(e) => assert_a_4000_of(&e, "speech.")?,
        }
    }

    #[test]
    fn any_voice_list_query_is_a_page_within_the_rules_or_a_4000(
        pairs in prop::collection::vec(query_pair(), 0..8),
    ) {
        match ListQuery::parse(&pairs) {
            Ok(q) => {
                prop_assert!(q.page_num >= 1);
                prop_assert!((1..=PAGE_SIZE_MAX).contains(&q.page_size));
                prop_assert!(q.model_type.is_none_or(|m| VOICE_MODEL_TYPES.contains(&m)));
                prop_assert!(q.voice_state.is_none_or(|s| VOICE_STATES.contains(&s)));
            }
            Err(e) => assert_a_4000_of(&e, "list.")?,
        }
    }
}

#[test]
fn a_documented_speech_body_and_page_size_are_accepted() {
    // The properties above hold vacuously if the parsers refuse everything: they must accept these.
    let ok = json!({"input": "你好", "voice_id": "1", "sample_rate": 24000, "speed": 1.0});
    assert!(SpeechRequest::parse(ok.to_string().as_bytes()).is_ok());
    assert!(ListQuery::parse(&[("page_size".into(), "100".into())]).is_ok());
}
