//! The seeded schedule: which flows run, for which users, with which fault, double tap or `kill -9`.
//!
//! Everything random about a run is drawn here, up front, from one `StdRng` seeded with the run's seed, so a seed
//! names the same list of operations and faults on every machine. With several partner instances, which instance
//! each flow starts on (and which grants go to all at once) is drawn last, so the rest of the schedule is the same
//! as with one. What the seed cannot fix is timing: flows run
//! concurrently, and which request a fault rule or a kill lands on depends on the OS scheduler, so a replay
//! reproduces the schedule, not the exact interleaving.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};

/// What a flow does, as a page (and the Toss app) would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlowKind {
    /// `payWithTossPay`: create, the payment sheet (approve or cancel), execute.
    TossPay,
    /// `purchase`: the store charges an IAP order, the page grants it, the SDK reports the outcome to Toss.
    IapPurchase,
    /// A refund of a paid TossPay payment, asked by the page.
    Refund,
    /// The store refunds a completed IAP order; the page's `/iap/sync` revokes the grant.
    StoreRefundSync,
    /// `restorePendingOrders`: grant and complete the user's orders left charged and pending.
    Restore,
}

impl FlowKind {
    /// Its name in the summary and in page outcome labels.
    pub fn name(self) -> &'static str {
        match self {
            FlowKind::TossPay => "tosspay",
            FlowKind::IapPurchase => "iap-purchase",
            FlowKind::Refund => "refund",
            FlowKind::StoreRefundSync => "store-refund-sync",
            FlowKind::Restore => "restore",
        }
    }
}

/// The partner call of a flow that a fault or a kill is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `POST /tosspay/payments`.
    Create,
    /// `POST /tosspay/payments/{orderNo}/execute`.
    Execute,
    /// `POST /iap/grants`.
    Grant,
    /// `POST /tosspay/payments/{orderNo}/refund`.
    Refund,
    /// `POST /iap/sync`.
    Sync,
}

/// What the buyer does in the TossPay payment sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    /// 결제하기: the payToken becomes `PAY_APPROVED`.
    Approve,
    /// 취소: `PAY_CANCEL`. `execute_anyway`: a stale tab still calls execute.
    Cancel {
        /// The page executes despite the cancel.
        execute_anyway: bool,
    },
}

/// A sandbox fault, as `POST {control}/faults` takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Latency above the partner's Toss timeout: the partner gives up, the sandbox still commits afterwards.
    Timeout {
        /// The delay.
        ms: u64,
    },
    /// Latency below the deadline: holds the partner inside the Toss call (so a kill lands there).
    Latency {
        /// The delay.
        ms: u64,
    },
    /// An HTTP 5xx instead of the call (nothing changes) or after it (`after_commit`: the change is made).
    Http5xx {
        /// 500–599.
        status: u16,
        /// Commit first, then answer the 5xx.
        after_commit: bool,
    },
    /// A Toss `FAIL` envelope instead of the call.
    Fail {
        /// Its `errorCode`.
        error_code: &'static str,
    },
    /// Commit, then close the connection without a reply.
    Drop,
}

impl FaultKind {
    /// Its label in the summary.
    pub fn label(&self) -> &'static str {
        match self {
            FaultKind::Timeout { .. } => "timeout",
            FaultKind::Latency { .. } => "latency",
            FaultKind::Http5xx {
                after_commit: false,
                ..
            } => "5xx",
            FaultKind::Http5xx {
                after_commit: true, ..
            } => "5xx-after-commit",
            FaultKind::Fail { .. } => "fail",
            FaultKind::Drop => "drop",
        }
    }

    /// The `kind` part of the fault spec.
    fn spec_fields(&self) -> Value {
        match self {
            FaultKind::Timeout { ms } | FaultKind::Latency { ms } => {
                json!({ "kind": "latency", "ms": ms })
            }
            FaultKind::Http5xx {
                status,
                after_commit,
            } => {
                json!({ "kind": "http5xx", "status": status, "afterCommit": after_commit })
            }
            FaultKind::Fail { error_code } => json!({ "kind": "fail", "errorCode": error_code }),
            FaultKind::Drop => json!({ "kind": "drop" }),
        }
    }
}

