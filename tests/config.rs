//! No public configuration value can panic: every public constructor and builder setting, fed
//! arbitrary values, gives a value or an error.

use std::time::Duration;

use exchange_keys::clock::FixedClock;
use exchange_keys::testkit::{self, Scenario, SimulatedExchange};
use exchange_keys::{
    Credentials, Environment, ExchangeId, IpEntry, IpRestriction, Permission, RateLimit,
    RetryPolicy, UnsignedRequest,
};
use proptest::prelude::*;

fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_nanos(1)),
        (0u64..=u64::MAX, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..5_000).prop_map(Duration::from_millis),
    ]
}

fn any_exchange() -> impl Strategy<Value = ExchangeId> {
    (0..ExchangeId::ALL.len()).prop_map(|i| ExchangeId::ALL[i])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn parsers_of_text_never_panic(text in any::<String>()) {
        let _ = text.parse::<ExchangeId>();
        let _ = text.parse::<Permission>();
        let _ = IpEntry::parse(&text);
        let _ = IpRestriction::from_list(&text);
        let _ = IpRestriction::from_entries([text.as_str(), "*"]);
    }

    #[test]
    fn building_and_signing_never_panic(
        id in any_exchange(),
        key in any::<String>(),
        secret in any::<String>(),
        passphrase in any::<String>(),
        url in any::<String>(),
        timestamp in any::<i64>(),
        timeout in any_duration(),
        requests in any::<u32>(),
        per in any_duration(),
        max_retries in any::<u32>(),
        min_delay in any_duration(),
        max_delay in any_duration(),
        max_retry_after in any_duration(),
        retry_timeout in any_duration(),
        sandbox in any::<bool>(),
    ) {
        let credentials = Credentials::new(key, secret).with_passphrase(passphrase);
        let _ = format!("{credentials:?}");
        let _ = id.sign_request(
            &credentials,
            Environment::Production,
            &UnsignedRequest { method: "GET", path: "/x", query: "a=1", body: "" },
            timestamp,
        );
        let built = id
            .builder()
            .credentials(credentials)
            .base_url(url)
            .testnet(sandbox)
            .clock(FixedClock::new(timestamp))
            .timeout(timeout)
            .rate_limit(Some(RateLimit::new(requests, per)))
            .retry(RetryPolicy { max_retries, min_delay, max_delay, max_retry_after, retry_timeout })
            .build();
        if let Ok(adapter) = built {
            let _ = format!("{adapter:?}");
        }
    }
}

/// Limits and timeouts at their extremes, used for real against a simulated exchange: each
/// call ends (in an answer or an error) without a panic.
#[tokio::test]
async fn extreme_limits_and_timeouts_are_used_without_a_panic() {
    let id = ExchangeId::supported()[0];
    let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
        .await
        .unwrap();
    for (limit, timeout) in [
        (RateLimit::new(1, Duration::MAX), Duration::MAX),
        (RateLimit::new(0, Duration::ZERO), Duration::from_secs(5)),
        (
            RateLimit::new(u32::MAX, Duration::from_nanos(1)),
            Duration::ZERO,
        ),
        (
            RateLimit::new(u32::MAX, Duration::MAX),
            Duration::from_secs(5),
        ),
    ] {
        let adapter = sim
            .builder()
            .rate_limit(Some(limit))
            .timeout(timeout)
            .clock(FixedClock::new(i64::MAX))
            .build()
            .unwrap();
        for _ in 0..2 {
            // A limit of one call per `Duration::MAX` makes the second call wait "forever":
            // waiting is the configured behaviour; a panic would not be.
            let _ = tokio::time::timeout(Duration::from_millis(300), adapter.key_info()).await;
        }
    }
    let credentials = testkit::credentials(id).unwrap();
    assert!(!credentials.api_key().is_empty());
}
