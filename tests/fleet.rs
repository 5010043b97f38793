//! Fleet verification: many keys at bounded concurrency, pulled lazily, streamed back in
//! completion order, cancellable, each exchange within one shared rate limit, and one key's
//! failure never stopping the rest.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use exchange_keys::audit::fleet::{Checked, Fleet, FleetKey};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AdapterBuilder, AuthReason, Capabilities, CredentialForm, Credentials, Error, ExchangeId,
    KeyAdapter, KeyInfo, RateLimit, Reported, RetryPolicy,
};
use futures_util::StreamExt;
use secrecy::ExposeSecret;

/// One read-only simulated exchange per exchange of this build whose API describes a key.
async fn read_only_simulators() -> Vec<SimulatedExchange> {
    let mut sims = Vec::new();
    for id in exchange_keys::testkit::inspectable_exchanges() {
        sims.push(
            SimulatedExchange::start(id, Scenario::ReadOnly)
                .await
                .unwrap(),
        );
    }
    sims
}

/// A configure hook sending each exchange's adapters to its simulator, with no retries and no
/// client-side rate limit (the simulators have none to protect).
fn route_to(sims: &[SimulatedExchange]) -> impl Fn(AdapterBuilder) -> AdapterBuilder + Send + Sync {
    let urls: HashMap<ExchangeId, String> =
        sims.iter().map(|s| (s.exchange(), s.base_url())).collect();
    move |builder| {
        let url = urls.get(&builder.exchange()).cloned().unwrap_or_default();
        builder
            .base_url(url)
            .retry(RetryPolicy::none())
            .rate_limit(None)
    }
}

/// `credentials` under another public key. A simulator answers any key with its scenario, but
/// refuses one it was told is revoked: that is how one key of many gets refused.
fn renamed(credentials: &Credentials, api_key: &str) -> Credentials {
    let secret = credentials.secret().expose_secret().to_owned();
    let renamed = match credentials.form() {
        CredentialForm::CoinbaseCdp => Credentials::coinbase_cdp(api_key, secret),
        _ => Credentials::new(api_key, secret),
    };
    match credentials.passphrase() {
        Some(passphrase) => renamed.with_passphrase(passphrase.expose_secret().to_owned()),
        None => renamed,
    }
}

fn index_of(reference: &str) -> usize {
    reference
        .strip_prefix("key-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a reference that was never sent: {reference}"))
}

fn is_refusal(error: &Error) -> bool {
    matches!(
        error.auth_reason(),
        Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
    )
}

