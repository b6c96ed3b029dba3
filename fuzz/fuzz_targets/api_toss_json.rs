//! libFuzzer entry of `api_toss_json`: its body is `toss_json` in `fuzz/bodies/api.rs`,
//! which the corpus replay under `cargo test` also runs (see `fuzz/README.md`).
#![no_main]

#[allow(dead_code)]
#[path = "../bodies/api.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    body::toss_json(data);
});
