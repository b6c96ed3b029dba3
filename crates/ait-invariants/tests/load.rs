//! The loaders: the sandbox's `GET /state` JSON and ait-partner's SQLite (the schema before and after issue 8).

use ait_invariants::{
    check, LoadError, Observation, PartnerGrant, PartnerPayment, PartnerPaymentState as P, TossOrder,
    TossPayStatus as T, TossPayment, Violation,
};
use rusqlite::Connection;
use serde_json::json;

/// The shape `ait_sandbox::Control::dump()` serialises (BTreeMaps keyed by payToken / orderId).
fn dump() -> serde_json::Value {
    json!({
        "state": {
            "payments": {
                "tokA": { "payToken": "tokA", "orderNo": "o1", "userKey": "7", "payStatus": "PAY_COMPLETE",
                          "amount": 1000, "transactions": [{ "stepType": "PAY", "transactionId": "t1" }] },
                "tokB": { "payToken": "tokB", "orderNo": "o2", "userKey": "7", "payStatus": "REFUND_SUCCESS",
                          "transactions": [{ "stepType": "PAY" }, { "stepType": "REFUND" }] },
                "tokC": { "payToken": "tokC", "orderNo": "o3", "userKey": "7", "payStatus": "PAY_APPROVED",
                          "transactions": [] }
            },
            "iapOrders": {
                "a": { "orderId": "a", "userKey": "7", "sku": "gem", "status": "ORDER_IN_PROGRESS", "paid": true },
                "b": { "orderId": "b", "userKey": "7", "sku": "gem", "status": "FAILED", "paid": false }
            },
            "loginCodes": {}
        },
        "faults": [],
        "stats": {}
    })
}

#[test]
fn the_sandbox_dump_gives_tosss_ledger() {
    let obs = Observation::from_sandbox_state(&dump()).unwrap();
    assert_eq!(
        obs.toss_payments,
        vec![
            TossPayment { order_no: "o1".into(), pay_token: "tokA".into(), status: T::Completed, executions: 1, refunds: 0 },
            TossPayment { order_no: "o2".into(), pay_token: "tokB".into(), status: T::Refunded, executions: 1, refunds: 1 },
            TossPayment { order_no: "o3".into(), pay_token: "tokC".into(), status: T::Approved, executions: 0, refunds: 0 },
        ]
    );
    assert_eq!(
        obs.toss_orders,
        vec![
            TossOrder { order_id: "a".into(), user_key: "7".into(), sku: "gem".into(), status: "ORDER_IN_PROGRESS".into(), paid: true },
            TossOrder { order_id: "b".into(), user_key: "7".into(), sku: "gem".into(), status: "FAILED".into(), paid: false },
        ]
    );
    // The `state` object alone reads the same.
    assert_eq!(Observation::from_sandbox_state(&dump()["state"]).unwrap(), obs);
}

#[test]
fn a_malformed_dump_is_a_typed_error() {
    let bad = json!({ "state": { "payments": { "t": { "payToken": "t", "payStatus": "PAY_COMPLETE" } } } });
    assert!(matches!(Observation::from_sandbox_state(&bad), Err(LoadError::SandboxShape { .. })));
    assert!(matches!(Observation::from_sandbox_state(&json!(3)), Err(LoadError::SandboxShape { .. })));
    let bad = json!({ "iapOrders": [{ "orderId": "a", "userKey": "7", "sku": "s", "status": "FAILED", "paid": "yes" }] });
    assert!(matches!(Observation::from_sandbox_state(&bad), Err(LoadError::SandboxShape { .. })));
}

const PAYMENTS: &str = "CREATE TABLE payments (
    order_no TEXT PRIMARY KEY, user_key INTEGER NOT NULL, idempotency_key TEXT NOT NULL, order_json TEXT NOT NULL,
    product_desc TEXT NOT NULL, amount INTEGER NOT NULL, amount_tax_free INTEGER NOT NULL,
    is_test_payment INTEGER NOT NULL, pay_token TEXT, state TEXT NOT NULL, toss_status TEXT, receipt_json TEXT,
    refund_json TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (user_key, idempotency_key));";
const OLD_GRANTS: &str = "CREATE TABLE grants (order_id TEXT PRIMARY KEY, user_key INTEGER NOT NULL,
    sku TEXT NOT NULL, granted_at TEXT NOT NULL, revoked_at TEXT, revoke_reason TEXT);";

