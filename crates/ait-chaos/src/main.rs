//! `ait-chaos`: the seeded chaos run of issue 8 §3.
//!
//! Starts the real `ait-sandbox` and `ait-partner` binaries (from the directory this binary was built into) as
//! separate processes, plays a seeded schedule of mixed flows against them — TossPay create + sheet + execute, IAP
//! purchase + grant + completion, page refunds, store refunds + `/iap/sync`, restores of pending orders — with
//! sandbox faults on the Toss steps, concurrent double taps and `kill -9` + restart of the partner, then recovers as
//! a page would and checks the invariants of `ait-invariants` on the sandbox's ledger, the partner's database and
//! every page outcome. The partner is one instance on a SQLite file, or (`--instances 2 --database-url
//! postgres://…`) several instances on one PostgreSQL database of the run's own, the flows spread over them and one
//! of them killed at a time.
//!
//! ```sh
//! ./build.sh chaos [--seed N] [--flows N]      # builds the binaries, then runs this
//! target/debug/ait-chaos --short               # the form `./build.sh test` runs (500 flows, 5 kills)
//! target/debug/ait-chaos --short --instances 2 --database-url "$AIT_TEST_DATABASE_URL"   # and this
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

use ait_chaos::{database, error, procs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;

use crate::control::Control;
use crate::database::RunDatabase;
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
    /// A PostgreSQL server, `postgres://…` (a role that may CREATE DATABASE): the run creates a database of its own
    /// there (`chaos_<seed>_<pid>`) for the partners and drops it at the end (kept on a violation or with --keep).
    /// Without it, one SQLite file in the run directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Partner instances on the one database (above 1 needs --database-url): flows start on either, a double tap
    /// sends one request to each, some grants go to two at once, and a kill -9 hits one at a time.
    #[arg(long, default_value_t = 1)]
    instances: usize,
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

/// Runs everything; the number of violations. The run's PostgreSQL database, if any, is dropped at the end unless
/// a violation was found or `--keep` was given (then it is printed, like the run directory).
async fn run(args: Args) -> Result<usize, ChaosError> {
    if args.instances == 0 {
        return Err(ChaosError::Usage("--instances must be at least 1".into()));
    }
    if args.instances > 1 && args.database_url.is_none() {
        return Err(ChaosError::Usage(
            "--instances above 1 needs --database-url postgres://… (instances share one PostgreSQL database)"
                .into(),
        ));
    }
    let seed = args.seed.unwrap_or_else(clock_seed);
    let dir = tempfile::Builder::new().prefix("ait-chaos-").tempdir()?;
    let database = match &args.database_url {
        Some(server) => RunDatabase::create_postgres(server, seed).await?,
        None => RunDatabase::sqlite(dir.path()),
    };
    let outcome = run_on(&args, seed, dir.path(), &database).await;
    let keep = args.keep || matches!(outcome, Ok(n) if n > 0);
    if database.is_postgres() {
        if keep {
            println!("database kept: {}", database.describe());
        } else if let Err(e) = database.drop_database().await {
            eprintln!("ait-chaos: could not drop {}: {e}", database.describe());
        }
    }
    if keep {
        let kept = dir.keep();
        println!(
            "run directory kept: {} (partner*.log, partner*.env, partner.sqlite with SQLite, sandbox.log)",
            kept.display()
        );
    }
    outcome
}

/// The run itself, on `database`, with its files in `dir`.
async fn run_on(
    args: &Args,
    seed: u64,
    dir: &Path,
    database: &RunDatabase,
) -> Result<usize, ChaosError> {
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
        (
            "--instances",
            args.instances.to_string(),
            defaults.instances.to_string(),
        ),
    ] {
        if value != default {
            reproduce += &format!(" {name} {value}");
        }
    }
    if let Some(server) = &args.database_url {
        reproduce += &format!(" --database-url {}", database::without_password(server));
    }
    println!(
        "ait-chaos: seed {seed}, {flows} flows, {kills} kills, {} partner instance{} (reproduce: {reproduce})",
        args.instances,
        if args.instances == 1 { "" } else { "s" }
    );

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
            instances: args.instances,
        },
    ));

    let bin_dir = match &args.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()?
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default(),
    };
    let sandbox = SandboxProc::start(&bin_dir, dir).await?;
    let control = Control::new(sandbox.control_url.clone())?;
    // Every instance: the same database and, with PostgreSQL, the same token key (each seals the Toss tokens the
    // others read); then the caller's settings, which win.
    let mut settings = vec![(
        "AIT_PARTNER_DATABASE".to_string(),
        database.partner_setting(),
    )];
    if database.is_postgres() {
        settings.push((
            "AIT_PARTNER_TOKEN_KEY".to_string(),
            database::token_key(seed ^ clock_seed().rotate_left(32)),
        ));
    }
    settings.extend(args.partner_env.iter().cloned());
    let mut partners = Vec::new();
    for i in 0..args.instances {
        let name = if args.instances == 1 {
            "partner".to_string()
        } else {
            format!("partner-{}", i + 1)
        };
        let launch = PartnerLaunch::instance(
            &name,
            &bin_dir,
            dir,
            free_port()?,
            &sandbox,
            args.reconcile_secs,
            args.toss_timeout_ms,
            &settings,
        )?;
        let partner = Arc::new(PartnerProc::start(launch).await?);
        println!(
            "ait-chaos: partner #{} {} (log {})",
            i + 1,
            partner.api_url(),
            partner.log().display()
        );
        partners.push(partner);
    }
    println!(
        "ait-chaos: sandbox {} (control {}), database {}",
        sandbox.base_url,
        sandbox.control_url,
        database.describe()
    );

    let stats = Arc::new(Stats::default());
    let apis: Vec<String> = partners.iter().map(|p| p.api_url().to_string()).collect();
    let mut pages = Vec::new();
    for i in 0..args.users.max(1) {
        let page = Page::new(
            USER_KEY_BASE + i as i64,
            apis.clone(),
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
        partners,
        kill_gate: tokio::sync::Mutex::default(),
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
    let db = database.open().await?;
    let report = recovery::recover(&world, &db, args.reconcile_secs, args.toss_timeout_ms).await?;
    let state = control.state().await?;
    let obs = observe::observe(&state, &db, world.outcomes()).await?;
    let violations = ait_invariants::check(&obs);
    let recovery_time = recovery_started.elapsed();

    for v in &violations {
        println!("VIOLATION (seed {seed}): {v}");
        print!("{}", observe::evidence(v, &obs, &db).await?);
    }
    db.close().await;
    summary::print(
        &stats,
        &summary::RunFacts {
            seed,
            flows,
            users: args.users.max(1),
            concurrency: args.concurrency.max(1),
            flows_time,
            recovery_time,
            kills: world.kills(),
            database: database.describe(),
            recovery: &report,
            violations: violations.len(),
            reproduce,
        },
    );
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
