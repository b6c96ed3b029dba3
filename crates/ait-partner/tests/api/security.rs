//! The security rules of the HTTP surface (issue 8 §1 "State changes from any origin", "Also seen", and the
//! server-side rules of §5), one test per rule. Each would fail without its fix.

use std::time::Duration;

use ait_partner::config::{Config, Secret, SecureCookie};
use ait_partner::{Server, StartOptions};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

const ORDER: &str = r#"{"items":[{"sku":"beans_200g","quantity":1}]}"#;

/// Every call that changes state, with a valid JSON body.
fn state_changes(code: &str, order_no: &str, order_id: &str) -> Vec<(String, Value)> {
    vec![
        (
            "/login".into(),
            json!({"authorizationCode": code, "referrer": "DEFAULT"}),
        ),
        ("/logout".into(), json!({})),
        (
            "/tosspay/payments".into(),
            json!({"order": serde_json::from_str::<Value>(ORDER).unwrap(), "idempotencyKey": "evil-1"}),
        ),
        (format!("/tosspay/payments/{order_no}/execute"), json!({})),
        (
            format!("/tosspay/payments/{order_no}/refund"),
            json!({"reason": "고객요청"}),
        ),
        (
            "/iap/grants".into(),
            json!({"orderId": order_id, "sku": "gem_100"}),
        ),
        ("/iap/sync".into(), json!({"orders": []})),
    ]
}

/// What a refused request must not have changed: Toss calls made, and the partner's rows.
fn snapshot(env: &Env) -> (Value, Vec<i64>, String) {
    let calls = env.ctl().dump()["stats"]["calls"].clone();
    let counts = [
        "SELECT COUNT(*) FROM sessions",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM payments",
        "SELECT COUNT(*) FROM payment_events",
        "SELECT COUNT(*) FROM grants",
    ]
    .iter()
    .map(|q| env.count(q))
    .collect();
    let concat = if crate::common::on_postgres() { "STRING_AGG" } else { "GROUP_CONCAT" };
    let states: String = env.scalar(
        &format!("SELECT COALESCE({concat}(order_no || ':' || state, ','), '') FROM payments"),
        None,
    );
    (calls, counts, states)
}

/// A logged-in user with an approved (not yet executed) payment and a paid IAP order waiting for its grant.
async fn user_with_things_to_change(env: &Env) -> (Browser, String, String) {
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k-1").await;
    env.approve(&p["payToken"]);
    let order_id = env.paid_order(USER, "gem_100");
    (b, p["orderNo"].as_str().unwrap().to_string(), order_id)
}

/// A raw request through the browser (its cookie jar), with the given headers and body text.
async fn raw(
    b: &Browser,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = b
        .http
        .request(method, format!("{}{path}", b.base))
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let headers = r.headers().clone();
    let (s, v) = read(r).await;
    (s, v, headers)
}

// ------------------------------------------------------------------------------------------------ origins

#[tokio::test]
async fn a_cors_simple_execute_from_a_foreign_origin_is_refused_and_nothing_is_executed() {
    // The review's reproduction: text/plain (no preflight), a foreign Origin, the session cookie.
    let env = Env::new().await;
    let (b, order_no, _) = user_with_things_to_change(&env).await;
    let got = raw(
        &b,
        reqwest::Method::POST,
        &format!("/tosspay/payments/{order_no}/execute"),
        &[
            ("content-type", "text/plain"),
            ("origin", "http://evil.example"),
        ],
        "",
    )
    .await;
    assert_error(&(got.0, got.1), 403, "FORBIDDEN_ORIGIN", false);
    assert_eq!(env.ctl().calls("execute-payment"), 0);
    assert_eq!(env.payment_state(&order_no), "CREATED");
    // The same without the Origin is still refused: not JSON.
    let got = raw(
        &b,
        reqwest::Method::POST,
        &format!("/tosspay/payments/{order_no}/execute"),
        &[("content-type", "text/plain")],
        "{}",
    )
    .await;
    assert_error(&(got.0, got.1), 415, "UNSUPPORTED_MEDIA_TYPE", false);
    assert_eq!(env.ctl().calls("execute-payment"), 0);
    // The page's own request goes through.
    let (s, receipt) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_eq!(env.ctl().calls("execute-payment"), 1);
}

#[tokio::test]
async fn every_state_change_refuses_a_foreign_origin_before_anything_changes() {
    let env = Env::new().await;
    let (b, order_no, order_id) = user_with_things_to_change(&env).await;
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let before = snapshot(&env);
    for origin in [
        "http://evil.example",
        "null",
        "http://127.0.0.1:1",
        "https://sub.127.0.0.1",
    ] {
        for (path, body) in state_changes(&code, &order_no, &order_id) {
            let got = raw(
                &b,
                reqwest::Method::POST,
                &path,
                &[("content-type", "application/json"), ("origin", origin)],
                &body.to_string(),
            )
            .await;
            assert_error(&(got.0, got.1), 403, "FORBIDDEN_ORIGIN", false);
        }
    }
    assert_eq!(snapshot(&env), before, "no Toss call, no row changed");
}

