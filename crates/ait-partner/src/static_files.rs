//! Static files for the demo (`--static-root <repo root>`): only `/www/`, `/pkg/`,
//! `/node_modules/@apps-in-toss/` and `/scripts/lib/web-framework-entry.js` are served; `/` redirects to
//! `/www/`. HTML pages get the SDK import map where they say `<!-- import-map -->`, resolved the way
//! `scripts/lib/import-map.mjs` does it (the full web-framework build when installed, else the repo's entry).
//!
//! Every file gets the page Content-Security-Policy ([`PagePolicy`]); an HTML page's policy also allows its
//! inline import map by the map's SHA-256. A missing file is the contract's JSON 404.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;
use crate::security_headers::PagePolicy;

/// The URL prefixes served (directories end with `/`).
pub const SERVED: &[&str] = &[
    "/www/",
    "/pkg/",
    "/node_modules/@apps-in-toss/",
    "/scripts/lib/web-framework-entry.js",
];

const IMPORT_MAP_MARKER: &str = "<!-- import-map -->";

/// The static routes over `root`, under the page policy `policy`.
pub fn router<S: Clone + Send + Sync + 'static>(root: PathBuf, policy: PagePolicy) -> Router<S> {
    let root = Arc::new(root);
    let default_csp = policy.header(&[]);
    let policy = Arc::new(policy);
    let serve = move |uri: Uri| {
        let root = root.clone();
        let policy = policy.clone();
        async move { serve(&root, &policy, uri.path()).await }
    };
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/www/") }))
        .route("/www", get(|| async { Redirect::temporary("/www/") }))
        .route("/www/", get(serve.clone()))
        .route("/www/{*path}", get(serve.clone()))
        .route("/pkg/{*path}", get(serve.clone()))
        .route("/node_modules/@apps-in-toss/{*path}", get(serve.clone()))
        .route("/scripts/lib/web-framework-entry.js", get(serve))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            default_csp,
        ))
}

async fn serve(root: &Path, policy: &PagePolicy, url_path: &str) -> Response {
    let Some(rel) = allowed_relative_path(url_path) else {
        return not_found();
    };
    let mut file = root.join(&rel);
    if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
        file = file.join("index.html");
    }
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return not_found();
    };
    let mime = mime_type(&file);
    let (body, csp) = if mime.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes);
        let (page, map) = inject_import_map(&html, root);
        let inline: Vec<&str> = map.as_deref().into_iter().collect();
        (Body::from(page), policy.header(&inline))
    } else {
        (Body::from(bytes), policy.header(&[]))
    };
    (
        [
            (
                header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static(mime),
            ),
            (
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        body,
    )
        .into_response()
}

fn not_found() -> Response {
    AppError::not_found("no such file").into_response()
}

/// The file path under the root for a URL path, if it is under a served prefix and has no `..`.
pub fn allowed_relative_path(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    if !SERVED
        .iter()
        .any(|p| decoded.starts_with(p) || (!p.ends_with('/') && decoded == *p))
    {
        return None;
    }
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let rel = PathBuf::from(decoded.trim_start_matches('/'));
    if rel.components().all(|c| matches!(c, Component::Normal(_))) {
        Some(rel)
    } else {
        None
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The content type for a file name.
pub fn mime_type(path: &Path) -> &'static str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" | "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The import map of the demo pages (URLs from the site root).
pub fn import_map(root: &Path) -> serde_json::Value {
    let nm = "node_modules/@apps-in-toss";
    let full = format!("{nm}/web-framework/dist-web/index.js");
    let framework = if root.join(&full).is_file() {
        full
    } else {
        "scripts/lib/web-framework-entry.js".to_string()
    };
    serde_json::json!({ "imports": {
        "@apps-in-toss/web-framework": format!("/{framework}"),
        "@apps-in-toss/web-bridge": format!("/{nm}/web-bridge/dist/index.js"),
        "@apps-in-toss/web-analytics": format!("/{nm}/web-analytics/dist/index.js"),
        "@apps-in-toss/bridge-core": format!("/{nm}/bridge-core/dist/index.js"),
        "@apps-in-toss/types": format!("/{nm}/types/dist/index.js"),
        "ait-checkout": "/pkg/index.js",
    }})
}

/// The page with the import map in place of the marker, and the map's text (the inline script the page's CSP
/// must allow by hash), if the page had the marker.
fn inject_import_map(html: &str, root: &Path) -> (String, Option<String>) {
    if !html.contains(IMPORT_MAP_MARKER) {
        return (html.to_string(), None);
    }
    let map = import_map(root).to_string();
    let tag = format!(r#"<script type="importmap">{map}</script>"#);
    (html.replacen(IMPORT_MAP_MARKER, &tag, 1), Some(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_prefixes_without_dot_dot() {
        assert_eq!(
            allowed_relative_path("/www/demo.js"),
            Some(PathBuf::from("www/demo.js"))
        );
        assert_eq!(allowed_relative_path("/www/"), Some(PathBuf::from("www")));
        assert!(allowed_relative_path("/pkg/index_bg.wasm").is_some());
        assert!(
            allowed_relative_path("/node_modules/@apps-in-toss/web-bridge/dist/index.js").is_some()
        );
        assert!(
            allowed_relative_path("/node_modules/%40apps-in-toss/types/dist/index.js").is_some()
        );
        assert!(allowed_relative_path("/scripts/lib/web-framework-entry.js").is_some());
        for bad in [
            "/scripts/lib/server.mjs",
            "/Cargo.toml",
            "/node_modules/other/index.js",
            "/www/../Cargo.toml",
            "/www/%2e%2e/Cargo.toml",
            "/www/..%2fCargo.toml",
            "/www/a\\b",
            "/ait-partner.sqlite",
        ] {
            assert_eq!(allowed_relative_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime_type(Path::new("x/index_bg.wasm")), "application/wasm");
        assert_eq!(
            mime_type(Path::new("a.JS")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            mime_type(Path::new("index.d.ts")),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn injects_the_import_map() {
        let (out, map) = inject_import_map(
            "<head><!-- import-map --></head>",
            Path::new("/nonexistent"),
        );
        let map = map.unwrap();
        assert!(
            out.contains(&format!(r#"<script type="importmap">{map}</script>"#)),
            "{out}"
        );
        assert_eq!(inject_import_map("<head></head>", Path::new("/x")).1, None);
        assert!(out.contains("/scripts/lib/web-framework-entry.js"));
        assert!(out.contains("\"ait-checkout\":\"/pkg/index.js\""));
    }
}
