//! One measured run: `concurrency` pages repeat a flow back to back for a fixed time (after a short warm-up that is
//! not counted); every flow's latency, every failure, and the CPU time of the partner, the sandbox and this process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::client::Http;
use crate::cpu::{cpu_time, rss_bytes};
use crate::flows::{self, FlowKind, PageLoad, StepTimes};
use crate::stats::percentile;

/// How many failure descriptions a run keeps (all are counted).
const ERROR_SAMPLES: usize = 5;

/// What one run measured.
#[derive(Debug, Default)]
pub struct RunResult {
    /// Flows completed inside the measured window.
    pub flows: u64,
    /// The measured window.
    pub elapsed: Duration,
    /// Each completed flow's latency, sorted.
    pub latencies: Vec<Duration>,
    /// Each step's latencies, sorted.
    pub steps: [Vec<Duration>; 3],
    /// Flows that failed (measured window and warm-up).
    pub errors: u64,
    /// The first few failures.
    pub error_samples: Vec<String>,
    /// CPU cores used over the window: partner (every instance), sandbox, this load generator (`None` without
    /// `/proc`).
    pub cores: [Option<f64>; 3],
    /// The partners' resident memory at the end (summed over instances), bytes.
    pub partner_rss: Option<u64>,
    /// The partners' resident memory every [`RSS_EVERY`] of the measured window: (flows completed so far by every
    /// page, bytes). Flat over a long run means nothing grows per flow.
    pub rss_timeline: Vec<(u64, u64)>,
}

/// How often a run samples the partners' memory.
pub const RSS_EVERY: Duration = Duration::from_secs(5);

impl RunResult {
    /// Completed flows per second.
    pub fn rate(&self) -> f64 {
        self.flows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile of the flow latency, milliseconds.
    pub fn ms(&self, p: f64) -> f64 {
        percentile(&self.latencies, p).as_secs_f64() * 1000.0
    }

    /// The median of step `i`, milliseconds.
    pub fn step_ms(&self, i: usize) -> f64 {
        percentile(&self.steps[i], 50.0).as_secs_f64() * 1000.0
    }
}

#[derive(Default)]
struct Shared {
    latencies: Vec<Duration>,
    steps: [Vec<Duration>; 3],
    errors: u64,
    error_samples: Vec<String>,
}

/// Processes whose CPU a run reads: the partner's instances and the sandbox (`None`: not started here).
pub struct Pids {
    /// Every partner instance.
    pub partners: Vec<Option<u32>>,
    /// The sandbox.
    pub sandbox: Option<u32>,
}

impl Pids {
    /// CPU time so far of the partners (summed), the sandbox and this process.
    fn cpu(&self) -> [Option<Duration>; 3] {
        let partners = if self.partners.is_empty() {
            None
        } else {
            self.partners
                .iter()
                .map(|&p| p.and_then(|p| cpu_time(Some(p))))
                .sum()
        };
        [
            partners,
            self.sandbox.and_then(|p| cpu_time(Some(p))),
            cpu_time(None),
        ]
    }

    /// The partners' resident memory now, summed, bytes.
    fn rss(&self) -> Option<u64> {
        if self.partners.is_empty() {
            return None;
        }
        self.partners.iter().map(|&p| p.and_then(rss_bytes)).sum()
    }
}

/// Runs `kind` on every page at once (one page per concurrent flow, with the client of its partner instance) for
/// `warmup` then `measure`.
pub async fn measure(
    pages: Vec<(Http, PageLoad)>,
    kind: FlowKind,
    warmup: Duration,
    measure: Duration,
    pids: &Pids,
) -> RunResult {
    let start = Instant::now();
    let window_start = start + warmup;
    let window_end = window_start + measure;
    let shared = Arc::new(Mutex::new(Shared::default()));
    let mut tasks = Vec::new();
    let completed = Arc::new(AtomicU64::new(0));
    for (http, mut page) in pages {
        let (shared, completed) = (shared.clone(), completed.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<StepTimes> = Vec::new();
            while Instant::now() < window_end {
                let began = Instant::now();
                let result = flows::run(&http, &mut page, kind).await;
                let ended = Instant::now();
                if result.is_ok() {
                    completed.fetch_add(1, Ordering::Relaxed);
                }
                match result {
                    // Counted when it both started and ended inside the window.
                    Ok(t) if began >= window_start && ended <= window_end => mine.push(t),
                    Ok(_) => {}
                    Err(e) => {
                        let mut s = shared.lock().await;
                        s.errors += 1;
                        if s.error_samples.len() < ERROR_SAMPLES {
                            s.error_samples.push(e);
                        }
                    }
                }
            }
            let mut s = shared.lock().await;
            for t in mine {
                s.latencies.push(t.iter().sum());
                for (i, d) in t.into_iter().enumerate() {
                    s.steps[i].push(d);
                }
            }
        }));
    }
    // CPU counters read at the window's edges.
    tokio::time::sleep_until(window_start.into()).await;
    let before = pids.cpu();
    let mut rss_timeline = Vec::new();
    let mut next = window_start + RSS_EVERY;
    while next < window_end {
        tokio::time::sleep_until(next.into()).await;
        if let Some(rss) = pids.rss() {
            rss_timeline.push((completed.load(Ordering::Relaxed), rss));
        }
        next += RSS_EVERY;
    }
    tokio::time::sleep_until(window_end.into()).await;
    let after = pids.cpu();
    let partner_rss = pids.rss();
    for t in tasks {
        if let Err(e) = t.await {
            let mut s = shared.lock().await;
            s.errors += 1;
            s.error_samples.push(format!("a load task panicked: {e}"));
        }
    }
    let mut s = std::mem::take(&mut *shared.lock().await);
    s.latencies.sort();
    for v in &mut s.steps {
        v.sort();
    }
    let mut cores = [None; 3];
    for i in 0..3 {
        if let (Some(b), Some(a)) = (before[i], after[i]) {
            cores[i] = Some(a.saturating_sub(b).as_secs_f64() / measure.as_secs_f64());
        }
    }
    RunResult {
        flows: s.latencies.len() as u64,
        elapsed: measure,
        latencies: s.latencies,
        steps: s.steps,
        errors: s.errors,
        error_samples: s.error_samples,
        cores,
        partner_rss,
        rss_timeline,
    }
}
