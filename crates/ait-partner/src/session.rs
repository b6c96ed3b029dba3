//! Toss login and the session.
//!
//! `POST /login` exchanges the page's authorization code (`generate-token`), learns the `userKey`
//! (`login-me`), keeps the tokens (sealed, [`crate::token_seal`]) and the key in SQLite, and gives the page an
//! HttpOnly, SameSite=Lax cookie holding only a random session id. Every other call needs that cookie
//! ([`Session`] extractor, else 401 `UNAUTHENTICATED`); when the stored access token has expired it is renewed
//! with `refresh-token`, and a refused refresh (the user unlinked the mini-app) ends the user's sessions.
//! `POST /logout` ends the session and clears the cookie.
//!
//! Over https (`secure_cookie = "always"`, or `"auto"` with a proxy saying https) the cookie is
//! `__Host-ait_session` with `Secure; Path=/` — a sibling subdomain cannot set a cookie of that name, so it
//! cannot shadow it — and only that name is read; over plain http it is `ait_session` with `Path=<api prefix>`.

use ait_api::login::TokenResponse;
use ait_api::partner::{LoginRequest, LoginResponse, LogoutRequest, LogoutResponse};
use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::app::AppState;
use crate::config::SecureCookie;
use crate::db::{now, Db, DbError, Statement};
use crate::error::AppError;
use crate::extract::Valid;
use crate::forwarded;
use crate::token_seal::{context, TokenSeal};
use crate::toss_client::TossError;

/// Name of the session cookie over plain http.
pub const COOKIE_NAME: &str = "ait_session";
/// Name of the session cookie over https (`__Host-`: `Secure`, `Path=/`, no `Domain`, so no sibling can set it).
pub const SECURE_COOKIE_NAME: &str = "__Host-ait_session";

/// The logged-in user of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The Toss `userKey` (from `login-me`; never from the page).
    pub user_key: i64,
}

/// `POST /login {authorizationCode, referrer}` → `{loggedIn: true}` and the session cookie.
pub async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    Valid(req): Valid<LoginRequest>,
) -> Result<Response, AppError> {
    let tokens = app
        .toss
        .generate_token(&req.authorization_code, &req.referrer)
        .await
        .map_err(|e| match e {
            // A passing refusal (bank maintenance) is relayed as retryable; any other refuses the code.
            TossError::Fail { error, .. } if error.error_code.is_retryable() => {
                AppError::toss_failed(error)
            }
            TossError::Fail { error, .. } => {
                let mut err = AppError::unauthenticated("Toss refused the authorization code");
                err.error.toss = Some(error);
                err
            }
            other => AppError::from(other),
        })?;
    let me = app.toss.login_me(&tokens.access_token).await?;
    if me.user_key <= 0 {
        return Err(AppError::internal(
            "login-me returned a non-positive userKey",
        ));
    }
    let session_id = random_id();
    let ttl = app.config.session_ttl_secs as i64;
    let sealed = SealedTokens::seal(&app.seal, me.user_key, &tokens);
    store_login(
        &app.db,
        me.user_key,
        &tokens,
        sealed,
        stored_id(&session_id),
        ttl,
    )
    .await?;
    tracing::info!("user logged in");

    let cookie = session_cookie(&app, &headers, &session_id, ttl);
    let mut resp = Json(LoginResponse { logged_in: true }).into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie);
    Ok(resp)
}

