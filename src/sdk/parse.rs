//! Hand-written readers for the host's replies.
//!
//! The browser binding reads `JsValue`s through [`Node`]; native tests read `serde_json::Value`s through the same
//! trait, so both run the very same parsing code. Written by hand instead of with serde because serde's generic
//! deserialisers cost tens of KB of wasm. Rules, the same as the serde derives on the types: unknown fields are
//! ignored, an optional field may be missing, `undefined` or `null`, anything else malformed is an error naming the
//! field (`products[2].renewalCycle: expected WEEKLY, MONTHLY or YEARLY`). Nothing here can panic.

use crate::text::Piece;
use alloc::{string::String, vec::Vec};
use core::fmt;

use super::iap::*;
use super::{AppLoginResult, AuthenticationResult, Referrer};

/// A JSON-like value: a JS value in the browser, a `serde_json::Value` in native tests.
pub trait Node: Sized {
    /// `self[key]`; `None` when missing or `undefined` (and for values that have no fields).
    fn get(&self, key: &str) -> Option<Self>;
    /// Whether this is `null`.
    fn is_null(&self) -> bool;
    /// Whether this is a non-null object (arrays included).
    fn is_object(&self) -> bool;
    /// The string, if this is one.
    fn string(&self) -> Option<String>;
    /// The number, if this is one.
    fn number(&self) -> Option<f64>;
    /// The boolean, if this is one.
    fn boolean(&self) -> Option<bool>;
    /// The items, if this is an array.
    fn items(&self) -> Option<Vec<Self>>;
}

/// Why a reply was malformed: where (`products[2].renewalCycle`) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    path: String,
    expected: &'static str,
}

impl Malformed {
    fn new(expected: &'static str) -> Malformed {
        Malformed::expected(expected)
    }

    /// A value that was not what `expected` says.
    pub(crate) fn expected(expected: &'static str) -> Malformed {
        Malformed { path: String::new(), expected }
    }

    /// Prefixes the path with a field name.
    pub(crate) fn in_field(mut self, key: &str) -> Malformed {
        if !self.path.is_empty() && !self.path.starts_with('[') {
            self.path.insert(0, '.');
        }
        self.path.insert_str(0, key);
        self
    }

    /// Prefixes the path with an array index.
    fn in_item(mut self, index: usize) -> Malformed {
        if !self.path.is_empty() && !self.path.starts_with('[') {
            self.path.insert(0, '.');
        }
        self.path.insert_str(0, &msg!("[", index, "]"));
        self
    }

    /// The field path, empty for the reply itself.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Piece for Malformed {
    fn push_to(&self, out: &mut String) {
        if !self.path.is_empty() {
            self.path.push_to(out);
            ": ".push_to(out);
        }
        self.expected.push_to(out);
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(self.expected)
        } else {
            write!(f, "{}: {}", self.path, self.expected)
        }
    }
}

type Parsed<T> = Result<T, Malformed>;

pub(crate) fn object<N: Node>(value: N) -> Parsed<N> {
    if value.is_object() {
        Ok(value)
    } else {
        Err(Malformed::new("expected an object"))
    }
}

/// Reads a required field with `read` (a missing field reads as `None`).
fn field<N: Node, T>(obj: &N, key: &'static str, read: impl FnOnce(Option<N>) -> Parsed<T>) -> Parsed<T> {
    read(obj.get(key)).map_err(|e| e.in_field(key))
}

fn required<N: Node, T>(value: Option<N>, read: impl FnOnce(&N) -> Option<T>, expected: &'static str) -> Parsed<T> {
    value.as_ref().and_then(read).ok_or(Malformed::new(expected))
}

/// Missing, `undefined` and `null` read as `None`.
fn optional<N: Node, T>(value: Option<N>, read: impl FnOnce(N) -> Parsed<T>) -> Parsed<Option<T>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => read(v).map(Some),
    }
}

pub(crate) fn string<N: Node>(obj: &N, key: &'static str) -> Parsed<String> {
    field(obj, key, |v| required(v, N::string, "expected a string"))
}

