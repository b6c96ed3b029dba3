//! Pricing an order from the catalog and naming it: nothing about money comes from the page.

use ait_api::partner::CartOrder;
use ait_api::validate;

use crate::config::Catalog;
use crate::db::now;
use crate::error::AppError;

/// An order priced from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// Total, KRW.
    pub amount: i64,
    /// Tax-free part, KRW.
    pub amount_tax_free: i64,
    /// `productDesc` for make-payment.
    pub product_desc: String,
    /// The order as stored (canonical JSON), to tell a reused idempotency key from a retry.
    pub order_json: String,
}

/// Prices `order` from the catalog: unknown SKUs and totals beyond Toss's limits are 400s.
pub fn price(catalog: &Catalog, order: &CartOrder) -> Result<Priced, AppError> {
    let (mut amount, mut tax_free) = (0i64, 0i64);
    for (i, line) in order.items.iter().enumerate() {
        let item = catalog.tosspay_item(&line.sku).ok_or_else(|| {
            AppError::invalid_argument(format!(
                "order.items[{i}].sku: unknown product {:?}",
                line.sku
            ))
        })?;
        let q = i64::from(line.quantity);
        let too_much = || AppError::invalid_argument("the order total is too large");
        amount = item
            .price
            .checked_mul(q)
            .and_then(|v| v.checked_add(amount))
            .ok_or_else(too_much)?;
        tax_free = item
            .tax_free
            .checked_mul(q)
            .and_then(|v| v.checked_add(tax_free))
            .ok_or_else(too_much)?;
    }
    validate::total_amount("amount", amount).map_err(|e| AppError::invalid(&e))?;
    let first = catalog
        .tosspay_item(&order.items[0].sku)
        .map(|i| i.name.as_str())
        .unwrap_or_default();
    let mut product_desc = match (order.items.len(), order.items[0].quantity) {
        (1, 1) => first.to_string(),
        (1, q) => format!("{first} x{q}"),
        (n, _) => format!("{first} 외 {}건", n - 1),
    };
    if product_desc.chars().count() > 255 {
        product_desc = product_desc.chars().take(255).collect();
    }
    let order_json = serde_json::to_string(order).map_err(AppError::internal)?;
    Ok(Priced {
        amount,
        amount_tax_free: tax_free,
        product_desc,
        order_json,
    })
}

/// A fresh order number: `ait-<unix seconds>-<64 random bits, hex>` (ASCII letters, digits and `-`: valid
/// under every seed's `orderNo` rule; 31 characters).
pub fn new_order_no() -> String {
    let mut buf = [0u8; 8];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    let s = format!("ait-{}-{hex}", now());
    debug_assert!(validate::order_no("orderNo", &s).is_ok());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ait_api::partner::CartItem;

    fn order(items: &[(&str, u32)]) -> CartOrder {
        CartOrder {
            items: items
                .iter()
                .map(|(sku, quantity)| CartItem {
                    sku: sku.to_string(),
                    quantity: *quantity,
                })
                .collect(),
        }
    }

    #[test]
    fn prices_from_the_catalog() {
        let c = crate::config::Config::embedded().catalog;
        let p = price(&c, &order(&[("beans_200g", 1)])).unwrap();
        assert_eq!(
            (p.amount, p.amount_tax_free, p.product_desc.as_str()),
            (12000, 0, "원두 200g")
        );
        let p = price(&c, &order(&[("beans_200g", 2)])).unwrap();
        assert_eq!((p.amount, p.product_desc.as_str()), (24000, "원두 200g x2"));
        let p = price(&c, &order(&[("beans_200g", 1), ("gift_card_10000", 1)])).unwrap();
        assert_eq!(
            (p.amount, p.amount_tax_free, p.product_desc.as_str()),
            (22000, 10000, "원두 200g 외 1건")
        );
        assert_eq!(
            price(&c, &order(&[("nope", 1)])).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            price(&c, &order(&[("mug_cup", 1000)])).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            price(&c, &order(&[("mug_cup", u32::MAX)]))
                .unwrap_err()
                .code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn order_numbers_are_valid_and_unique() {
        let a = new_order_no();
        assert!(validate::order_no("orderNo", &a).is_ok(), "{a}");
        assert_ne!(a, new_order_no());
    }
}
