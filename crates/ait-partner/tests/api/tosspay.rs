//! TossPay: create, execute, status, refund, idempotency, ownership.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn create_execute_status_refund() {
    if crate::common::on_postgres() {
        eprintln!("skipped on PostgreSQL: reads the SQLite file");
        return;
    }
    let env = Env::new().await;
    let b = env.logged_in(USER).await;

    // The page names SKUs; the server prices them (a page-sent amount is ignored).
    let (s, p) = b
        .post(
            "/tosspay/payments",
            json!({"order": {"items": [{"sku": "beans_200g", "quantity": 2, "price": 1}], "amount": 1},
                   "idempotencyKey": "k-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["amount"], 24000);
    assert_eq!(p["productDesc"], "원두 200g x2");
    let order_no = p["orderNo"].as_str().unwrap().to_string();
    assert!(ait_api::validate::order_no("orderNo", &order_no).is_ok());
    assert!(p["payToken"].as_str().is_some_and(|t| !t.is_empty()));

    // What Toss got: our amount, for our user, as a test payment.
    let at_toss = env.ctl().payment(p["payToken"].as_str().unwrap()).unwrap();
    assert_eq!(at_toss["amount"], 24000);
    assert_eq!(at_toss["amountTaxFree"], 0);
    assert_eq!(at_toss["userKey"], USER.to_string());
    assert_eq!(at_toss["isTestPayment"], true);
    assert_eq!(at_toss["orderNo"], order_no.as_str());

    let path = format!("/tosspay/payments/{order_no}");
    let (s, st) = b.get(&path).await;
    assert_eq!(
        (s, &st),
        (StatusCode::OK, &json!({"status": "PAY_STANDBY"}))
    );

    // Executing before the buyer authenticated relays Toss's refusal.
    let got = b.post(&format!("{path}/execute"), json!({})).await;
    assert_error(&got, 502, "TOSS_API_FAILED", false);
    assert_eq!(got.1["error"]["toss"]["errorCode"], "PAYMENT_NOT_APPROVED");

    env.approve(&p["payToken"]);
    let (s, receipt) = b.post(&format!("{path}/execute"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["orderNo"], order_no.as_str());
    assert_eq!(receipt["payToken"], p["payToken"]);
    assert_eq!(receipt["amount"], 24000);
    assert_eq!(receipt["paidAmount"], 24000);
    assert_eq!(receipt["payMethod"], "CARD");
    assert_eq!(receipt["mode"], "TEST");
    assert!(receipt["transactionId"].is_string() && receipt["approvalTime"].is_string());

    let (s, st) = b.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(st["status"], "PAY_COMPLETE");
    assert_eq!(st["receipt"], receipt);

    // Refund.
    assert_error(
        &b.post(
            &format!("{path}/refund"),
            json!({"reason": "bad reason with spaces"}),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        false,
    );
    let (s, refund) = b
        .post(&format!("{path}/refund"), json!({"reason": "고객요청"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{refund}");
    assert_eq!(refund["orderNo"], order_no.as_str());
    assert_eq!(refund["refundedAmount"], 24000);
    assert!(refund["transactionId"].is_string());
    let (_, st) = b.get(&path).await;
    assert_eq!(st["status"], "REFUND_SUCCESS");
    assert_eq!(st["receipt"], receipt, "the payment receipt stays");

    // Refunding again returns the same refund; executing a refunded payment is refused.
    assert_eq!(
        b.post(&format!("{path}/refund"), json!({"reason": "고객요청"}))
            .await
            .1,
        refund
    );
    assert_eq!(env.ctl().calls("refund-payment"), 1);
    assert_error(
        &b.post(&format!("{path}/execute"), json!({})).await,
        409,
        "INVALID_STATE",
        false,
    );

    // Everything is on record.
    let kinds: Vec<String> = env
        .sql()
        .prepare("SELECT kind FROM payment_events WHERE order_no = ?1 ORDER BY id")
        .unwrap()
        .query_map([&order_no], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for k in [
        "created",
        "make_payment",
        "execute",
        "execute_failed",
        "executed",
        "refund",
        "refunded",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} not in {kinds:?}");
    }
}

#[tokio::test]
async fn refund_before_execute_is_invalid_state() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k").await;
    let got = b
        .post(
            &format!(
                "/tosspay/payments/{}/refund",
                p["orderNo"].as_str().unwrap()
            ),
            json!({"reason": "고객요청"}),
        )
        .await;
    assert_error(&got, 409, "INVALID_STATE", false);
    assert_eq!(env.ctl().calls("refund-payment"), 0);
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_payment() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let first = env.create_payment(&b, "key-A").await;
    let again = env.create_payment(&b, "key-A").await;
    assert_eq!(first, again);
    assert_eq!(env.ctl().calls("make-payment"), 1);

    // Concurrent retries of one key: still one payment.
    let (x, y) = tokio::join!(
        env.create_payment(&b, "key-B"),
        env.create_payment(&b, "key-B")
    );
    assert_eq!(x, y);
    assert_eq!(env.ctl().calls("make-payment"), 2);

    // Another key → another payment; the same key with another order → refused.
    let other = env.create_payment(&b, "key-C").await;
    assert_ne!(other["orderNo"], first["orderNo"]);
    let got = b
        .post("/tosspay/payments", json!({"order": {"items": [{"sku": "mug_cup", "quantity": 1}]}, "idempotencyKey": "key-A"}))
        .await;
    assert_error(&got, 400, "INVALID_ARGUMENT", false);
    // Every create gave the payment's claim back before it answered (the refusal too).
    assert_eq!(env.count("SELECT COUNT(*) FROM payments WHERE claim_holder IS NOT NULL"), 0);

    // Keys are per user: another user's "key-A" is their own payment.
    let b2 = env.logged_in(OTHER_USER).await;
    let theirs = env.create_payment(&b2, "key-A").await;
    assert_ne!(theirs["orderNo"], first["orderNo"]);
    assert_eq!(env.count("SELECT COUNT(*) FROM payments"), 4);
}

#[tokio::test]
async fn executing_twice_returns_the_same_receipt() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k").await;
    env.approve(&p["payToken"]);
    let path = format!(
        "/tosspay/payments/{}/execute",
        p["orderNo"].as_str().unwrap()
    );
    let ((s1, r1), (s2, r2)) = tokio::join!(b.post(&path, json!({})), b.post(&path, json!({})));
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{r1} {r2}");
    assert_eq!(r1, r2);
    let (s3, r3) = b.post(&path, json!({})).await;
    assert_eq!((s3, &r3), (StatusCode::OK, &r1));
    assert_eq!(env.ctl().calls("execute-payment"), 1);
}

#[tokio::test]
async fn another_users_order_number_is_not_found() {
    let env = Env::new().await;
    let mine = env.logged_in(USER).await;
    let p = env.create_payment(&mine, "k").await;
    env.approve(&p["payToken"]);
    let path = format!("/tosspay/payments/{}", p["orderNo"].as_str().unwrap());

    let thief = env.logged_in(OTHER_USER).await;
    assert_error(&thief.get(&path).await, 404, "NOT_FOUND", false);
    assert_error(
        &thief.post(&format!("{path}/execute"), json!({})).await,
        404,
        "NOT_FOUND",
        false,
    );
    assert_error(
        &thief
            .post(&format!("{path}/refund"), json!({"reason": "고객요청"}))
            .await,
        404,
        "NOT_FOUND",
        false,
    );
    assert_error(
        &mine.get("/tosspay/payments/ait-0-0000000000000000").await,
        404,
        "NOT_FOUND",
        false,
    );
    assert_eq!(env.ctl().calls("execute-payment"), 0);
    assert_eq!(
        mine.post(&format!("{path}/execute"), json!({})).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn orders_are_priced_from_the_catalog_only() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let bad = |items: serde_json::Value| json!({"order": {"items": items}, "idempotencyKey": "k"});
    assert_error(
        &b.post(
            "/tosspay/payments",
            bad(json!([{"sku": "free_stuff", "quantity": 1}])),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        false,
    );
    assert_error(
        &b.post("/tosspay/payments", bad(json!([]))).await,
        400,
        "INVALID_ARGUMENT",
        false,
    );
    assert_error(
        &b.post(
            "/tosspay/payments",
            bad(json!([{"sku": "beans_200g", "quantity": 0}])),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        false,
    );
    assert_error(
        &b.post(
            "/tosspay/payments",
            bad(json!([{"sku": "mug_cup", "quantity": 1000}])),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        false,
    );
    assert_error(
        &b.post(
            "/tosspay/payments",
            json!({"order": {"items": [{"sku": "mug_cup", "quantity": 1}]}, "idempotencyKey": ""}),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        false,
    );

    let (s, p) = b
        .post("/tosspay/payments", json!({"order": {"items": [{"sku": "beans_200g", "quantity": 1}, {"sku": "gift_card_10000", "quantity": 2}]}, "idempotencyKey": "mixed"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(
        (p["amount"].as_i64(), p["productDesc"].as_str()),
        (Some(32000), Some("원두 200g 외 1건"))
    );
    let at_toss = env.ctl().payment(p["payToken"].as_str().unwrap()).unwrap();
    assert_eq!(at_toss["amountTaxFree"], 20000);
    assert_eq!(env.ctl().calls("make-payment"), 1);
}

#[tokio::test]
async fn a_canceled_payment_is_settled_as_canceled() {
    let env = Env::new().await;
    let b = env.logged_in(USER).await;
    let p = env.create_payment(&b, "k").await;
    env.ctl()
        .cancel_payment(p["payToken"].as_str().unwrap())
        .unwrap();
    let path = format!("/tosspay/payments/{}", p["orderNo"].as_str().unwrap());
    let got = b.post(&format!("{path}/execute"), json!({})).await;
    assert_error(&got, 502, "TOSS_API_FAILED", false);
    assert_eq!(got.1["error"]["toss"]["errorCode"], "PAYMENT_CANCELED");
    assert_eq!(b.get(&path).await.1, json!({"status": "PAY_CANCEL"}));
    assert_eq!(
        env.payment_state(p["orderNo"].as_str().unwrap()),
        "CANCELED"
    );
    assert_error(
        &b.post(&format!("{path}/execute"), json!({})).await,
        409,
        "INVALID_STATE",
        false,
    );
}
