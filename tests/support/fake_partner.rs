//! A scriptable partner server for native tests: queued replies per call (the last one repeats), and a call log.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use ait_checkout::error::Error;
use ait_checkout::partner::{CreatedPayment, Partner, PaymentState, Receipt, Revoked};
use ait_checkout::sdk::{HistoryOrder, Referrer};

#[derive(Clone)]
pub enum Reply {
    Created(CreatedPayment),
    Receipt(Receipt),
    State(PaymentState),
    Granted(bool),
    Revoked(Vec<Revoked>),
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

pub fn created(order_no: &str, amount: f64) -> CreatedPayment {
    CreatedPayment { order_no: order_no.into(), pay_token: format!("PT-{order_no}"), amount, product_desc: "원두 200g".into() }
}

pub fn receipt(order_no: &str, amount: f64) -> Receipt {
    Receipt {
        order_no: order_no.into(),
        pay_token: format!("PT-{order_no}"),
        amount,
        paid_amount: amount,
        pay_method: "CARD".into(),
        transaction_id: format!("TX-{order_no}"),
        approval_time: "2025-09-22T10:00:00".into(),
        discounted_amount: None,
        card_company_name: None,
        sales_check_link_url: None,
    }
}

pub fn state(status: &str, receipt: Option<Receipt>) -> PaymentState {
    PaymentState { status: status.into(), receipt }
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
            let queue = state.replies.get_mut(call).unwrap_or_else(|| panic!("the test did not script {call}"));
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
    async fn login(&self, authorization_code: &str, referrer: Referrer) -> Result<(), Error> {
        match self.next("login", format!("{authorization_code} {referrer:?}")).await {
            Reply::Ok => Ok(()),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("login")),
        }
    }
    async fn create_payment(&self, order_json: &str, idempotency_key: &str) -> Result<CreatedPayment, Error> {
        match self.next("create", format!("{order_json} {idempotency_key}")).await {
            Reply::Created(c) => Ok(c),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("create")),
        }
    }
    async fn execute_payment(&self, order_no: &str) -> Result<Receipt, Error> {
        match self.next("execute", order_no.into()).await {
            Reply::Receipt(r) => Ok(r),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("execute")),
        }
    }
    async fn payment_status(&self, order_no: &str) -> Result<PaymentState, Error> {
        match self.next("status", order_no.into()).await {
            Reply::State(s) => Ok(s),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("status")),
        }
    }
    async fn grant(&self, order_id: &str, sku: &str) -> Result<bool, Error> {
        match self.next("grant", format!("{order_id} {sku}")).await {
            Reply::Granted(g) => Ok(g),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("grant")),
        }
    }
    fn new_idempotency_key(&self) -> String {
        format!("key-{}", self.state.borrow().calls.len())
    }

    async fn sync(&self, orders: &[HistoryOrder]) -> Result<Vec<Revoked>, Error> {
        match self.next("sync", format!("{}", orders.len())).await {
            Reply::Revoked(r) => Ok(r),
            Reply::Fail(e) => Err(e),
            _ => Err(unexpected("sync")),
        }
    }
}
