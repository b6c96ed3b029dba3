//! Receipts: what the page gets once a payment is paid or refunded, built from Toss's execute or refund reply or,
//! when that reply was lost, from the transactions in `get-payment-status`.

use ait_api::partner::{PaymentReceipt, RefundReceipt, Won};
use ait_api::tosspay::{ExecutePaymentResponse, PaymentStatusResponse, PaymentTransaction, RefundPaymentResponse};
use ait_api::StepType;

use crate::payments::Payment;

pub(super) fn receipt_from_execute(p: &Payment, r: &ExecutePaymentResponse) -> Option<PaymentReceipt> {
    let amount = r.amount.unwrap_or(p.amount);
    if amount != p.amount {
        tracing::error!(order_no = %p.order_no, "execute-payment reports amount {amount}, we priced {}", p.amount);
    }
    let discounted = r.discounted_amount.unwrap_or(0);
    Some(PaymentReceipt {
        order_no: p.order_no.clone(),
        pay_token: r.pay_token.clone().or_else(|| p.pay_token.clone())?,
        amount: Won(amount),
        paid_amount: Won(r.paid_amount.unwrap_or(amount - discounted)),
        pay_method: r.pay_method.clone()?,
        transaction_id: r.transaction_id.clone()?,
        approval_time: r.approval_time.clone()?,
        discounted_amount: r.discounted_amount.map(Won),
        mode: r.mode.clone(),
        card_company_name: r.card_company_name.clone(),
        card_num4_print: r.card_num4_print.clone(),
        sales_check_link_url: r.sales_check_link_url.clone(),
        account_bank_name: r.account_bank_name.clone(),
        account_number: r.account_number.clone(),
    })
}

fn transactions(
    st: &PaymentStatusResponse,
    step: StepType,
) -> impl Iterator<Item = &PaymentTransaction> {
    st.transactions
        .iter()
        .flatten()
        .filter(move |t| t.step_type.as_ref() == Some(&step))
}

pub(super) fn receipt_from_status(p: &Payment, st: &PaymentStatusResponse) -> Option<PaymentReceipt> {
    let pay = transactions(st, StepType::Pay).next()?;
    let amount = st.amount.unwrap_or(p.amount);
    let card = st.card.as_ref();
    Some(PaymentReceipt {
        order_no: p.order_no.clone(),
        pay_token: st.pay_token.clone().or_else(|| p.pay_token.clone())?,
        amount: Won(amount),
        paid_amount: Won(pay.paid_amount.or(st.paid_amount).unwrap_or(amount)),
        pay_method: st.pay_method.clone()?,
        transaction_id: pay.transaction_id.clone()?,
        approval_time: st.paid_ts.clone().or_else(|| pay.reg_ts.clone())?,
        discounted_amount: st.discounted_amount.map(Won),
        mode: st.mode.clone(),
        card_company_name: card.and_then(|c| c.card_company_name.clone()),
        card_num4_print: card.and_then(|c| c.card_num4_print.clone()),
        sales_check_link_url: card.and_then(|c| c.sales_check_link_url.clone()),
        account_bank_name: st.account_bank_name.clone(),
        account_number: st.account_number.clone(),
    })
}

pub(super) fn refund_from_reply(p: &Payment, r: &RefundPaymentResponse) -> RefundReceipt {
    RefundReceipt {
        order_no: p.order_no.clone(),
        pay_token: r
            .pay_token
            .clone()
            .or_else(|| p.pay_token.clone())
            .unwrap_or_default(),
        refund_no: r.refund_no.clone(),
        refunded_amount: Won(r.refunded_amount.unwrap_or(p.amount)),
        refundable_amount: r.refundable_amount.map(Won),
        approval_time: r.approval_time.clone(),
        transaction_id: r.transaction_id.clone(),
    }
}

pub(super) fn refund_from_status(p: &Payment, st: &PaymentStatusResponse) -> Option<RefundReceipt> {
    let refunds: Vec<_> = transactions(st, StepType::Refund).collect();
    let last = refunds.last()?;
    let refunded: i64 = refunds
        .iter()
        .map(|t| {
            t.transaction_amount
                .map(i64::abs)
                .or(t.paid_amount)
                .unwrap_or(0)
        })
        .sum();
    Some(RefundReceipt {
        order_no: p.order_no.clone(),
        pay_token: st
            .pay_token
            .clone()
            .or_else(|| p.pay_token.clone())
            .unwrap_or_default(),
        refund_no: None,
        refunded_amount: Won(if refunded > 0 { refunded } else { p.amount }),
        refundable_amount: st.refundable_amount.map(Won),
        approval_time: last.reg_ts.clone(),
        transaction_id: last.transaction_id.clone(),
    })
}
