//! `ait-loadgen`: how many complete flows per second the partner server sustains (issue 10 item 6).
//!
//! For every repetition, concurrency and build (`--variant NAME=DIR`, interleaved so a noisy machine hits every
//! build alike), it starts a fresh `ait-sandbox` and `ait-partner` from that build's directory (a new database
//! each time), logs one page in per concurrent flow, repeats the flow back to back for the measured time, and prints
//! flows/s, p50/p99 of a whole flow, each step's median and the CPU of partner, sandbox and itself. Then the median
//! and spread (min–max) over the repetitions. Any failed request fails the run (exit code 1); nothing is retried.
//!
//! ```sh
//! cargo build --release -p ait-loadgen -p ait-partner -p ait-sandbox
//! target/release/ait-loadgen --flow tosspay --concurrency 1,8,32,128 --secs 20 --reps 3
//! target/release/ait-loadgen --variant before=/tmp/old --variant after=target/release --concurrency 32
//! target/release/ait-loadgen --database-url postgres://… --instances 1,2 --concurrency 32
//! target/release/ait-loadgen --database-url postgres://… --instances 1,2 --partner-cpus 0.3 --concurrency 32
//! target/release/ait-loadgen --partner-url http://127.0.0.1:8787/api/ait --control-url http://127.0.0.1:8788
//! ```
//! With `--partner-url` and `--control-url` it starts nothing and measures what runs there (its rate limits must be
//! off, and no server CPU is reported).

mod client;
mod cpu;
mod cpu_cap;
mod error;
mod flows;
mod run;
mod stack;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use ait_partner::toss_client::TossClient;

use crate::client::Http;
use crate::error::LoadError;
use crate::flows::{FlowKind, PageLoad};
use crate::run::RunResult;
use crate::stack::Stack;
use crate::stats::spread;

/// mimalloc, as the servers under load use: the load generator shares their two cores, so its own cost is kept low.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The first simulated page's Toss `userKey`; page `i` is `USER_KEY_BASE + i`.
const USER_KEY_BASE: i64 = 90_001;

/// Load generator for the partner server: complete TossPay flows and IAP grants.
#[derive(Debug, Parser)]
#[command(name = "ait-loadgen", version)]
struct Args {
    /// The flows to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values = ["tosspay", "iap"])]
    flow: Vec<FlowKind>,
    /// Concurrent flows (one logged-in page each), comma-separated.
    #[arg(long, value_delimiter = ',', default_values = ["1", "8", "32", "128"])]
    concurrency: Vec<usize>,
    /// Measured seconds per run.
    #[arg(long, default_value_t = 20)]
    secs: u64,
    /// Seconds of load before the measured window (not counted).
    #[arg(long, default_value_t = 1)]
    warmup_secs: u64,
    /// Repetitions of every point.
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// A build to measure, `NAME=DIR` (a directory holding ait-partner and ait-sandbox); repeat to compare builds
    /// side by side. Default: the directory of this binary.
    #[arg(long, value_parser = ait_chaos::procs::parse_setting)]
    variant: Vec<(String, String)>,
    /// Where run directories (database, logs, certificates) go; default the system temporary directory.
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// An extra setting for the partner, `AIT_PARTNER_…=value` (repeat).
    #[arg(long = "partner-env", value_parser = ait_chaos::procs::parse_setting)]
    partner_env: Vec<(String, String)>,
    /// Partner instances per run, comma-separated to compare counts side by side (above 1 needs --database-url):
    /// page `i` is served by instance `i mod N`; partner CPU and RSS are summed over the instances.
    #[arg(long, value_delimiter = ',', default_values = ["1"])]
    instances: Vec<usize>,
    /// A PostgreSQL server, `postgres://…` (a role that may CREATE DATABASE): every run's partners share a new
    /// database there, dropped after the run. Default: a SQLite file per run. Its server's own CPU is not counted.
    #[arg(long)]
    database_url: Option<String>,
    /// Hold every partner instance to this many CPUs (a cgroup quota each; needs root): for comparing instance
    /// counts where the machine, not the instances, would be the limit (see `cpu_cap.rs`).
    #[arg(long)]
    partner_cpus: Option<f64>,
    /// Also write the summary as JSON to this file (for `bench/report.mjs`, docs/BENCHMARKS.md).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Measure an already running partner (`http://…/api/ait`) instead of starting one; needs --control-url.
    #[arg(long, requires = "control_url")]
    partner_url: Option<String>,
    /// The sandbox control API of that partner's sandbox (`http://…`).
    #[arg(long, requires = "partner_url")]
    control_url: Option<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let code = match run_all(args).await {
        Ok(0) => 0,
        Ok(errors) => {
            eprintln!("ait-loadgen: FAILED: {errors} flows failed (see above)");
            1
        }
        Err(e) => {
            eprintln!("ait-loadgen: harness failure: {e}");
            2
        }
    };
    std::process::exit(code);
}

/// One point of the table: a flow, a concurrency, a number of partner instances, a build.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    flow: FlowKind,
    concurrency: usize,
    instances: usize,
    variant: String,
}

