//! In-app purchase orders: `order/get-order-status`, and the store's side through control (new order, charge,
//! outcome, refund).

#![allow(missing_docs)]

use ait_api::iap::{OrderStatus, OrderStatusResponse};
use serde::Serialize;

use super::{one_of, ControlError, State};
use crate::req;
use crate::util::fmt_iso_local;

/// The outcomes the store can give an in-progress order (the control API's `decide`), in the order the control
/// API names them: granted, failed, or granted the legacy way (SDK ≤ 1.1.2).
pub const ORDER_DECISIONS: &[OrderStatus] = &[
    OrderStatus::PaymentCompleted,
    OrderStatus::Failed,
    OrderStatus::Purchased,
];

/// The statuses a stored order can be in (the control API's `GET /iap/orders?status=` filter): the others
/// (`NOT_FOUND`, `MINIAPP_MISMATCH`, `ERROR`) only exist in replies.
pub const STORED_ORDER_STATUSES: &[OrderStatus] = &[
    OrderStatus::OrderInProgress,
    OrderStatus::PaymentCompleted,
    OrderStatus::Purchased,
    OrderStatus::Failed,
    OrderStatus::Refunded,
];

/// An IAP order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IapOrder {
    pub order_id: String,
    pub user_key: String,
    pub sku: String,
    pub status: OrderStatus,
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
        let reply = |order_id: &str, sku: Option<&str>, at: Option<i64>, status: &OrderStatus| {
            OrderStatusResponse {
                order_id: Some(order_id.to_owned()),
                sku: sku.map(str::to_owned),
                status_determined_at: at.map(fmt_iso_local),
                status: Some(status.clone()),
                reason: Some(iap_reason(status).to_owned()),
            }
        };
        let Some(o) = self
            .iap_orders
            .get(&r.order_id)
            .filter(|o| o.user_key == user_key)
        else {
            return reply(&r.order_id, None, None, &OrderStatus::NotFound);
        };
        if !skus.is_empty() && !skus.contains(&o.sku) {
            return reply(
                &o.order_id,
                Some(&o.sku),
                None,
                &OrderStatus::MiniappMismatch,
            );
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
            status: OrderStatus::OrderInProgress,
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
        if o.status != OrderStatus::OrderInProgress {
            return Err(ControlError::conflict(format!("order is {}", o.status)));
        }
        o.paid = true;
        Ok(o.clone())
    }

    /// Control: the outcome of an in-progress order, one of [`ORDER_DECISIONS`]: `PAYMENT_COMPLETED`
    /// (granted), `FAILED`, or the legacy `PURCHASED`.
    pub fn decide_order(
        &mut self,
        order_id: &str,
        status: OrderStatus,
        now: i64,
    ) -> Result<IapOrder, ControlError> {
        one_of("status", &status, ORDER_DECISIONS)?;
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        if o.status != OrderStatus::OrderInProgress {
            return Err(ControlError::conflict(format!(
                "order is {}, only ORDER_IN_PROGRESS can be decided",
                o.status
            )));
        }
        // A granted order was charged, whether or not the store reported the charge before.
        if status.is_confirmed() {
            o.paid = true;
        }
        o.status = status;
        o.status_determined_at = Some(now);
        Ok(o.clone())
    }

    /// Control: the store refunded a completed order (`REFUNDED`).
    pub fn refund_order(&mut self, order_id: &str, now: i64) -> Result<IapOrder, ControlError> {
        let o = self
            .iap_orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::not_found(format!("orderId {order_id}")))?;
        // Only a charge that went through can be given back.
        if !o.status.is_confirmed() {
            return Err(ControlError::conflict(format!(
                "order is {}, only a completed order can be refunded",
                o.status
            )));
        }
        o.status = OrderStatus::Refunded;
        o.status_determined_at = Some(now);
        Ok(o.clone())
    }
}

/// The Korean `reason` the sandbox gives for an IAP order status.
pub fn iap_reason(status: &OrderStatus) -> &'static str {
    match status {
        OrderStatus::PaymentCompleted => "결제가 완료되었어요.",
        OrderStatus::Purchased => "구매가 완료되었어요.",
        OrderStatus::OrderInProgress => "주문이 진행 중이에요.",
        OrderStatus::Failed => "주문이 실패했어요.",
        OrderStatus::Refunded => "주문이 환불되었어요.",
        OrderStatus::NotFound => "주문을 찾을 수 없어요.",
        OrderStatus::MiniappMismatch => "이 미니앱의 상품이 아니에요.",
        OrderStatus::Error | OrderStatus::Other(_) => "내부 오류가 발생했어요.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(st: &mut State, paid: bool) -> String {
        st.create_order("1", "sku.gem", None, paid, 1_700_000_000_000)
            .expect("a new order")
            .order_id
    }

    /// Only an order the store charged for good can be refunded, and deciding an order `FAILED` does not count
    /// it as charged; a documented status that is no outcome (`REFUNDED`) is refused as a decision.
    #[test]
    fn refundable_only_when_confirmed() {
        let mut st = State::default();
        let in_progress = order(&mut st, true);
        assert_eq!(st.refund_order(&in_progress, 2).unwrap_err().status, 409);

        let failed = order(&mut st, false);
        let o = st.decide_order(&failed, OrderStatus::Failed, 3).unwrap();
        assert!(!o.paid, "a failed order was not charged");
        let e = st.refund_order(&failed, 4).unwrap_err();
        assert_eq!(
            (e.status, e.message.as_str()),
            (
                409,
                "order is FAILED, only a completed order can be refunded"
            )
        );

        for decision in [OrderStatus::PaymentCompleted, OrderStatus::Purchased] {
            let id = order(&mut st, false);
            let o = st.decide_order(&id, decision.clone(), 5).unwrap();
            assert!(o.paid, "{decision} counts as charged");
            let o = st
                .refund_order(&id, 6)
                .expect("a confirmed order is refundable");
            assert_eq!(o.status, OrderStatus::Refunded);
            assert_eq!(st.refund_order(&id, 7).unwrap_err().status, 409);
        }

        let not_a_decision = order(&mut st, true);
        let e = st
            .decide_order(&not_a_decision, OrderStatus::Refunded, 8)
            .unwrap_err();
        assert_eq!(
            (e.status, e.message.as_str()),
            (
                400,
                r#"status "REFUNDED": use PAYMENT_COMPLETED, FAILED or PURCHASED"#
            )
        );
        assert_eq!(
            st.iap_orders[&not_a_decision].status,
            OrderStatus::OrderInProgress
        );
    }

    /// The stored order and the get-order-status reply carry the wire strings.
    #[test]
    fn order_json_keeps_the_wire_strings() {
        let mut st = State::default();
        let id = order(&mut st, true);
        let v = serde_json::to_value(&st.iap_orders[&id]).unwrap();
        assert_eq!(v["status"], "ORDER_IN_PROGRESS");
        st.decide_order(&id, OrderStatus::PaymentCompleted, 9)
            .unwrap();
        let r = st.order_status(
            "1",
            &req::GetOrderStatus {
                order_id: id.clone(),
            },
            &[],
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["status"], "PAYMENT_COMPLETED");
        assert_eq!(v["reason"], "결제가 완료되었어요.");
        let mismatch = st.order_status(
            "1",
            &req::GetOrderStatus { order_id: id },
            &["sku.other".to_owned()],
        );
        assert_eq!(mismatch.status, Some(OrderStatus::MiniappMismatch));
        assert_eq!(
            mismatch.reason.as_deref(),
            Some("이 미니앱의 상품이 아니에요.")
        );
    }
}