fn assert_read_only(checked: &Checked) {
    match &checked.outcome {
        Ok(info) => {
            assert_eq!(info.exchange, checked.exchange, "{}", checked.reference);
            assert_eq!(
                info.is_read_only(),
                Reported::Known(true),
                "{}",
                checked.reference
            );
        }
        Err(error) => panic!("{} ({}): {error}", checked.reference, checked.exchange),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_keys_across_every_exchange_come_back_once_each_within_the_bound() {
    const KEYS: usize = 10_000;
    const CONCURRENCY: usize = 64;
    let sims = read_only_simulators().await;
    let exchanges: Vec<(ExchangeId, Credentials)> = sims
        .iter()
        .map(|s| (s.exchange(), s.credentials()))
        .collect();
    let refused = |i: usize| i % 10 == 3;
    for i in (0..KEYS).filter(|&i| refused(i)) {
        sims[i % sims.len()].with_state(|state| state.revoke(&format!("revoked-{i}")));
    }

    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let keys = (0..KEYS).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        let (exchange, credentials) = &exchanges[i % exchanges.len()];
        FleetKey {
            reference: format!("key-{i}"),
            exchange: *exchange,
            credentials: if refused(i) {
                renamed(credentials, &format!("revoked-{i}"))
            } else {
                credentials.clone()
            },
        }
    });

    let started = Instant::now();
    let fleet = Fleet::new()
        .concurrency(CONCURRENCY)
        .configure(route_to(&sims));
    let mut results = pin!(fleet.check(keys));
    let mut seen = vec![false; KEYS];
    let (mut received, mut most_in_flight) = (0, 0);
    while let Some(checked) = results.next().await {
        received += 1;
        // Taken from the input and not yet returned, this result included: an upper bound on
        // the keys in flight when it finished.
        let in_flight = pulled.load(Ordering::SeqCst) - received + 1;
        assert!(in_flight <= CONCURRENCY, "{in_flight} keys in flight");
        most_in_flight = most_in_flight.max(in_flight);

        let i = index_of(&checked.reference);
        assert!(!seen[i], "{} came back twice", checked.reference);
        seen[i] = true;
        assert_eq!(checked.exchange, sims[i % sims.len()].exchange());
        if refused(i) {
            match &checked.outcome {
                Err(error) => assert!(is_refusal(error), "{}: {error}", checked.reference),
                Ok(info) => panic!("{}: a revoked key passed: {info:?}", checked.reference),
            }
        } else {
            assert_read_only(&checked);
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{KEYS} keys across {} exchanges at concurrency {CONCURRENCY}: {elapsed:?}",
        sims.len()
    );

    assert_eq!(received, KEYS);
    assert!(seen.iter().all(|&s| s));
    assert_eq!(
        most_in_flight, CONCURRENCY,
        "the fleet filled every slot while keys were waiting"
    );
    // Every key reached its simulator, and no call was sent twice: the first call of an
    // inspection (the key-information call, or a lookup before it such as HTX's uid) was
    // received once per key, and no call more often.
    for (n, sim) in sims.iter().enumerate() {
        let expected = (0..KEYS).filter(|i| i % sims.len() == n).count();
        let mut per_path = std::collections::HashMap::new();
        for request in sim.received_requests().await {
            *per_path.entry(request.path).or_insert(0usize) += 1;
        }
        assert_eq!(
            per_path.values().copied().max(),
            Some(expected),
            "{}: {per_path:?}",
            sim.exchange()
        );
    }
}

/// Counts the calls in flight around a real adapter's `key_info`, cancellation included.
#[derive(Debug)]
struct Gauge {
    inner: Option<Arc<dyn KeyAdapter>>,
    exchange: ExchangeId,
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

/// Takes one off the gauge when a call ends, however it ends (a cancelled call is dropped).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl KeyAdapter for Gauge {
    fn exchange(&self) -> ExchangeId {
        self.exchange
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
    }

    async fn key_info(&self) -> exchange_keys::Result<KeyInfo> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let _in_flight = InFlight(self.now.clone());
        match &self.inner {
            Some(inner) => {
                // Long enough for the other calls to overlap this one if the fleet lets them.
                tokio::time::sleep(Duration::from_millis(2)).await;
                inner.key_info().await
            }
            // A call that never ends: only cancellation takes it out of flight.
            None => std::future::pending().await,
        }
    }
}

