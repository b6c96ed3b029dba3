//! How the sandbox writes a Toss `success` payload: built as an `ait_api` reply type, serialised the way Toss
//! writes that API.
//!
//! The enveloped APIs (TossPay, IAP, login, promotions, messages) send every field of the endpoint's table and
//! `null` for those that do not apply: card fields of a `TOSS_MONEY` payment, `msg`/`errorCode` of a success,
//! personal fields without consent (seed 001 §3's execute-payment example, seed 000's login-me note "일부 항목은
//! 사용자 동의 여부에 따라 null일 수 있어요"). `ait_api`'s reply types skip `None` when serialising (right for a
//! client), so [`TossJson::toss_json`] puts the missing fields back as `null`: a partner built on the sandbox
//! meets the nulls it will meet live. The billing API (seed 002) omits what does not apply instead.

use ait_api::billing::BillResponse;
use ait_api::iap::OrderStatusResponse;
use ait_api::login::{LoginMeResponse, RemoveAccessResponse, TokenResponse};
use ait_api::messenger::SendMessageResponse;
use ait_api::promotion::{
    ExecutePromotionResponse, PromotionExecutionStatus, PromotionKeyResponse,
};
use ait_api::tosspay::{
    CardInfo, ExecutePaymentResponse, MakePaymentResponse, PaymentStatusResponse,
    RefundPaymentResponse,
};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Serialize;
use serde_json::Value;

/// A Toss `success` payload type, and how Toss writes it on the wire.
pub trait TossJson: Serialize + DeserializeOwned {
    /// The payload as Toss sends it: every field of the type, `null` where unset.
    fn toss_json(&self) -> Value {
        documented(self)
    }
}

impl TossJson for MakePaymentResponse {}
impl TossJson for ExecutePaymentResponse {}
impl TossJson for RefundPaymentResponse {}
impl TossJson for OrderStatusResponse {}
impl TossJson for TokenResponse {}
impl TossJson for RemoveAccessResponse {}
impl TossJson for LoginMeResponse {}
impl TossJson for PromotionKeyResponse {}
impl TossJson for ExecutePromotionResponse {}
impl TossJson for SendMessageResponse {}

impl TossJson for PaymentStatusResponse {
    /// `card` is `null` for a `TOSS_MONEY` payment, and a full card object (with its own nulls) for `CARD`.
    fn toss_json(&self) -> Value {
        let mut v = documented(self);
        if let Some(card) = v.get_mut("card") {
            fill_nulls::<CardInfo>(card);
        }
        v
    }
}

impl TossJson for PromotionExecutionStatus {
    /// A bare string (`"SUCCESS"`), not an object.
    fn toss_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

impl TossJson for BillResponse {
    /// Seed 002 leaves out the fields that do not apply (no card fields on a `TOSS_MONEY` bill).
    fn toss_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// `reply` as JSON with every field of `T` present, `null` where `T` skipped it.
pub fn documented<T: Serialize + DeserializeOwned>(reply: &T) -> Value {
    let mut v = serde_json::to_value(reply).unwrap_or(Value::Null);
    fill_nulls::<T>(&mut v);
    v
}

/// Adds `null` for every field of `T` missing from the object `v` (anything but an object is left alone).
pub fn fill_nulls<T: DeserializeOwned>(v: &mut Value) {
    if let Value::Object(m) = v {
        for name in field_names::<T>() {
            m.entry(*name).or_insert(Value::Null);
        }
    }
}

/// The wire names of `T`'s fields, as serde's derive lists them for `deserialize_struct` (empty for a type
/// that is not a struct).
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    // The deserializer records the list and stops: the error is expected and carries nothing.
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

/// A deserializer that only records the field list a derived `Deserialize` announces.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names recorded"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ait_api::tosspay::PaymentTransaction;
    use ait_api::{PayMethod, PayStatus};

    #[test]
    fn field_names_are_the_wire_names() {
        let names = field_names::<PaymentStatusResponse>();
        assert!(names.contains(&"discountAmountV2"), "{names:?}");
        assert!(names.contains(&"payStatus"));
        assert!(names.contains(&"card"));
        assert_eq!(field_names::<MakePaymentResponse>(), &["payToken"]);
        assert!(field_names::<PromotionExecutionStatus>().is_empty());
    }

    #[test]
    fn unset_fields_are_sent_as_null_set_ones_as_set() {
        let status = PaymentStatusResponse {
            pay_status: Some(PayStatus::PayComplete),
            pay_method: Some(PayMethod::Card),
            amount: Some(15_000),
            card: Some(CardInfo {
                card_company_name: Some("국민".into()),
                ..Default::default()
            }),
            transactions: Some(vec![PaymentTransaction::default()]),
            ..Default::default()
        };
        let v = status.toss_json();
        assert_eq!(v["payStatus"], "PAY_COMPLETE");
        assert_eq!(v["amount"], 15_000);
        assert!(v.get("accountBankCode").is_some_and(Value::is_null));
        assert_eq!(v["card"]["cardCompanyName"], "국민");
        assert!(v["card"]
            .get("salesCheckLinkUrl")
            .is_some_and(Value::is_null));
        let without_card = PaymentStatusResponse::default().toss_json();
        assert!(without_card.get("card").is_some_and(Value::is_null));
        // Every field, nothing more: the typed reply reads back the same.
        let back: PaymentStatusResponse = serde_json::from_value(v).unwrap();
        assert_eq!(back, status);
    }

    #[test]
    fn billing_omits_and_promotion_results_are_bare_strings() {
        let bill = BillResponse::failure("NOT_ENOUGH_BALANCE", "잔액이 부족합니다.").toss_json();
        assert_eq!(
            bill,
            serde_json::json!({ "code": -1, "errorCode": "NOT_ENOUGH_BALANCE", "msg": "잔액이 부족합니다." })
        );
        assert_eq!(PromotionExecutionStatus::Pending.toss_json(), "PENDING");
    }
}
