//! In-app purchase types, as the SDK's web side really sends them (web-bridge 2.10.8 `index.d.ts`).
//! Dates are kept as the host gives them (ISO-8601 local time strings such as `2025-09-22T00:00:00`).

use ait_api::partner::HistoryOrder;
use serde::{Deserialize, Serialize};

/// Fields every product has.
macro_rules! product_struct {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[derive(tsify::Tsify)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The store SKU, used to buy the product.
            pub sku: String,
            /// The price as the store formats it for display (e.g. `₩1,200`).
            pub display_amount: String,
            /// The product name to show.
            pub display_name: String,
            /// Icon URL.
            pub icon_url: String,
            /// Description to show.
            pub description: String,
            $($(#[$fmeta])* pub $field: $ty,)*
        }
    };
}

product_struct!(
    /// A consumable or non-consumable product.
    OneTimeProduct {}
);

product_struct!(
    /// A subscription product, with its renewal cycle and offers.
    SubscriptionProduct {
        /// How often it renews.
        renewal_cycle: RenewalCycle,
        /// Introductory offers, when any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[tsify(optional)]
        offers: Option<Vec<Offer>>,
    }
);

/// An IAP product, tagged by `type` as the SDK tags it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(tag = "type", try_from = "RawProduct")]
pub enum Product {
    /// Bought any number of times (coins, gems).
    #[serde(rename = "CONSUMABLE")]
    Consumable(OneTimeProduct),
    /// Bought once, owned forever (remove ads).
    #[serde(rename = "NON_CONSUMABLE")]
    NonConsumable(OneTimeProduct),
    /// Renews on a cycle.
    #[serde(rename = "SUBSCRIPTION")]
    Subscription(SubscriptionProduct),
}

impl Product {
    /// The SKU of any product kind.
    pub fn sku(&self) -> &str {
        match self {
            Product::Consumable(p) | Product::NonConsumable(p) => &p.sku,
            Product::Subscription(p) => &p.sku,
        }
    }
}

/// What `IAP.getProductItemList()` resolves with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductList {
    /// The mini-app's products.
    pub products: Vec<Product>,
}

/// How often a subscription renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "UPPERCASE")]
pub enum RenewalCycle {
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every year.
    Yearly,
}

/// A subscription offer, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", try_from = "RawOffer")]
pub enum Offer {
    /// A free trial period.
    #[serde(rename_all = "camelCase")]
    FreeTrial {
        /// Pass to `subscribe(sku, { offerId })`.
        offer_id: String,
        /// The trial's length, as the store writes it.
        period: String,
    },
    /// A first-subscription price.
    #[serde(rename_all = "camelCase")]
    NewSubscription {
        /// Pass to `subscribe(sku, { offerId })`.
        offer_id: String,
        /// How long the price lasts.
        period: String,
        /// The price to display.
        display_amount: String,
    },
    /// A price for returning subscribers.
    #[serde(rename_all = "camelCase")]
    Returning {
        /// Pass to `subscribe(sku, { offerId })`.
        offer_id: String,
        /// How long the price lasts.
        period: String,
        /// The price to display.
        display_amount: String,
    },
}

// Tagged enums are read through flat structs: serde's internally tagged deserialiser buffers the whole object
// first, which costs ~20 KB of wasm. The result and the errors are the same.

/// The kinds of product, as the `type` tag.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ProductKind {
    Consumable,
    NonConsumable,
    Subscription,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProduct {
    #[serde(rename = "type")]
    kind: ProductKind,
    sku: String,
    display_amount: String,
    display_name: String,
    icon_url: String,
    description: String,
    #[serde(default)]
    renewal_cycle: Option<RenewalCycle>,
    #[serde(default)]
    offers: Option<Vec<Offer>>,
}

impl TryFrom<RawProduct> for Product {
    type Error = &'static str;

