//! Toss app versions and the minimum versions each SDK call needs.
//!
//! The SDK checks some minimums in the page (below them `createOneTimePurchaseOrder` silently does nothing, so its
//! callbacks never fire) and the host checks others (it resolves `undefined`). This module knows both tables, so a
//! call below its minimum fails at once with `UNSUPPORTED_APP_VERSION` instead of hanging or returning nothing.
//! The comparison is a port of the SDK's own `compareVersions` (web-bridge 2.10.8, `src/utils/compareVersion.ts`).

use std::{string::{String, ToString}, vec::Vec};
use core::cmp::Ordering;
use core::fmt;

use crate::sdk::{Environment, OperationalEnvironment, Platform};

/// The minimum app versions of a call, per platform, as the SDK writes them (`"5.219.0"`, `"always"`, `"never"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinVersions {
    /// Minimum on Android.
    pub android: &'static str,
    /// Minimum on iOS.
    pub ios: &'static str,
}

impl fmt::Display for MinVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Android {}, iOS {}", self.android, self.ios)
    }
}

/// Where a minimum version is enforced, which decides what an old app does if we let the call through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateSide {
    /// The page SDK checks it and silently does nothing below it (the call would hang forever).
    Page,
    /// The host checks it and resolves `undefined` below it.
    Host,
}

/// Each SDK call that has a minimum app version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GatedCall {
    /// `IAP.createOneTimePurchaseOrder`.
    OneTimePurchase,
    /// `IAP.createSubscriptionPurchaseOrder`.
    SubscriptionPurchase,
    /// `IAP.getProductItemList`.
    ProductItemList,
    /// `IAP.getPendingOrders`.
    PendingOrders,
    /// `IAP.getCompletedOrRefundedOrders`.
    CompletedOrRefundedOrders,
    /// `IAP.completeProductGrant`.
    CompleteProductGrant,
    /// `IAP.getSubscriptionInfo`.
    SubscriptionInfo,
    /// `requestTossPayPaysBilling`.
    TossPayPaysBilling,
}

impl GatedCall {
    /// The minimums, from the SDK 2.10.8 sources (page: `web-bridge/dist/index.js`; host: `native-modules/.../iap.ts`).
    pub fn min_versions(self) -> MinVersions {
        let (android, ios) = match self {
            GatedCall::OneTimePurchase => ("5.219.0", "5.219.0"),
            GatedCall::SubscriptionPurchase => ("5.248.0", "5.249.0"),
            GatedCall::ProductItemList => ("5.219.0", "5.219.0"),
            GatedCall::PendingOrders => ("5.234.0", "5.231.0"),
            GatedCall::CompletedOrRefundedOrders => ("5.231.0", "5.231.0"),
            GatedCall::CompleteProductGrant => ("5.233.0", "5.233.0"),
            GatedCall::SubscriptionInfo => ("5.253.0", "5.250.0"),
            GatedCall::TossPayPaysBilling => ("5.256.0", "5.256.0"),
        };
        MinVersions { android, ios }
    }

    /// Which side enforces the minimum.
    pub fn side(self) -> GateSide {
        match self {
            GatedCall::OneTimePurchase | GatedCall::SubscriptionPurchase => GateSide::Page,
            _ => GateSide::Host,
        }
    }

    /// The SDK's name of the call, for messages.
    pub fn sdk_name(self) -> &'static str {
        match self {
            GatedCall::OneTimePurchase => "IAP.createOneTimePurchaseOrder",
            GatedCall::SubscriptionPurchase => "IAP.createSubscriptionPurchaseOrder",
            GatedCall::ProductItemList => "IAP.getProductItemList",
            GatedCall::PendingOrders => "IAP.getPendingOrders",
            GatedCall::CompletedOrRefundedOrders => "IAP.getCompletedOrRefundedOrders",
            GatedCall::CompleteProductGrant => "IAP.completeProductGrant",
            GatedCall::SubscriptionInfo => "IAP.getSubscriptionInfo",
            GatedCall::TossPayPaysBilling => "requestTossPayPaysBilling",
        }
    }
}

