//! mTLS, fault injection, body limit, the HTTP control API, certificates and the binary.

mod common;

use ait_sandbox::certs;
use common::*;
use serde_json::json;

// ------------------------------------------------------------------------------------------------ mTLS

#[tokio::test]
async fn handshake_requires_a_client_certificate_from_the_ca() {
    let env = start().await;
    let ok = env.toss();
    let p = &env.sb.certs.pems;

    // No client certificate.
    let anonymous = Toss {
        tls: client_config(&p.ca_cert, None),
        ..ok.clone()
    };
    let err = anonymous
        .send("POST", MAKE_PAYMENT, &[], b"{}".to_vec())
        .await
        .expect_err("refused");
    assert!(
        err.starts_with("tls:") || err.starts_with("request:") || err.starts_with("handshake:"),
        "{err}"
    );

    // A certificate from another CA.
    let (other_ca, other_key) = certs::generate_ca("some other CA").unwrap();
    let other = certs::CaPem {
        cert_pem: other_ca,
        key_pem: other_key,
    };
    let (cert, key) = certs::issue_leaf(&other, "intruder", &[], true).unwrap();
    let intruder = Toss {
        tls: client_config(&p.ca_cert, Some((&cert, &key))),
        ..ok.clone()
    };
    let err = intruder
        .send("POST", MAKE_PAYMENT, &[], b"{}".to_vec())
        .await
        .expect_err("refused");
    assert!(!err.is_empty());

    // The sandbox saw two refused handshakes and served no call.
    let stats = env.ctl().dump()["stats"].clone();
    assert_eq!(stats["handshakesRejected"], 2, "{stats}");
    assert_eq!(stats["handshakesAccepted"], 0, "{stats}");
    assert_eq!(env.ctl().calls("make-payment"), 0);

    // The generated client certificate works.
    ok.post(MAKE_PAYMENT, payment("tls-ok", 10)).await.success();
    assert_eq!(env.ctl().dump()["stats"]["handshakesAccepted"], 1);
}

#[tokio::test]
async fn a_given_ca_signs_the_certificates() {
    let (ca_cert, ca_key) = certs::generate_ca("partner-provided CA").unwrap();
    let ca = certs::CaPem {
        cert_pem: ca_cert.clone(),
        key_pem: ca_key,
    };
    let env = start_with(|c| c.ca = Some(ca.clone())).await;
    assert_eq!(env.sb.certs.pems.ca_cert, ca_cert);
    assert!(
        env.sb.certs.pems.ca_key.is_none(),
        "a given CA key is not written out"
    );
    let paths = env.sb.certs.paths.clone().unwrap();
    assert!(paths.ca_key.is_none());
    assert!(!paths.dir.join(certs::CA_KEY_FILE).exists());
    // A client certificate issued separately by that CA is accepted too.
    let (cert, key) = certs::issue_leaf(&ca, "another partner host", &[], true).unwrap();
    let t = Toss {
        tls: client_config(&ca_cert, Some((&cert, &key))),
        ..env.toss()
    };
    t.post(MAKE_PAYMENT, payment("given-ca", 10))
        .await
        .success();
}

