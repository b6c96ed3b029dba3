//! The flows: plain async Rust over the [`crate::sdk::Sdk`] trait, so the same code runs in native tests with fakes
//! and in the browser against the real SDK.

pub(crate) mod grant;
pub(crate) mod purchase;
pub(crate) mod restore;
