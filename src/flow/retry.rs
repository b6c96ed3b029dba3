//! Retrying transient failures: exponential backoff with full jitter, only for errors marked retryable.

use core::future::Future;

use crate::error::Error;
use crate::sdk::Sdk;

/// How often and how patiently to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff ceiling; doubles each retry.
    pub base_ms: u32,
    /// The largest backoff ceiling.
    pub max_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { attempts: 4, base_ms: 250, max_ms: 4_000 }
    }
}

/// A small deterministic generator for jitter (xorshift), seeded from the clock.
pub struct Jitter(u64);

impl Jitter {
    /// Seeds from a time in milliseconds.
    pub fn from_time(ms: f64) -> Jitter {
        Jitter((ms as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `0..=ceiling`.
    pub fn below(&mut self, ceiling: u32) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % (ceiling as u64 + 1)) as u32
    }
}

/// The ceiling of the `retry`-th backoff (0-based), before jitter.
pub fn ceiling(policy: &RetryPolicy, retry: u32) -> u32 {
    let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
    policy.base_ms.saturating_mul(factor).min(policy.max_ms)
}

/// Runs `call` until it succeeds, fails with a non-retryable error, or runs out of attempts; `on_retry` hears of
/// each retry (for `onEvent`).
pub async fn with_retries<S: Sdk, T, F, Fut>(sdk: &S, policy: &RetryPolicy, mut call: F, mut on_retry: impl FnMut(u32, &Error)) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut jitter = Jitter::from_time(sdk.now_ms());
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) if error.retryable() && attempt < policy.attempts => {
                on_retry(attempt, &error);
                sdk.sleep(jitter.below(ceiling(policy, attempt - 1))).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy { attempts: 10, base_ms: 100, max_ms: 1_000 };
        let ceilings: Vec<u32> = (0..6).map(|r| ceiling(&p, r)).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(ceiling(&p, 200), 1_000);
    }

    #[test]
    fn jitter_stays_below_the_ceiling_and_varies() {
        let mut j = Jitter::from_time(12_345.0);
        let xs: Vec<u32> = (0..100).map(|_| j.below(250)).collect();
        assert!(xs.iter().all(|x| *x <= 250));
        assert!(xs.iter().any(|x| *x != xs[0]));
    }
}
