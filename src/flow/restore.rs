//! Closing paid orders that were never granted (the app closed mid-purchase, a grant failed or timed out).
//!
//! Each pending order is granted through the same ledger as purchases (so an order a running purchase is granting
//! is not granted twice), and only after a successful grant is it completed with `completeProductGrant`. One
//! order's failure never stops the others; it is reported with its order.

use std::rc::Rc;
use std::{string::String, vec::Vec};

use serde::Serialize;

use crate::checkout::{GrantRequest, InFlight, Inner};
use crate::error::Error;
use crate::event::Event;
use crate::flow::grant::grant_once;
use crate::partner::Partner;
use crate::sdk::Sdk;

/// An order `restorePendingOrders` granted and completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RestoredOrder {
    /// The order.
    pub order_id: String,
    /// Its SKU.
    pub sku: String,
}

/// An order `restorePendingOrders` could not close, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedOrder {
    /// The order.
    pub order_id: String,
    /// Its SKU.
    pub sku: String,
    /// Why: `PRODUCT_NOT_GRANTED_BY_PARTNER` if the grant failed, else the `completeProductGrant` failure.
    pub error: Error,
}

/// What `restorePendingOrders` did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreReport {
    /// Granted and completed.
    pub restored: Vec<RestoredOrder>,
    /// Left pending; a later restore retries them.
    pub failed: Vec<FailedOrder>,
}

/// Grants and completes every pending order.
pub async fn restore_pending_orders<S: Sdk + 'static, P: Partner + 'static>(inner: &Rc<Inner<S, P>>) -> Result<RestoreReport, Error> {
    if !inner.can_grant() {
        return Err(Error::invalid_argument(
            "restoring needs a grant: pass `grant` (or `partnerBaseUrl`) to new Checkout()",
        ));
    }
    let _flight = InFlight::claim(inner, "restore".into())?;
    let started = inner.now();
    let pending = inner.bridge.pending_orders().await?;
    inner.emit(Event::new("restore.started", inner.since(started)));
    let mut report = RestoreReport::default();
    for order in pending {
        let request = GrantRequest { order_id: order.order_id.clone(), sku: order.sku.clone(), subscription_id: None };
        let outcome = grant_once(inner, request).await;
        if !outcome.is_granted() {
            report.failed.push(FailedOrder {
                error: outcome.not_granted(&order.order_id),
                order_id: order.order_id,
                sku: order.sku,
            });
            continue;
        }
        match inner.bridge.complete_product_grant(&order.order_id).await {
            Ok(()) => {
                inner.emit(Event::new("restore.completed", inner.since(started)).sku(&order.sku).order(&order.order_id));
                report.restored.push(RestoredOrder { order_id: order.order_id, sku: order.sku });
            }
            Err(error) => report.failed.push(FailedOrder {
                error: error.with_order_id(order.order_id.clone()),
                order_id: order.order_id,
                sku: order.sku,
            }),
        }
    }
    Ok(report)
}
