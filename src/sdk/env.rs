//! The app environment: platform, app version and operational environment, read from the constants the host injects.

use serde::{Deserialize, Serialize};

/// The mobile platform the Toss app runs on (`getPlatformOS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// iPhone.
    Ios,
    /// Android.
    Android,
}

impl Platform {
    /// The name messages use (`Android`, `iOS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Ios => "iOS",
            Platform::Android => "Android",
        }
    }
}

/// Whether the app is the real Toss app or the developer sandbox app (`getOperationalEnvironment`).
/// In the sandbox the SDK skips every minimum-version check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "lowercase")]
pub enum OperationalEnvironment {
    /// The Toss app users run.
    Toss,
    /// The Apps-in-Toss sandbox app for developers.
    Sandbox,
}

/// Where the mini-app runs, as `checkout.environment()` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    /// `ios` or `android`.
    pub platform: Platform,
    /// The Toss app version, as the host gives it (e.g. `5.240.0`).
    pub app_version: String,
    /// `toss` or `sandbox`.
    pub operational_environment: OperationalEnvironment,
}
