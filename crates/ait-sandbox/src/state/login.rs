//! Login: authorization codes from `appLogin()` (control), `generate-token`, `refresh-token`, `login-me` and
//! unlinking.

#![allow(missing_docs)]

use ait_api::login::{LoginMeResponse, RemoveAccessResponse, TokenResponse};
use ait_api::IntOrString;
use serde::Serialize;

use super::{ControlError, Fail, State, Ttls};
use crate::codes;
use crate::req;

/// An authorization code from `appLogin`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginCode {
    pub user_key: i64,
    pub expires_at: i64,
    pub used: bool,
}

/// An access or refresh token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub user_key: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

impl State {
    // ---------------------------------------------------------------- Login

    /// Control: `appLogin()` for a user: a single-use authorization code.
    pub fn issue_login_code(&mut self, user_key: i64, ttl: i64, now: i64) -> (String, LoginCode) {
        let code = loop {
            let c = self.rng.alnum(32);
            if !self.login_codes.contains_key(&c) {
                break c;
            }
        };
        let c = self.insert_login_code(code.clone(), user_key, ttl, now);
        (code, c)
    }

    /// Control: `appLogin()` answering a chosen code (a recorded request replayed by a test). Codes are single-use
    /// for good, so a code issued before is refused.
    pub fn issue_chosen_login_code(
        &mut self,
        code: &str,
        user_key: i64,
        ttl: i64,
        now: i64,
    ) -> Result<LoginCode, ControlError> {
        if code.trim().is_empty() || code.chars().count() > 256 {
            return Err(ControlError::bad(
                "authorizationCode must be 1-256 characters",
            ));
        }
        if self.login_codes.contains_key(code) {
            return Err(ControlError::conflict(format!(
                "authorizationCode {code} was issued before"
            )));
        }
        Ok(self.insert_login_code(code.to_owned(), user_key, ttl, now))
    }

    fn insert_login_code(&mut self, code: String, user_key: i64, ttl: i64, now: i64) -> LoginCode {
        let c = LoginCode {
            user_key,
            expires_at: now + ttl,
            used: false,
        };
        self.login_codes.insert(code, c.clone());
        self.users.insert(user_key);
        c
    }

    fn issue_tokens(
        &mut self,
        user_key: i64,
        ttls: Ttls,
        now: i64,
        refresh: Option<String>,
    ) -> TokenResponse {
        let access = self.rng.alnum(40);
        self.access_tokens.insert(
            access.clone(),
            Token {
                user_key,
                expires_at: now + ttls.access_token,
                revoked: false,
            },
        );
        let refresh = refresh.unwrap_or_else(|| {
            let r = self.rng.alnum(40);
            self.refresh_tokens.insert(
                r.clone(),
                Token {
                    user_key,
                    expires_at: now + ttls.refresh_token,
                    revoked: false,
                },
            );
            r
        });
        TokenResponse {
            access_token: access,
            refresh_token: Some(refresh),
            token_type: Some("Bearer".into()),
            expires_in: Some(IntOrString::Int(ttls.access_token)),
            scope: Some("user_key".into()),
        }
    }

    /// `generate-token`: consumes the code.
    pub fn generate_token(
        &mut self,
        r: &req::GenerateToken,
        ttls: Ttls,
        now: i64,
    ) -> Result<TokenResponse, Fail> {
        let code = r.authorization_code.as_str();
        let c = self.login_codes.get_mut(code).ok_or_else(|| {
            Fail::bad(
                codes::INVALID_AUTHORIZATION_CODE,
                "unknown authorizationCode",
            )
        })?;
        if c.used {
            return Err(Fail::bad(
                codes::INVALID_AUTHORIZATION_CODE,
                "authorizationCode was already used",
            ));
        }
        if now >= c.expires_at {
            return Err(Fail::bad(
                codes::INVALID_AUTHORIZATION_CODE,
                "authorizationCode has expired",
            ));
        }
        c.used = true;
        let user_key = c.user_key;
        Ok(self.issue_tokens(user_key, ttls, now, None))
    }

    /// `refresh-token`: a new access token (the refresh token stays valid until it expires).
    pub fn refresh_token(
        &mut self,
        r: &req::RefreshToken,
        ttls: Ttls,
        now: i64,
    ) -> Result<TokenResponse, Fail> {
        let token = r.refresh_token.clone();
        let t = self
            .refresh_tokens
            .get(&token)
            .ok_or_else(|| Fail::bad(codes::INVALID_REFRESH_TOKEN, "unknown refreshToken"))?;
        if t.revoked {
            return Err(Fail::bad(
                codes::INVALID_REFRESH_TOKEN,
                "refreshToken was revoked (the user was unlinked)",
            ));
        }
        if now >= t.expires_at {
            return Err(Fail::bad(
                codes::INVALID_REFRESH_TOKEN,
                "refreshToken has expired",
            ));
        }
        let user_key = t.user_key;
        Ok(self.issue_tokens(user_key, ttls, now, Some(token)))
    }

    /// The user of a bearer token, or a 401 FAIL.
    pub fn bearer_user(&self, token: Option<&str>, now: i64) -> Result<i64, Fail> {
        let token = token.ok_or_else(|| {
            Fail::new(
                401,
                codes::INVALID_ACCESS_TOKEN,
                "Authorization: Bearer <accessToken> is required",
            )
        })?;
        let t = self
            .access_tokens
            .get(token)
            .ok_or_else(|| Fail::new(401, codes::INVALID_ACCESS_TOKEN, "unknown access token"))?;
        if t.revoked {
            return Err(Fail::new(
                401,
                codes::INVALID_ACCESS_TOKEN,
                "access token was revoked (the user was unlinked)",
            ));
        }
        if now >= t.expires_at {
            return Err(Fail::new(
                401,
                codes::INVALID_ACCESS_TOKEN,
                "access token has expired",
            ));
        }
        Ok(t.user_key)
    }

    /// `login-me`.
    pub fn login_me(&self, token: Option<&str>, now: i64) -> Result<LoginMeResponse, Fail> {
        let user_key = self.bearer_user(token, now)?;
        // Personal fields depend on consent (seed 000: "일부 항목은 사용자 동의 여부에 따라 null일 수 있어요");
        // the sandbox has none.
        Ok(LoginMeResponse {
            user_key,
            scope: Some("user_key".into()),
            agreed_terms: Some(Vec::new()),
            ..Default::default()
        })
    }

    fn unlink(&mut self, user_key: i64) {
        for t in self
            .access_tokens
            .values_mut()
            .chain(self.refresh_tokens.values_mut())
        {
            if t.user_key == user_key {
                t.revoked = true;
            }
        }
    }

    /// `access/remove-by-user-key`.
    pub fn remove_by_user_key(
        &mut self,
        r: &req::RemoveByUserKey,
    ) -> Result<RemoveAccessResponse, Fail> {
        let user_key = r.user_key;
        if !self.users.contains(&user_key) {
            return Err(Fail::bad(
                codes::USER_NOT_FOUND,
                format!("userKey {user_key} never logged in to this mini-app"),
            ));
        }
        self.unlink(user_key);
        Ok(RemoveAccessResponse {
            user_key: Some(user_key),
        })
    }

    /// `access/remove-by-access-token`.
    pub fn remove_by_access_token(
        &mut self,
        token: Option<&str>,
        now: i64,
    ) -> Result<RemoveAccessResponse, Fail> {
        let user_key = self.bearer_user(token, now)?;
        self.unlink(user_key);
        Ok(RemoveAccessResponse {
            user_key: Some(user_key),
        })
    }
}
