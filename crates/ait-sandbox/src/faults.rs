//! Fault injection: per endpoint, for the next N calls or at a seeded rate.
//!
//! Kinds:
//! * `latency` — wait `ms` before handling the call (the call then proceeds normally);
//! * `fail` — answer a Toss `FAIL` envelope with the chosen `errorCode` instead of handling the call (nothing
//!   changes);
//! * `http5xx` — answer an HTTP 5xx status; by default instead of handling the call (nothing changes), with
//!   `afterCommit: true` after handling it (the change is committed, the client sees only the 5xx);
//! * `drop` — handle the call (the change is committed), then close the connection without any reply.

use serde::{Deserialize, Serialize};

use crate::util::XorShift;

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FaultKind {
    /// Delay the call by `ms` milliseconds.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Reply a `FAIL` envelope (billing: `code: -1`) without handling the call.
    Fail {
        /// The `errorCode` to report, e.g. `COMMON_BREAK_TIME_OF_BANK`.
        error_code: String,
        /// The `reason` (default: a sandbox message naming the fault).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// HTTP status (default 400).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// `resultType` (default `FAIL`; e.g. `HTTP_TIMEOUT`, `INTERNAL_ERROR`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result_type: Option<String>,
    },
    /// Reply an HTTP 5xx status.
    Http5xx {
        /// The status, 500–599 (default 500).
        #[serde(default = "default_5xx")]
        status: u16,
        /// Handle the call first (commit the change), then reply the 5xx.
        #[serde(default)]
        after_commit: bool,
    },
    /// Handle the call (commit the change), then close the connection without a reply.
    Drop,
}

fn default_5xx() -> u16 {
    500
}

