//! One simulated user's page: its own cookie store (the session cookie), JSON requests to the partner contract, and
//! the answer classified the way the page sees it: a success, the contract's typed error, or something untyped.
//!
//! Like a page whose partner went away for a moment, it sends a request again when no HTTP answer came back at all
//! (connection refused or reset while the partner is being restarted, a reply that never arrived); every call of
//! the contract it makes is safe to repeat. It logs in again on `UNAUTHENTICATED` and waits on `429`.
//!
//! With several partner instances the page plays a load balancer too: a flow says which instance a call goes to
//! ([`Page::post_via`]); other calls take the instances in turn; a request that got no answer is sent to the next
//! instance. The session cookie is the same for all of them (one host, and sessions live in the shared database).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ait_api::partner::{ErrorBody, LoginRequest, PATH_LOGIN};
use serde_json::{json, Value};

use crate::control::Control;
use crate::error::ChaosError;
use crate::stats::Stats;

/// How long a page keeps trying to get any HTTP answer before it gives up on the partner.
const NO_ANSWER_DEADLINE: Duration = Duration::from_secs(60);

/// What the page got for one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 2xx with a JSON body.
    Ok(Value),
    /// 4xx/5xx with the contract's `{ "error": { "code", "message", "retryable" } }`.
    Typed {
        /// HTTP status.
        status: u16,
        /// `error.code`.
        code: String,
        /// `error.retryable`.
        retryable: bool,
        /// `error.message` (English, for the summary's samples).
        message: String,
    },
    /// Anything else (no answer at all, a body that is not the contract's), described.
    Untyped(String),
}

impl Answer {
    /// A typed error with this code.
    pub fn is_code(&self, want: &str) -> bool {
        matches!(self, Answer::Typed { code, .. } if code == want)
    }

    /// A typed error the page may repeat.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Answer::Typed {
                retryable: true,
                ..
            }
        )
    }
}

/// A user's page.
pub struct Page {
    /// The Toss user it is logged in as.
    pub user_key: i64,
    http: reqwest::Client,
    /// The partner instances' contract URLs.
    apis: Vec<String>,
    /// The instance the next call without one of its own goes to.
    turn: AtomicUsize,
    control: Control,
    stats: Arc<Stats>,
}