#[derive(Clone)]
struct Gauges {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Gauges {
    fn new() -> Self {
        Gauges {
            now: Arc::new(AtomicUsize::new(0)),
            most: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn wrap(
        &self,
        exchange: ExchangeId,
        inner: Option<Arc<dyn KeyAdapter>>,
    ) -> Arc<dyn KeyAdapter> {
        Arc::new(Gauge {
            inner,
            exchange,
            now: self.now.clone(),
            most: self.most.clone(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapters_run_in_parallel_up_to_the_limit_and_never_beyond() {
    const CONCURRENCY: usize = 8;
    let sims = read_only_simulators().await;
    let gauges = Gauges::new();
    let adapters: Vec<(usize, Arc<dyn KeyAdapter>)> = (0..400)
        .map(|i| {
            let sim = &sims[i % sims.len()];
            (i, gauges.wrap(sim.exchange(), Some(sim.adapter().unwrap())))
        })
        .collect();

    let results: Vec<(usize, exchange_keys::Result<KeyInfo>)> = Fleet::new()
        .concurrency(CONCURRENCY)
        .check_adapters(adapters)
        .collect()
        .await;

    assert_eq!(results.len(), 400);
    let mut seen = vec![false; 400];
    for (i, outcome) in results {
        assert!(
            !std::mem::replace(&mut seen[i], true),
            "{i} came back twice"
        );
        let info = outcome.unwrap_or_else(|e| panic!("{i}: {e}"));
        assert_eq!(info.exchange, sims[i % sims.len()].exchange());
    }
    assert_eq!(
        gauges.most.load(Ordering::SeqCst),
        CONCURRENCY,
        "exactly `concurrency` calls overlapped at the peak"
    );
    assert_eq!(gauges.now.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn keys_are_pulled_only_as_slots_free_up_even_from_an_endless_input() {
    const CONCURRENCY: usize = 8;
    let sims = read_only_simulators().await;
    let (exchange, credentials) = (sims[0].exchange(), sims[0].credentials());
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // Endless: collecting it would never finish.
    let keys = (0_u64..).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        FleetKey {
            reference: format!("key-{i}"),
            exchange,
            credentials: credentials.clone(),
        }
    });

    let fleet = Fleet::new()
        .concurrency(CONCURRENCY)
        .configure(route_to(&sims));
    let mut results = pin!(fleet.check(keys));
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        0,
        "nothing is pulled before the stream is read"
    );
    for k in 1..=200 {
        let checked = results.next().await.unwrap();
        assert_read_only(&checked);
        let pulled = pulled.load(Ordering::SeqCst);
        assert!(
            pulled <= k + CONCURRENCY,
            "{pulled} pulled after {k} results"
        );
    }
}

#[tokio::test]
async fn a_concurrency_of_zero_checks_one_key_at_a_time() {
    let sims = read_only_simulators().await;
    let (exchange, credentials) = (sims[0].exchange(), sims[0].credentials());
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let keys = (0..20).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        FleetKey {
            reference: format!("key-{i}"),
            exchange,
            credentials: credentials.clone(),
        }
    });
    let fleet = Fleet::new().concurrency(0).configure(route_to(&sims));
    let mut results = pin!(fleet.check(keys));
    let mut received = 0;
    while let Some(checked) = results.next().await {
        received += 1;
        assert_read_only(&checked);
        assert!(pulled.load(Ordering::SeqCst) <= received + 1);
    }
    assert_eq!(received, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_sends_no_further_request_and_pulls_no_further_key() {
    let sims = read_only_simulators().await;
    let sim = &sims[0];
    let (exchange, credentials) = (sim.exchange(), sim.credentials());
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let keys = (0..10_000).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        FleetKey {
            reference: format!("key-{i}"),
            exchange,
            credentials: credentials.clone(),
        }
    });
    let fleet = Fleet::new().concurrency(4).configure(route_to(&sims));
    let mut results = Box::pin(fleet.check(keys));
    for _ in 0..5 {
        assert_read_only(&results.next().await.unwrap());
    }
    drop(results);
    let pulled_at_drop = pulled.load(Ordering::SeqCst);
    assert!(pulled_at_drop <= 5 + 4, "{pulled_at_drop}");

    // Requests already on the wire when the stream was dropped may still land: let them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let settled = sim.received_requests().await.len();
    // Unchecked, the fleet would have sent hundreds of requests in this time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = sim.received_requests().await.len();
    assert_eq!(later, settled, "requests kept coming after the drop");
    // One request per key, and none for a key never pulled.
    assert!(
        later <= pulled_at_drop,
        "{later} requests for {pulled_at_drop} keys"
    );
    assert_eq!(pulled.load(Ordering::SeqCst), pulled_at_drop);
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_keys_in_flight() {
    let gauges = Gauges::new();
    let adapters = (0..100).map({
        let gauges = gauges.clone();
        move |i| (i, gauges.wrap(ExchangeId::Bybit, None))
    });
    let mut results = Box::pin(Fleet::new().concurrency(3).check_adapters(adapters));
    // The calls never end: the stream has nothing to give, but has started three.
    let waited = tokio::time::timeout(Duration::from_millis(50), results.next()).await;
    assert!(waited.is_err(), "a call that never ends returned");
    assert_eq!(gauges.now.load(Ordering::SeqCst), 3);
    drop(results);
    assert_eq!(
        gauges.now.load(Ordering::SeqCst),
        0,
        "every call in flight was dropped"
    );
    assert_eq!(gauges.most.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn take_until_ends_the_stream_on_a_shutdown_signal() {
    let gauges = Gauges::new();
    let adapters: Vec<(usize, Arc<dyn KeyAdapter>)> = (0..10)
        .map(|i| (i, gauges.wrap(ExchangeId::Okx, None)))
        .collect();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut results = Box::pin(
        Fleet::new()
            .concurrency(2)
            .check_adapters(adapters)
            .take_until(stopped),
    );
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let _ = stop.send(());
    });
    let next = tokio::time::timeout(Duration::from_secs(5), results.next())
        .await
        .expect("the signal ends the stream");
    assert!(next.is_none());
    drop(results);
    assert_eq!(gauges.now.load(Ordering::SeqCst), 0);
}

#[cfg(all(
    feature = "binance",
    feature = "okx",
    feature = "bybit",
    feature = "kraken",
    feature = "coinbase",
    feature = "deribit"
))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    ReadOnly,
    /// The exchange refuses the key.
    Refused,
    /// No adapter could be built: [`Error::Config`].
    NotBuilt,
    /// The exchange's keys cannot be inspected: no adapter in this build, or no endpoint.
    NotInspectable,
    /// Nothing answers at the exchange's address.
    Unreachable,
}

#[cfg(all(
    feature = "binance",
    feature = "okx",
    feature = "bybit",
    feature = "kraken",
    feature = "coinbase",
    feature = "deribit"
))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_key_never_stops_the_rest_and_each_failure_is_its_own() {
    let sims = read_only_simulators().await;
    let sim_of = |id: ExchangeId| sims.iter().find(|s| s.exchange() == id).unwrap();
    // An exchange this build has no adapter for, where there is one; else one whose API
    // describes no key: either way, the key cannot be inspected and says why.
    let (not_built, why_not) = match ExchangeId::ALL
        .iter()
        .copied()
        .find(|id| !id.is_supported())
    {
        Some(id) => (id, "no adapter"),
        None => (ExchangeId::Bitstamp, "no endpoint that describes a key"),
    };
    // An address nothing listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    sim_of(ExchangeId::Bybit).with_state(|state| state.revoke("revoked"));

    let mut keys = Vec::new();
    let mut expected = HashMap::new();
    let mut add = |exchange: ExchangeId, credentials: Credentials, expect: Expect| {
        let reference = format!("key-{}", keys.len());
        expected.insert(reference.clone(), expect);
        keys.push(FleetKey {
            reference,
            exchange,
            credentials,
        });
    };
    for _ in 0..10 {
        add(
            ExchangeId::Binance,
            sim_of(ExchangeId::Binance).credentials(),
            Expect::ReadOnly,
        );
        add(
            not_built,
            Credentials::new("key", "secret"),
            Expect::NotInspectable,
        );
        add(
            ExchangeId::Okx,
            sim_of(ExchangeId::Okx).credentials(),
            Expect::ReadOnly,
        );
        // OKX needs a passphrase.
        add(
            ExchangeId::Okx,
            Credentials::new("key", "secret"),
            Expect::NotBuilt,
        );
        add(
            ExchangeId::Bybit,
            sim_of(ExchangeId::Bybit).credentials(),
            Expect::ReadOnly,
        );
        let revoked = renamed(&sim_of(ExchangeId::Bybit).credentials(), "revoked");
        add(ExchangeId::Bybit, revoked, Expect::Refused);
        add(
            ExchangeId::Kraken,
            sim_of(ExchangeId::Kraken).credentials(),
            Expect::ReadOnly,
        );
        // Every Kraken secret is base64.
        add(
            ExchangeId::Kraken,
            Credentials::new("key", "not base64!"),
            Expect::NotBuilt,
        );
        // Routed below to a plain-http host off loopback, which the builder refuses.
        add(
            ExchangeId::Coinbase,
            sim_of(ExchangeId::Coinbase).credentials(),
            Expect::NotBuilt,
        );
        // Routed below to an address nothing listens on.
        add(
            ExchangeId::Deribit,
            sim_of(ExchangeId::Deribit).credentials(),
            Expect::Unreachable,
        );
    }

    let route = route_to(&sims);
    let fleet = Fleet::new()
        .concurrency(6)
        .configure(move |builder| match builder.exchange() {
            ExchangeId::Coinbase => route(builder).base_url("http://example.com"),
            ExchangeId::Deribit => route(builder).base_url(closed.clone()),
            // Refused before any request: left at its real address, never reached.
            id if id == not_built => builder,
            _ => route(builder),
        });
    let results: Vec<Checked> = fleet.check(keys).collect().await;

    assert_eq!(results.len(), expected.len());
    for checked in &results {
        let expect = expected
            .remove(&checked.reference)
            .unwrap_or_else(|| panic!("{} came back twice", checked.reference));
        let why = format!(
            "{} ({}): {:?}",
            checked.reference, checked.exchange, checked.outcome
        );
        match (expect, &checked.outcome) {
            (Expect::ReadOnly, _) => assert_read_only(checked),
            (Expect::Refused, Err(error)) => assert!(is_refusal(error), "{why}"),
            (Expect::NotBuilt, Err(Error::Config { exchange, .. })) => {
                assert_eq!(*exchange, Some(checked.exchange), "{why}");
            }
            (Expect::NotInspectable, Err(Error::Config { exchange, .. })) => {
                assert_eq!(*exchange, Some(checked.exchange), "{why}");
            }
            (Expect::NotInspectable, Err(Error::Unsupported { exchange, .. })) => {
                assert_eq!(*exchange, checked.exchange, "{why}");
            }
            (Expect::Unreachable, Err(Error::Transport { exchange, .. })) => {
                assert_eq!(*exchange, Some(checked.exchange), "{why}");
            }
            _ => panic!("expected {expect:?}: {why}"),
        }
    }
    assert!(expected.is_empty());
    let message = |reference: &str| {
        let checked = results.iter().find(|c| c.reference == reference).unwrap();
        checked.outcome.as_ref().unwrap_err().to_string()
    };
    // Each failure says what went wrong with that key.
    assert!(message("key-1").contains(why_not), "{}", message("key-1"));
    assert!(
        message("key-3").contains("passphrase"),
        "{}",
        message("key-3")
    );
    assert!(message("key-7").contains("base64"), "{}", message("key-7"));
    assert!(message("key-8").contains("http"), "{}", message("key-8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_rate_limit_is_shared_by_every_fleet_checking_an_exchange() {
    // 20 requests a second, with bursts of 20; this limit is used by no other test, so no other
    // test draws on its bucket.
    let limit = RateLimit::new(20, Duration::from_millis(1_000));
    let sims = read_only_simulators().await;
    let sim = &sims[0];
    let fleet = || {
        let route = route_to(&sims);
        Fleet::new()
            .concurrency(16)
            .configure(move |builder| route(builder).rate_limit(Some(limit)))
    };
    let keys = |fleet: &str| {
        (0..15)
            .map(|i| FleetKey {
                reference: format!("{fleet}-{i}"),
                exchange: sim.exchange(),
                credentials: sim.credentials(),
            })
            .collect::<Vec<_>>()
    };

    let started = Instant::now();
    let (a, b): (Vec<Checked>, Vec<Checked>) = futures_util::future::join(
        fleet().check(keys("a")).collect(),
        fleet().check(keys("b")).collect(),
    )
    .await;
    let elapsed = started.elapsed();

    for checked in a.iter().chain(&b) {
        assert_read_only(checked);
    }
    assert_eq!(a.len() + b.len(), 30);
    assert_eq!(sim.received_requests().await.len(), 30);
    // Either fleet alone fits its 15 requests in the burst of 20. Together, sharing one bucket,
    // the 10 beyond the burst wait for it to refill at 20 a second: 0.5 s.
    assert!(
        elapsed >= Duration::from_millis(450),
        "30 requests at 20 a second took {elapsed:?}"
    );
}

#[test]
fn debug_shows_no_secret() {
    let key = FleetKey {
        reference: "user-1".to_owned(),
        exchange: ExchangeId::Okx,
        credentials: Credentials::new("public-key-0001", "very-secret-value")
            .with_passphrase("pass-phrase-value"),
    };
    let shown = format!("{key:?}");
    assert!(shown.contains("user-1"), "{shown}");
    assert!(!shown.contains("very-secret-value") && !shown.contains("pass-phrase-value"));

    let fleet = Fleet::default().concurrency(5).configure(|builder| builder);
    let shown = format!("{fleet:?}");
    assert!(shown.contains("concurrency: 5"), "{shown}");
}