    fn try_from(raw: RawProduct) -> Result<Product, &'static str> {
        let one_time = |raw: RawProduct| OneTimeProduct {
            sku: raw.sku,
            display_amount: raw.display_amount,
            display_name: raw.display_name,
            icon_url: raw.icon_url,
            description: raw.description,
        };
        Ok(match raw.kind {
            ProductKind::Consumable => Product::Consumable(one_time(raw)),
            ProductKind::NonConsumable => Product::NonConsumable(one_time(raw)),
            ProductKind::Subscription => Product::Subscription(SubscriptionProduct {
                renewal_cycle: raw.renewal_cycle.ok_or("a SUBSCRIPTION product needs renewalCycle")?,
                offers: raw.offers,
                sku: raw.sku,
                display_amount: raw.display_amount,
                display_name: raw.display_name,
                icon_url: raw.icon_url,
                description: raw.description,
            }),
        })
    }
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum OfferKind {
    FreeTrial,
    NewSubscription,
    Returning,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOffer {
    #[serde(rename = "type")]
    kind: OfferKind,
    offer_id: String,
    period: String,
    #[serde(default)]
    display_amount: Option<String>,
}

impl TryFrom<RawOffer> for Offer {
    type Error = &'static str;

    fn try_from(raw: RawOffer) -> Result<Offer, &'static str> {
        let (offer_id, period) = (raw.offer_id, raw.period);
        let amount = || raw.display_amount.clone().ok_or("this offer type needs displayAmount");
        Ok(match raw.kind {
            OfferKind::FreeTrial => Offer::FreeTrial { offer_id, period },
            OfferKind::NewSubscription => Offer::NewSubscription { display_amount: amount()?, offer_id, period },
            OfferKind::Returning => Offer::Returning { display_amount: amount()?, offer_id, period },
        })
    }
}

/// The success payload of a purchase, as the host sends it (`IapCreateOneTimePurchaseOrderResult`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseSuccess {
    /// The order, unique per purchase.
    pub order_id: String,
    /// The product name.
    pub display_name: String,
    /// The price as displayed.
    pub display_amount: String,
    /// The price.
    pub amount: f64,
    /// ISO currency code.
    pub currency: String,
    /// Decimal digits of the currency.
    pub fraction: f64,
    /// The mini-app's icon, when any.
    #[serde(default)]
    pub mini_app_icon_url: Option<String>,
}

/// What `purchase(sku)` and `subscribe(sku)` resolve with: the host's payload plus the SKU bought.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseResult {
    /// The order, unique per purchase; the grant was made for it.
    pub order_id: String,
    /// The SKU bought.
    pub sku: String,
    /// The product name.
    pub display_name: String,
    /// The price as displayed.
    pub display_amount: String,
    /// The price.
    pub amount: f64,
    /// ISO currency code.
    pub currency: String,
    /// Decimal digits of the currency.
    pub fraction: f64,
    /// The mini-app's icon, when any.
    pub mini_app_icon_url: Option<String>,
    /// For subscriptions, when the host gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub subscription_id: Option<String>,
}

impl PurchaseResult {
    /// Joins the host's payload with what the caller asked for.
    pub fn new(success: PurchaseSuccess, sku: &str, subscription_id: Option<String>) -> PurchaseResult {
        PurchaseResult {
            order_id: success.order_id,
            sku: sku.to_string(),
            display_name: success.display_name,
            display_amount: success.display_amount,
            amount: success.amount,
            currency: success.currency,
            fraction: success.fraction,
            mini_app_icon_url: success.mini_app_icon_url,
            subscription_id,
        }
    }
}

/// The `purchased` event: the store charged, the partner must now grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Purchased {
    /// The order to grant.
    pub order_id: String,
    /// For subscriptions, when the host gives one.
    #[serde(default)]
    pub subscription_id: Option<String>,
}

/// A paid order whose product was not granted yet (`IAP.getPendingOrders`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PendingOrder {
    /// The order to grant and complete.
    pub order_id: String,
    /// Its SKU.
    pub sku: String,
    /// When it was paid. The web types declare it; the native ones do not, so it may be missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub payment_completed_date: Option<String>,
}

/// What `IAP.getPendingOrders()` resolves with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOrders {
    /// Paid, not yet granted.
    pub orders: Vec<PendingOrder>,
}

