//! Calls to the host that always settle.
//!
//! The SDK has no timeouts, silently ignores calls an old app cannot serve, and resolves `undefined` for others.
//! [`Bridge`] wraps any [`Sdk`] so that every call checks the host first (`NOT_IN_TOSS_APP`, `IFRAME_NOT_ALLOWED`),
//! fails at once below its minimum app version (`UNSUPPORTED_APP_VERSION`, naming the minimums), has a deadline
//! (`BRIDGE_TIMEOUT`), and turns an `undefined` reply into `UNSUPPORTED_APP_VERSION` too.

use alloc::{boxed::Box, string::String, vec::Vec};
use core::future::Future;
use core::task::Poll;

use futures_util::future::LocalBoxFuture;

use crate::error::{Error, ErrorCode};
use crate::sdk::parse::Parse;
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
            return Err(Error::invalid_argument(msg!("timeouts.", name, " must be a positive number of milliseconds")));
        }
        if self.grant_ms > GRANT_BUDGET_MS {
            return Err(Error::invalid_argument(msg!(
                "timeouts.grantMs must be at most ", GRANT_BUDGET_MS, ": the host waits 30 s for a grant"
            )));
        }
        Ok(())
    }
}

/// Races `fut` against a deadline; `None` when the deadline passed first.
pub async fn with_deadline<S: Sdk, T>(sdk: &S, ms: u32, fut: impl Future<Output = T>) -> Option<T> {
    // A hand-written select (the future first, then the timer): smaller in wasm than `futures_util`'s.
    let mut fut = core::pin::pin!(fut);
    let mut timer = core::pin::pin!(sdk.sleep(ms));
    core::future::poll_fn(|cx| {
        if let Poll::Ready(value) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        timer.as_mut().poll(cx).map(|_| None)
    })
    .await
}

/// The `UNSUPPORTED_APP_VERSION` error for a call and its minimums.
pub fn unsupported(call: &str, min: MinVersions, env: Option<&Environment>) -> Error {
    let running = match env {
        // The platform as its `Debug` would print it, without the `Debug` machinery (wasm size).
        Some(env) => {
            let platform = match env.platform {
                crate::sdk::Platform::Ios => "Ios",
                crate::sdk::Platform::Android => "Android",
            };
            msg!(" (this app: ", platform, " ", env.app_version, ")")
        }
        None => String::new(),
    };
    let mut err = Error::new(
        ErrorCode::UnsupportedAppVersion,
        msg!(call, " needs Toss app ", min, " or newer", running),
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

    /// Fails with `UNSUPPORTED_APP_VERSION` when the app is older than `call` needs.
    pub fn check_gate(&self, call: GatedCall) -> Result<(), Error> {
        let env = self.environment()?;
        let min = call.min_versions();
        match is_min_version_supported(&env, &min) {
            Ok(true) => Ok(()),
            Ok(false) => Err(unsupported(call.sdk_name(), min, Some(&env))),
            Err(e) => Err(Error::invalid_response("getTossAppVersion", e)),
        }
    }

    /// Runs one host call: checks, deadline, `undefined` → `UNSUPPORTED_APP_VERSION` (gated calls) or
    /// `INVALID_BRIDGE_RESPONSE`, and the reply parsed as `T` (malformed → `INVALID_BRIDGE_RESPONSE`).
    async fn call<T: Parse>(&self, call: SdkCall<'_>, gate: Option<GatedCall>, deadline_ms: u32) -> Result<T, Error> {
        let name = call.name();
        // The reply is handed over through `slot` so that the rest (checks, deadline, errors) is one non-generic
        // function; only the parsing is per reply type (wasm size).
        let mut slot = None;
        let answered = async {
            // Started only once `settle` has checked the host and the gate.
            let reply = self.sdk.call(call).await?;
            let defined = reply.is_some();
            slot = reply;
            Ok(defined)
        };
        self.settle(name, gate, deadline_ms, Box::pin(answered)).await?;
        let value = slot.ok_or_else(|| Error::invalid_response(name, "undefined"))?;
        T::parse(value).map_err(|e| Error::invalid_response(name, e))
    }

    /// [`Bridge::call`] without the reply type: `Ok(())` when the host answered a defined value in time.
    async fn settle(
        &self,
        name: &str,
        gate: Option<GatedCall>,
        deadline_ms: u32,
        answered: LocalBoxFuture<'_, Result<bool, Error>>,
    ) -> Result<(), Error> {
        match gate {
            Some(gate) => self.check_gate(gate)?,
            None => self.sdk.check_host()?,
        }
        match with_deadline(&self.sdk, deadline_ms, answered).await {
            None => Err(Error::new(
                ErrorCode::BridgeTimeout,
                msg!("the host did not answer ", name, " within ", deadline_ms, " ms"),
            )),
            Some(Err(e)) => Err(e),
            Some(Ok(true)) => Ok(()),
            Some(Ok(false)) => Err(match gate {
                // The host's own gate (its SDK may be newer than our table): name the minimums we know.
                Some(gate) => unsupported(name, gate.min_versions(), self.sdk.environment().ok().as_ref()),
                None => Error::invalid_response(name, "undefined"),
            }),
        }
    }

    /// `appLogin()`: an authorization code for the partner server.
    pub async fn app_login(&self) -> Result<AppLoginResult, Error> {
        self.call(SdkCall::AppLogin, None, self.timeouts.interaction_ms).await
    }

    /// `checkoutPayment`: the user authenticates the payment behind `pay_token`. `success: false` becomes
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
            false => Err(Error::new(ErrorCode::SdkError, msg!(call.name(), " answered false for order ", order_id))
                .with_order_id(order_id)),
        }
    }

    /// One page of `IAP.getCompletedOrRefundedOrders`.
    pub async fn order_history(&self, key: Option<&str>) -> Result<OrderHistoryPage, Error> {
        let call = SdkCall::CompletedOrRefundedOrders { key };
        self.call(call, Some(GatedCall::CompletedOrRefundedOrders), self.timeouts.bridge_ms).await
    }

    /// `IAP.getSubscriptionInfo`.
    pub async fn subscription_info(&self, order_id: &str) -> Result<SubscriptionInfo, Error> {
        let call = SdkCall::SubscriptionInfo { order_id };
        let reply: SubscriptionInfoResponse = self.call(call, Some(GatedCall::SubscriptionInfo), self.timeouts.bridge_ms).await?;
        Ok(reply.subscription)
    }
}

fn authenticated(call: &str, result: AuthenticationResult) -> Result<(), Error> {
    if result.success {
        return Ok(());
    }
    let why = result.reason.clone().unwrap_or_else(|| "no reason given".into());
    Err(Error::new(ErrorCode::TosspayNotAuthenticated, msg!(call, ": the user did not authenticate (", why, ")"))
        .with_reason(result.reason))
}
