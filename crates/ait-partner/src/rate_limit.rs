//! Rate limits (governor's GCRA): `POST /login` per client IP, and the calls that reach Toss (create, execute,
//! status, refund, grants, sync) per user. Over a limit the reply is 429 `RATE_LIMITED` (retryable) with
//! `Retry-After` in seconds, and nothing is forwarded to Toss. Limits come from `Config::rate_limit`; a burst of
//! 0 turns one off.
//!
//! The client IP is the peer address (`ConnectInfo`, set by [`crate::serve`]), or the last `X-Forwarded-For`
//! entry when `rate_limit.trust_forwarded_for` is set (behind a proxy that appends it).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::app::AppState;
use crate::config::RateLimitConfig;
use crate::error::AppError;
use crate::session::Session;

/// One keyed limit, or none.
struct Limit<K: std::hash::Hash + Eq + Clone>(Option<DefaultKeyedRateLimiter<K>>);

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    fn new(burst: u32, per_minute: u32) -> Self {
        let (Some(burst), Some(per_minute)) = (NonZeroU32::new(burst), NonZeroU32::new(per_minute))
        else {
            return Limit(None);
        };
        let period = Duration::from_secs(60) / per_minute.get();
        let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
            .expect("a positive period")
            .allow_burst(burst);
        Limit(Some(RateLimiter::keyed(quota)))
    }

    /// `Ok`, or how long until the next call would pass.
    fn check(&self, key: &K) -> Result<(), Duration> {
        match &self.0 {
            None => Ok(()),
            Some(l) => l
                .check_key(key)
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    fn forget_idle(&self) {
        if let Some(l) = &self.0 {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// The server's limiters.
pub struct Limits {
    login: Limit<IpAddr>,
    toss: Limit<i64>,
    trust_forwarded_for: bool,
}

impl Limits {
    /// From the configuration.
    pub fn new(c: &RateLimitConfig) -> Self {
        Limits {
            login: Limit::new(c.login_burst, c.login_per_minute),
            toss: Limit::new(c.toss_burst, c.toss_per_minute),
            trust_forwarded_for: c.trust_forwarded_for,
        }
    }

    /// Whether one more Toss call may be made for `user_key` now (for handlers that make several, like `/iap/sync`:
    /// the middleware counts the first).
    pub fn allow_toss_call(&self, user_key: i64) -> bool {
        self.toss.check(&user_key).is_ok()
    }

    /// Drops the state of keys whose limit is back to full (call now and then, so the maps stay small).
    pub fn forget_idle(&self) {
        self.login.forget_idle();
        self.toss.forget_idle();
    }

    /// The client address of a request.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> IpAddr {
        if self.trust_forwarded_for {
            // Only the last entry is the proxy's: earlier ones are the client's to write. One that does not parse
            // (a port, a name) is not skipped for an earlier one; the peer address is used instead.
            let last = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|s| s.trim().parse::<IpAddr>().ok());
            if let Some(ip) = last {
                return ip;
            }
        }
        peer.map(|a| a.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

/// The 429 reply.
fn too_many(wait: Duration, what: &str) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut resp =
        AppError::rate_limited(format!("too many {what}; retry after {} s", secs.max(1)))
            .into_response();
    resp.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
    resp
}

/// Middleware of `POST /login`: per client IP.
pub async fn per_client_ip(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = app.limits.client_ip(req.headers(), peer);
    match app.limits.login.check(&ip) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            tracing::warn!("login rate limit reached for a client");
            too_many(wait, "login attempts")
        }
    }
}

/// Middleware of the routes that reach Toss: per user. It resolves the session (401 without one) and leaves it
/// in the request's extensions for the handler's [`Session`] extractor.
pub async fn per_user(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let session = match Session::from_request_parts(&mut parts, &app).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if let Err(wait) = app.limits.toss.check(&session.user_key) {
        tracing::warn!("per-user rate limit reached");
        return too_many(wait, "requests");
    }
    parts.extensions.insert(session);
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_with_a_wait() {
        let l: Limit<i64> = Limit::new(3, 1);
        for _ in 0..3 {
            assert!(l.check(&1).is_ok());
        }
        let wait = l.check(&1).unwrap_err();
        assert!(wait > Duration::ZERO);
        assert!(l.check(&2).is_ok(), "keys are separate");
        let off: Limit<i64> = Limit::new(0, 1);
        for _ in 0..100 {
            assert!(off.check(&1).is_ok());
        }
    }

    #[test]
    fn the_client_ip_is_the_peer_unless_the_proxy_is_trusted() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.0.0.7"),
        );
        let peer: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let plain = Limits::new(&RateLimitConfig::default());
        assert_eq!(plain.client_ip(&h, Some(peer)), peer.ip());
        let behind = Limits::new(&RateLimitConfig {
            trust_forwarded_for: true,
            ..RateLimitConfig::default()
        });
        assert_eq!(
            behind.client_ip(&h, Some(peer)),
            "10.0.0.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(behind.client_ip(&HeaderMap::new(), Some(peer)), peer.ip());
        // A last entry that does not parse never falls back to an earlier, client-written one.
        let mut forged = HeaderMap::new();
        forged.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 10.0.0.7:443"));
        assert_eq!(behind.client_ip(&forged, Some(peer)), peer.ip());
    }
}