/// One fault on one Toss endpoint, for its next `times` matching calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// The `ait_api::paths` name (`execute-payment`, `order/get-order-status`, …).
    pub endpoint: &'static str,
    /// What happens.
    pub kind: FaultKind,
    /// On how many calls.
    pub times: u64,
}

impl Fault {
    /// The control API body.
    pub fn spec(&self) -> Value {
        let mut v = self.kind.spec_fields();
        v["endpoint"] = json!(self.endpoint);
        v["times"] = json!(self.times);
        v
    }
}

/// A `kill -9` of the partner, triggered by a flow while one of its calls is in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Kill {
    /// The call during which it happens.
    pub step: Step,
    /// Delay after the call is sent.
    pub delay_ms: u64,
    /// A latency armed on the step's Toss call, so the kill lands while the partner waits for Toss (which then
    /// commits without the partner hearing of it).
    pub hold: Option<Fault>,
}

/// One flow of the schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowPlan {
    /// Position in the schedule (also the flow's label).
    pub index: usize,
    /// What it does.
    pub kind: FlowKind,
    /// Which simulated user (index into the user list).
    pub user: usize,
    /// TossPay: index of the catalog item bought.
    pub item: usize,
    /// TossPay: how many.
    pub quantity: u32,
    /// IAP: index of the SKU bought.
    pub iap_sku: usize,
    /// TossPay: what the buyer does in the sheet.
    pub sheet: Sheet,
    /// IAP purchase: the app closes after the store charge, before the grant (the order stays pending).
    pub interrupted: bool,
    /// IAP purchase: the page gives up on the grant call after this many ms (the bridge's `grantMs` running out)
    /// while the partner is held in `get-order-status` by the armed latency.
    pub abandon_grant: Option<(u64, Fault)>,
    /// IAP purchase: when the grant failed, the SDK reports `FAILED` to Toss (true) or leaves the order pending
    /// for a restore (false, what `processProductGrant` returning false documents).
    pub not_granted_fails_order: bool,
    /// Faults armed just before the given step (a primary one, sometimes with a failing status lookup).
    pub faults: Vec<(Step, Fault)>,
    /// The step's request is sent twice at once.
    pub double_tap: bool,
    /// A `kill -9` of the partner during one of the flow's calls.
    pub kill: Option<Kill>,
    /// Picks the payment or order a refund acts on (modulo what is available when it runs).
    pub pick: u64,
    /// The partner instance the flow's first call goes to; its later calls (and a double tap's second request) go
    /// to the next instances in turn. Always 0 with one instance.
    pub instance: usize,
    /// With several instances: the flow's IAP grant is sent to two instances at once (as a double tap split across
    /// them is), even when the flow does not double-tap.
    pub cross_grant: bool,
}

/// Knobs of [`Plan::new`].
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// How many flows.
    pub flows: usize,
    /// How many simulated users.
    pub users: usize,
    /// How many `kill -9` of the partner during the flows.
    pub kills: usize,
    /// Probability that a flow arms a fault.
    pub fault_rate: f64,
    /// Probability that a flow double-taps its main call.
    pub double_tap_rate: f64,
    /// The partner's Toss call deadline (a timeout fault waits longer than this).
    pub toss_timeout_ms: u64,
    /// Catalog sizes: TossPay items and IAP SKUs.
    pub tosspay_items: usize,
    /// IAP SKUs in the catalog.
    pub iap_skus: usize,
    /// Partner instances (1: the schedule of a single partner).
    pub instances: usize,
}

/// With several instances, the share of flows whose IAP grant also goes to two instances at once.
const CROSS_GRANT_RATE: f64 = 0.25;

/// The whole schedule of a run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The seed it was drawn from.
    pub seed: u64,
    /// The flows, in start order.
    pub flows: Vec<FlowPlan>,
    /// Rate-based sandbox fault rules in force during the whole run (seeded; cleared before recovery).
    pub background: Vec<Value>,
}

