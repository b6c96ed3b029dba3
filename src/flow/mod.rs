//! The flows: plain async Rust over the [`crate::sdk::Sdk`] and [`crate::partner::Partner`] traits, so the same code
//! runs in native tests with fakes and in the browser against the real SDK and a real partner server.

pub mod grant;
pub(crate) mod purchase;
pub(crate) mod restore;
pub mod retry;
pub mod tosspay;
