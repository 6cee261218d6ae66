//! `GET /v1/audio/voices`: 查看音色列表, the system voices and the voices cloned in the caller's workspaces.
//!
//! Query, as the SDKs send it (reference, "GET /v1/audio/voices"; cozepy `VoicesClient.list`, @coze/api
//! `ListVoicesReq`): `filter_system_voice` (bool, default false), `model_type` (`big` | `small`),
//! `voice_state` (`init` | `cloned` | `all`), `page_num` (from 1, default 1), `page_size` (1 to 100,
//! default 100). Answer: `data: {voice_list: [Voice…], has_more}`.
//!
//! Order (not documented; pinned here so paging is stable): cloned voices newest first, then system voices
//! in configuration order. A token lists the voices of every workspace it is a member of, since the list
//! takes no `space_id`. No permission is required beyond a valid token: the permission name Coze checks
//! here is not known (README, fidelity notes).

use axum::extract::{Query, State};
use http::HeaderMap;
use serde::Serialize;

use crate::auth::authenticate;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::extract::{Input, VoiceListQuery};
use crate::rules::{PAGE_SIZE_MAX, VOICE_MODEL_TYPES, VOICE_STATES, VOICE_STATE_ALL};
use crate::state::{base_url, now, AppState};
use crate::voice_view::VoiceView;

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
    /// Parses the query pairs; unknown parameters are ignored, as the SDKs may add some.
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
        let mut q = ListQuery {
            filter_system_voice: false,
            model_type: None,
            voice_state: None,
            page_num: 1,
            page_size: PAGE_SIZE_MAX,
        };
        for (key, value) in pairs {
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

    /// The page of `voices` this query asks for.
    pub fn page(&self, voices: Vec<VoiceView>) -> VoiceList {
        let kept: Vec<_> = voices.into_iter().filter(|v| self.keeps(v)).collect();
        let start = (self.page_num as usize - 1).saturating_mul(self.page_size as usize);
        let has_more = kept.len() > start.saturating_add(self.page_size as usize);
        VoiceList {
            voice_list: kept
                .into_iter()
                .skip(start)
                .take(self.page_size as usize)
                .collect(),
            has_more,
        }
    }
}

/// Lists the voices the token may use.
pub async fn list_voices(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<VoiceListQuery, ApiError>,
) -> Result<Envelope<VoiceList>, ApiError> {
    let principal = authenticate(&headers, &app.directory, now())?;
    let Input(Query(pairs), _) = query?;
    let query = ListQuery::parse(&pairs)?;
    let base = base_url(&headers);
    let mut cloned = Vec::new();
    for space in &principal.spaces {
        cloned.extend(app.store.voices(space)?);
    }
    cloned.sort_by(|a, b| (b.create_time, &b.voice_id).cmp(&(a.create_time, &a.voice_id)));
    let views = cloned
        .iter()
        .map(|v| VoiceView::of(v, &base))
        .chain(
            app.system_voices
                .iter()
                .map(|v| VoiceView::of_system(v, &base)),
        )
        .collect();
    Ok(Envelope(query.page(views)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
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
            ListQuery::parse(&pairs(&[("page_num", n), ("page_size", "2")]))
                .unwrap()
                .page(voices.clone())
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
        let list = q.page(vec![view("1", false), view("2", true)]);
        assert_eq!(list.voice_list.len(), 1);
        assert!(!list.voice_list[0].is_system_voice);
    }

    #[test]
    fn init_state_lists_nothing_because_every_voice_is_cloned() {
        let q = ListQuery::parse(&pairs(&[("voice_state", "init")])).unwrap();
        assert!(q.page(vec![view("1", false)]).voice_list.is_empty());
    }
}
