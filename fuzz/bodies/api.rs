//! Fuzz bodies for `ait-api`: the wire types of the Toss APIs and of the partner contract, decoded from arbitrary
//! bytes, and the validators of `ait_api::validate`.
//!
//! One function per fuzz target, shared by the libFuzzer targets (`fuzz/fuzz_targets/api_*.rs`) and the corpus
//! replay under plain `cargo test` (`crates/ait-api/tests/corpus_replay.rs`), so the replay runs exactly what was
//! fuzzed. Each may only use what both reach: `ait_api`, `serde` and `serde_json`.
//!
//! What every body asserts, beyond "no panic": bad input is a typed error (a serde error, a `ValidationError`
//! naming its field, an `EnvelopeError`); a decoded value serialises and decodes back to itself (nothing lost or
//! changed on the way); each validator's verdict matches its documented rule, written out again here.

use std::fmt::Debug;

use ait_api::validate::{self, Rule, Validate, ValidationError};
use ait_api::{billing, iap, login, messenger, partner, paths, promotion, tosspay};
use ait_api::{BankCode, BoolOrString, CardCompany, Envelope, EnvelopeError, IntOrString, PayStatus, ResultType};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serialises `value` and decodes it back: the result must equal `value`.
fn roundtrip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let text = serde_json::to_vec(value).expect("a decoded value serialises");
    let back: T = serde_json::from_slice(&text)
        .unwrap_or_else(|e| panic!("{} does not decode back: {e}", String::from_utf8_lossy(&text)));
    assert_eq!(
        &back,
        value,
        "changed by a round trip through {}",
        String::from_utf8_lossy(&text)
    );
}

/// A `ValidationError` names a field and renders.
fn check_error(e: &ValidationError) {
    assert!(!e.field.is_empty(), "a validation error names its field: {e:?}");
    assert!(!e.to_string().is_empty());
    assert!(!e.rule.id().is_empty());
}

/// A request: decodes or fails typed; validates or fails typed; round-trips with the same verdict. True when it
/// decoded and validated.
fn request<T: Validate + Serialize + DeserializeOwned + PartialEq + Debug>(json: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<T>(json) else {
        return false;
    };
    roundtrip(&value);
    match value.validate() {
        Ok(()) => true,
        Err(e) => {
            check_error(&e);
            false
        }
    }
}

