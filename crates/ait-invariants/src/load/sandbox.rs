//! Toss's side of an [`Observation`] from the sandbox's `GET /state` JSON (`ait_sandbox::Control::dump()`).

use serde_json::Value;

use super::LoadError;
use crate::observation::{Observation, TossOrder, TossPayStatus, TossPayment};

fn shape(what: impl Into<String>) -> LoadError {
    LoadError::SandboxShape { what: what.into() }
}

fn text(v: &Value, field: &str, at: &str) -> Result<String, LoadError> {
    match v.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(shape(format!("{at}: `{field}` is not a string"))),
    }
}

/// The records of a map (`{ key: record }`, as the sandbox serialises its BTreeMaps) or an array.
fn records<'a>(v: Option<&'a Value>, name: &str) -> Result<Vec<&'a Value>, LoadError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m.values().collect()),
        Some(Value::Array(a)) => Ok(a.iter().collect()),
        Some(_) => Err(shape(format!("`{name}` is neither an object nor an array"))),
    }
}

impl Observation {
    /// Toss's payments and IAP orders from the sandbox's `GET /state` reply (the whole dump, or its `state`
    /// object); the partner's side and the page results stay empty. A payment's executions and refunds are its
    /// `PAY` and `REFUND` transactions.
    pub fn from_sandbox_state(dump: &Value) -> Result<Observation, LoadError> {
        let state = dump.get("state").filter(|s| s.is_object()).unwrap_or(dump);
        if !state.is_object() {
            return Err(shape("not a JSON object"));
        }
        let mut obs = Observation::default();
        for p in records(state.get("payments"), "payments")? {
            let order_no = text(p, "orderNo", "payment")?;
            let at = format!("payment {order_no}");
            let mut executions = 0;
            let mut refunds = 0;
            for t in records(p.get("transactions"), "transactions")? {
                match t.get("stepType").and_then(Value::as_str) {
                    Some("PAY") => executions += 1,
                    Some("REFUND") => refunds += 1,
                    Some(_) => {}
                    None => return Err(shape(format!("{at}: a transaction has no `stepType`"))),
                }
            }
            obs.toss_payments.push(TossPayment {
                pay_token: text(p, "payToken", &at)?,
                status: TossPayStatus::from_wire(&text(p, "payStatus", &at)?),
                order_no,
                executions,
                refunds,
            });
        }
        for o in records(state.get("iapOrders"), "iapOrders")? {
            let order_id = text(o, "orderId", "IAP order")?;
            let at = format!("IAP order {order_id}");
            let paid = match o.get("paid") {
                Some(Value::Bool(b)) => *b,
                None | Some(Value::Null) => false,
                Some(_) => return Err(shape(format!("{at}: `paid` is not a boolean"))),
            };
            obs.toss_orders.push(TossOrder {
                user_key: text(o, "userKey", &at)?,
                sku: text(o, "sku", &at)?,
                status: text(o, "status", &at)?,
                order_id,
                paid,
            });
        }
        Ok(obs)
    }
}
