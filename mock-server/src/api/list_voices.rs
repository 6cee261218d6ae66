//! `GET /v1/audio/voices`: 查看音色列表, the system voices and the voices cloned in the caller's workspaces.
//!
//! Query, as the SDKs send it (reference, "GET /v1/audio/voices"; cozepy `VoicesClient.list`, @coze/api
//! `ListVoicesReq`): `filter_system_voice` (bool, default false), `model_type` (`big` | `small`),
//! `voice_state` (`init` | `cloned` | `all`, default `cloned`), `page_num` (from 1, default 1), `page_size` (1 to 100,
//! default 100). Answer: `data: {voice_list: [Voice…], has_more}`.
//!
//! Order (not documented; pinned here so paging is stable): cloned voices newest first (the later clone
//! first within a second), then system voices in configuration order. The store reads only the page's
//! cloned voices, and one more to tell `has_more`, so a page costs about the same whatever the
//! workspaces hold. A token lists the voices of every workspace it is a member of, since the list
//! takes no `space_id`. The token needs `listVoice` (the current list page: 「权限: listVoice」).

use axum::extract::{Query, State};
use http::{HeaderMap, Uri};
use serde::Serialize;

use crate::auth::authenticate;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::extract::{Input, VoiceListQuery};
use crate::rules::{
    DEFAULT_VOICE_STATE, LIST_VOICE_PERMISSION, PAGE_SIZE_MAX, VOICE_MODEL_TYPES, VOICE_STATES,
    VOICE_STATE_ALL,
};
use crate::state::{now, AppState};
use crate::voice_view::{VoiceView, CLONED_MODEL_TYPE, CLONED_STATE};

/// The answer's `data`.
#[derive(Debug, Serialize)]
pub struct VoiceList {
    /// The page.
    pub voice_list: Vec<VoiceView>,
    /// Whether later pages hold more voices.
    pub has_more: bool,
}

/// The query, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Leave system voices out.
    pub filter_system_voice: bool,
    /// Only voices of this model type.
    pub model_type: Option<&'static str>,
    /// Only voices in this state (`None` for `all`).
    pub voice_state: Option<&'static str>,
    /// From 1.
    pub page_num: u32,
    /// 1 to 100.
    pub page_size: u32,
}

impl ListQuery {
    /// Parses the query pairs; unknown parameters are ignored, as the SDKs may add some, and an empty
    /// value is "not given" (the page's own example sends `voice_state=`).
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
        let mut q = ListQuery {
            filter_system_voice: false,
            model_type: None,
            voice_state: Some(DEFAULT_VOICE_STATE),
            page_num: 1,
            page_size: PAGE_SIZE_MAX,
        };
        for (key, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            let invalid = |param, expected: &str| ApiError::ListParamInvalid {
                param,
                expected: expected.to_owned(),
                value: value.clone(),
            };
            match key.as_str() {
                "filter_system_voice" => {
                    q.filter_system_voice = match value.to_ascii_lowercase().as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(invalid("filter_system_voice", "true or false")),
                    }
                }
                "model_type" => {
                    q.model_type = Some(
                        VOICE_MODEL_TYPES
                            .into_iter()
                            .find(|m| m == value)
                            .ok_or_else(|| invalid("model_type", "big or small"))?,
                    )
                }
                "voice_state" if value == VOICE_STATE_ALL => q.voice_state = None,
                "voice_state" => {
                    q.voice_state = Some(
                        VOICE_STATES
                            .into_iter()
                            .find(|s| s == value)
                            .ok_or_else(|| invalid("voice_state", "init, cloned or all"))?,
                    )
                }
                "page_num" => {
                    q.page_num = value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| invalid("page_num", "an integer > 0"))?
                }
                "page_size" => {
                    q.page_size = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=PAGE_SIZE_MAX).contains(n))
                        .ok_or_else(|| {
                            invalid("page_size", &format!("an integer in (0, {PAGE_SIZE_MAX}]"))
                        })?
                }
                _ => {}
            }
        }
        Ok(q)
    }

    fn keeps(&self, v: &VoiceView) -> bool {
        !(self.filter_system_voice && v.is_system_voice)
            && self.model_type.is_none_or(|m| m == v.model_type)
            && self.voice_state.is_none_or(|s| s == v.state)
    }

    /// Whether the query keeps cloned voices, which all have the same model type and state.
    pub fn keeps_cloned(&self) -> bool {
        self.model_type.is_none_or(|m| m == CLONED_MODEL_TYPE)
            && self.voice_state.is_none_or(|s| s == CLONED_STATE)
    }

    /// Where the page starts in the whole list: the kept cloned voices, then the kept system voices.
    pub fn start(&self) -> u64 {
        u64::from(self.page_num - 1) * u64::from(self.page_size)
    }

    /// The page this query asks for, from `cloned`, the kept cloned voices from [`Self::start`] on (at most
    /// `page_size + 1` of them), `cloned_total`, how many cloned voices are kept in all (asked only when
    /// the page lies past them all), and every `system` voice.
    pub fn page<E>(
        &self,
        mut cloned: Vec<VoiceView>,
        cloned_total: impl FnOnce() -> Result<u64, E>,
        system: &[VoiceView],
    ) -> Result<VoiceList, E> {
        let size = self.page_size as usize;
        if cloned.len() > size {
            cloned.truncate(size);
            return Ok(VoiceList {
                voice_list: cloned,
                has_more: true,
            });
        }
        let start = self.start();
        // The cloned voices end on this page, or before it.
        let cloned_total = match cloned.len() {
            0 if start > 0 => cloned_total()?,
            n => start + n as u64,
        };
        let system: Vec<_> = system.iter().filter(|v| self.keeps(v)).collect();
        let skip = usize::try_from(start.saturating_sub(cloned_total)).unwrap_or(usize::MAX);
        let room = size - cloned.len();
        let has_more = cloned_total + system.len() as u64 > start + size as u64;
        cloned.extend(system.into_iter().skip(skip).take(room).cloned());
        Ok(VoiceList {
            voice_list: cloned,
            has_more,
        })
    }
}