/// Runs every repetition of every point; the number of failed flows.
async fn run_all(args: Args) -> Result<u64, LoadError> {
    let config = ait_partner::config::Config::embedded();
    let tosspay_sku = config
        .catalog
        .tosspay
        .first()
        .map(|i| i.sku.clone())
        .ok_or_else(|| LoadError::Setup("the partner catalog has no TossPay item".into()))?;
    let iap_sku = config
        .catalog
        .iap
        .first()
        .cloned()
        .ok_or_else(|| LoadError::Setup("the partner catalog has no IAP SKU".into()))?;
    let variants: Vec<(String, PathBuf)> = if args.variant.is_empty() {
        let here = std::env::current_exe()?
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        vec![("this-build".into(), here)]
    } else {
        args.variant
            .iter()
            .map(|(n, d)| (n.clone(), PathBuf::from(d)))
            .collect()
    };
    let external = args.partner_url.clone().zip(args.control_url.clone());
    println!(
        "ait-loadgen: {} cores; flows {:?}; concurrency {:?}; {} s measured (+{} s warm-up) x {} reps; builds: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.flow,
        args.concurrency,
        args.secs,
        args.warmup_secs,
        args.reps,
        if external.is_some() {
            "the running partner".to_string()
        } else {
            variants
                .iter()
                .map(|(n, d)| format!("{n}={}", d.display()))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    if let Some(cores) = args.partner_cpus {
        println!("ait-loadgen: every partner instance held to {cores} CPUs (a cgroup quota)");
    }
    if args.instances.iter().any(|&n| n > 1) && args.database_url.is_none() {
        return Err(LoadError::Setup(
            "--instances above 1 needs --database-url postgres://… (instances share one PostgreSQL database)".into(),
        ));
    }
    let mut results: Vec<(Point, RunResult)> = Vec::new();
    let mut errors = 0;
    let mut run_no = 0u64;
    for rep in 0..args.reps.max(1) {
        for &flow in &args.flow {
            for &concurrency in &args.concurrency {
                for &instances in &args.instances {
                    for (variant, bin_dir) in &variants {
                        if external.is_some() && variant != &variants[0].0 {
                            continue;
                        }
                        run_no += 1;
                        let point = Point {
                            flow,
                            concurrency: concurrency.max(1),
                            instances: instances.max(1),
                            variant: variant.clone(),
                        };
                        let r = one_run(
                            &args,
                            &external,
                            bin_dir,
                            &point,
                            run_no,
                            &tosspay_sku,
                            &iap_sku,
                        )
                        .await?;
                        print_run(rep, &point, &r);
                        errors += r.errors;
                        results.push((point, r));
                    }
                }
            }
        }
    }
    print_summary(&results);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&summary_json(&results, args.partner_cpus))?)?;
    }
    Ok(errors)
}

/// Starts a fresh stack (unless measuring a running one), logs the pages in and measures.
#[allow(clippy::too_many_arguments)]
async fn one_run(
    args: &Args,
    external: &Option<(String, String)>,
    bin_dir: &std::path::Path,
    point: &Point,
    run_no: u64,
    tosspay_sku: &str,
    iap_sku: &str,
) -> Result<RunResult, LoadError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("ait-loadgen-");
    let dir = match &args.work_dir {
        Some(w) => builder.tempdir_in(w)?,
        None => builder.tempdir()?,
    };
    let env: Vec<(String, String)> = args.partner_env.clone();
    let (stack, https) = match external {
        Some((p, c)) => (None, vec![Http::new(p.clone(), c.clone())?]),
        None => {
            let s = Stack::start(
                bin_dir,
                dir.path(),
                point.instances,
                args.database_url.as_deref(),
                run_no,
                &env,
                args.partner_cpus,
            )
            .await?;
            let toss = TossClient::from_config(&s.toss)
                .map_err(|e| LoadError::Setup(format!("Toss client: {e}")))?;
            let http = Http::new(String::new(), s.control_url.clone())?.with_toss(toss);
            let https = s
                .partner_urls
                .iter()
                .map(|u| http.with_partner(u))
                .collect();
            (Some(s), https)
        }
    };
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut pages = Vec::new();
    for i in 0..point.concurrency {
        let user_key = USER_KEY_BASE + i as i64;
        let http = https[i % https.len()].clone();
        let cookie = http
            .login(user_key)
            .await
            .map_err(|e| LoadError::Setup(format!("login of user {user_key}: {e}")))?;
        pages.push((
            http,
            PageLoad {
                user_key,
                cookie,
                tosspay_sku: tosspay_sku.to_string(),
                iap_sku: iap_sku.to_string(),
                key_prefix: format!("load-{unique}-{run_no}-{i}"),
                started: 0,
            },
        ));
    }
    let pids = match &stack {
        Some(s) => run::Pids {
            partners: s.partner_pids.clone(),
            sandbox: s.sandbox_pid,
        },
        None => run::Pids {
            partners: Vec::new(),
            sandbox: None,
        },
    };
    let r = run::measure(
        pages,
        point.flow,
        Duration::from_secs(args.warmup_secs),
        Duration::from_secs(args.secs.max(1)),
        &pids,
    )
    .await;
    if let Some(stack) = stack {
        stack.stop().await?;
    }
    Ok(r)
}

