//! Security headers on every reply (tower-http's `SetResponseHeaderLayer`):
//!
//! * everywhere: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`,
//!   and `Cache-Control: no-store` unless the handler set one;
//! * the API, its errors and the sandbox descriptor: `Content-Security-Policy: default-src 'none';
//!   frame-ancestors 'none'` (JSON is never a document);
//! * static files: the page policy ([`PagePolicy`]): scripts from the site itself and WebAssembly, the inline
//!   import map by its hash, connections to the site (and, in sandbox mode, to the sandbox control API), no
//!   framing.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tower_http::set_header::SetResponseHeaderLayer;

/// The CSP of the API's JSON replies.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Adds the headers every reply gets (the API's CSP where no other was set).
pub fn everywhere<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// Adds `Cache-Control: no-store` over whatever the API handlers said.
pub fn api<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::overriding(
        CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

/// The Content-Security-Policy of the demo's pages and static files.
#[derive(Debug, Clone, Default)]
pub struct PagePolicy {
    /// Origins besides the site the page may `fetch` (the sandbox control API in sandbox mode).
    pub connect_src: Vec<String>,
}

impl PagePolicy {
    /// The policy, allowing the inline scripts whose texts are `inline_scripts` by their SHA-256.
    pub fn header(&self, inline_scripts: &[&str]) -> HeaderValue {
        let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
        for text in inline_scripts {
            script_src.push_str(&format!(" '{}'", script_hash(text)));
        }
        let mut connect_src = String::from("'self'");
        for origin in &self.connect_src {
            connect_src.push(' ');
            connect_src.push_str(origin);
        }
        let csp = format!(
            "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
             connect-src {connect_src}; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        );
        HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static(API_CSP))
    }
}

/// `sha256-<base64>` of an inline script's text, as CSP names it.
pub fn script_hash(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!("sha256-{}", STANDARD.encode(digest.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_hashes_inline_scripts_and_names_the_sandbox() {
        let p = PagePolicy {
            connect_src: vec!["http://127.0.0.1:9999".into()],
        };
        let h = p.header(&["{\"imports\":{}}"]);
        let s = h.to_str().unwrap();
        assert!(
            s.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{s}"
        );
        assert!(
            s.contains("connect-src 'self' http://127.0.0.1:9999;"),
            "{s}"
        );
        assert!(s.contains("frame-ancestors 'none'"), "{s}");
        assert!(
            !s.contains("unsafe-inline") && !s.contains("'unsafe-eval'"),
            "{s}"
        );
        // The CSP hash of the empty string, per the spec's examples.
        assert_eq!(
            script_hash(""),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
