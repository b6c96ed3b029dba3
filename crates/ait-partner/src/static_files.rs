//! Static files for the demo (`--static-root <repo root>`), served by tower-http's [`ServeDir`]: only `/www/`,
//! `/pkg/`, `/node_modules/@apps-in-toss/` and `/scripts/lib/web-framework-entry.js` are routed to it, and `/`
//! redirects to `/www/`. ServeDir refuses `..` (also percent-encoded), never lists a directory (a directory answers
//! its `index.html`), and answers conditional and range requests; a missing file is the contract's JSON 404.
//!
//! Two things ServeDir does not know are added over its replies ([`finish`]): the content types the demo needs, with
//! their charset ([`mime_type`], `application/wasm` included), and the SDK import map in HTML pages where they say
//! `<!-- import-map -->`, resolved the way `scripts/lib/import-map.mjs` does it (the full web-framework build when
//! installed, else the repo's entry). Every file gets the page Content-Security-Policy ([`PagePolicy`]); an HTML
//! page's policy also allows its inline import map by the map's SHA-256.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, get_service};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;
use crate::security_headers::PagePolicy;

const IMPORT_MAP_MARKER: &str = "<!-- import-map -->";

/// The largest HTML page read to inject the import map (the demo's pages are a few KB).
const MAX_PAGE_BYTES: usize = 4 << 20;

/// What [`finish`] needs: where the files are (for the import map) and the page policy.
struct Site {
    root: PathBuf,
    policy: PagePolicy,
}

/// The static routes over `root`, under the page policy `policy`.
pub fn router<S: Clone + Send + Sync + 'static>(root: PathBuf, policy: PagePolicy) -> Router<S> {
    let default_csp = policy.header(&[]);
    // One ServeDir over the root; the routes below decide which of its paths are reachable. GET and HEAD only:
    // other methods get the router's JSON 405.
    let files = get_service(
        ServeDir::new(&root)
            .append_index_html_on_directories(true)
            .not_found_service((|| async { AppError::not_found("no such file") }).into_service()),
    );
    let site = Arc::new(Site { root, policy });
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/www/") }))
        .route("/www", get(|| async { Redirect::temporary("/www/") }))
        .route("/www/", files.clone())
        .route("/www/{*path}", files.clone())
        .route("/pkg/{*path}", files.clone())
        .route("/node_modules/@apps-in-toss/{*path}", files.clone())
        .route("/scripts/lib/web-framework-entry.js", files)
        .layer(from_fn_with_state(site, finish))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            default_csp,
        ))
}

/// Over a file ServeDir found: the content type from [`mime_type`] (with charset) where it knows the extension, and
/// for an HTML page (GET, whole file) the import map in place of its marker with the CSP that allows it.
async fn finish(State(site): State<Arc<Site>>, req: Request, next: Next) -> Response {
    let whole_page_wanted = req.method() == Method::GET;
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if !res.status().is_success() {
        return res;
    }
    let file = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    let Some(mime) = known_mime_type(Path::new(&file)) else {
        return res;
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if !(mime.starts_with("text/html") && whole_page_wanted && res.status() == StatusCode::OK) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return AppError::internal("a page could not be read").into_response();
    };
    let (page, map) = inject_import_map(&String::from_utf8_lossy(&bytes), &site.root);
    let inline: Vec<&str> = map.as_deref().into_iter().collect();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_SECURITY_POLICY,
        site.policy.header(&inline),
    );
    Response::from_parts(parts, Body::from(page))
}

/// The content type for a file name (`application/octet-stream` when the extension is not one the demo uses).
pub fn mime_type(path: &Path) -> &'static str {
    known_mime_type(path).unwrap_or("application/octet-stream")
}

fn known_mime_type(path: &Path) -> Option<&'static str> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    Some(match ext.as_str() {
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
        _ => return None,
    })
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
    use tower::ServiceExt;

    /// A root with a served file, a page, and secrets next to them.
    fn site() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let write = |rel: &str, body: &str| {
            let p = root.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        };
        write("www/demo.js", "export {}");
        write("www/index.html", "<head><!-- import-map --></head>");
        write("pkg/index_bg.wasm", "\0asm");
        write("pkg/index.d.ts", "export {}");
        write("pkg/snippets/x.js", "export {}");
        write("node_modules/@apps-in-toss/types/dist/index.js", "export {}");
        write("scripts/lib/web-framework-entry.js", "export {}");
        write("scripts/lib/server.mjs", "secret");
        write("node_modules/other/index.js", "secret");
        write("Cargo.toml", "secret");
        root
    }

    async fn get(root: &Path, method: Method, path: &str) -> Response {
        router::<()>(root.to_path_buf(), PagePolicy::default())
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn only_the_listed_prefixes_without_dot_dot() {
        let root = site();
        for (path, mime) in [
            ("/www/demo.js", "text/javascript; charset=utf-8"),
            ("/www/", "text/html; charset=utf-8"),
            ("/pkg/index_bg.wasm", "application/wasm"),
            ("/pkg/index.d.ts", "text/plain; charset=utf-8"),
            ("/node_modules/@apps-in-toss/types/dist/index.js", "text/javascript; charset=utf-8"),
            ("/scripts/lib/web-framework-entry.js", "text/javascript; charset=utf-8"),
        ] {
            let r = get(root.path(), Method::GET, path).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(r.headers()[header::CONTENT_TYPE], mime, "{path}");
        }
        for bad in [
            "/scripts/lib/server.mjs",
            "/Cargo.toml",
            "/node_modules/other/index.js",
            "/www/../Cargo.toml",
            "/www/%2e%2e/Cargo.toml",
            "/www/..%2fCargo.toml",
            "/www/%2e%2e%2fCargo.toml",
            "/pkg/%00",
            "/ait-partner.sqlite",
        ] {
            let r = get(root.path(), Method::GET, bad).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
            let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
            assert!(!String::from_utf8_lossy(&body).contains("secret"), "{bad}");
        }
    }

    #[tokio::test]
    async fn no_directory_listing_and_no_other_methods() {
        let root = site();
        // A directory without index.html: no listing, the JSON 404.
        let r = get(root.path(), Method::GET, "/pkg/snippets/").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("x.js"));
        let r = get(root.path(), Method::POST, "/www/demo.js").await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        let r = get(root.path(), Method::HEAD, "/www/demo.js").await;
        assert_eq!(r.status(), StatusCode::OK);
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