#[tokio::test]
async fn cert_files_are_written_and_the_ca_is_reused() {
    let env = start().await;
    let paths = env.sb.certs.paths.clone().unwrap();
    for p in [
        &paths.ca_cert,
        &paths.server_cert,
        &paths.server_key,
        &paths.client_cert,
        &paths.client_key,
    ] {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(text.contains("-----BEGIN"), "{}", p.display());
    }
    assert!(paths.ca_key.as_ref().unwrap().exists());
    // A second sandbox on the same directory keeps the CA, so the partner's trust store stays valid.
    let dir = env.dir.path().to_path_buf();
    let first_ca = env.sb.certs.pems.ca_cert.clone();
    let second = ait_sandbox::Sandbox::start(ait_sandbox::SandboxConfig {
        cert_dir: Some(dir),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(second.certs.pems.ca_cert, first_ca);
    // The old client certificate (same CA) is accepted by the new sandbox.
    let t = Toss {
        addr: second.mtls_addr,
        ..env.toss()
    };
    t.post(MAKE_PAYMENT, payment("reuse", 10)).await.success();
    second.shutdown().await;
}

// ------------------------------------------------------------------------------------------------ Faults

fn fault(v: serde_json::Value) -> ait_sandbox::FaultSpec {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn latency_fault_delays_but_answers() {
    let env = start().await;
    let t = env.toss();
    env.ctl()
        .add_fault(fault(
            json!({ "endpoint": "make-payment", "kind": "latency", "ms": 5 }),
        ))
        .unwrap();
    t.post(MAKE_PAYMENT, payment("slow", 10)).await.success();
    let f = env.ctl().faults();
    assert_eq!(f["rules"][0]["fired"], 1, "{f}");
    assert_eq!(f["firedByEndpoint"]["make-payment"], 1);
    // Spent: the next call is not delayed (counter unchanged).
    t.post(MAKE_PAYMENT, payment("fast", 10)).await.success();
    assert_eq!(env.ctl().faults()["rules"][0]["fired"], 1);
}

#[tokio::test]
async fn fail_fault_answers_the_chosen_code_and_changes_nothing() {
    let env = start().await;
    let t = env.toss();
    env.ctl()
        .add_fault(fault(json!({
            "endpoint": "make-payment", "kind": "fail", "errorCode": "COMMON_BREAK_TIME_OF_BANK", "times": 2,
        })))
        .unwrap();
    t.post(MAKE_PAYMENT, payment("bank-1", 10))
        .await
        .fail(400, "COMMON_BREAK_TIME_OF_BANK");
    t.post(MAKE_PAYMENT, payment("bank-1", 10))
        .await
        .fail(400, "COMMON_BREAK_TIME_OF_BANK");
    assert!(env.ctl().dump()["state"]["payments"]
        .as_object()
        .unwrap()
        .is_empty());
    // Spent after two: the same orderNo now succeeds (nothing was created before).
    t.post(MAKE_PAYMENT, payment("bank-1", 10)).await.success();

    // Other resultTypes and statuses; the billing host answers in its own shape.
    env.ctl()
        .add_fault(fault(json!({
            "endpoint": "get-payment-status", "kind": "fail", "errorCode": "TIMEOUT",
            "resultType": "HTTP_TIMEOUT", "status": 200,
        })))
        .unwrap();
    let r = t
        .post(
            PAYMENT_STATUS,
            json!({ "orderNo": "bank-1", "isTestPayment": true }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["resultType"], "HTTP_TIMEOUT");
    env.ctl()
        .add_fault(fault(
            json!({ "endpoint": "billing-key/bill", "kind": "fail", "errorCode": "X" }),
        ))
        .unwrap();
    let r = t.post(BILL, json!({})).await;
    assert_eq!(
        (r.body["code"].as_i64(), r.body["errorCode"].as_str()),
        (Some(-1), Some("X"))
    );
}

#[tokio::test]
async fn http5xx_fault_before_and_after_commit() {
    let env = start().await;
    let t = env.toss();
    env.ctl()
        .add_fault(fault(
            json!({ "endpoint": "make-payment", "kind": "http5xx", "status": 503 }),
        ))
        .unwrap();
    let r = t.post(MAKE_PAYMENT, payment("5xx-1", 10)).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.body["resultType"], "INTERNAL_ERROR");
    assert!(
        env.ctl().dump()["state"]["payments"]
            .as_object()
            .unwrap()
            .is_empty(),
        "nothing committed"
    );

    env.ctl()
        .add_fault(fault(
            json!({ "endpoint": "make-payment", "kind": "http5xx", "afterCommit": true }),
        ))
        .unwrap();
    let r = t.post(MAKE_PAYMENT, payment("5xx-2", 10)).await;
    assert_eq!(r.status, 500);
    // Committed: the retry with the same orderNo is a duplicate.
    t.post(MAKE_PAYMENT, payment("5xx-2", 10))
        .await
        .fail(400, "PAYMENT_EXISTING_PAYMENT");
}

#[tokio::test]
async fn drop_fault_commits_then_closes_without_reply() {
    let env = start().await;
    let t = env.toss();
    let token = make_payment(&t, "drop-1", 2500).await;
    env.ctl().approve_payment(&token, None).unwrap();
    env.ctl()
        .add_fault(fault(
            json!({ "endpoint": "execute-payment", "kind": "drop" }),
        ))
        .unwrap();
    let exec = json!({ "payToken": token, "isTestPayment": true });
    let err = t
        .send("POST", EXECUTE_PAYMENT, &[], exec.to_string().into_bytes())
        .await
        .expect_err("no reply");
    assert!(err.starts_with("request:"), "{err}");
    // The payment was executed: get-payment-status (the documented recovery) shows it.
    let st = t
        .post(
            PAYMENT_STATUS,
            json!({ "payToken": token, "isTestPayment": true }),
        )
        .await
        .success();
    assert_eq!(st["payStatus"], "PAY_COMPLETE");
    assert_eq!(st["transactions"][0]["stepType"], "PAY");
    // A blind retry is refused as already executed.
    t.post(EXECUTE_PAYMENT, exec)
        .await
        .fail(400, "PAYMENT_ALREADY_EXECUTED");
    assert_eq!(env.ctl().faults()["rules"][0]["fired"], 1);
}

#[tokio::test]
async fn rate_faults_are_deterministic_per_seed() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let env = start().await;
        let t = env.toss();
        env.ctl()
            .add_fault(fault(json!({
                "endpoint": "get-payment-status", "kind": "http5xx", "rate": 0.5, "seed": seed,
            })))
            .unwrap();
        let mut out = Vec::new();
        for _ in 0..16 {
            let r = t
                .post(
                    PAYMENT_STATUS,
                    json!({ "orderNo": "none", "isTestPayment": true }),
                )
                .await;
            out.push(r.status == 500);
        }
        let rule = &env.ctl().faults()["rules"][0];
        assert_eq!(rule["matched"], 16);
        assert_eq!(rule["fired"], out.iter().filter(|h| **h).count());
        out
    }
    let a = pattern(7).await;
    assert_eq!(a, pattern(7).await);
    assert!(a.iter().any(|h| *h) && a.iter().any(|h| !*h), "{a:?}");
    // Wildcard and removal.
    let env = start().await;
    let t = env.toss();
    let rule = env
        .ctl()
        .add_fault(fault(
            json!({ "endpoint": "*", "kind": "http5xx", "rate": 1.0 }),
        ))
        .unwrap();
    assert_eq!(t.post(ORDER_STATUS, json!({})).await.status, 500);
    env.ctl().remove_fault(rule.id).unwrap();
    assert_eq!(t.post(ORDER_STATUS, json!({})).await.status, 400);
    assert!(env
        .ctl()
        .add_fault(fault(json!({ "endpoint": "nope", "kind": "drop" })))
        .is_err());
}

// ------------------------------------------------------------------------------------------------ Body limit

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let env = start_with(|c| c.body_limit = 1024).await;
    let t = env.toss();
    let mut body = payment("big", 10);
    body["productDesc"] = json!("x".repeat(4096));
    let reason = t
        .post(MAKE_PAYMENT, body)
        .await
        .fail(413, "REQUEST_TOO_LARGE");
    assert!(reason.contains("1024"), "{reason}");
    // Under the limit is fine.
    t.post(MAKE_PAYMENT, payment("small", 10)).await.success();
}

