//! Toss login (OAuth2) partner API: generate-token, refresh-token, access/remove-by-user-key,
//! access/remove-by-access-token, login-me.
//!
//! Spec: seed 000 (the "AccessToken 받기", "AccessToken 재발급 받기", "userKey로 로그인 연결 끊기",
//! "AccessToken 으로 로그인 연결 끊기", "사용자 정보 받기" pages). Host: `apps-in-toss-api.toss.im`.
//! The seed gives the request schemas but not the `success` payloads; the reply types follow the public
//! developer guide (`tokenType`, `accessToken`, `refreshToken`, `expiresIn`, `scope`; login-me's `userKey`,
//! `scope`, `agreedTerms` and encrypted profile fields). All reply fields but the essentials are optional and
//! unknown fields are ignored, since Toss adds scopes and fields over time.

use serde::{Deserialize, Serialize};

use crate::validate::{self, Validate, ValidationError};
use crate::wire::IntOrString;

/// `POST /user/oauth2/generate-token` body: exchanges the code from the SDK's `appLogin()` for tokens.
/// Only the partner server may do this (the code is worthless without its mTLS certificate).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateTokenRequest {
    /// Authorization code from `appLogin()` (valid for 10 minutes).
    pub authorization_code: String,
    /// Entry path from `appLogin()` (`DEFAULT` in the Toss app, `sandbox` in the sandbox app).
    pub referrer: String,
}

impl Validate for GenerateTokenRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("authorizationCode", &self.authorization_code)?;
        validate::not_blank("referrer", &self.referrer)
    }
}

/// `POST /user/oauth2/refresh-token` body: a new access token from a refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenRequest {
    /// The refresh token from generate-token.
    pub refresh_token: String,
}

impl Validate for RefreshTokenRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("refreshToken", &self.refresh_token)
    }
}

/// `success` of generate-token and refresh-token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// Bearer token for login-me (valid for one hour).
    pub access_token: String,
    /// Token for refresh-token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Lifetime in seconds (documented as a string; accepted as a number too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<IntOrString>,
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `POST /user/oauth2/access/remove-by-user-key` body: unlinks a user (e.g. on account deletion).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveByUserKeyRequest {
    /// The user's key (int64 in seed 000's schema).
    pub user_key: i64,
}

impl Validate for RemoveByUserKeyRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.user_key <= 0 {
            return Err(ValidationError::new(
                "userKey",
                validate::Rule::Range {
                    min: 1,
                    max: i64::MAX,
                },
                "userKey must be a positive integer",
            ));
        }
        Ok(())
    }
}

/// `success` of both unlink calls: the unlinked user's key ("응답에는 해제된 사용자의 userKey만 포함돼요").
/// remove-by-access-token has no body; it identifies the user by the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveAccessResponse {
    /// The unlinked user's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key: Option<i64>,
}

/// `success` of `GET /user/oauth2/login-me`: the user's stable `userKey` and, per the consented scopes,
/// encrypted profile fields (decrypt with the key from the console; fields may be `null`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginMeResponse {
    /// The user's key for this mini-app: send it as `x-toss-user-key` on TossPay and IAP calls.
    pub user_key: i64,
    /// Consented scopes, comma-separated (see [`LoginMeResponse::scopes`]); new values appear over time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Tags of the terms the user agreed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_terms: Option<Vec<String>>,
    /// Encrypted name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Encrypted phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Encrypted birthday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Encrypted CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<String>,
    /// Encrypted DI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub di: Option<String>,
    /// Encrypted gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Encrypted nationality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Encrypted e-mail (often null: not required at Toss sign-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl LoginMeResponse {
    /// The scopes, split on commas and trimmed; unknown scopes are kept.
    pub fn scopes(&self) -> Vec<&str> {
        self.scope
            .as_deref()
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}
