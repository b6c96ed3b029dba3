//! Counters of a run (flows by kind, faults armed, kills, double taps, retries), for the summary.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Named counters, shared by every flow.
#[derive(Debug, Default)]
pub struct Stats {
    counts: Mutex<BTreeMap<String, u64>>,
    samples: Mutex<BTreeMap<String, String>>,
}

impl Stats {
    /// Adds `n` to the counter `name`.
    pub fn add(&self, name: &str, n: u64) {
        let mut c = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *c.entry(name.to_string()).or_default() += n;
    }

    /// The counter `name` (0 when never added to).
    pub fn get(&self, name: &str) -> u64 {
        let c = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        c.get(name).copied().unwrap_or(0)
    }

    /// The counters whose name starts with `prefix`, without it.
    pub fn with_prefix(&self, prefix: &str) -> Vec<(String, u64)> {
        let c = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        c.iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), *v)))
            .collect()
    }

    /// Keeps the first message seen with an error code (the summary shows one per code).
    pub fn sample(&self, code: &str, message: &str) {
        let mut s = self
            .samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.entry(code.to_string())
            .or_insert_with(|| message.to_string());
    }

    /// One message per error code seen.
    pub fn samples(&self) -> Vec<(String, String)> {
        let s = self
            .samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}
