//! The JavaScript surface: `new Checkout(options)` and its promise-returning methods, `CheckoutError` rejections,
//! and TypeScript declarations generated from the Rust types (tsify) plus the few written here by hand.

use alloc::rc::Rc;

use futures_util::FutureExt;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::bridge::Timeouts;
use crate::checkout::{Checkout, CheckoutOptions, GrantFn, GrantRequest, RestoreReport};
use crate::error::Error;
use crate::event::Event;
use crate::partner::http::HttpPartner;
use crate::sdk::web::{describe, get, WebSdk};
use crate::to_js::{Obj, ToJs};

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeCheckoutError)]
    fn make_checkout_error(code: &str, message: &str, user_message: &str, retryable: bool, details: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = getDefaultSdk)]
    fn get_default_sdk() -> JsValue;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of `new Checkout()`. */
export interface CheckoutOptions {
  /** The `@apps-in-toss/web-framework` module; defaults to the one `init()` imported. */
  sdk?: unknown;
  /** Where the partner contract lives (flows that need the server). */
  partnerBaseUrl?: string;
  /** Grants a paid order on your server; resolve `true` only when granted. Called at most once per order. */
  grant?: (order: { orderId: string; sku: string; subscriptionId?: string }) => boolean | Promise<boolean>;
  /** Progress and diagnostics; never secrets. */
  onEvent?: (event: Event) => void;
  /** Deadlines in milliseconds. `grantMs` must stay below the host's 30 s. */
  timeouts?: { bridgeMs?: number; interactionMs?: number; grantMs?: number; partnerMs?: number };
}

/** `payWithTossPay()` options. */
export interface PayWithTossPayOptions {
  /** Your order (cart), sent to your server as is; only the server prices it. */
  order: unknown;
  /** The amount the page showed; the server's amount must equal it. */
  expectedAmount: number;
  /** Makes a retried creation return the same payment; defaults to a fresh key per call. */
  idempotencyKey?: string;
}

/** The receipt of a TossPay payment. */
export interface Receipt {
  orderNo: string;
  payToken: string;
  amount: number;
  paidAmount: number;
  payMethod: string;
  transactionId: string;
  approvalTime: string;
  discountedAmount?: number;
  cardCompanyName?: string;
  salesCheckLinkUrl?: string;
}

/** What `restorePendingOrders()` did. */
export interface RestoreResult {
  restored: { orderId: string; sku: string }[];
  failed: { orderId: string; sku: string; error: CheckoutError }[];
}

/** The error of every rejection (exported by the package entry). */
export declare class CheckoutError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly userMessage: string;
  readonly reason?: string;
  readonly sdkCode?: string;
  readonly orderId?: string;
  readonly minVersions?: { android: string; ios: string };
}
"#;

/// Turns an [`Error`] into a `CheckoutError` instance (its optional details are set only when present).
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    let details = Obj::new();
    details
        .some_str("reason", error.reason.as_deref())
        .some_str("sdkCode", error.sdk_code.as_deref())
        .some_str("orderId", error.order_id.as_deref());
    if let Some(m) = &error.min_versions {
        details.set("minVersions", &Obj::new().str("android", m.android).str("ios", m.ios).done());
    }
    make_checkout_error(error.code.as_str(), &error.message, error.user_message(), error.retryable(), &details.done())
}

/// Runs a Rust future as a JS promise that resolves with the serialised value or rejects with a `CheckoutError`.
fn promise<T: ToJs, F>(fut: F) -> Promise
where
    F: core::future::Future<Output = Result<T, Error>> + 'static,
{
    settle(async move { fut.await.map(|value| value.to_js()) }.boxed_local())
}

/// The one `future_to_promise` of the crate (each instantiation costs code size).
fn settle(fut: futures_util::future::LocalBoxFuture<'static, Result<JsValue, Error>>) -> Promise {
    future_to_promise(async move { fut.await.map_err(|error| to_js_error(&error)) })
}

fn rejected(error: Error) -> Promise {
    Promise::reject(&to_js_error(&error))
}

