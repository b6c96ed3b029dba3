//! The control API's view of the state one page at a time: `GET /state` on a sandbox that stored 100,000
//! payments must not build all of them in memory at once, so every collection of the dump is cut to a bounded
//! page and `GET /state/{collection}?after=&limit=` reads the rest, in key order, from where the previous page
//! stopped.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::state::{ControlError, State};

/// Records per collection when the caller gives no `limit`.
pub const DEFAULT_PAGE_LIMIT: usize = 500;

/// The largest `limit` a caller may ask for.
pub const MAX_PAGE_LIMIT: usize = 5_000;

/// The collections of the state, by their name in the dump (and in `/state/{collection}`).
pub const COLLECTIONS: &[&str] = &[
    "payments",
    "iapOrders",
    "loginCodes",
    "accessTokens",
    "refreshTokens",
    "users",
    "promotions",
    "promotionKeys",
    "templates",
    "messages",
    "billingKeys",
    "bills",
];

/// One page of one collection: its records (an object keyed like the stored map, or an array for sets and the
/// message log), how many the collection holds, and the cursor to pass as `after` for the next page (`None`
/// on the last page).
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The records of this page.
    pub items: Value,
    /// How many records the whole collection holds.
    pub total: usize,
    /// `after` for the next page; `None` when this page reaches the end.
    pub next: Option<String>,
}

/// The `limit` a caller asked for, checked: 1 to [`MAX_PAGE_LIMIT`], [`DEFAULT_PAGE_LIMIT`] when absent.
pub fn checked_limit(limit: Option<usize>) -> Result<usize, ControlError> {
    match limit {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(n) if (1..=MAX_PAGE_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ControlError::bad(format!(
            "limit {n}: use 1 to {MAX_PAGE_LIMIT}"
        ))),
    }
}

/// The page of `collection` that starts after the record keyed `after` (from the first record when `None`).
pub fn page(
    st: &State,
    collection: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page, ControlError> {
    match collection {
        "payments" => Ok(map_page(&st.payments, after, limit)),
        "iapOrders" => Ok(map_page(&st.iap_orders, after, limit)),
        "loginCodes" => Ok(map_page(&st.login_codes, after, limit)),
        "accessTokens" => Ok(map_page(&st.access_tokens, after, limit)),
        "refreshTokens" => Ok(map_page(&st.refresh_tokens, after, limit)),
        "users" => {
            let after = after
                .map(|a| {
                    a.parse::<i64>().map_err(|_| {
                        ControlError::bad(format!("after {a:?}: users are paged by userKey"))
                    })
                })
                .transpose()?;
            Ok(set_page(&st.users, after, limit))
        }
        "promotions" => Ok(map_page(&st.promotions, after, limit)),
        "promotionKeys" => Ok(map_page(&st.promotion_keys, after, limit)),
        "templates" => Ok(set_page(&st.templates, after.map(str::to_owned), limit)),
        "messages" => {
            let start = match after {
                None => 0,
                Some(a) => a.parse::<usize>().map(|i| i + 1).map_err(|_| {
                    ControlError::bad(format!("after {a:?}: messages are paged by index"))
                })?,
            };
            let items: Vec<Value> = st
                .messages
                .iter()
                .skip(start)
                .take(limit)
                .map(to_value)
                .collect();
            let end = start + items.len();
            Ok(Page {
                total: st.messages.len(),
                next: (end < st.messages.len()).then(|| (end - 1).to_string()),
                items: Value::Array(items),
            })
        }
        "billingKeys" => Ok(map_page(&st.billing_keys, after, limit)),
        "bills" => Ok(map_page(&st.bills, after, limit)),
        other => Err(ControlError::not_found(format!(
            "no collection {other:?}; the collections are {}",
            COLLECTIONS.join(", ")
        ))),
    }
}

/// The first page of every collection in the dump's `state` shape, and for each collection its total and
/// `next` cursor under `pages` (`complete` is true when no collection was cut).
pub fn first_pages(st: &State, limit: usize) -> Result<(Value, Value), ControlError> {
    let mut state = Map::new();
    let mut collections = Map::new();
    let mut complete = true;
    for name in COLLECTIONS {
        let p = page(st, name, None, limit)?;
        complete &= p.next.is_none();
        collections.insert(
            (*name).to_owned(),
            json!({ "total": p.total, "next": p.next }),
        );
        state.insert((*name).to_owned(), p.items);
    }
    let pages = json!({ "limit": limit, "complete": complete, "collections": collections });
    Ok((Value::Object(state), pages))
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn map_page<V: Serialize>(m: &BTreeMap<String, V>, after: Option<&str>, limit: usize) -> Page {
    let start = match after {
        Some(a) => Bound::Excluded(a),
        None => Bound::Unbounded,
    };
    let mut items = Map::new();
    let mut rest = m.range::<str, _>((start, Bound::Unbounded));
    let mut last = None;
    for (k, v) in rest.by_ref().take(limit) {
        items.insert(k.clone(), to_value(v));
        last = Some(k.clone());
    }
    Page {
        total: m.len(),
        next: rest.next().and(last),
        items: Value::Object(items),
    }
}

fn set_page<K: Ord + Serialize + ToString>(
    s: &BTreeSet<K>,
    after: Option<K>,
    limit: usize,
) -> Page {
    let start = match &after {
        Some(a) => Bound::Excluded(a),
        None => Bound::Unbounded,
    };
    let mut rest = s.range((start, Bound::Unbounded));
    let items: Vec<&K> = rest.by_ref().take(limit).collect();
    Page {
        total: s.len(),
        next: rest.next().and(items.last().map(|k| k.to_string())),
        items: to_value(items),
    }
}
