//! Calls to the host that always settle.
//!
//! The SDK has no timeouts, silently ignores calls an old app cannot serve, and resolves `undefined` for others.
//! [`Bridge`] wraps any [`Sdk`] so that every call checks the host first (`NOT_IN_TOSS_APP`, `IFRAME_NOT_ALLOWED`),
//! fails at once below its minimum app version (`UNSUPPORTED_APP_VERSION`, naming the minimums), has a deadline
//! (`BRIDGE_TIMEOUT`), and turns an `undefined` reply into `UNSUPPORTED_APP_VERSION` too.

use std::future::Future;
use std::pin::pin;

use futures::future::{select, Either, LocalBoxFuture};
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorCode};
use crate::sdk::{
    AppLoginResult, AuthenticationResult, Environment, OrderHistoryPage, PendingOrder, PendingOrders, Product,
    ProductList, Sdk, SdkCall, SubscriptionInfo, SubscriptionInfoResponse,
};
use crate::version::{is_min_version_supported, GatedCall, MinVersions};

/// Deadlines, in milliseconds. The JS `timeouts` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Calls nobody has to act on (queries, `completeProductGrant`).
    pub bridge_ms: u32,
    /// Calls a person answers (login consent, the payment sheet, the order sheet).
    pub interaction_ms: u32,
    /// The partner's grant; the host gives it 30 s, so this must stay below.
    pub grant_ms: u32,
    /// Each request to the partner server.
    pub partner_ms: u32,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts { bridge_ms: 10_000, interaction_ms: 300_000, grant_ms: 25_000, partner_ms: 15_000 }
    }
}

/// The most a grant may take: the host's budget is 30 s, and the answer still has to travel back.
pub const GRANT_BUDGET_MS: u32 = 29_000;

impl Timeouts {
    /// Rejects deadlines that cannot work (zero, or a grant deadline the host would not wait for).
    pub fn validate(&self) -> Result<(), Error> {
        let fields = [
            ("bridgeMs", self.bridge_ms),
            ("interactionMs", self.interaction_ms),
            ("grantMs", self.grant_ms),
            ("partnerMs", self.partner_ms),
        ];
        if let Some((name, _)) = fields.iter().find(|(_, ms)| *ms == 0) {
            return Err(Error::invalid_argument(format!("timeouts.{} must be a positive number of milliseconds", name)));
        }
        if self.grant_ms > GRANT_BUDGET_MS {
            return Err(Error::invalid_argument(format!("timeouts.grantMs must be at most {}: the host waits 30 s for a grant", GRANT_BUDGET_MS)));
        }
        Ok(())
    }
}

/// Races `fut` against a deadline; `None` when the deadline passed first.
pub async fn with_deadline<S: Sdk, T>(sdk: &S, ms: u32, fut: impl Future<Output = T>) -> Option<T> {
    match select(pin!(fut), pin!(sdk.sleep(ms))).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(((), _)) => None,
    }
}

/// The `UNSUPPORTED_APP_VERSION` error for a call and its minimums.
pub fn unsupported(call: &str, min: MinVersions, env: Option<&Environment>) -> Error {
    let running = match env {
        Some(env) => format!(" (this app: {} {})", env.platform.as_str(), env.app_version),
        None => String::new(),
    };
    let mut err = Error::new(
        ErrorCode::UnsupportedAppVersion,
        format!("{} needs Toss app {} or newer{}", call, min, running),
    );
    err.min_versions = Some(min);
    err
}

/// Any [`Sdk`] made safe: host checks, version gates, deadlines, `undefined` handling.
pub struct Bridge<S> {
    sdk: S,
    timeouts: Timeouts,
}

impl<S: Sdk> Bridge<S> {
    /// Wraps an SDK with the given deadlines.
    pub fn new(sdk: S, timeouts: Timeouts) -> Bridge<S> {
        Bridge { sdk, timeouts }
    }

    /// The wrapped SDK.
    pub fn sdk(&self) -> &S {
        &self.sdk
    }

    /// The deadlines in force.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// Platform, app version and operational environment; fails without a host or inside a frame.
    pub fn environment(&self) -> Result<Environment, Error> {
        self.sdk.check_host()?;
        self.sdk.environment()
    }

    /// Fails with `UNSUPPORTED_APP_VERSION` when the app cannot serve `call`: the call's own `isSupported()` decides
    /// when the SDK has one (3.x), else the built-in version table.
    pub fn check_gate(&self, call: GatedCall) -> Result<(), Error> {
        let env = self.environment()?;
        let min = call.min_versions();
        let supported = match self.sdk.is_supported(call)? {
            Some(supported) => supported,
            None => is_min_version_supported(&env, &min).map_err(|e| Error::invalid_response("getTossAppVersion", e))?,
        };
        if supported {
            Ok(())
        } else {
            Err(unsupported(call.sdk_name(), min, Some(&env)))
        }
    }

    /// Runs one host call: checks (host, gate), deadline, `undefined` → `UNSUPPORTED_APP_VERSION` (gated calls) or
    /// `INVALID_BRIDGE_RESPONSE`, a thrown `UNSUPPORTED_APP_VERSION` (3.x) with our minimums, and the reply decoded
    /// as `T` (malformed → `INVALID_BRIDGE_RESPONSE` naming the field).
    async fn call<T: DeserializeOwned>(&self, call: SdkCall<'_>, gate: Option<GatedCall>, deadline_ms: u32) -> Result<T, Error> {
        let name = call.name();
        let reply = self.answer(call, gate, deadline_ms).await?;
        self.sdk.decode(reply).map_err(|e| Error::invalid_response(name, e))
    }

