//! The application: shared state, the router (the contract under the API prefix, plus static files and the
//! sandbox descriptor when enabled), and a running server with its reconciler.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ait_api::partner;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedMutexGuard};
use tokio::task::JoinHandle;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::toss_client::TossClient;
use crate::{iap, reconciler, session, static_files, tosspay};

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
    /// Per-key locks (one payment, one idempotency key) within this process.
    pub locks: KeyedLocks,
    /// Sandbox mode: what `GET /dev/sandbox.json` tells the dev host.
    pub sandbox: Option<SandboxInfo>,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Assembles the state.
    pub fn new(config: Config, db: Db, toss: TossClient, sandbox: Option<SandboxInfo>) -> Self {
        AppState(Arc::new(Shared {
            config,
            db,
            toss,
            locks: KeyedLocks::default(),
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

/// Async locks by key; entries nobody holds are dropped as the map grows.
#[derive(Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for the lock of `key`.
    pub async fn lock(&self, key: String) -> OwnedMutexGuard<()> {
        let m = {
            let mut map = self
                .map
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if map.len() > 1024 {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            map.entry(key).or_default().clone()
        };
        m.lock_owned().await
    }
}

/// Where the static files are (with `--static-root`).
#[derive(Debug, Clone)]
pub struct StaticRoot(pub PathBuf);

/// The router: the contract under the API prefix; `/dev/sandbox.json` in sandbox mode; static files.
pub fn router(state: AppState, static_root: Option<StaticRoot>) -> Router {
    let api = Router::new()
        .route(partner::PATH_LOGIN, post(session::login))
        .route(partner::PATH_PAYMENTS, post(tosspay::create))
        .route("/tosspay/payments/{order_no}", get(tosspay::status))
        .route(
            "/tosspay/payments/{order_no}/execute",
            post(tosspay::execute),
        )
        .route("/tosspay/payments/{order_no}/refund", post(tosspay::refund))
        .route(partner::PATH_IAP_GRANTS, post(iap::grant))
        .route(partner::PATH_IAP_SYNC, post(iap::sync))
        .route(partner::PATH_IAP_ENTITLEMENTS, get(iap::entitlements))
        .fallback(|| async { AppError::not_found("no such endpoint") })
        .layer(cors(&state.config));

    let prefix = state.config.prefix();
    let mut app = if prefix.is_empty() {
        api
    } else {
        Router::new().nest(&prefix, api)
    };
    if let Some(info) = state.sandbox.clone() {
        app = app.route(
            "/dev/sandbox.json",
            get(move || async move { Json(info) }).layer(CorsLayer::permissive()),
        );
    }
    if let Some(root) = static_root {
        app = app.merge(static_files::router(root.0));
    }
    app.with_state(state)
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
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
        config.validate()?;
        let db = Db::open(&config.database)?;
        let toss = TossClient::from_config(&config.toss)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartError::Bind(config.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Bind(config.listen, e))?;
        let state = AppState::new(config, db, toss, opts.sandbox);
        let app = router(state.clone(), opts.static_root.map(StaticRoot));

        let (tx, mut rx) = watch::channel(false);
        let mut rx2 = rx.clone();
        let serve = tokio::spawn(async move {
            let stop = async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("server error: {e}");
            }
        });
        let reconcile = tokio::spawn(reconciler::run(state.clone(), async move {
            let _ = rx2.wait_for(|stop| *stop).await;
        }));
        Ok(Server {
            addr,
            state,
            shutdown: tx,
            tasks: vec![serve, reconcile],
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
    }

    /// Runs until the server task ends (e.g. after a shutdown signal handled by the caller).
    pub async fn wait(mut self) {
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
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
