//! The processes under load: `ait-sandbox` (Toss, with its control API) and one or more `ait-partner` instances
//! pointed at it, all started fresh for every measured run from a directory of binaries (so two builds can be
//! compared side by side), on a new database: a SQLite file in the run's directory, or a PostgreSQL database of the
//! run's own that every instance shares (dropped at the end). They are started by `ait-chaos`'s launcher (`ait_chaos::procs`),
//! with rate limits off (one machine plays every user) and any `extra` settings last.

use std::path::Path;

use ait_chaos::database::{token_key, RunDatabase};
use ait_chaos::procs::{free_port, PartnerLaunch, PartnerProc, SandboxProc};
use ait_partner::config::TossConfig;

use crate::cpu_cap::CpuCap;
use crate::error::LoadError;

/// The partner's reconciler interval during a load run (it only finds work after a fault, and none is injected).
const RECONCILE_SECS: u64 = 5;
/// The partner's Toss timeout during a load run.
const TOSS_TIMEOUT_MS: u64 = 10_000;

/// The running processes; all are killed when this is dropped (then call [`Stack::drop_database`]).
pub struct Stack {
    /// `http://127.0.0.1:PORT/api/ait` of every instance: the partner contract.
    pub partner_urls: Vec<String>,
    /// `http://127.0.0.1:PORT`: the sandbox control API.
    pub control_url: String,
    /// The partners' process ids.
    pub partner_pids: Vec<Option<u32>>,
    /// The sandbox's process id.
    pub sandbox_pid: Option<u32>,
    /// How the partners reach the sandbox's Toss API (its URL, the mTLS client certificate, the CA).
    pub toss: TossConfig,
    database: RunDatabase,
    _sandbox: SandboxProc,
    _partners: Vec<PartnerProc>,
    /// The partners' CPU quotas (`--partner-cpus`), removed after the partners.
    _caps: Vec<CpuCap>,
}

impl Stack {
    /// Starts `bin_dir/ait-sandbox` and `instances` × `bin_dir/ait-partner` with their files in `dir`, on a SQLite
    /// file there or, with `postgres` (a server URL), on a new database of that server; `extra` partner settings
    /// (`AIT_PARTNER_…`, `value`) come last and win. With `cpus`, each instance is held to that many CPUs.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        bin_dir: &Path,
        dir: &Path,
        instances: usize,
        postgres: Option<&str>,
        run_no: u64,
        extra: &[(String, String)],
        cpus: Option<f64>,
    ) -> Result<Stack, LoadError> {
        let database = match postgres {
            Some(server) => RunDatabase::create_postgres(server, run_no).await?,
            None => RunDatabase::sqlite(dir),
        };
        let sandbox = SandboxProc::start(bin_dir, dir).await?;
        let mut settings: Vec<(String, String)> = [
            ("RATE_LIMIT_LOGIN_BURST", "0"),
            ("RATE_LIMIT_TOSS_BURST", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (format!("AIT_PARTNER_{k}"), v.to_string()))
        .collect();
        settings.push(("AIT_PARTNER_DATABASE".into(), database.partner_setting()));
        if database.is_postgres() {
            // Every instance opens the tokens the others sealed.
            settings.push((
                "AIT_PARTNER_TOKEN_KEY".into(),
                token_key(run_no ^ std::process::id() as u64),
            ));
        }
        settings.extend(extra.iter().cloned());
        let mut partners = Vec::new();
        for i in 0..instances.max(1) {
            let launch = PartnerLaunch::instance(
                &format!("partner-{}", i + 1),
                bin_dir,
                dir,
                free_port()?,
                &sandbox,
                RECONCILE_SECS,
                TOSS_TIMEOUT_MS,
                &settings,
            )?;
            partners.push(PartnerProc::start(launch).await?);
        }
        let mut caps = Vec::new();
        if let Some(cores) = cpus {
            for (i, partner) in partners.iter().enumerate() {
                let pid = partner.pid().ok_or_else(|| LoadError::Setup("a partner without a process id".into()))?;
                let name = format!("ait-loadgen-{}-{run_no}-{}", std::process::id(), i + 1);
                caps.push(CpuCap::apply(pid, &name, cores)?);
            }
        }
        Ok(Stack {
            partner_urls: partners.iter().map(|p| p.api_url().to_string()).collect(),
            control_url: sandbox.control_url.clone(),
            partner_pids: partners.iter().map(PartnerProc::pid).collect(),
            sandbox_pid: sandbox.pid(),
            toss: TossConfig {
                api_base_url: sandbox.base_url.clone(),
                pay_base_url: sandbox.base_url.clone(),
                billing_base_url: sandbox.base_url.clone(),
                client_cert: Some(sandbox.client_cert.clone()),
                client_key: Some(sandbox.client_key.clone()),
                ca_cert: Some(sandbox.ca_cert.clone()),
                timeout_ms: TOSS_TIMEOUT_MS,
                connect_timeout_ms: TOSS_TIMEOUT_MS,
            },
            database,
            _sandbox: sandbox,
            _partners: partners,
            _caps: caps,
        })
    }

    /// Stops every process, then drops the run's PostgreSQL database (a SQLite file goes with the run directory).
    pub async fn stop(self) -> Result<(), LoadError> {
        let database = self.database;
        drop(self._partners);
        drop(self._sandbox);
        database.drop_database().await?;
        Ok(())
    }
}