pub(crate) fn opt_string<N: Node>(obj: &N, key: &'static str) -> Parsed<Option<String>> {
    field(obj, key, |v| optional(v, |v| required(Some(v), N::string, "expected a string")))
}

pub(crate) fn number<N: Node>(obj: &N, key: &'static str) -> Parsed<f64> {
    field(obj, key, |v| required(v, N::number, "expected a number"))
}

pub(crate) fn opt_number<N: Node>(obj: &N, key: &'static str) -> Parsed<Option<f64>> {
    field(obj, key, |v| optional(v, |v| required(Some(v), N::number, "expected a number")))
}

pub(crate) fn boolean<N: Node>(obj: &N, key: &'static str) -> Parsed<bool> {
    field(obj, key, |v| required(v, N::boolean, "expected a boolean"))
}

/// One of a fixed set of strings.
fn one_of<N: Node, T: Copy>(obj: &N, key: &'static str, choices: &[(&str, T)], expected: &'static str) -> Parsed<T> {
    field(obj, key, |v| {
        let s = v.as_ref().and_then(N::string);
        choices.iter().find(|(name, _)| Some(*name) == s.as_deref()).map(|(_, t)| *t).ok_or(Malformed::new(expected))
    })
}

fn items<N: Node, T>(value: N, read: impl Fn(N) -> Parsed<T>) -> Parsed<Vec<T>> {
    let items = value.items().ok_or(Malformed::new("expected an array"))?;
    // A plain loop: `collect::<Result<Vec<_>, _>>()` costs ~1.5 KB of wasm per item type.
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        out.push(read(item).map_err(|e| e.in_item(i))?);
    }
    Ok(out)
}

pub(crate) fn list<N: Node, T>(obj: &N, key: &'static str, read: impl Fn(N) -> Parsed<T>) -> Parsed<Vec<T>> {
    field(obj, key, |v| items(v.ok_or(Malformed::new("expected an array"))?, read))
}

fn child<N: Node, T>(obj: &N, key: &'static str, read: impl FnOnce(N) -> Parsed<T>) -> Parsed<T> {
    field(obj, key, |v| read(object(v.ok_or(Malformed::new("expected an object"))?)?))
}

/// `IAP.getProductItemList()`: `{ products: Product[] }`.
pub fn product_list<N: Node>(value: N) -> Parsed<ProductList> {
    let value = object(value)?;
    Ok(ProductList { products: list(&value, "products", product)? })
}

/// One product, tagged by `type`.
pub fn product<N: Node>(value: N) -> Parsed<Product> {
    #[derive(Clone, Copy)]
    enum Kind {
        Consumable,
        NonConsumable,
        Subscription,
    }
    let p = object(value)?;
    let kind = one_of(
        &p,
        "type",
        &[("CONSUMABLE", Kind::Consumable), ("NON_CONSUMABLE", Kind::NonConsumable), ("SUBSCRIPTION", Kind::Subscription)],
        "expected CONSUMABLE, NON_CONSUMABLE or SUBSCRIPTION",
    )?;
    let sku = string(&p, "sku")?;
    let display_amount = string(&p, "displayAmount")?;
    let display_name = string(&p, "displayName")?;
    let icon_url = string(&p, "iconUrl")?;
    let description = string(&p, "description")?;
    Ok(match kind {
        Kind::Consumable | Kind::NonConsumable => {
            let one_time = OneTimeProduct { sku, display_amount, display_name, icon_url, description };
            match kind {
                Kind::Consumable => Product::Consumable(one_time),
                _ => Product::NonConsumable(one_time),
            }
        }
        Kind::Subscription => Product::Subscription(SubscriptionProduct {
            renewal_cycle: one_of(
                &p,
                "renewalCycle",
                &[("WEEKLY", RenewalCycle::Weekly), ("MONTHLY", RenewalCycle::Monthly), ("YEARLY", RenewalCycle::Yearly)],
                "expected WEEKLY, MONTHLY or YEARLY",
            )?,
            offers: field(&p, "offers", |v| optional(v, |v| items(v, offer)))?,
            sku,
            display_amount,
            display_name,
            icon_url,
            description,
        }),
    })
}

