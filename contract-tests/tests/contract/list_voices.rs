//! `GET /v1/audio/voices` (查看音色列表), as its current page states it. Listing is free: these run on
//! every target, the real one included, with no opt-in.

use contract_tests::assert_contract_snapshot;
use contract_tests::contract::{
    CODE_AUTHENTICATION_INVALID, FILTER_SYSTEM_VOICE, LISTED_VOICE_FIELDS, LIST_DATA_FIELDS,
    LIST_OUT_OF_RANGE_CODE, LIST_PAGE_NUM_MIN, LIST_PAGE_SIZE_RANGE, MSG_AUTHENTICATION_INVALID,
};
use contract_tests::list::{has_more, list_shape, listed_voices, voice_ids, ListQuery};
use contract_tests::{Api, TokenChoice};
use serde_json::Value;

/// A page of every voice the token may use, system voices included.
fn all_voices() -> ListQuery {
    ListQuery::new().param(FILTER_SYSTEM_VOICE, false)
}

/// The answer has the page's envelope, `data` holds `voice_list` and `has_more`, and each listed voice
/// the fields of the page's 返回示例 with the types of its OpenAPIVoiceData table.
#[tokio::test]
async fn the_list_answers_the_documented_data_and_voice_fields() {
    let api = Api::from_env().await;
    let query = all_voices().param("page_size", 1);
    let resp = api.list_voices(&query).await;
    assert_eq!(resp.check_envelope_shape(), Ok(()));
    assert_eq!(resp.code(), Some(0), "{resp:#?}");
    let shape = list_shape(&resp);
    for (field, json_type) in LIST_DATA_FIELDS {
        assert_eq!(shape["data"][field], json_type, "data.{field}: {resp:#?}");
    }
    if !listed_voices(&resp).is_empty() {
        for (field, json_type) in LISTED_VOICE_FIELDS {
            assert_eq!(shape["first_voice"][field], json_type, "{field}: {resp:#?}");
        }
    }
    assert_contract_snapshot!("list_page", query, shape);
}

/// `page_size`: 「此参数用于设置每页返回的数据量」: a page holds at most `page_size` voices, and
/// `has_more` is 「true：当前返回的音色列表未包含所有符合条件的音色」 exactly when voices are left; pages of
/// one (`page_num` from 1: 「最小值为 1」) do not repeat a voice.
#[tokio::test]
async fn page_size_bounds_the_page_and_has_more_says_whether_voices_are_left() {
    let api = Api::from_env().await;
    let everything = api
        .list_voices(&all_voices().param("page_size", LIST_PAGE_SIZE_RANGE.1))
        .await;
    assert_eq!(everything.code(), Some(0), "{everything:#?}");
    let total = listed_voices(&everything).len();
    assert!(
        total >= 2 || has_more(&everything) == Some(true),
        "the target lists {total} voice(s): two are needed to tell pages apart"
    );

    let first = api
        .list_voices(
            &all_voices()
                .param("page_size", 1)
                .param("page_num", LIST_PAGE_NUM_MIN),
        )
        .await;
    assert_eq!(first.code(), Some(0), "{first:#?}");
    assert_eq!(
        listed_voices(&first).len(),
        1,
        "page_size=1 gives one voice: {first:#?}"
    );
    assert_eq!(has_more(&first), Some(true), "voices are left: {first:#?}");

    let second = api
        .list_voices(
            &all_voices()
                .param("page_size", 1)
                .param("page_num", LIST_PAGE_NUM_MIN + 1),
        )
        .await;
    assert_eq!(listed_voices(&second).len(), 1, "{second:#?}");
    assert_ne!(
        voice_ids(&first),
        voice_ids(&second),
        "pages 1 and 2 of size 1 list different voices"
    );

    if has_more(&everything) == Some(false) {
        let last = api
            .list_voices(&all_voices().param("page_size", total - 1))
            .await;
        assert_eq!(listed_voices(&last).len(), total - 1, "{last:#?}");
        assert_eq!(has_more(&last), Some(true), "one voice is left: {last:#?}");
        let exact = api
            .list_voices(&all_voices().param("page_size", total))
            .await;
        assert_eq!(
            has_more(&exact),
            Some(false),
            "「false：表示已返回所有符合条件的音色数据」: {exact:#?}"
        );
    }
}

/// `page_size` 「取值范围为 1~100」: 0 and 101 are outside it (the code, 4000, is inferred).
#[tokio::test]
async fn a_page_size_outside_1_to_100_is_refused() {
    let api = Api::from_env().await;
    let (min, max) = LIST_PAGE_SIZE_RANGE;
    for size in [min - 1, max + 1] {
        let query = all_voices().param("page_size", size);
        let resp = api.list_voices(&query).await;
        assert_eq!(resp.check_envelope_shape(), Ok(()));
        assert_eq!(
            resp.code(),
            Some(LIST_OUT_OF_RANGE_CODE),
            "page_size={size}: {resp:#?}"
        );
        if size > max {
            assert_contract_snapshot!("list_page_size_over_100", query, resp);
        }
    }
}

/// `filter_system_voice`: 「true：过滤系统音色」: no listed voice is a system voice.
#[tokio::test]
async fn filter_system_voice_true_lists_no_system_voice() {
    let api = Api::from_env().await;
    let resp = api
        .list_voices(&ListQuery::new().param(FILTER_SYSTEM_VOICE, true))
        .await;
    assert_eq!(resp.code(), Some(0), "{resp:#?}");
    for voice in listed_voices(&resp) {
        assert_eq!(
            voice.get("is_system_voice"),
            Some(&Value::Bool(false)),
            "{voice:#}"
        );
    }
}

/// 「Authorization: Bearer $Access_Token」: without it the list is refused with 4100.
#[tokio::test]
async fn a_list_without_a_token_is_refused_with_4100() {
    let api = Api::from_env().await;
    let query = ListQuery::new().token(TokenChoice::Missing);
    let resp = api.list_voices(&query).await;
    assert_eq!(resp.check_envelope_shape(), Ok(()));
    assert_eq!(resp.code(), Some(CODE_AUTHENTICATION_INVALID), "{resp:#?}");
    assert_eq!(resp.msg(), Some(MSG_AUTHENTICATION_INVALID));
    assert_contract_snapshot!("list_auth_missing_token", query, resp);
}
