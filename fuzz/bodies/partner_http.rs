//! Fuzz body for ait-partner's request handling: arbitrary requests through the real router, in-process.
//!
//! Shared by the libFuzzer target (`fuzz/fuzz_targets/partner_http.rs`) and the corpus replay under plain
//! `cargo test` (`crates/ait-partner/tests/api/corpus_replay.rs`). It may only use what both reach: `ait_partner`,
//! `ait_api`, `ait_sandbox` (certificates), `axum`, `tokio`, `tower`, `sqlx`, `ring` and `serde_json`.
//!
//! The router is `ait_partner::app::router` over a temporary SQLite database seeded with two users (one with a
//! session cookie the input may attach), payments in several states and grants, and a Toss client pointing at a
//! closed local port (port 0), so anything that reaches Toss fails fast with "cannot connect". One current-thread
//! runtime is made once; each input gets a fresh `AppState` (no in-memory state carries over) over the shared
//! database, which is restored to the seed whenever a request wrote to it (each input starts from the same data).
//!
//! Input: byte 0 holds flags, the rest is `path\nname: value\n…\n\nbody` (the head's first line is the path and
//! query, the other lines headers; without a blank line there is no body).
//!
//! | bit of byte 0 | meaning |
//! |---|---|
//! | 0–2 | method: GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, or the extension method `PURGE` |
//! | 3 | attach the session cookie |
//! | 4 | `Content-Type: application/json` (unless the head sets one) |
//! | 5 | `Origin:` an allowed origin (unless the head sets one) |
//! | 6 | a huge body: the body repeated past [`BODY_LIMIT`] |
//! | 7 | the path is relative to the API prefix |
//!
//! Headers are taken as hyper would pass them: invalid names or values are dropped (hyper refuses them before any
//! router), `Content-Length` is the body's length, `Host` defaults to the configured listen address.
//!
//! Asserted for every request: no panic; a status below 600; a 4xx/5xx reply is the contract's JSON error
//! (`{"error":{"code","message","retryable"}}`) whose message leaks no internal detail (the Toss URL, OS errors);
//! no reply carries the stored Toss tokens or the other user's payment;
//! a 2xx body is JSON; after a 4xx no stored data changed (every table but `leases`, which only coordinates); a body over
//! [`BODY_LIMIT`] sent with a method that may change state is refused with 413, unless the head alone was refused
//! (401, 403, 404, 405, 415, 429); every request answers within a minute (a hang is a failure).

use std::sync::OnceLock;

use ait_api::partner::{CartItem, CartOrder, ErrorBody, PaymentReceipt, Won};
use ait_api::PayMethod;
use ait_partner::app::{router, AppState};
use ait_partner::config::Config;
use ait_partner::db::Db;
use ait_partner::payments::{self, Payment, PaymentEvent, PaymentState};
use ait_partner::toss_client::TossClient;
use ait_partner::tosspay::Priced;
use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use tower::ServiceExt;

/// How long a request may run before it counts as hung (see `http`).
const HANG: std::time::Duration = std::time::Duration::from_secs(60);
/// The largest request body the server must accept (axum's default body limit, 2 MiB).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// The user the session cookie belongs to.
pub const USER: i64 = 1001;
/// Another user, whose payments and grants the first must never reach.
pub const OTHER_USER: i64 = 2002;
/// The session id in the cookie (the database keeps its SHA-256, as `session.rs` does).
const SESSION_ID: &str = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";
/// An origin the configuration allows.
pub const ALLOWED_ORIGIN: &str = "http://127.0.0.1:5173";
/// A created (approvable) payment of [`USER`]; the corpus refers to these ids.
pub const CREATED_ORDER: &str = "fz-created-1";
/// A paid payment of [`USER`].
pub const PAID_ORDER: &str = "fz-paid-1";
/// A paid payment of [`OTHER_USER`].
pub const OTHER_ORDER: &str = "fz-other-1";
/// A live grant of [`USER`].
pub const GRANTED_ORDER_ID: &str = "0199a7b4-0000-7000-8000-000000000001";
/// A provisional grant of [`USER`] (checking it needs Toss, which is down).
pub const PROVISIONAL_ORDER_ID: &str = "0199a7b4-0000-7000-8000-000000000002";