impl Page {
    /// A page of `user_key` against the partner contract at `apis` (one URL per instance; not logged in yet).
    pub fn new(
        user_key: i64,
        apis: Vec<String>,
        control: Control,
        stats: Arc<Stats>,
    ) -> Result<Page, ChaosError> {
        if apis.is_empty() {
            return Err(ChaosError::Usage("a page needs a partner".into()));
        }
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Page {
            user_key,
            http,
            turn: AtomicUsize::new(user_key.unsigned_abs() as usize % apis.len()),
            apis,
            control,
            stats,
        })
    }

    /// `appLogin()` (a code from the sandbox) then `POST /login`; again with a new code until it works (a code is
    /// single-use, and a partner killed mid-login may have used it).
    pub async fn login(&self) -> Result<(), ChaosError> {
        let mut last = String::new();
        for _ in 0..30 {
            let code = self.control.login_code(self.user_key).await?;
            let body = serde_json::to_value(LoginRequest {
                authorization_code: code,
                referrer: "SANDBOX".into(),
            })
            .unwrap_or_default();
            match self
                .send_until_answered(self.next_instance(), "POST", PATH_LOGIN, Some(&body))
                .await
            {
                Answer::Ok(_) => return Ok(()),
                other => last = format!("{other:?}"),
            }
            self.stats.add("login-retries", 1);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(ChaosError::Login {
            user_key: self.user_key,
            detail: last,
        })
    }

    /// The instance whose turn it is.
    fn next_instance(&self) -> usize {
        self.turn.fetch_add(1, Ordering::Relaxed) % self.apis.len()
    }

    /// `POST` a JSON body (`Content-Type: application/json`, no `Origin`) to the instance whose turn it is.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(self.next_instance(), "POST", path, Some(body))
            .await
    }

    /// `POST` to partner instance `instance` (modulo their number).
    pub async fn post_via(&self, instance: usize, path: &str, body: Value) -> Answer {
        self.call(instance % self.apis.len(), "POST", path, Some(body))
            .await
    }

    /// `GET` from the instance whose turn it is.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(self.next_instance(), "GET", path, None).await
    }

    async fn call(
        &self,
        instance: usize,
        method: &'static str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let answer = self
            .send_until_answered(instance, method, path, body.as_ref())
            .await;
        if !answer.is_code("UNAUTHENTICATED") {
            return answer;
        }
        // The session is gone (it should not be: sessions live in the database). Log in again once, as the page
        // would, and count it.
        self.stats.add("relogins", 1);
        match self.login().await {
            Ok(()) => {
                self.send_until_answered(instance, method, path, body.as_ref())
                    .await
            }
            Err(e) => Answer::Untyped(format!("could not log in again: {e}")),
        }
    }

    /// Sends to `instance` until an HTTP answer arrives (or [`NO_ANSWER_DEADLINE`] passes), waiting out `429`s;
    /// after no answer, to the next instance (the same one when there is only one).
    async fn send_until_answered(
        &self,
        mut instance: usize,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let deadline = Instant::now() + NO_ANSWER_DEADLINE;
        loop {
            let url = format!("{}{path}", self.apis[instance % self.apis.len()]);
            let req = match method {
                "GET" => self.http.get(&url),
                _ => self.http.post(&url).json(body.unwrap_or(&json!({}))),
            };
            let last = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok());
                    let ctype = resp
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    match resp.bytes().await {
                        Ok(bytes) if status == 429 => {
                            self.stats.add("rate-limited", 1);
                            let wait = Duration::from_millis(
                                retry_after.map_or(300, |s| s * 1000).min(2000),
                            );
                            if Instant::now() + wait < deadline {
                                tokio::time::sleep(wait).await;
                                continue;
                            }
                            return classify(status, &ctype, &bytes);
                        }
                        Ok(bytes) => return classify(status, &ctype, &bytes),
                        Err(e) => format!("reply body lost: {e}"),
                    }
                }
                Err(e) => format!("no answer: {e}"),
            };
            self.stats.add("transport-retries", 1);
            if Instant::now() > deadline {
                return Answer::Untyped(format!("{method} {path}: {last}"));
            }
            if self.apis.len() > 1 {
                self.stats.add("sent-to-another-instance", 1);
                instance += 1;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Classifies an HTTP answer as the page sees it.
pub fn classify(status: u16, content_type: &str, body: &[u8]) -> Answer {
    let text = || String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<Value>(body) {
            Ok(v) => Answer::Ok(v),
            Err(_) => Answer::Untyped(format!(
                "HTTP {status} ({content_type}) not JSON: {}",
                text()
            )),
        };
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) if content_type.starts_with("application/json") => Answer::Typed {
            status,
            code: b.error.code.as_str().to_string(),
            retryable: b.error.retryable,
            message: b.error.message,
        },
        _ => Answer::Untyped(format!("HTTP {status} ({content_type}): {}", text())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_error_body_is_typed_and_anything_else_is_not() {
        let body =
            br#"{"error":{"code":"PAYMENT_OUTCOME_UNKNOWN","message":"m","retryable":true}}"#;
        assert_eq!(
            classify(504, "application/json", body),
            Answer::Typed {
                status: 504,
                code: "PAYMENT_OUTCOME_UNKNOWN".into(),
                retryable: true,
                message: "m".into()
            }
        );
        assert!(matches!(
            classify(400, "text/plain", b"bad request"),
            Answer::Untyped(_)
        ));
        assert!(matches!(classify(405, "", b""), Answer::Untyped(_)));
        assert!(matches!(
            classify(500, "application/json", br#"{"message":"x"}"#),
            Answer::Untyped(_)
        ));
        assert_eq!(
            classify(200, "application/json", br#"{"granted":true}"#),
            Answer::Ok(json!({"granted": true}))
        );
        assert!(matches!(
            classify(200, "text/html", b"<html>"),
            Answer::Untyped(_)
        ));
    }
}