    /// Everything of [`Bridge::call`] but the decoding, boxed: one copy in the wasm instead of one per reply type.
    fn answer<'a>(
        &'a self,
        call: SdkCall<'a>,
        gate: Option<GatedCall>,
        deadline_ms: u32,
    ) -> LocalBoxFuture<'a, Result<S::Value, Error>> {
        Box::pin(async move {
            let name = call.name();
            match gate {
                Some(gate) => self.check_gate(gate)?,
                None => self.sdk.check_host()?,
            }
            match with_deadline(&self.sdk, deadline_ms, self.sdk.call(call)).await {
                None => Err(Error::new(
                    ErrorCode::BridgeTimeout,
                    format!("the host did not answer {name} within {deadline_ms} ms"),
                )),
                Some(Err(e)) if e.code == ErrorCode::UnsupportedAppVersion && e.min_versions.is_none() => match gate {
                    // The SDK's own gate (3.x throws where 2.x resolved `undefined`): name the minimums we know.
                    Some(gate) => Err(unsupported(name, gate.min_versions(), self.sdk.environment().ok().as_ref())),
                    None => Err(e),
                },
                Some(Err(e)) => Err(e),
                Some(Ok(Some(value))) => Ok(value),
                Some(Ok(None)) => Err(match gate {
                    // The host's own gate (its SDK may be newer than our table): name the minimums we know.
                    Some(gate) => unsupported(name, gate.min_versions(), self.sdk.environment().ok().as_ref()),
                    None => Error::invalid_response(name, "undefined"),
                }),
            }
        })
    }

    /// `appLogin()`: an authorization code for the partner server.
    pub async fn app_login(&self) -> Result<AppLoginResult, Error> {
        self.call(SdkCall::AppLogin, None, self.timeouts.interaction_ms).await
    }

    /// `TossPay.authorize` (3.x) or `checkoutPayment` (2.x): the user authenticates the payment behind `pay_token`. `success: false` becomes
    /// `TOSSPAY_NOT_AUTHENTICATED` with the host's reason.
    pub async fn checkout_payment(&self, pay_token: &str) -> Result<(), Error> {
        if pay_token.trim().is_empty() {
            return Err(Error::invalid_argument("payToken must not be empty"));
        }
        let call = SdkCall::CheckoutPayment { pay_token };
        authenticated(call.name(), self.call(call, None, self.timeouts.interaction_ms).await?)
    }

    /// `requestTossPayPaysBilling`: the user registers auto-billing.
    pub async fn request_pays_billing(&self, wrapped_token: &str) -> Result<(), Error> {
        if wrapped_token.trim().is_empty() {
            return Err(Error::invalid_argument("wrappedToken must not be empty"));
        }
        let call = SdkCall::RequestPaysBilling { wrapped_token };
        let gate = Some(GatedCall::TossPayPaysBilling);
        authenticated(call.name(), self.call(call, gate, self.timeouts.interaction_ms).await?)
    }

    /// `IAP.getProductItemList()`.
    pub async fn products(&self) -> Result<Vec<Product>, Error> {
        let list: ProductList = self.call(SdkCall::ProductItemList, Some(GatedCall::ProductItemList), self.timeouts.bridge_ms).await?;
        Ok(list.products)
    }

    /// `IAP.getPendingOrders()`: paid orders not yet granted.
    pub async fn pending_orders(&self) -> Result<Vec<PendingOrder>, Error> {
        let pending: PendingOrders = self.call(SdkCall::PendingOrders, Some(GatedCall::PendingOrders), self.timeouts.bridge_ms).await?;
        Ok(pending.orders)
    }

    /// `IAP.completeProductGrant`: tells Toss the order was granted. `false` from the host is an error.
    pub async fn complete_product_grant(&self, order_id: &str) -> Result<(), Error> {
        let call = SdkCall::CompleteProductGrant { order_id };
        match self.call(call, Some(GatedCall::CompleteProductGrant), self.timeouts.bridge_ms).await? {
            true => Ok(()),
            false => Err(Error::new(ErrorCode::SdkError, format!("{} answered false for order {}", call.name(), order_id))
                .with_order_id(order_id)),
        }
    }

    /// One page of `IAP.getCompletedOrRefundedOrders`.
    pub async fn order_history(&self, key: Option<&str>) -> Result<OrderHistoryPage, Error> {
        let call = SdkCall::CompletedOrRefundedOrders { key };
        self.call(call, Some(GatedCall::CompletedOrRefundedOrders), self.timeouts.bridge_ms).await
    }

    /// `IAP.getSubscriptionInfo`; `None` when nothing is set up for the order.
    pub async fn subscription_info(&self, order_id: &str) -> Result<Option<SubscriptionInfo>, Error> {
        let call = SdkCall::SubscriptionInfo { order_id };
        let reply: SubscriptionInfoResponse = self.call(call, Some(GatedCall::SubscriptionInfo), self.timeouts.bridge_ms).await?;
        Ok(reply.subscription)
    }
}

fn authenticated(call: &str, result: AuthenticationResult) -> Result<(), Error> {
    if result.success {
        return Ok(());
    }
    let why = result.reason.as_deref().unwrap_or("no reason given");
    Err(Error::new(ErrorCode::TosspayNotAuthenticated, format!("{call}: the user did not authenticate ({why})"))
        .with_reason(result.reason))
}
