//! `ait-chaos`: the seeded chaos run of issue 8 §3.
//!
//! Starts the real `ait-sandbox` and `ait-partner` binaries (from the directory this binary was built into) as
//! separate processes, plays a seeded schedule of mixed flows against them — TossPay create + sheet + execute, IAP
//! purchase + grant + completion, page refunds, store refunds + `/iap/sync`, restores of pending orders — with
//! sandbox faults on the Toss steps, concurrent double taps and `kill -9` + restart of the partner, then recovers as
//! a page would and checks the invariants of `ait-invariants` on the sandbox's ledger, the partner's SQLite file and
//! every page outcome.
//!
//! ```sh
//! ./build.sh chaos [--seed N] [--flows N]      # builds the binaries, then runs this
//! target/debug/ait-chaos --short               # the form `./build.sh test` runs (500 flows, 5 kills)
//! ```
//!
//! Exit code: 0 when every invariant holds, 1 on a violation (each printed with the rows of the ids it names),
//! 2 when the harness itself failed (a process that would not start, the control API refusing a call).
//!
//! A seed fixes the schedule (which flows, users, faults, double taps and kills, in which order), not the timing:
//! flows run concurrently and the OS decides which request a fault rule or a kill lands on, so a replay reproduces
//! the schedule, not the exact interleaving.

mod control;
mod flows;
mod observe;
mod page;
mod plan;
mod recovery;
mod stats;
mod summary;
mod world;