/// Lists the voices the token may use.
pub(crate) async fn list_voices(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    query: Result<VoiceListQuery, ApiError>,
) -> Result<Envelope<VoiceList>, ApiError> {
    let principal = authenticate(&headers, &app.directory, now())?;
    if !principal.has_permission(LIST_VOICE_PERMISSION) {
        return Err(ApiError::MissingPermission {
            permission: LIST_VOICE_PERMISSION,
        });
    }
    let Input(Query(pairs), _) = query?;
    let query = ListQuery::parse(&pairs)?;
    let base = app.scheme.base_url(&headers, &uri);
    let spaces = &principal.spaces;
    let cloned = if query.keeps_cloned() {
        let page = app
            .store
            .voice_page(spaces, query.start(), query.page_size + 1)?;
        page.iter().map(|v| VoiceView::of(v, &base)).collect()
    } else {
        Vec::new()
    };
    let system: Vec<_> = app
        .settings
        .system_voices
        .iter()
        .map(|v| VoiceView::of_system(v, &base))
        .collect();
    let list = query.page(cloned, || app.store.voice_count(spaces), &system)?;
    Ok(Envelope(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The page `q` makes of `voices` (cloned and system, in list order), with the cloned part served
    /// as the store serves it.
    fn page_of(q: &ListQuery, voices: &[VoiceView]) -> VoiceList {
        let (system, cloned): (Vec<_>, Vec<_>) =
            voices.iter().cloned().partition(|v| v.is_system_voice);
        let cloned = if q.keeps_cloned() { cloned } else { Vec::new() };
        let from_start: Vec<_> = cloned
            .iter()
            .skip(q.start() as usize)
            .take(q.page_size as usize + 1)
            .cloned()
            .collect();
        q.page(from_start, || Ok::<_, ()>(cloned.len() as u64), &system)
            .unwrap()
    }

    fn view(id: &str, system: bool) -> VoiceView {
        VoiceView {
            voice_id: id.into(),
            name: id.into(),
            is_system_voice: system,
            language_code: "zh".into(),
            language_name: "中文".into(),
            preview_text: String::new(),
            preview_audio: String::new(),
            available_training_times: 9,
            create_time: 0,
            update_time: 0,
            model_type: "big",
            state: "cloned",
            support_emotions: None,
        }
    }

    #[test]
    fn what_cozepy_sends_by_default_parses() {
        let q = ListQuery::parse(&pairs(&[
            ("filter_system_voice", "true"),
            ("page_num", "1"),
            ("page_size", "100"),
        ]))
        .unwrap();
        assert!(q.filter_system_voice);
        assert_eq!((q.page_num, q.page_size), (1, 100));
    }

    #[test]
    fn out_of_range_pages_are_refused_with_the_parameter_named() {
        for (key, value) in [
            ("page_num", "0"),
            ("page_num", "x"),
            ("page_size", "0"),
            ("page_size", "101"),
            ("model_type", "huge"),
            ("voice_state", "gone"),
            ("filter_system_voice", "yes"),
        ] {
            let err = ListQuery::parse(&pairs(&[(key, value)])).unwrap_err();
            assert!(
                matches!(&err, ApiError::ListParamInvalid { param, .. } if *param == key),
                "{key}={value}: {err}"
            );
        }
    }

    #[test]
    fn has_more_is_true_until_the_last_page() {
        let voices: Vec<_> = (0..5).map(|i| view(&i.to_string(), false)).collect();
        let page = |n| {
            let q = ListQuery::parse(&pairs(&[("page_num", n), ("page_size", "2")])).unwrap();
            page_of(&q, &voices)
        };
        assert!(page("1").has_more && page("2").has_more);
        let last = page("3");
        assert!(!last.has_more);
        assert_eq!(last.voice_list.len(), 1);
        assert!(page("4").voice_list.is_empty());
    }

    #[test]
    fn filter_system_voice_leaves_only_cloned_voices() {
        let q = ListQuery::parse(&pairs(&[("filter_system_voice", "true")])).unwrap();
        let list = page_of(&q, &[view("1", false), view("2", true)]);
        assert_eq!(list.voice_list.len(), 1);
        assert!(!list.voice_list[0].is_system_voice);
    }

    #[test]
    fn the_pages_own_example_with_an_empty_voice_state_parses_to_the_defaults() {
        let q = ListQuery::parse(&pairs(&[
            ("filter_system_voice", "false"),
            ("model_type", "big"),
            ("voice_state", ""),
            ("page_num", "1"),
            ("page_size", "100"),
        ]))
        .unwrap();
        assert_eq!(q.voice_state, Some("cloned"));
        assert_eq!((q.page_num, q.page_size), (1, 100));
        let q = ListQuery::parse(&[]).unwrap();
        assert_eq!((q.voice_state, q.page_size), (Some("cloned"), 100));
        let all = ListQuery::parse(&pairs(&[("voice_state", "all")])).unwrap();
        assert_eq!(all.voice_state, None);
    }

    #[test]
    fn init_state_lists_nothing_because_every_voice_is_cloned() {
        let q = ListQuery::parse(&pairs(&[("voice_state", "init")])).unwrap();
        assert!(page_of(&q, &[view("1", false)]).voice_list.is_empty());
    }

    /// The page as the handler made it before paging moved into the store: every voice filtered, then
    /// cut.
    fn whole_list_page(q: &ListQuery, voices: &[VoiceView]) -> (Vec<String>, bool) {
        let kept: Vec<_> = voices.iter().filter(|v| q.keeps(v)).collect();
        let start = q.start() as usize;
        let size = q.page_size as usize;
        let page = kept
            .iter()
            .skip(start)
            .take(size)
            .map(|v| v.voice_id.clone());
        (page.collect(), kept.len() > start + size)
    }

    #[test]
    fn pages_across_cloned_and_system_voices_match_cutting_the_whole_list() {
        for cloned in 0..=6 {
            for system in 0..=3 {
                let mut voices: Vec<_> =
                    (0..cloned).map(|i| view(&format!("c{i}"), false)).collect();
                voices.extend((0..system).map(|i| {
                    let mut v = view(&format!("s{i}"), true);
                    v.model_type = if i % 2 == 0 { "big" } else { "small" };
                    v
                }));
                for filters in [
                    &[][..],
                    &[("filter_system_voice", "true")],
                    &[("model_type", "small")],
                    &[("model_type", "big")],
                    &[("voice_state", "init")],
                ] {
                    for size in 1..=4 {
                        for num in 1..=8 {
                            let size = size.to_string();
                            let num = num.to_string();
                            let mut query = filters.to_vec();
                            query
                                .extend([("page_size", size.as_str()), ("page_num", num.as_str())]);
                            let q = ListQuery::parse(&pairs(&query)).unwrap();
                            let page = page_of(&q, &voices);
                            let ids: Vec<_> =
                                page.voice_list.iter().map(|v| v.voice_id.clone()).collect();
                            assert_eq!(
                                (ids, page.has_more),
                                whole_list_page(&q, &voices),
                                "{cloned} cloned, {system} system, {query:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_page_past_the_cloned_voices_asks_for_their_count_and_no_other_does() {
        let q = ListQuery::parse(&pairs(&[("page_num", "3"), ("page_size", "2")])).unwrap();
        let system = [view("s0", true), view("s1", true)];
        let asked = std::cell::Cell::new(false);
        let count = || {
            asked.set(true);
            Ok::<_, ()>(3)
        };
        let page = q.page(Vec::new(), count, &system).unwrap();
        assert!(asked.get());
        let ids: Vec<_> = page
            .voice_list
            .iter()
            .map(|v| v.voice_id.as_str())
            .collect();
        assert_eq!((ids, page.has_more), (vec!["s1"], false));
        let first = ListQuery::parse(&pairs(&[("page_size", "2")])).unwrap();
        let never = || -> Result<u64, ()> { panic!("page 1 needs no count") };
        let page = first.page(vec![view("c0", false)], never, &system).unwrap();
        assert!(page.has_more, "c0, s0, then s1");
    }
}
