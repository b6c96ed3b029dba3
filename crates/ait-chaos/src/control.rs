//! The sandbox control API, as the Toss app, the store and the tester use it: login codes, the payment sheet, IAP
//! orders and their outcome, store refunds, faults, and the ledger dump.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::ChaosError;

/// A client of `http://<control addr>` (plain HTTP, loopback).
#[derive(Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
}

/// What a control call answered when it was not a success the caller can ignore.
pub enum Refused {
    /// 409: the order or payment is not in a state that allows it (e.g. decided already).
    Conflict,
    /// Anything else.
    Other(ChaosError),
}

impl From<ChaosError> for Refused {
    fn from(e: ChaosError) -> Self {
        Refused::Other(e)
    }
}

impl Control {
    /// A client of the control API at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: String) -> Result<Control, ChaosError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Control { http, base })
    }

    async fn call(
        &self,
        method: &'static str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ChaosError> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        if !(200..300).contains(&status) {
            return Err(ChaosError::Control {
                method,
                path: path.to_string(),
                status,
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|e| ChaosError::Shape {
            what: "sandbox control",
            detail: e.to_string(),
        })
    }

    /// Like `call`, telling a 409 apart.
    async fn call_409(&self, path: &str, body: Value) -> Result<Value, Refused> {
        match self.call("POST", path, Some(body)).await {
            Err(ChaosError::Control { status: 409, .. }) => Err(Refused::Conflict),
            other => Ok(other?),
        }
    }

    /// `appLogin()`: a fresh authorization code for `user_key`.
    pub async fn login_code(&self, user_key: i64) -> Result<String, ChaosError> {
        let v = self
            .call("POST", "/login/codes", Some(json!({ "userKey": user_key })))
            .await?;
        str_field(&v, "authorizationCode", "login code")
    }

    /// The payment sheet: the buyer pays (`PAY_APPROVED`).
    pub async fn approve(&self, pay_token: &str) -> Result<(), Refused> {
        self.call_409(&format!("/payments/{pay_token}/approve"), json!({}))
            .await
            .map(drop)
    }

    /// The payment sheet: the buyer cancels (`PAY_CANCEL`).
    pub async fn cancel(&self, pay_token: &str) -> Result<(), Refused> {
        self.call_409(&format!("/payments/{pay_token}/cancel"), json!({}))
            .await
            .map(drop)
    }

    /// The store charged a new IAP order of `sku` for `user_key` (`ORDER_IN_PROGRESS`, paid); its orderId.
    pub async fn create_paid_order(&self, user_key: i64, sku: &str) -> Result<String, ChaosError> {
        let v = self
            .call(
                "POST",
                "/iap/orders",
                Some(json!({ "userKey": user_key, "sku": sku, "paid": true })),
            )
            .await?;
        str_field(&v, "orderId", "IAP order")
    }

    /// What the SDK reports to Toss once `processProductGrant` returned: `PAYMENT_COMPLETED` or `FAILED`.
    pub async fn decide(&self, order_id: &str, status: &str) -> Result<(), Refused> {
        self.call_409(
            &format!("/iap/orders/{order_id}/decide"),
            json!({ "status": status }),
        )
        .await
        .map(drop)
    }

    /// The store refunds a completed order (`REFUNDED`).
    pub async fn refund_order(&self, order_id: &str) -> Result<(), Refused> {
        self.call_409(&format!("/iap/orders/{order_id}/refund"), json!({}))
            .await
            .map(drop)
    }

    /// `getPendingOrders()`: the orders charged and waiting for a grant (all users when `user_key` is None).
    pub async fn pending_orders(
        &self,
        user_key: Option<i64>,
    ) -> Result<Vec<(String, i64, String)>, ChaosError> {
        let path = match user_key {
            Some(u) => format!("/iap/orders?pending=true&userKey={u}"),
            None => "/iap/orders?pending=true".to_string(),
        };
        let v = self.call("GET", &path, None).await?;
        let orders = v["orders"].as_array().cloned().unwrap_or_default();
        orders
            .iter()
            .map(|o| {
                let id = str_field(o, "orderId", "pending order")?;
                let sku = str_field(o, "sku", "pending order")?;
                let user = str_field(o, "userKey", "pending order")?
                    .parse::<i64>()
                    .map_err(|e| ChaosError::Shape {
                        what: "pending order",
                        detail: e.to_string(),
                    })?;
                Ok((id, user, sku))
            })
            .collect()
    }

    /// Adds a fault rule.
    pub async fn add_fault(&self, spec: Value) -> Result<(), ChaosError> {
        self.call("POST", "/faults", Some(spec)).await.map(drop)
    }

    /// The fault rules with their counters.
    pub async fn faults(&self) -> Result<Value, ChaosError> {
        self.call("GET", "/faults", None).await
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) -> Result<(), ChaosError> {
        self.call("DELETE", "/faults", None).await.map(drop)
    }

    /// The whole sandbox: `GET /state` (ledger, faults, counters; each collection cut to its first page), then
    /// `GET /state/{collection}?after=` for the rest of every collection that did not fit, merged in: the invariants
    /// must see the whole ledger however many flows ran.
    pub async fn state(&self) -> Result<Value, ChaosError> {
        let mut state = self.call("GET", "/state?limit=5000", None).await?;
        let collections = state["pages"]["collections"].as_object().cloned().unwrap_or_default();
        for (name, page) in collections {
            let mut next = page["next"].as_str().map(String::from);
            while let Some(after) = next {
                let path = format!("/state/{name}?limit=5000&after={}", encode_query(&after));
                let page = self.call("GET", &path, None).await?;
                match (&mut state[&name], &page["items"]) {
                    (Value::Object(all), Value::Object(items)) => all.extend(items.clone()),
                    (Value::Array(all), Value::Array(items)) => all.extend(items.iter().cloned()),
                    (_, items) => {
                        return Err(ChaosError::Shape { what: "sandbox state page", detail: format!("{name}: {items}") })
                    }
                }
                next = page["next"].as_str().map(String::from);
            }
        }
        Ok(state)
    }
}

/// `text` percent-encoded for a query value (keys are order numbers, UUIDs and user keys, but may hold anything).
fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn str_field(v: &Value, field: &str, what: &'static str) -> Result<String, ChaosError> {
    v[field]
        .as_str()
        .map(String::from)
        .ok_or_else(|| ChaosError::Shape {
            what,
            detail: format!("no {field} in {v}"),
        })
}
