//! Login, the session cookie, 401s, token refresh.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn login_exchanges_the_code_and_sets_an_httponly_session_cookie() {
    if crate::common::on_postgres() {
        eprintln!("skipped on PostgreSQL: reads the SQLite file");
        return;
    }
    let env = Env::new().await;
    let b = env.browser();
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let r = b
        .http
        .post(env.url("/login"))
        .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let (status, body) = read(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"loggedIn": true}));
    assert!(cookie.starts_with("ait_session="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/api/ait"] {
        assert!(cookie.contains(part), "{part} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    assert_eq!(
        (
            env.ctl().calls("generate-token"),
            env.ctl().calls("login-me")
        ),
        (1, 1)
    );

    // The session works, and the server keeps the user key and tokens (the cookie holds neither).
    let (s, owned) = b.get("/iap/entitlements").await;
    assert_eq!((s, owned), (StatusCode::OK, json!([])));
    let session_id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("ait_session=");
    assert!(!session_id.contains(&USER.to_string()));
    assert_eq!(
        env.count("SELECT COUNT(*) FROM users WHERE user_key = 1001"),
        1
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM sessions WHERE user_key = 1001"),
        1
    );
    // The database keeps a hash of the id, never the id itself: a copy of it opens no session.
    let stored: String = env
        .sql()
        .query_row("SELECT id FROM sessions WHERE user_key = 1001", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored.len(), 64);
    assert_ne!(stored, session_id);
    let forged = b
        .http
        .get(env.url("/iap/entitlements"))
        .header("cookie", format!("ait_session={stored}"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let env = Env::new().await;
    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let r = reqwest::Client::new()
        .post(env.url("/login"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"authorizationCode": code, "referrer": "DEFAULT"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-ait_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn every_call_needs_the_session() {
    let env = Env::new().await;
    let b = env.browser();
    let order =
        json!({"order": {"items": [{"sku": "beans_200g", "quantity": 1}]}, "idempotencyKey": "k"});
    let calls = [
        b.post("/tosspay/payments", order).await,
        b.post("/tosspay/payments/ait-1-00/execute", json!({}))
            .await,
        b.get("/tosspay/payments/ait-1-00").await,
        b.post(
            "/tosspay/payments/ait-1-00/refund",
            json!({"reason": "고객요청"}),
        )
        .await,
        b.post(
            "/iap/grants",
            json!({"orderId": "0190a0b0-0000-7000-8000-000000000001", "sku": "gem_100"}),
        )
        .await,
        b.post("/iap/sync", json!({"orders": []})).await,
        b.get("/iap/entitlements").await,
    ];
    for got in &calls {
        assert_error(got, 401, "UNAUTHENTICATED", false);
    }
    // A made-up cookie is no better.
    let r = reqwest::Client::new()
        .get(env.url("/iap/entitlements"))
        .header("cookie", "ait_session=0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_error(&read(r).await, 401, "UNAUTHENTICATED", false);
    assert_eq!(env.ctl().calls("make-payment"), 0);
}

#[tokio::test]
async fn a_refused_or_reused_code_is_401_and_a_bad_body_is_400() {
    let env = Env::new().await;
    let b = env.browser();
    let got = b
        .post(
            "/login",
            json!({"authorizationCode": "not-a-code", "referrer": "DEFAULT"}),
        )
        .await;
    assert_error(&got, 401, "UNAUTHENTICATED", false);
    assert_eq!(
        got.1["error"]["toss"]["errorCode"],
        "INVALID_AUTHORIZATION_CODE"
    );

    let code = env.ctl().issue_login_code(USER, None).authorization_code;
    let body = json!({"authorizationCode": code, "referrer": "DEFAULT"});
    assert_eq!(b.post("/login", body.clone()).await.0, StatusCode::OK);
    assert_error(&b.post("/login", body).await, 401, "UNAUTHENTICATED", false);

    assert_error(
        &b.post(
            "/login",
            json!({"authorizationCode": "", "referrer": "DEFAULT"}),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        false,
    );
    let r = b
        .http
        .post(env.url("/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(&read(r).await, 400, "INVALID_ARGUMENT", false);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_and_a_refused_refresh_ends_the_session() {
    if crate::common::on_postgres() {
        eprintln!("skipped on PostgreSQL: edits the SQLite file");
        return;
    }
    let env = Env::new().await;
    let b = env.logged_in(USER).await;

    // The stored access token expires: the next call renews it with refresh-token and goes through.
    env.sql()
        .execute("UPDATE users SET access_expires_at = 0", [])
        .unwrap();
    assert_eq!(b.get("/iap/entitlements").await.0, StatusCode::OK);
    assert_eq!(env.ctl().calls("refresh-token"), 1);
    let exp: i64 = env
        .sql()
        .query_row("SELECT access_expires_at FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(exp > 0);
    assert_eq!(b.get("/iap/entitlements").await.0, StatusCode::OK);
    assert_eq!(
        env.ctl().calls("refresh-token"),
        1,
        "not refreshed while valid"
    );

    // Toss refuses the refresh (here: the refresh token expired; likewise when the user unlinked the mini-app):
    // the session ends.
    env.sql()
        .execute("UPDATE users SET access_expires_at = 0", [])
        .unwrap();
    env.ctl().advance_clock(15 * 24 * 3600);
    assert_error(
        &b.get("/iap/entitlements").await,
        401,
        "UNAUTHENTICATED",
        false,
    );
    assert_eq!(env.ctl().calls("refresh-token"), 2, "Toss was asked");
    assert_eq!(env.count("SELECT COUNT(*) FROM sessions"), 0);
    assert_error(
        &b.get("/iap/entitlements").await,
        401,
        "UNAUTHENTICATED",
        false,
    );

    // Logging in again works.
    assert_eq!(b.login(&env, USER).await.0, StatusCode::OK);
    assert_eq!(b.get("/iap/entitlements").await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_under_the_prefix_answer_in_the_contract_shape() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    assert_error(&b.get("/nope").await, 404, "NOT_FOUND", false);
}
