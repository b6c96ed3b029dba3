//! The loaders: the sandbox's `GET /state` JSON and ait-partner's database (the schema before and after issue 8), on
//! SQLite and, when `AIT_TEST_DATABASE_URL` names a PostgreSQL server (`./build.sh test` starts one), on a fresh
//! PostgreSQL database too.

use ait_invariants::{
    check, LoadError, Observation, PartnerGrant, PartnerPayment, PartnerPaymentState as P, TossOrder,
    TossPayStatus as T, TossPayment, Violation,
};
use ait_invariants::load::open_partner_db;
use serde_json::json;
use sqlx::{AnyPool, Connection};

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
    refund_json TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (user_key, idempotency_key))";
const OLD_GRANTS: &str = "CREATE TABLE grants (order_id TEXT PRIMARY KEY, user_key INTEGER NOT NULL,
    sku TEXT NOT NULL, granted_at TEXT NOT NULL, revoked_at TEXT, revoke_reason TEXT)";
const ADD_PROVISIONAL: &str = "ALTER TABLE grants ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0";
const INSERT_PAYMENT: &str = "INSERT INTO payments VALUES ($1, 7, $2, '{}', 'x', 1000, 0, 1, 'tok', $3, NULL, $4, $5, 0, 0)";

/// One database the partner's loader is tried on: a SQLite file, or a fresh database on the PostgreSQL server at
/// `AIT_TEST_DATABASE_URL`. The rows are written through `writer`; the loader reads through its own pool from
/// [`open_partner_db`] (read-only for SQLite).
struct TestDb {
    name: &'static str,
    url: String,
    writer: AnyPool,
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the server's URL and the database to drop at the end.
    drop: Option<(String, String)>,
}

impl TestDb {
    async fn exec(&self, sql: &str) {
        sqlx::query(sql).execute(&self.writer).await.unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.name));
    }

    async fn insert_payment(&self, order_no: &str, idem: &str, state: &str, receipt: bool, refund: bool) {
        sqlx::query(INSERT_PAYMENT)
            .bind(order_no)
            .bind(idem)
            .bind(state)
            .bind(receipt.then_some("{}"))
            .bind(refund.then_some("{}"))
            .execute(&self.writer)
            .await
            .unwrap();
    }

    /// What the loader reads, through a pool of its own.
    async fn load_into(&self, obs: &mut Observation) -> Result<(), LoadError> {
        let pool = open_partner_db(&self.url).await.unwrap();
        let loaded = obs.add_partner_pool(&pool).await;
        pool.close().await;
        loaded
    }

    async fn finish(self) {
        self.writer.close().await;
        if let Some((server, name)) = self.drop {
            let mut admin = sqlx::AnyConnection::connect(&server).await.unwrap();
            sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
            let _ = admin.close().await;
        }
    }
}

/// A SQLite file always; a PostgreSQL database when `AIT_TEST_DATABASE_URL` is set.
async fn databases() -> Vec<TestDb> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partner.sqlite");
    let writer = AnyPool::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    let mut out = vec![TestDb { name: "sqlite", url: path.display().to_string(), writer, _dir: Some(dir), drop: None }];
    match std::env::var("AIT_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => {
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name = format!("ait_invariants_{}_{n}", std::process::id());
            let mut admin = sqlx::AnyConnection::connect(&server).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
            let _ = admin.close().await;
            // The same server and settings (TLS among them), another database.
            let mut url = url::Url::parse(&server).expect("a postgres:// URL");
            url.set_path(&name);
            let url = url.to_string();
            let writer = AnyPool::connect(&url).await.unwrap();
            out.push(TestDb { name: "postgres", url, writer, _dir: None, drop: Some((server, name)) });
        }
        _ => eprintln!("AIT_TEST_DATABASE_URL is not set: the loader is tried on SQLite only"),
    }
    out
}

