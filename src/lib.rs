//! # ait-checkout
//!
//! Payments for Apps in Toss mini-apps, over the official web SDK (`@apps-in-toss/web-framework`, 2.10 and 3.x), in
//! typed futures that always settle: every call has a deadline, old apps fail at once with
//! `UNSUPPORTED_APP_VERSION` instead of hanging, malformed replies are typed errors, and a purchase resolves only once
//! the partner granted it.
//!
//! Where things are:
//!
//! * [`checkout`]: the Rust API ([`Checkout`]), which the JS class wraps.
//! * [`flow`]: the flows (TossPay, purchase, grant, restore, retries), plain async Rust over two traits.
//! * [`sdk`]: the SDK as a trait ([`sdk::Sdk`]) and the typed replies of its calls.
//! * [`partner`]: the partner contract as a trait ([`partner::Partner`]), typed by `ait_api::partner`.
//! * [`bridge`]: host checks, version gates and deadlines around any [`sdk::Sdk`].
//! * [`error`]: the one error type, [`Error`], with its stable [`ErrorCode`].
//! * `web` (wasm32 only): everything browser-only: the SDK binding, the partner client over gloo-net, and the
//!   wasm-bindgen surface (`Checkout`, `CheckoutError`) that `js/index.js` re-exports.
//!
//! The flows, the bridge and the contract never mention the target: the same code runs in native tests against
//! fakes and in Chromium against the real SDK and a real partner server.

pub mod bridge;
pub mod checkout;
pub mod error;
pub mod event;
pub mod flow;
pub mod partner;
pub mod sdk;
pub mod version;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use bridge::{Bridge, Timeouts};
pub use checkout::{Checkout, CheckoutOptions, GrantFn, GrantRequest, RestoreReport};
pub use error::{Error, ErrorCode};
pub use event::Event;
