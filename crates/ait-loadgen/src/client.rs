//! HTTP to the partner contract (as a logged-in page) and to the sandbox control API (as the Toss app and the
//! store), over one shared `reqwest` client, so every simulated page draws on one connection pool. Any answer other
//! than a 2xx JSON body is a failure, described for the run's report.

use std::sync::Arc;
use std::time::Duration;

use ait_partner::toss_client::TossClient;

use ait_api::partner::{LoginRequest, PATH_LOGIN};
use serde_json::{json, Value};

use crate::error::LoadError;

/// The partner's session cookie (plain HTTP on loopback: the non-`__Host-` name).
const SESSION_COOKIE: &str = "ait_session";

/// A request that did not get a 2xx JSON answer: what was called and what came back.
pub type CallError = String;

/// The one client of a run.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    partner: String,
    control: String,
    /// The sandbox's Toss API through the partner's own client (mTLS), for the `make-payment` flow.
    toss: Option<Arc<TossClient>>,
}

impl Http {
    /// A client of the partner contract at `partner` (`…/api/ait`) and the control API at `control`.
    pub fn new(partner: String, control: String) -> Result<Http, LoadError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(1024)
            .tcp_nodelay(true)
            .build()?;
        Ok(Http {
            client,
            partner,
            control,
            toss: None,
        })
    }

    /// The same client that can also call the sandbox's Toss API straight (`toss`).
    pub fn with_toss(self, toss: TossClient) -> Http {
        Http {
            toss: Some(Arc::new(toss)),
            ..self
        }
    }

    /// The sandbox's Toss API, when the run started the sandbox.
    pub fn toss(&self) -> Option<&TossClient> {
        self.toss.as_deref()
    }

    /// The same client (one connection pool) speaking to another partner instance at `partner`.
    pub fn with_partner(&self, partner: &str) -> Http {
        Http {
            partner: partner.to_string(),
            ..self.clone()
        }
    }

    /// `appLogin()` (a code from the sandbox) then `POST /login`: the page's session cookie (`name=value`).
    pub async fn login(&self, user_key: i64) -> Result<String, CallError> {
        let code = self
            .control("/login/codes", json!({ "userKey": user_key }))
            .await?;
        let code = field(&code, "authorizationCode")?;
        let body = serde_json::to_value(LoginRequest {
            authorization_code: code,
            referrer: "SANDBOX".into(),
        })
        .map_err(|e| e.to_string())?;
        let url = format!("{}{PATH_LOGIN}", self.partner);
        let resp = self
            .client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("POST {PATH_LOGIN}: {e}"))?;
        let cookie = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|nv| nv.starts_with(&format!("{SESSION_COOKIE}=")))
            .map(String::from);
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        match cookie {
            Some(c) if status.is_success() => Ok(c),
            _ => Err(format!(
                "POST {PATH_LOGIN}: HTTP {status}: {}",
                short(&text)
            )),
        }
    }

    /// `POST` to the partner contract as the page holding `cookie`.
    pub async fn partner(&self, cookie: &str, path: &str, body: Value) -> Result<Value, CallError> {
        let req = self
            .client
            .post(format!("{}{path}", self.partner))
            .header(reqwest::header::COOKIE, cookie)
            .json(&body);
        answer("partner", path, req).await
    }

    /// `POST` to the sandbox control API.
    pub async fn control(&self, path: &str, body: Value) -> Result<Value, CallError> {
        let req = self
            .client
            .post(format!("{}{path}", self.control))
            .json(&body);
        answer("sandbox control", path, req).await
    }
}

async fn answer(who: &str, path: &str, req: reqwest::RequestBuilder) -> Result<Value, CallError> {
    let resp = req
        .send()
        .await
        .map_err(|e| format!("{who} POST {path}: no answer: {e}"))?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("{who} POST {path}: reply body lost: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{who} POST {path}: HTTP {status}: {}",
            short(&String::from_utf8_lossy(&bytes))
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{who} POST {path}: not JSON: {e}"))
}

/// A string field of a JSON answer.
pub fn field(v: &Value, name: &str) -> Result<String, CallError> {
    v[name]
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("no {name} in {}", short(&v.to_string())))
}

fn short(s: &str) -> String {
    s.chars().take(300).collect()
}
