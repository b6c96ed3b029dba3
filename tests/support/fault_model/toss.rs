//! Toss's ledger in the model: TossPay payments, IAP orders and login codes, and what each endpoint does to them.
//! Operations answer `Err(errorCode)` for a Toss `FAIL` (nothing changed), as the sandbox does.

/// `payStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayStatus {
    Standby,
    Approved,
    Completed,
    Canceled,
    Refunded,
}

impl PayStatus {
    /// The wire spelling.
    pub fn wire(self) -> &'static str {
        match self {
            PayStatus::Standby => "PAY_STANDBY",
            PayStatus::Approved => "PAY_APPROVED",
            PayStatus::Completed => "PAY_COMPLETE",
            PayStatus::Canceled => "PAY_CANCEL",
            PayStatus::Refunded => "REFUND_SUCCESS",
        }
    }
}

/// A TossPay payment at Toss.
#[derive(Clone, Debug)]
pub struct TossPay {
    pub order_no: String,
    pub pay_token: String,
    pub user: String,
    pub amount: i64,
    pub status: PayStatus,
    /// PAY transactions.
    pub executions: u32,
    /// REFUND transactions.
    pub refunds: u32,
}

/// What `get-payment-status` answers.
#[derive(Clone, Debug)]
pub struct StatusReply {
    pub pay_token: String,
    pub status: PayStatus,
    /// The id of the PAY transaction, once executed.
    pub pay_txn: Option<String>,
    /// The id of the REFUND transaction, once refunded.
    pub refund_txn: Option<String>,
}

/// `order/get-order-status` statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IapStatus {
    InProgress,
    PaymentCompleted,
    Purchased,
    Failed,
    Refunded,
}

impl IapStatus {
    /// The wire spelling.
    pub fn wire(self) -> &'static str {
        match self {
            IapStatus::InProgress => "ORDER_IN_PROGRESS",
            IapStatus::PaymentCompleted => "PAYMENT_COMPLETED",
            IapStatus::Purchased => "PURCHASED",
            IapStatus::Failed => "FAILED",
            IapStatus::Refunded => "REFUNDED",
        }
    }
}

/// An IAP order at Toss.
#[derive(Clone, Debug)]
pub struct TossOrder {
    pub order_id: String,
    pub user: String,
    pub sku: String,
    pub status: IapStatus,
    /// The store charge went through.
    pub paid: bool,
}

/// Toss's state.
#[derive(Default, Debug)]
pub struct Toss {
    pub payments: Vec<TossPay>,
    pub orders: Vec<TossOrder>,
    /// Authorization codes: (code, user, used).
    pub codes: Vec<(String, String, bool)>,
    next: u32,
}

pub const EXISTING_PAYMENT: &str = "PAYMENT_EXISTING_PAYMENT";
pub const ALREADY_EXECUTED: &str = "PAYMENT_ALREADY_EXECUTED";
pub const ALREADY_REFUNDED: &str = "PAYMENT_ALREADY_REFUNDED";
pub const NOT_APPROVED: &str = "PAYMENT_NOT_APPROVED";
pub const CANCELED: &str = "PAYMENT_CANCELED";
pub const NOT_REFUNDABLE: &str = "PAYMENT_NOT_REFUNDABLE";
pub const NOT_FOUND: &str = "PAYMENT_NOT_FOUND";
pub const INVALID_CODE: &str = "invalid_grant";

