//! Sandbox mode (`--sandbox`, cargo feature `sandbox`): ait-sandbox runs in-process with generated
//! certificates written to a cert directory (`.sandbox-certs/` by default, gitignored), and the Toss client is
//! pointed at it: its base URL for every host, its client certificate and key, its CA as an extra trust root.
//! The sandbox knows the catalog's IAP SKUs, so orders for other SKUs report `MINIAPP_MISMATCH`.

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

/// Starts the sandbox and rewrites `config.toss` (and `is_test_payment = true`) to use it.
pub async fn start(config: &mut Config, cert_dir: &Path) -> Result<SandboxMode, SandboxError> {
    let handle = Sandbox::start(SandboxConfig {
        cert_dir: Some(cert_dir.to_path_buf()),
        skus: config.catalog.iap.clone(),
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
