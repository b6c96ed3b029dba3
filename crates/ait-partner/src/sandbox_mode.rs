//! Sandbox mode (`--sandbox`, cargo feature `sandbox`): ait-sandbox runs in-process with generated
//! certificates written to a cert directory (`.sandbox-certs/` by default, gitignored), and the Toss client is
//! pointed at it: its base URL for every host, its client certificate and key, its CA as an extra trust root.
//! The sandbox knows the catalog's IAP SKUs, so orders for other SKUs report `MINIAPP_MISMATCH`.
//!
//! Its control API is open (CORS) only to the partner's own origin (the page the dev host runs in) and the
//! configured `allowed_origins` (e.g. the browser tests' page), not to every web page.

use std::net::SocketAddr;
use std::path::Path;

use ait_sandbox::{Sandbox, SandboxConfig, SandboxError, SandboxHandle};

use crate::app::SandboxInfo;
use crate::config::Config;

/// A running in-process sandbox and what the dev host needs to drive it.
pub struct SandboxMode {
    /// The sandbox (stops when dropped).
    pub handle: SandboxHandle,
    /// For `GET /dev/sandbox.json`.
    pub info: SandboxInfo,
}

/// The origins a page served by the partner listening on `listen` has: the address itself, and `localhost`
/// for a loopback or unspecified address (a wildcard address serves any of the machine's addresses: list the
/// others in `allowed_origins`).
pub fn own_origins(listen: SocketAddr) -> Vec<String> {
    let port = listen.port();
    let ip = listen.ip();
    let mut out = Vec::new();
    if ip.is_loopback() || ip.is_unspecified() {
        out.push(format!("http://127.0.0.1:{port}"));
        out.push(format!("http://localhost:{port}"));
        if ip.is_ipv6() {
            out.push(format!("http://[::1]:{port}"));
        }
    } else {
        out.push(format!("http://{listen}"));
    }
    out
}

/// Starts the sandbox and rewrites `config.toss` (and `is_test_payment = true`) to use it. `config.listen` must
/// be the partner's real address (bound beforehand, port included): the control API's CORS allows its origin.
pub async fn start(config: &mut Config, cert_dir: &Path) -> Result<SandboxMode, SandboxError> {
    let mut allowed_origins = own_origins(config.listen);
    allowed_origins.extend(config.allowed_origins.iter().cloned());
    let handle = Sandbox::start(SandboxConfig {
        cert_dir: Some(cert_dir.to_path_buf()),
        skus: config.catalog.iap.clone(),
        allowed_origins,
        ..SandboxConfig::default()
    })
    .await?;
    point_at(config, &handle)?;
    let info = SandboxInfo {
        control_url: handle.control_url(),
        user_key: config.sandbox.demo_user_key.to_string(),
    };
    Ok(SandboxMode { handle, info })
}

/// Points the Toss client configuration at a running sandbox (which must have a cert dir).
pub fn point_at(config: &mut Config, sandbox: &SandboxHandle) -> Result<(), SandboxError> {
    let paths =
        sandbox.certs.paths.clone().ok_or_else(|| {
            SandboxError::Certs("the sandbox was started without a cert dir".into())
        })?;
    let base = sandbox.base_url();
    config.toss.api_base_url = base.clone();
    config.toss.pay_base_url = base.clone();
    config.toss.billing_base_url = base;
    config.toss.client_cert = Some(paths.client_cert);
    config.toss.client_key = Some(paths.client_key);
    config.toss.ca_cert = Some(paths.ca_cert);
    config.is_test_payment = true;
    Ok(())
}
