//! The fake's own OpenAPI 3.1 description: `GET /__mock/openapi.json` serves it, `coze-mock openapi`
//! prints it.
//!
//! Built in code from the catalogue ([`crate::catalogue`]): each endpoint's method, path, access, inputs
//! and the failures it can answer, whose rows ([`ApiError::row`]) decide the statuses, codes and rules
//! documented. This module adds only what each endpoint answers on success. Coze's own description of
//! these endpoints documents speech as a JSON answer and only HTTP 200; this one documents what the fake
//! answers.

use std::collections::BTreeMap;

use http::StatusCode;
use serde_json::{json, Map, Value};

use crate::catalogue::{
    Access, AdminEndpoint, Def, Endpoint, Inputs, Param, Surface, ASYNCAPI_PATH, ENDPOINTS,
};
use crate::envelope::{LOGID_HEADER, RULE_HEADER};
use crate::error::{ApiError, Row};
use crate::rules::{Language, SpeechFormat, VOICE_MODEL_TYPES, VOICE_STATES};

/// The HTTP statuses an error answer can come on: its row's, and for the API also 200, which
/// `[fidelity] error_status = "always_200"` answers every error envelope on
/// ([`crate::api::error_status::error_status_layer`]).
fn error_statuses(row: &Row, surface: Surface) -> Vec<StatusCode> {
    match surface {
        Surface::Api if row.status != StatusCode::OK => vec![row.status, StatusCode::OK],
        Surface::Api | Surface::Admin => vec![row.status],
    }
}

/// Adds the error envelopes of `error` to a success answer on the same status (HTTP 200 under
/// `always_200`): a JSON answer becomes one of the two envelopes; an audio answer gains the JSON one.
fn merge_errors_into(success: &mut Value, error: &Value) {
    let error_schema = error["content"]["application/json"]["schema"].clone();
    let content = &mut success["content"];
    match content.get_mut("application/json") {
        Some(json) => {
            let schema = json["schema"].take();
            json["schema"] = json!({"oneOf": [schema, error_schema]});
        }
        None => content["application/json"] = json!({"schema": error_schema}),
    }
    let description = format!(
        "{}\n\nWith `[fidelity] error_status = \"always_200\"`, also: {}",
        success["description"].as_str().unwrap_or_default(),
        error["description"].as_str().unwrap_or_default()
    );
    success["description"] = json!(description);
}

/// The error answers of an operation, one response per HTTP status: the codes and rules it can carry.
fn error_responses(errors: &[ApiError], surface: Surface) -> BTreeMap<String, Value> {
    let mut by_status: BTreeMap<u16, Vec<Row>> = BTreeMap::new();
    for e in errors {
        let row = e.row();
        for status in error_statuses(&row, surface) {
            by_status
                .entry(status.as_u16())
                .or_default()
                .push(row.clone());
        }
    }
    by_status
        .into_iter()
        .map(|(status, rows)| {
            let mut codes: Vec<i64> = rows.iter().map(|r| r.code).collect();
            codes.sort_unstable();
            codes.dedup();
            let mut rules: Vec<&str> = rows.iter().map(|r| r.rule).collect();
            rules.sort_unstable();
            rules.dedup();
            let lines: Vec<String> = rows
                .iter()
                .map(|r| format!("- `{}` `{}`: {}", r.code, r.rule, r.msg))
                .collect();
            let response = json!({
                "description": format!("An error envelope. Code, rule and an example message:\n{}", lines.join("\n")),
                "headers": {
                    LOGID_HEADER: {"$ref": "#/components/headers/LogId"},
                    RULE_HEADER: {
                        "description": "The rule that decided the answer (the fake's own header).",
                        "required": true,
                        "schema": {"type": "string", "enum": rules},
                    },
                },
                "content": {"application/json": {"schema": {
                    "allOf": [{"$ref": "#/components/schemas/ErrorEnvelope"}],
                    "properties": {"code": {"enum": codes}},
                }}},
            });
            (status.to_string(), response)
        })
        .collect()
}

/// A successful envelope answer whose `data` has `data_schema`.
fn envelope_response(description: &str, data_schema: Value) -> Value {
    json!({
        "description": description,
        "headers": {LOGID_HEADER: {"$ref": "#/components/headers/LogId"}},
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["code", "msg", "data", "detail"],
            "properties": {
                "code": {"const": 0},
                "msg": {"const": ""},
                "data": data_schema,
                "detail": {"$ref": "#/components/schemas/Detail"},
            },
        }}},
    })
}

