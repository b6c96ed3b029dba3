//! The processes under test: `ait-sandbox` (Toss, with its control API) and `ait-partner` (the partner server,
//! pointed at the sandbox through `AIT_PARTNER_*` variables; one instance, or several on one database), started from
//! the build's own directory. A partner can be killed with SIGKILL and restarted on the same address, database and
//! configuration at any time.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use crate::error::ChaosError;

/// How long a process may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The running `ait-sandbox`.
pub struct SandboxProc {
    /// `https://localhost:PORT`: the Toss API (mTLS).
    pub base_url: String,
    /// `http://127.0.0.1:PORT`: the control API.
    pub control_url: String,
    /// The CA the partner must trust.
    pub ca_cert: PathBuf,
    /// The partner's client certificate.
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
    _child: Child,
}

impl SandboxProc {
    /// Its process id (the load generator reads its CPU time).
    pub fn pid(&self) -> Option<u32> {
        self._child.id()
    }

    /// Starts `bin_dir/ait-sandbox` on free loopback ports with its certificates in `dir/certs`, and waits until it
    /// has said where it listens.
    pub async fn start(bin_dir: &Path, dir: &Path) -> Result<SandboxProc, ChaosError> {
        let bin = binary(bin_dir, "ait-sandbox")?;
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("sandbox.log"))?;
        let mut child = Command::new(bin)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--control",
                "127.0.0.1:0",
                "--cert-dir",
            ])
            .arg(dir.join("certs"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| fail("ait-sandbox", "no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let (mut listen, mut control, mut ca, mut cert, mut key) = (None, None, None, None, None);
        let deadline = Instant::now() + READY_TIMEOUT;
        while listen.is_none()
            || control.is_none()
            || ca.is_none()
            || cert.is_none()
            || key.is_none()
        {
            let line = tokio::time::timeout_at(deadline.into(), lines.next_line())
                .await
                .map_err(|_| fail("ait-sandbox", "did not say where it listens in time"))??
                .ok_or_else(|| {
                    fail(
                        "ait-sandbox",
                        &format!("exited early; see {}", dir.join("sandbox.log").display()),
                    )
                })?;
            let t = line.trim();
            if let Some(a) = t.strip_prefix("listening on ") {
                listen = Some(a.to_string());
            } else if let Some(u) = t.strip_prefix("ait-sandbox: control API (plain HTTP) on ") {
                control = Some(u.to_string());
            } else if let Some(p) = t.strip_prefix("CA certificate") {
                ca = Some(PathBuf::from(p.trim()));
            } else if let Some(p) = t.strip_prefix("client certificate") {
                cert = Some(PathBuf::from(p.trim()));
            } else if let Some(p) = t.strip_prefix("client key") {
                key = Some(PathBuf::from(p.trim()));
            }
        }
        // Keep reading so the pipe never fills.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let listen = listen.unwrap_or_default();
        let port = listen.rsplit(':').next().unwrap_or_default();
        Ok(SandboxProc {
            base_url: format!("https://localhost:{port}"),
            control_url: control.unwrap_or_default(),
            ca_cert: ca.unwrap_or_default(),
            client_cert: cert.unwrap_or_default(),
            client_key: key.unwrap_or_default(),
            _child: child,
        })
    }
}

/// How to launch the partner (the same every time it is restarted).
#[derive(Debug, Clone)]
pub struct PartnerLaunch {
    /// The binary.
    pub bin: PathBuf,
    /// `AIT_PARTNER_*` settings.
    pub env: Vec<(String, String)>,
    /// Appended stdout and stderr of every incarnation.
    pub log: PathBuf,
    /// `http://127.0.0.1:PORT/api/ait`.
    pub api_url: String,
}

impl PartnerLaunch {
    /// The launch for a partner on `port` with its database in `dir` (`partner.sqlite`), talking to `sandbox`.
    /// `extra` settings (`KEY=VALUE`) replace the defaults of the same name (`AIT_PARTNER_DATABASE` for another
    /// database) or are added.
    pub fn new(
        bin_dir: &Path,
        dir: &Path,
        port: u16,
        sandbox: &SandboxProc,
        reconcile_secs: u64,
        toss_timeout_ms: u64,
        extra: &[(String, String)],
    ) -> Result<PartnerLaunch, ChaosError> {
        PartnerLaunch::instance(
            "partner",
            bin_dir,
            dir,
            port,
            sandbox,
            reconcile_secs,
            toss_timeout_ms,
            extra,
        )
    }

    /// [`PartnerLaunch::new`] for one of several instances: its log is `dir/{name}.log` and its settings are listed
    /// in `dir/{name}.env` (the database is still `dir/partner.sqlite` unless `extra` names another).
    #[allow(clippy::too_many_arguments)]
    pub fn instance(
        name: &str,
        bin_dir: &Path,
        dir: &Path,
        port: u16,
        sandbox: &SandboxProc,
        reconcile_secs: u64,
        toss_timeout_ms: u64,
        extra: &[(String, String)],
    ) -> Result<PartnerLaunch, ChaosError> {
        let bin = binary(bin_dir, "ait-partner")?;
        let path = |p: &Path| p.display().to_string();
        let mut env: Vec<(String, String)> = [
            ("LISTEN", format!("127.0.0.1:{port}")),
            ("DATABASE", path(&dir.join("partner.sqlite"))),
            ("RECONCILE_INTERVAL_SECS", reconcile_secs.to_string()),
            // A lost execute or refund lands within a few Toss timeouts here (the sandbox is local): after that grace
            // a refused retry is final, so the run settles within its recovery wait.
            ("IN_FLIGHT_GRACE_SECS", "3".into()),
            ("SECURE_COOKIE", "never".into()),
            ("PAGE_REFUNDS", "true".into()),
            ("TOSS_API_BASE_URL", sandbox.base_url.clone()),
            ("TOSS_PAY_BASE_URL", sandbox.base_url.clone()),
            ("TOSS_BILLING_BASE_URL", sandbox.base_url.clone()),
            ("TOSS_CLIENT_CERT", path(&sandbox.client_cert)),
            ("TOSS_CLIENT_KEY", path(&sandbox.client_key)),
            ("TOSS_CA_CERT", path(&sandbox.ca_cert)),
            ("TOSS_TIMEOUT_MS", toss_timeout_ms.to_string()),
            ("TOSS_CONNECT_TIMEOUT_MS", toss_timeout_ms.to_string()),
            ("LOG", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("AIT_PARTNER_{k}"), v))
        .collect();
        for (k, v) in extra {
            match env.iter_mut().find(|(name, _)| name == k) {
                Some(setting) => setting.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            }
        }
        let settings: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        std::fs::write(dir.join(format!("{name}.env")), settings)?;
        Ok(PartnerLaunch {
            bin,
            env,
            log: dir.join(format!("{name}.log")),
            api_url: format!("http://127.0.0.1:{port}/api/ait"),
        })
    }
}

/// The running partner, killable and restartable from any task.
pub struct PartnerProc {
    launch: PartnerLaunch,
    child: Mutex<Child>,
    kills: AtomicU32,
}

impl PartnerProc {
    /// Starts the partner and waits until it answers HTTP.
    pub async fn start(launch: PartnerLaunch) -> Result<PartnerProc, ChaosError> {
        let child = spawn_ready(&launch).await?;
        Ok(PartnerProc {
            launch,
            child: Mutex::new(child),
            kills: AtomicU32::new(0),
        })
    }

    /// `http://127.0.0.1:PORT/api/ait`.
    pub fn api_url(&self) -> &str {
        &self.launch.api_url
    }

    /// Where its output goes.
    pub fn log(&self) -> &Path {
        &self.launch.log
    }

    /// SIGKILL (no shutdown of any kind: open requests, transactions and Toss calls die with it), then the same
    /// launch again; returns once the new process answers. Concurrent calls kill one after the other.
    pub async fn kill_and_restart(&self) -> Result<(), ChaosError> {
        let mut child = self.child.lock().await;
        child.start_kill()?;
        child.wait().await?;
        self.kills.fetch_add(1, Ordering::Relaxed);
        *child = spawn_ready(&self.launch).await?;
        Ok(())
    }

    /// The current process's id (the load generator reads its CPU time); `None` while a restart holds it.
    pub fn pid(&self) -> Option<u32> {
        self.child.try_lock().ok().and_then(|child| child.id())
    }

    /// How many times it was killed.
    pub fn kills(&self) -> u32 {
        self.kills.load(Ordering::Relaxed)
    }
}

async fn spawn_ready(launch: &PartnerLaunch) -> Result<Child, ChaosError> {
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&launch.log)?;
    let mut cmd = Command::new(&launch.bin);
    // Only this run's settings: none inherited from the caller's environment.
    for (k, _) in std::env::vars() {
        if k.starts_with("AIT_PARTNER_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let probe = format!("{}/iap/entitlements", launch.api_url);
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(fail(
                "ait-partner",
                &format!("exited with {status}; log:\n{}", tail(&launch.log)),
            ));
        }
        if http.get(&probe).send().await.is_ok() {
            return Ok(child);
        }
        if Instant::now() > deadline {
            return Err(fail(
                "ait-partner",
                &format!(
                    "not answering after {READY_TIMEOUT:?}; log:\n{}",
                    tail(&launch.log)
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last lines of a log file.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn binary(bin_dir: &Path, name: &str) -> Result<PathBuf, ChaosError> {
    let p = bin_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if p.is_file() {
        Ok(p)
    } else {
        Err(ChaosError::MissingBinary(p))
    }
}

fn fail(name: &'static str, message: &str) -> ChaosError {
    ChaosError::Process {
        name,
        message: message.to_string(),
    }
}

/// A free loopback port (bound, then released: the partner binds it again on every restart).
pub fn free_port() -> Result<u16, ChaosError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A `KEY=VALUE` setting from the command line (`--partner-env AIT_PARTNER_…=value`).
pub fn parse_setting(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{s:?}: expected KEY=VALUE"))
}