/// `POST /logout {}` → `{loggedOut: true}`: deletes the session (a copied cookie is dead from then on) and clears
/// the cookie. Without a session it still answers `loggedOut` (the outcome the page wants).
pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    Valid(LogoutRequest {}): Valid<LogoutRequest>,
) -> Result<Response, AppError> {
    if let Some(id) = cookie_value(&headers, cookie_name(&app, &headers)) {
        let stored = stored_id(id);
        app.db
            .execute(Statement::new("DELETE FROM sessions WHERE id = $1").bind(stored))
            .await?;
        tracing::info!("user logged out");
    }
    let cookie = session_cookie(&app, &headers, "", 0);
    let mut resp = Json(LogoutResponse { logged_out: true }).into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie);
    Ok(resp)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        // Already resolved by a middleware of this request (the per-user rate limit).
        if let Some(s) = parts.extensions.get::<Session>() {
            return Ok(*s);
        }
        let Some(id) = cookie_value(&parts.headers, cookie_name(app, &parts.headers)) else {
            return Err(AppError::unauthenticated("no session: call /login first"));
        };
        let stored = stored_id(id);
        let Some(mut found) = load_session(&app.db, stored.clone()).await? else {
            return Err(AppError::unauthenticated(
                "the session expired or is unknown: call /login again",
            ));
        };
        if found.access_expires_at <= now() {
            // One refresh per user at a time: concurrent requests wait, then see the renewed tokens (a refresh token
            // Toss rotated must not be spent twice).
            let _one_at_a_time = app.db.lease(format!("refresh:{}", found.user_key)).await?;
            found = load_session(&app.db, stored)
                .await?
                .ok_or_else(|| AppError::unauthenticated("the session ended: call /login again"))?;
        }
        if found.access_expires_at <= now() {
            refresh(app, &found).await?;
        }
        Ok(Session {
            user_key: found.user_key,
        })
    }
}

/// Renews the user's tokens. A refusal ends every session of the user (401); an unreachable Toss does not
/// block the request (the `userKey` stays valid for payments), it is retried on the next one.
async fn refresh(app: &AppState, s: &StoredSession) -> Result<(), AppError> {
    let refresh_token = s
        .refresh_token
        .as_deref()
        .and_then(|sealed| app.seal.open(sealed, &context("refresh_token", s.user_key)));
    let Some(refresh_token) = refresh_token else {
        // None stored, or not sealed with this key (the key changed): the user logs in again.
        end_user_sessions(&app.db, s.user_key).await?;
        return Err(AppError::unauthenticated(
            "the Toss login expired: call /login again",
        ));
    };
    match app.toss.refresh_token(&refresh_token).await {
        Ok(tokens) => {
            let sealed = SealedTokens::seal(&app.seal, s.user_key, &tokens);
            update_tokens(&app.db, s.user_key, &tokens, sealed).await?;
            tracing::info!("refreshed a user's Toss tokens");
            Ok(())
        }
        // A passing refusal (bank maintenance) is not a verdict on the login.
        Err(TossError::Fail { error, .. }) if error.error_code.is_retryable() => {
            tracing::warn!(
                "token refresh postponed: Toss answered {}",
                error.error_code
            );
            Ok(())
        }
        Err(TossError::Fail { .. }) => {
            end_user_sessions(&app.db, s.user_key).await?;
            Err(AppError::unauthenticated(
                "Toss refused to renew the login: call /login again",
            ))
        }
        Err(e) => {
            tracing::warn!("token refresh postponed: {}", e.detail());
            Ok(())
        }
    }
}

/// Whether this request reached us over https (by configuration, or as the proxy in front says).
fn over_https(app: &AppState, headers: &HeaderMap) -> bool {
    match app.config.secure_cookie {
        SecureCookie::Always => true,
        SecureCookie::Never => false,
        SecureCookie::Auto => forwarded::https(headers),
    }
}

