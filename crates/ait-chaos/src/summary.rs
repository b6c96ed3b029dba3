//! The closing report of a run: seed, flows by kind, faults, kills, double taps, recovery, violations.

use std::time::Duration;

use crate::recovery::RecoveryReport;
use crate::stats::Stats;

/// What the summary needs besides the counters.
pub struct RunFacts<'a> {
    /// The seed.
    pub seed: u64,
    /// Flows planned.
    pub flows: usize,
    /// Simulated users.
    pub users: usize,
    /// Flows in flight at once.
    pub concurrency: usize,
    /// Time of the flows.
    pub flows_time: Duration,
    /// Time of recovery and the check.
    pub recovery_time: Duration,
    /// Partner kills per instance (including the final restarts).
    pub kills: Vec<u32>,
    /// The partners' database, as printed (a SQLite file, or the run's PostgreSQL database without password).
    pub database: String,
    /// What recovery did.
    pub recovery: &'a RecoveryReport,
    /// How many invariants were broken.
    pub violations: usize,
    /// The command that reproduces the run.
    pub reproduce: String,
}

fn list(items: &[(String, u64)]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints the summary to stdout.
pub fn print(stats: &Stats, f: &RunFacts<'_>) {
    let total = f.flows_time + f.recovery_time;
    println!("==== ait-chaos summary ====");
    println!("seed           {}", f.seed);
    println!(
        "run            {} flows, {} users, {} at once: flows {:.1} s, recovery + check {:.1} s, total {:.1} s",
        f.flows,
        f.users,
        f.concurrency,
        f.flows_time.as_secs_f64(),
        f.recovery_time.as_secs_f64(),
        total.as_secs_f64()
    );
    println!(
        "partner        {} instance{} on {}",
        f.kills.len(),
        if f.kills.len() == 1 { "" } else { "s" },
        f.database
    );
    println!("flows by kind  {}", list(&stats.with_prefix("flow:")));
    let fallbacks = stats.with_prefix("fallback:");
    if !fallbacks.is_empty() {
        println!(
            "  fallbacks    {} (nothing to refund yet)",
            list(&fallbacks)
        );
    }
    println!(
        "  iap          interrupted purchases {}, grants abandoned by the page {}, not granted and left pending {}, restored in-run {}, restores with nothing pending {}, decide conflicts {}, store refunds ok {}",
        stats.get("interrupted-purchases"),
        stats.get("grants-abandoned"),
        stats.get("not-granted-left-pending"),
        stats.get("restored"),
        stats.get("restores-nothing-pending"),
        stats.get("decide-conflicts"),
        stats.get("syncs-ok")
    );
    println!("page outcomes  {}", list(&stats.with_prefix("outcome:")));
    for (code, message) in stats.samples() {
        println!("  e.g. {code}: {message}");
    }
    println!("faults armed   {}", list(&stats.with_prefix("fault:")));
    println!("  on endpoint  {}", list(&stats.with_prefix("fault-on:")));
    let fired: Vec<(String, u64)> = f
        .recovery
        .faults_fired
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    println!(
        "faults fired   {} (as counted by the sandbox)",
        list(&fired)
    );
    let per_instance = if f.kills.len() > 1 {
        let each: Vec<String> = f
            .kills
            .iter()
            .enumerate()
            .map(|(i, k)| format!("#{} {k}", i + 1))
            .collect();
        format!(" [{}]", each.join(", "))
    } else {
        String::new()
    };
    println!(
        "kills          {}{per_instance} kill -9 + restart of the partner (including the final one{}; {} held inside a Toss call, {} at a flow's end)",
        f.kills.iter().sum::<u32>(),
        if f.kills.len() > 1 { " of each, one instance down at a time" } else { "" },
        stats.get("kills-inside-toss-call"),
        stats.get("kills-at-flow-end")
    );
    println!("double taps    {}", list(&stats.with_prefix("double-tap:")));
    if f.kills.len() > 1 {
        println!(
            "  across       every double tap split over two instances; grants also sent to two at once {}",
            stats.get("cross-grants")
        );
    }
    println!(
        "page side      retries {}, resent after no answer {} (to another instance {}), logins again {}, rate limited {}",
        stats.get("page-retries"),
        stats.get("transport-retries"),
        stats.get("sent-to-another-instance"),
        stats.get("relogins"),
        stats.get("rate-limited")
    );
    println!(
        "recovery       pending orders restored {} (refused {}), unknown payments settled {} (unsettled {}), partner settled after {:.1} s",
        f.recovery.restored,
        f.recovery.restore_refused,
        f.recovery.unknown_settled,
        f.recovery.unknown_unsettled,
        f.recovery.settle_secs
    );
    println!("violations     {}", f.violations);
    println!("reproduce      {}", f.reproduce);
}
