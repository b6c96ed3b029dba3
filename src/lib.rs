//! # ait-checkout
//!
//! Payments for Apps in Toss mini-apps, over the official web SDK (`@apps-in-toss/web-framework`), in typed futures
//! that always settle: every call has a deadline, old apps fail at once with `UNSUPPORTED_APP_VERSION` instead of
//! hanging, malformed replies are typed errors, and a purchase resolves only once the partner granted it.
//!
//! Layers: [`sdk`] (the SDK as a trait, and its browser binding), [`bridge`] (deadlines, gates, `undefined`),
//! the flows (purchase, restore) used by [`Checkout`], and `js` (the wasm-bindgen surface for JavaScript).

pub mod bridge;
pub mod checkout;
pub mod error;
pub mod event;
pub mod flow;
pub mod partner;
pub mod sdk;
pub mod version;

#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod to_js;

/// A small free-list allocator instead of std's dlmalloc (saves ~3.5 KB of gzipped wasm). Sound: this wasm is
/// built without the atomics feature, so it runs on one thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without atomics has a single thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

pub use bridge::{Bridge, Timeouts};
pub use checkout::{Checkout, CheckoutOptions, GrantFn, GrantRequest, RestoreReport};
pub use error::{Error, ErrorCode};
pub use event::Event;