/// The cookie name for this request's transport (the only one read).
fn cookie_name(app: &AppState, headers: &HeaderMap) -> &'static str {
    if over_https(app, headers) {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// `Set-Cookie` for session `id` living `ttl` seconds (an empty id and 0 clear it).
fn session_cookie(app: &AppState, headers: &HeaderMap, id: &str, ttl: i64) -> HeaderValue {
    let c = if over_https(app, headers) {
        format!("{SECURE_COOKIE_NAME}={id}; Path=/; Max-Age={ttl}; HttpOnly; SameSite=Lax; Secure")
    } else {
        let path = match app.config.prefix() {
            p if p.is_empty() => "/".to_string(),
            p => p,
        };
        format!("{COOKIE_NAME}={id}; Path={path}; Max-Age={ttl}; HttpOnly; SameSite=Lax")
    };
    HeaderValue::from_str(&c).expect("cookie is ASCII")
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// What the database keeps of a session id: its SHA-256, hex. A copy of the database then holds no live session
/// (the id is 256 random bits, so an unsalted hash cannot be reversed).
fn stored_id(id: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, id.as_bytes()).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits, hex.
pub fn random_id() -> String {
    let mut buf = [0u8; 32];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    hex(&buf)
}

fn expires_at(tokens: &TokenResponse) -> i64 {
    // Toss documents one hour; renew a minute early.
    let secs = tokens
        .expires_in
        .as_ref()
        .and_then(|v| v.as_i64())
        .unwrap_or(3600);
    now() + (secs - 60).max(0)
}

// ---------------------------------------------------------------------- storage

/// A user's tokens as the database keeps them: sealed, each bound to its column and user.
struct SealedTokens {
    access: String,
    refresh: Option<String>,
}

impl SealedTokens {
    fn seal(seal: &TokenSeal, user_key: i64, tokens: &TokenResponse) -> Self {
        SealedTokens {
            access: seal.seal(&tokens.access_token, &context("access_token", user_key)),
            refresh: tokens
                .refresh_token
                .as_deref()
                .map(|t| seal.seal(t, &context("refresh_token", user_key))),
        }
    }
}

#[derive(sqlx::FromRow)]
struct StoredSession {
    user_key: i64,
    refresh_token: Option<String>,
    access_expires_at: i64,
}

async fn store_login(
    db: &Db,
    user_key: i64,
    tokens: &TokenResponse,
    sealed: SealedTokens,
    session_id: String,
    ttl: i64,
) -> Result<(), DbError> {
    let t = now();
    let (access, refresh, expires, scope) = (
        sealed.access,
        sealed.refresh,
        expires_at(tokens),
        tokens.scope.clone(),
    );
    db.write(move |conn| {
        Box::pin(async move {
            Statement::new(
                "INSERT INTO users (user_key, access_token, refresh_token, access_expires_at, scope, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (user_key) DO UPDATE SET access_token = excluded.access_token,
                   refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at,
                   scope = excluded.scope, updated_at = excluded.updated_at",
            )
            .bind(user_key)
            .bind(access)
            .bind(refresh)
            .bind(expires)
            .bind(scope)
            .bind(t)
            .execute(conn)
            .await?;
            Statement::new("INSERT INTO sessions (id, user_key, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(session_id)
                .bind(user_key)
                .bind(t)
                .bind(t + ttl)
                .execute(conn)
                .await?;
            Statement::new("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(t)
                .execute(conn)
                .await?;
            Ok(())
        })
    })
    .await
}

async fn load_session(db: &Db, id: String) -> Result<Option<StoredSession>, DbError> {
    Ok(sqlx::query_as(
        "SELECT s.user_key, u.refresh_token, u.access_expires_at
         FROM sessions s JOIN users u ON u.user_key = s.user_key
         WHERE s.id = $1 AND s.expires_at > $2",
    )
    .bind(id)
    .bind(now())
    .fetch_optional(db.pool())
    .await?)
}

async fn update_tokens(
    db: &Db,
    user_key: i64,
    tokens: &TokenResponse,
    sealed: SealedTokens,
) -> Result<(), DbError> {
    // Toss may or may not rotate the refresh token: keep the old one when none is sent.
    let statement = Statement::new(
        "UPDATE users SET access_token = $2, refresh_token = COALESCE($3, refresh_token),
           access_expires_at = $4, updated_at = $5 WHERE user_key = $1",
    )
    .bind(user_key)
    .bind(sealed.access)
    .bind(sealed.refresh)
    .bind(expires_at(tokens))
    .bind(now());
    db.execute(statement).await.map(drop)
}

async fn end_user_sessions(db: &Db, user_key: i64) -> Result<(), DbError> {
    let statement = Statement::new("DELETE FROM sessions WHERE user_key = $1").bind(user_key);
    db.execute(statement).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; ait_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h, COOKIE_NAME), Some("abc"));
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("ait_session="));
        assert_eq!(cookie_value(&h, COOKIE_NAME), None);
    }

    #[test]
    fn each_name_is_read_on_its_own() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("ait_session=plain; __Host-ait_session=secure"),
        );
        assert_eq!(cookie_value(&h, COOKIE_NAME), Some("plain"));
        assert_eq!(cookie_value(&h, SECURE_COOKIE_NAME), Some("secure"));
    }

    #[test]
    fn the_database_keeps_a_hash_of_the_session_id() {
        let id = random_id();
        let stored = stored_id(&id);
        assert_eq!(stored.len(), 64);
        assert_ne!(stored, id);
        assert_eq!(stored, stored_id(&id));
        assert_eq!(
            stored_id("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn session_ids_are_random_and_long() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
