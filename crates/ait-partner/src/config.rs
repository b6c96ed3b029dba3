//! Configuration: a TOML file (`--config path`), else the embedded default (`config/default.toml`, meant for
//! sandbox mode), then `AIT_PARTNER_*` environment overrides, then command-line flags.
//!
//! Fields missing from a file take the defaults below (real Toss hosts, an empty catalog), so a production
//! file states its catalog explicitly. Unknown fields are errors, to catch typos.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ait_api::validate;

use crate::db::DatabaseUrl;
use serde::{Deserialize, Serialize};

/// The embedded default configuration (sandbox mode; `ait-partner --print-default-config` prints it).
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown fields.
    #[error("invalid configuration {origin}: {message}")]
    Parse {
        /// The file, or "(embedded default)".
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// An environment override has a bad value.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// Why.
        message: String,
    },
    /// A value breaks a rule.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Listen address of the HTTP server.
    pub listen: SocketAddr,
    /// Mount path of the partner contract (the page's `partnerBaseUrl`), e.g. `/api/ait`.
    pub api_prefix: String,
    /// The database: `sqlite://path` or a plain path (a SQLite file, the default), or `postgres://…` for several
    /// instances on one database.
    pub database: DatabaseUrl,
    /// Connections to the database per instance; unset: 8 for SQLite, 16 for PostgreSQL.
    pub database_pool: Option<u32>,
    /// Origins allowed to call the API with credentials (CORS). Empty: same origin only.
    pub allowed_origins: Vec<String>,
    /// `isTestPayment` on every TossPay call: true for test payments, false for live ones.
    pub is_test_payment: bool,
    /// Interval of the background reconciler, seconds (0 disables it).
    pub reconcile_interval_secs: u64,
    /// How long an execute or refund whose outcome was lost may still land at Toss, seconds. Within it, Toss
    /// refusing a later attempt while reporting the payment not executed (or not refunded) does not settle the
    /// payment: the lost call may still go through. After it, that refusal is final.
    pub in_flight_grace_secs: u64,
    /// How long a claim in the database (a payment being executed, an order being granted) outlives an instance that
    /// died holding it, milliseconds. Live holders renew theirs; see `db::Lease`.
    pub lease_ttl_ms: u64,
    /// Session lifetime, seconds.
    pub session_ttl_secs: u64,
    /// When the session cookie gets `Secure` (and is named `__Host-ait_session`, `Path=/`).
    pub secure_cookie: SecureCookie,
    /// Whether the page may refund a paid payment (`POST /tosspay/payments/{orderNo}/refund`). Off by default:
    /// refunds are an operator's decision; the demo turns it on.
    pub page_refunds: bool,
    /// The AES-256-GCM key sealing the Toss tokens stored in the database: 32 bytes, hex or base64. Unset: a key
    /// is generated into `<database>.token-key` (mode 0600) and reused; live payments (`is_test_payment = false`)
    /// need it set, so that a copy of the database directory alone yields no usable token.
    pub token_key: Option<Secret>,
    /// A client that has not sent a request's whole header within this many milliseconds is disconnected (the
    /// request body has the same deadline).
    pub header_read_timeout_ms: u64,
    /// Rate limits.
    pub rate_limit: RateLimitConfig,
    /// How to reach Toss.
    pub toss: TossConfig,
    /// What the server sells.
    pub catalog: Catalog,
    /// Sandbox mode settings (used only with `--sandbox`).
    pub sandbox: SandboxSettings,
}

/// A secret configuration value: never printed by `Debug`, never serialized back.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

/// Rate limits: a burst, then a steady rate (GCRA). A burst of 0 turns a limit off. Over a limit the reply is
/// 429 `RATE_LIMITED` (retryable) with `Retry-After`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// `POST /login` per client IP: how many in a row.
    pub login_burst: u32,
    /// `POST /login` per client IP: how many per minute after the burst.
    pub login_per_minute: u32,
    /// Calls that reach Toss (create, execute, status, refund, grant, sync) per user: how many in a row.
    pub toss_burst: u32,
    /// Calls that reach Toss per user: how many per minute after the burst.
    pub toss_per_minute: u32,
    /// Take the client IP from the last `X-Forwarded-For` entry (set it only behind a proxy that appends it);
    /// otherwise the peer address is the client.
    pub trust_forwarded_for: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            login_burst: 10,
            login_per_minute: 60,
            toss_burst: 120,
            toss_per_minute: 600,
            trust_forwarded_for: false,
        }
    }
}

