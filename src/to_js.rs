//! Rust values as plain JS objects, written by hand (serde-wasm-bindgen's generic serialiser costs KBs of wasm).
//!
//! The shapes are exactly what the serde derives on the types describe (and what the tsify declarations say):
//! camelCase keys in declaration order, enum tags first, `null` for an absent optional value unless the field is
//! skipped when absent, and `null` for `()`.

use alloc::{string::String, vec::Vec};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::event::Event;
use crate::flow::restore::RestoredOrder;
use crate::sdk::{
    AppLoginResult, Environment, HistoryOrder, Offer, OneTimeProduct, OperationalEnvironment, OrderHistoryPage,
    OrderStatus, Platform, Product, PurchaseResult, Referrer, RenewalCycle, SubscriptionInfo, SubscriptionProduct,
    SubscriptionStatus,
};

/// Converts to a JS value.
pub(crate) trait ToJs {
    fn to_js(&self) -> JsValue;
}

/// A plain object being filled.
pub(crate) struct Obj(Object);

impl Obj {
    pub(crate) fn new() -> Obj {
        Obj(Object::new())
    }

    pub(crate) fn set(&self, key: &str, value: &JsValue) -> &Obj {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), value);
        self
    }

    pub(crate) fn str(&self, key: &str, value: &str) -> &Obj {
        self.set(key, &JsValue::from_str(value))
    }

    /// `null` when absent.
    pub(crate) fn opt_str(&self, key: &str, value: Option<&str>) -> &Obj {
        self.set(key, &value.map(JsValue::from_str).unwrap_or(JsValue::NULL))
    }

    /// Left out when absent.
    pub(crate) fn some_str(&self, key: &str, value: Option<&str>) -> &Obj {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }

    pub(crate) fn num(&self, key: &str, value: f64) -> &Obj {
        self.set(key, &JsValue::from_f64(value))
    }

    pub(crate) fn bool(&self, key: &str, value: bool) -> &Obj {
        self.set(key, &JsValue::from_bool(value))
    }

    pub(crate) fn done(&self) -> JsValue {
        self.0.clone().into()
    }
}

impl<T: ToJs> ToJs for Vec<T> {
    fn to_js(&self) -> JsValue {
        let array = Array::new();
        for item in self {
            array.push(&item.to_js());
        }
        array.into()
    }
}

impl ToJs for () {
    fn to_js(&self) -> JsValue {
        JsValue::NULL
    }
}

impl ToJs for Environment {
    fn to_js(&self) -> JsValue {
        let platform = match self.platform {
            Platform::Ios => "ios",
            Platform::Android => "android",
        };
        let operational_environment = match self.operational_environment {
            OperationalEnvironment::Toss => "toss",
            OperationalEnvironment::Sandbox => "sandbox",
        };
        Obj::new()
            .str("platform", platform)
            .str("appVersion", &self.app_version)
            .str("operationalEnvironment", operational_environment)
            .done()
    }
}

impl ToJs for AppLoginResult {
    fn to_js(&self) -> JsValue {
        let referrer = match self.referrer {
            Referrer::Default => "DEFAULT",
            Referrer::Sandbox => "SANDBOX",
        };
        Obj::new().str("authorizationCode", &self.authorization_code).str("referrer", referrer).done()
    }
}

/// The fields every product has, after its `type` tag.
fn product_fields(kind: &str, sku: &str, amount: &str, name: &str, icon: &str, description: &str) -> Obj {
    let obj = Obj::new();
    obj.str("type", kind)
        .str("sku", sku)
        .str("displayAmount", amount)
        .str("displayName", name)
        .str("iconUrl", icon)
        .str("description", description);
    obj
}

fn one_time(kind: &str, p: &OneTimeProduct) -> JsValue {
    product_fields(kind, &p.sku, &p.display_amount, &p.display_name, &p.icon_url, &p.description).done()
}

fn subscription(p: &SubscriptionProduct) -> JsValue {
    let obj = product_fields("SUBSCRIPTION", &p.sku, &p.display_amount, &p.display_name, &p.icon_url, &p.description);
    let cycle = match p.renewal_cycle {
        RenewalCycle::Weekly => "WEEKLY",
        RenewalCycle::Monthly => "MONTHLY",
        RenewalCycle::Yearly => "YEARLY",
    };
    obj.str("renewalCycle", cycle);
    if let Some(offers) = &p.offers {
        obj.set("offers", &offers.to_js());
    }
    obj.done()
}