fn cores(c: Option<f64>) -> String {
    c.map_or("-".into(), |c| format!("{c:.2}"))
}

fn print_run(rep: usize, p: &Point, r: &RunResult) {
    let steps = p.flow.steps();
    println!(
        "rep {} {:?} c={} x{} [{}]: {:.1} flows/s, p50 {:.2} ms, p99 {:.2} ms; steps p50 {} {:.2} / {} {:.2} / {} {:.2} ms; \
         cores partner {} sandbox {} loadgen {}; partner RSS {} MB; errors {}",
        rep + 1,
        p.flow,
        p.concurrency,
        p.instances,
        p.variant,
        r.rate(),
        r.ms(50.0),
        r.ms(99.0),
        steps[0],
        r.step_ms(0),
        steps[1],
        r.step_ms(1),
        steps[2],
        r.step_ms(2),
        cores(r.cores[0]),
        cores(r.cores[1]),
        cores(r.cores[2]),
        r.partner_rss.map_or("-".into(), |b| format!("{:.0}", b as f64 / 1e6)),
        r.errors
    );
    for e in &r.error_samples {
        println!("  ERROR: {e}");
    }
}

/// Every repetition of `p`.
fn runs_of<'a>(results: &'a [(Point, RunResult)], p: &Point) -> Vec<&'a RunResult> {
    results
        .iter()
        .filter(|(q, _)| q == p)
        .map(|(_, r)| r)
        .collect()
}

/// The distinct points, in the order they ran.
fn points(results: &[(Point, RunResult)]) -> Vec<&Point> {
    let mut seen: Vec<&Point> = Vec::new();
    for (p, _) in results {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen
}

/// The summary as JSON: per point, the median, min and max over repetitions of each figure.
fn summary_json(results: &[(Point, RunResult)], partner_cpus: Option<f64>) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = points(results)
        .into_iter()
        .map(|p| {
            let rs = runs_of(results, p);
            let fig = |f: &dyn Fn(&RunResult) -> Option<f64>| {
                let v: Vec<f64> = rs.iter().filter_map(|r| f(r)).collect();
                if v.is_empty() {
                    return serde_json::Value::Null;
                }
                let (median, min, max) = spread(&v);
                serde_json::json!({ "median": median, "min": min, "max": max })
            };
            serde_json::json!({
                "flow": format!("{:?}", p.flow).to_lowercase(),
                "concurrency": p.concurrency,
                "instances": p.instances,
                "build": p.variant,
                "reps": rs.len(),
                "flowsPerSec": fig(&|r| Some(r.rate())),
                "p50Ms": fig(&|r| Some(r.ms(50.0))),
                "p99Ms": fig(&|r| Some(r.ms(99.0))),
                "partnerCores": fig(&|r| r.cores[0]),
                "sandboxCores": fig(&|r| r.cores[1]),
                "loadgenCores": fig(&|r| r.cores[2]),
                "partnerRssMb": fig(&|r| r.partner_rss.map(|b| b as f64 / 1e6)),
                "errors": rs.iter().map(|r| r.errors).sum::<u64>(),
                // The first repetition's memory over time: [flows completed, partner RSS bytes].
                "rssTimeline": rs.first().map(|r| r.rss_timeline.clone()).unwrap_or_default(),
            })
        })
        .collect();
    serde_json::json!({
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "partnerCpus": partner_cpus,
        "points": rows,
    })
}

fn print_summary(results: &[(Point, RunResult)]) {
    println!();
    println!("summary: median [min-max] over repetitions (steps marked * are the sandbox's, not the partner's)");
    println!(
        "{:<8} {:>5} {:>4} {:<12} {:>24} {:>24} {:>24} {:>7} {:>7} {:>7} {:>6}",
        "flow",
        "conc",
        "inst",
        "build",
        "flows/s",
        "p50 ms",
        "p99 ms",
        "partner",
        "sandbox",
        "loadgen",
        "errors"
    );
    for p in points(results) {
        let rs = runs_of(results, p);
        let fig = |f: &dyn Fn(&RunResult) -> f64| {
            let (m, lo, hi) = spread(&rs.iter().map(|r| f(r)).collect::<Vec<_>>());
            format!("{m:.1} [{lo:.1}-{hi:.1}]")
        };
        let core = |i: usize| {
            let v: Vec<f64> = rs.iter().filter_map(|r| r.cores[i]).collect();
            if v.is_empty() {
                "-".to_string()
            } else {
                format!("{:.2}", spread(&v).0)
            }
        };
        println!(
            "{:<8} {:>5} {:>4} {:<12} {:>24} {:>24} {:>24} {:>7} {:>7} {:>7} {:>6}",
            format!("{:?}", p.flow).to_lowercase(),
            p.concurrency,
            p.instances,
            p.variant,
            fig(&|r| r.rate()),
            fig(&|r| r.ms(50.0)),
            fig(&|r| r.ms(99.0)),
            core(0),
            core(1),
            core(2),
            rs.iter().map(|r| r.errors).sum::<u64>()
        );
    }
}