/// When the session cookie is marked `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookie {
    /// When the request came over https (`X-Forwarded-Proto: https` from the TLS proxy in front).
    Auto,
    /// Always.
    Always,
    /// Never (plain-http development).
    Never,
}

/// Toss hosts and the mTLS identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TossConfig {
    /// Base URL of `apps-in-toss-api.toss.im` (login, IAP).
    pub api_base_url: String,
    /// Base URL of `pay-apps-in-toss-api.toss.im` (TossPay).
    pub pay_base_url: String,
    /// Base URL of `pay.toss.im` (auto-billing; not used by the contract yet).
    pub billing_base_url: String,
    /// Client certificate (PEM).
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM).
    pub client_key: Option<PathBuf>,
    /// Extra CA certificate to trust (PEM), e.g. a sandbox's `ca.pem`.
    pub ca_cert: Option<PathBuf>,
    /// Deadline of one Toss call, milliseconds.
    pub timeout_ms: u64,
    /// Deadline of connecting to Toss, milliseconds.
    pub connect_timeout_ms: u64,
}

/// The product catalog.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Catalog {
    /// The mini-app's IAP SKUs.
    pub iap: Vec<String>,
    /// TossPay goods.
    pub tosspay: Vec<TossPayItem>,
}

/// A TossPay product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TossPayItem {
    /// The partner's product id (what the page sends).
    pub sku: String,
    /// Name shown in the payment sheet (part of `productDesc`).
    pub name: String,
    /// Unit price, KRW.
    pub price: i64,
    /// Tax-free part of the unit price, KRW.
    #[serde(default)]
    pub tax_free: i64,
}

/// Sandbox mode settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// The user the in-page dev host logs in as (`GET /dev/sandbox.json`).
    pub demo_user_key: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api_prefix: "/api/ait".into(),
            database: DatabaseUrl::Sqlite(PathBuf::from("ait-partner.sqlite")),
            database_pool: None,
            allowed_origins: Vec::new(),
            is_test_payment: true,
            reconcile_interval_secs: 30,
            in_flight_grace_secs: 30,
            lease_ttl_ms: 5_000,
            session_ttl_secs: 30 * 24 * 3600,
            secure_cookie: SecureCookie::Auto,
            page_refunds: false,
            token_key: None,
            header_read_timeout_ms: 10_000,
            rate_limit: RateLimitConfig::default(),
            toss: TossConfig::default(),
            catalog: Catalog::default(),
            sandbox: SandboxSettings::default(),
        }
    }
}

impl Default for TossConfig {
    fn default() -> Self {
        use ait_api::paths::Host;
        TossConfig {
            api_base_url: Host::Api.base_url().into(),
            pay_base_url: Host::Pay.base_url().into(),
            billing_base_url: Host::Billing.base_url().into(),
            client_cert: None,
            client_key: None,
            ca_cert: None,
            timeout_ms: 10_000,
            connect_timeout_ms: 5_000,
        }
    }
}

impl Default for SandboxSettings {
    fn default() -> Self {
        SandboxSettings {
            demo_user_key: 10001,
        }
    }
}

impl Config {
    /// The embedded default (sandbox mode).
    pub fn embedded() -> Config {
        Config::from_toml(DEFAULT_TOML, "(embedded default)")
            .expect("the embedded default configuration parses")
    }