/// Relative weights of the flow kinds.
const KIND_WEIGHTS: [(FlowKind, u32); 5] = [
    (FlowKind::TossPay, 35),
    (FlowKind::IapPurchase, 30),
    (FlowKind::Refund, 13),
    (FlowKind::StoreRefundSync, 10),
    (FlowKind::Restore, 12),
];

impl Plan {
    /// Draws the schedule for `seed`.
    pub fn new(seed: u64, o: PlanOptions) -> Plan {
        let mut rng = StdRng::seed_from_u64(seed);
        let total: u32 = KIND_WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut flows = Vec::with_capacity(o.flows);
        for index in 0..o.flows {
            let mut roll = rng.random_range(0..total);
            let kind = KIND_WEIGHTS
                .iter()
                .find(|(_, w)| {
                    let hit = roll < *w;
                    roll = roll.saturating_sub(*w);
                    hit
                })
                .map_or(FlowKind::TossPay, |(k, _)| *k);
            let sheet = if rng.random_bool(0.08) {
                Sheet::Cancel {
                    execute_anyway: rng.random_bool(0.5),
                }
            } else {
                Sheet::Approve
            };
            let faults = if rng.random_bool(o.fault_rate) {
                draw_faults(&mut rng, kind, o.toss_timeout_ms)
            } else {
                Vec::new()
            };
            flows.push(FlowPlan {
                index,
                kind,
                user: rng.random_range(0..o.users.max(1)),
                item: rng.random_range(0..o.tosspay_items.max(1)),
                quantity: rng.random_range(1..=3),
                iap_sku: rng.random_range(0..o.iap_skus.max(1)),
                sheet,
                interrupted: kind == FlowKind::IapPurchase && rng.random_bool(0.12),
                abandon_grant: (kind == FlowKind::IapPurchase && rng.random_bool(0.1)).then(|| {
                    let hold = o.toss_timeout_ms * 3 / 5;
                    let latency = Fault {
                        endpoint: "order/get-order-status",
                        kind: FaultKind::Latency { ms: hold },
                        times: 1,
                    };
                    (rng.random_range(hold - hold / 5..hold + hold / 5), latency)
                }),
                not_granted_fails_order: rng.random_bool(0.5),
                faults,
                double_tap: rng.random_bool(o.double_tap_rate),
                kill: None,
                pick: rng.random(),
                instance: 0,
                cross_grant: false,
            });
        }
        // Kills land on distinct flows spread over the run, away from its very start and end, mostly on the calls
        // that move money (execute, refund) or grant.
        let (lo, hi) = (o.flows / 20, o.flows - o.flows / 20);
        let mut placed = 0;
        while placed < o.kills.min(hi.saturating_sub(lo)) {
            let i = rng.random_range(lo..hi);
            let money = matches!(
                flows[i].kind,
                FlowKind::TossPay | FlowKind::Refund | FlowKind::IapPurchase
            );
            if flows[i].kill.is_some() || (!money && rng.random_bool(0.7)) {
                continue;
            }
            let step = match flows[i].kind {
                FlowKind::TossPay if rng.random_bool(0.2) => Step::Create,
                kind => *steps_of(kind).last().unwrap_or(&Step::Grant),
            };
            // Most kills land inside the Toss call: a latency below the deadline holds the partner there.
            let kill = if rng.random_bool(0.8) {
                let hold = o.toss_timeout_ms * 4 / 5;
                Kill {
                    step,
                    delay_ms: rng.random_range(hold / 5..hold * 4 / 5),
                    hold: Some(Fault {
                        endpoint: endpoint_of(step),
                        kind: FaultKind::Latency { ms: hold },
                        times: 1,
                    }),
                }
            } else {
                Kill {
                    step,
                    delay_ms: rng.random_range(0..400),
                    hold: None,
                }
            };
            flows[i].kill = Some(kill);
            placed += 1;
        }
        let background = background_faults(&mut rng, o.toss_timeout_ms);
        // Drawn last: one instance draws nothing here, so its schedule is the one it always was.
        if o.instances > 1 {
            for f in &mut flows {
                f.instance = rng.random_range(0..o.instances);
                f.cross_grant = rng.random_bool(CROSS_GRANT_RATE);
            }
        }
        Plan {
            seed,
            flows,
            background,
        }
    }
}