/// One subscription offer, tagged by `type`.
pub fn offer<N: Node>(value: N) -> Parsed<Offer> {
    #[derive(Clone, Copy)]
    enum Kind {
        FreeTrial,
        NewSubscription,
        Returning,
    }
    let o = object(value)?;
    let kind = one_of(
        &o,
        "type",
        &[("FREE_TRIAL", Kind::FreeTrial), ("NEW_SUBSCRIPTION", Kind::NewSubscription), ("RETURNING", Kind::Returning)],
        "expected FREE_TRIAL, NEW_SUBSCRIPTION or RETURNING",
    )?;
    let offer_id = string(&o, "offerId")?;
    let period = string(&o, "period")?;
    Ok(match kind {
        Kind::FreeTrial => Offer::FreeTrial { offer_id, period },
        Kind::NewSubscription => Offer::NewSubscription { display_amount: string(&o, "displayAmount")?, offer_id, period },
        Kind::Returning => Offer::Returning { display_amount: string(&o, "displayAmount")?, offer_id, period },
    })
}

/// `IAP.getPendingOrders()`: `{ orders: { orderId, sku, paymentCompletedDate? }[] }`.
pub fn pending_orders<N: Node>(value: N) -> Parsed<PendingOrders> {
    let value = object(value)?;
    let orders = list(&value, "orders", |o| {
        let o = object(o)?;
        Ok(PendingOrder {
            order_id: string(&o, "orderId")?,
            sku: string(&o, "sku")?,
            payment_completed_date: opt_string(&o, "paymentCompletedDate")?,
        })
    })?;
    Ok(PendingOrders { orders })
}

/// `IAP.getCompletedOrRefundedOrders()`: `{ orders, hasNext, nextKey? }`.
pub fn order_history_page<N: Node>(value: N) -> Parsed<OrderHistoryPage> {
    let value = object(value)?;
    let orders = list(&value, "orders", |o| {
        let o = object(o)?;
        Ok(HistoryOrder {
            order_id: string(&o, "orderId")?,
            sku: string(&o, "sku")?,
            status: one_of(
                &o,
                "status",
                &[("COMPLETED", OrderStatus::Completed), ("REFUNDED", OrderStatus::Refunded)],
                "expected COMPLETED or REFUNDED",
            )?,
            date: string(&o, "date")?,
        })
    })?;
    Ok(OrderHistoryPage { orders, has_next: boolean(&value, "hasNext")?, next_key: opt_string(&value, "nextKey")? })
}

/// `IAP.getSubscriptionInfo()`: `{ subscription: SubscriptionInfo }`.
pub fn subscription_info_response<N: Node>(value: N) -> Parsed<SubscriptionInfoResponse> {
    let value = object(value)?;
    let subscription = child(&value, "subscription", |s| {
        Ok(SubscriptionInfo {
            catalog_id: number(&s, "catalogId")?,
            status: one_of(
                &s,
                "status",
                &[
                    ("ACTIVE", SubscriptionStatus::Active),
                    ("EXPIRED", SubscriptionStatus::Expired),
                    ("IN_GRACE_PERIOD", SubscriptionStatus::InGracePeriod),
                    ("ON_HOLD", SubscriptionStatus::OnHold),
                    ("PAUSED", SubscriptionStatus::Paused),
                    ("REVOKED", SubscriptionStatus::Revoked),
                ],
                "expected ACTIVE, EXPIRED, IN_GRACE_PERIOD, ON_HOLD, PAUSED or REVOKED",
            )?,
            expires_at: opt_string(&s, "expiresAt")?,
            is_auto_renew: boolean(&s, "isAutoRenew")?,
            grace_period_expires_at: opt_string(&s, "gracePeriodExpiresAt")?,
            is_accessible: boolean(&s, "isAccessible")?,
        })
    })?;
    Ok(SubscriptionInfoResponse { subscription })
}