struct Harness {
    rt: tokio::runtime::Runtime,
    config: Config,
    toss: TossClient,
    /// Where the Toss client points: must never reach a reply.
    toss_url: String,
    db: Db,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        // Port 0: nothing can listen there, so every connection is refused at once (a port bound and released
        // could be taken by a test's sandbox running in parallel).
        let toss_url = "https://127.0.0.1:0".to_string();
        let mut config = Config::embedded();
        config.allowed_origins = vec![ALLOWED_ORIGIN.to_string()];
        config.reconcile_interval_secs = 0;
        // The demo's choice: refunds from the page are served (more of the server to reach).
        config.page_refunds = true;
        config.toss.api_base_url = toss_url.clone();
        config.toss.pay_base_url = toss_url.clone();
        config.toss.billing_base_url = toss_url.clone();
        config.toss.timeout_ms = 2_000;
        config.toss.connect_timeout_ms = 500;
        let certs = ait_sandbox::certs::prepare(None, None, &[]).expect("test certificates");
        let toss = TossClient::from_pem(
            &config.toss,
            certs.pems.client_cert.as_bytes(),
            certs.pems.client_key.as_bytes(),
            Some(certs.pems.ca_cert.as_bytes()),
        )
        .expect("a Toss client");
        let db = rt.block_on(seeded_db());
        let h = Harness {
            rt,
            config,
            toss,
            toss_url,
            db,
        };
        h.check_session_works();
        h
    })
}

impl Harness {
    /// The seeded cookie must log in: else every input would stop at 401 and the fuzzing would be hollow.
    fn check_session_works(&self) {
        let uri = format!("{}/iap/entitlements", self.config.prefix());
        let req = Request::get(uri)
            .header(header::HOST, self.config.listen.to_string())
            .header(header::COOKIE, cookie())
            .body(Body::empty())
            .expect("a request");
        let app = router(
            AppState::new(self.config.clone(), self.db.clone(), self.toss.clone(), None),
            None,
        );
        let resp = self.rt.block_on(app.oneshot(req)).expect("the router answers");
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "the fuzz harness's session does not log in: update seeded_db() to match session.rs"
        );
    }
}

fn cookie() -> String {
    format!("{}={SESSION_ID}", ait_partner::session::COOKIE_NAME)
}

fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh temporary database with the seed data.
async fn seeded_db() -> Db {
    let db = Db::open_temporary().await.expect("a temporary database");
    let session = sha256_hex(SESSION_ID);
    let far = 4_000_000_000i64;
    let seed = async {
        for user in [USER, OTHER_USER] {
            sqlx::query(
                "INSERT INTO users (user_key, access_token, refresh_token, access_expires_at, scope, created_at, updated_at)
                 VALUES ($1, 'fuzz-access', 'fuzz-refresh', $2, 'user_key', 0, 0)",
            )
            .bind(user)
            .bind(far)
            .execute(db.pool())
            .await?;
        }
        sqlx::query("INSERT INTO sessions (id, user_key, created_at, expires_at) VALUES ($1, $2, 0, $3)")
            .bind(&session)
            .bind(USER)
            .bind(far)
            .execute(db.pool())
            .await?;
        sqlx::query(
            "INSERT INTO grants (order_id, user_key, sku, granted_at) VALUES ($1, $2, 'gem_100', '2026-01-01T00:00:00Z')",
        )
        .bind(GRANTED_ORDER_ID)
        .bind(USER)
        .execute(db.pool())
        .await?;
        sqlx::query(
            "INSERT INTO grants (order_id, user_key, sku, granted_at, provisional)
             VALUES ($1, $2, 'gem_500', '2026-01-01T00:00:00Z', 1)",
        )
        .bind(PROVISIONAL_ORDER_ID)
        .bind(USER)
        .execute(db.pool())
        .await?;
        Ok::<_, sqlx::Error>(())
    };
    seed.await.expect("seed users, session and grants");
    for (order_no, user, state) in [
        (CREATED_ORDER, USER, PaymentState::Created),
        (PAID_ORDER, USER, PaymentState::Paid),
        (OTHER_ORDER, OTHER_USER, PaymentState::Paid),
    ] {
        let order = CartOrder {
            items: vec![CartItem {
                sku: "beans_200g".into(),
                quantity: 1,
            }],
        };
        let priced = Priced {
            amount: 12_000,
            amount_tax_free: 0,
            product_desc: "원두 200g".into(),
            order_json: serde_json::to_string(&order).expect("JSON"),
        };
        let mut p = Payment::creating(order_no.into(), user, format!("key-{order_no}"), priced, true);
        let (_, claim) = payments::insert_claimed(&db, p.clone()).await.expect("seed a payment");
        let claim = claim.expect("a new payment comes claimed");
        p.pay_token = Some(format!("tok-{order_no}"));
        p.state = state;
        if state == PaymentState::Paid {
            p.toss_status = Some("PAY_COMPLETE".into());
            p.receipt = Some(PaymentReceipt {
                order_no: order_no.into(),
                pay_token: format!("tok-{order_no}"),
                amount: Won(12_000),
                paid_amount: Won(12_000),
                pay_method: PayMethod::Card,
                transaction_id: format!("tx-{order_no}"),
                approval_time: "2026-01-01 00:00:00".into(),
                discounted_amount: None,
                mode: None,
                card_company_name: None,
                card_num4_print: None,
                sales_check_link_url: None,
                account_bank_name: None,
                account_number: None,
            });
        }
        payments::save_releasing(&db, &p, PaymentEvent::Reconciled, Some("fuzz seed".into()), &claim)
            .await
            .expect("seed a payment's state");
    }
    // A copy of every table, to restore the seed in place after a request wrote (cheaper than a new database). In
    // the database itself, not TEMP: each connection of the pool has temp tables of its own.
    for table in tables(&db).await {
        sqlx::query(&format!("CREATE TABLE \"{SEED}{table}\" AS SELECT * FROM main.\"{table}\""))
            .execute(db.pool())
            .await
            .expect("copy the seed");
    }
    db
}