/// One page of `IAP.getCompletedOrRefundedOrders({ key })`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase")]
pub struct OrderHistoryPage {
    /// The orders of this page: the contract's [`HistoryOrder`], which `/iap/sync` receives as they came.
    pub orders: Vec<HistoryOrder>,
    /// Whether another page follows.
    pub has_next: bool,
    /// Pass as `key` to get the next page.
    #[serde(default)]
    pub next_key: Option<String>,
}

/// A subscription's state (`IAP.getSubscriptionInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubscriptionStatus {
    /// Running.
    Active,
    /// Ended.
    Expired,
    /// Payment failed; still accessible for a while.
    InGracePeriod,
    /// Payment failed; not accessible.
    OnHold,
    /// Paused by the user.
    Paused,
    /// Revoked (refunded).
    Revoked,
}

/// Details of a subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[derive(tsify::Tsify)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInfo {
    /// The catalog entry.
    pub catalog_id: f64,
    /// Its state.
    pub status: SubscriptionStatus,
    /// When it ends, if it does.
    pub expires_at: Option<String>,
    /// Whether it renews.
    pub is_auto_renew: bool,
    /// End of the grace period, during one.
    pub grace_period_expires_at: Option<String>,
    /// Whether the user may use it now.
    pub is_accessible: bool,
}

