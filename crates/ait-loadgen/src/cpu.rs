//! CPU time of a process from `/proc/<pid>/stat` (Linux), so a run reports how much of the machine the partner, the
//! sandbox and the load generator itself used: a load generator that is the bottleneck shows up here.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` (`USER_HZ`): 100 on every Linux this project builds for.
const TICKS_PER_SEC: u64 = 100;

/// User + system CPU time used so far by `pid` (`None` for this process), or `None` where `/proc` is missing.
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime) * 1000 / TICKS_PER_SEC,
    ))
}

/// Resident set size of `pid` in bytes (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_cpu_time_and_it_grows_with_work() {
        let Some(before) = cpu_time(None) else {
            return; // not Linux
        };
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(150) {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let after = cpu_time(None).unwrap_or_default();
        assert!(after > before, "{before:?} -> {after:?} after {x} spins");
        assert!(rss_bytes(std::process::id()).unwrap_or(0) > 0);
    }
}
