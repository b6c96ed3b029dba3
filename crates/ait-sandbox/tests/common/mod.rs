//! Test helpers: start a sandbox on port 0 with fresh certificates in a temp dir, and talk to it through a real
//! TLS client (tokio-rustls + hyper) with a client certificate.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use ait_sandbox::certs::{parse_certs, parse_key};
use ait_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use serde_json::Value;
use tokio::net::TcpStream;

pub const SKU: &str = "ait.0000010000.af647449.3bd55cfd00.0000000475";
pub const FOREIGN_SKU: &str = "ait.9999.other-mini-app";
pub const TEMPLATE: &str = "TPL_WELCOME";
pub const PROMOTION: &str = "PROMO_POINTS";
pub const USER: &str = "1234";

pub const MAKE_PAYMENT: &str = "/api-partner/v1/apps-in-toss/pay/make-payment";
pub const EXECUTE_PAYMENT: &str = "/api-partner/v1/apps-in-toss/pay/execute-payment";
pub const REFUND_PAYMENT: &str = "/api-partner/v1/apps-in-toss/pay/refund-payment";
pub const PAYMENT_STATUS: &str = "/api-partner/v1/apps-in-toss/pay/get-payment-status";
pub const ORDER_STATUS: &str = "/api-partner/v1/apps-in-toss/order/get-order-status";
pub const GENERATE_TOKEN: &str = "/api-partner/v1/apps-in-toss/user/oauth2/generate-token";
pub const REFRESH_TOKEN: &str = "/api-partner/v1/apps-in-toss/user/oauth2/refresh-token";
pub const LOGIN_ME: &str = "/api-partner/v1/apps-in-toss/user/oauth2/login-me";
pub const REMOVE_BY_USER_KEY: &str =
    "/api-partner/v1/apps-in-toss/user/oauth2/access/remove-by-user-key";
pub const REMOVE_BY_ACCESS_TOKEN: &str =
    "/api-partner/v1/apps-in-toss/user/oauth2/access/remove-by-access-token";
pub const PROMO_GET_KEY: &str = "/api-partner/v1/apps-in-toss/promotion/execute-promotion/get-key";
pub const PROMO_EXECUTE: &str = "/api-partner/v1/apps-in-toss/promotion/execute-promotion";
pub const PROMO_RESULT: &str = "/api-partner/v1/apps-in-toss/promotion/execution-result";
pub const SEND_MESSAGE: &str = "/api-partner/v1/apps-in-toss/messenger/send-message";
pub const BILL: &str = "/api/v1/billing-key/bill";

/// A running sandbox and the temp dir holding its certificates.
pub struct Env {
    pub sb: SandboxHandle,
    pub dir: tempfile::TempDir,
}

impl Env {
    /// A client with the sandbox's client certificate, as user [`USER`].
    pub fn toss(&self) -> Toss {
        let p = &self.sb.certs.pems;
        Toss {
            addr: self.sb.mtls_addr,
            tls: client_config(&p.ca_cert, Some((&p.client_cert, &p.client_key))),
            user_key: Some(USER.to_string()),
            host: None,
        }
    }

    /// The in-process control API.
    pub fn ctl(&self) -> &ait_sandbox::Control {
        self.sb.control()
    }
}

/// Starts a sandbox on port 0 with fresh certificates written to a temp dir.
pub async fn start() -> Env {
    start_with(|_| {}).await
}

/// Like [`start`], after adjusting the configuration.
pub async fn start_with(f: impl FnOnce(&mut SandboxConfig)) -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = SandboxConfig {
        cert_dir: Some(dir.path().to_path_buf()),
        skus: vec![SKU.to_string()],
        templates: vec![TEMPLATE.to_string()],
        promotions: vec![PROMOTION.to_string()],
        ..SandboxConfig::default()
    };
    f(&mut cfg);
    let sb = Sandbox::start(cfg).await.expect("sandbox starts");
    Env { sb, dir }
}