/// What `IAP.getSubscriptionInfo()` resolves with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionInfoResponse {
    /// The subscription; absent when nothing is set up (real devices answer `{}` then).
    #[serde(default)]
    pub subscription: Option<SubscriptionInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::{decode_reply, HistoryOrderStatus};
    use serde_json::json;

    /// Decodes like the bridge does (serde, with the failing field's path in the message).
    fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, String> {
        decode_reply(v)
    }

    #[test]
    fn parses_every_product_kind() {
        let list: ProductList = parse(json!({"products": [
            {"type": "CONSUMABLE", "sku": "gem10", "displayAmount": "₩1,200", "displayName": "보석 10개", "iconUrl": "https://x/i.png", "description": "d"},
            {"type": "NON_CONSUMABLE", "sku": "noads", "displayAmount": "₩3,300", "displayName": "광고 제거", "iconUrl": "", "description": ""},
            {"type": "SUBSCRIPTION", "sku": "pro", "displayAmount": "₩4,900", "displayName": "프로", "iconUrl": "", "description": "", "renewalCycle": "MONTHLY",
             "offers": [{"type": "FREE_TRIAL", "offerId": "t", "period": "P7D"}, {"type": "NEW_SUBSCRIPTION", "offerId": "n", "period": "P1M", "displayAmount": "₩900"},
                        {"type": "RETURNING", "offerId": "r", "period": "P1M", "displayAmount": "₩1,900"}]},
            {"type": "SUBSCRIPTION", "sku": "yr", "displayAmount": "₩49,000", "displayName": "연간", "iconUrl": "", "description": "", "renewalCycle": "YEARLY", "extraField": 1}
        ]}))
        .unwrap();
        assert_eq!(list.products.len(), 4);
        assert!(matches!(&list.products[0], Product::Consumable(p) if p.sku == "gem10"));
        assert!(matches!(&list.products[1], Product::NonConsumable(_)));
        match &list.products[2] {
            Product::Subscription(s) => {
                assert_eq!(s.renewal_cycle, RenewalCycle::Monthly);
                let offers = s.offers.as_ref().unwrap();
                assert_eq!(offers[0], Offer::FreeTrial { offer_id: "t".into(), period: "P7D".into() });
                assert!(matches!(&offers[2], Offer::Returning { display_amount, .. } if display_amount == "₩1,900"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(list.products[3].sku(), "yr");
        // Serialises back with the same tags.
        let back = serde_json::to_value(&list.products[2]).unwrap();
        assert_eq!(back["type"], "SUBSCRIPTION");
        assert_eq!(back["offers"][1]["type"], "NEW_SUBSCRIPTION");
    }

    #[test]
    fn rejects_malformed_products() {
        assert!(parse::<ProductList>(json!({"products": 5})).is_err());
        assert!(parse::<ProductList>(json!({"products": [{"type": "GIFT", "sku": "x"}]})).is_err());
        assert!(parse::<ProductList>(json!({"products": [{"type": "CONSUMABLE", "sku": 3}]})).is_err());
        assert!(parse::<ProductList>(json!({"products": [{"type": "SUBSCRIPTION", "sku": "s", "displayAmount": "", "displayName": "", "iconUrl": "", "description": "", "renewalCycle": "DAILY"}]})).is_err());
    }

    #[test]
    fn parses_purchase_payloads() {
        let s: PurchaseSuccess = parse(json!({"orderId": "o1", "displayName": "보석", "displayAmount": "₩1,200", "amount": 1200, "currency": "KRW", "fraction": 0, "miniAppIconUrl": null})).unwrap();
        assert_eq!(s.amount, 1200.0);
        assert_eq!(s.mini_app_icon_url, None);
        let r = PurchaseResult::new(s, "gem10", None);
        assert_eq!(r.sku, "gem10");
        assert!(parse::<PurchaseSuccess>(json!({"orderId": "o1"})).is_err());
        let p: Purchased = parse(json!({"orderId": "o1", "subscriptionId": "s1"})).unwrap();
        assert_eq!(p.subscription_id.as_deref(), Some("s1"));
    }

    #[test]
    fn parses_pending_orders_with_or_without_date() {
        let p: PendingOrders = parse(json!({"orders": [{"orderId": "a", "sku": "x", "paymentCompletedDate": "2025-09-22T00:00:00"}, {"orderId": "b", "sku": "y"}]})).unwrap();
        assert_eq!(p.orders[0].payment_completed_date.as_deref(), Some("2025-09-22T00:00:00"));
        assert_eq!(p.orders[1].payment_completed_date, None);
    }

    #[test]
    fn parses_history_pages_and_statuses() {
        let page: OrderHistoryPage = parse(json!({"hasNext": true, "nextKey": "K2", "orders": [
            {"orderId": "a", "sku": "x", "status": "COMPLETED", "date": "2025-09-22T00:00:00"},
            {"orderId": "b", "sku": "x", "status": "REFUNDED", "date": "2025-09-23T10:00:00"}]})).unwrap();
        assert!(page.has_next);
        assert_eq!(page.next_key.as_deref(), Some("K2"));
        assert_eq!(page.orders[1].status, HistoryOrderStatus::Refunded);
        let last: OrderHistoryPage = parse(json!({"hasNext": false, "orders": []})).unwrap();
        assert_eq!(last.next_key, None);
        // Real devices: a last page without nextKey, an order without date, extra keys.
        let odd: OrderHistoryPage = parse(json!({"hasNext": false, "extra": 1, "orders": [{"orderId": "a", "sku": "x", "status": "COMPLETED", "new": true}]})).unwrap();
        assert_eq!(odd.orders[0].date, None);
        let err = parse::<OrderHistoryPage>(json!({"hasNext": false, "orders": [{"orderId": 5, "sku": "x", "status": "COMPLETED"}]})).unwrap_err();
        assert!(err.contains("invalid type: integer `5`, expected a string"), "{err}");
    }

    #[test]
    fn parses_subscription_info() {
        let r: SubscriptionInfoResponse = parse(json!({"subscription": {"catalogId": 7, "status": "IN_GRACE_PERIOD", "expiresAt": null, "isAutoRenew": true, "gracePeriodExpiresAt": "2025-10-01T00:00:00", "isAccessible": true}})).unwrap();
        assert_eq!(r.subscription.unwrap().status, SubscriptionStatus::InGracePeriod);
        // Nothing set up: real devices answer `{}`.
        let none: SubscriptionInfoResponse = parse(json!({})).unwrap();
        assert_eq!(none.subscription, None);
        assert!(parse::<SubscriptionInfoResponse>(json!({"subscription": {"status": "ACTIVE"}})).is_err());
    }
}
