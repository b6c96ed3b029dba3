//! # ait-sandbox — Toss's servers, emulated
//!
//! An HTTPS server that, like Toss's, **requires a client certificate** (mTLS) signed by a CA it is given or
//! generates, answers every endpoint of the seeds on one port (the paths of `apps-in-toss-api.toss.im`,
//! `pay-apps-in-toss-api.toss.im` and the billing host `pay.toss.im` do not collide; a `Host` header naming a
//! documented Toss host must match the endpoint's host), keeps state in memory, applies the documented
//! validation and error shapes, and offers a plain-HTTP **control API** on loopback to play the Toss app, the
//! user and the store, and to inject faults.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ait_sandbox::SandboxError> {
//! use ait_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?; // ports 0: picks free ports
//! println!("Toss at https://{}  control at http://{}", sandbox.mtls_addr, sandbox.control_addr);
//! let code = sandbox.control().issue_login_code(42, None);         // appLogin() for userKey 42
//! # let _ = code;
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## What is emulated
//!
//! | area | endpoints | behaviour |
//! |---|---|---|
//! | login | `generate-token`, `refresh-token`, `login-me`, `access/remove-by-user-key`, `access/remove-by-access-token` | single-use authorization codes that expire; access and refresh tokens with expiry; unlinking revokes every token of the user |
//! | TossPay | `make-payment`, `execute-payment`, `refund-payment`, `get-payment-status` | `PAY_STANDBY` → (control) `PAY_APPROVED` or `PAY_CANCEL` → `PAY_COMPLETE` with a PAY transaction → `REFUND_SUCCESS` with a REFUND transaction; payments belong to the `x-toss-user-key` user and to their `isTestPayment` environment |
//! | IAP | `order/get-order-status` | orders made through control: `ORDER_IN_PROGRESS` → `PAYMENT_COMPLETED`/`FAILED`(/`PURCHASED`) → `REFUNDED`; `NOT_FOUND` for unknown or another user's orders; `MINIAPP_MISMATCH` for a SKU outside the configured list |
//! | promotions | `execute-promotion/get-key`, `execute-promotion`, `execution-result` | keys from `get-key`; execution idempotent per key; results `SUCCESS`/`PENDING`/`FAILED` |
//! | messages | `messenger/send-message` | template codes registered through control |
//! | billing | `billing-key/bill` | billing keys registered through control; replies in seed 002's own shape (`code: 0`/`-1`) |
//!
//! Errors are documented-style `FAIL` envelopes (`{"resultType":"FAIL","error":{"errorCode","reason"}}`):
//! HTTP 400 for a decided failure, 404 for an unknown payment on `get-payment-status` and for unknown paths,
//! 401 for a bad bearer token (and for a missing `x-toss-user-key` on promotion and message calls, whose pages
//! document 401), 405 for a wrong method, 413 for a body over the limit. A request that breaks a rule of
//! `ait_api::validate` gets `INVALID_PARAMETER` with a reason naming the field and the rule, e.g.
//! `invalid orderNo (charset): …`. The codes are listed in [`codes`].
//!
//! ## Where the seeds disagree
//!
//! The rules themselves are `ait_api::validate`'s, which documents each choice; the sandbox follows them:
//!
//! * `isTestPayment`: seed 000's API reference says "샌드박스일 경우 false", the TossPay guides (seed 001 and
//!   seed 000's 개발하기) say "샌드박스 결제 요청이면 true". The guides win: `true` is a test payment
//!   (`mode: TEST`). The flag is kept per payment; a later call with the other value does not find it.
//! * `orderNo` characters: seed 001 allows `~`, seed 002 allows `=`, seed 000 neither; only the characters all
//!   allow are accepted (`ait_api::validate::order_no`).
//! * refund `reason`: required with a character set (guides) vs optional, 55 characters (seed 000 schema): it
//!   is required, 1–55 characters of the guides' set.
//! * `get-payment-status`: the guides mark both `payToken` and `orderNo` required, seed 000's schema needs one
//!   of them: one is enough (if both are given they must match).
//! * `order/get-order-status`: seed 000's IAP guide requires `x-toss-user-key`, its schema page lists none: it
//!   is required (orders belong to users).
//! * Execute-payment reply types: `cardCompanyCode`, `spreadOut`, `noInterest` are strings there (seed 001 §3)
//!   and numbers/booleans in `get-payment-status` (§5) and billing (seed 002); each reply uses its own page's
//!   type.
//! * Test API key: seed 000 spells it `sk_test_w5lNQylNqa5lNQe013Nq`, seed 001 `sk_test_w5INQyINqa5INQe013Nq`;
//!   the billing endpoint accepts both by default.
//!
//! Replies are built from `ait_api`'s reply types and written as Toss writes them ([`reply`]): every field of the
//! endpoint's table, `null` where it does not apply (billing: only the fields that apply, as seed 002 shows).
//!
//! Decisions the seeds leave open: a refund is always of the whole amount (the request has no amount); an
//! `orderNo` is unique across users and across test/live; IAP orders, login codes, templates, promotions and
//! billing keys come from the control API (the seeds do not cover how they are created).
//!
//! ## Control API
//!
//! Plain HTTP on loopback, JSON, CORS open to any origin; `GET /` lists the routes. The same operations are
//! methods of [`Control`] for in-process use. See the crate README for the table and for `curl` examples.
//!
//! ## Faults
//!
//! `POST /faults` (or [`Control::add_fault`]) with a [`FaultSpec`]: `endpoint` (an `ait_api::paths` name such
//! as `execute-payment`, or `*`), `kind` (`latency` + `ms`, `fail` + `errorCode`, `http5xx` + `status`
//! [+ `afterCommit`], `drop`), and `times` (next N calls, default 1) or `rate` + `seed` (deterministic
//! xorshift). `drop` commits the change and then closes the connection without a reply.

