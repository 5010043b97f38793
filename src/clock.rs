//! Time as the signer sees it.
//!
//! Exchanges reject signed requests whose timestamp is outside a window (Binance 5 s by default,
//! OKX 30 s, Bybit 5 s). The adapter signs with [`Clock::now_ms`] plus an offset that it learns
//! from the exchange's server time after a timestamp rejection. Tests inject a [`FixedClock`] so
//! signatures are reproducible.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of the current time in milliseconds since the Unix epoch.
pub trait Clock: Debug + Send + Sync {
    /// Now, in milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> i64;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that says what it is told: for tests and reproducible signatures.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock stopped at `ms`.
    pub fn new(ms: i64) -> Self {
        FixedClock(AtomicI64::new(ms))
    }

    /// Moves the clock to `ms`.
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by `ms` (backward when negative).
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_ms(&self) -> i64 {
        (**self).now_ms()
    }
}

/// The largest clock offset learned from a server: one hour. Real drift is seconds; a clock
/// hours off is a misconfigured machine (a time zone taken for UTC) or a lying server, and is
/// reported rather than adopted.
pub const MAX_CLOCK_OFFSET_MS: i64 = 60 * 60 * 1000;

/// A clock corrected by the offset learned from an exchange's server time.
#[derive(Debug)]
pub(crate) struct CorrectedClock {
    base: Arc<dyn Clock>,
    offset_ms: AtomicI64,
}

impl CorrectedClock {
    pub(crate) fn new(base: Arc<dyn Clock>) -> Self {
        CorrectedClock {
            base,
            offset_ms: AtomicI64::new(0),
        }
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.base
            .now_ms()
            .saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Learns the offset from a server time read between `sent_ms` and `received_ms` (base
    /// clock readings), assuming the server stamped it halfway. An offset beyond
    /// [`MAX_CLOCK_OFFSET_MS`] is refused and returned as `Err(Some(offset))`; `Err(None)` when
    /// it is too large to compute.
    pub(crate) fn correct(
        &self,
        server_ms: i64,
        sent_ms: i64,
        received_ms: i64,
    ) -> Result<i64, Option<i64>> {
        let midpoint = received_ms
            .checked_sub(sent_ms)
            .and_then(|elapsed| sent_ms.checked_add(elapsed / 2))
            .ok_or(None)?;
        let offset = server_ms.checked_sub(midpoint).ok_or(None)?;
        if offset
            .checked_abs()
            .is_none_or(|abs| abs > MAX_CLOCK_OFFSET_MS)
        {
            return Err(Some(offset));
        }
        self.offset_ms.store(offset, Ordering::Relaxed);
        Ok(offset)
    }

    pub(crate) fn base_now_ms(&self) -> i64 {
        self.base.now_ms()
    }

    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance(500);
        assert_eq!(clock.now_ms(), 1_500);
        clock.set(7);
        assert_eq!(clock.now_ms(), 7);
    }

    #[test]
    fn corrected_clock_applies_the_midpoint_offset() {
        let base = Arc::new(FixedClock::new(10_000));
        let clock = CorrectedClock::new(base.clone());
        // Sent at 10_000, answered at 10_200: the server stamped 12_100, so we are 2_000 behind.
        assert_eq!(clock.correct(12_100, 10_000, 10_200), Ok(2_000));
        assert_eq!(clock.now_ms(), 12_000);
        base.advance(1);
        assert_eq!(clock.now_ms(), 12_001);
    }

    #[test]
    fn absurd_server_times_are_refused_without_overflow() {
        let clock = CorrectedClock::new(Arc::new(FixedClock::new(10_000)));
        assert_eq!(clock.correct(i64::MIN, 10_000, 10_200), Err(None));
        assert_eq!(clock.correct(i64::MAX, i64::MIN, i64::MAX), Err(None));
        let two_hours = 2 * 60 * 60 * 1000;
        assert_eq!(
            clock.correct(10_000 + two_hours, 10_000, 10_000),
            Err(Some(two_hours))
        );
        assert_eq!(
            clock.correct(10_000 + MAX_CLOCK_OFFSET_MS, 10_000, 10_000),
            Ok(MAX_CLOCK_OFFSET_MS),
            "the bound itself is accepted"
        );
        clock.correct(10_000, 10_000, 10_000).unwrap();
        assert_eq!(
            clock.offset_ms(),
            0,
            "a refused time leaves the offset alone"
        );
    }
}