/// A reply wrapped in the common envelope: decodes or fails typed; round-trips; yields its payload or says why not.
/// True when the envelope yielded its payload.
fn enveloped<T: Serialize + DeserializeOwned + PartialEq + Debug + Clone>(json: &[u8], touch: impl Fn(&T)) -> bool {
    if let Ok(bare) = serde_json::from_slice::<T>(json) {
        touch(&bare);
        roundtrip(&bare);
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope<T>>(json) else {
        return false;
    };
    roundtrip(&envelope);
    let result_type = envelope.result_type.clone();
    let had_success = envelope.success.is_some();
    match envelope.into_result() {
        Ok(payload) => {
            assert!(result_type.is_success() && had_success);
            touch(&payload);
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            match e {
                EnvelopeError::Fail(_) => assert!(result_type.is_decided_failure()),
                EnvelopeError::MissingSuccess => assert!(result_type.is_success() && !had_success),
                EnvelopeError::Unsettled { result_type: r, .. } => {
                    assert!(!r.is_success() && !r.is_decided_failure());
                    assert_eq!(r, result_type);
                }
            }
            false
        }
    }
}

/// A reply that is not enveloped (the partner contract, billing): decodes or fails typed; round-trips. True when it
/// decoded.
fn plain<T: Serialize + DeserializeOwned + PartialEq + Debug>(json: &[u8], touch: impl Fn(&T)) -> bool {
    let Ok(value) = serde_json::from_slice::<T>(json) else {
        return false;
    };
    touch(&value);
    roundtrip(&value);
    true
}

fn no_touch<T>(_: &T) {}

/// `api_toss_json`: byte 0 picks a type of the Toss APIs (modulo their count; new types go at the end so the
/// committed corpus keeps its meaning), the rest is JSON text. True when the input was accepted (a valid request,
/// a reply that yielded its payload).
pub fn toss_json(data: &[u8]) -> bool {
    let Some((&pick, json)) = data.split_first() else {
        return false;
    };
    match pick % 25 {
        0 => request::<tosspay::MakePaymentRequest>(json),
        1 => request::<tosspay::ExecutePaymentRequest>(json),
        2 => request::<tosspay::RefundPaymentRequest>(json),
        3 => request::<tosspay::GetPaymentStatusRequest>(json),
        4 => request::<login::GenerateTokenRequest>(json),
        5 => request::<login::RefreshTokenRequest>(json),
        6 => request::<login::RemoveByUserKeyRequest>(json),
        7 => request::<iap::GetOrderStatusRequest>(json),
        8 => request::<billing::BillRequest>(json),
        9 => request::<promotion::ExecutePromotionRequest>(json),
        10 => request::<promotion::PromotionExecutionResultRequest>(json),
        11 => request::<messenger::SendMessageRequest>(json),
        12 => enveloped::<tosspay::MakePaymentResponse>(json, no_touch),
        13 => enveloped::<tosspay::ExecutePaymentResponse>(json, |r| {
            let _ = r.card_company();
            touch_lenient(r.spread_out.as_ref(), r.no_interest.as_ref());
        }),
        14 => enveloped::<tosspay::RefundPaymentResponse>(json, no_touch),
        15 => enveloped::<tosspay::PaymentStatusResponse>(json, |r| {
            if let Some(s) = &r.pay_status {
                let _ = (s.is_paid(), s.is_refunded(), s.is_pending());
            }
            if let Some(card) = &r.card {
                let _ = card.card_company();
                touch_lenient(card.spread_out.as_ref(), card.no_interest.as_ref());
            }
            if let Some(b) = &r.account_bank_code {
                let _ = b.name_ko();
            }
        }),
        16 => enveloped::<login::TokenResponse>(json, |r| {
            let _ = r.expires_in.as_ref().map(IntOrString::as_i64);
        }),
        17 => enveloped::<login::RemoveAccessResponse>(json, no_touch),
        18 => enveloped::<login::LoginMeResponse>(json, |r| {
            let _ = r.scopes();
        }),
        19 => enveloped::<iap::OrderStatusResponse>(json, |r| {
            if let Some(s) = &r.status {
                let _ = (s.is_grantable(), s.is_refunded());
            }
        }),
        20 => plain::<billing::BillResponse>(json, |r| {
            let _ = r.card_company();
            let success = r.is_success();
            match r.clone().into_result() {
                Ok(_) => assert!(success),
                Err(e) => {
                    assert!(!success);
                    assert_eq!(e.code, r.code);
                    assert!(!e.to_string().is_empty());
                }
            }
        }),
        21 => enveloped::<promotion::PromotionKeyResponse>(json, no_touch),
        22 => enveloped::<promotion::ExecutePromotionResponse>(json, no_touch),
        23 => enveloped::<messenger::SendMessageResponse>(json, no_touch),
        _ => plain::<ait_api::ApiError>(json, |e| {
            let _ = e.error_code.is_retryable();
        }),
    }
}

fn touch_lenient(int: Option<&IntOrString>, boolean: Option<&BoolOrString>) {
    let _ = int.map(IntOrString::as_i64);
    let _ = boolean.map(BoolOrString::as_bool);
}

/// `api_partner_json`: byte 0 picks a type of the partner contract (modulo their count), the rest is JSON text.
/// True when the input was accepted.
pub fn partner_json(data: &[u8]) -> bool {
    let Some((&pick, json)) = data.split_first() else {
        return false;
    };
    match pick % 15 {
        0 => request::<partner::LoginRequest>(json),
        1 => request::<partner::CreatePaymentRequest>(json),
        2 => request::<partner::CartOrder>(json),
        3 => request::<partner::ExecuteRequest>(json),
        4 => request::<partner::RefundRequest>(json),
        5 => request::<partner::GrantRequest>(json),
        6 => request::<partner::SyncRequest>(json),
        7 => plain::<partner::LoginResponse>(json, no_touch),
        8 => plain::<partner::CreatePaymentResponse>(json, no_touch),
        9 => plain::<partner::PaymentReceipt>(json, no_touch),
        10 => plain::<partner::PaymentStatusReply>(json, no_touch),
        11 => plain::<partner::RefundReceipt>(json, no_touch),
        12 => plain::<partner::GrantResponse>(json, no_touch),
        13 => plain::<partner::SyncResponse>(json, no_touch),
        _ => {
            let entitlements = plain::<partner::EntitlementsResponse>(json, no_touch);
            plain::<partner::ErrorBody>(json, |b| assert!(!b.error.to_string().is_empty())) || entitlements
        }
    }
}

/// `api_validators`: byte 0 picks a validator, the rest is its input (text, lossily decoded from UTF-8, or
/// little-endian integers). Each verdict is compared with the rule as the documents state it. True when the value
/// was accepted.
pub fn validators(data: &[u8]) -> bool {
    let Some((&pick, rest)) = data.split_first() else {
        return false;
    };
    let text = String::from_utf8_lossy(rest);
    let s = text.as_ref();
    let chars = s.chars().count();
    match pick % 12 {
        0 => {
            let allowed = |c: char| c.is_ascii_alphanumeric() || "_-:.^@".contains(c);
            let rule = (1..=50).contains(&chars) && s.chars().all(allowed);
            verdict("orderNo", validate::order_no("orderNo", s), rule, s)
        }
        1 => {
            let rule = !s.trim().is_empty() && !s.contains(['\\', '"', '\'']) && chars <= 255;
            verdict("productDesc", validate::product_desc("productDesc", s), rule, s)
        }
        2 => {
            let hangul = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c);
            let allowed = |c: char| c.is_ascii_alphanumeric() || hangul(c) || "_-:.^@()[]#/!%?&".contains(c);
            let rule = (1..=55).contains(&chars) && s.chars().all(allowed);
            verdict("reason", validate::refund_reason("reason", s), rule, s)
        }
        3 => {
            let b = s.as_bytes();
            let rule = b.len() == 36
                && b.iter().enumerate().all(|(i, &c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == b'-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
            verdict("orderId", validate::uuid("orderId", s), rule, s)
        }
        4 => {
            let (max, s) = match s.split_once('\n') {
                Some((n, rest)) => (n.parse::<usize>().ok(), rest),
                None => (None, s),
            };
            let n = s.chars().count();
            let ok = verdict("f", validate::not_blank("f", s), !s.trim().is_empty(), s);
            match max {
                Some(max) => {
                    verdict("f", validate::max_chars("f", s, max), n <= max, s);
                    verdict(
                        "f",
                        validate::token("f", s, Some(max)),
                        !s.trim().is_empty() && n <= max,
                        s,
                    )
                }
                None => ok,
            }
        }
        5 => {
            let mut any = false;
            for v in ints(rest) {
                any |= verdict(
                    "amount",
                    validate::amount("amount", v),
                    (0..=9_999_999).contains(&v),
                    &v.to_string(),
                );
                verdict(
                    "amount",
                    validate::total_amount("amount", v),
                    (1..=9_999_999).contains(&v),
                    &v.to_string(),
                );
                verdict(
                    "spreadOut",
                    validate::spread_out("spreadOut", v),
                    (0..=12).contains(&v),
                    &v.to_string(),
                );
                let _ = CardCompany::from_code(v).map(|c| (c.name_ko(), c.is_supported(), c.code()));
            }
            any
        }
        6 => amounts(rest),
        7 => match paths::find(s) {
            Some(ep) => {
                assert_eq!(ep.path, s.split('?').next().unwrap_or(s));
                assert!(paths::find_on(ep.host, s).is_some());
                let _ = ep.url();
                true
            }
            None => false,
        },
        8 => {
            let parsed = partner::parse_payment_path(s);
            if let Some((order_no, action)) = parsed {
                assert!(!order_no.is_empty() && !order_no.contains(['/', '?']));
                let rebuilt = match action {
                    partner::PaymentAction::Status => partner::payment_path(order_no),
                    partner::PaymentAction::Execute => partner::execute_path(order_no),
                    partner::PaymentAction::Refund => partner::refund_path(order_no),
                };
                assert_eq!(partner::parse_payment_path(&rebuilt), Some((order_no, action)));
            }
            parsed.is_some()
        }
        9 => {
            // String enums keep any value verbatim; the closed lists reject what they do not list.
            assert_eq!(PayStatus::parse(s).as_str(), s);
            assert_eq!(ResultType::parse(s).as_str(), s);
            let bank = BankCode::parse(s);
            assert_eq!(bank.as_str(), s);
            assert_eq!(bank.is_known(), bank.name_ko().is_some());
            let _ = BankCode::parse_lenient(s).name_ko();
            let known = ait_api::Installment::parse(s);
            let r = validate::known_value("installment", &known);
            assert_eq!(r.is_ok(), known.is_known());
            if let Err(e) = r {
                assert_eq!(e.rule, Rule::UnknownValue);
            }
            known.is_known()
        }
        10 => {
            assert_eq!(IntOrString::Str(s.to_owned()).as_i64(), s.trim().parse::<i64>().ok());
            let b = BoolOrString::Str(s.to_owned()).as_bool();
            let lower = s.trim().to_ascii_lowercase();
            assert_eq!(
                b,
                match lower.as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            );
            b.is_some()
        }
        _ => {
            let code = ait_api::ErrorCode::parse(s);
            assert_eq!(code.as_str(), s);
            let _ = code.is_retryable();
            let partner_code = partner::PartnerErrorCode::parse(s);
            assert_eq!(partner_code.as_str(), s);
            code.is_known()
        }
    }
}

/// The amount block: `amount` 1–9,999,999, `amountTaxFree` required, every part 0–9,999,999 and at most the total.
fn amounts(rest: &[u8]) -> bool {
    let mut v = ints(rest).into_iter();
    let total = v.next().unwrap_or(0);
    let flags = rest.last().copied().unwrap_or(0);
    let mut part = |bit: u8| if flags & bit != 0 { v.next().or(Some(0)) } else { None };
    let (tax_free, taxable, vat, fee) = (part(1), part(2), part(4), part(8));
    let in_range = |p: Option<i64>| p.is_none_or(|p| (0..=9_999_999).contains(&p) && p <= total);
    let rule = (1..=9_999_999).contains(&total)
        && tax_free.is_some()
        && [tax_free, taxable, vat, fee].into_iter().all(in_range);
    let got = validate::amounts(total, tax_free, taxable, vat, fee);
    assert_eq!(
        got.is_ok(),
        rule,
        "amounts({total}, {tax_free:?}, {taxable:?}, {vat:?}, {fee:?}) gave {got:?}"
    );
    match got {
        Ok(()) => true,
        Err(e) => {
            check_error(&e);
            false
        }
    }
}

/// Little-endian i64s from 8-byte chunks (a shorter tail is zero-padded).
fn ints(bytes: &[u8]) -> Vec<i64> {
    bytes
        .chunks(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            i64::from_le_bytes(b)
        })
        .collect()
}

/// A validator's verdict equals the rule; an error names the field it was given. True when the value passed.
fn verdict(field: &str, got: Result<(), ValidationError>, rule: bool, input: &str) -> bool {
    assert_eq!(got.is_ok(), rule, "{field} = {input:?}: the validator said {got:?}");
    match got {
        Ok(()) => true,
        Err(e) => {
            assert_eq!(e.field, field);
            check_error(&e);
            false
        }
    }
}
