//! [`ListQuery`]: a request to the voice list (`GET /v1/audio/voices`), and what the contract reads of
//! its answer.

use serde_json::{json, Value};

use crate::contract::{json_type, LISTED_VOICE_FIELDS, LIST_DATA_FIELDS};
use crate::request::{describe_token, TokenChoice};
use crate::response::CapturedResponse;

/// One voice-list request: the token and the query parameters, in the order given.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Which token to send.
    pub token: TokenChoice,
    /// The query parameters.
    pub params: Vec<(String, String)>,
}

impl ListQuery {
    /// The list with the main token and no parameters (every default of the page).
    pub fn new() -> ListQuery {
        ListQuery {
            token: TokenChoice::Main,
            params: Vec::new(),
        }
    }

    /// Adds the query parameter `name=value`.
    pub fn param(mut self, name: &str, value: impl ToString) -> ListQuery {
        self.params.push((name.to_owned(), value.to_string()));
        self
    }

    /// Sends `token` instead.
    pub fn token(mut self, token: TokenChoice) -> ListQuery {
        self.token = token;
        self
    }

    /// What a snapshot's `info` shows of the request.
    pub fn summary(&self) -> Value {
        let query: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        json!({
            "token": describe_token(&self.token),
            "query": query.join("&"),
        })
    }
}

impl Default for ListQuery {
    fn default() -> ListQuery {
        ListQuery::new()
    }
}

/// The voices of a list answer (`data.voice_list`); empty when it has none.
pub fn listed_voices(resp: &CapturedResponse) -> Vec<Value> {
    resp.body
        .pointer("/data/voice_list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `data.has_more` of a list answer.
pub fn has_more(resp: &CapturedResponse) -> Option<bool> {
    resp.body.pointer("/data/has_more").and_then(Value::as_bool)
}

/// The voice ids of a list answer, in order.
pub fn voice_ids(resp: &CapturedResponse) -> Vec<String> {
    listed_voices(resp)
        .iter()
        .filter_map(|v| v.get("voice_id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// The shape of a successful list answer, for its snapshot: the status, `code` and `msg`, the JSON
/// type of each documented field of `data`, and of each documented field of the first voice
/// ([`LISTED_VOICE_FIELDS`]; `"absent"` for one it lacks). Values differ between targets (each
/// account has its own voices); the shape is the contract.
pub fn list_shape(resp: &CapturedResponse) -> Value {
    let data = resp.body.get("data").cloned().unwrap_or(Value::Null);
    let type_of =
        |object: &Value, field: &str| object.get(field).map_or("absent", json_type).to_owned();
    let data_fields: serde_json::Map<String, Value> = LIST_DATA_FIELDS
        .iter()
        .map(|(field, _)| ((*field).to_owned(), Value::String(type_of(&data, field))))
        .collect();
    let first = listed_voices(resp)
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let voice_fields: serde_json::Map<String, Value> = LISTED_VOICE_FIELDS
        .iter()
        .map(|(field, _)| ((*field).to_owned(), Value::String(type_of(&first, field))))
        .collect();
    json!({
        "status": resp.status,
        "code": resp.code(),
        "msg": resp.msg(),
        "data": data_fields,
        "first_voice": voice_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn answer(body: Value) -> CapturedResponse {
        CapturedResponse {
            status: 200,
            headers: BTreeMap::new(),
            body,
        }
    }

    #[test]
    fn the_shape_names_each_documented_field_s_type_and_what_is_absent() {
        let resp = answer(
            json!({"code": 0, "msg": "", "data": {"has_more": true, "voice_list": [
                {"voice_id": "7", "name": "jay", "create_time": 1729686510, "is_system_voice": "no"}
            ]}}),
        );
        let shape = list_shape(&resp);
        assert_eq!(shape["data"]["has_more"], "boolean");
        assert_eq!(shape["data"]["voice_list"], "array");
        assert_eq!(shape["first_voice"]["create_time"], "integer");
        assert_eq!(shape["first_voice"]["is_system_voice"], "string");
        assert_eq!(shape["first_voice"]["preview_audio"], "absent");
        assert_eq!(voice_ids(&resp), ["7"]);
        assert_eq!(has_more(&resp), Some(true));
    }
}
