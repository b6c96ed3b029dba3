//! Lenient scalar types for reply fields whose JSON type the documents contradict.
//!
//! * `cardCompanyCode`, `spreadOut`: "String" in the execute-payment table (seed 001 §3, seed 000 개발하기 §3),
//!   "Integer" in get-payment-status (§5) and the billing API (seed 002).
//! * `noInterest`: "String" in execute-payment, "Boolean" in get-payment-status and billing.
//! * billing `amount`/`paidAmount`: "integer" in the table, but the example reply (seed 002) sends `"150000"`.
//!
//! These types accept either form and serialise back in the form they were given, so a reply round-trips
//! unchanged. Use the accessors to read the value.

use serde::{Deserialize, Serialize};

/// An integer that may arrive as a JSON number or as a numeric string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// Sent as a JSON number.
    Int(i64),
    /// Sent as a JSON string (normally numeric).
    Str(String),
}

impl IntOrString {
    /// The integer value, if it is a number or a string holding one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            IntOrString::Int(n) => Some(*n),
            IntOrString::Str(s) => s.trim().parse().ok(),
        }
    }
}

impl From<i64> for IntOrString {
    fn from(n: i64) -> Self {
        IntOrString::Int(n)
    }
}

impl From<&str> for IntOrString {
    fn from(s: &str) -> Self {
        IntOrString::Str(s.to_owned())
    }
}

/// A boolean that may arrive as a JSON boolean or as a string (`"true"`/`"false"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BoolOrString {
    /// Sent as a JSON boolean.
    Bool(bool),
    /// Sent as a JSON string.
    Str(String),
}

impl BoolOrString {
    /// The boolean value, if it is a boolean or a string spelling one (case-insensitive).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            BoolOrString::Bool(b) => Some(*b),
            BoolOrString::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }
}

impl From<bool> for BoolOrString {
    fn from(b: bool) -> Self {
        BoolOrString::Bool(b)
    }
}