#[tokio::test]
async fn cross_site_requests_are_refused_even_with_the_own_origin() {
    let env = Env::new().await;
    let (b, order_no, order_id) = user_with_things_to_change(&env).await;
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let own = env.server().url();
    let before = snapshot(&env);
    for (path, body) in state_changes(&code, &order_no, &order_id) {
        for origin in [None, Some(own.as_str())] {
            let mut headers = vec![
                ("content-type", "application/json"),
                ("sec-fetch-site", "cross-site"),
            ];
            headers.extend(origin.map(|o| ("origin", o)));
            let got = raw(
                &b,
                reqwest::Method::POST,
                &path,
                &headers,
                &body.to_string(),
            )
            .await;
            assert_error(&(got.0, got.1), 403, "FORBIDDEN_ORIGIN", false);
        }
    }
    assert_eq!(snapshot(&env), before);
}

#[tokio::test]
async fn non_json_state_changes_are_refused_with_415() {
    let env = Env::new().await;
    let (b, order_no, order_id) = user_with_things_to_change(&env).await;
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let before = snapshot(&env);
    for (path, body) in state_changes(&code, &order_no, &order_id) {
        for content_type in [
            Some("text/plain"),
            Some("text/plain;charset=UTF-8"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let headers: Vec<(&str, &str)> = content_type
                .map(|c| ("content-type", c))
                .into_iter()
                .collect();
            let got = raw(
                &b,
                reqwest::Method::POST,
                &path,
                &headers,
                &body.to_string(),
            )
            .await;
            assert_error(&(got.0, got.1), 415, "UNSUPPORTED_MEDIA_TYPE", false);
        }
    }
    assert_eq!(snapshot(&env), before);
}

#[tokio::test]
async fn the_own_origin_the_configured_ones_and_origin_less_clients_may_change_state() {
    let env = Env::with(|c| {
        c.allowed_origins = vec!["https://mini.example".into()];
        // The cookie keeps its plain name behind the "proxy" below (this test is about origins).
        c.secure_cookie = SecureCookie::Never;
    })
    .await;
    let b = env.logged_in(USER).await;
    let own = env.server().url();
    let host = own.trim_start_matches("http://").to_string();
    let https_own = format!("https://{host}");
    let create = |key: &str| {
        json!({"order": serde_json::from_str::<Value>(ORDER).unwrap(), "idempotencyKey": key})
            .to_string()
    };
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "own",
            vec![("origin", own.as_str()), ("sec-fetch-site", "same-origin")],
        ),
        (
            "configured",
            vec![
                ("origin", "https://mini.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
        // Behind a TLS proxy the page's origin is https://<host>.
        (
            "proxied",
            vec![
                ("origin", https_own.as_str()),
                ("x-forwarded-proto", "https"),
            ],
        ),
        ("no origin", vec![]),
    ];
    for (i, (what, mut headers)) in cases.into_iter().enumerate() {
        headers.push(("content-type", "application/json; charset=utf-8"));
        let got = raw(
            &b,
            reqwest::Method::POST,
            "/tosspay/payments",
            &headers,
            &create(&format!("k-{i}")),
        )
        .await;
        assert_eq!(got.0, StatusCode::OK, "{what}: {}", got.1);
    }
    // The proxied origin is only the server's own when the proxy says https.
    let got = raw(
        &b,
        reqwest::Method::POST,
        "/tosspay/payments",
        &[
            ("origin", https_own.as_str()),
            ("content-type", "application/json"),
        ],
        &create("k-x"),
    )
    .await;
    assert_error(&(got.0, got.1), 403, "FORBIDDEN_ORIGIN", false);
    assert_eq!(env.ctl().calls("make-payment"), 4);
}

// ------------------------------------------------------------------------------------------------ errors

#[tokio::test]
async fn errors_are_always_the_contract_json() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let json_ct = [("content-type", "application/json")];
    // An undecodable path segment.
    for path in [
        "/tosspay/payments/%FF/execute",
        "/tosspay/payments/%FF",
        "/tosspay/payments/%FF/refund",
    ] {
        let method = if path.ends_with("%FF") {
            reqwest::Method::GET
        } else {
            reqwest::Method::POST
        };
        let got = raw(&b, method, path, &json_ct, "{}").await;
        assert_error(&(got.0, got.1.clone()), 400, "INVALID_ARGUMENT", false);
        assert!(
            got.2["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
    }
    // A wrong method.
    for (method, path) in [
        (reqwest::Method::GET, "/login"),
        (reqwest::Method::GET, "/tosspay/payments/ait-1-00/execute"),
        (reqwest::Method::DELETE, "/iap/grants"),
        (reqwest::Method::POST, "/iap/entitlements"),
    ] {
        let got = raw(&b, method.clone(), path, &json_ct, "{}").await;
        assert_error(&(got.0, got.1), 405, "METHOD_NOT_ALLOWED", false);
    }
    // Unknown routes, under the prefix and outside it.
    assert_error(&b.get("/nope").await, 404, "NOT_FOUND", false);
    let r = reqwest::get(format!("{}/nope", env.server().url()))
        .await
        .unwrap();
    assert_error(&read(r).await, 404, "NOT_FOUND", false);
    // A body that is not JSON at all, declared JSON.
    let got = raw(&b, reqwest::Method::POST, "/logout", &json_ct, "not json").await;
    assert_error(&(got.0, got.1), 400, "INVALID_ARGUMENT", false);
}

/// A TCP port that accepts connections and closes them at once (a TLS peer that hangs up).
async fn hang_up_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            drop(s);
        }
    });
    port
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn toss_transport_errors_never_reach_the_page() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k-1").await;
    env.approve(&p["payToken"]);
    let order_no = p["orderNo"].as_str().unwrap().to_string();
    let code = env.ctl().issue_login_code(USER, None).authorization_code;

    for port in [closed_port(), hang_up_port().await] {
        // A second server on the same database (and token key) whose Toss cannot be reached.
        let mut config: Config = env.config.clone();
        let dead = format!("https://127.0.0.1:{port}");
        config.toss.api_base_url = dead.clone();
        config.toss.pay_base_url = dead.clone();
        config.toss.billing_base_url = dead;
        let server = Server::start(config, StartOptions::default())
            .await
            .unwrap();
        let there = Browser {
            http: b.http.clone(), // the same cookie jar: the session is the same
            base: server.api_url(),
        };
        let replies = vec![
            there.post("/login", json!({"authorizationCode": code, "referrer": "DEFAULT"})).await,
            there.post("/tosspay/payments", json!({"order": serde_json::from_str::<Value>(ORDER).unwrap(), "idempotencyKey": "k-2"})).await,
            there.post(&format!("/tosspay/payments/{order_no}/execute"), json!({})).await,
            there.get(&format!("/tosspay/payments/{order_no}")).await,
            there.post("/iap/grants", json!({"orderId": "0190a0b0-0000-7000-8000-000000000001", "sku": "gem_100"})).await,
        ];
        // Each reply is JSON (an error, or a status answered from the store), and none carries transport text.
        for (_, body) in &replies {
            assert!(body.is_object() || body.is_array(), "{body}");
            let text = body.to_string().to_lowercase();
            for leak in [
                "os error",
                "connection refused",
                "tcp connect",
                "error trying to connect",
                "close_notify",
                "peer closed",
                "unexpected eof",
                "127.0.0.1",
            ] {
                assert!(!text.contains(leak), "{leak:?} reached the page: {body}");
            }
        }
        assert_error(&replies[0], 503, "TOSS_UNREACHABLE", true);
        assert!(
            replies.iter().filter(|r| r.0.is_server_error()).count() >= 3,
            "the Toss calls failed: {replies:?}"
        );
        server.shutdown().await;
    }
}

