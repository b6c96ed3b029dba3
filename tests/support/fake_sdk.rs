//! A scriptable in-memory [`Sdk`] for native tests: replies per call (a JSON value, which the bridge parses as it
//! parses the browser's replies; `undefined`; a rejection; or never), constants, and a hand-driven purchase listener.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use ait_checkout::error::Error;
use ait_checkout::sdk::*;
use ait_checkout::version::GatedCall;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What the fake host answers to one call.
#[derive(Clone)]
pub enum FakeReply {
    Value(Value),
    Undefined,
    Reject(Error),
    Never,
}

#[derive(Default)]
pub struct FakeState {
    pub host: Option<Error>,
    pub env: Option<Environment>,
    pub replies: HashMap<&'static str, FakeReply>,
    pub calls: Vec<String>,
    pub listeners: Vec<Rc<dyn PurchaseListener>>,
    pub orders: Vec<PurchaseOrder>,
    pub cleanups: usize,
    pub purchase_throws: Option<Error>,
    /// What each call's `isSupported()` answers (an SDK 3.x module); absent calls have none (2.x).
    pub supported: HashMap<GatedCall, bool>,
}

#[derive(Clone)]
pub struct FakeSdk {
    pub state: Rc<RefCell<FakeState>>,
    start: tokio::time::Instant,
}

impl FakeSdk {
    /// A new iOS 5.260.0 Toss app.
    pub fn new() -> FakeSdk {
        let state = FakeState {
            env: Some(Environment {
                platform: Platform::Ios,
                app_version: "5.260.0".into(),
                operational_environment: OperationalEnvironment::Toss,
            }),
            ..FakeState::default()
        };
        FakeSdk { state: Rc::new(RefCell::new(state)), start: tokio::time::Instant::now() }
    }

    pub fn set_version(&self, platform: Platform, version: &str, op: OperationalEnvironment) {
        self.state.borrow_mut().env =
            Some(Environment { platform, app_version: version.into(), operational_environment: op });
    }

    pub fn reply(&self, call: &'static str, reply: FakeReply) {
        self.state.borrow_mut().replies.insert(call, reply);
    }

    pub fn listener(&self, i: usize) -> Rc<dyn PurchaseListener> {
        self.state.borrow().listeners[i].clone()
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    fn answer(&self, call: &'static str) -> impl Future<Output = Reply<Value>> + 'static {
        self.state.borrow_mut().calls.push(call.to_string());
        let reply = self.state.borrow().replies.get(call).cloned();
        async move {
            match reply {
                None => panic!("the test did not script {call}"),
                Some(FakeReply::Value(v)) => Ok(Some(v)),
                Some(FakeReply::Undefined) => Ok(None),
                Some(FakeReply::Reject(e)) => Err(e),
                Some(FakeReply::Never) => std::future::pending().await,
            }
        }
    }
}

impl Sdk for FakeSdk {
    type Value = Value;

    fn decode<T: DeserializeOwned>(&self, value: Value) -> Result<T, String> {
        // The same serde shapes and path-naming decoder as the browser, over JSON.
        decode_reply(value)
    }

    fn check_host(&self) -> Result<(), Error> {
        match &self.state.borrow().host {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn environment(&self) -> Result<Environment, Error> {
        self.check_host()?;
        Ok(self.state.borrow().env.clone().expect("env"))
    }

    fn is_supported(&self, call: GatedCall) -> Result<Option<bool>, Error> {
        Ok(self.state.borrow().supported.get(&call).copied())
    }

    fn call(&self, call: SdkCall<'_>) -> impl Future<Output = Reply<Value>> + 'static {
        // The names the tests script replies under, and the arguments they check.
        let key = match call {
            SdkCall::AppLogin => "appLogin",
            SdkCall::CheckoutPayment { pay_token } => {
                self.state.borrow_mut().calls.push(format!("payToken={pay_token}"));
                "checkoutPayment"
            }
            SdkCall::RequestPaysBilling { .. } => "requestTossPayPaysBilling",
            SdkCall::ProductItemList => "iapGetProductItemList",
            SdkCall::PendingOrders => "getPendingOrders",
            SdkCall::CompleteProductGrant { order_id } => {
                self.state.borrow_mut().calls.push(format!("complete={order_id}"));
                "completeProductGrant"
            }
            SdkCall::CompletedOrRefundedOrders { key } => {
                self.state.borrow_mut().calls.push(format!("key={key:?}"));
                "getCompletedOrRefundedOrders"
            }
            SdkCall::SubscriptionInfo { .. } => "getSubscriptionInfo",
        };
        self.answer(key)
    }

    fn create_purchase_order(&self, order: &PurchaseOrder, listener: Rc<dyn PurchaseListener>) -> Result<Cleanup, Error> {
        if let Some(e) = self.state.borrow().purchase_throws.clone() {
            return Err(e);
        }
        let mut state = self.state.borrow_mut();
        state.orders.push(order.clone());
        state.listeners.push(listener);
        let shared = Rc::clone(&self.state);
        Ok(Box::new(move || shared.borrow_mut().cleanups += 1))
    }

    fn sleep(&self, ms: u32) -> impl Future<Output = ()> + 'static {
        tokio::time::sleep(std::time::Duration::from_millis(ms as u64))
    }

    fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
}
