//! The processes under load: `ait-sandbox` (Toss, with its control API) and one `ait-partner` pointed at it through
//! `AIT_PARTNER_*` variables, both started fresh for every measured run from a directory of binaries (so two builds
//! can be compared side by side), with the partner's database in a new directory. The same way `ait-chaos` starts
//! them; rate limits are off (one machine plays every user).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::error::LoadError;

/// How long a process may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

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
    _sandbox: Child,
    _partner: Child,
}

impl Stack {
    /// Starts `bin_dir/ait-sandbox` and `bin_dir/ait-partner` with their files in `dir`; `extra` partner settings
    /// (`AIT_PARTNER_…`, `value`) come last and win.
    pub async fn start(
        bin_dir: &Path,
        dir: &Path,
        extra: &[(String, String)],
    ) -> Result<Stack, LoadError> {
        let sandbox = start_sandbox(bin_dir, dir).await?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let path = |p: &Path| p.display().to_string();
        let mut env: Vec<(String, String)> = [
            ("LISTEN", format!("127.0.0.1:{port}")),
            ("DATABASE", path(&dir.join("partner.sqlite"))),
            ("SECURE_COOKIE", "never".into()),
            ("RATE_LIMIT_LOGIN_BURST", "0".into()),
            ("RATE_LIMIT_TOSS_BURST", "0".into()),
            ("TOSS_API_BASE_URL", sandbox.base_url.clone()),
            ("TOSS_PAY_BASE_URL", sandbox.base_url.clone()),
            ("TOSS_BILLING_BASE_URL", sandbox.base_url.clone()),
            ("TOSS_CLIENT_CERT", path(&sandbox.client_cert)),
            ("TOSS_CLIENT_KEY", path(&sandbox.client_key)),
            ("TOSS_CA_CERT", path(&sandbox.ca_cert)),
            ("LOG", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("AIT_PARTNER_{k}"), v))
        .collect();
        env.extend(extra.iter().cloned());
        let partner_url = format!("http://127.0.0.1:{port}/api/ait");
        let partner = start_partner(bin_dir, dir, &env, &partner_url).await?;
        Ok(Stack {
            partner_url,
            control_url: sandbox.control_url,
            partner_pid: partner.id(),
            sandbox_pid: sandbox.child.id(),
            _sandbox: sandbox.child,
            _partner: partner,
        })
    }
}

struct Sandbox {
    base_url: String,
    control_url: String,
    ca_cert: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    child: Child,
}

/// Starts the sandbox on free loopback ports and waits until it has said where it listens.
async fn start_sandbox(bin_dir: &Path, dir: &Path) -> Result<Sandbox, LoadError> {
    let bin = binary(bin_dir, "ait-sandbox")?;
    let log_path = dir.join("sandbox.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
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
    while listen.is_none() || control.is_none() || ca.is_none() || cert.is_none() || key.is_none() {
        let line = tokio::time::timeout_at(deadline.into(), lines.next_line())
            .await
            .map_err(|_| fail("ait-sandbox", "did not say where it listens in time"))??
            .ok_or_else(|| {
                fail(
                    "ait-sandbox",
                    &format!("exited early; see {}", log_path.display()),
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
    Ok(Sandbox {
        base_url: format!("https://localhost:{port}"),
        control_url: control.unwrap_or_default(),
        ca_cert: ca.unwrap_or_default(),
        client_cert: cert.unwrap_or_default(),
        client_key: key.unwrap_or_default(),
        child,
    })
}

/// Starts the partner with exactly `env` (nothing inherited) and waits until it answers HTTP.
async fn start_partner(
    bin_dir: &Path,
    dir: &Path,
    env: &[(String, String)],
    api_url: &str,
) -> Result<Child, LoadError> {
    let bin = binary(bin_dir, "ait-partner")?;
    let log_path = dir.join("partner.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars() {
        if k.starts_with("AIT_PARTNER_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let probe = format!("{api_url}/iap/entitlements");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(fail(
                "ait-partner",
                &format!("exited with {status}; log:\n{}", tail(&log_path)),
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
                    tail(&log_path)
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn binary(bin_dir: &Path, name: &str) -> Result<PathBuf, LoadError> {
    let p = bin_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if p.is_file() {
        Ok(p)
    } else {
        Err(LoadError::MissingBinary(p))
    }
}

fn fail(name: &'static str, message: &str) -> LoadError {
    LoadError::Process {
        name,
        message: message.to_string(),
    }
}
