//! libFuzzer entry of `partner_http`: its body is `http` in `fuzz/bodies/partner_http.rs`,
//! which the corpus replay under `cargo test` also runs (see `fuzz/README.md`).
#![no_main]

#[allow(dead_code)]
#[path = "../bodies/partner_http.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body::http(data);
});