fn optional_function(options: &JsValue, key: &str) -> Result<Option<Function>, Error> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.dyn_into::<Function>().map(Some).map_err(|_| Error::invalid_argument(msg!("options.", key, " must be a function")))
}

fn timeouts(options: &JsValue) -> Result<Timeouts, Error> {
    let given = get(options, "timeouts");
    let mut timeouts = Timeouts::default();
    if given.is_undefined() || given.is_null() {
        return Ok(timeouts);
    }
    for (key, slot) in [
        ("bridgeMs", &mut timeouts.bridge_ms),
        ("interactionMs", &mut timeouts.interaction_ms),
        ("grantMs", &mut timeouts.grant_ms),
        ("partnerMs", &mut timeouts.partner_ms),
    ] {
        let value = get(&given, key);
        if value.is_undefined() {
            continue;
        }
        match value.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 1.0 && ms <= u32::MAX as f64 => *slot = ms as u32,
            _ => return Err(Error::invalid_argument(msg!("timeouts.", key, " must be a positive number of milliseconds"))),
        }
    }
    Ok(timeouts)
}

/// Wraps the JS `grant` callback: a throw, a rejection or anything but `true` means "not granted".
fn grant_fn(grant: Function) -> GrantFn {
    Rc::new(move |request: GrantRequest| {
        let arg = Object::new();
        let _ = Reflect::set(&arg, &"orderId".into(), &JsValue::from_str(&request.order_id));
        let _ = Reflect::set(&arg, &"sku".into(), &JsValue::from_str(&request.sku));
        if let Some(id) = &request.subscription_id {
            let _ = Reflect::set(&arg, &"subscriptionId".into(), &JsValue::from_str(id));
        }
        let called = grant.call1(&JsValue::UNDEFINED, &arg);
        async move {
            let returned = called.map_err(|e| Error::invalid_argument(msg!("grant threw: ", describe(&e))))?;
            let settled = JsFuture::from(Promise::resolve(&returned))
                .await
                .map_err(|e| Error::invalid_argument(msg!("grant rejected: ", describe(&e))))?;
            Ok(settled.as_bool() == Some(true))
        }
        .boxed_local()
    })
}

fn event_sink(on_event: Function) -> crate::checkout::EventSink {
    Rc::new(move |event: &Event| {
        // A listener that throws must not break the flow.
        let _ = on_event.call1(&JsValue::UNDEFINED, &event.to_js());
    })
}

/// Payments for one mini-app page. See `CheckoutOptions`.
#[wasm_bindgen(js_name = Checkout)]
pub struct JsCheckout {
    checkout: Checkout<WebSdk, HttpPartner>,
}

impl JsCheckout {
    fn build(options: JsValue) -> Result<JsCheckout, Error> {
        let options = if options.is_undefined() || options.is_null() { Object::new().into() } else { options };
        if !options.is_object() {
            return Err(Error::invalid_argument("new Checkout(options): options must be an object"));
        }
        let module = match get(&options, "sdk") {
            m if m.is_undefined() || m.is_null() => get_default_sdk(),
            m => m,
        };
        if module.is_undefined() {
            return Err(Error::invalid_argument(
                "no SDK: pass options.sdk, or install @apps-in-toss/web-framework and await init() first",
            ));
        }
        let sdk = WebSdk::new(module)?;
        let grant = optional_function(&options, "grant")?.map(grant_fn);
        let on_event = optional_function(&options, "onEvent")?.map(event_sink);
        let timeouts = timeouts(&options)?;
        let base_url = get(&options, "partnerBaseUrl");
        let partner = match base_url.as_string() {
            Some(url) => Some(HttpPartner::new(&url, timeouts.partner_ms)?),
            None if base_url.is_undefined() || base_url.is_null() => None,
            None => return Err(Error::invalid_argument("options.partnerBaseUrl must be a string")),
        };
        let checkout = Checkout::with_partner(sdk, partner, CheckoutOptions { grant, on_event, timeouts })?;
        Ok(JsCheckout { checkout })
    }
}

