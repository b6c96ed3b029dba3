//! Once means once in the database: two handles on one database (two instances, as far as the database can tell)
//! race for the same claims. Runs on SQLite, and on PostgreSQL with `AIT_TEST_DATABASE=postgres`.

use std::time::Duration;

use ait_partner::db::{DatabaseUrl, Db, DbError};
use ait_partner::payments::{self, Inserted, Payment, PaymentState};
use ait_partner::tosspay::Priced;

use crate::common;

/// Two handles on one fresh database.
async fn two_instances() -> (Db, Db, Option<tempfile::TempDir>) {
    let (url, dir) = if common::on_postgres() {
        (common::fresh_postgres_database(), None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        (DatabaseUrl::Sqlite(dir.path().join("shared.sqlite")), Some(dir))
    };
    let a = Db::connect(&url).await.unwrap();
    let b = Db::connect(&url).await.unwrap();
    (a, b, dir)
}

fn payment(order_no: &str, key: &str) -> Payment {
    let priced = Priced {
        amount: 12_000,
        amount_tax_free: 0,
        product_desc: "원두 200g".into(),
        order_json: "{}".into(),
    };
    Payment::creating(order_no.into(), common::USER, key.into(), priced, true)
}

#[tokio::test]
async fn a_lease_held_by_one_instance_excludes_the_other_until_released() {
    let (a, b, _dir) = two_instances().await;
    let held = a.lease("payment:p-1").await.unwrap();
    assert!(b.try_lease("payment:p-1").await.unwrap().is_none(), "the other instance sees it held");
    let waiter = tokio::spawn({
        let b = b.clone();
        async move { b.lease("payment:p-1").await.map(|_| ()) }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished(), "the other instance waits");
    held.release().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("it gets the lease once released")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_killed_instances_lease_is_taken_over_after_its_ttl() {
    let (a, b, _dir) = two_instances().await;
    let a = a.with_leases(Duration::from_millis(200), Duration::from_secs(5));
    let b = b.with_leases(Duration::from_millis(200), Duration::from_secs(5));
    let held = a.try_lease("grant:o-1").await.unwrap().expect("free");
    // "kill -9": the process vanishes without releasing; its renewals stop with it.
    a.close().await;
    std::mem::forget(held);
    assert!(b.try_lease("grant:o-1").await.unwrap().is_none(), "held until its TTL passes");
    tokio::time::timeout(Duration::from_secs(5), b.lease("grant:o-1"))
        .await
        .expect("taken over after the TTL")
        .unwrap();
}

#[tokio::test]
async fn a_payments_claim_holds_across_instances_and_a_killed_holders_is_taken_over_after_its_ttl() {
    let (a, b, _dir) = two_instances().await;
    let a = a.with_leases(Duration::from_millis(200), Duration::from_secs(5));
    let b = b.with_leases(Duration::from_millis(200), Duration::from_millis(100));
    let (inserted, claim) = payments::insert_claimed(&a, payment("o-claim", "k-claim")).await.unwrap();
    assert!(matches!(inserted, Inserted::New(_)), "{inserted:?}");
    let claim = claim.expect("a new payment comes claimed");
    // Held, and renewed past its TTL while held: the other instance neither takes nor waits it out.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(payments::try_claim(&b, "o-claim").await.unwrap().is_none(), "held by a");
    match payments::claim_for_user(&b, "o-claim", common::USER).await {
        Err(DbError::Busy { key }) => assert_eq!(key, "payment:o-claim"),
        other => panic!("expected Busy, got {:?}", other.map(|c| c.map(|(p, _)| p.order_no))),
    }
    // Another user's payment is not theirs to wait for.
    assert!(payments::claim_for_user(&b, "o-claim", common::USER + 1).await.unwrap().is_none());
    // "kill -9": a's process vanishes holding the claim; b takes it once the TTL has passed.
    a.close().await;
    std::mem::forget(claim);
    let b = b.with_leases(Duration::from_millis(200), Duration::from_secs(5));
    let (p, _claim) = tokio::time::timeout(Duration::from_secs(5), payments::claim_for_user(&b, "o-claim", common::USER))
        .await
        .expect("taken over after the TTL")
        .unwrap()
        .expect("b's payment");
    assert_eq!(p.state, PaymentState::Creating);
}

#[tokio::test]
async fn one_idempotency_key_makes_one_payment_whichever_instance_inserts() {
    let (a, b, _dir) = two_instances().await;
    for round in 0..20 {
        let key = format!("k-{round}");
        // Each side gives its claim back as soon as it has the payment (as a create does once the payment is made):
        // the one that finds the other's claim waits for it.
        let (x, y) = tokio::join!(
            async { payments::insert_claimed(&a, payment(&format!("a-{round}"), &key)).await.map(|(i, _claim)| i) },
            async { payments::insert_claimed(&b, payment(&format!("b-{round}"), &key)).await.map(|(i, _claim)| i) },
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        let order_no = |i: &Inserted| match i {
            Inserted::New(p) | Inserted::Existing(p) => p.order_no.clone(),
        };
        let news = [&x, &y].iter().filter(|i| matches!(i, Inserted::New(_))).count();
        assert_eq!(news, 1, "round {round}: exactly one insert wins");
        assert_eq!(order_no(&x), order_no(&y), "round {round}: both see the same payment");
    }
}

/// PostgreSQL over TLS, as docs/DEPLOY.md advises: the connection is encrypted when the URL asks for it, and a server
/// whose certificate the URL's `sslrootcert` does not vouch for is refused (nothing is sent to it).
#[tokio::test]
async fn postgres_over_tls_checks_the_servers_certificate() {
    if !common::on_postgres() {
        eprintln!("skipped on SQLite: PostgreSQL's TLS");
        return;
    }
    let DatabaseUrl::Postgres(url) = common::fresh_postgres_database() else { unreachable!() };
    let parsed = url::Url::parse(&url).unwrap();
    if !parsed.query_pairs().any(|(k, v)| k == "sslmode" && v.starts_with("verify")) {
        eprintln!("skipped: AIT_TEST_DATABASE_URL does not ask for a verified TLS connection");
        return;
    }
    let db = Db::connect(&DatabaseUrl::Postgres(url.clone())).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(encrypted, "the connection is not encrypted");
    db.close().await;

    // The same server, checked against another CA: refused before anything is sent.
    let dir = tempfile::tempdir().unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, ait_sandbox::certs::generate_ca("another CA").unwrap().0).unwrap();
    let mut wrong = parsed.clone();
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().filter(|(k, _)| k != "sslrootcert").collect();
    wrong.query_pairs_mut().clear().extend_pairs(pairs).append_pair("sslrootcert", other_ca.to_str().unwrap());
    let err = Db::connect(&DatabaseUrl::Postgres(wrong.to_string())).await.err().expect("connected to a server the CA does not vouch for");
    // sqlx reports rustls's refusal as an I/O error; its text names the cause, and the server's start fails with it.
    assert!(matches!(err, ait_partner::db::DbError::Sql(_)), "{err}");
    assert!(err.to_string().contains("invalid peer certificate: UnknownIssuer"), "{err}");
}
