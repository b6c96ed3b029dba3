//! The processes under load: `ait-sandbox` (Toss, with its control API) and one `ait-partner` pointed at it, both
//! started fresh for every measured run from a directory of binaries (so two builds can be compared side by side),
//! with the partner's database in a new directory. They are started by `ait-chaos`'s launcher (`ait_chaos::procs`),
//! with rate limits off (one machine plays every user) and any `extra` settings last.

use std::path::Path;

use ait_chaos::procs::{free_port, PartnerLaunch, PartnerProc, SandboxProc};

use crate::error::LoadError;

/// The partner's reconciler interval during a load run (it only finds work after a fault, and none is injected).
const RECONCILE_SECS: u64 = 5;
/// The partner's Toss timeout during a load run.
const TOSS_TIMEOUT_MS: u64 = 10_000;

/// The two running processes; both are killed when this is dropped.
pub struct Stack {
    /// `http://127.0.0.1:PORT/api/ait`: the partner contract.
    pub partner_url: String,
    /// `http://127.0.0.1:PORT`: the sandbox control API.
    pub control_url: String,
    /// The partner's process id.
    pub partner_pid: Option<u32>,
    /// The sandbox's process id.
    pub sandbox_pid: Option<u32>,
    _sandbox: SandboxProc,
    _partner: PartnerProc,
}

impl Stack {
    /// Starts `bin_dir/ait-sandbox` and `bin_dir/ait-partner` with their files in `dir`; `extra` partner settings
    /// (`AIT_PARTNER_…`, `value`) come last and win.
    pub async fn start(bin_dir: &Path, dir: &Path, extra: &[(String, String)]) -> Result<Stack, LoadError> {
        let sandbox = SandboxProc::start(bin_dir, dir).await?;
        let mut settings: Vec<(String, String)> = [("RATE_LIMIT_LOGIN_BURST", "0"), ("RATE_LIMIT_TOSS_BURST", "0")]
            .into_iter()
            .map(|(k, v)| (format!("AIT_PARTNER_{k}"), v.to_string()))
            .collect();
        settings.extend(extra.iter().cloned());
        let launch =
            PartnerLaunch::new(bin_dir, dir, free_port()?, &sandbox, RECONCILE_SECS, TOSS_TIMEOUT_MS, &settings)?;
        let partner = PartnerProc::start(launch).await?;
        Ok(Stack {
            partner_url: partner.api_url().to_string(),
            control_url: sandbox.control_url.clone(),
            partner_pid: partner.pid(),
            sandbox_pid: sandbox.pid(),
            _sandbox: sandbox,
            _partner: partner,
        })
    }
}
