//! Toss login (`appLogin`): the page only ever sees a short-lived authorization code for the partner server.

use serde::{Deserialize, Serialize};

/// Which login service issued the code; the partner server must pass it on to `generate-token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "UPPERCASE")]
pub enum Referrer {
    /// The Toss app.
    Default,
    /// The sandbox app.
    Sandbox,
}

/// What `appLogin()` resolves with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AppLoginResult {
    /// Single-use code for the partner server's `generate-token`.
    pub authorization_code: String,
    /// `DEFAULT` or `SANDBOX`.
    pub referrer: Referrer,
}

impl Referrer {
    /// The wire spelling the partner's `POST /login` passes on to `generate-token`.
    pub fn as_str(self) -> &'static str {
        match self {
            Referrer::Default => "DEFAULT",
            Referrer::Sandbox => "SANDBOX",
        }
    }
}