/// The audio answer of speech and previews: each format's content type, a binary body of exact length.
fn audio_response(description: &str, formats: &[SpeechFormat]) -> Value {
    let content: Map<String, Value> = formats
        .iter()
        .map(|f| {
            (
                f.content_type().to_owned(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            )
        })
        .collect();
    json!({
        "description": description,
        "headers": {
            LOGID_HEADER: {"$ref": "#/components/headers/LogId"},
            "content-length": {"required": true, "schema": {"type": "integer", "minimum": 1}},
        },
        "content": content,
    })
}

/// What an admin endpoint's envelope carries in `data`.
fn admin_data(endpoint: AdminEndpoint) -> Value {
    let fault_list = json!({"type": "object", "required": ["faults"], "properties": {"faults": {"type": "array", "items": {"type": "object"}}}});
    match endpoint {
        AdminEndpoint::Reset => {
            json!({"type": "object", "required": ["voices"], "properties": {"voices": {"type": "integer", "minimum": 0}}})
        }
        AdminEndpoint::Seed => {
            json!({"type": "object", "required": ["voices"], "properties": {"voices": {"type": "array", "items": {"$ref": "#/components/schemas/Voice"}}}})
        }
        AdminEndpoint::Voices => json!({"type": "array", "items": {"type": "object"}}),
        AdminEndpoint::Journal => {
            json!({"type": "object", "required": ["records"], "properties": {"records": {"type": "array", "items": {"type": "object"}}}})
        }
        AdminEndpoint::Report | AdminEndpoint::AddFault => json!({"type": "object"}),
        AdminEndpoint::Fidelity => {
            json!({"type": "object", "required": ["settings", "rules", "limits", "ledger"]})
        }
        AdminEndpoint::Health => {
            json!({"type": "object", "required": ["ready", "version"], "properties": {"ready": {"const": true}, "version": {"type": "string"}}})
        }
        AdminEndpoint::Accounts => {
            json!({"type": "array", "items": {"type": "object", "required": ["id", "plan", "in_arrears", "slots_total", "slots_used"]}})
        }
        AdminEndpoint::Faults | AdminEndpoint::ClearFaults => fault_list,
        AdminEndpoint::ClearReport | AdminEndpoint::AddExpectation => json!({"type": "object"}),
        AdminEndpoint::Expectations | AdminEndpoint::ClearExpectations => {
            json!({"type": "object", "required": ["expectations"], "properties": {"expectations": {"type": "array", "items": {"type": "object"}}}})
        }
    }
}

/// What an endpoint answers when it succeeds, by HTTP status.
fn success(def: &Def) -> BTreeMap<String, Value> {
    let ok = match def.endpoint {
        Endpoint::Clone => envelope_response(
            "The documented answer, `{\"voice_id\"}`; with `[fidelity] clone_answer = \"voice\"` the whole \
             Voice (which cozepy 0.20.0's clone() parses).",
            json!({
                "type": "object",
                "required": ["voice_id"],
                "properties": {"voice_id": {"type": "string", "pattern": "^[0-9]+$"}},
            }),
        ),
        Endpoint::List => envelope_response(
            "A page of voices.",
            json!({
                "type": "object",
                "required": ["voice_list", "has_more"],
                "properties": {
                    "voice_list": {"type": "array", "items": {"$ref": "#/components/schemas/Voice"}},
                    "has_more": {"type": "boolean"},
                },
            }),
        ),
        Endpoint::Speech => {
            audio_response("The audio, in the format asked for.", &SpeechFormat::ALL)
        }
        Endpoint::SpeechStream => {
            return BTreeMap::from([(
                "101".to_owned(),
                json!({
                    "description": "Switching Protocols: the session begins with `speech.created`. `x-tt-logid` is the session's logid (53 characters), which every event repeats.",
                    "headers": {LOGID_HEADER: {"description": "The session's logid.", "required": true, "schema": {"type": "string", "minLength": 53, "maxLength": 53}}},
                }),
            )]);
        }
        Endpoint::Preview => audio_response("The preview, WAV.", &[SpeechFormat::Wav]),
        Endpoint::OpenApi => json!({
            "description": "This description.",
            "headers": {LOGID_HEADER: {"$ref": "#/components/headers/LogId"}},
            "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}},
        }),
        Endpoint::AsyncApi => json!({
            "description": "The AsyncAPI 3.0 document of streaming speech.",
            "headers": {LOGID_HEADER: {"$ref": "#/components/headers/LogId"}},
            "content": {"application/json": {"schema": {"type": "object", "required": ["asyncapi", "channels"]}}},
        }),
        Endpoint::Admin(AdminEndpoint::Report) => {
            let mut ok = envelope_response(def.summary, admin_data(AdminEndpoint::Report));
            ok["content"]["application/xml; charset=utf-8"] = json!({"schema": {"type": "string"}});
            ok
        }
        Endpoint::Admin(admin) => envelope_response(def.summary, admin_data(admin)),
        Endpoint::Other => return BTreeMap::new(),
    };
    BTreeMap::from([("200".to_owned(), ok)])
}

/// An object schema of named inputs, each with its doc as its description.
fn object_schema(params: &[Param]) -> Value {
    let properties: Map<String, Value> = params
        .iter()
        .map(|p| {
            let mut schema = (p.schema)();
            schema["description"] = json!(p.doc);
            (p.name.to_owned(), schema)
        })
        .collect();
    let required: Vec<&str> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    json!({"type": "object", "required": required, "properties": properties})
}

/// Query or path parameters.
fn parameters(params: &[Param], place: &str) -> Value {
    params
        .iter()
        .map(|p| {
            json!({
                "name": p.name, "in": place, "required": p.required,
                "schema": (p.schema)(), "description": p.doc,
            })
        })
        .collect()
}

/// One endpoint as an OpenAPI operation.
fn operation(def: &Def) -> Value {
    let mut responses = success(def);
    for (status, error) in error_responses(&(def.failures)(), def.surface) {
        match responses.get_mut(&status) {
            Some(ok) => merge_errors_into(ok, &error),
            None => {
                responses.insert(status, error);
            }
        }
    }
    let mut op = Map::new();
    op.insert("operationId".into(), json!(def.operation_id));
    op.insert("summary".into(), json!(def.summary));
    let description = match def.access {
        Access::Token { permission } => format!(
            "{} The token needs the `{permission}` permission (refused with the real 4101 naming the \
             resource).",
            def.doc
        ),
        Access::Open | Access::AdminToken => def.doc.to_owned(),
    };
    op.insert("description".into(), json!(description));
    op.insert("responses".into(), json!(responses));
    let security = match def.access {
        Access::Open => json!([]),
        Access::Token { permission } => {
            op.insert("x-coze-permission".into(), json!(permission));
            json!([{"bearerAuth": []}])
        }
        Access::AdminToken => json!([{}, {"adminToken": []}]),
    };
    op.insert("security".into(), security);
    if def.endpoint == Endpoint::SpeechStream {
        op.insert(
            "externalDocs".into(),
            json!({
                "description": "The session's events, each side's, and the rules they are judged by: the AsyncAPI 3.0 document.",
                "url": ASYNCAPI_PATH,
            }),
        );
    }
    if def.surface == Surface::Admin {
        op.insert("tags".into(), json!(["admin"]));
    }
    match def.inputs {
        Inputs::None => {}
        Inputs::Form(params) => {
            let binary: Map<String, Value> = params
                .iter()
                .filter(|p| (p.schema)()["format"] == "binary")
                .map(|p| {
                    (
                        p.name.to_owned(),
                        json!({"contentType": "audio/*, application/octet-stream"}),
                    )
                })
                .collect();
            // Parts the form does not name are read and ignored; a part's name is a header parameter,
            // so control characters (but a tab) make its headers malformed.
            let mut schema = object_schema(params);
            schema["propertyNames"] = json!({"pattern": "^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$"});
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"multipart/form-data": {
                    "schema": schema, "encoding": binary,
                }}}),
            );
        }
        Inputs::Json(params) => {
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": object_schema(params)}}}),
            );
        }
        Inputs::JsonBody { doc, schema } => {
            op.insert(
                "requestBody".into(),
                json!({"required": true, "description": doc, "content": {"application/json": {"schema": schema()}}}),
            );
        }
        Inputs::Query(params) => {
            op.insert("parameters".into(), parameters(params, "query"));
        }
        Inputs::Path(params) => {
            op.insert("parameters".into(), parameters(params, "path"));
        }
    }
    Value::Object(op)
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token: `Authorization: Bearer pat_…`. Each operation names the permission it needs in `x-coze-permission`.",
            },
            "adminToken": {
                "type": "http", "scheme": "bearer",
                "description": "The `--admin-token` the fake was started with.",
            },
        },
        "headers": {
            "LogId": {
                "description": "The request's log id; every answer carries it, and envelopes repeat it in `detail.logid`.",
                "required": true,
                "schema": {"$ref": "#/components/schemas/LogId"},
            },
        },
        "schemas": {
            "LogId": {"type": "string", "pattern": "^[0-9]{14}[0-9A-F]{20}$"},
            "Detail": {
                "type": "object", "required": ["logid"],
                "properties": {"logid": {"$ref": "#/components/schemas/LogId"}},
            },
            "ErrorEnvelope": {
                "type": "object",
                "required": ["code", "msg", "detail"],
                "properties": {
                    "code": {"type": "integer"},
                    "msg": {"type": "string", "minLength": 1},
                    "detail": {"$ref": "#/components/schemas/Detail"},
                },
                "not": {"required": ["data"]},
            },
            "Voice": {
                "type": "object",
                "required": ["voice_id", "name", "is_system_voice", "language_code", "language_name",
                    "preview_text", "preview_audio", "available_training_times", "create_time",
                    "update_time", "model_type", "state"],
                "properties": {
                    "voice_id": {"type": "string", "pattern": "^[0-9]+$"},
                    "name": {"type": "string"},
                    "is_system_voice": {"type": "boolean"},
                    "language_code": {"type": "string", "enum": Language::ALL.map(Language::code)},
                    "language_name": {"type": "string", "enum": Language::ALL.map(Language::name)},
                    "preview_text": {"type": "string"},
                    "preview_audio": {"type": "string", "format": "uri"},
                    "available_training_times": {"type": "integer", "minimum": 0},
                    "create_time": {"type": "integer"},
                    "update_time": {"type": "integer"},
                    "model_type": {"type": "string", "enum": VOICE_MODEL_TYPES},
                    "state": {"type": "string", "enum": VOICE_STATES},
                    "support_emotions": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    })
}

