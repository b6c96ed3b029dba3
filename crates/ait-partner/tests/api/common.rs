//! Test harness: an in-process ait-sandbox (real mTLS, certificates in a temp dir) and an ait-partner server
//! on a free port with its own temp SQLite file, driven over HTTP by reqwest with a cookie store.
//!
//! With `AIT_TEST_DATABASE=postgres`, each server gets a fresh PostgreSQL database instead, created on the server at
//! `AIT_TEST_DATABASE_URL` (`./build.sh test` starts a throwaway one and runs this suite a second time that way).
//! Tests that read the SQLite file itself ([`Env::sql`]) start with [`Env::sqlite_only`] and are skipped there.

#![allow(dead_code)]

use std::path::PathBuf;

use ait_partner::config::{Config, Secret};
use ait_partner::db::DatabaseUrl;
use ait_partner::{Server, StartOptions};
use ait_sandbox::{Control, FaultSpec, Sandbox, SandboxConfig, SandboxHandle};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const USER: i64 = 1001;
pub const OTHER_USER: i64 = 2002;

pub struct Env {
    pub sandbox: SandboxHandle,
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub server: Option<Server>,
}

impl Env {
    pub async fn new() -> Env {
        Env::with(|_| {}).await
    }

    /// A sandbox and a server whose configuration `tweak` may change (before the sandbox is plugged in).
    pub async fn with(tweak: impl FnOnce(&mut Config)) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::embedded();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.database = match on_postgres() {
            false => dir.path().join("partner.sqlite").into(),
            true => {
                // Several instances share one key; the tests' is fixed (it seals only sandbox tokens).
                config.token_key = Some(Secret("42".repeat(32)));
                fresh_postgres_database()
            }
        };
        config.reconcile_interval_secs = 0; // tests run the reconciler explicitly unless they ask
        config.toss.timeout_ms = 10_000;
        config.page_refunds = true; // the flows refund through the page; security.rs tests the default (off)
        tweak(&mut config);
        let sandbox = Sandbox::start(SandboxConfig {
            cert_dir: Some(dir.path().join("certs")),
            skus: config.catalog.iap.clone(),
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let paths = sandbox.certs.paths.clone().unwrap();
        config.toss.api_base_url = sandbox.base_url();
        config.toss.pay_base_url = sandbox.base_url();
        config.toss.billing_base_url = sandbox.base_url();
        config.toss.client_cert = Some(paths.client_cert);
        config.toss.client_key = Some(paths.client_key);
        config.toss.ca_cert = Some(paths.ca_cert);
        let mut env = Env {
            sandbox,
            dir,
            config,
            server: None,
        };
        env.start().await;
        env
    }

    pub async fn start(&mut self) {
        let server = Server::start(self.config.clone(), StartOptions::default())
            .await
            .unwrap();
        self.server = Some(server);
    }

    /// Stops the server and starts a new one on the same SQLite file (and the same sandbox).
    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        self.start().await;
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    pub fn ctl(&self) -> &Control {
        self.sandbox.control()
    }

    pub fn db_path(&self) -> PathBuf {
        self.config.database.sqlite_path().expect("the tests' database is a SQLite file").to_path_buf()
    }

    /// True (and says so) when the tests run on PostgreSQL: the caller, a test that reads the SQLite file itself,
    /// returns early.
    pub fn sqlite_only(&self, why: &str) -> bool {
        if on_postgres() {
            eprintln!("skipped on PostgreSQL: {why}");
        }
        on_postgres()
    }

    /// One value read from the server's database, whichever it is (`$1` is `arg`). Blocking, on a thread of its
    /// own, so that synchronous helpers can call it from inside the tests' runtime.
    pub fn scalar<T>(&self, sql: &str, arg: Option<&str>) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin + 'static,
    {
        let (url, sql, arg) = (self.config.database.connect_url(), sql.to_owned(), arg.map(str::to_owned));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                use sqlx::Connection;
                sqlx::any::install_default_drivers();
                let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
                let mut q = sqlx::query_scalar::<_, T>(&sql);
                if let Some(a) = arg {
                    q = q.bind(a);
                }
                let v = q.fetch_one(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                v
            })
        })
        .join()
        .unwrap()
    }

    /// A direct connection to the server's SQLite file.
    pub fn sql(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(self.db_path()).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.scalar(sql, None)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server().api_url())
    }

    pub fn fault(&self, spec: Value) {
        let spec: FaultSpec = serde_json::from_value(spec).unwrap();
        self.ctl().add_fault(spec).unwrap();
    }

    /// A browser: a client with a cookie store, not logged in.
    pub fn browser(&self) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: self.server().api_url(),
        }
    }

    /// A browser logged in as `user_key` (a code issued through the sandbox control API, as appLogin() would).
    pub async fn logged_in(&self, user_key: i64) -> Browser {
        let b = self.browser();
        let (status, body) = b.login(self, user_key).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        b
    }

    /// Creates a payment of one `beans_200g` under `key`.
    pub async fn create_payment(&self, b: &Browser, key: &str) -> Value {
        let (s, body) = b
            .post("/tosspay/payments", json!({"order": {"items": [{"sku": "beans_200g", "quantity": 1}]}, "idempotencyKey": key}))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body
    }

    /// The buyer authenticates the payment in the sheet.
    pub fn approve(&self, pay_token: &Value) {
        self.ctl()
            .approve_payment(pay_token.as_str().unwrap(), Some("CARD"))
            .unwrap();
    }

    /// A paid IAP order of `user_key` for `sku`, waiting for its grant (what processProductGrant sees).
    pub fn paid_order(&self, user_key: i64, sku: &str) -> String {
        self.ctl()
            .create_order(&user_key.to_string(), sku, None, true)
            .unwrap()
            .order_id
    }

    /// One reconciler pass, once the leases of finished requests are released: a grant's lease is released in the
    /// background after the request answered, and the reconciler skips what is still held (as it must for a live
    /// request). (A payment's claim is given back before its request answers.) Waits at most half a second for that
    /// (a release takes milliseconds; a lease still there after it is one a test left on purpose, e.g. by stopping a
    /// server mid-request), then runs anyway.
    pub async fn reconcile(&self) -> usize {
        let state = &self.server().state;
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
        while std::time::Instant::now() < deadline {
            if state.db.leases_held().await.unwrap() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        ait_partner::reconciler::run_once(state).await
    }

    pub fn payment_state(&self, order_no: &str) -> String {
        self.scalar("SELECT state FROM payments WHERE order_no = $1", Some(order_no))
    }
}