// ------------------------------------------------------------------------------------------------ headers

fn assert_common_headers(h: &reqwest::header::HeaderMap, what: &str) {
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        h.get("referrer-policy").map(|v| v.to_str().unwrap()),
        Some("no-referrer"),
        "{what}"
    );
    let csp = h
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp:?}");
}

#[tokio::test]
async fn security_headers_are_on_every_reply() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    // The API: success, error, 404, 405, refused, preflight.
    let replies = [
        (
            "entitlements",
            b.http
                .get(env.url("/iap/entitlements"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "401",
            reqwest::get(env.url("/iap/entitlements")).await.unwrap(),
        ),
        ("404", b.http.get(env.url("/nope")).send().await.unwrap()),
        ("405", b.http.get(env.url("/login")).send().await.unwrap()),
        (
            "415",
            b.http
                .post(env.url("/logout"))
                .body("x")
                .send()
                .await
                .unwrap(),
        ),
        (
            "preflight",
            b.http
                .request(reqwest::Method::OPTIONS, env.url("/login"))
                .header("origin", "http://evil.example")
                .header("access-control-request-method", "POST")
                .send()
                .await
                .unwrap(),
        ),
    ];
    for (what, r) in &replies {
        assert_common_headers(r.headers(), what);
        assert_eq!(r.headers()["cache-control"], "no-store", "{what}");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'"),
            "{what}"
        );
    }

    // Static files: the page policy, with the inline import map allowed by its hash, and nothing inline else.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("www")).unwrap();
    std::fs::write(
        root.path().join("www/index.html"),
        "<head><!-- import-map --><script type=\"module\" src=\"/www/demo.js\"></script></head>",
    )
    .unwrap();
    std::fs::write(root.path().join("www/demo.js"), "export {}").unwrap();
    let mut config = env.config.clone();
    config.database = env.dir.path().join("static.sqlite").into();
    let server = Server::start(
        config,
        StartOptions {
            static_root: Some(root.path().to_path_buf()),
            sandbox: Some(ait_partner::SandboxInfo {
                control_url: env.sandbox.control_url(),
                user_key: "10001".into(),
            }),
        },
    )
    .await
    .unwrap();
    let r = reqwest::get(format!("{}/www/", server.url()))
        .await
        .unwrap();
    let h = r.headers().clone();
    let html = r.text().await.unwrap();
    assert_common_headers(&h, "html");
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    let map = html
        .split("<script type=\"importmap\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the import map is inline");
    let digest = ring::digest::digest(&ring::digest::SHA256, map.as_bytes());
    use base64::Engine;
    let hash = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    );
    assert!(
        csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {hash}")),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("connect-src 'self' {}", env.sandbox.control_url())),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains(" 'unsafe-eval'"),
        "{csp}"
    );
    for path in ["/www/demo.js", "/www/missing.js", "/dev/sandbox.json"] {
        let r = reqwest::get(format!("{}{path}", server.url()))
            .await
            .unwrap();
        assert_common_headers(r.headers(), path);
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------------------ rate limits

#[tokio::test]
async fn logins_are_rate_limited_per_client_ip() {
    const BURST: u32 = 5;
    let env = Env::with(|c| {
        c.rate_limit.login_burst = BURST;
        c.rate_limit.login_per_minute = 1;
    })
    .await;
    let b = env.browser();
    let mut limited = 0;
    for i in 0..30 {
        let r = b
            .http
            .post(env.url("/login"))
            .json(&json!({"authorizationCode": format!("bad-{i}"), "referrer": "DEFAULT"}))
            .send()
            .await
            .unwrap();
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let got = read(r).await;
        if got.0 == StatusCode::TOO_MANY_REQUESTS {
            assert_error(&got, 429, "RATE_LIMITED", true);
            let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
            assert!(secs >= 1);
            limited += 1;
        } else {
            assert_error(&got, 401, "UNAUTHENTICATED", false);
        }
    }
    assert!(
        limited >= 30 - BURST as usize - 1,
        "{limited} of 30 limited"
    );
    // At most the burst (and one refill, were the loop slow) reached Toss.
    assert!(
        env.ctl().calls("generate-token") <= u64::from(BURST) + 1,
        "{}",
        env.ctl().calls("generate-token")
    );
}

#[tokio::test]
async fn calls_that_reach_toss_are_rate_limited_per_user() {
    const BURST: u32 = 4;
    let env = Env::with(|c| {
        c.rate_limit.toss_burst = BURST;
        c.rate_limit.toss_per_minute = 1;
    })
    .await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k-1").await; // 1
    let path = format!("/tosspay/payments/{}", p["orderNo"].as_str().unwrap());
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(b.get(&path).await);
    }
    let limited: Vec<_> = statuses
        .iter()
        .filter(|s| s.0 == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(limited.len() >= 10 - BURST as usize, "{statuses:?}");
    for got in limited {
        assert_error(got, 429, "RATE_LIMITED", true);
    }
    let grants_before = env.ctl().calls("order/get-order-status");
    let got = b
        .post(
            "/iap/grants",
            json!({"orderId": env.paid_order(USER, "gem_100"), "sku": "gem_100"}),
        )
        .await;
    assert_error(&got, 429, "RATE_LIMITED", true);
    assert_eq!(
        env.ctl().calls("order/get-order-status"),
        grants_before,
        "not forwarded to Toss"
    );
    // Another user has a limit of their own; reading entitlements reaches no Toss and is not limited.
    let other = env.logged_in(OTHER_USER).await;
    assert_eq!(env.create_payment(&other, "k-1").await["amount"], 12000);
    assert_eq!(b.get("/iap/entitlements").await.0, StatusCode::OK);
}

#[tokio::test]
async fn one_sync_cannot_spend_more_toss_calls_than_the_users_limit() {
    const BURST: u32 = 3;
    let env = Env::with(|c| {
        c.rate_limit.toss_burst = 100;
        c.rate_limit.toss_per_minute = 1;
    })
    .await;
    let b = env.logged_in(USER).await;
    let mut orders = Vec::new();
    for _ in 0..10 {
        let id = env.paid_order(USER, "gem_100");
        assert_eq!(b.post("/iap/grants", json!({"orderId": id, "sku": "gem_100"})).await.0, StatusCode::OK);
        orders.push(json!({"orderId": id, "sku": "gem_100", "status": "COMPLETED"}));
    }
    // A fresh server on the same database with a small limit: one sync listing 10 orders.
    let mut env = env;
    env.config.rate_limit.toss_burst = BURST;
    env.restart().await;
    let b = env.logged_in(USER).await;
    let before = env.ctl().calls("order/get-order-status");
    let (s, r) = b.post("/iap/sync", json!({"orders": orders})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let made = env.ctl().calls("order/get-order-status") - before;
    assert!(made <= u64::from(BURST), "one sync made {made} Toss calls with a burst of {BURST}");
}

// ------------------------------------------------------------------------------------------------ timeouts

#[tokio::test]
async fn half_sent_requests_are_dropped() {
    let env = Env::with(|c| c.header_read_timeout_ms = 300).await;
    let mut tcp = tokio::net::TcpStream::connect(env.server().addr)
        .await
        .unwrap();
    tcp.write_all(b"POST /api/ait/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        .await
        .unwrap();
    // The server closes the connection (a bound on the wait keeps a broken server from hanging the test).
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(60), tcp.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the half-sent request is still held");
    // A whole request on a new connection is served.
    assert_eq!(
        env.browser().get("/iap/entitlements").await.0,
        StatusCode::UNAUTHORIZED
    );
}

// ------------------------------------------------------------------------------------------------ sessions

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()["set-cookie"].to_str().unwrap().to_string()
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_string()
}

#[tokio::test]
async fn logout_ends_the_session() {
    let env = Env::new().await;
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let client = reqwest::Client::new();
    let r = client
        .post(env.url("/login"))
        .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}))
        .send()
        .await
        .unwrap();
    let stolen = cookie_pair(&set_cookie(&r));
    let with = |path: &str| client.get(env.url(path)).header("cookie", stolen.clone());
    assert_eq!(
        with("/iap/entitlements").send().await.unwrap().status(),
        StatusCode::OK
    );

    let r = client
        .post(env.url("/logout"))
        .header("cookie", stolen.clone())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let cleared = set_cookie(&r);
    let (s, body) = read(r).await;
    assert_eq!((s, body), (StatusCode::OK, json!({"loggedOut": true})));
    assert!(cleared.starts_with("ait_session=;"), "{cleared}");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("HttpOnly"),
        "{cleared}"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM sessions"), 0);
    // The old cookie (a copy of it, say) is dead.
    assert_error(
        &read(with("/iap/entitlements").send().await.unwrap()).await,
        401,
        "UNAUTHENTICATED",
        false,
    );
    // Logging out again is harmless.
    let again = client
        .post(env.url("/logout"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(again).await,
        (StatusCode::OK, json!({"loggedOut": true}))
    );
}