#[wasm_bindgen(js_class = Checkout)]
impl JsCheckout {
    /// Creates a checkout. Throws `CheckoutError` (`INVALID_ARGUMENT`) for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "CheckoutOptions")] options: JsValue) -> Result<JsCheckout, JsValue> {
        JsCheckout::build(options).map_err(|e| to_js_error(&e))
    }

    /// Platform, app version and operational environment. Throws `CheckoutError`.
    #[wasm_bindgen(unchecked_return_type = "Environment")]
    pub fn environment(&self) -> Result<JsValue, JsValue> {
        self.checkout.environment().map(|env| env.to_js()).map_err(|e| to_js_error(&e))
    }

    /// Toss login: `appLogin()`, then your server (`partnerBaseUrl`) exchanges the code and sets its session cookie.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(&self) -> Promise {
        let checkout = self.checkout.clone();
        promise(async move { checkout.login().await })
    }

    /// A whole TossPay payment: your server prices `order`, the user authenticates, your server executes. Rejects
    /// with `AMOUNT_MISMATCH` before the sheet opens if the server's amount differs from `expectedAmount`, and with
    /// `PAYMENT_OUTCOME_UNKNOWN` (never a failure) when the result could not be learned in time.
    #[wasm_bindgen(js_name = payWithTossPay, unchecked_return_type = "Promise<Receipt>")]
    pub fn pay_with_tosspay(&self, #[wasm_bindgen(unchecked_param_type = "PayWithTossPayOptions")] options: JsValue) -> Promise {
        let order = get(&options, "order");
        let Some(order_json) = (!order.is_undefined()).then(|| js_sys::JSON::stringify(&order).ok()).flatten().and_then(|s| s.as_string()) else {
            return rejected(Error::invalid_argument("payWithTossPay: order must be JSON-serialisable"));
        };
        let Some(expected_amount) = get(&options, "expectedAmount").as_f64() else {
            return rejected(Error::invalid_argument("payWithTossPay: expectedAmount must be a number"));
        };
        let key = get(&options, "idempotencyKey");
        let idempotency_key = match key.as_string() {
            Some(k) if !k.is_empty() && k.len() <= 128 => Some(k),
            None if key.is_undefined() || key.is_null() => None,
            _ => return rejected(Error::invalid_argument("payWithTossPay: idempotencyKey must be a string of 1 to 128 characters")),
        };
        let checkout = self.checkout.clone();
        promise(async move { checkout.pay_with_tosspay(&order_json, expected_amount, idempotency_key).await })
    }

    /// `appLogin()`: an authorization code for your server.
    #[wasm_bindgen(js_name = appLogin, unchecked_return_type = "Promise<AppLoginResult>")]
    pub fn app_login(&self) -> Promise {
        let checkout = self.checkout.clone();
        promise(async move { checkout.app_login().await })
    }

    /// The mini-app's IAP products, each tagged by `type`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Product[]>")]
    pub fn products(&self) -> Promise {
        let checkout = self.checkout.clone();
        promise(async move { checkout.products().await })
    }

    /// Buys a one-time product; resolves only once your `grant` granted it.
    #[wasm_bindgen(unchecked_return_type = "Promise<PurchaseResult>")]
    pub fn purchase(&self, #[wasm_bindgen(unchecked_param_type = "string")] sku: JsValue) -> Promise {
        let Some(sku) = sku.as_string() else { return rejected(Error::invalid_argument("purchase(sku): sku must be a string")) };
        let checkout = self.checkout.clone();
        promise(async move { checkout.purchase(&sku).await })
    }

    /// Buys a subscription, with an optional `{ offerId }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<PurchaseResult>")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] sku: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ offerId?: string | null }")] options: JsValue,
    ) -> Promise {
        let Some(sku) = sku.as_string() else { return rejected(Error::invalid_argument("subscribe(sku): sku must be a string")) };
        let offer = get(&options, "offerId");
        let offer_id = match offer.as_string() {
            Some(id) => Some(id),
            None if offer.is_undefined() || offer.is_null() => None,
            None => return rejected(Error::invalid_argument("subscribe: offerId must be a string")),
        };
        let checkout = self.checkout.clone();
        promise(async move { checkout.subscribe(&sku, offer_id.as_deref()).await })
    }

    /// Grants (through `grant`) and completes every paid order that was never granted.
    #[wasm_bindgen(js_name = restorePendingOrders, unchecked_return_type = "Promise<RestoreResult>")]
    pub fn restore_pending_orders(&self) -> Promise {
        let checkout = self.checkout.clone();
        settle(async move { checkout.restore_pending_orders().await.map(|report| restore_report(&report)) }.boxed_local())
    }

    /// One page of completed and refunded orders: `orderHistory({ key })` with the previous page's `nextKey`. With
    /// `partnerBaseUrl`, the page is then synced so refunded orders are revoked (`revoked`).
    #[wasm_bindgen(js_name = orderHistory, unchecked_return_type = "Promise<OrderHistoryPage & { revoked: { orderId: string; sku: string }[] }>")]
    pub fn order_history(&self, #[wasm_bindgen(unchecked_param_type = "{ key?: string | null }")] options: JsValue) -> Promise {
        let key = get(&options, "key");
        let key = match key.as_string() {
            Some(k) => Some(k),
            None if key.is_undefined() || key.is_null() => None,
            None => return rejected(Error::invalid_argument("orderHistory: key must be a string")),
        };
        let checkout = self.checkout.clone();
        settle(
            async move {
                let (page, revoked) = checkout.order_history_and_sync(key.as_deref()).await?;
                let value = page.to_js();
                let list = Array::new();
                for r in &revoked {
                    list.push(&Obj::new().str("orderId", &r.order_id).str("sku", &r.sku).done());
                }
                let _ = Reflect::set(&value, &JsValue::from_str("revoked"), &list);
                Ok(value)
            }
            .boxed_local(),
        )
    }

    /// A subscription's state.
    #[wasm_bindgen(js_name = subscriptionInfo, unchecked_return_type = "Promise<SubscriptionInfo>")]
    pub fn subscription_info(&self, #[wasm_bindgen(unchecked_param_type = "string")] order_id: JsValue) -> Promise {
        let Some(order_id) = order_id.as_string() else { return rejected(Error::invalid_argument("orderId must be a string")) };
        let checkout = self.checkout.clone();
        promise(async move { checkout.subscription_info(&order_id).await })
    }

    /// Low level: the user authenticates the TossPay payment behind `payToken`. Resolves when they did; rejects
    /// with `TOSSPAY_NOT_AUTHENTICATED` (with `reason`) when they did not.
    #[wasm_bindgen(js_name = checkoutPayment, unchecked_return_type = "Promise<void>")]
    pub fn checkout_payment(&self, #[wasm_bindgen(unchecked_param_type = "string")] pay_token: JsValue) -> Promise {
        let Some(pay_token) = pay_token.as_string() else { return rejected(Error::invalid_argument("payToken must be a string")) };
        let checkout = self.checkout.clone();
        promise(async move { checkout.checkout_payment(&pay_token).await })
    }

    /// Low level: the user registers TossPay auto-billing for `wrappedToken`.
    #[wasm_bindgen(js_name = requestTossPayPaysBilling, unchecked_return_type = "Promise<void>")]
    pub fn request_pays_billing(&self, #[wasm_bindgen(unchecked_param_type = "string")] wrapped_token: JsValue) -> Promise {
        let Some(token) = wrapped_token.as_string() else { return rejected(Error::invalid_argument("wrappedToken must be a string")) };
        let checkout = self.checkout.clone();
        promise(async move { checkout.bridge().request_pays_billing(&token).await })
    }
}

fn restore_report(report: &RestoreReport) -> JsValue {
    let result = Object::new();
    let restored = report.restored.to_js();
    let failed = Array::new();
    for f in &report.failed {
        let item = Object::new();
        let _ = Reflect::set(&item, &"orderId".into(), &JsValue::from_str(&f.order_id));
        let _ = Reflect::set(&item, &"sku".into(), &JsValue::from_str(&f.sku));
        let _ = Reflect::set(&item, &"error".into(), &to_js_error(&f.error));
        failed.push(&item);
    }
    let _ = Reflect::set(&result, &"restored".into(), &restored);
    let _ = Reflect::set(&result, &"failed".into(), &failed);
    result.into()
}
