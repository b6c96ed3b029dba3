//! The committed fuzz corpora of the bridge's readers (`fuzz/corpus/bridge_*`), replayed natively through the fuzz
//! targets' own bodies (`fuzz/bodies/bridge.rs`) under plain `cargo test`: every input once, same assertions.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/bodies/bridge.rs"]
mod body;
#[path = "../fuzz/bodies/replay.rs"]
mod replay;

#[test]
fn bridge_host_replies() {
    replay::replay("bridge_host_replies", body::host_replies);
}

#[test]
fn bridge_partner_replies() {
    replay::replay("bridge_partner_replies", body::partner_replies);
}
