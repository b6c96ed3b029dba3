//! Wire types and validation for the Apps in Toss partner APIs and the ait-checkout partner contract.
//!
//! One source of truth for the JSON exchanged with Toss, shared by the partner server (`ait-partner`), the
//! emulator (`ait-sandbox`) and the browser crate (`ait-checkout`). No I/O. Dependencies are serde (with
//! derive) and thiserror (plus tsify and wasm-bindgen behind the optional `tsify` feature), so it builds for
//! `wasm32-unknown-unknown` without pulling serde_json into the bundle; serde_json is a dev-dependency for the
//! tests.
//!
//! # Which seed specifies what
//!
//! The specs are the Toss documents kept in `shared/seeds/` (Korean):
//!
//! | seed | covers | modules |
//! |---|---|---|
//! | 000 (partner API reference) | common envelope and `resultType` values, hosts, login (token, unlink, login-me), promotions, messages, IAP `get-order-status` and its statuses, TossPay schema pages (max lengths) and a copy of the TossPay guide | [`envelope`], [`paths`], [`login`], [`promotion`], [`messenger`], [`iap`], [`tosspay`] |
//! | 001 (TossPay guide) | make/execute/refund/get-payment-status fields, payment status, bank and card codes, error codes | [`tosspay`], [`codes`], [`envelope::ErrorCode`] |
//! | 002 (auto-billing API) | `billing-key/bill`, its flat `code`/`msg`/`errorCode` reply and field limits | [`billing`] |
//! | design.md | the partner contract between page and partner server, money as [`partner::Won`] | [`partner`] |
//!
//! Where a seed gives no `success` schema (login tokens, login-me, messages, promotion keys) the types follow
//! the public developer guide and keep every non-essential field optional.
//!
//! # Conventions
//!
//! * camelCase on the wire; requests omit unset optional fields; replies treat every field as optional where
//!   Toss may send `null`, and never reject unknown fields (no `deny_unknown_fields` anywhere).
//! * Code lists are string enums with an `Other(String)` catch-all (the seeds say codes may be added), so an
//!   unknown code in a reply parses and round-trips; [`Validate`] rejects `Other` in requests where the list is
//!   closed.
//! * Fields whose JSON type the seeds contradict use [`IntOrString`] / [`BoolOrString`].
//! * Every request type implements [`Validate`]; a broken rule is a [`ValidationError`] `{ field, rule,
//!   message }` with the wire field name. The rules and their sources are in [`validate`].
//!
//! # Features
//!
//! * `tsify`: derives `tsify::Tsify` on the partner contract types the page sees (TypeScript declarations only),
//!   for the browser crate's `.d.ts`. Off by default; the servers do not need it.
//!
//! # Contradictions in the seeds, and what this crate does
//!
//! * **`orderNo` characters.** Seed 001 allows `_-:~.^@`, seed 000 `_-:.^@`, seed 002 (billing) `_-:.^@=`.
//!   We accept ASCII letters, digits and `_-:.^@` only, the characters every seed allows: an order number we
//!   accept is accepted by every API (one generator serves TossPay and billing), and the sandbox never accepts
//!   what live Toss might reject. Max 50 characters everywhere.
//! * **`productDesc` quote.** The forbidden quote glyph is missing from the pages ("따옴표 ,"); both `"` and
//!   `'` are rejected, along with `\`.
//! * **`isTestPayment`.** The guides (seeds 001, 000) say `true` = sandbox/test; seed 000's schema pages say
//!   `false` = sandbox. We follow the guides.
//! * **Refund `reason`.** Required in the guides, optional in seed 000's schema (max 55): required, max 55,
//!   characters from the guides' list (Hangul, ASCII letters, digits, `_-:.^@()[]#/!%?&`; no space).
//! * **get-payment-status.** Seed 001 requires both `payToken` and `orderNo`; seed 000's schema requires one
//!   of them: we require at least one.
//! * **IAP `orderId`.** Documented as a UUID v7, but the example is a v4 UUID: any UUID form is accepted.
//! * **Field types.** `cardCompanyCode`, `spreadOut`, `noInterest` are strings in execute-payment and
//!   number/boolean elsewhere; billing's example sends amounts as strings: lenient types, see [`wire`].
//! * **Hosts and paths.** Seed 000's firewall table writes `apps-in-toss-api-toss.im`; the domain list and
//!   cURL samples use `apps-in-toss-api.toss.im` (used here). Seed 001's execute-payment cURL truncates the
//!   path (`execute-paym`); the section's URL line is used.
//! * **Amount limits.** "Max Length 7" is read as at most 7 digits (0–9,999,999); a payment total must be at
//!   least 1, and no part (tax-free, taxable, VAT, service fee) may exceed it.
//!
//! # Example
//!
//! ```
//! use ait_api::tosspay::{MakePaymentRequest, MakePaymentResponse};
//! use ait_api::{paths, Envelope, Rule, Validate};
//!
//! let req = MakePaymentRequest {
//!     order_no: "order-42".into(),
//!     product_desc: "고양이 사료 2kg".into(),
//!     amount: 15_000,
//!     amount_tax_free: Some(0),
//!     is_test_payment: true,
//!     ..Default::default()
//! };
//! req.validate()?;
//! assert_eq!(paths::MAKE_PAYMENT.host, paths::Host::Pay);
//!
//! let bad = MakePaymentRequest { order_no: "order~42".into(), ..req.clone() };
//! let err = bad.validate().unwrap_err();
//! assert_eq!((err.field.as_str(), err.rule.clone()), ("orderNo", Rule::Charset));
//!
//! let reply: Envelope<MakePaymentResponse> =
//!     serde_json::from_str(r#"{"resultType":"SUCCESS","success":{"payToken":"tok"}}"#).unwrap();
//! assert_eq!(reply.into_result().unwrap().pay_token, "tok");
//! # Ok::<(), ait_api::ValidationError>(())
//! ```
//!
//! Fixtures of every JSON example in the seeds, with the minimal fixes some needed, are in
//! `tests/fixtures/` (see its README).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod macros;

pub mod billing;
pub mod codes;
pub mod envelope;
pub mod iap;
pub mod login;
pub mod messenger;
mod money;
pub mod partner;
pub mod paths;
pub mod promotion;
pub mod tosspay;
pub mod validate;
pub mod wire;

pub use billing::{BillRequest, BillResponse, BillingError};
pub use codes::{
    BankCode, CardCompany, CardMethodType, CardUserType, CashReceiptTradeOption, Installment,
    PayMethod, PayMode, PayStatus, StepType,
};
pub use envelope::{ApiError, Envelope, EnvelopeError, ErrorCode, ResultType};
pub use paths::Endpoint;
pub use validate::{Rule, Validate, ValidationError};
pub use wire::{BoolOrString, IntOrString};
