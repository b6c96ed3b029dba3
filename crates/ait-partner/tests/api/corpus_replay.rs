//! The committed fuzz corpus of `partner_http` (`fuzz/corpus/partner_http`), replayed through the fuzz target's own
//! body (`fuzz/bodies/partner_http.rs`: the router in-process over a seeded temporary database, Toss unreachable)
//! under plain `cargo test`: every input once, same assertions.

#[path = "../../../../fuzz/bodies/partner_http.rs"]
mod body;
#[path = "../../../../fuzz/bodies/replay.rs"]
mod replay;

/// A plain test (not `#[tokio::test]`): the body runs its own current-thread runtime, as under libFuzzer.
#[test]
fn partner_http() {
    replay::replay("partner_http", body::http);
}