/// The partner calls a flow of `kind` makes (where its fault or kill can land).
pub fn steps_of(kind: FlowKind) -> &'static [Step] {
    match kind {
        FlowKind::TossPay => &[Step::Create, Step::Execute],
        FlowKind::IapPurchase | FlowKind::Restore => &[Step::Grant],
        FlowKind::Refund => &[Step::Refund],
        FlowKind::StoreRefundSync => &[Step::Sync],
    }
}

/// The Toss call a step makes first (where a kill's hold goes).
pub fn endpoint_of(step: Step) -> &'static str {
    match step {
        Step::Create => "make-payment",
        Step::Execute => "execute-payment",
        Step::Grant | Step::Sync => "order/get-order-status",
        Step::Refund => "refund-payment",
    }
}

/// A fault on a Toss endpoint the flow's partner calls use; after a money-moving call, sometimes also failing
/// status lookups (the review's reproduction: a dropped execute, then `get-payment-status` 503 twice).
fn draw_faults(rng: &mut StdRng, kind: FlowKind, timeout_ms: u64) -> Vec<(Step, Fault)> {
    let (step, fault) = draw_fault(rng, kind, timeout_ms);
    let mut out = vec![(step, fault.clone())];
    if matches!(fault.endpoint, "execute-payment" | "refund-payment") && rng.random_bool(0.5) {
        let kind = if rng.random_bool(0.5) {
            FaultKind::Http5xx {
                status: 503,
                after_commit: false,
            }
        } else {
            FaultKind::Timeout {
                ms: timeout_ms + rng.random_range(100..600),
            }
        };
        out.push((
            step,
            Fault {
                endpoint: "get-payment-status",
                kind,
                times: rng.random_range(1..=3),
            },
        ));
    }
    out
}

/// One fault on a Toss endpoint the flow's partner calls use.
fn draw_fault(rng: &mut StdRng, kind: FlowKind, timeout_ms: u64) -> (Step, Fault) {
    let (step, endpoint) = match kind {
        FlowKind::TossPay => [
            (Step::Create, "make-payment"),
            (Step::Execute, "execute-payment"),
            (Step::Execute, "execute-payment"),
            (Step::Execute, "get-payment-status"),
        ][rng.random_range(0..4)],
        FlowKind::IapPurchase | FlowKind::Restore => (Step::Grant, "order/get-order-status"),
        FlowKind::Refund => [
            (Step::Refund, "refund-payment"),
            (Step::Refund, "refund-payment"),
            (Step::Refund, "get-payment-status"),
        ][rng.random_range(0..3)],
        FlowKind::StoreRefundSync => (Step::Sync, "order/get-order-status"),
    };
    let kind = match rng.random_range(0..100) {
        0..20 => FaultKind::Timeout {
            ms: timeout_ms + rng.random_range(100..1000),
        },
        20..40 => FaultKind::Http5xx {
            status: [500, 502, 503][rng.random_range(0..3)],
            after_commit: false,
        },
        40..60 => FaultKind::Http5xx {
            status: [500, 502, 503][rng.random_range(0..3)],
            after_commit: true,
        },
        60..75 => FaultKind::Fail {
            error_code: ["COMMON_BREAK_TIME_OF_BANK", "INTERNAL_ERROR"][rng.random_range(0..2)],
        },
        _ => FaultKind::Drop,
    };
    (
        step,
        Fault {
            endpoint,
            kind,
            times: 1,
        },
    )
}