impl ToJs for Product {
    fn to_js(&self) -> JsValue {
        match self {
            Product::Consumable(p) => one_time("CONSUMABLE", p),
            Product::NonConsumable(p) => one_time("NON_CONSUMABLE", p),
            Product::Subscription(p) => subscription(p),
        }
    }
}

impl ToJs for Offer {
    fn to_js(&self) -> JsValue {
        let (kind, offer_id, period, amount) = match self {
            Offer::FreeTrial { offer_id, period } => ("FREE_TRIAL", offer_id, period, None),
            Offer::NewSubscription { offer_id, period, display_amount } => {
                ("NEW_SUBSCRIPTION", offer_id, period, Some(display_amount))
            }
            Offer::Returning { offer_id, period, display_amount } => ("RETURNING", offer_id, period, Some(display_amount)),
        };
        Obj::new()
            .str("type", kind)
            .str("offerId", offer_id)
            .str("period", period)
            .some_str("displayAmount", amount.map(String::as_str))
            .done()
    }
}

impl ToJs for PurchaseResult {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .str("orderId", &self.order_id)
            .str("sku", &self.sku)
            .str("displayName", &self.display_name)
            .str("displayAmount", &self.display_amount)
            .num("amount", self.amount)
            .str("currency", &self.currency)
            .num("fraction", self.fraction)
            .opt_str("miniAppIconUrl", self.mini_app_icon_url.as_deref())
            .some_str("subscriptionId", self.subscription_id.as_deref())
            .done()
    }
}

impl ToJs for HistoryOrder {
    fn to_js(&self) -> JsValue {
        let status = match self.status {
            OrderStatus::Completed => "COMPLETED",
            OrderStatus::Refunded => "REFUNDED",
        };
        Obj::new().str("orderId", &self.order_id).str("sku", &self.sku).str("status", status).str("date", &self.date).done()
    }
}

impl ToJs for OrderHistoryPage {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("orders", &self.orders.to_js())
            .bool("hasNext", self.has_next)
            .opt_str("nextKey", self.next_key.as_deref())
            .done()
    }
}

impl ToJs for SubscriptionInfo {
    fn to_js(&self) -> JsValue {
        let status = match self.status {
            SubscriptionStatus::Active => "ACTIVE",
            SubscriptionStatus::Expired => "EXPIRED",
            SubscriptionStatus::InGracePeriod => "IN_GRACE_PERIOD",
            SubscriptionStatus::OnHold => "ON_HOLD",
            SubscriptionStatus::Paused => "PAUSED",
            SubscriptionStatus::Revoked => "REVOKED",
        };
        Obj::new()
            .num("catalogId", self.catalog_id)
            .str("status", status)
            .opt_str("expiresAt", self.expires_at.as_deref())
            .bool("isAutoRenew", self.is_auto_renew)
            .opt_str("gracePeriodExpiresAt", self.grace_period_expires_at.as_deref())
            .bool("isAccessible", self.is_accessible)
            .done()
    }
}

impl ToJs for Event {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .str("name", self.name)
            .some_str("sku", self.sku.as_deref())
            .some_str("orderId", self.order_id.as_deref())
            .some_str("code", self.code.as_deref())
            .num("elapsedMs", self.elapsed_ms)
            .done()
    }
}

impl ToJs for RestoredOrder {
    fn to_js(&self) -> JsValue {
        Obj::new().str("orderId", &self.order_id).str("sku", &self.sku).done()
    }
}

impl ToJs for crate::partner::Receipt {
    fn to_js(&self) -> JsValue {
        let o = Obj::new();
        o.str("orderNo", &self.order_no)
            .str("payToken", &self.pay_token)
            .num("amount", self.amount)
            .num("paidAmount", self.paid_amount)
            .str("payMethod", &self.pay_method)
            .str("transactionId", &self.transaction_id)
            .str("approvalTime", &self.approval_time);
        if let Some(d) = self.discounted_amount {
            o.num("discountedAmount", d);
        }
        o.some_str("cardCompanyName", self.card_company_name.as_deref())
            .some_str("salesCheckLinkUrl", self.sales_check_link_url.as_deref());
        o.done()
    }
}
