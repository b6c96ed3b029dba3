//! # ait-checkout
//!
//! Payments for Apps in Toss mini-apps, over the official web SDK (`@apps-in-toss/web-framework`), in typed futures
//! that always settle: every call has a deadline, old apps fail at once with `UNSUPPORTED_APP_VERSION` instead of
//! hanging, malformed replies are typed errors, and a purchase resolves only once the partner granted it.
//!
//! Layers: [`sdk`] (the SDK as a trait, and its browser binding), [`bridge`] (deadlines, gates, `undefined`),
//! the flows (purchase, restore) used by [`Checkout`], and `js` (the wasm-bindgen surface for JavaScript).
//!
//! Without its `std` feature (the package build) the crate is `no_std`: it needs only `core` and `alloc`, and messages
//! are built by [`text`] instead of `format!`, which keeps `core::fmt` out of the wasm.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[macro_use]
pub mod text;

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

/// A panic cannot happen on any input (every JS value is checked), so none is reported: the wasm traps, as it did
/// with `panic = "abort"`, and the page's promise machinery surfaces a `RuntimeError`.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

pub use bridge::{Bridge, Timeouts};
pub use checkout::{Checkout, CheckoutOptions, GrantFn, GrantRequest, RestoreReport};
pub use error::{Error, ErrorCode};
pub use event::Event;
