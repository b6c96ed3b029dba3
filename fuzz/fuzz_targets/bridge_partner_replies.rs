//! libFuzzer entry of `bridge_partner_replies`: its body is `partner_replies` in `fuzz/bodies/bridge.rs`,
//! which the corpus replay under `cargo test` also runs (see `fuzz/README.md`).
#![no_main]

#[allow(dead_code)]
#[path = "../bodies/bridge.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body::partner_replies(data);
});