use ait_chaos::{error, procs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;

use crate::control::Control;
use crate::error::ChaosError;
use crate::page::Page;
use crate::plan::{Plan, PlanOptions};
use crate::procs::{free_port, PartnerLaunch, PartnerProc, SandboxProc};
use crate::stats::Stats;
use crate::world::{Catalog, World, USER_KEY_BASE};

/// Seeded chaos run against the real ait-partner and ait-sandbox processes.
#[derive(Debug, Parser)]
#[command(name = "ait-chaos", version)]
struct Args {
    /// Seed of the schedule (default: from the clock; always printed).
    #[arg(long)]
    seed: Option<u64>,
    /// How many flows (default 1000; 500 with --short).
    #[arg(long)]
    flows: Option<usize>,
    /// The short form for `./build.sh test`: 500 flows and 5 kills unless given (well under 2 minutes).
    #[arg(long)]
    short: bool,
    /// How many `kill -9` + restarts of the partner during the flows (default: one per 100 flows, at least 3).
    #[arg(long)]
    kills: Option<usize>,
    /// Flows in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Simulated users (each with its own session cookie).
    #[arg(long, default_value_t = 12)]
    users: usize,
    /// Probability that a flow arms a sandbox fault on one of its Toss calls.
    #[arg(long, default_value_t = 0.3)]
    fault_rate: f64,
    /// Probability that a flow sends its main call twice at once.
    #[arg(long, default_value_t = 0.1)]
    double_tap_rate: f64,
    /// The partner's reconciler period, seconds.
    #[arg(long, default_value_t = 1)]
    reconcile_secs: u64,
    /// The partner's deadline for one Toss call, milliseconds.
    #[arg(long, default_value_t = 500)]
    toss_timeout_ms: u64,
    /// Where ait-sandbox and ait-partner are (default: next to this binary).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Keep the run directory (logs, database, certificates) even when the run passes.
    #[arg(long)]
    keep: bool,
    /// An extra setting for the partner, `AIT_PARTNER_…=value` (repeat).
    #[arg(long = "partner-env", value_parser = ait_chaos::procs::parse_setting)]
    partner_env: Vec<(String, String)>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let code = match run(args).await {
        Ok(0) => 0,
        Ok(_) => 1,
        Err(e) => {
            eprintln!("ait-chaos: harness failure: {e}");
            2
        }
    };
    std::process::exit(code);
}

/// Runs everything; the number of violations.
async fn run(args: Args) -> Result<usize, ChaosError> {
    let seed = args.seed.unwrap_or_else(clock_seed);
    let flows = args.flows.unwrap_or(if args.short { 500 } else { 1000 });
    let kills = args.kills.unwrap_or((flows / 100).max(3));
    // The command that draws the same schedule: the seed and every knob that differs from its default.
    let mut reproduce = format!("./build.sh chaos --seed {seed} --flows {flows}");
    let defaults = Args::parse_from(["ait-chaos"]);
    if kills != (flows / 100).max(3) {
        reproduce += &format!(" --kills {kills}");
    }
    for (name, value, default) in [
        (
            "--users",
            args.users.to_string(),
            defaults.users.to_string(),
        ),
        (
            "--concurrency",
            args.concurrency.to_string(),
            defaults.concurrency.to_string(),
        ),
        (
            "--fault-rate",
            args.fault_rate.to_string(),
            defaults.fault_rate.to_string(),
        ),
        (
            "--double-tap-rate",
            args.double_tap_rate.to_string(),
            defaults.double_tap_rate.to_string(),
        ),
        (
            "--reconcile-secs",
            args.reconcile_secs.to_string(),
            defaults.reconcile_secs.to_string(),
        ),
        (
            "--toss-timeout-ms",
            args.toss_timeout_ms.to_string(),
            defaults.toss_timeout_ms.to_string(),
        ),
    ] {
        if value != default {
            reproduce += &format!(" {name} {value}");
        }
    }
    println!("ait-chaos: seed {seed}, {flows} flows, {kills} kills (reproduce: {reproduce})");

    let config = ait_partner::config::Config::embedded();
    let catalog = Catalog {
        tosspay: config
            .catalog
            .tosspay
            .iter()
            .map(|i| i.sku.clone())
            .collect(),
        iap: config.catalog.iap.clone(),
    };
    if catalog.tosspay.is_empty() || catalog.iap.is_empty() {
        return Err(ChaosError::Shape {
            what: "partner catalog",
            detail: "no TossPay items or IAP SKUs".into(),
        });
    }
    let plan = Arc::new(Plan::new(
        seed,
        PlanOptions {
            flows,
            users: args.users.max(1),
            kills,
            fault_rate: args.fault_rate,
            double_tap_rate: args.double_tap_rate,
            toss_timeout_ms: args.toss_timeout_ms,
            tosspay_items: catalog.tosspay.len(),
            iap_skus: catalog.iap.len(),
        },
    ));

    let bin_dir = match args.bin_dir {
        Some(d) => d,
        None => std::env::current_exe()?
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default(),
    };
    let dir = tempfile::Builder::new().prefix("ait-chaos-").tempdir()?;
    let sandbox = SandboxProc::start(&bin_dir, dir.path()).await?;
    let control = Control::new(sandbox.control_url.clone())?;
    let launch = PartnerLaunch::new(
        &bin_dir,
        dir.path(),
        free_port()?,
        &sandbox,
        args.reconcile_secs,
        args.toss_timeout_ms,
        &args.partner_env,
    )?;
    let db = dir.path().join("partner.sqlite");
    let partner = Arc::new(PartnerProc::start(launch).await?);
    println!(
        "ait-chaos: sandbox {} (control {}), partner {} (log {})",
        sandbox.base_url,
        sandbox.control_url,
        partner.api_url(),
        partner.log().display()
    );

    let stats = Arc::new(Stats::default());
    let mut pages = Vec::new();
    for i in 0..args.users.max(1) {
        let page = Page::new(
            USER_KEY_BASE + i as i64,
            partner.api_url().to_string(),
            control.clone(),
            stats.clone(),
        )?;
        page.login().await?;
        pages.push(page);
    }
    for rule in &plan.background {
        control.add_fault(rule.clone()).await?;
    }
    let world = Arc::new(World {
        seed: plan.seed,
        control: control.clone(),
        partner: partner.clone(),
        pages,
        catalog,
        stats: stats.clone(),
        paid: Mutex::default(),
        granted: Mutex::default(),
        unknown: Mutex::default(),
        outcomes: Mutex::default(),
        kills_armed: Mutex::default(),
        kill_tasks: Mutex::default(),
        fatal: Mutex::default(),
    });

    let started = Instant::now();
    run_flows(&world, &plan, args.concurrency.max(1)).await?;
    if let Some(e) = world.settle_kills().await {
        return Err(ChaosError::Process {
            name: "ait-partner",
            message: e,
        });
    }
    let flows_time = started.elapsed();
    println!(
        "ait-chaos: {flows} flows done in {:.1} s; recovering",
        flows_time.as_secs_f64()
    );

    let recovery_started = Instant::now();
    let report = recovery::recover(&world, &db, args.reconcile_secs, args.toss_timeout_ms).await?;
    let state = control.state().await?;
    let obs = observe::observe(&state, &db, world.outcomes())?;
    let violations = ait_invariants::check(&obs);
    let recovery_time = recovery_started.elapsed();

    for v in &violations {
        println!("VIOLATION (seed {seed}): {v}");
        print!("{}", observe::evidence(v, &obs, &db)?);
    }
    summary::print(
        &stats,
        &summary::RunFacts {
            seed,
            flows,
            users: args.users.max(1),
            concurrency: args.concurrency.max(1),
            flows_time,
            recovery_time,
            kills: partner.kills(),
            recovery: &report,
            violations: violations.len(),
            reproduce,
        },
    );
    if !violations.is_empty() || args.keep {
        let kept = dir.keep();
        println!(
            "run directory kept: {} (partner.log, partner.sqlite, sandbox.log)",
            kept.display()
        );
    }
    Ok(violations.len())
}

/// Runs the plan's flows, `concurrency` at a time, in plan order; stops at the first harness failure.
async fn run_flows(
    world: &Arc<World>,
    plan: &Arc<Plan>,
    concurrency: usize,
) -> Result<(), ChaosError> {
    let next = Arc::new(AtomicUsize::new(0));
    let total = plan.flows.len();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (world, plan, next) = (world.clone(), plan.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = plan.flows.get(i) else {
                    return Ok::<(), ChaosError>(());
                };
                if let Err(e) = flows::run(&world, f).await {
                    next.store(total, Ordering::Relaxed);
                    return Err(e);
                }
                if (i + 1) % (total / 10).max(1) == 0 {
                    eprintln!("ait-chaos: {} / {total} flows started", i + 1);
                }
            }
        }));
    }
    let mut first_error = None;
    for w in workers {
        match w.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(ChaosError::Process {
                    name: "ait-chaos",
                    message: format!("a flow panicked: {e}"),
                });
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A seed from the clock (nanoseconds, kept to 9 digits so it is easy to pass back), for runs without `--seed`.
fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos();
    (nanos % 1_000_000_000) as u64
}
