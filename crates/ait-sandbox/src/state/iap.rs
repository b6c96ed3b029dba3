//! In-app purchase orders: `order/get-order-status`, and the store's side through control (new order, charge,
//! outcome, refund).

#![allow(missing_docs)]

use ait_api::iap::{OrderStatus, OrderStatusResponse};
use serde::Serialize;

use super::{ControlError, State};
use crate::req;
use crate::util::fmt_iso_local;

/// An IAP order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IapOrder {
    pub order_id: String,
    pub user_key: String,
    pub sku: String,
    pub status: String,
    /// The store charge went through (the order is pending a grant while `ORDER_IN_PROGRESS`).
    pub paid: bool,
    pub created_at: i64,
    pub status_determined_at: Option<i64>,
}

impl State {
    // ---------------------------------------------------------------- IAP

    /// `order/get-order-status`. `skus` is the mini-app's SKU list (empty: every SKU is the mini-app's).
    pub fn order_status(
        &self,
        user_key: &str,
        r: &req::GetOrderStatus,
        skus: &[String],
    ) -> OrderStatusResponse {
        let reply = |order_id: &str, sku: Option<&str>, at: Option<i64>, status: &str| {
            OrderStatusResponse {
                order_id: Some(order_id.to_owned()),
                sku: sku.map(str::to_owned),
                status_determined_at: at.map(fmt_iso_local),
                status: Some(OrderStatus::parse(status)),
                reason: Some(iap_reason(status).to_owned()),
            }
        };
        let Some(o) = self
            .iap_orders
            .get(&r.order_id)
            .filter(|o| o.user_key == user_key)
        else {
            return reply(&r.order_id, None, None, "NOT_FOUND");
        };
        if !skus.is_empty() && !skus.contains(&o.sku) {
            return reply(&o.order_id, Some(&o.sku), None, "MINIAPP_MISMATCH");
        }
        reply(&o.order_id, Some(&o.sku), o.status_determined_at, &o.status)
    }

    /// Control: a user starts a purchase of `sku` (`ORDER_IN_PROGRESS`).
    pub fn create_order(
        &mut self,
        user_key: &str,
        sku: &str,
        order_id: Option<String>,
        paid: bool,
        now_ms: u64,
    ) -> Result<IapOrder, ControlError> {
        if user_key.trim().is_empty() || sku.trim().is_empty() {
            return Err(ControlError::bad("userKey and sku are required"));
        }
        let order_id = match order_id {
            Some(id) => {
                ait_api::validate::uuid("orderId", &id)
                    .map_err(|e| ControlError::bad(e.to_string()))?;
                if self.iap_orders.contains_key(&id) {
                    return Err(ControlError::conflict(format!("orderId {id} exists")));
                }
                id
            }
            None => self.rng.uuid_v7(now_ms),
        };
        let o = IapOrder {
            order_id: order_id.clone(),
            user_key: user_key.to_string(),
            sku: sku.to_string(),
            status: "ORDER_IN_PROGRESS".into(),
            paid,
            created_at: (now_ms / 1000) as i64,
            status_determined_at: None,
        };
        self.iap_orders.insert(order_id, o.clone());
        Ok(o)
    }

    /// Control: the store charge went through; the order waits for the grant (still `ORDER_IN_PROGRESS`,
    /// listed as pending).
    pub fn mark_order_paid(&mut self, order_id: &str) -> Result<IapOrder, ControlError> {
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != "ORDER_IN_PROGRESS" {
            return Err(ControlError::conflict(format!("order is {}", o.status)));
        }
        o.paid = true;
        Ok(o.clone())
    }

    /// Control: the outcome of an in-progress order: `PAYMENT_COMPLETED` (granted), `FAILED`, or the legacy
    /// `PURCHASED`.
    pub fn decide_order(
        &mut self,
        order_id: &str,
        status: &str,
        now: i64,
    ) -> Result<IapOrder, ControlError> {
        if !["PAYMENT_COMPLETED", "FAILED", "PURCHASED"].contains(&status) {
            return Err(ControlError::bad(format!(
                "status {status:?}: use PAYMENT_COMPLETED, FAILED or PURCHASED"
            )));
        }
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != "ORDER_IN_PROGRESS" {
            return Err(ControlError::conflict(format!(
                "order is {}, only ORDER_IN_PROGRESS can be decided",
                o.status
            )));
        }
        o.status = status.to_string();
        if status != "FAILED" {
            o.paid = true;
        }
        o.status_determined_at = Some(now);
        Ok(o.clone())
    }

    /// Control: the store refunded a completed order (`REFUNDED`).
    pub fn refund_order(&mut self, order_id: &str, now: i64) -> Result<IapOrder, ControlError> {
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != "PAYMENT_COMPLETED" && o.status != "PURCHASED" {
            return Err(ControlError::conflict(format!(
                "order is {}, only a completed order can be refunded",
                o.status
            )));
        }
        o.status = "REFUNDED".into();
        o.status_determined_at = Some(now);
        Ok(o.clone())
    }
}

/// The Korean `reason` the sandbox gives for an IAP order status.
pub fn iap_reason(status: &str) -> &'static str {
    match status {
        "PAYMENT_COMPLETED" => "결제가 완료되었어요.",
        "PURCHASED" => "구매가 완료되었어요.",
        "ORDER_IN_PROGRESS" => "주문이 진행 중이에요.",
        "FAILED" => "주문이 실패했어요.",
        "REFUNDED" => "주문이 환불되었어요.",
        "NOT_FOUND" => "주문을 찾을 수 없어요.",
        "MINIAPP_MISMATCH" => "이 미니앱의 상품이 아니에요.",
        _ => "내부 오류가 발생했어요.",
    }
}