/// A rustls client configuration trusting `ca_pem`, presenting `identity` (cert PEM, key PEM) if given.
pub fn client_config(ca_pem: &str, identity: Option<(&str, &str)>) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for c in parse_certs(ca_pem).unwrap() {
        roots.add(c).unwrap();
    }
    let b = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut cfg = match identity {
        Some((cert, key)) => b
            .with_client_auth_cert(parse_certs(cert).unwrap(), parse_key(key).unwrap())
            .unwrap(),
        None => b.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(cfg)
}

/// A reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Reply {
    /// Asserts a 200 `SUCCESS` envelope and returns `success`.
    #[track_caller]
    pub fn success(&self) -> Value {
        assert_eq!(self.status, 200, "status of {}", self.raw);
        assert_eq!(self.body["resultType"], "SUCCESS", "{}", self.raw);
        self.body["success"].clone()
    }

    /// Asserts a `FAIL` envelope with `status` and `code`; returns the reason.
    #[track_caller]
    pub fn fail(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "status of {}", self.raw);
        assert_eq!(self.body["resultType"], "FAIL", "{}", self.raw);
        assert_eq!(self.body["error"]["errorCode"], code, "{}", self.raw);
        self.body["error"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// An mTLS client of the sandbox's Toss API.
#[derive(Clone)]
pub struct Toss {
    pub addr: SocketAddr,
    pub tls: Arc<ClientConfig>,
    pub user_key: Option<String>,
    /// A `Host` header to send instead of `localhost`.
    pub host: Option<String>,
}

impl Toss {
    /// The same client acting as another user (None: no `x-toss-user-key`).
    pub fn as_user(&self, user_key: Option<&str>) -> Toss {
        Toss {
            user_key: user_key.map(str::to_string),
            ..self.clone()
        }
    }

    /// POSTs JSON; panics on a transport error.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, &[], body.to_string().into_bytes())
            .await
            .expect("transport")
    }

    /// Sends a request; `Err` on a transport error (handshake refused, connection closed without reply).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let connector = tokio_rustls::TlsConnector::from(self.tls.clone());
        let name = ServerName::try_from("localhost").unwrap();
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("tls: {e}"))?;
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.host.as_deref().unwrap_or("localhost"))
            .header("content-type", "application/json");
        if let Some(u) = &self.user_key {
            b = b.header("x-toss-user-key", u);
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b.body(Full::new(Bytes::from(body))).unwrap();
        http1(TokioIo::new(tls), req).await
    }
}

async fn http1<IO>(io: IO, req: hyper::Request<Full<Bytes>>) -> Result<Reply, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let conn = tokio::spawn(conn);
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("request: {e}"));
    let out = match resp {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            let raw = String::from_utf8_lossy(&bytes).to_string();
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Ok(Reply {
                status,
                headers,
                body,
                raw,
            })
        }
        Err(e) => Err(e),
    };
    conn.abort();
    out
}

/// A plain-HTTP request to the control API.
pub async fn control(
    env: &Env,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let tcp = TcpStream::connect(env.sb.control_addr)
        .await
        .expect("connect control");
    let mut b = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", env.sb.control_addr.to_string());
    if body.is_some() {
        b = b.header("content-type", "application/json");
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = body.map(|v| v.to_string()).unwrap_or_default();
    let req = b.body(Full::new(Bytes::from(body))).unwrap();
    http1(TokioIo::new(tcp), req)
        .await
        .expect("control transport")
}

/// A make-payment body.
pub fn payment(order_no: &str, amount: i64) -> Value {
    serde_json::json!({
        "orderNo": order_no,
        "productDesc": "테스트 상품",
        "amount": amount,
        "amountTaxFree": 0,
        "isTestPayment": true,
    })
}

/// Creates a payment and returns its payToken.
pub async fn make_payment(t: &Toss, order_no: &str, amount: i64) -> String {
    let r = t.post(MAKE_PAYMENT, payment(order_no, amount)).await;
    r.success()["payToken"].as_str().unwrap().to_string()
}
