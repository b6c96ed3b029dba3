//! # ait-partner — the reference partner server
//!
//! An axum server implementing the partner contract of ait-checkout (design.md, "The partner contract";
//! wire types in `ait_api::partner`) against Toss's partner APIs over mTLS — the real hosts by
//! configuration, or the in-process ait-sandbox with `--sandbox`. State lives in SQLite.
//!
//! | call | does |
//! |---|---|
//! | `POST /login` | `generate-token`, `login-me`; tokens (sealed) and `userKey` stay in SQLite; HttpOnly session cookie |
//! | `POST /logout` | ends the session, clears the cookie |
//! | `POST /tosspay/payments` | prices the order from the catalog, makes the `orderNo`, `make-payment`; idempotent per key |
//! | `POST /tosspay/payments/{orderNo}/execute` | `execute-payment`; a lost/late/5xx reply is settled from `get-payment-status` |
//! | `GET /tosspay/payments/{orderNo}` | `get-payment-status`, reconciling the store |
//! | `POST /tosspay/payments/{orderNo}/refund` | `refund-payment` (only with `page_refunds`; else 403 `REFUNDS_DISABLED`) |
//! | `POST /iap/grants` | `order/get-order-status` check, one grant per `orderId` |
//! | `POST /iap/sync` | revokes grants of orders Toss reports refunded, failed or unknown; confirms provisional ones |
//! | `GET /iap/entitlements` | the user's grants not revoked |
//!
//! Modules, one concept each: [`config`], [`db`] (+ `migrations/`), [`toss_client`], [`session`],
//! [`token_seal`], [`tosspay`] (the TossPay endpoints and the payment state machine, a file per concept) and
//! [`payments`] (its store: states and events as enums), [`iap`], [`reconciler`], `sandbox_mode` (feature
//! `sandbox`), [`static_files`] (tower-http's `ServeDir` for the demo), [`error`], [`extract`], the HTTP surface's
//! defences ([`guard`], [`forwarded`], [`rate_limit`], [`security_headers`]), [`serve`] (hyper with a header-read
//! timeout), [`app`] (state, router, server).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ait_partner::config::Config::load(Some("partner.toml".as_ref()))?;
//! let server = ait_partner::Server::start(config, Default::default()).await?;
//! println!("partner API on {}", server.api_url());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod forwarded;
pub mod guard;
pub mod health;
pub mod iap;
pub mod payments;
pub mod rate_limit;
pub mod reconciler;
#[cfg(feature = "sandbox")]
pub mod sandbox_mode;
pub mod security_headers;
pub mod serve;
pub mod session;
pub mod static_files;
pub mod token_seal;
pub mod toss_client;
pub mod tosspay;

pub use app::{AppState, SandboxInfo, Server, StartError, StartOptions};
pub use config::Config;
pub use error::AppError;