/// A fault to add: which endpoint, what, and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultSpec {
    /// The endpoint: an `ait_api::paths` name (`make-payment`, `order/get-order-status`, …), its last path
    /// segment, its full path, or `*` for every Toss endpoint.
    pub endpoint: String,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Fire on each of the next `times` matching calls (default 1 when `rate` is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Fire on each matching call with this probability (0–1), drawn from a xorshift RNG seeded with `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Seed of the rate RNG (default 1); the same seed gives the same sequence of hits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// A fault rule in force, with its counters.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Identifier (for `DELETE /faults/{id}`).
    pub id: u64,
    /// The spec as given.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Matching calls seen since the rule was added.
    pub matched: u64,
    /// Times the fault fired.
    pub fired: u64,
    /// Firings left (for `times`), None for a rate.
    pub remaining: Option<u64>,
    #[serde(skip)]
    rng: XorShift,
}

impl FaultRule {
    fn matches(&self, endpoint: &ait_api::paths::Endpoint) -> bool {
        let e = self.spec.endpoint.as_str();
        e == "*"
            || e == endpoint.name
            || e == endpoint.path
            || endpoint.name.rsplit('/').next() == Some(e)
    }

    fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }
}

/// What the faults decided for one call.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// Total injected delay.
    pub latency_ms: u64,
    /// The fault that replaces or follows the call, if any.
    pub action: Option<FaultKind>,
}

/// Every fault rule.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
    next_id: u64,
    /// Total firings, by endpoint name.
    pub fired_by_endpoint: std::collections::BTreeMap<String, u64>,
}

impl Faults {
    /// Validates and adds a rule; returns it.
    pub fn add(&mut self, spec: FaultSpec) -> Result<FaultRule, String> {
        if spec.endpoint != "*"
            && !ait_api::paths::ALL.iter().any(|e| {
                e.name == spec.endpoint
                    || e.path == spec.endpoint
                    || e.name.rsplit('/').next() == Some(&spec.endpoint)
            })
        {
            let names: Vec<&str> = ait_api::paths::ALL.iter().map(|e| e.name).collect();
            return Err(format!(
                "unknown endpoint {:?}; use one of {} or \"*\"",
                spec.endpoint,
                names.join(", ")
            ));
        }
        match &spec.kind {
            FaultKind::Http5xx { status, .. } if !(500..=599).contains(status) => {
                return Err(format!("http5xx status must be 500-599, got {status}"))
            }
            FaultKind::Fail {
                status: Some(s), ..
            } if !(200..=599).contains(s) => {
                return Err(format!("fail status must be 200-599, got {s}"))
            }
            FaultKind::Fail { error_code, .. } if error_code.trim().is_empty() => {
                return Err("fail needs a non-empty errorCode".into())
            }
            _ => {}
        }
        let remaining = match (spec.times, spec.rate) {
            (Some(_), Some(_)) => return Err("give either times or rate, not both".into()),
            (Some(0), None) => return Err("times must be at least 1".into()),
            (Some(n), None) => Some(n),
            (None, Some(r)) if !(0.0..=1.0).contains(&r) || r.is_nan() => {
                return Err(format!("rate must be between 0 and 1, got {r}"))
            }
            (None, Some(_)) => None,
            (None, None) => Some(1),
        };
        self.next_id += 1;
        let rule = FaultRule {
            id: self.next_id,
            rng: XorShift::new(spec.seed.unwrap_or(1)),
            spec,
            matched: 0,
            fired: 0,
            remaining,
        };
        self.rules.push(rule.clone());
        Ok(rule)
    }

    /// Removes a rule; true if it existed.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        before != self.rules.len()
    }

    /// Removes every rule and counter.
    pub fn clear(&mut self) {
        self.rules.clear();
        self.fired_by_endpoint.clear();
    }

    /// The rules in force (exhausted `times` rules included, with their counters).
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Decides the faults for one call to `endpoint`. Latency rules add up; the first other rule that fires
    /// decides the action, and later non-latency rules are not consulted (so they keep their turn).
    pub fn decide(&mut self, endpoint: &ait_api::paths::Endpoint) -> Decision {
        let mut d = Decision::default();
        let mut fired = 0;
        for rule in self.rules.iter_mut() {
            if !rule.matches(endpoint) || rule.exhausted() {
                continue;
            }
            let is_latency = matches!(rule.spec.kind, FaultKind::Latency { .. });
            if !is_latency && d.action.is_some() {
                continue;
            }
            rule.matched += 1;
            let hit = match (rule.remaining, rule.spec.rate) {
                (Some(_), _) => true,
                (None, Some(rate)) => rule.rng.next_f64() < rate,
                (None, None) => true,
            };
            if !hit {
                continue;
            }
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            rule.fired += 1;
            fired += 1;
            match &rule.spec.kind {
                FaultKind::Latency { ms } => d.latency_ms += ms,
                other => d.action = Some(other.clone()),
            }
        }
        if fired > 0 {
            *self
                .fired_by_endpoint
                .entry(endpoint.name.to_string())
                .or_default() += fired;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn times_and_rate() {
        let mut f = Faults::default();
        f.add(spec(
            serde_json::json!({"endpoint":"make-payment","kind":"drop","times":2}),
        ))
        .unwrap();
        let e = &ait_api::paths::MAKE_PAYMENT;
        assert!(f.decide(e).action.is_some());
        assert!(f.decide(e).action.is_some());
        assert!(f.decide(e).action.is_none());
        assert!(f.decide(&ait_api::paths::EXECUTE_PAYMENT).action.is_none());

        let run = |seed| {
            let mut f = Faults::default();
            f.add(spec(
                serde_json::json!({"endpoint":"*","kind":"http5xx","rate":0.5,"seed":seed}),
            ))
            .unwrap();
            (0..32)
                .map(|_| f.decide(e).action.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        let hits = run(42).iter().filter(|h| **h).count();
        assert!(hits > 4 && hits < 28, "{hits}");
    }

    #[test]
    fn rejects_bad_specs() {
        let mut f = Faults::default();
        assert!(f
            .add(spec(serde_json::json!({"endpoint":"nope","kind":"drop"})))
            .is_err());
        assert!(f
            .add(spec(
                serde_json::json!({"endpoint":"*","kind":"http5xx","status":404})
            ))
            .is_err());
        assert!(f
            .add(spec(
                serde_json::json!({"endpoint":"*","kind":"drop","rate":1.5})
            ))
            .is_err());
    }
}