/// Below these versions the SDK runs the legacy one-shot purchase flow (`iapCreateOneTimePurchaseOrder`), in which
/// the SDK reports success even when the grant failed. ait-checkout hides the difference.
pub const LEGACY_PURCHASE_BELOW: MinVersions = MinVersions { android: "5.231.1", ios: "5.230.0" };

/// The SDK's `isMinVersionSupported`, on an [`Environment`]: sandbox always passes; `"always"`/`"never"` are
/// literal; otherwise the app version must be at least the platform's minimum.
pub fn is_min_version_supported(env: &Environment, min: &MinVersions) -> Result<bool, VersionError> {
    if env.operational_environment == OperationalEnvironment::Sandbox {
        return Ok(true);
    }
    let minimum = match env.platform {
        Platform::Ios => min.ios,
        Platform::Android => min.android,
    };
    match minimum {
        "always" => Ok(true),
        "never" => Ok(false),
        minimum => Ok(compare_versions(&env.app_version, minimum)? != Ordering::Less),
    }
}

/// A version string the SDK's parser would also reject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError(pub String);

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid app version '{}'", self.0)
    }
}

/// One dotted segment: a number, a wildcard (`x`, `*`) or text (pre-release parts).
#[derive(Clone, Debug, PartialEq)]
enum Segment<'a> {
    Number(u64),
    Wildcard,
    Text(&'a str),
}

impl<'a> Segment<'a> {
    fn parse(raw: &'a str) -> Segment<'a> {
        if matches!(raw, "*" | "x" | "X") {
            return Segment::Wildcard;
        }
        // Like JS parseInt: leading digits count.
        let digits = raw.get(..raw.bytes().take_while(u8::is_ascii_digit).count()).unwrap_or("");
        match digits.parse() {
            Ok(n) => Segment::Number(n),
            Err(_) => Segment::Text(raw),
        }
    }
}

fn compare_segment(a: &Segment<'_>, b: &Segment<'_>) -> Ordering {
    match (a, b) {
        (Segment::Wildcard, _) | (_, Segment::Wildcard) => Ordering::Equal,
        (Segment::Number(x), Segment::Number(y)) => x.cmp(y),
        // Mixed types compare as strings, as in JS.
        (x, y) => seg_text(x).cmp(&seg_text(y)),
    }
}

fn seg_text(s: &Segment<'_>) -> String {
    match s {
        Segment::Number(n) => n.to_string(),
        Segment::Wildcard => "*".into(),
        Segment::Text(t) => (*t).to_string(),
    }
}

fn compare_segment_lists(a: &[Segment<'_>], b: &[Segment<'_>]) -> Ordering {
    let zero = Segment::Number(0);
    for i in 0..a.len().max(b.len()) {
        let ord = compare_segment(a.get(i).unwrap_or(&zero), b.get(i).unwrap_or(&zero));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn is_ident(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'\\')
}

/// Splits `v5.219.0-beta.1+build` into (up to four numeric segments, pre-release).
fn parse_version(v: &str) -> Result<(Vec<Segment<'_>>, Option<&str>), VersionError> {
    let bad = || VersionError(v.to_string());
    let body = v.trim_start_matches(['v', '^', '~', '<', '>', '=', 'V']);
    let (body, build) = match body.split_once('+') {
        Some((b, build)) => (b, Some(build)),
        None => (body, None),
    };
    if let Some(build) = build {
        if !build.split('.').all(is_ident) {
            return Err(bad());
        }
    }
    let (main, pre) = match body.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (body, None),
    };
    if let Some(pre) = pre {
        if !pre.split('.').all(is_ident) {
            return Err(bad());
        }
    }
    let parts: Vec<&str> = main.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Err(bad());
    }
    // The first segment must be a number; later ones a number or a wildcard.
    for (i, part) in parts.iter().enumerate() {
        let numeric = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let wildcard = i > 0 && matches!(*part, "x" | "X" | "*");
        if !(numeric || wildcard) {
            return Err(bad());
        }
    }
    // Pre-release or build only after a full major.minor.patch, as in the SDK's regex.
    if (pre.is_some() || build.is_some()) && parts.len() < 3 {
        return Err(bad());
    }
    Ok((parts.into_iter().map(Segment::parse).collect(), pre))
}

