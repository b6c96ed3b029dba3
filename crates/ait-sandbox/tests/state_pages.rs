//! `GET /state` on a large state: every collection is cut to a bounded page, and `GET /state/{collection}`
//! pages through the rest, so a caller that needs everything (the invariants checker) still gets every record.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

/// Every key of `collection`, read page by page from the cursor `GET /state` gave.
async fn page_through(env: &Env, collection: &str, first: &Value, limit: usize) -> Vec<String> {
    let mut keys: Vec<String> = first["state"][collection]
        .as_object()
        .expect("a keyed collection")
        .keys()
        .cloned()
        .collect();
    let mut next = first["pages"]["collections"][collection]["next"].clone();
    while let Some(after) = next.as_str() {
        let r = control(
            env,
            "GET",
            &format!("/state/{collection}?after={after}&limit={limit}"),
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.raw);
        let items = r.body["items"].as_object().expect("items");
        assert!(items.len() <= limit);
        keys.extend(items.keys().cloned());
        next = r.body["next"].clone();
    }
    keys
}

#[tokio::test]
async fn state_is_served_in_bounded_pages_that_add_up_to_everything() {
    const ORDERS: usize = 1_203;
    let env = start().await;
    for i in 0..ORDERS {
        env.ctl()
            .create_order(&format!("{}", i % 5 + 1), SKU, None, i % 2 == 0)
            .expect("order");
    }
    let t = env.toss();
    for i in 0..3 {
        make_payment(&t, &format!("page-{i}"), 100).await;
    }
    for user in 1..=7 {
        env.ctl().issue_login_code(user, None);
    }

    // The default page: at most 500 records per collection, with the totals and cursors to go on.
    let first = control(&env, "GET", "/state", None, &[]).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    assert_eq!(
        first.body["state"]["iapOrders"].as_object().unwrap().len(),
        500
    );
    assert_eq!(
        first.body["state"]["payments"].as_object().unwrap().len(),
        3
    );
    assert_eq!(first.body["pages"]["limit"], 500);
    assert_eq!(first.body["pages"]["complete"], false);
    assert_eq!(
        first.body["pages"]["collections"]["iapOrders"]["total"],
        ORDERS
    );
    assert!(first.body["pages"]["collections"]["payments"]["next"].is_null());
    assert_eq!(first.body["stats"]["calls"]["make-payment"], 3);

    // Paging adds up to exactly what the full dump holds, in key order, without repeats.
    let keys = page_through(&env, "iapOrders", &first.body, 400).await;
    let full: Vec<String> = env.ctl().dump()["state"]["iapOrders"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys.len(), ORDERS);
    assert_eq!(keys, full);
    assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), ORDERS);

    // Sets page by their own keys (users by userKey).
    let mut users = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/state/users?limit=3&after={a}"),
            None => "/state/users?limit=3".to_string(),
        };
        let r = control(&env, "GET", &path, None, &[]).await;
        assert_eq!(r.status, 200, "{}", r.raw);
        assert_eq!(r.body["total"], 7);
        users.extend(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_i64().unwrap()),
        );
        match r.body["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(users, (1..=7).collect::<Vec<i64>>());

    // A small state is one complete page.
    let small = control(&env, "GET", "/state?limit=5000", None, &[]).await;
    assert_eq!(small.body["pages"]["complete"], true);
    assert_eq!(
        small.body["state"]["iapOrders"].as_object().unwrap().len(),
        ORDERS
    );

    // Bad paging answers in the control error shape.
    for (path, status) in [
        ("/state?limit=0", 400),
        ("/state?limit=5001", 400),
        ("/state?limit=many", 400),
        ("/state?after=x", 400),
        ("/state/users?after=someone", 400),
        ("/state/messages?after=-1", 400),
        ("/state/nothing", 404),
    ] {
        let r = control(&env, "GET", path, None, &[]).await;
        assert_eq!(r.status, status, "{path}: {}", r.raw);
        assert!(r.body["error"]["message"].is_string(), "{path}: {}", r.raw);
    }
}