#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub async fn login(&self, env: &Env, user_key: i64) -> (StatusCode, Value) {
        let code = env
            .ctl()
            .issue_login_code(user_key, None)
            .authorization_code;
        self.post(
            "/login",
            json!({"authorizationCode": code, "referrer": "DEFAULT"}),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        read(r).await
    }
}

pub async fn read(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

/// Asserts a contract error: status, `error.code`, `error.retryable`.
#[track_caller]
pub fn assert_error(got: &(StatusCode, Value), status: u16, code: &str, retryable: bool) {
    assert_eq!(got.0.as_u16(), status, "{}", got.1);
    assert_eq!(got.1["error"]["code"], code, "{}", got.1);
    assert_eq!(got.1["error"]["retryable"], retryable, "{}", got.1);
    assert!(got.1["error"]["message"].is_string(), "{}", got.1);
}

/// Whether this run is on PostgreSQL (`AIT_TEST_DATABASE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("AIT_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A new, empty database on the server at `AIT_TEST_DATABASE_URL`, named after this process and a counter (the
/// throwaway cluster of `./build.sh test` is removed with them; on a long-lived server they stay until dropped).
pub fn fresh_postgres_database() -> DatabaseUrl {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let admin = std::env::var("AIT_TEST_DATABASE_URL")
        .expect("AIT_TEST_DATABASE=postgres needs AIT_TEST_DATABASE_URL (./build.sh postgres starts one)");
    let name = format!(
        "ait_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let create = format!("CREATE DATABASE {name}");
    let admin_for_thread = admin.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin_for_thread).await.unwrap();
            sqlx::query(&create).execute(&mut conn).await.unwrap();
            let _ = conn.close().await;
        })
    })
    .join()
    .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    DatabaseUrl::Postgres(url.to_string())
}

/// Kills the child process when the test ends, whatever happens.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the ait-partner binary against `env`'s sandbox, on a free port, with nothing of the caller's environment
/// and `settings` (more `AIT_PARTNER_*` variables: the database at least) last; returns it with its API URL once it
/// says where it listens. Its stderr (the log) is piped, for the caller to read.
pub async fn spawn_partner(env: &Env, settings: &[(&str, &std::ffi::OsStr)]) -> (Child, String) {
    use std::io::BufRead;
    let paths = env.sandbox.certs.paths.clone().unwrap();
    let base = env.sandbox.base_url();
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_ait-partner"))
            .env_clear()
            .env("AIT_PARTNER_LISTEN", "127.0.0.1:0")
            .env("AIT_PARTNER_RECONCILE_INTERVAL_SECS", "0")
            .env("AIT_PARTNER_TOSS_API_BASE_URL", &base)
            .env("AIT_PARTNER_TOSS_PAY_BASE_URL", &base)
            .env("AIT_PARTNER_TOSS_BILLING_BASE_URL", &base)
            .env("AIT_PARTNER_TOSS_CLIENT_CERT", &paths.client_cert)
            .env("AIT_PARTNER_TOSS_CLIENT_KEY", &paths.client_key)
            .env("AIT_PARTNER_TOSS_CA_CERT", &paths.ca_cert)
            .envs(settings.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let api = tokio::task::spawn_blocking(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if let Some(url) = line.ok()?.strip_prefix("ait-partner: partner API on ") {
                return Some(url.to_string());
            }
        }
        None
    })
    .await
    .unwrap()
    .expect("the server says where it listens");
    (child, api)
}
