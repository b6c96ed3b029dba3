//! Wire types and validation for the Apps in Toss partner APIs and the ait-checkout partner contract.
//! (Crate docs are completed in a later step.)

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod macros;

pub mod billing;
pub mod codes;
pub mod envelope;
pub mod iap;
pub mod login;
pub mod messenger;
pub mod partner;
pub mod paths;
pub mod promotion;
pub mod tosspay;
pub mod validate;
pub mod wire;

pub use codes::{
    BankCode, CardCompany, CardMethodType, CardUserType, CashReceiptTradeOption, Installment, PayMethod,
    PayMode, PayStatus, StepType,
};
pub use envelope::{ApiError, Envelope, EnvelopeError, ErrorCode, ResultType};
pub use validate::{Rule, Validate, ValidationError};
pub use wire::{BoolOrString, IntOrString};
