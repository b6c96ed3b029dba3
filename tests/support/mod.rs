pub mod fake_sdk;

#[allow(unused_imports)]
use ait_checkout::sdk::parse::Node;

/// `Node` over `serde_json::Value`: the same adapter the crate's unit tests use.
#[allow(dead_code)]
#[path = "../../src/sdk/parse_json.rs"]
pub mod json;
pub mod fake_partner;