#[tokio::test]
async fn over_plain_http_the_cookie_is_httponly_lax_and_scoped_to_the_api() {
    let env = Env::with(|c| c.secure_cookie = SecureCookie::Never).await;
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let r = reqwest::Client::new()
        .post(env.url("/login"))
        .header("x-forwarded-proto", "https") // ignored: the configuration says never
        .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}))
        .send()
        .await
        .unwrap();
    let c = set_cookie(&r);
    let attrs: Vec<&str> = c.split(';').map(str::trim).collect();
    assert!(
        attrs[0].starts_with("ait_session=") && attrs[0].len() == "ait_session=".len() + 64,
        "{c}"
    );
    for want in ["HttpOnly", "SameSite=Lax", "Path=/api/ait"] {
        assert!(attrs.contains(&want), "{want}: {c}");
    }
    assert!(!attrs.contains(&"Secure") && !c.contains("Domain"), "{c}");
}

#[tokio::test]
async fn over_https_the_cookie_is_host_prefixed_secure_httponly_and_lax() {
    for (mode, proxy) in [
        (SecureCookie::Always, None),
        (SecureCookie::Auto, Some("https")),
    ] {
        let env = Env::with(|c| c.secure_cookie = mode).await;
        let code = env.ctl().issue_login_code(USER, None).authorization_code;
        let mut req = reqwest::Client::new()
            .post(env.url("/login"))
            .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}));
        if let Some(p) = proxy {
            req = req.header("x-forwarded-proto", p);
        }
        let c = set_cookie(&req.send().await.unwrap());
        let attrs: Vec<&str> = c.split(';').map(str::trim).collect();
        assert!(attrs[0].starts_with("__Host-ait_session="), "{c}");
        for want in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(attrs.contains(&want), "{mode:?} {want}: {c}");
        }
        assert!(!c.contains("Domain"), "{c}");
    }
}