fn insert_payment(c: &Connection, order_no: &str, idem: &str, state: &str, receipt: bool, refund: bool) {
    c.execute(
        "INSERT INTO payments VALUES (?1, 7, ?2, '{}', 'x', 1000, 0, 1, 'tok', ?3, NULL, ?4, ?5, 0, 0)",
        rusqlite::params![order_no, idem, state, receipt.then_some("{}"), refund.then_some("{}")],
    )
    .unwrap();
}

#[test]
fn the_old_schema_reads_grants_as_not_provisional() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(PAYMENTS).unwrap();
    c.execute_batch(OLD_GRANTS).unwrap();
    insert_payment(&c, "o1", "k1", "PAID", true, false);
    c.execute("INSERT INTO grants VALUES ('a', 7, 'gem', '2025-01-01T00:00:00Z', NULL, NULL)", []).unwrap();
    c.execute("INSERT INTO grants VALUES ('b', 7, 'gem', '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', 'REFUNDED')", [])
        .unwrap();

    let mut obs = Observation::default();
    obs.add_partner_db(&c).unwrap();
    assert_eq!(
        obs.partner_payments,
        vec![PartnerPayment {
            order_no: "o1".into(),
            user_key: "7".into(),
            idempotency_key: "k1".into(),
            state: P::Paid,
            has_receipt: true,
            has_refund_receipt: false,
        }]
    );
    assert_eq!(
        obs.partner_grants,
        vec![
            PartnerGrant { order_id: "a".into(), user_key: "7".into(), sku: "gem".into(), revoked: false, provisional: false },
            PartnerGrant { order_id: "b".into(), user_key: "7".into(), sku: "gem".into(), revoked: true, provisional: false },
        ]
    );
}

#[test]
fn the_new_schema_reads_provisional_grants_and_refunding_payments() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(PAYMENTS).unwrap();
    c.execute_batch(OLD_GRANTS).unwrap();
    c.execute_batch("ALTER TABLE grants ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;").unwrap();
    insert_payment(&c, "o1", "k1", "REFUNDING", true, false);
    insert_payment(&c, "o2", "k2", "REFUNDED", true, true);
    c.execute("INSERT INTO grants VALUES ('a', 7, 'gem', 'now', NULL, NULL, 1)", []).unwrap();

    let mut obs = Observation::from_sandbox_state(&json!({ "payments": {
        "t1": { "payToken": "t1", "orderNo": "o1", "payStatus": "REFUND_SUCCESS", "transactions": [{ "stepType": "PAY" }, { "stepType": "REFUND" }] },
        "t2": { "payToken": "t2", "orderNo": "o2", "payStatus": "REFUND_SUCCESS", "transactions": [{ "stepType": "PAY" }, { "stepType": "REFUND" }] }
    }, "iapOrders": { "a": { "orderId": "a", "userKey": "7", "sku": "gem", "status": "FAILED", "paid": false } } }))
    .unwrap();
    obs.add_partner_db(&c).unwrap();
    assert_eq!(obs.partner_payments[0].state, P::Refunding);
    assert!(obs.partner_grants[0].provisional);
    assert_eq!(
        check(&obs),
        vec![
            Violation::RefundedNotRefunded { order_no: "o1".into(), partner_state: Some(P::Refunding) },
            Violation::LeftInFlight { order_no: "o1".into(), state: P::Refunding },
            Violation::ProvisionalGrantLeft { order_id: "a".into() },
            Violation::GrantForUnchargedOrder { order_id: "a".into(), toss_status: Some("FAILED".into()) },
        ]
    );
}

#[test]
fn an_unknown_payment_state_is_a_typed_error() {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(PAYMENTS).unwrap();
    c.execute_batch(OLD_GRANTS).unwrap();
    insert_payment(&c, "o1", "k1", "HALF_PAID", false, false);
    let mut obs = Observation::default();
    match obs.add_partner_db(&c) {
        Err(LoadError::UnknownPaymentState { order_no, state }) => assert_eq!((order_no.as_str(), state.as_str()), ("o1", "HALF_PAID")),
        other => panic!("{other:?}"),
    }
    let empty = Connection::open_in_memory().unwrap();
    assert!(matches!(Observation::default().add_partner_db(&empty), Err(LoadError::Sql(_))));
}
