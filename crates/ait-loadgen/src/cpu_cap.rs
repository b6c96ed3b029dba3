//! A CPU quota for one process (`--partner-cpus`): a Linux cgroup of its own with a CFS quota, so that a partner
//! instance, not the machine, is what limits a run. That is how "two instances ≈ 2× one" can be measured on a
//! machine whose cores the database, the sandbox and the load generator share: capped, each instance is the
//! bottleneck of its own share, and what the comparison shows is whether anything serialises the instances (the
//! database's locks, claims, a shared writer) rather than how many cores are left.
//!
//! Both cgroup layouts are served: v2 (`cpu.max` in the unified hierarchy) and v1 (`cpu.cfs_quota_us` under the
//! `cpu` controller). Creating a cgroup needs the right to write there (root, or a delegated subtree); without it the
//! run stops with a clear error rather than measure something else.

use std::path::{Path, PathBuf};

use crate::error::LoadError;

/// The scheduling period of the quota (the kernel's default): the quota is `cores` × this per period.
const PERIOD_US: u64 = 100_000;

/// A process held to `cores` CPUs; the cgroup is removed when this is dropped (after the process ended).
pub struct CpuCap {
    dir: PathBuf,
}

impl CpuCap {
    /// Moves `pid` (all its threads) into a new cgroup named `name` limited to `cores` CPUs.
    pub fn apply(pid: u32, name: &str, cores: f64) -> Result<CpuCap, LoadError> {
        if !(cores > 0.0 && cores.is_finite()) {
            return Err(LoadError::Setup(format!("--partner-cpus must be a positive number of cores, not {cores}")));
        }
        let quota_us = ((cores * PERIOD_US as f64).round() as u64).max(1_000);
        let (dir, files) = if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
            let dir = PathBuf::from("/sys/fs/cgroup").join(name);
            (dir, vec![("cpu.max", format!("{quota_us} {PERIOD_US}"))])
        } else {
            let dir = PathBuf::from("/sys/fs/cgroup/cpu").join(name);
            (
                dir,
                vec![("cpu.cfs_period_us", PERIOD_US.to_string()), ("cpu.cfs_quota_us", quota_us.to_string())],
            )
        };
        let fail = |what: &str, e: std::io::Error| {
            LoadError::Setup(format!(
                "--partner-cpus: cannot {what} {} ({e}); a CPU quota needs a writable cgroup hierarchy (root)",
                dir.display()
            ))
        };
        std::fs::create_dir(&dir).map_err(|e| fail("create", e))?;
        let cap = CpuCap { dir: dir.clone() };
        for (file, value) in files {
            std::fs::write(dir.join(file), value).map_err(|e| fail("set the quota of", e))?;
        }
        std::fs::write(dir.join("cgroup.procs"), pid.to_string()).map_err(|e| fail("move the process into", e))?;
        Ok(cap)
    }
}

impl Drop for CpuCap {
    /// Removes the cgroup; the kernel refuses while a process is in it, so this comes after the process ended.
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        eprintln!("ait-loadgen: cgroup {} left behind (a process is still in it)", self.dir.display());
    }
}