#[tokio::test]
async fn only_the_cookie_of_the_transport_is_read() {
    let env = Env::with(|c| c.secure_cookie = SecureCookie::Auto).await;
    let client = reqwest::Client::new();
    let login = |https: bool| {
        let code = env.ctl().issue_login_code(USER, None).authorization_code;
        let mut req = client
            .post(env.url("/login"))
            .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}));
        if https {
            req = req.header("x-forwarded-proto", "https");
        }
        req.send()
    };
    let secure = cookie_pair(&set_cookie(&login(true).await.unwrap()));
    let plain = cookie_pair(&set_cookie(&login(false).await.unwrap()));
    let secure_id = secure.trim_start_matches("__Host-ait_session=").to_string();
    let plain_id = plain.trim_start_matches("ait_session=").to_string();
    let status = |cookie: String, https: bool| {
        let mut req = client
            .get(env.url("/iap/entitlements"))
            .header("cookie", cookie);
        if https {
            req = req.header("x-forwarded-proto", "https");
        }
        async move { req.send().await.unwrap().status() }
    };
    // Over https only __Host-ait_session counts: a plain cookie (which a sibling subdomain could plant) is ignored,
    // even carrying a valid session, and does not shadow the real one.
    assert_eq!(
        status(format!("ait_session={plain_id}"), true).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(format!("ait_session={plain_id}; {secure}"), true).await,
        StatusCode::OK
    );
    assert_eq!(
        status(format!("ait_session=planted; {secure}"), true).await,
        StatusCode::OK
    );
    // Over http only ait_session counts.
    assert_eq!(
        status(format!("__Host-ait_session={secure_id}"), false).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(status(plain, false).await, StatusCode::OK);
}

