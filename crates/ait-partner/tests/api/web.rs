//! The HTTP surface around the contract: CORS with credentials, the prefix, static files, the sandbox
//! descriptor.

use ait_partner::config::Config;
use ait_partner::{SandboxInfo, Server, StartOptions};
use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn cors_allows_the_configured_origins_with_credentials() {
    let env = Env::with(|c| c.allowed_origins = vec!["https://mini.example".into()]).await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, env.url("/tosspay/payments"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,idempotency-key",
            )
            .send()
    };
    let ok = preflight("https://mini.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://mini.example"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

/// A server with static files over a small fake repo and a sandbox descriptor.
async fn web_server(env: &Env) -> (Server, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let write = |rel: &str, body: &[u8]| {
        let p = root.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    write("www/index.html", b"<head><!-- import-map --></head>");
    write("www/demo.js", b"export {}");
    write("pkg/index_bg.wasm", b"\0asm\x01\0\0\0");
    write(
        "node_modules/@apps-in-toss/web-bridge/dist/index.js",
        b"export {}",
    );
    write("node_modules/other/index.js", b"secret");
    write("scripts/lib/web-framework-entry.js", b"export {}");
    write("scripts/lib/server.mjs", b"secret");
    write("Cargo.toml", b"secret");
    let mut config: Config = env.config.clone();
    config.database = env.dir.path().join("web.sqlite").into();
    let server = Server::start(
        config,
        StartOptions {
            static_root: Some(root.path().to_path_buf()),
            sandbox: Some(SandboxInfo {
                control_url: env.sandbox.control_url(),
                user_key: "10001".into(),
            }),
        },
    )
    .await
    .unwrap();
    (server, root)
}

#[tokio::test]
async fn static_files_only_under_the_listed_prefixes() {
    let env = Env::new().await;
    let (server, _root) = web_server(&env).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| client.get(format!("{}{path}", server.url())).send();

    let r = get("/").await.unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/www/");

    let r = get("/www/").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<script type="importmap">"#), "{html}");
    assert!(
        html.contains("/scripts/lib/web-framework-entry.js"),
        "{html}"
    );

    for (path, mime) in [
        ("/www/demo.js", "text/javascript; charset=utf-8"),
        ("/pkg/index_bg.wasm", "application/wasm"),
        (
            "/node_modules/@apps-in-toss/web-bridge/dist/index.js",
            "text/javascript; charset=utf-8",
        ),
        (
            "/scripts/lib/web-framework-entry.js",
            "text/javascript; charset=utf-8",
        ),
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["content-type"], mime, "{path}");
    }
    for path in [
        "/Cargo.toml",
        "/scripts/lib/server.mjs",
        "/node_modules/other/index.js",
        "/www/../Cargo.toml",
        "/www/%2e%2e/Cargo.toml",
        "/pkg/missing.js",
        "/web.sqlite",
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn the_sandbox_descriptor_is_open_to_the_allowed_origins_only() {
    let env = Env::with(|c| c.allowed_origins = vec!["http://localhost:5173".into()]).await;
    let (server, _root) = web_server(&env).await;
    let get = |origin: &'static str| {
        reqwest::Client::new()
            .get(format!("{}/dev/sandbox.json", server.url()))
            .header("origin", origin)
            .send()
    };
    let foreign = get("http://evil.example").await.unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        foreign.headers()
    );
    let r = get("http://localhost:5173").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["controlUrl"], env.sandbox.control_url());
    assert_eq!(v["userKey"], "10001");
    // The control URL really is the sandbox's control API.
    let health: serde_json::Value =
        reqwest::get(format!("{}/health", v["controlUrl"].as_str().unwrap()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(health["ok"], true);
    // Without sandbox mode there is no descriptor.
    let r = reqwest::get(format!("{}/dev/sandbox.json", env.server().url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}
