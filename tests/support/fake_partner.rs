//! A scriptable partner server for native tests: queued replies per call (the last one repeats), and a call log.
//! Requests and replies are the contract's types (`ait_api::partner`), as in the browser.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use ait_checkout::error::Error;
use ait_checkout::partner::{
    CreatePaymentRequest, CreatePaymentResponse, Entitlement, EntitlementsResponse, GrantRequest, GrantResponse,
    LoginRequest, PageOrder, Partner, PayStatus, PaymentReceipt, PaymentStatusReply, RevokedGrant, SyncRequest,
    SyncResponse, Won,
};
use serde::Serialize;
use serde_json::Value;

/// The caller's order in native tests: any JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct JsonOrder(pub Value);

impl PageOrder for JsonOrder {
    fn identity(&self) -> String {
        self.0.to_string()
    }
}

/// An order from JSON text (what a page would pass).
pub fn order(json: &str) -> JsonOrder {
    JsonOrder(serde_json::from_str(json).expect("a JSON order"))
}

#[derive(Clone)]
pub enum Reply {
    Created(CreatePaymentResponse),
    Receipt(PaymentReceipt),
    State(PaymentStatusReply),
    Granted(bool),
    Revoked(Vec<RevokedGrant>),
    Entitlements(Vec<Entitlement>),
    Ok,
    Fail(Error),
    Never,
}

#[derive(Default)]
pub struct FakePartnerState {
    pub replies: HashMap<&'static str, VecDeque<Reply>>,
    pub calls: Vec<String>,
}

#[derive(Clone, Default)]
pub struct FakePartner {
    pub state: Rc<RefCell<FakePartnerState>>,
}

pub fn created(order_no: &str, amount: i64) -> CreatePaymentResponse {
    CreatePaymentResponse {
        order_no: order_no.into(),
        pay_token: format!("PT-{order_no}"),
        amount: Won(amount),
        product_desc: "원두 200g".into(),
    }
}

pub fn receipt(order_no: &str, amount: i64) -> PaymentReceipt {
    PaymentReceipt {
        order_no: order_no.into(),
        pay_token: format!("PT-{order_no}"),
        amount: Won(amount),
        paid_amount: Won(amount),
        pay_method: ait_api::PayMethod::Card,
        transaction_id: format!("TX-{order_no}"),
        approval_time: "2025-09-22 10:00:00".into(),
        discounted_amount: None,
        mode: None,
        card_company_name: None,
        card_num4_print: None,
        sales_check_link_url: None,
        account_bank_name: None,
        account_number: None,
    }
}

pub fn state(status: &str, receipt: Option<PaymentReceipt>) -> PaymentStatusReply {
    PaymentStatusReply { status: PayStatus::parse(status), receipt }
}

impl FakePartner {
    /// Queues replies for a call; the last one repeats.
    pub fn script(&self, call: &'static str, replies: Vec<Reply>) {
        self.state.borrow_mut().replies.insert(call, replies.into());
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.calls().iter().filter(|c| c.starts_with(prefix)).count()
    }

    async fn next(&self, call: &'static str, detail: String) -> Reply {
        let reply = {
            let mut state = self.state.borrow_mut();
            state.calls.push(format!("{call} {detail}"));
            let queue = match state.replies.get_mut(call) {
                Some(queue) => queue,
                // Not every test cares about the entitlements refreshed after a purchase, restore or sync.
                None if call == "entitlements" => return Reply::Entitlements(Vec::new()),
                None => panic!("the test did not script {call}"),
            };
            if queue.len() > 1 { queue.pop_front().unwrap() } else { queue.front().cloned().unwrap() }
        };
        if let Reply::Never = reply {
            std::future::pending::<()>().await;
        }
        reply
    }
}

fn unexpected(call: &str) -> Error {
    panic!("unexpected reply type scripted for {call}")
}

impl Partner for FakePartner {
    type Order = JsonOrder;

    async fn login(&self, request: &LoginRequest) -> Result<(), Error> {
        match self.next("login", format!("{} {}", request.authorization_code, request.referrer)).await {
            Reply::Ok => Ok(()),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("login")),
        }
    }
    async fn logout(&self) -> Result<(), Error> {
        match self.next("logout", String::new()).await {
            Reply::Ok => Ok(()),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("logout")),
        }
    }
    async fn create_payment(&self, request: &CreatePaymentRequest<JsonOrder>) -> Result<CreatePaymentResponse, Error> {
        match self.next("create", format!("{} {}", request.order.0, request.idempotency_key)).await {
            Reply::Created(c) => Ok(c),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("create")),
        }
    }
    async fn execute_payment(&self, order_no: &str) -> Result<PaymentReceipt, Error> {
        match self.next("execute", order_no.into()).await {
            Reply::Receipt(r) => Ok(r),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("execute")),
        }
    }
    async fn payment_status(&self, order_no: &str) -> Result<PaymentStatusReply, Error> {
        match self.next("status", order_no.into()).await {
            Reply::State(s) => Ok(s),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("status")),
        }
    }
    async fn grant(&self, request: &GrantRequest) -> Result<GrantResponse, Error> {
        match self.next("grant", format!("{} {}", request.order_id, request.sku)).await {
            Reply::Granted(granted) => Ok(GrantResponse { granted }),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("grant")),
        }
    }
    async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, Error> {
        match self.next("sync", format!("{}", request.orders.len())).await {
            Reply::Revoked(revoked) => Ok(SyncResponse { revoked }),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("sync")),
        }
    }
    async fn entitlements(&self) -> Result<EntitlementsResponse, Error> {
        match self.next("entitlements", String::new()).await {
            Reply::Entitlements(list) => Ok(list),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("entitlements")),
        }
    }
    fn new_idempotency_key(&self) -> String {
        format!("key-{}", self.state.borrow().calls.len())
    }
}