/// The prefix of the seed's copies of the tables.
const SEED: &str = "fuzz_seed_";

/// The data tables of the main schema (SQLite's own `sqlite_sequence` included: AUTOINCREMENT counters are data
/// too), without sqlx's migration record and the seed's copies. (Leases are in a file of their own.)
async fn tables(db: &Db) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'
           AND name <> '_sqlx_migrations' AND substr(name, 1, length($1)) <> $1 ORDER BY name",
    )
    .bind(SEED)
    .fetch_all(db.pool())
    .await
    .expect("the table list");
    rows.into_iter().map(|(n,)| n).collect()
}

/// Puts every data table back to the seed, in one transaction.
async fn restore_seed(db: &Db) {
    let tables = tables(db).await;
    let mut tx = db.pool().begin().await.expect("a transaction");
    sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await.expect("defer foreign keys");
    for table in tables {
        sqlx::query(&format!(
            "DELETE FROM main.\"{table}\"; INSERT INTO main.\"{table}\" SELECT * FROM main.\"{SEED}{table}\";"
        ))
        .execute(&mut *tx)
        .await
        .expect("restore a table");
    }
    tx.commit().await.expect("restore the seed");
}

/// A request made from fuzz bytes, or `None` for bytes no HTTP server would pass on (an unparsable target).
fn request(data: &[u8], prefix: &str, host: &str) -> Option<(Request<Body>, bool)> {
    let (&flags, rest) = data.split_first()?;
    let method = match flags & 7 {
        0 => Method::GET,
        1 => Method::POST,
        2 => Method::PUT,
        3 => Method::DELETE,
        4 => Method::PATCH,
        5 => Method::OPTIONS,
        6 => Method::HEAD,
        _ => Method::from_bytes(b"PURGE").ok()?,
    };
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (rest, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let target = lines.next().unwrap_or_default();
    let target = std::str::from_utf8(target).ok()?;
    let mut uri = String::new();
    if flags & 0x80 != 0 {
        uri.push_str(prefix);
    }
    if !target.starts_with('/') {
        uri.push('/');
    }
    uri.push_str(target);
    let mut req = Request::builder().method(method).uri(uri.as_str());
    let headers = req.headers_mut()?;
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = line[colon + 1..].trim_ascii();
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(line[..colon].trim_ascii()),
            HeaderValue::from_bytes(value),
        ) else {
            continue;
        };
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
            continue;
        }
        headers.append(name, value);
    }
    if !headers.contains_key(header::HOST) {
        headers.insert(header::HOST, HeaderValue::from_str(host).ok()?);
    }
    if flags & 0x08 != 0 {
        headers.append(header::COOKIE, HeaderValue::from_str(&cookie()).ok()?);
    }
    if flags & 0x10 != 0 && !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if flags & 0x20 != 0 && !headers.contains_key(header::ORIGIN) {
        headers.insert(header::ORIGIN, HeaderValue::from_static(ALLOWED_ORIGIN));
    }
    let huge = flags & 0x40 != 0;
    let mut body = body.to_vec();
    if huge {
        // Repeated by doubling (memcpy: a byte loop would cost more than the request).
        if body.is_empty() {
            body.push(b'{');
        }
        while body.len() <= BODY_LIMIT {
            body.extend_from_within(..);
        }
        body.truncate(BODY_LIMIT + 1);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let req = req.body(Body::from(body)).ok()?;
    Some((req, huge))
}

