//! The application: shared state, the router (the contract under the API prefix, plus static files and the
//! sandbox descriptor when enabled), and a running server with its reconciler.
//!
//! Layers, outermost first: panics become a JSON 500; security headers on every reply
//! ([`security_headers`]); under the API prefix, CORS for the configured origins, a request-body deadline,
//! the state-change guard ([`guard`]: foreign origins and non-JSON bodies refused before any handler), then
//! per route: the login rate limit per client IP, and for the calls that reach Toss the path check and the
//! rate limit per user ([`rate_limit`]). Unknown paths answer 404 and wrong methods 405 in the contract's JSON.

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ait_api::partner;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::guard::AllowedOrigins;
use crate::rate_limit::Limits;
use crate::security_headers::PagePolicy;
use crate::token_seal::TokenSeal;
use crate::toss_client::TossClient;
use crate::{
    extract, guard, health, iap, rate_limit, reconciler, security_headers, serve, session, static_files,
    token_seal, tosspay,
};

/// What every handler gets (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The shared parts.
pub struct Shared {
    /// The configuration in force.
    pub config: Config,
    /// The database.
    pub db: Db,
    /// The Toss client.
    pub toss: TossClient,
    /// Sandbox mode: what `GET /dev/sandbox.json` tells the dev host.
    pub sandbox: Option<SandboxInfo>,
    /// Seals the Toss tokens kept in the database.
    pub seal: TokenSeal,
    /// The rate limiters.
    pub limits: Limits,
    /// The configured `allowed_origins`, canonical.
    pub origins: AllowedOrigins,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Assembles the state (the token key from `config.token_key`; see [`TokenSeal::from_config`]).
    pub fn new(config: Config, db: Db, toss: TossClient, sandbox: Option<SandboxInfo>) -> Self {
        AppState(Arc::new(Shared {
            seal: TokenSeal::from_config(&config),
            limits: Limits::new(&config.rate_limit),
            origins: AllowedOrigins::new(&config.allowed_origins),
            config,
            db,
            toss,
            sandbox,
        }))
    }
}

/// `GET /dev/sandbox.json` in sandbox mode: how the in-page dev host reaches the sandbox control API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInfo {
    /// `http://127.0.0.1:PORT` of the control API.
    pub control_url: String,
    /// The demo user's key (a string, as the dev host and the control API take it).
    pub user_key: String,
}

/// Where the static files are (with `--static-root`).
#[derive(Debug, Clone)]
pub struct StaticRoot(pub PathBuf);

/// The router: the contract under the API prefix; `GET /health`; `/dev/sandbox.json` in sandbox mode; static files.
pub fn router(state: AppState, static_root: Option<StaticRoot>) -> Router {
    const PAYMENT: &str = "/tosspay/payments/{order_no}";
    const EXECUTE: &str = "/tosspay/payments/{order_no}/execute";
    const REFUND: &str = "/tosspay/payments/{order_no}/refund";

    // The calls that reach Toss: the path must decode, then one user's rate limit.
    let mut toss = Router::new()
        .route(partner::PATH_PAYMENTS, post(tosspay::create))
        .route(PAYMENT, get(tosspay::status))
        .route(EXECUTE, post(tosspay::execute))
        .route(partner::PATH_IAP_GRANTS, post(iap::grant))
        .route(partner::PATH_IAP_SYNC, post(iap::sync));
    if state.config.page_refunds {
        toss = toss.route(REFUND, post(tosspay::refund));
    }
    let toss = toss
        .route_layer(from_fn_with_state(state.clone(), rate_limit::per_user))
        .route_layer(from_fn(extract::path_params));

    let mut api = Router::new()
        .route(
            partner::PATH_LOGIN,
            post(session::login)
                .route_layer(from_fn_with_state(state.clone(), rate_limit::per_client_ip)),
        )
        .route(partner::PATH_LOGOUT, post(session::logout))
        .route(partner::PATH_IAP_ENTITLEMENTS, get(iap::entitlements))
        .merge(toss);
    if !state.config.page_refunds {
        // Refused before anything is looked up or changed.
        api = api.route(
            REFUND,
            post(|| async { AppError::refunds_disabled() })
                .route_layer(from_fn(extract::path_params)),
        );
    }
    let api = api
        .method_not_allowed_fallback(|| async { AppError::method_not_allowed() })
        .fallback(|| async { AppError::not_found("no such endpoint") })
        .layer(from_fn_with_state(state.clone(), guard::guard))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_millis(
            state.config.header_read_timeout_ms.max(1),
        )))
        .layer(cors(&state.origins));
    let api = security_headers::api(api);

    let prefix = state.config.prefix();
    let mut app = if prefix.is_empty() {
        api
    } else {
        Router::new().nest(&prefix, api)
    };
    // For load balancers: outside the prefix and its guard (see `health`).
    app = app.route(health::PATH, get(health::health));
    if let Some(info) = state.sandbox.clone() {
        // Same origin and the configured origins only (the dev host fetches it from the demo page).
        app = app.route(
            "/dev/sandbox.json",
            get(move || async move { Json(info) }).layer(cors(&state.origins)),
        );
    }
    if let Some(root) = static_root {
        let policy = PagePolicy {
            connect_src: state
                .sandbox
                .iter()
                .map(|s| s.control_url.clone())
                .collect(),
        };
        app = app.merge(static_files::router(root.0, policy));
    }
    let app = app
        .method_not_allowed_fallback(|| async { AppError::method_not_allowed() })
        .fallback(|| async { AppError::not_found("no such endpoint") });
    security_headers::everywhere(app)
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                AppError::internal("a handler panicked").into_response()
            },
        ))
        .with_state(state)
}