    /// Parses TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text, &path.display().to_string())
    }

    /// The file at `path`, or the embedded default; then the environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(p) => Config::from_file(p)?,
            None => Config::embedded(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Applies `AIT_PARTNER_*` overrides read through `get` (the process environment in [`Config::load`]).
    ///
    /// | variable | field |
    /// |---|---|
    /// | `AIT_PARTNER_LISTEN` | `listen` |
    /// | `AIT_PARTNER_API_PREFIX` | `api_prefix` |
    /// | `AIT_PARTNER_DATABASE` | `database` |
    /// | `AIT_PARTNER_ALLOWED_ORIGINS` | `allowed_origins` (comma-separated) |
    /// | `AIT_PARTNER_IS_TEST_PAYMENT` | `is_test_payment` (`true`/`false`) |
    /// | `AIT_PARTNER_RECONCILE_INTERVAL_SECS` | `reconcile_interval_secs` |
    /// | `AIT_PARTNER_IN_FLIGHT_GRACE_SECS` | `in_flight_grace_secs` |
    /// | `AIT_PARTNER_LEASE_TTL_MS` | `lease_ttl_ms` |
    /// | `AIT_PARTNER_DATABASE_POOL` | `database_pool` |
    /// | `AIT_PARTNER_SESSION_TTL_SECS` | `session_ttl_secs` |
    /// | `AIT_PARTNER_SECURE_COOKIE` | `secure_cookie` (`auto`/`always`/`never`) |
    /// | `AIT_PARTNER_PAGE_REFUNDS` | `page_refunds` (`true`/`false`) |
    /// | `AIT_PARTNER_TOKEN_KEY` | `token_key` (32 bytes, hex or base64) |
    /// | `AIT_PARTNER_HEADER_READ_TIMEOUT_MS` | `header_read_timeout_ms` |
    /// | `AIT_PARTNER_RATE_LIMIT_LOGIN_BURST`, `_LOGIN_PER_MINUTE`, `_TOSS_BURST`, `_TOSS_PER_MINUTE`, `_TRUST_FORWARDED_FOR` | `rate_limit.*` |
    /// | `AIT_PARTNER_TOSS_API_BASE_URL`, `_PAY_BASE_URL`, `_BILLING_BASE_URL` | `toss.*_base_url` |
    /// | `AIT_PARTNER_TOSS_CLIENT_CERT`, `_CLIENT_KEY`, `_CA_CERT` | `toss.client_cert`, … (paths) |
    /// | `AIT_PARTNER_TOSS_TIMEOUT_MS`, `_CONNECT_TIMEOUT_MS` | `toss.timeout_ms`, … |
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.to_string(),
                message: e.to_string(),
            })
        }
        let var = |suffix: &str| {
            let name = format!("AIT_PARTNER_{suffix}");
            get(&name).map(|v| (name, v))
        };
        if let Some((n, v)) = var("LISTEN") {
            self.listen = parse(&n, &v)?;
        }
        if let Some((_, v)) = var("API_PREFIX") {
            self.api_prefix = v;
        }
        if let Some((n, v)) = var("DATABASE") {
            self.database = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("DATABASE_POOL") {
            self.database_pool = Some(parse(&n, &v)?);
        }
        if let Some((_, v)) = var("ALLOWED_ORIGINS") {
            self.allowed_origins = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some((n, v)) = var("IS_TEST_PAYMENT") {
            self.is_test_payment = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("RECONCILE_INTERVAL_SECS") {
            self.reconcile_interval_secs = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("IN_FLIGHT_GRACE_SECS") {
            self.in_flight_grace_secs = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("LEASE_TTL_MS") {
            self.lease_ttl_ms = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("SESSION_TTL_SECS") {
            self.session_ttl_secs = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("SECURE_COOKIE") {
            self.secure_cookie = match v.trim() {
                "auto" => SecureCookie::Auto,
                "always" => SecureCookie::Always,
                "never" => SecureCookie::Never,
                other => {
                    return Err(ConfigError::Env {
                        name: n,
                        message: format!("{other:?}: use auto, always or never"),
                    })
                }
            };
        }
        if let Some((n, v)) = var("PAGE_REFUNDS") {
            self.page_refunds = parse(&n, &v)?;
        }
        if let Some((_, v)) = var("TOKEN_KEY") {
            self.token_key = Some(Secret(v.trim().to_string()));
        }
        if let Some((n, v)) = var("HEADER_READ_TIMEOUT_MS") {
            self.header_read_timeout_ms = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("RATE_LIMIT_LOGIN_BURST") {
            self.rate_limit.login_burst = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("RATE_LIMIT_LOGIN_PER_MINUTE") {
            self.rate_limit.login_per_minute = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("RATE_LIMIT_TOSS_BURST") {
            self.rate_limit.toss_burst = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("RATE_LIMIT_TOSS_PER_MINUTE") {
            self.rate_limit.toss_per_minute = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("RATE_LIMIT_TRUST_FORWARDED_FOR") {
            self.rate_limit.trust_forwarded_for = parse(&n, &v)?;
        }
        if let Some((_, v)) = var("TOSS_API_BASE_URL") {
            self.toss.api_base_url = v;
        }
        if let Some((_, v)) = var("TOSS_PAY_BASE_URL") {
            self.toss.pay_base_url = v;
        }
        if let Some((_, v)) = var("TOSS_BILLING_BASE_URL") {
            self.toss.billing_base_url = v;
        }
        if let Some((_, v)) = var("TOSS_CLIENT_CERT") {
            self.toss.client_cert = Some(v.into());
        }
        if let Some((_, v)) = var("TOSS_CLIENT_KEY") {
            self.toss.client_key = Some(v.into());
        }
        if let Some((_, v)) = var("TOSS_CA_CERT") {
            self.toss.ca_cert = Some(v.into());
        }
        if let Some((n, v)) = var("TOSS_TIMEOUT_MS") {
            self.toss.timeout_ms = parse(&n, &v)?;
        }
        if let Some((n, v)) = var("TOSS_CONNECT_TIMEOUT_MS") {
            self.toss.connect_timeout_ms = parse(&n, &v)?;
        }
        Ok(())
    }

    /// The API prefix normalised: leading `/`, no trailing `/` (empty for the root).
    pub fn prefix(&self) -> String {
        let p = self.api_prefix.trim().trim_end_matches('/');
        if p.is_empty() {
            String::new()
        } else if p.starts_with('/') {
            p.to_string()
        } else {
            format!("/{p}")
        }
    }

    /// Checks the rules a running server relies on (catalog prices and names, client identity).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.toss.client_cert.is_none() || self.toss.client_key.is_none() {
            return bad(
                "toss.client_cert and toss.client_key are required (the Toss APIs need mTLS); \
                        for local development run with --sandbox"
                    .into(),
            );
        }
        for o in &self.allowed_origins {
            if o == "*" {
                return bad(
                    "allowed_origins cannot be \"*\" with credentials; list the origins".into(),
                );
            }
        }
        for o in &self.allowed_origins {
            if crate::guard::normalize_origin(o).is_none() {
                return bad(format!(
                    "allowed_origins: {o:?} is not an origin (scheme://host[:port])"
                ));
            }
        }
        match &self.token_key {
            Some(k) => {
                if let Err(e) = crate::token_seal::parse_key(&k.0) {
                    return bad(format!("token_key: {e}"));
                }
            }
            // Several instances share one PostgreSQL: each must open the tokens the others sealed, so the key is
            // configured, not generated into a file next to a database that has no file.
            None if matches!(self.database, DatabaseUrl::Postgres(_)) => {
                return bad(
                    "token_key (AIT_PARTNER_TOKEN_KEY) is required with PostgreSQL: the same 32 random bytes on every instance"
                        .into(),
                )
            }
            None if !self.is_test_payment => {
                return bad(
                    "token_key (AIT_PARTNER_TOKEN_KEY) is required for live payments: 32 random bytes, hex or base64"
                        .into(),
                )
            }
            None => {}
        }
        if self.lease_ttl_ms < 30 {
            return bad("lease_ttl_ms must be at least 30 (it is renewed every third of it)".into());
        }
        if self.header_read_timeout_ms == 0 {
            return bad("header_read_timeout_ms must be positive".into());
        }
        // With live money, settling what a lost call did rests on the reconciler and on the grace outlasting a call.
        if !self.is_test_payment {
            if self.reconcile_interval_secs == 0 {
                return bad("reconcile_interval_secs must be positive for live payments (it settles lost calls)".into());
            }
            if self.in_flight_grace_secs.saturating_mul(1000) < self.toss.timeout_ms.saturating_mul(2) {
                return bad(format!(
                    "in_flight_grace_secs must be at least twice toss.timeout_ms ({} ms) for live payments",
                    self.toss.timeout_ms
                ));
            }
        }
        let rl = &self.rate_limit;
        if (rl.login_burst > 0 && rl.login_per_minute == 0)
            || (rl.toss_burst > 0 && rl.toss_per_minute == 0)
        {
            return bad("rate_limit: a limit with a burst needs a positive per_minute rate (burst 0 turns it off)".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for item in &self.catalog.tosspay {
            if item.sku.trim().is_empty() || !seen.insert(item.sku.as_str()) {
                return bad(format!(
                    "catalog.tosspay: empty or duplicate sku {:?}",
                    item.sku
                ));
            }
            if let Err(e) = validate::product_desc("name", &item.name) {
                return bad(format!("catalog.tosspay {:?}: {e}", item.sku));
            }
            if let Err(e) = validate::total_amount("price", item.price) {
                return bad(format!("catalog.tosspay {:?}: {e}", item.sku));
            }
            if item.tax_free < 0 || item.tax_free > item.price {
                return bad(format!(
                    "catalog.tosspay {:?}: tax_free must be between 0 and the price",
                    item.sku
                ));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for sku in &self.catalog.iap {
            if sku.trim().is_empty() || !seen.insert(sku.as_str()) {
                return bad(format!("catalog.iap: empty or duplicate sku {sku:?}"));
            }
        }
        Ok(())
    }
}

impl Catalog {
    /// A TossPay product by SKU.
    pub fn tosspay_item(&self, sku: &str) -> Option<&TossPayItem> {
        self.tosspay.iter().find(|i| i.sku == sku)
    }

    /// Whether `sku` is one of the mini-app's IAP products.
    pub fn has_iap_sku(&self, sku: &str) -> bool {
        self.iap.iter().any(|s| s == sku)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses_and_has_the_demo_catalog() {
        let c = Config::embedded();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(!c.page_refunds, "page refunds are off by default");
        assert_eq!(c.rate_limit, RateLimitConfig::default());
        assert_eq!(c.prefix(), "/api/ait");
        assert_eq!(c.database, DatabaseUrl::Sqlite(PathBuf::from("ait-partner.sqlite")));
        let beans = c.catalog.tosspay_item("beans_200g").unwrap();
        assert_eq!(
            (beans.name.as_str(), beans.price, beans.tax_free),
            ("원두 200g", 12000, 0)
        );
        for sku in [
            "gem_100",
            "gem_500",
            "remove_ads",
            "premium_theme",
            "pro_monthly",
            "pro_yearly",
        ] {
            assert!(c.catalog.has_iap_sku(sku), "{sku}");
        }
        // Without certificates it is only good for sandbox mode.
        assert!(c.validate().is_err());
    }

    #[test]
    fn file_fields_default_and_env_overrides() {
        let mut c = Config::from_toml(
            "listen = \"127.0.0.1:9000\"\n[toss]\nclient_cert = \"c.pem\"\nclient_key = \"k.pem\"\n",
            "test",
        )
        .unwrap();
        assert!(c.catalog.tosspay.is_empty());
        assert_eq!(c.toss.pay_base_url, "https://pay-apps-in-toss-api.toss.im");
        c.apply_env(|n| match n {
            "AIT_PARTNER_LISTEN" => Some("0.0.0.0:1234".into()),
            "AIT_PARTNER_ALLOWED_ORIGINS" => Some("https://a.example, https://b.example".into()),
            "AIT_PARTNER_IS_TEST_PAYMENT" => Some("false".into()),
            "AIT_PARTNER_TOSS_TIMEOUT_MS" => Some("250".into()),
            "AIT_PARTNER_PAGE_REFUNDS" => Some("true".into()),
            "AIT_PARTNER_RATE_LIMIT_LOGIN_BURST" => Some("3".into()),
            "AIT_PARTNER_HEADER_READ_TIMEOUT_MS" => Some("1500".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.listen.port(), 1234);
        assert_eq!(c.allowed_origins.len(), 2);
        assert!(!c.is_test_payment);
        assert_eq!(c.toss.timeout_ms, 250);
        assert!(c.page_refunds);
        assert_eq!(c.rate_limit.login_burst, 3);
        assert_eq!(c.header_read_timeout_ms, 1500);
        // Live payments need a token key.
        assert!(c.validate().unwrap_err().to_string().contains("token_key"));
        c.apply_env(|n| (n == "AIT_PARTNER_TOKEN_KEY").then(|| "ab".repeat(32)))
            .unwrap();
        c.validate().unwrap();
        assert!(
            !format!("{c:?}").contains(&"ab".repeat(32)),
            "the key is redacted"
        );
        let err = c
            .apply_env(|n| (n == "AIT_PARTNER_LISTEN").then(|| "nope".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("AIT_PARTNER_LISTEN"));
    }

    #[test]
    fn unknown_fields_and_bad_catalog_are_rejected() {
        assert!(Config::from_toml("lisen = \"x\"", "t").is_err());
        let mut c = Config::embedded();
        c.toss.client_cert = Some("c".into());
        c.toss.client_key = Some("k".into());
        c.validate().unwrap();
        c.catalog.tosspay[0].name = "bad \"quote\"".into();
        assert!(c.validate().is_err());
        let mut c = Config::embedded();
        c.toss.client_cert = Some("c".into());
        c.toss.client_key = Some("k".into());
        c.allowed_origins = vec!["mini.example".into()];
        assert!(c.validate().is_err(), "an origin needs its scheme");
        c.allowed_origins.clear();
        c.token_key = Some(Secret("too short".into()));
        assert!(c.validate().is_err());
    }
}