/// `partner_http`: one request through the router (see the module docs for the input format). True when the
/// server accepted it (2xx).
pub fn http(data: &[u8]) -> bool {
    let h = harness();
    let Some((req, huge)) = request(data, &h.config.prefix(), &h.config.listen.to_string()) else {
        return false;
    };
    let described = format!("{} {}", req.method(), req.uri());
    let is_head = req.method() == Method::HEAD;
    // GET, HEAD and OPTIONS change nothing and may ignore a body; every other method must refuse a huge one.
    let reads_only = [Method::GET, Method::HEAD, Method::OPTIONS].contains(req.method());
    let db = h.db.clone();
    let app = router(AppState::new(h.config.clone(), db.clone(), h.toss.clone(), None), None);
    let (wrote, accepted) = h.rt.block_on(async {
        let before = stored_data(&db).await;
        // A liveness bound, not a timing goal: with Toss refusing connections every request ends in milliseconds;
        // one still running after a minute is stuck (libFuzzer's own -timeout misses hangs off its thread).
        let answer = async {
            let resp = app.oneshot(req).await.expect("the router is infallible");
            let (parts, body) = resp.into_parts();
            let body = axum::body::to_bytes(body, 64 * 1024 * 1024)
                .await
                .expect("the reply body is readable");
            (parts, body)
        };
        let (parts, body) = tokio::time::timeout(HANG, answer)
            .await
            .unwrap_or_else(|_| panic!("{described}: no reply after {HANG:?} (a hang)"));
        let status = parts.status;
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let wrote = stored_data(&db).await != before;
        let code = status.as_u16();
        assert!((100..600).contains(&code), "{described}: status {code}");
        if code >= 400 && is_head {
            // A reply to HEAD has no body (RFC 9110 §9.3.2); its head still says JSON.
            assert!(body.is_empty(), "{described}: {status} with a body");
            assert!(
                is_json(content_type.as_deref()),
                "{described}: {status} with content type {content_type:?}"
            );
        } else if code >= 400 {
            check_error_body(&described, status, content_type.as_deref(), &body, data, &h.toss_url);
        } else if !body.is_empty() {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
                "{described}: {status} with a body that is not JSON: {:?}",
                String::from_utf8_lossy(&body)
            );
        }
        if status.is_client_error() {
            assert!(!wrote, "{described}: {status} but the database was written");
        }
        // Whoever asks, no reply carries the stored Toss tokens or another user's payment.
        let text = String::from_utf8_lossy(&body);
        let input = String::from_utf8_lossy(data);
        for secret in ["fuzz-access", "fuzz-refresh", "tok-fz-other-1", "tx-fz-other-1"] {
            assert!(
                !text.contains(secret) || input.contains(secret),
                "{described}: {status} reveals {secret:?}: {text:?}"
            );
        }
        if huge && !reads_only {
            // Refused for what the head says (session, origin, path, method, media type, rate) or for its size.
            let refused_on_the_head = matches!(code, 401 | 403 | 404 | 405 | 415 | 429);
            assert!(
                code == 413 || refused_on_the_head,
                "{described}: a body over {BODY_LIMIT} bytes must be refused with 413, got {status}"
            );
        }
        (wrote, status.is_success())
    });
    if wrote {
        // Back to the seed, so every input starts from the same data.
        h.rt.block_on(restore_seed(&h.db));
    }
    accepted
}

/// A 4xx/5xx reply is the contract's JSON error, and its message gives away nothing internal (unless the request
/// itself carried that text, e.g. echoed in a validation message).
fn check_error_body(
    described: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
    input: &[u8],
    toss_url: &str,
) {
    let text = String::from_utf8_lossy(body);
    assert!(
        is_json(content_type),
        "{described}: {status} with content type {content_type:?}: {text:?}"
    );
    let parsed: ErrorBody = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{described}: {status} whose body is not the contract's error ({e}): {text:?}"));
    assert!(
        !parsed.error.message.is_empty(),
        "{described}: {status} with an empty message"
    );
    let input = String::from_utf8_lossy(input);
    for internal in [
        toss_url,
        "os error",
        "Connection refused",
        "error sending request",
        "close_notify",
        "tcp connect",
    ] {
        assert!(
            !parsed.error.message.contains(internal) || input.contains(internal),
            "{described}: {status} leaks {internal:?}: {:?}",
            parsed.error.message
        );
    }
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| t.starts_with("application/json"))
}

/// Everything stored in the data tables, as one string (each row through SQLite's `quote()`): equal before and
/// after a request that wrote nothing.
async fn stored_data(db: &Db) -> String {
    let mut all = String::new();
    for table in tables(db).await {
        let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY cid")
            .bind(&table)
            .fetch_all(db.pool())
            .await
            .expect("the columns");
        let row = columns
            .iter()
            .map(|(c,)| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let (dump,): (Option<String>,) =
            sqlx::query_as(&format!("SELECT group_concat({row}, ';') FROM (SELECT * FROM main.\"{table}\" ORDER BY rowid)"))
                .fetch_one(db.pool())
                .await
                .expect("the table's rows");
        all.push_str(&format!("{table}: {}\n", dump.unwrap_or_default()));
    }
    all
}