fn cors(origins: &AllowedOrigins) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .as_slice()
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        // ait-checkout sends `accept`, `content-type` and an `idempotency-key` header.
        .allow_headers([
            header::ACCEPT,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The Toss client could not be built.
    #[error(transparent)]
    Toss(#[from] crate::toss_client::TossClientError),
    /// The token key is unusable or could not be generated.
    #[error(transparent)]
    TokenKey(#[from] token_seal::TokenKeyError),
    /// The listener could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// What [`Server::start`] needs besides the configuration.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Serve the demo's static files from this directory.
    pub static_root: Option<PathBuf>,
    /// Sandbox mode descriptor.
    pub sandbox: Option<SandboxInfo>,
}

/// The longest a request's live section (what it does while holding a lease) can take: two Toss calls (an execute
/// whose reply is lost, then a status read) and a margin. A request waits this long for another's lease; a stop
/// waits this long for open requests.
pub fn longest_section(config: &Config) -> Duration {
    Duration::from_millis(config.toss.timeout_ms.saturating_mul(2)) + Duration::from_secs(5)
}

/// A running server.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state.
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Opens the database, builds the Toss client, binds, and serves (with the reconciler) on the current
    /// runtime until [`Server::shutdown`].
    pub async fn start(config: Config, opts: StartOptions) -> Result<Server, StartError> {
        let listener = std::net::TcpListener::bind(config.listen)
            .map_err(|e| StartError::Bind(config.listen, e))?;
        Server::start_on(listener, config, opts).await
    }

    /// [`Server::start`] on a listener bound beforehand (its address replaces `config.listen`), e.g. so that
    /// sandbox mode knows the server's origin before the server starts.
    pub async fn start_on(
        listener: std::net::TcpListener,
        mut config: Config,
        opts: StartOptions,
    ) -> Result<Server, StartError> {
        let bind_err = |e| StartError::Bind(config.listen, e);
        let addr = listener.local_addr().map_err(bind_err)?;
        config.listen = addr;
        config.validate()?;
        token_seal::resolve_key(&mut config)?;
        // A request waits for a claim at most as long as a live section can last.
        let db = Db::connect_with(&config.database, config.database_pool)
            .await?
            .with_leases(Duration::from_millis(config.lease_ttl_ms), longest_section(&config));
        let toss = TossClient::from_config(&config.toss)?;
        listener
            .set_nonblocking(true)
            .map_err(|e| StartError::Bind(addr, e))?;
        let listener = TcpListener::from_std(listener).map_err(|e| StartError::Bind(addr, e))?;
        let header_read_timeout = Duration::from_millis(config.header_read_timeout_ms.max(1));
        let state = AppState::new(config, db, toss, opts.sandbox);
        let app = router(state.clone(), opts.static_root.map(StaticRoot));

        let (tx, rx) = watch::channel(false);
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let serve = tokio::spawn(serve::serve(
            listener,
            app,
            header_read_timeout,
            stopped(rx.clone()),
        ));
        let reconcile = tokio::spawn(reconciler::run(state.clone(), stopped(rx.clone())));
        let limits = state.clone();
        let mut stop = rx;
        let forget = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = every.tick() => limits.limits.forget_idle(),
                    _ = stop.wait_for(|stop| *stop) => break,
                }
            }
        });
        Ok(Server {
            addr,
            state,
            shutdown: tx,
            tasks: vec![serve, reconcile, forget],
        })
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://<addr><api prefix>`: the page's `partnerBaseUrl`.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.url(), self.state.config.prefix())
    }

    /// Stops accepting, finishes open requests, stops the reconciler.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
        // Every connection closed: SQLite checkpoints its WAL into the file, so a copy of the file alone is whole.
        self.state.db.close().await;
    }

    /// Runs until the server task ends (e.g. after a shutdown signal handled by the caller).
    pub async fn wait(mut self) {
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
        self.state.db.close().await;
    }

    /// How long a stop waits for open requests: the longest a request's live section can take
    /// ([`longest_section`]). A request cut after that loses nothing its page was told (as after a kill).
    pub fn drain_limit(&self) -> Duration {
        longest_section(&self.state.config)
    }

    /// A handle that stops the server from elsewhere.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
