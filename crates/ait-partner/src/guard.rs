//! The guard of state changes: every request that is not `GET`/`HEAD`/`OPTIONS` is refused, before any handler
//! runs (so before anything is stored and before any Toss call), when
//!
//! * it carries an `Origin` that is neither the server's own (from `Host`, and the proxy headers, see
//!   [`crate::forwarded`]) nor one of the configured `allowed_origins` → 403 `FORBIDDEN_ORIGIN`;
//! * it says `Sec-Fetch-Site: cross-site` and its `Origin` is not a configured one → 403 `FORBIDDEN_ORIGIN`;
//! * its `Content-Type` is not `application/json` (CORS-simple `text/plain`, forms, none) → 415
//!   `UNSUPPORTED_MEDIA_TYPE`. A browser cannot send JSON cross-origin without a preflight, which the CORS layer
//!   answers only for the allowed origins.
//!
//! A request without `Origin` (server-to-server clients, tests) passes when it is JSON: browsers send `Origin`
//! on every cross-origin POST, so its absence is not a browser attack.

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::AppError;
use crate::forwarded;

/// An origin in its canonical form (`https://shop.example`, default port dropped, lower case), or `None` when
/// `s` is not a `scheme://host[:port]` origin (a path, credentials, `null`, …).
pub fn normalize_origin(s: &str) -> Option<String> {
    let url = url::Url::parse(s.trim()).ok()?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !bare || !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The configured `allowed_origins`, canonical.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// From the configuration (entries that are not origins are dropped; `Config::validate` refuses them).
    pub fn new(configured: &[String]) -> Self {
        AllowedOrigins(
            configured
                .iter()
                .filter_map(|o| normalize_origin(o))
                .collect(),
        )
    }

    /// Whether `origin` (canonical) is configured.
    pub fn contains(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }

    /// The list, canonical.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// Methods that change nothing (the CORS layer answers preflights before this guard).
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Why a state-changing request is refused, if it is.
pub fn check(
    headers: &HeaderMap,
    method: &Method,
    allowed: &AllowedOrigins,
) -> Result<(), AppError> {
    if is_safe(method) {
        return Ok(());
    }
    let origin = headers
        .get(ORIGIN)
        .map(|v| v.to_str().ok().and_then(normalize_origin));
    let configured = matches!(&origin, Some(Some(o)) if allowed.contains(o));
    if let Some(origin) = &origin {
        let own = forwarded::own_origin(headers).and_then(|o| normalize_origin(&o));
        let same = matches!((origin, &own), (Some(o), Some(own)) if o == own);
        if !configured && !same {
            return Err(AppError::forbidden_origin(
                "this origin may not change state here (not the server's own, not in allowed_origins)",
            ));
        }
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("cross-site"));
    if cross_site && !configured {
        return Err(AppError::forbidden_origin(
            "cross-site requests may not change state here (the origin is not in allowed_origins)",
        ));
    }
    if !is_json(headers) {
        return Err(AppError::unsupported_media_type());
    }
    Ok(())
}

/// The middleware over the API router.
pub async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    match check(req.headers(), req.method(), &app.origins) {
        Ok(()) => next.run(req).await,
        Err(e) => {
            tracing::info!(method = %req.method(), path = req.uri().path(), code = e.code(), "refused a state change");
            e.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn origins_are_canonical() {
        assert_eq!(
            normalize_origin("https://Shop.Example:443").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "null",
            "shop.example",
            "https://a.example/path",
            "https://u:p@a.example",
            "file:///x",
            "",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_rules() {
        let allowed = AllowedOrigins::new(&["https://mini.example".into()]);
        let post = Method::POST;
        let json = ("content-type", "application/json; charset=utf-8");
        let host = ("host", "127.0.0.1:8080");
        let code = |r: Result<(), AppError>| r.err().map(|e| e.code().to_string());
        // No Origin, JSON: a server-to-server client.
        assert_eq!(code(check(&h(&[json, host]), &post, &allowed)), None);
        // Own origin, configured origin.
        assert_eq!(
            code(check(
                &h(&[json, host, ("origin", "http://127.0.0.1:8080")]),
                &post,
                &allowed
            )),
            None
        );
        assert_eq!(
            code(check(
                &h(&[json, host, ("origin", "https://mini.example")]),
                &post,
                &allowed
            )),
            None
        );
        // Foreign, null, cross-site.
        for origin in ["http://evil.example", "null", "http://127.0.0.1:8081"] {
            assert_eq!(
                code(check(
                    &h(&[json, host, ("origin", origin)]),
                    &post,
                    &allowed
                ))
                .as_deref(),
                Some("FORBIDDEN_ORIGIN"),
                "{origin}"
            );
        }
        assert_eq!(
            code(check(
                &h(&[json, host, ("sec-fetch-site", "cross-site")]),
                &post,
                &allowed
            ))
            .as_deref(),
            Some("FORBIDDEN_ORIGIN")
        );
        assert_eq!(
            code(check(
                &h(&[
                    json,
                    host,
                    ("origin", "https://mini.example"),
                    ("sec-fetch-site", "cross-site")
                ]),
                &post,
                &allowed
            )),
            None
        );
        // Not JSON.
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
        ] {
            assert_eq!(
                code(check(&h(&[host, ("content-type", ct)]), &post, &allowed)).as_deref(),
                Some("UNSUPPORTED_MEDIA_TYPE"),
                "{ct}"
            );
        }
        assert_eq!(
            code(check(&h(&[host]), &post, &allowed)).as_deref(),
            Some("UNSUPPORTED_MEDIA_TYPE")
        );
        // Reads are not state changes.
        assert_eq!(
            code(check(
                &h(&[("origin", "http://evil.example")]),
                &Method::GET,
                &allowed
            )),
            None
        );
    }
}