// ------------------------------------------------------------------------------------------------ tokens at rest

#[tokio::test]
async fn toss_tokens_are_sealed_at_rest_and_a_database_copy_alone_is_useless() {
    if crate::common::on_postgres() {
        eprintln!("skipped on PostgreSQL: copies the SQLite file");
        return;
    }
    let mut env = Env::new().await;
    let client = reqwest::Client::new();
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let r = client
        .post(env.url("/login"))
        .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}))
        .send()
        .await
        .unwrap();
    let cookie = cookie_pair(&set_cookie(&r));
    let state = env.ctl().dump()["state"].clone();
    let issued: Vec<String> = ["accessTokens", "refreshTokens"]
        .iter()
        .flat_map(|k| {
            state[*k]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(issued.len(), 2, "{state}");
    let (access, refresh): (String, String) = env
        .sql()
        .query_row(
            "SELECT access_token, refresh_token FROM users WHERE user_key = ?1",
            [USER],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    for stored in [&access, &refresh] {
        assert!(stored.starts_with("v1."), "{stored}");
        for token in &issued {
            assert!(
                !stored.contains(token.as_str()),
                "a token is stored in plaintext"
            );
        }
    }
    // The key lives next to the database, readable by its owner only.
    let key_file = env.dir.path().join("partner.sqlite.token-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let key = std::fs::read_to_string(&key_file).unwrap();

    // Copies of the database whose access tokens expired: only with the key does the session renew at Toss.
    if let Some(s) = env.server.take() {
        s.shutdown().await;
    }
    let copy = |name: &str| {
        let to = env.dir.path().join(name);
        // A copy as an operator takes one (docs/DEPLOY.md): the file alone misses what its WAL holds.
        rusqlite::Connection::open(env.db_path())
            .unwrap()
            .execute("VACUUM INTO ?1", [to.to_string_lossy()])
            .unwrap();
        let c = rusqlite::Connection::open(&to).unwrap();
        c.execute("UPDATE users SET access_expires_at = 0", [])
            .unwrap();
        to
    };
    let serve_copy = |db, key: String| {
        let mut config = env.config.clone();
        config.database = ait_partner::db::DatabaseUrl::Sqlite(db);
        config.token_key = Some(Secret(key));
        Server::start(config, StartOptions::default())
    };
    let stolen = serve_copy(copy("stolen.sqlite"), "11".repeat(32))
        .await
        .unwrap();
    let r = client
        .get(format!("{}/iap/entitlements", stolen.api_url()))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap();
    assert_error(&read(r).await, 401, "UNAUTHENTICATED", false);
    assert_eq!(
        env.ctl().calls("refresh-token"),
        0,
        "nothing usable was sent to Toss"
    );
    stolen.shutdown().await;

    let restored = serve_copy(copy("restored.sqlite"), key).await.unwrap();
    let r = client
        .get(format!("{}/iap/entitlements", restored.api_url()))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(env.ctl().calls("refresh-token"), 1);
    restored.shutdown().await;
}

#[tokio::test]
async fn plaintext_tokens_from_before_are_dropped_by_the_migration() {
    if crate::common::on_postgres() {
        eprintln!("skipped on PostgreSQL: a SQLite migration");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    ait_partner::db::Db::connect(&path.clone().into()).await.unwrap().close().await;
    {
        // A database as version 3 left it: a user with plaintext tokens and a session.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "INSERT INTO users (user_key, access_token, refresh_token, access_expires_at, created_at, updated_at)
               VALUES (1001, 'plain-access', 'plain-refresh', 0, 0, 0);
             INSERT INTO sessions (id, user_key, created_at, expires_at) VALUES ('s', 1001, 0, 99999999999);
             DELETE FROM _sqlx_migrations WHERE version >= 4; DROP TABLE IF EXISTS leases;
             DROP INDEX grants_provisional_by_order; CREATE INDEX grants_provisional ON grants (provisional, revoked_at);
             DROP INDEX payments_unsettled_by_order; CREATE INDEX payments_state ON payments (state);
             ALTER TABLE payments DROP COLUMN claim_holder; ALTER TABLE payments DROP COLUMN claim_until;",
        )
        .unwrap();
    }
    ait_partner::db::Db::connect(&path.clone().into()).await.unwrap().close().await;
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM users WHERE access_token LIKE 'plain%' OR refresh_token LIKE 'plain%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    let sessions: i64 = c
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sessions, 0);
}

// ------------------------------------------------------------------------------------------------ refunds

#[tokio::test]
async fn page_refunds_are_off_by_default() {
    assert!(!Config::embedded().page_refunds && !Config::default().page_refunds);
    let env = Env::with(|c| c.page_refunds = false).await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k-1").await;
    env.approve(&p["payToken"]);
    let order_no = p["orderNo"].as_str().unwrap();
    let (s, receipt) = b
        .post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    let events = env.count("SELECT COUNT(*) FROM payment_events");
    let got = b
        .post(
            &format!("/tosspay/payments/{order_no}/refund"),
            json!({"reason": "고객요청"}),
        )
        .await;
    assert_error(&got, 403, "REFUNDS_DISABLED", false);
    assert_eq!(env.ctl().calls("refund-payment"), 0);
    assert_eq!(env.payment_state(order_no), "PAID");
    assert_eq!(env.count("SELECT COUNT(*) FROM payment_events"), events);
}

// ------------------------------------------------------------------------------------------------ trust

#[tokio::test]
async fn amounts_prices_order_numbers_and_user_keys_from_the_page_are_ignored() {
    if crate::common::on_postgres() {
        eprintln!("skipped on PostgreSQL: reads the SQLite file");
        return;
    }
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let (s, p) = b
        .post(
            "/tosspay/payments",
            json!({
                "order": {"items": [{"sku": "beans_200g", "quantity": 1, "price": 1, "amount": 1}], "amount": 1},
                "idempotencyKey": "k-1",
                "amount": 1,
                "price": 1,
                "userKey": OTHER_USER,
                "orderNo": "ait-1-0000000000000000",
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["amount"], 12000);
    assert_ne!(p["orderNo"], "ait-1-0000000000000000");
    let at_toss = env.ctl().payment(p["payToken"].as_str().unwrap()).unwrap();
    assert_eq!(at_toss["amount"], 12000);
    assert_eq!(at_toss["userKey"], USER.to_string());
    let owner: i64 = env
        .sql()
        .query_row(
            "SELECT user_key FROM payments WHERE order_no = ?1",
            [p["orderNo"].as_str().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(owner, USER);
    // A grant's user is the session's too.
    let theirs = env.paid_order(OTHER_USER, "gem_100");
    let got = b
        .post(
            "/iap/grants",
            json!({"orderId": theirs, "sku": "gem_100", "userKey": OTHER_USER}),
        )
        .await;
    assert_error(&got, 404, "NOT_FOUND", false);
}

#[tokio::test]
async fn a_user_cannot_read_execute_refund_or_grant_another_users_payments_and_orders() {
    let env = Env::new().await;
    let owner = env.logged_in(USER).await;
    let thief = env.logged_in(OTHER_USER).await;
    let p = env.create_payment(&owner, "k-1").await;
    env.approve(&p["payToken"]);
    let order_no = p["orderNo"].as_str().unwrap();
    let order_id = env.paid_order(USER, "gem_100");
    let path = format!("/tosspay/payments/{order_no}");
    for got in [
        thief.get(&path).await,
        thief.post(&format!("{path}/execute"), json!({})).await,
        thief
            .post(&format!("{path}/refund"), json!({"reason": "고객요청"}))
            .await,
        thief
            .post(
                "/iap/grants",
                json!({"orderId": order_id, "sku": "gem_100"}),
            )
            .await,
    ] {
        assert_error(&got, 404, "NOT_FOUND", false);
    }
    assert_eq!(env.ctl().calls("execute-payment"), 0);
    assert_eq!(env.ctl().calls("refund-payment"), 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM grants"), 0);
    assert_eq!(thief.get("/iap/entitlements").await.1, json!([]));
    // The owner can.
    let (s, _) = owner.post(&format!("{path}/execute"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = owner
        .post(
            "/iap/grants",
            json!({"orderId": order_id, "sku": "gem_100"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn the_toss_server_certificate_is_checked_and_a_wrong_ca_fails_closed() {
    let env = Env::new().await;
    // Another CA (another sandbox's) as the only extra trust root: the real sandbox's certificate is not trusted.
    let other = ait_sandbox::Sandbox::start(ait_sandbox::SandboxConfig {
        cert_dir: Some(env.dir.path().join("other-certs")),
        ..ait_sandbox::SandboxConfig::default()
    })
    .await
    .unwrap();
    let mut config = env.config.clone();
    config.database = env.dir.path().join("wrong-ca.sqlite").into();
    config.toss.ca_cert = other.certs.paths.clone().map(|p| p.ca_cert);
    let server = Server::start(config, StartOptions::default())
        .await
        .unwrap();
    let b = Browser {
        http: reqwest::Client::new(),
        base: server.api_url(),
    };
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let got = b
        .post(
            "/login",
            json!({"authorizationCode": code, "referrer": "DEFAULT"}),
        )
        .await;
    assert_error(&got, 503, "TOSS_UNREACHABLE", true);
    assert_eq!(
        env.ctl().calls("generate-token"),
        0,
        "no code was sent to an untrusted server"
    );
    // The same code is still good with the right CA: it was never exchanged.
    let right = env.browser();
    assert_eq!(
        right
            .post(
                "/login",
                json!({"authorizationCode": code, "referrer": "DEFAULT"})
            )
            .await
            .0,
        StatusCode::OK
    );
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------------------ the sandbox

#[tokio::test]
async fn the_sandbox_control_api_is_closed_to_foreign_origins() {
    let env = Env::new().await;
    let page = env.server().url();
    let sandbox = ait_sandbox::Sandbox::start(ait_sandbox::SandboxConfig {
        allowed_origins: vec![page.clone()],
        ..ait_sandbox::SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let ask = |origin: String, preflight: bool| {
        let req = if preflight {
            client
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{}/login/codes", sandbox.control_url()),
                )
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
        } else {
            client.get(format!("{}/state", sandbox.control_url()))
        };
        req.header("origin", origin).send()
    };
    for preflight in [false, true] {
        let foreign = ask("http://evil.example".into(), preflight).await.unwrap();
        assert!(
            foreign
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{:?}",
            foreign.headers()
        );
        let own = ask(page.clone(), preflight).await.unwrap();
        assert_eq!(own.headers()["access-control-allow-origin"], page.as_str());
    }
    // Also the descriptor of sandbox mode names only allowed origins (tests/api/web.rs covers it); in sandbox mode
    // the partner gives the sandbox its own origins and allowed_origins.
    #[cfg(feature = "sandbox")]
    {
        let origins = ait_partner::sandbox_mode::own_origins(env.server().addr);
        assert!(origins.contains(&page), "{origins:?}");
    }
}

// ------------------------------------------------------------------------------------------------ logs

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    use std::io::Read;
    let env = Env::new().await;
    let paths = env.sandbox.certs.paths.clone().unwrap();
    let db = env.dir.path().join("logged.sqlite");
    let (mut child, api) = spawn_partner(
        &env,
        &[
            ("AIT_PARTNER_LOG", "debug".as_ref()),
            ("AIT_PARTNER_DATABASE", db.as_ref()),
            ("AIT_PARTNER_PAGE_REFUNDS", "true".as_ref()),
        ],
    )
    .await;

    // A login, a payment, a refund, a grant and a logout, with a failure or two on the way.
    let b = Browser {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: api,
    };
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let (s, body) = b
        .post(
            "/login",
            json!({"authorizationCode": code, "referrer": "DEFAULT"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let p = env.create_payment(&b, "k-1").await;
    env.approve(&p["payToken"]);
    let order_no = p["orderNo"].as_str().unwrap();
    assert_eq!(
        b.post(&format!("/tosspay/payments/{order_no}/execute"), json!({}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        b.post(
            &format!("/tosspay/payments/{order_no}/refund"),
            json!({"reason": "고객요청"})
        )
        .await
        .0,
        StatusCode::OK
    );
    let order_id = env.paid_order(USER, "gem_100");
    assert_eq!(
        b.post(
            "/iap/grants",
            json!({"orderId": order_id, "sku": "gem_100"})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        b.post(
            "/login",
            json!({"authorizationCode": "bad-code", "referrer": "DEFAULT"})
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    env.ctl().advance_clock(2 * 3600); // the access token expires: the next call refreshes it
    let expire = rusqlite::Connection::open(&db).unwrap();
    expire
        .execute("UPDATE users SET access_expires_at = 0", [])
        .unwrap();
    assert_eq!(b.get("/iap/entitlements").await.0, StatusCode::OK);
    assert_eq!(b.post("/logout", json!({})).await.0, StatusCode::OK);

    let _ = child.0.kill();
    let _ = child.0.wait();
    let mut logs = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("toss call succeeded"),
        "debug logs were captured: {logs}"
    );
    assert!(logs.contains("refresh"), "the refresh happened: {logs}");

    let state = env.ctl().dump()["state"].clone();
    let mut secrets: Vec<(String, String)> = Vec::new();
    for k in ["accessTokens", "refreshTokens", "loginCodes"] {
        for s in state[k].as_object().unwrap().keys() {
            secrets.push((k.to_string(), s.clone()));
        }
    }
    assert!(secrets.len() >= 4, "{secrets:?}");
    let key_pem = std::fs::read_to_string(&paths.client_key).unwrap();
    for line in key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
    {
        secrets.push(("client key".into(), line.to_string()));
    }
    let token_key =
        std::fs::read_to_string(env.dir.path().join("logged.sqlite.token-key")).unwrap();
    secrets.push(("token key".into(), token_key.trim().to_string()));
    for (what, secret) in &secrets {
        assert!(!logs.contains(secret.as_str()), "{what} in the logs");
    }
}
