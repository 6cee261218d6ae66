//! 「Authorization: Bearer $Access_Token」 and 「权限: createVoice」: who may clone. Every request here is
//! refused before anything is created, so all of them run against the real API by default.

use contract_tests::contract::{
    CODE_ACCOUNT_IN_ARREARS, CODE_AUTHENTICATION_INVALID, CODE_PERMISSION_DENIED,
    MSG_AUTHENTICATION_INVALID,
};
use contract_tests::request::FOREIGN_SPACE_ID;
use contract_tests::{assert_contract_snapshot, Api, CloneRequest, Role, TokenChoice};

#[tokio::test]
async fn a_request_without_authorization_is_refused_with_4100() {
    // Arrange
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().token(TokenChoice::Missing);
    // Act
    let resp = api.clone_voice(&req).await;
    // Assert
    assert_eq!(resp.code(), Some(CODE_AUTHENTICATION_INVALID), "{resp:#?}");
    assert_eq!(resp.msg(), Some(MSG_AUTHENTICATION_INVALID));
    assert_contract_snapshot!("auth_missing_token", req, resp);
}

#[tokio::test]
async fn an_unknown_token_is_refused_with_4100() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().token(TokenChoice::Literal(
        "pat_0000contract0000unknown0000".into(),
    ));
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_AUTHENTICATION_INVALID), "{resp:#?}");
    assert_contract_snapshot!("auth_unknown_token", req, resp);
}

#[tokio::test]
async fn a_token_without_the_bearer_scheme_is_refused_with_4100() {
    let api = Api::from_env().await;
    let req = CloneRequest::valid_sample().token(TokenChoice::RawAuthorization(
        "Basic cGF0X2NvbnRyYWN0".into(),
    ));
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_AUTHENTICATION_INVALID), "{resp:#?}");
    assert_contract_snapshot!("auth_not_bearer", req, resp);
}

#[tokio::test]
async fn an_expired_token_is_refused_with_4100() {
    let api = Api::from_env().await;
    if !api.has_role(Role::Expired) {
        return;
    }
    let req = CloneRequest::valid_sample().role(Role::Expired);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_AUTHENTICATION_INVALID), "{resp:#?}");
    assert_contract_snapshot!("auth_expired_token", req, resp);
}

/// 「确保调用该接口使用的个人令牌开通了 createVoice 权限」
#[tokio::test]
async fn a_token_without_the_create_voice_permission_is_refused_with_4101() {
    let api = Api::from_env().await;
    if !api.has_role(Role::NoPermission) {
        return;
    }
    let req = CloneRequest::valid_sample().role(Role::NoPermission);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_PERMISSION_DENIED), "{resp:#?}");
    assert_contract_snapshot!("permission_missing_create_voice", req, resp);
}

/// 「仅扣子团队版和企业版用户可以使用音色复刻功能。」
#[tokio::test]
async fn a_personal_plan_account_may_not_clone() {
    let api = Api::from_env().await;
    if !api.has_role(Role::PersonalPlan) {
        return;
    }
    let req = CloneRequest::valid_sample().role(Role::PersonalPlan);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_PERMISSION_DENIED), "{resp:#?}");
    assert_contract_snapshot!("permission_personal_plan", req, resp);
}

/// 「调用此 API 之前请确认账户中资源点或余额充足，以免账号欠费导致服务中断。」
#[tokio::test]
async fn an_account_in_arrears_is_refused_with_4019() {
    let api = Api::from_env().await;
    if !api.has_role(Role::InArrears) {
        return;
    }
    let req = CloneRequest::valid_sample().role(Role::InArrears);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_ACCOUNT_IN_ARREARS), "{resp:#?}");
    assert_contract_snapshot!("permission_account_in_arrears", req, resp);
}

/// 「即使在同一个企业或团队中，不同工作空间复刻的音色资源是独立的，不允许跨空间使用。」
#[tokio::test]
async fn a_workspace_the_token_is_not_a_member_of_is_refused_with_4101() {
    let api = Api::from_env().await;
    if !api.has_foreign_space() {
        return;
    }
    let req = CloneRequest::valid_sample().space_id(FOREIGN_SPACE_ID);
    let resp = api.clone_voice(&req).await;
    assert_eq!(resp.code(), Some(CODE_PERMISSION_DENIED), "{resp:#?}");
    assert_contract_snapshot!("permission_foreign_workspace", req, resp);
}