/// Rate-based rules for the whole run, each with its own seed drawn from the run's.
fn background_faults(rng: &mut StdRng, timeout_ms: u64) -> Vec<Value> {
    let mut rule = |v: Value| {
        let mut v = v;
        v["seed"] = json!(rng.random_range(1..u32::MAX as u64));
        v
    };
    vec![
        rule(json!({ "endpoint": "make-payment", "kind": "drop", "rate": 0.03 })),
        rule(json!({ "endpoint": "execute-payment", "kind": "drop", "rate": 0.03 })),
        rule(
            json!({ "endpoint": "get-payment-status", "kind": "http5xx", "status": 503, "rate": 0.05 }),
        ),
        rule(
            json!({ "endpoint": "refund-payment", "kind": "http5xx", "status": 500, "afterCommit": true, "rate": 0.05 }),
        ),
        rule(
            json!({ "endpoint": "order/get-order-status", "kind": "latency", "ms": timeout_ms + 300, "rate": 0.03 }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> PlanOptions {
        PlanOptions {
            flows: 300,
            users: 8,
            kills: 5,
            fault_rate: 0.3,
            double_tap_rate: 0.1,
            toss_timeout_ms: 500,
            tosspay_items: 4,
            iap_skus: 6,
            instances: 1,
        }
    }

    #[test]
    fn a_second_instance_changes_where_calls_go_not_the_schedule() {
        let one = Plan::new(42, opts());
        assert!(one.flows.iter().all(|f| f.instance == 0 && !f.cross_grant));
        let two = Plan::new(
            42,
            PlanOptions {
                instances: 2,
                ..opts()
            },
        );
        assert_eq!(two.background, one.background);
        for (a, b) in one.flows.iter().zip(&two.flows) {
            assert_eq!(
                FlowPlan {
                    instance: 0,
                    cross_grant: false,
                    ..b.clone()
                },
                *a
            );
        }
        let on_second = two.flows.iter().filter(|f| f.instance == 1).count();
        assert!((90..=210).contains(&on_second), "{on_second}");
        let crossed = two.flows.iter().filter(|f| f.cross_grant).count();
        assert!((40..=110).contains(&crossed), "{crossed}");
    }

    #[test]
    fn a_seed_gives_the_same_schedule_and_another_seed_another() {
        let a = Plan::new(42, opts());
        let b = Plan::new(42, opts());
        assert_eq!(a.flows, b.flows);
        assert_eq!(a.background, b.background);
        assert_ne!(Plan::new(43, opts()).flows, a.flows);
    }

    #[test]
    fn the_schedule_has_every_kind_the_kills_asked_for_and_faults_at_about_the_rate() {
        let p = Plan::new(7, opts());
        for (k, _) in KIND_WEIGHTS {
            assert!(p.flows.iter().any(|f| f.kind == k), "{k:?}");
        }
        assert_eq!(p.flows.iter().filter(|f| f.kill.is_some()).count(), 5);
        let faults = p.flows.iter().filter(|f| !f.faults.is_empty()).count();
        assert!((45..=135).contains(&faults), "{faults}");
        for f in &p.flows {
            for (step, _) in &f.faults {
                assert!(steps_of(f.kind).contains(step), "{f:?}");
            }
            if let Some(k) = &f.kill {
                assert!(steps_of(f.kind).contains(&k.step), "{f:?}");
            }
        }
    }

    #[test]
    fn a_timeout_fault_outlasts_the_partner_deadline() {
        let p = Plan::new(
            1,
            PlanOptions {
                fault_rate: 1.0,
                ..opts()
            },
        );
        for f in &p.flows {
            for (_, fault) in &f.faults {
                if let FaultKind::Timeout { ms } = fault.kind {
                    assert!(ms > 500);
                }
            }
            if let Some(Kill {
                hold:
                    Some(Fault {
                        kind: FaultKind::Latency { ms },
                        ..
                    }),
                delay_ms,
                ..
            }) = &f.kill
            {
                assert!(*ms < 500 && delay_ms < ms, "{f:?}");
            }
        }
        let spec = Fault {
            endpoint: "execute-payment",
            kind: FaultKind::Drop,
            times: 1,
        }
        .spec();
        assert_eq!(
            spec,
            json!({ "kind": "drop", "endpoint": "execute-payment", "times": 1 })
        );
    }
}