impl Toss {
    fn next(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    fn payment(&mut self, user: &str, pay_token: &str) -> Result<&mut TossPay, String> {
        self.payments
            .iter_mut()
            .find(|p| p.pay_token == pay_token && p.user == user)
            .ok_or_else(|| NOT_FOUND.to_string())
    }

    /// `generate-token`: a code works once.
    pub fn generate_token(&mut self, code: &str) -> Result<String, String> {
        match self.codes.iter_mut().find(|(c, _, used)| c == code && !*used) {
            Some((_, user, used)) => {
                *used = true;
                Ok(user.clone())
            }
            None => Err(INVALID_CODE.into()),
        }
    }

    /// `appLogin` on the host: a fresh code.
    pub fn issue_code(&mut self, user: &str) -> String {
        let code = format!("code-{}", self.next());
        self.codes.push((code.clone(), user.to_string(), false));
        code
    }

    /// `make-payment`: one payment per orderNo.
    pub fn make_payment(&mut self, user: &str, order_no: &str, amount: i64) -> Result<String, String> {
        if self.payments.iter().any(|p| p.order_no == order_no) {
            return Err(EXISTING_PAYMENT.into());
        }
        let pay_token = format!("PT-{}", self.next());
        self.payments.push(TossPay {
            order_no: order_no.into(),
            pay_token: pay_token.clone(),
            user: user.into(),
            amount,
            status: PayStatus::Standby,
            executions: 0,
            refunds: 0,
        });
        Ok(pay_token)
    }

    /// The buyer authenticates in the sheet; `false` when the payment cannot be authenticated any more.
    pub fn approve(&mut self, pay_token: &str) -> bool {
        match self.payments.iter_mut().find(|p| p.pay_token == pay_token) {
            Some(p) if p.status == PayStatus::Standby => {
                p.status = PayStatus::Approved;
                true
            }
            Some(p) => matches!(p.status, PayStatus::Approved | PayStatus::Completed),
            None => false,
        }
    }

    /// `execute-payment`: executes an approved payment once.
    pub fn execute(&mut self, user: &str, pay_token: &str) -> Result<String, String> {
        let p = self.payment(user, pay_token)?;
        match p.status {
            PayStatus::Approved => {
                p.status = PayStatus::Completed;
                p.executions += 1;
                Ok(format!("TX-{}", p.order_no))
            }
            PayStatus::Standby => Err(NOT_APPROVED.into()),
            PayStatus::Canceled => Err(CANCELED.into()),
            PayStatus::Completed | PayStatus::Refunded => Err(ALREADY_EXECUTED.into()),
        }
    }

    /// `refund-payment`: refunds a completed payment once.
    pub fn refund(&mut self, user: &str, pay_token: &str) -> Result<String, String> {
        let p = self.payment(user, pay_token)?;
        match p.status {
            PayStatus::Completed => {
                p.status = PayStatus::Refunded;
                p.refunds += 1;
                Ok(format!("RF-{}", p.order_no))
            }
            PayStatus::Refunded => Err(ALREADY_REFUNDED.into()),
            _ => Err(NOT_REFUNDABLE.into()),
        }
    }

    /// `get-payment-status` by orderNo.
    pub fn status(&self, user: &str, order_no: &str) -> Result<StatusReply, String> {
        let p = self
            .payments
            .iter()
            .find(|p| p.order_no == order_no && p.user == user)
            .ok_or_else(|| NOT_FOUND.to_string())?;
        Ok(StatusReply {
            pay_token: p.pay_token.clone(),
            status: p.status,
            pay_txn: (p.executions > 0).then(|| format!("TX-{}", p.order_no)),
            refund_txn: (p.refunds > 0).then(|| format!("RF-{}", p.order_no)),
        })
    }

    // ------------------------------------------------------------------ IAP

    /// The user starts buying `sku` (in progress, not charged).
    pub fn create_order(&mut self, user: &str, sku: &str) -> String {
        let order_id = format!("00000000-0000-4000-8000-{:012}", self.next());
        self.orders.push(TossOrder {
            order_id: order_id.clone(),
            user: user.into(),
            sku: sku.into(),
            status: IapStatus::InProgress,
            paid: false,
        });
        order_id
    }

    fn order(&mut self, order_id: &str) -> Option<&mut TossOrder> {
        self.orders.iter_mut().find(|o| o.order_id == order_id)
    }

    /// The store charged the order (it waits for the grant).
    pub fn charge(&mut self, order_id: &str) {
        if let Some(o) = self.order(order_id) {
            if o.status == IapStatus::InProgress {
                o.paid = true;
            }
        }
    }

    /// The order failed: never charged, or its charge voided.
    pub fn fail(&mut self, order_id: &str) {
        if let Some(o) = self.order(order_id) {
            if o.status == IapStatus::InProgress {
                o.status = IapStatus::Failed;
                o.paid = false;
            }
        }
    }

    /// The grant was reported done (`processProductGrant` answered true, or `completeProductGrant`): a charged
    /// order in progress completes. `false` when there was nothing to complete.
    pub fn complete(&mut self, order_id: &str) -> bool {
        match self.order(order_id) {
            Some(o) if o.status == IapStatus::InProgress && o.paid => {
                o.status = IapStatus::PaymentCompleted;
                true
            }
            Some(o) => matches!(o.status, IapStatus::PaymentCompleted | IapStatus::Purchased),
            None => false,
        }
    }

    /// A completed order is refunded.
    pub fn refund_order(&mut self, order_id: &str) {
        if let Some(o) = self.order(order_id) {
            if matches!(o.status, IapStatus::PaymentCompleted | IapStatus::Purchased) {
                o.status = IapStatus::Refunded;
            }
        }
    }

    /// `order/get-order-status`: the wire status, `NOT_FOUND` for another user's or an unknown order.
    pub fn order_status(&self, user: &str, order_id: &str) -> Result<&'static str, String> {
        Ok(self
            .orders
            .iter()
            .find(|o| o.order_id == order_id && o.user == user)
            .map_or("NOT_FOUND", |o| o.status.wire()))
    }
}
