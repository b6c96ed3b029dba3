//! libFuzzer entry of `api_partner_json`: its body is `partner_json` in `fuzz/bodies/api.rs`,
//! which the corpus replay under `cargo test` also runs (see `fuzz/README.md`).
#![no_main]

#[allow(dead_code)]
#[path = "../bodies/api.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body::partner_json(data);
});
