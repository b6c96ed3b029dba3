//! TossPay on the page: `checkoutPayment` (the user authenticates a payment the partner server created) and
//! `requestTossPayPaysBilling` (auto-billing registration). Both report failure as `{ success: false, reason? }`.

use serde::{Deserialize, Serialize};

/// What `checkoutPayment` and `requestTossPayPaysBilling` resolve with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResult {
    /// Whether the user authenticated.
    pub success: bool,
    /// Why not, when the host says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub reason: Option<String>,
}
