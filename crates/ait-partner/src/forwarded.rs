//! What the request says about how the page reached the server: the scheme and host the browser used, from
//! `Host` and, behind a TLS proxy, `X-Forwarded-Proto` / `X-Forwarded-Host` / `Forwarded` (RFC 7239).
//!
//! Used for the server's own origin (the origin guard) and for the session cookie (`Secure` and the `__Host-`
//! name over https). A browser cannot set these headers on a cross-origin request without a preflight the CORS
//! layer refuses, so they only tell what the proxy (or a non-browser client, who needs no forgery) says.

use axum::http::header::HOST;
use axum::http::HeaderMap;

/// The first value of a comma-separated header (the one the nearest client-side hop wrote).
fn first<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A parameter (`proto`, `host`) of the first element of `Forwarded`, unquoted.
fn forwarded_param(headers: &HeaderMap, param: &str) -> Option<String> {
    let element = first(headers, "forwarded")?;
    element.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(param)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// True when a proxy in front says the page was served over https.
pub fn https(headers: &HeaderMap) -> bool {
    let xfp = first(headers, "x-forwarded-proto").is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let fwd = forwarded_param(headers, "proto").is_some_and(|v| v.eq_ignore_ascii_case("https"));
    xfp || fwd
}

/// The host (with port, as sent) the browser addressed: `Forwarded: host=`, else `X-Forwarded-Host`, else `Host`.
pub fn host(headers: &HeaderMap) -> Option<String> {
    forwarded_param(headers, "host")
        .or_else(|| first(headers, "x-forwarded-host").map(String::from))
        .or_else(|| {
            headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        })
        .filter(|h| !h.is_empty())
}

/// The server's own origin as the browser sees it (`https://shop.example`), when the request names a host.
pub fn own_origin(headers: &HeaderMap) -> Option<String> {
    let scheme = if https(headers) { "https" } else { "http" };
    Some(format!("{scheme}://{}", host(headers)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn https_is_detected_from_proxy_headers() {
        assert!(!https(&headers(&[])));
        assert!(https(&headers(&[("x-forwarded-proto", "https")])));
        assert!(https(&headers(&[("x-forwarded-proto", "HTTPS, http")])));
        assert!(!https(&headers(&[("x-forwarded-proto", "http, https")])));
        assert!(https(&headers(&[("forwarded", "for=1.2.3.4;proto=https")])));
        assert!(https(&headers(&[(
            "forwarded",
            "for=1.2.3.4;Proto=\"https\", proto=http"
        )])));
    }

    #[test]
    fn the_own_origin_follows_the_proxy() {
        assert_eq!(
            own_origin(&headers(&[("host", "127.0.0.1:8080")])).as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            own_origin(&headers(&[
                ("host", "backend:8080"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "shop.example")
            ]))
            .as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            own_origin(&headers(&[
                ("host", "backend:8080"),
                ("forwarded", "host=shop.example;proto=https")
            ]))
            .as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(own_origin(&headers(&[])), None);
    }
}
