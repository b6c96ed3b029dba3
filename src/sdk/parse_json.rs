//! [`Node`] over `serde_json::Value`, for native tests only (serde_json never reaches the wasm build).
//! Shared by the crate's unit tests and, through `#[path]`, by the integration tests' fake SDK (whose replies it is).

use serde_json::Value;

use super::Node;

/// A JSON value read like a host reply (a missing key and `undefined` are the same thing).
#[derive(Clone, Debug)]
pub struct Json(pub Value);

impl Node for Json {
    fn get(&self, key: &str) -> Option<Self> {
        self.0.as_object().and_then(|o| o.get(key)).cloned().map(Json)
    }
    fn is_null(&self) -> bool {
        self.0.is_null()
    }
    fn is_object(&self) -> bool {
        self.0.is_object() || self.0.is_array()
    }
    fn string(&self) -> Option<String> {
        self.0.as_str().map(str::to_string)
    }
    fn number(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.0.as_bool()
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.0.as_array().map(|a| a.iter().cloned().map(Json).collect())
    }
}