#[tokio::test]
async fn the_old_schema_reads_grants_as_not_provisional() {
    for db in databases().await {
        db.exec(PAYMENTS).await;
        db.exec(OLD_GRANTS).await;
        db.insert_payment("o1", "k1", "PAID", true, false).await;
        db.exec("INSERT INTO grants VALUES ('a', 7, 'gem', '2025-01-01T00:00:00Z', NULL, NULL)").await;
        db.exec("INSERT INTO grants VALUES ('b', 7, 'gem', '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', 'REFUNDED')")
            .await;

        let mut obs = Observation::default();
        db.load_into(&mut obs).await.unwrap();
        assert_eq!(
            obs.partner_payments,
            vec![PartnerPayment {
                order_no: "o1".into(),
                user_key: "7".into(),
                idempotency_key: "k1".into(),
                state: P::Paid,
                has_receipt: true,
                has_refund_receipt: false,
            }],
            "{}",
            db.name
        );
        assert_eq!(
            obs.partner_grants,
            vec![
                PartnerGrant { order_id: "a".into(), user_key: "7".into(), sku: "gem".into(), revoked: false, provisional: false },
                PartnerGrant { order_id: "b".into(), user_key: "7".into(), sku: "gem".into(), revoked: true, provisional: false },
            ],
            "{}",
            db.name
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn the_new_schema_reads_provisional_grants_and_refunding_payments() {
    for db in databases().await {
        db.exec(PAYMENTS).await;
        db.exec(OLD_GRANTS).await;
        db.exec(ADD_PROVISIONAL).await;
        db.insert_payment("o1", "k1", "REFUNDING", true, false).await;
        db.insert_payment("o2", "k2", "REFUNDED", true, true).await;
        db.exec("INSERT INTO grants VALUES ('a', 7, 'gem', 'now', NULL, NULL, 1)").await;

        let mut obs = Observation::from_sandbox_state(&json!({ "payments": {
            "t1": { "payToken": "t1", "orderNo": "o1", "payStatus": "REFUND_SUCCESS", "transactions": [{ "stepType": "PAY" }, { "stepType": "REFUND" }] },
            "t2": { "payToken": "t2", "orderNo": "o2", "payStatus": "REFUND_SUCCESS", "transactions": [{ "stepType": "PAY" }, { "stepType": "REFUND" }] }
        }, "iapOrders": { "a": { "orderId": "a", "userKey": "7", "sku": "gem", "status": "FAILED", "paid": false } } }))
        .unwrap();
        db.load_into(&mut obs).await.unwrap();
        assert_eq!(obs.partner_payments[0].state, P::Refunding, "{}", db.name);
        assert!(obs.partner_payments[1].has_refund_receipt, "{}", db.name);
        assert!(obs.partner_grants[0].provisional, "{}", db.name);
        assert_eq!(
            check(&obs),
            vec![
                Violation::RefundedNotRefunded { order_no: "o1".into(), partner_state: Some(P::Refunding) },
                Violation::LeftInFlight { order_no: "o1".into(), state: P::Refunding },
                Violation::ProvisionalGrantLeft { order_id: "a".into() },
                Violation::GrantForUnchargedOrder { order_id: "a".into(), toss_status: Some("FAILED".into()) },
            ],
            "{}",
            db.name
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn an_unknown_payment_state_is_a_typed_error() {
    for db in databases().await {
        let mut obs = Observation::default();
        assert!(matches!(db.load_into(&mut obs).await, Err(LoadError::Sql(_))), "{}: no tables", db.name);
        db.exec(PAYMENTS).await;
        db.exec(OLD_GRANTS).await;
        db.insert_payment("o1", "k1", "HALF_PAID", false, false).await;
        match db.load_into(&mut obs).await {
            Err(LoadError::UnknownPaymentState { order_no, state }) => {
                assert_eq!((order_no.as_str(), state.as_str()), ("o1", "HALF_PAID"), "{}", db.name)
            }
            other => panic!("{}: {other:?}", db.name),
        }
        db.finish().await;
    }
}
