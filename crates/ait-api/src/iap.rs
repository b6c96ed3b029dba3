//! In-app purchase (IAP) order status: `POST /order/get-order-status`.
//!
//! Spec: seed 000, 인앱결제 "개발하기 → 4. 주문 조회하기 → API로 조회하기" (request, reply, `status` enum) and
//! the get-order-status schema page. Host: `apps-in-toss-api.toss.im`. The partner server calls it before
//! granting an item (`processProductGrant`) and when reconciling refunds.

use serde::{Deserialize, Serialize};

use crate::macros::string_enum;
use crate::validate::{self, Validate, ValidationError};

/// `POST /order/get-order-status` body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOrderStatusRequest {
    /// The IAP order id from the SDK (a UUID; see [`validate::uuid`]).
    pub order_id: String,
}

impl Validate for GetOrderStatusRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::not_blank("orderId", &self.order_id)?;
        validate::uuid("orderId", &self.order_id)
    }
}

string_enum! {
    /// `status` of an IAP order (seed 000, "status (enum)").
    pub enum OrderStatus {
        /// 결제 및 상품 지급 완료: paid and granted (SDK ≥ 1.1.3).
        PaymentCompleted = "PAYMENT_COMPLETED",
        /// 구매 완료: paid (SDK ≤ 1.1.2, no grant step).
        Purchased = "PURCHASED",
        /// 주문 진행 중: created, payment or grant not finished.
        OrderInProgress = "ORDER_IN_PROGRESS",
        /// 주문 실패: payment or grant failed.
        Failed = "FAILED",
        /// 주문 환불됨.
        Refunded = "REFUNDED",
        /// 주문 없음: unknown order id.
        NotFound = "NOT_FOUND",
        /// 상품 불일치: the order is not for this mini-app's product.
        MiniappMismatch = "MINIAPP_MISMATCH",
        /// 내부 오류.
        Error = "ERROR",
    }
}

impl OrderStatus {
    /// True when the store charged the user and the order was not refunded, i.e. the item is owed
    /// (`PAYMENT_COMPLETED`, `PURCHASED`, or `ORDER_IN_PROGRESS` while the grant is pending).
    pub fn is_grantable(&self) -> bool {
        matches!(
            self,
            OrderStatus::PaymentCompleted | OrderStatus::Purchased | OrderStatus::OrderInProgress
        )
    }

    /// True when the store refunded the order.
    pub fn is_refunded(&self) -> bool {
        matches!(self, OrderStatus::Refunded)
    }

    /// True when Toss says the order is paid for good: a grant of it is confirmed (no longer provisional).
    pub fn is_confirmed(&self) -> bool {
        matches!(self, OrderStatus::PaymentCompleted | OrderStatus::Purchased)
    }

    /// True when the order is settled as "nothing owed": never charged (`FAILED`), refunded, unknown to Toss or
    /// another mini-app's. A grant of such an order must not survive.
    pub fn revokes_grant(&self) -> bool {
        matches!(
            self,
            OrderStatus::Failed
                | OrderStatus::Refunded
                | OrderStatus::NotFound
                | OrderStatus::MiniappMismatch
        )
    }
}

/// `success` of get-order-status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrderStatusResponse {
    /// The order id asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The product id (SKU) ordered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// When the status was determined. Documented as `yyyy-MM-dd'T'HH:mm:ssZ`, but the example has no zone
    /// (`2025-09-12T16:57:12`), so it is kept as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_determined_at: Option<String>,
    /// The order status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Description of the status (Korean).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
