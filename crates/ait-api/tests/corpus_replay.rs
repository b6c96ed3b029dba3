//! The committed fuzz corpora of the `ait-api` targets (`fuzz/corpus/api_*`), replayed through the fuzz targets'
//! own bodies (`fuzz/bodies/api.rs`) under plain `cargo test`: every input once, same assertions.

#[path = "../../../fuzz/bodies/api.rs"]
mod body;
#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[test]
fn api_toss_json() {
    replay::replay("api_toss_json", body::toss_json);
}

#[test]
fn api_partner_json() {
    replay::replay("api_partner_json", body::partner_json);
}

#[test]
fn api_validators() {
    replay::replay("api_validators", body::validators);
}
