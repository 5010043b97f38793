//! Client-side rate limiting, shared by every adapter of the process that talks to the same
//! exchange: checking thousands of keys from one address must not get that address banned.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

/// At most `requests` requests per `per`, in bursts of up to `requests`.
///
/// The defaults of each exchange stay well inside its published per-address limits, leaving room
/// for the caller's own traffic from the same address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Requests allowed per window (and the largest burst).
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`.
    pub const fn new(requests: u32, per: Duration) -> Self {
        RateLimit { requests, per }
    }

    /// `requests` per second.
    pub const fn per_second(requests: u32) -> Self {
        RateLimit::new(requests, Duration::from_secs(1))
    }

    fn refill_per_second(&self) -> f64 {
        f64::from(self.requests.max(1)) / self.per.as_secs_f64().max(1e-9)
    }
}

/// The process's limiters, by host key and limit.
type Registry = HashMap<(String, RateLimit), Arc<Limiter>>;

/// A token bucket.
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Limiter {
            limit,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(limit.requests.max(1)),
                updated: Instant::now(),
            }),
        }
    }

    /// Waits until a request of `weight` may be sent, and counts it. A weight above the bucket's
    /// size counts as the whole bucket.
    pub(crate) async fn acquire(&self, weight: u32) {
        let capacity = f64::from(self.limit.requests.max(1));
        let needed = f64::from(weight.max(1)).min(capacity);
        loop {
            let wait = {
                // A poisoned lock only means another caller panicked mid-update; the bucket
                // is still a valid pair of numbers.
                let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let rate = self.limit.refill_per_second();
                let elapsed = now.duration_since(bucket.updated).as_secs_f64();
                bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
                bucket.updated = now;
                if bucket.tokens >= needed {
                    bucket.tokens -= needed;
                    return;
                }
                // At most the time the bucket takes to refill; never a panic on a huge window.
                Duration::try_from_secs_f64((needed - bucket.tokens) / rate)
                    .unwrap_or(self.limit.per)
                    .min(self.limit.per.max(Duration::from_millis(1)))
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// The limiter shared by every adapter of the exchange named `key` with `limit`. Hosts are
    /// not told apart: an exchange counts requests per address across its hosts (Binance's
    /// `api1`…`api4`, Bybit's `api.bytick.com`).
    pub(crate) fn shared(key: &str, limit: RateLimit) -> Arc<Limiter> {
        static LIMITERS: OnceLock<Mutex<Registry>> = OnceLock::new();
        let limiters = LIMITERS.get_or_init(Default::default);
        let mut limiters = limiters.lock().unwrap_or_else(|e| e.into_inner());
        limiters
            .entry((key.to_owned(), limit))
            .or_insert_with(|| Arc::new(Limiter::new(limit)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bursts_up_to_the_limit_then_paces() {
        let limiter = Limiter::new(RateLimit::per_second(5));
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire(1).await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "a full bucket allows a burst"
        );
        for _ in 0..5 {
            limiter.acquire(1).await;
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(990), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(1_050), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_refills_but_not_beyond_the_burst() {
        let limiter = Limiter::new(RateLimit::new(2, Duration::from_secs(2)));
        limiter.acquire(1).await;
        limiter.acquire(1).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        limiter.acquire(1).await;
        limiter.acquire(1).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire(1).await;
        assert!(start.elapsed() >= Duration::from_millis(990));
    }

    #[tokio::test(start_paused = true)]
    async fn a_heavy_call_waits_for_its_weight() {
        let limiter = Limiter::new(RateLimit::per_second(10));
        let start = Instant::now();
        limiter.acquire(10).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "a full bucket pays for it");
        limiter.acquire(5).await;
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(490) && elapsed <= Duration::from_millis(520),
            "{elapsed:?}"
        );
        // A weight beyond the bucket counts as the whole bucket rather than waiting forever.
        limiter.acquire(1_000).await;
        assert!(start.elapsed() <= Duration::from_millis(1_550));
    }

    #[test]
    fn adapters_of_one_exchange_share_a_limiter() {
        let limit = RateLimit::per_second(3);
        let a = Limiter::shared("binance", limit);
        let b = Limiter::shared("binance", limit);
        let c = Limiter::shared("okx", limit);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