/// Compares two app versions the way the SDK does (numeric segments, wildcards equal anything, a pre-release
/// sorts before its release).
pub fn compare_versions(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (main_a, pre_a) = parse_version(a)?;
    let (main_b, pre_b) = parse_version(b)?;
    let main = compare_segment_lists(&main_a, &main_b);
    if main != Ordering::Equal {
        return Ok(main);
    }
    Ok(match (pre_a, pre_b) {
        (Some(x), Some(y)) => {
            let xs: Vec<Segment<'_>> = x.split('.').map(Segment::parse).collect();
            let ys: Vec<Segment<'_>> = y.split('.').map(Segment::parse).collect();
            compare_segment_lists(&xs, &ys)
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(platform: Platform, version: &str, op: OperationalEnvironment) -> Environment {
        Environment { platform, app_version: version.into(), operational_environment: op }
    }

    #[test]
    fn compares_like_the_sdk() {
        use Ordering::*;
        let cases = [
            ("5.219.0", "5.219.0", Equal),
            ("5.219.1", "5.219.0", Greater),
            ("5.218.9", "5.219.0", Less),
            ("5.230.0", "5.231.1", Less),
            ("5.231.1", "5.231.1", Equal),
            ("5.300.0", "5.231.1", Greater),
            ("6.0.0", "5.999.999", Greater),
            ("5.219", "5.219.0", Equal),
            ("5.219.0.1", "5.219.0", Greater),
            ("v5.219.0", "5.219.0", Equal),
            ("5.219.0-beta.1", "5.219.0", Less),
            ("5.219.0-beta.2", "5.219.0-beta.10", Less),
            ("5.219.0-alpha", "5.219.0-beta", Less),
            ("5.219.0+build.7", "5.219.0", Equal),
            ("5.x.0", "5.219.0", Equal),
            ("10.0.0", "9.0.0", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), Ok(want), "{a} vs {b}");
        }
    }

    #[test]
    fn rejects_what_the_sdk_rejects() {
        for bad in ["", "abc", "5..0", "5.219.0.1.2", "5.219.0-", "x.1.0", "5.219.0-be ta", " 5.219.0"] {
            assert!(compare_versions(bad, "5.219.0").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn min_version_follows_platform_and_sandbox() {
        let min = GatedCall::PendingOrders.min_versions(); // android 5.234.0, ios 5.231.0
        let op = OperationalEnvironment::Toss;
        assert_eq!(is_min_version_supported(&env(Platform::Ios, "5.232.0", op), &min), Ok(true));
        assert_eq!(is_min_version_supported(&env(Platform::Android, "5.232.0", op), &min), Ok(false));
        assert_eq!(is_min_version_supported(&env(Platform::Android, "5.234.0", op), &min), Ok(true));
        let sandbox = env(Platform::Android, "1.0.0", OperationalEnvironment::Sandbox);
        assert_eq!(is_min_version_supported(&sandbox, &min), Ok(true));
        let always = MinVersions { android: "always", ios: "never" };
        assert_eq!(is_min_version_supported(&env(Platform::Android, "1.0.0", op), &always), Ok(true));
        assert_eq!(is_min_version_supported(&env(Platform::Ios, "99.0.0", op), &always), Ok(false));
        assert!(is_min_version_supported(&env(Platform::Ios, "garbage", op), &min).is_err());
    }

    #[test]
    fn gates_match_the_sdk_tables() {
        assert_eq!(GatedCall::OneTimePurchase.side(), GateSide::Page);
        assert_eq!(GatedCall::SubscriptionPurchase.min_versions(), MinVersions { android: "5.248.0", ios: "5.249.0" });
        assert_eq!(GatedCall::SubscriptionInfo.min_versions(), MinVersions { android: "5.253.0", ios: "5.250.0" });
        assert_eq!(GatedCall::TossPayPaysBilling.side(), GateSide::Host);
    }
}