#![warn(missing_docs)]

pub mod certs;
pub mod codes;
pub mod control;
pub mod faults;
pub mod reply;
mod req;
mod server;
pub mod state;
pub mod state_page;
mod toss;
pub mod util;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use certs::{CaPem, CertPaths, CertPems, Certs};
pub use control::Control;
pub use faults::{FaultKind, FaultSpec};

/// Why the sandbox could not start.
#[derive(Debug)]
pub enum SandboxError {
    /// Certificate generation, loading or writing failed.
    Certs(String),
    /// Binding a listener failed.
    Bind(SocketAddr, std::io::Error),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::Certs(m) => write!(f, "certificates: {m}"),
            SandboxError::Bind(a, e) => write!(f, "cannot listen on {a}: {e}"),
        }
    }
}

impl std::error::Error for SandboxError {}

/// The documented test merchant key (seed 000 spelling) and its seed 001 variant.
pub const TEST_API_KEYS: &[&str] = &[
    "sk_test_w5lNQylNqa5lNQe013Nq",
    "sk_test_w5INQyINqa5INQe013Nq",
];

/// Pages served from this machine on any port (`http://127.0.0.1:*`, `http://localhost:*`, `http://[::1]:*`): the
/// `ait-sandbox` binary's default [`SandboxConfig::allowed_origins`].
pub const LOOPBACK_ORIGINS: &[&str] =
    &["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"];

/// Default body size limit of the Toss endpoints (64 KiB; the largest documented request is well under 2 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// How to start a sandbox. `Default` binds both listeners to `127.0.0.1:0`, generates a CA, writes no files.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address of the HTTPS + mTLS listener (Toss's API).
    pub mtls_addr: SocketAddr,
    /// Address of the plain-HTTP control listener (keep it on loopback).
    pub control_addr: SocketAddr,
    /// Directory to write `ca.pem`, `server.pem`, `server-key.pem`, `client.pem`, `client-key.pem` (and
    /// `ca-key.pem` for a generated CA). A CA found there (`ca.pem` + `ca-key.pem`) is reused when `ca` is None.
    pub cert_dir: Option<PathBuf>,
    /// A CA to use instead of generating one (client certificates must chain to it).
    pub ca: Option<CaPem>,
    /// Extra host names/IPs for the server certificate.
    pub server_names: Vec<String>,
    /// The mini-app's IAP SKUs; an order for another SKU reports `MINIAPP_MISMATCH`. Empty: every SKU is the
    /// mini-app's.
    pub skus: Vec<String>,
    /// Message template codes registered at start.
    pub templates: Vec<String>,
    /// Promotion codes registered at start (no budget, result `SUCCESS`).
    pub promotions: Vec<String>,
    /// Merchant API keys `billing-key/bill` accepts (default: [`TEST_API_KEYS`]).
    pub billing_api_keys: Vec<String>,
    /// Web origins whose pages may call the control API (CORS): exact origins (`http://127.0.0.1:8080`) or any
    /// port of a host (`http://localhost:*`). Empty (the default): none; in-process and non-browser clients need
    /// no CORS. The `ait-sandbox` binary defaults to [`LOOPBACK_ORIGINS`].
    pub allowed_origins: Vec<String>,
    /// Body size limit of the Toss endpoints, bytes.
    pub body_limit: usize,
    /// Authorization code lifetime, seconds (default 600).
    pub login_code_ttl_secs: i64,
    /// Access token lifetime, seconds (default 3600).
    pub access_token_ttl_secs: i64,
    /// Refresh token lifetime, seconds (default 14 days).
    pub refresh_token_ttl_secs: i64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            mtls_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            control_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            cert_dir: None,
            ca: None,
            server_names: Vec::new(),
            skus: Vec::new(),
            templates: Vec::new(),
            promotions: Vec::new(),
            billing_api_keys: TEST_API_KEYS.iter().map(|s| s.to_string()).collect(),
            allowed_origins: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            login_code_ttl_secs: 600,
            access_token_ttl_secs: 3600,
            refresh_token_ttl_secs: 14 * 24 * 3600,
        }
    }
}

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub skus: Vec<String>,
    pub templates: Vec<String>,
    pub promotions: Vec<String>,
    pub billing_api_keys: Vec<String>,
    pub body_limit: usize,
    pub ttls: state::Ttls,
}

/// Counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub handshakes_accepted: AtomicU64,
    pub handshakes_rejected: AtomicU64,
    pub last_handshake_error: Mutex<Option<String>>,
    pub calls: Mutex<BTreeMap<String, u64>>,
}

impl Stats {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "handshakesAccepted": self.handshakes_accepted.load(Ordering::Relaxed),
            "handshakesRejected": self.handshakes_rejected.load(Ordering::Relaxed),
            "lastHandshakeError": *crate::lock(&self.last_handshake_error),
            "calls": *crate::lock(&self.calls),
        })
    }

    fn reset(&self) {
        self.handshakes_accepted.store(0, Ordering::Relaxed);
        self.handshakes_rejected.store(0, Ordering::Relaxed);
        *crate::lock(&self.last_handshake_error) = None;
        crate::lock(&self.calls).clear();
    }
}

/// Locks a mutex, recovering from poisoning (a panicked handler must not take the sandbox down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the handlers share.
pub(crate) struct Shared {
    pub settings: Settings,
    pub clock: util::Clock,
    pub state: Mutex<state::State>,
    pub faults: Mutex<faults::Faults>,
    pub stats: Stats,
}

impl Shared {
    pub(crate) fn count_call(&self, endpoint: &str) {
        *crate::lock(&self.stats.calls)
            .entry(endpoint.to_string())
            .or_default() += 1;
    }

    /// Registers the configured templates and promotions.
    pub(crate) fn seed_console(&self) {
        let mut st = crate::lock(&self.state);
        for t in &self.settings.templates {
            st.templates.insert(t.clone());
        }
        for p in &self.settings.promotions {
            let _ = st.register_promotion(p, None, None);
        }
    }
}

/// The sandbox.
pub struct Sandbox;

impl Sandbox {
    /// Prepares certificates, binds both listeners and serves them on the current tokio runtime until
    /// [`SandboxHandle::shutdown`] (or until the handle is dropped).
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        let certs = certs::prepare(
            config.ca.as_ref(),
            config.cert_dir.as_deref(),
            &config.server_names,
        )?;
        let tls = certs::server_config(&certs.pems)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        let mtls = TcpListener::bind(config.mtls_addr)
            .await
            .map_err(|e| SandboxError::Bind(config.mtls_addr, e))?;
        let ctl = TcpListener::bind(config.control_addr)
            .await
            .map_err(|e| SandboxError::Bind(config.control_addr, e))?;
        let mtls_addr = mtls
            .local_addr()
            .map_err(|e| SandboxError::Bind(config.mtls_addr, e))?;
        let control_addr = ctl
            .local_addr()
            .map_err(|e| SandboxError::Bind(config.control_addr, e))?;

        let shared = Arc::new(Shared {
            settings: Settings {
                skus: config.skus.clone(),
                templates: config.templates.clone(),
                promotions: config.promotions.clone(),
                billing_api_keys: config.billing_api_keys.clone(),
                body_limit: config.body_limit,
                ttls: state::Ttls {
                    login_code: config.login_code_ttl_secs,
                    access_token: config.access_token_ttl_secs,
                    refresh_token: config.refresh_token_ttl_secs,
                },
            },
            clock: util::Clock::default(),
            state: Mutex::new(state::State::default()),
            faults: Mutex::new(faults::Faults::default()),
            stats: Stats::default(),
        });
        shared.seed_console();

        let (tx, rx) = watch::channel(false);
        let control = Control {
            shared: shared.clone(),
        };
        let tasks = vec![
            tokio::spawn(server::serve_tls(
                mtls,
                acceptor,
                toss::router(shared.clone()),
                shared.clone(),
                rx.clone(),
            )),
            tokio::spawn(server::serve_plain(
                ctl,
                control::router(control.clone(), &config.allowed_origins),
                rx,
            )),
        ];
        Ok(SandboxHandle {
            mtls_addr,
            control_addr,
            certs,
            control,
            shutdown: tx,
            tasks,
        })
    }
}

/// A running sandbox.
pub struct SandboxHandle {
    /// Where the HTTPS + mTLS Toss API listens.
    pub mtls_addr: SocketAddr,
    /// Where the plain-HTTP control API listens.
    pub control_addr: SocketAddr,
    /// The certificates (PEM texts, and file paths when a cert dir was configured).
    pub certs: Certs,
    control: Control,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl SandboxHandle {
    /// `https://localhost:<port>`: the base URL to use instead of each Toss host (the server certificate is
    /// valid for `localhost`, `127.0.0.1`, `::1` and the documented Toss host names).
    pub fn base_url(&self) -> String {
        format!("https://localhost:{}", self.mtls_addr.port())
    }

    /// `http://<control addr>`.
    pub fn control_url(&self) -> String {
        format!("http://{}", self.control_addr)
    }

    /// The in-process control API.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Stops both listeners and closes open connections.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
