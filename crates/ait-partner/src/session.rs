//! Toss login and the session.
//!
//! `POST /login` exchanges the page's authorization code (`generate-token`), learns the `userKey`
//! (`login-me`), keeps the tokens and the key in SQLite, and gives the page an HttpOnly, SameSite=Lax cookie
//! holding only a random session id. Every other call needs that cookie ([`Session`] extractor, else 401
//! `UNAUTHENTICATED`); when the stored access token has expired it is renewed with `refresh-token`, and a
//! refused refresh (the user unlinked the mini-app) ends the user's sessions.

use ait_api::login::TokenResponse;
use ait_api::partner::{LoginRequest, LoginResponse};
use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, OptionalExtension};

use crate::app::AppState;
use crate::config::SecureCookie;
use crate::db::{now, Db, DbError};
use crate::error::AppError;
use crate::extract::Valid;
use crate::toss_client::TossError;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "ait_session";

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
    store_login(&app.db, me.user_key, &tokens, stored_id(&session_id), ttl).await?;
    tracing::info!("user logged in");

    let cookie = session_cookie(&app, &headers, &session_id, ttl);
    let mut resp = Json(LoginResponse { logged_in: true }).into_response();
    resp.headers_mut().insert(SET_COOKIE, cookie);
    Ok(resp)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        let Some(id) = cookie_value(&parts.headers, COOKIE_NAME) else {
            return Err(AppError::unauthenticated("no session: call /login first"));
        };
        let Some(found) = load_session(&app.db, stored_id(id)).await? else {
            return Err(AppError::unauthenticated(
                "the session expired or is unknown: call /login again",
            ));
        };
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
    let Some(refresh_token) = s.refresh_token.clone() else {
        end_user_sessions(&app.db, s.user_key).await?;
        return Err(AppError::unauthenticated(
            "the Toss login expired: call /login again",
        ));
    };
    match app.toss.refresh_token(&refresh_token).await {
        Ok(tokens) => {
            update_tokens(&app.db, s.user_key, tokens).await?;
            tracing::info!("refreshed a user's Toss tokens");
            Ok(())
        }
        Err(TossError::Fail { .. }) => {
            end_user_sessions(&app.db, s.user_key).await?;
            Err(AppError::unauthenticated(
                "Toss refused to renew the login: call /login again",
            ))
        }
        Err(e) => {
            tracing::warn!("token refresh postponed: {e}");
            Ok(())
        }
    }
}

fn session_cookie(app: &AppState, headers: &HeaderMap, id: &str, ttl: i64) -> HeaderValue {
    let secure = match app.config.secure_cookie {
        SecureCookie::Always => true,
        SecureCookie::Never => false,
        SecureCookie::Auto => forwarded_https(headers),
    };
    let path = match app.config.prefix() {
        p if p.is_empty() => "/".to_string(),
        p => p,
    };
    let mut c = format!("{COOKIE_NAME}={id}; Path={path}; Max-Age={ttl}; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie is ASCII")
}

/// True when a proxy in front says the page was served over https.
fn forwarded_https(headers: &HeaderMap) -> bool {
    let xfp = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        });
    let fwd = headers
        .get("forwarded")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    xfp || fwd
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

struct StoredSession {
    user_key: i64,
    refresh_token: Option<String>,
    access_expires_at: i64,
}

async fn store_login(
    db: &Db,
    user_key: i64,
    tokens: &TokenResponse,
    session_id: String,
    ttl: i64,
) -> Result<(), DbError> {
    let access = tokens.access_token.clone();
    let refresh = tokens.refresh_token.clone();
    let scope = tokens.scope.clone();
    let access_exp = expires_at(tokens);
    db.call(move |conn| {
        let t = now();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO users (user_key, access_token, refresh_token, access_expires_at, scope, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (user_key) DO UPDATE SET access_token = excluded.access_token,
               refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at,
               scope = excluded.scope, updated_at = excluded.updated_at",
            params![user_key, access, refresh, access_exp, scope, t],
        )?;
        tx.execute(
            "INSERT INTO sessions (id, user_key, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![session_id, user_key, t, t + ttl],
        )?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [t])?;
        tx.commit()?;
        Ok(())
    })
    .await
}

async fn load_session(db: &Db, id: String) -> Result<Option<StoredSession>, DbError> {
    db.call(move |conn| {
        Ok(conn
            .query_row(
                "SELECT s.user_key, u.refresh_token, u.access_expires_at
                 FROM sessions s JOIN users u ON u.user_key = s.user_key
                 WHERE s.id = ?1 AND s.expires_at > ?2",
                params![id, now()],
                |r| {
                    Ok(StoredSession {
                        user_key: r.get(0)?,
                        refresh_token: r.get(1)?,
                        access_expires_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    })
    .await
}

async fn update_tokens(db: &Db, user_key: i64, tokens: TokenResponse) -> Result<(), DbError> {
    let exp = expires_at(&tokens);
    db.call(move |conn| {
        // Toss may or may not rotate the refresh token: keep the old one when none is sent.
        conn.execute(
            "UPDATE users SET access_token = ?2, refresh_token = COALESCE(?3, refresh_token),
               access_expires_at = ?4, updated_at = ?5 WHERE user_key = ?1",
            params![
                user_key,
                tokens.access_token,
                tokens.refresh_token,
                exp,
                now()
            ],
        )?;
        Ok(())
    })
    .await
}

async fn end_user_sessions(db: &Db, user_key: i64) -> Result<(), DbError> {
    db.call(move |conn| {
        conn.execute("DELETE FROM sessions WHERE user_key = ?1", [user_key])?;
        Ok(())
    })
    .await
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
    fn https_is_detected_from_proxy_headers() {
        let mut h = HeaderMap::new();
        assert!(!forwarded_https(&h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(forwarded_https(&h));
        let mut h = HeaderMap::new();
        h.insert(
            "forwarded",
            HeaderValue::from_static("for=1.2.3.4;proto=https"),
        );
        assert!(forwarded_https(&h));
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