/// The whole description: every endpoint of the catalogue, by path and method.
pub fn document() -> Value {
    let mut paths = Map::new();
    for def in &ENDPOINTS {
        let item = paths
            .entry(def.path.to_owned())
            .or_insert_with(|| json!({}));
        item[def.method.as_str().to_ascii_lowercase()] = operation(def);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "coze-mock: Coze's voice-clone API, as the fake answers it",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "An offline fake of Coze's voice-clone API (https://www.coze.cn/open/docs/developer_guides/clone_voices). Every limit, enum, default and error answer here is generated from the rules the fake enforces.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::list_voices::ListQuery;
    use crate::api::speech::SpeechRequest;
    use crate::rules::{
        AudioFormat, AUDIO_FORMAT_VALUES, CREATE_VOICE_PERMISSION, FILE_MAX_BYTES, TEXT_MAX_BYTES,
        VOICE_NAME_MAX_BYTES,
    };

    fn at<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the description"))
    }

    fn number(doc: &Value, pointer: &str) -> f64 {
        at(doc, pointer)
            .as_f64()
            .unwrap_or_else(|| panic!("{pointer} is not a number"))
    }

    fn strings(doc: &Value, pointer: &str) -> Vec<String> {
        at(doc, pointer)
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// The JSON pointer of an endpoint's operation.
    fn operation_pointer(def: &Def) -> String {
        format!(
            "/paths/{}/{}",
            def.path.replace('~', "~0").replace('/', "~1"),
            def.method.as_str().to_ascii_lowercase()
        )
    }

    const SPEECH: &str =
        "/paths/~1v1~1audio~1speech/post/requestBody/content/application~1json/schema/properties";
    const CLONE: &str = "/paths/~1v1~1audio~1voices~1clone/post/requestBody/content/multipart~1form-data/schema/properties";
    const LIST: &str = "/paths/~1v1~1audio~1voices/get/parameters";

    fn speech(fields: &str) -> Result<SpeechRequest, ApiError> {
        SpeechRequest::parse(format!(r#"{{"input":"hi","voice_id":"1"{fields}}}"#).as_bytes())
    }

    #[test]
    fn speech_limits_enums_and_defaults_are_what_the_parser_enforces() {
        let doc = document();
        let max_bytes = number(&doc, &format!("{SPEECH}/input/x-max-bytes")) as usize;
        let at_limit = "a".repeat(max_bytes);
        assert!(SpeechRequest::parse(
            format!(r#"{{"input":"{at_limit}","voice_id":"1"}}"#).as_bytes()
        )
        .is_ok());
        let over = format!("{}字", "a".repeat(max_bytes - 2));
        assert!(
            SpeechRequest::parse(format!(r#"{{"input":"{over}","voice_id":"1"}}"#).as_bytes())
                .is_err()
        );

        let (min, max) = (
            number(&doc, &format!("{SPEECH}/speed/minimum")),
            number(&doc, &format!("{SPEECH}/speed/maximum")),
        );
        for model_type in ["big", "small"] {
            let range = at(
                &doc,
                &format!("{SPEECH}/speed/x-range-by-model-type/{model_type}"),
            );
            let (low, high) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
            assert!(
                min <= low && high <= max,
                "{model_type} within the schema's bounds"
            );
            let voice = crate::config::SystemVoiceConfig {
                model_type: model_type.to_owned(),
                ..crate::config::default_system_voices().remove(0)
            };
            let voice = crate::system_voices::SpeakingVoice::System(&voice);
            for (speed, accepted) in [
                (low, true),
                (high, true),
                (low - 0.01, false),
                (high + 0.01, false),
            ] {
                let request = speech(&format!(r#","speed":{speed}"#)).unwrap();
                assert_eq!(
                    request.check_voice(&voice).is_ok(),
                    accepted,
                    "{model_type} speed {speed}"
                );
            }
        }
        let formats = strings(&doc, &format!("{SPEECH}/response_format/enum"));
        for f in &formats {
            assert!(
                speech(&format!(r#","response_format":"{f}""#)).is_ok(),
                "{f}"
            );
        }
        assert!(speech(r#","response_format":"flac""#).is_err());
        let rates: Vec<i64> = at(&doc, &format!("{SPEECH}/sample_rate/enum"))
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        for rate in 0..=96_000 {
            assert_eq!(
                speech(&format!(r#","sample_rate":{rate}"#)).is_ok(),
                rates.contains(&rate),
                "{rate} Hz"
            );
        }
        let defaults = speech("").unwrap();
        assert_eq!(
            at(&doc, &format!("{SPEECH}/response_format/default")),
            defaults.format.name()
        );
        assert_eq!(
            number(&doc, &format!("{SPEECH}/speed/default")),
            defaults.speed
        );
        assert_eq!(
            number(&doc, &format!("{SPEECH}/sample_rate/default")) as u32,
            defaults.sample_rate
        );
    }

    #[test]
    fn list_enums_and_page_bounds_are_what_the_parser_enforces() {
        let doc = document();
        let param = |name: &str| {
            at(&doc, LIST)
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .unwrap()["schema"]["anyOf"][0]
                .clone()
        };
        let parse =
            |key: &str, value: &str| ListQuery::parse(&[(key.to_owned(), value.to_owned())]);
        for key in ["model_type", "voice_state"] {
            let schema = param(key);
            for value in schema["enum"].as_array().unwrap() {
                assert!(parse(key, value.as_str().unwrap()).is_ok(), "{key}={value}");
            }
            assert!(parse(key, "other").is_err(), "{key}");
        }
        for key in [
            "filter_system_voice",
            "model_type",
            "voice_state",
            "page_num",
            "page_size",
        ] {
            assert_eq!(
                parse(key, "").ok(),
                parse("", "").ok(),
                "{key}= is not given"
            );
        }
        let size = param("page_size");
        let max = size["maximum"].as_u64().unwrap();
        assert!(parse("page_size", &max.to_string()).is_ok());
        assert!(parse("page_size", &(max + 1).to_string()).is_err());
        assert!(parse(
            "page_size",
            &(size["minimum"].as_u64().unwrap() - 1).to_string()
        )
        .is_err());
        assert_eq!(
            parse("page_num", "1").unwrap().page_size,
            size["default"].as_u64().unwrap() as u32
        );
        assert!(parse(
            "page_num",
            &(param("page_num")["minimum"].as_u64().unwrap() - 1).to_string()
        )
        .is_err());
    }

    #[test]
    fn clone_limits_and_enums_are_the_rules_the_form_is_judged_by() {
        let doc = document();
        assert_eq!(
            number(&doc, &format!("{CLONE}/voice_name/x-max-bytes")) as usize,
            VOICE_NAME_MAX_BYTES
        );
        assert_eq!(
            number(&doc, &format!("{CLONE}/text/x-max-bytes")) as usize,
            TEXT_MAX_BYTES
        );
        assert_eq!(
            number(&doc, &format!("{CLONE}/file/x-max-bytes")) as u64,
            FILE_MAX_BYTES
        );
        for code in strings(&doc, &format!("{CLONE}/language/enum")) {
            assert!(Language::from_code(&code).is_some(), "{code}");
        }
        assert_eq!(
            strings(&doc, &format!("{CLONE}/language/enum")).len(),
            Language::ALL.len()
        );
        for name in strings(&doc, &format!("{CLONE}/audio_format/enum")) {
            assert!(AudioFormat::from_name(&name).is_some(), "{name}");
        }
        assert_eq!(
            strings(&doc, &format!("{CLONE}/audio_format/enum")),
            AUDIO_FORMAT_VALUES,
            "every value the SDKs send: the page's six and ogg_opus"
        );
        assert_eq!(
            at(
                &doc,
                "/paths/~1v1~1audio~1voices~1clone/post/x-coze-permission"
            ),
            CREATE_VOICE_PERMISSION
        );
    }

    /// The description renders what the catalogue lists; that the catalogue lists what the handlers
    /// answer is checked over HTTP (`tests/integration/catalogue.rs`).
    #[test]
    fn every_catalogued_failure_is_documented_under_its_status_with_its_code_and_rule() {
        let doc = document();
        for def in &ENDPOINTS {
            let pointer = operation_pointer(def);
            for e in (def.failures)() {
                let row = e.row();
                let response = at(
                    &doc,
                    &format!("{pointer}/responses/{}", row.status.as_u16()),
                );
                let codes = &response["content"]["application/json"]["schema"]["properties"]
                    ["code"]["enum"];
                assert!(
                    codes.as_array().unwrap().contains(&json!(row.code)),
                    "{pointer}: {}",
                    row.rule
                );
                let rules = &response["headers"][RULE_HEADER]["schema"]["enum"];
                assert!(
                    rules.as_array().unwrap().contains(&json!(row.rule)),
                    "{pointer}: {}",
                    row.rule
                );
            }
        }
    }

    #[test]
    fn under_always_200_every_api_error_is_documented_on_200_too_and_admin_errors_are_not() {
        let doc = document();
        let codes_on_200 = |pointer: &str| -> Vec<Value> {
            let json = &at(&doc, &format!("{pointer}/responses/200/content"))["application/json"]
                ["schema"];
            let error = json.get("oneOf").map_or(json, |one| &one[1]);
            error["properties"]["code"]["enum"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        for def in ENDPOINTS.iter().filter(|d| d.surface == Surface::Api) {
            let pointer = operation_pointer(def);
            let codes = codes_on_200(&pointer);
            for e in (def.failures)() {
                assert!(
                    codes.contains(&json!(e.row().code)),
                    "{pointer}: {}",
                    e.row().rule
                );
            }
        }
        assert!(codes_on_200("/paths/~1__admin~1journal/get").is_empty());
    }

    #[test]
    fn every_catalogued_endpoint_is_described_once_and_nothing_else_is() {
        let doc = document();
        let mut described = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                described += 1;
                let method: http::Method = method.to_ascii_uppercase().parse().unwrap();
                let def = ENDPOINTS
                    .iter()
                    .find(|d| d.method == method && d.path == path);
                assert!(def.is_some(), "{method} {path} is not catalogued");
            }
        }
        assert_eq!(described, ENDPOINTS.len());
    }

    #[test]
    fn the_voice_list_documents_the_4101_of_a_token_without_list_voice() {
        let doc = document();
        let codes = at(
            &doc,
            "/paths/~1v1~1audio~1voices/get/responses/403/content/application~1json/schema/properties/code/enum",
        );
        assert!(codes.as_array().unwrap().contains(&json!(4101)), "{codes}");
    }

    #[test]
    fn the_websocket_operation_links_to_the_served_asyncapi_document() {
        let doc = document();
        let stream = Endpoint::SpeechStream.def().unwrap();
        let link = at(
            &doc,
            &format!("{}/externalDocs/url", operation_pointer(stream)),
        );
        assert_eq!(link, Endpoint::AsyncApi.def().unwrap().path);
        assert!(at(
            &doc,
            &format!("/paths/{}/get", link.as_str().unwrap().replace('/', "~1"))
        )
        .is_object());
    }

    #[test]
    fn every_answer_documents_the_logid_header() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status == "101" {
                        // The session's own logid, in its channel's format.
                        assert_eq!(response["headers"][LOGID_HEADER]["schema"]["minLength"], 53);
                        continue;
                    }
                    assert_eq!(
                        response["headers"][LOGID_HEADER]["$ref"], "#/components/headers/LogId",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