/// `appLogin()`: `{ authorizationCode, referrer }`.
pub fn app_login_result<N: Node>(value: N) -> Parsed<AppLoginResult> {
    let value = object(value)?;
    Ok(AppLoginResult {
        authorization_code: string(&value, "authorizationCode")?,
        referrer: one_of(
            &value,
            "referrer",
            &[("DEFAULT", Referrer::Default), ("SANDBOX", Referrer::Sandbox)],
            "expected DEFAULT or SANDBOX",
        )?,
    })
}

/// `checkoutPayment()` and `requestTossPayPaysBilling()`: `{ success, reason? }`.
pub fn authentication_result<N: Node>(value: N) -> Parsed<AuthenticationResult> {
    let value = object(value)?;
    Ok(AuthenticationResult { success: boolean(&value, "success")?, reason: opt_string(&value, "reason")? })
}

/// The `purchased` callback argument: `{ orderId, subscriptionId? }`.
pub fn purchased<N: Node>(value: N) -> Parsed<Purchased> {
    let value = object(value)?;
    Ok(Purchased { order_id: string(&value, "orderId")?, subscription_id: opt_string(&value, "subscriptionId")? })
}

/// The `success` event's data.
pub fn purchase_success<N: Node>(value: N) -> Parsed<PurchaseSuccess> {
    let value = object(value)?;
    Ok(PurchaseSuccess {
        order_id: string(&value, "orderId")?,
        display_name: string(&value, "displayName")?,
        display_amount: string(&value, "displayAmount")?,
        amount: number(&value, "amount")?,
        currency: string(&value, "currency")?,
        fraction: number(&value, "fraction")?,
        mini_app_icon_url: opt_string(&value, "miniAppIconUrl")?,
    })
}

/// A plain boolean reply (`IAP.completeProductGrant()`).
pub fn boolean_reply<N: Node>(value: N) -> Parsed<bool> {
    value.boolean().ok_or(Malformed::new("expected a boolean"))
}

/// The parser of each reply type, so generic callers (the browser binding, test fakes) can pick it by type.
pub trait Parse: Sized {
    /// Reads `value` as `Self`.
    fn parse<N: Node>(value: N) -> Parsed<Self>;
}

macro_rules! parse_impls {
    ($($ty:ty => $f:ident),* $(,)?) => {
        $(impl Parse for $ty {
            fn parse<N: Node>(value: N) -> Parsed<$ty> {
                $f(value)
            }
        })*
    };
}

parse_impls!(
    ProductList => product_list,
    PendingOrders => pending_orders,
    OrderHistoryPage => order_history_page,
    SubscriptionInfoResponse => subscription_info_response,
    AppLoginResult => app_login_result,
    AuthenticationResult => authentication_result,
    Purchased => purchased,
    PurchaseSuccess => purchase_success,
    bool => boolean_reply,
);

