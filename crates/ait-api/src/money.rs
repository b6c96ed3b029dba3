//! Money in the partner contract: an integer number of won.
//!
//! Toss prices in whole won (KRW has no minor unit), and the page compares the server's amount with its
//! `expectedAmount` by equality. A dedicated type keeps amounts from being mixed with counts or read as
//! floating point on either side of the contract; on the wire it is a plain JSON integer.

use serde::{Deserialize, Serialize};

/// An amount in won (KRW, no minor unit). On the wire a plain JSON integer (`#[serde(transparent)]`); in
/// TypeScript a `number`. Re-exported as `ait_api::partner::Won`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Won(pub i64);

impl Won {
    /// Zero won.
    pub const ZERO: Won = Won(0);

    /// The number of won.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for Won {
    fn from(won: i64) -> Self {
        Won(won)
    }
}

impl From<Won> for i64 {
    fn from(won: Won) -> Self {
        won.0
    }
}

impl core::fmt::Display for Won {
    /// The bare integer (`15000`), no unit or separators: the page formats amounts for people.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::Won;

    #[test]
    fn is_a_plain_json_integer_both_ways() {
        assert_eq!(serde_json::to_string(&Won(15_000)).unwrap(), "15000");
        assert_eq!(serde_json::from_str::<Won>("-300").unwrap(), Won(-300));
        // Money is whole won: a fraction or a numeric string is not an amount.
        assert!(serde_json::from_str::<Won>("1.5").is_err());
        assert!(serde_json::from_str::<Won>("\"100\"").is_err());
    }

    #[test]
    fn displays_the_bare_integer_and_orders_by_value() {
        assert_eq!(Won(1_234_567).to_string(), "1234567");
        assert!(Won(999) < Won(1_000));
        assert_eq!(Won::default(), Won::ZERO);
        assert_eq!(i64::from(Won::from(42)), 42);
    }
}
