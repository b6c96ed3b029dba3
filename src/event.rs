//! Progress and diagnostics reported to `onEvent`: which step of a flow happened, when, and about what. Never
//! carries secrets (no tokens, no codes, no keys).

use serde::Serialize;

/// One step of a flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// What happened, e.g. `purchase.started`, `grant.succeeded`, `purchase.duplicate_ignored`.
    pub name: &'static str,
    /// The SKU concerned, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub sku: Option<String>,
    /// The IAP order concerned, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub order_id: Option<String>,
    /// The error code, for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub code: Option<String>,
    /// Milliseconds since the flow started.
    pub elapsed_ms: f64,
}

impl Event {
    /// An event with just a name and a time.
    pub fn new(name: &'static str, elapsed_ms: f64) -> Event {
        Event { name, sku: None, order_id: None, code: None, elapsed_ms }
    }

    /// About a SKU.
    pub fn sku(mut self, sku: &str) -> Event {
        self.sku = Some(sku.to_string());
        self
    }

    /// About an order.
    pub fn order(mut self, order_id: &str) -> Event {
        self.order_id = Some(order_id.to_string());
        self
    }

    /// With an error code.
    pub fn code(mut self, code: &str) -> Event {
        self.code = Some(code.to_string());
        self
    }
}