#[cfg(target_arch = "wasm32")]
impl Node for wasm_bindgen::JsValue {
    fn get(&self, key: &str) -> Option<Self> {
        let v = super::web::get(self, key);
        if v.is_undefined() {
            None
        } else {
            Some(v)
        }
    }
    fn is_null(&self) -> bool {
        wasm_bindgen::JsValue::is_null(self)
    }
    fn is_object(&self) -> bool {
        wasm_bindgen::JsValue::is_object(self)
    }
    fn string(&self) -> Option<String> {
        self.as_string()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn items(&self) -> Option<Vec<Self>> {
        use wasm_bindgen::JsCast;
        if js_sys::Array::is_array(self) {
            Some(self.unchecked_ref::<js_sys::Array>().iter().collect())
        } else {
            None
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "parse_json.rs"]
mod json;

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) use json::Json;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use serde_json::{json, Value};

    fn read<T: Parse>(v: Value) -> Parsed<T> {
        T::parse(Json(v.clone()))
    }

    fn message<T: Parse + fmt::Debug>(v: Value) -> String {
        read::<T>(v).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_field() {
        let sub = |cycle: Value| json!({"type": "SUBSCRIPTION", "sku": "s", "displayAmount": "", "displayName": "", "iconUrl": "", "description": "", "renewalCycle": cycle});
        let ok = json!({"type": "CONSUMABLE", "sku": "a", "displayAmount": "", "displayName": "", "iconUrl": "", "description": ""});
        assert_eq!(
            message::<ProductList>(json!({"products": [ok.clone(), ok.clone(), sub(json!("DAILY"))]})),
            "products[2].renewalCycle: expected WEEKLY, MONTHLY or YEARLY"
        );
        assert_eq!(message::<ProductList>(json!({"products": [sub(Value::Null)]})), "products[0].renewalCycle: expected WEEKLY, MONTHLY or YEARLY");
        let mut bad_offer = sub(json!("MONTHLY"));
        bad_offer["offers"] = json!([{"type": "FREE_TRIAL", "offerId": "t", "period": "P7D"}, {"type": "RETURNING", "offerId": "r", "period": "P1M"}]);
        assert_eq!(message::<ProductList>(json!({"products": [bad_offer]})), "products[0].offers[1].displayAmount: expected a string");
        assert_eq!(message::<ProductList>(json!({"products": 5})), "products: expected an array");
        assert_eq!(message::<ProductList>(json!({})), "products: expected an array");
        assert_eq!(message::<ProductList>(json!("oops")), "expected an object");
        assert_eq!(message::<ProductList>(Value::Null), "expected an object");
        assert_eq!(message::<ProductList>(json!({"products": [7]})), "products[0]: expected an object");
        assert_eq!(message::<ProductList>(json!({"products": [{"type": "GIFT", "sku": "x"}]})), "products[0].type: expected CONSUMABLE, NON_CONSUMABLE or SUBSCRIPTION");
        assert_eq!(message::<OrderHistoryPage>(json!({"hasNext": "yes", "orders": []})), "hasNext: expected a boolean");
        assert_eq!(message::<SubscriptionInfoResponse>(json!({"subscription": null})), "subscription: expected an object");
        assert_eq!(message::<SubscriptionInfoResponse>(json!({"subscription": {"status": "ACTIVE"}})), "subscription.catalogId: expected a number");
        assert_eq!(message::<PurchaseSuccess>(json!({"orderId": "o1"})), "displayName: expected a string");
        assert_eq!(message::<PendingOrders>(json!({"orders": [{"orderId": "a", "sku": "x", "paymentCompletedDate": 5}]})), "orders[0].paymentCompletedDate: expected a string");
        assert_eq!(message::<bool>(json!("true")), "expected a boolean");
    }

    #[test]
    fn unknown_fields_are_ignored_and_optional_fields_may_be_null_or_missing() {
        let r: AppLoginResult = read(json!({"authorizationCode": "c", "referrer": "SANDBOX", "extra": {"x": 1}})).unwrap();
        assert_eq!(r, AppLoginResult { authorization_code: "c".into(), referrer: Referrer::Sandbox });
        assert!(read::<AppLoginResult>(json!({"authorizationCode": "c", "referrer": "OTHER"})).is_err());
        let a: AuthenticationResult = read(json!({"success": false, "reason": null, "more": true})).unwrap();
        assert_eq!(a, AuthenticationResult { success: false, reason: None });
        let a: AuthenticationResult = read(json!({"success": false, "reason": "USER_CANCELED"})).unwrap();
        assert_eq!(a.reason.as_deref(), Some("USER_CANCELED"));
        assert!(read::<AuthenticationResult>(json!({"reason": "x"})).is_err());
        assert_eq!(read::<bool>(json!(true)), Ok(true));
        let p: Purchased = read(json!({"orderId": "o1", "subscriptionId": null})).unwrap();
        assert_eq!(p.subscription_id, None);
        let page: OrderHistoryPage = read(json!({"hasNext": false, "nextKey": null, "orders": [], "total": 0})).unwrap();
        assert_eq!(page.next_key, None);
        let list: ProductList = read(json!({"products": [{"type": "SUBSCRIPTION", "sku": "s", "displayAmount": "", "displayName": "", "iconUrl": "", "description": "", "renewalCycle": "WEEKLY", "offers": null}]})).unwrap();
        assert!(matches!(&list.products[0], Product::Subscription(s) if s.offers.is_none() && s.renewal_cycle == RenewalCycle::Weekly));
    }
}