// ------------------------------------------------------------------------------------------------ Control HTTP

#[tokio::test]
async fn control_http_api() {
    let env = start_with(|c| c.allowed_origins = vec!["http://localhost:*".into()]).await;
    let t = env.toss();

    let index = control(&env, "GET", "/", None, &[]).await;
    assert_eq!(index.status, 200);
    assert!(index.body["routes"].as_array().unwrap().len() > 10);

    // CORS: the allowed origins only, preflight included.
    let r = control(
        &env,
        "GET",
        "/health",
        None,
        &[("origin", "http://localhost:5173")],
    )
    .await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let foreign = control(
        &env,
        "GET",
        "/health",
        None,
        &[("origin", "http://example.test")],
    )
    .await;
    assert!(
        !foreign.headers.contains_key("access-control-allow-origin"),
        "{foreign:?}"
    );
    // A foreign page's state change (a CORS-simple POST needs no preflight) is refused before it runs.
    let code = control(&env, "POST", "/login/codes", Some(json!({ "userKey": 9 })), &[]).await;
    assert_eq!(code.status, 200, "{code:?}");
    let reset = control(&env, "POST", "/reset", None, &[("origin", "http://example.test")]).await;
    assert_eq!(reset.status, 403, "{reset:?}");
    assert_eq!(reset.body["error"]["code"], "FORBIDDEN_ORIGIN", "{reset:?}");
    assert!(
        !env.ctl().dump()["state"]["loginCodes"].as_object().unwrap().is_empty(),
        "nothing was reset"
    );
    let pre = control(
        &env,
        "OPTIONS",
        "/login/codes",
        None,
        &[
            ("origin", "http://localhost:5173"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
    )
    .await;
    assert!(pre.status < 300, "{pre:?}");
    assert!(pre.headers.contains_key("access-control-allow-methods"));

    // A chosen login code over HTTP: issued once.
    let chosen = json!({ "userKey": 6, "authorizationCode": "recorded-code-0001" });
    let first = control(&env, "POST", "/login/codes", Some(chosen.clone()), &[]).await;
    assert_eq!((first.status, &first.body["authorizationCode"]), (200, &json!("recorded-code-0001")), "{}", first.raw);
    let again = control(&env, "POST", "/login/codes", Some(chosen), &[]).await;
    assert_eq!(again.status, 409, "{}", again.raw);

    // Login code over HTTP.
    let code = control(
        &env,
        "POST",
        "/login/codes",
        Some(json!({ "userKey": 5, "ttlSecs": 30 })),
        &[],
    )
    .await;
    assert_eq!(code.status, 200, "{}", code.raw);
    let tok = t
        .post(
            GENERATE_TOKEN,
            json!({ "authorizationCode": code.body["authorizationCode"], "referrer": "DEFAULT" }),
        )
        .await
        .success();
    assert!(tok["accessToken"].is_string());

    // Approve and cancel over HTTP.
    let token = make_payment(&t, "http-1", 10).await;
    let r = control(
        &env,
        "POST",
        &format!("/payments/{token}/approve"),
        Some(json!({ "payMethod": "CARD" })),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    assert_eq!(r.body["payStatus"], "PAY_APPROVED");
    let again = control(
        &env,
        "POST",
        &format!("/payments/{token}/approve"),
        None,
        &[],
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["error"]["code"], "CONFLICT");
    let view = control(&env, "GET", &format!("/payments/{token}"), None, &[]).await;
    assert_eq!(view.body["status"]["payStatus"], "PAY_APPROVED");
    let t2 = make_payment(&t, "http-2", 10).await;
    assert_eq!(
        control(&env, "POST", &format!("/payments/{t2}/cancel"), None, &[])
            .await
            .body["payStatus"],
        "PAY_CANCEL"
    );

    // IAP over HTTP.
    let o = control(
        &env,
        "POST",
        "/iap/orders",
        Some(json!({ "userKey": USER, "sku": SKU, "paid": true })),
        &[],
    )
    .await;
    let id = o.body["orderId"].as_str().unwrap().to_string();
    let pending = control(
        &env,
        "GET",
        &format!("/iap/orders?userKey={USER}&pending=true"),
        None,
        &[],
    )
    .await;
    assert_eq!(pending.body["orders"][0]["orderId"], id.as_str());
    let d = control(
        &env,
        "POST",
        &format!("/iap/orders/{id}/decide"),
        Some(json!({ "granted": true })),
        &[],
    )
    .await;
    assert_eq!(d.body["status"], "PAYMENT_COMPLETED");
    let rf = control(&env, "POST", &format!("/iap/orders/{id}/refund"), None, &[]).await;
    assert_eq!(rf.body["status"], "REFUNDED");
    assert_eq!(
        t.post(ORDER_STATUS, json!({ "orderId": id }))
            .await
            .success()["status"],
        "REFUNDED"
    );

    // Templates, promotions, billing keys over HTTP.
    assert_eq!(
        control(
            &env,
            "POST",
            "/templates",
            Some(json!({ "templateSetCode": "T2" })),
            &[]
        )
        .await
        .status,
        200
    );
    t.post(
        SEND_MESSAGE,
        json!({ "templateSetCode": "T2", "context": {} }),
    )
    .await
    .success();
    let p = control(
        &env,
        "POST",
        "/promotions",
        Some(json!({ "promotionCode": "P2", "result": "PENDING" })),
        &[],
    )
    .await;
    assert_eq!(p.body["result"], "PENDING");
    let bk = control(
        &env,
        "POST",
        "/billing-keys",
        Some(json!({ "userKey": 1234 })),
        &[],
    )
    .await;
    assert_eq!(bk.status, 200, "{}", bk.raw);
    assert!(bk.body["billingKey"].is_string());

    // Faults over HTTP.
    let f = control(
        &env,
        "POST",
        "/faults",
        Some(json!({ "endpoint": "make-payment", "kind": "drop", "times": 1 })),
        &[],
    )
    .await;
    assert_eq!(f.status, 200, "{}", f.raw);
    let id = f.body["id"].as_u64().unwrap();
    assert_eq!(
        control(&env, "GET", "/faults", None, &[]).await.body["rules"][0]["id"],
        id
    );
    assert_eq!(
        control(&env, "DELETE", &format!("/faults/{id}"), None, &[])
            .await
            .status,
        200
    );
    let bad = control(
        &env,
        "POST",
        "/faults",
        Some(json!({ "endpoint": "x", "kind": "drop" })),
        &[],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        control(&env, "DELETE", "/faults", None, &[]).await.status,
        200
    );

    // Clock, state dump, errors, reset.
    let c = control(
        &env,
        "POST",
        "/clock/advance",
        Some(json!({ "seconds": 120 })),
        &[],
    )
    .await;
    assert_eq!(c.body["offsetSecs"], 120);
    let state = control(&env, "GET", "/state", None, &[]).await;
    assert_eq!(
        state.body["state"]["payments"].as_object().unwrap().len(),
        2
    );
    assert_eq!(state.body["stats"]["calls"]["make-payment"], 2);
    for bad in [
        json!({ "nope": 1 }),
        json!({ "userKey": "abc" }),
        json!({ "userKey": 0 }),
    ] {
        let r = control(&env, "POST", "/login/codes", Some(bad), &[]).await;
        assert_eq!(r.status, 400, "{}", r.raw);
    }
    let broken = control(
        &env,
        "POST",
        "/templates",
        None,
        &[("content-type", "application/json")],
    )
    .await;
    assert_eq!(broken.status, 400);
    assert_eq!(
        control(&env, "GET", "/no/such/route", None, &[])
            .await
            .status,
        404
    );
    assert_eq!(control(&env, "POST", "/reset", None, &[]).await.status, 200);
    let state = control(&env, "GET", "/state", None, &[]).await;
    assert!(state.body["state"]["payments"]
        .as_object()
        .unwrap()
        .is_empty());
    assert_eq!(state.body["clock"]["offsetSecs"], 0);
    // Configured templates survive a reset.
    t.post(
        SEND_MESSAGE,
        json!({ "templateSetCode": TEMPLATE, "context": {} }),
    )
    .await
    .success();
}

// ------------------------------------------------------------------------------------------------ Binary

#[test]
fn binary_help_lists_the_flags() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ait-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--control",
        "--cert-dir",
        "--ca-cert",
        "--ca-key",
        "--sku",
        "--template",
        "--promotion",
        "--body-limit",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[tokio::test]
async fn shutdown_closes_the_listeners() {
    let env = start().await;
    let addr = env.sb.mtls_addr;
    let ctl = env.sb.control_addr;
    let Env { sb, dir: _dir } = env;
    sb.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    assert!(tokio::net::TcpStream::connect(ctl).await.is_err());
}
