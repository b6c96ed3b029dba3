//! The partner as its operators run it: `GET /health` for the load balancer, and a stop on SIGTERM (what systemd,
//! Kubernetes and container runtimes send) that lets open requests finish, as on SIGINT.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

/// A bounded poll: `check` until it holds, at most `limit`.
async fn until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn health_answers_ok_while_the_database_answers_and_503_when_it_does_not() {
    let env = Env::new().await;
    let http = reqwest::Client::new();
    let health = format!("{}/health", env.server().url());
    // A balancer calls it with no session and no origin; a foreign origin changes nothing either.
    let r = http.get(&health).header("origin", "https://elsewhere.example").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap(), json!({"status": "ok"}));

    env.server().state.db.close().await;
    let (status, body) = read(http.get(&health).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body, json!({"status": "unavailable", "reason": "the database does not answer"}));
}

#[tokio::test]
async fn sigterm_stops_taking_connections_and_lets_an_open_execute_finish() {
    let mut env = Env::new().await;
    // The process below takes the in-process server's place on the same database and sandbox.
    env.server.take().unwrap().shutdown().await;
    let database = String::from(env.config.database.clone());
    let (mut partner, api) = spawn_partner(
        &env,
        &[
            ("AIT_PARTNER_DATABASE", database.as_ref()),
            ("AIT_PARTNER_TOKEN_KEY", "42".repeat(32).as_ref()),
        ],
    )
    .await;
    let root = api.strip_suffix(&env.config.prefix()).unwrap().to_owned();
    let http = reqwest::Client::new();
    until("GET /health answers 200", Duration::from_secs(30), async || {
        matches!(http.get(format!("{root}/health")).send().await, Ok(r) if r.status() == StatusCode::OK)
    })
    .await;

    let b = Browser {
        http: reqwest::Client::builder().cookie_store(true).build().unwrap(),
        base: api,
    };
    let (s, body) = b.login(&env, USER).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let payment = env.create_payment(&b, "stop").await;
    env.approve(&payment["payToken"]);
    let order_no = payment["orderNo"].as_str().unwrap().to_owned();
    // Toss takes its time over the execute: the request is open when the signal comes.
    env.fault(json!({"endpoint": "execute-payment", "kind": "latency", "ms": 1500}));
    let execute = tokio::spawn({
        let b = b.clone();
        let path = format!("/tosspay/payments/{order_no}/execute");
        async move { b.post(&path, json!({})).await }
    });
    until("the execute is under way", Duration::from_secs(10), async || {
        env.payment_state(&order_no) == "EXECUTING"
    })
    .await;

    let pid = partner.0.id() as libc::pid_t;
    // SAFETY: kill(2) with a live child's pid and a signal number; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    // The listener closes: a balancer's next check fails, so it sends nothing more here.
    until("new connections are refused", Duration::from_secs(10), async || {
        http.get(format!("{root}/health")).send().await.is_err()
    })
    .await;
    // The open request finishes with its answer; then the process exits cleanly.
    let (s, receipt) = execute.await.unwrap();
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["orderNo"], order_no.as_str());
    let mut exited = None;
    until("the process exits", Duration::from_secs(30), async || {
        exited = partner.0.try_wait().unwrap();
        exited.is_some()
    })
    .await;
    let status = exited.unwrap();
    assert!(status.success(), "exit status {status}");
    assert_eq!(env.payment_state(&order_no), "PAID");
    assert_eq!(env.ctl().calls("execute-payment"), 1);
    let mut logged = String::new();
    std::io::Read::read_to_string(&mut partner.0.stderr.take().unwrap(), &mut logged).unwrap();
    assert!(logged.contains("SIGTERM: stopping"), "{logged}");
}
