//! Transport guarantees, checked against local servers: timeouts, no redirects, bounded
//! answers, `from_env`, and no secret in any log line.

mod common;

use common::builder_for;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use exchange_keys::testkit::{self, Scenario, SimulatedExchange};
use exchange_keys::{AdapterBuilder, Error, ExchangeId, RetryPolicy};
use secrecy::ExposeSecret;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn any_exchange() -> ExchangeId {
    ExchangeId::supported()[0]
}

async fn server_answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_slow_exchange_times_out_as_a_retryable_transport_error() {
    let id = any_exchange();
    let server =
        server_answering(ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let adapter = builder_for(id, &server)
        .timeout(Duration::from_millis(150))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: exchange_keys::error::TransportKind::Timeout,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(err.to_string().starts_with(&format!("{id}:")), "{err}");
}

#[tokio::test]
async fn retries_stop_at_the_retry_timeout() {
    let id = any_exchange();
    let server = server_answering(ResponseTemplate::new(503)).await;
    let adapter = builder_for(id, &server)
        .retry(RetryPolicy {
            max_retries: 50,
            min_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(40),
            retry_timeout: Duration::from_millis(150),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    let attempts = err.context().unwrap().attempts;
    assert!((2..=5).contains(&attempts), "{attempts} attempts");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        attempts as usize
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let id = any_exchange();
    let elsewhere = server_answering(ResponseTemplate::new(200)).await;
    let server = server_answering(
        ResponseTemplate::new(302).insert_header("location", format!("{}/steal", elsewhere.uri())),
    )
    .await;
    let err = builder_for(id, &server)
        .build()
        .unwrap()
        .key_info()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    assert_eq!(err.context().unwrap().http_status, Some(302));
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "signed request followed a redirect"
    );
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let id = any_exchange();
    let huge = format!("{{\"padding\":\"{}\"}}", "x".repeat(2 << 20));
    let server = server_answering(ResponseTemplate::new(200).set_body_string(huge)).await;
    let err = builder_for(id, &server)
        .build()
        .unwrap()
        .key_info()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[tokio::test]
async fn builder_from_env_reads_the_documented_variables() {
    // Uses an exchange-specific prefix no other test sets; the variables are set before any
    // thread of this test reads them.
    let id = ExchangeId::Bybit;
    if !id.is_supported() {
        return;
    }
    let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
        .await
        .unwrap();
    let credentials = sim.credentials();
    // SAFETY of the process environment: this is the only test in this binary touching BYBIT_*.
    unsafe {
        std::env::set_var("BYBIT_API_KEY", credentials.api_key());
        std::env::set_var("BYBIT_API_SECRET", credentials.secret().expose_secret());
    }
    let adapter = AdapterBuilder::from_env(id)
        .unwrap()
        .base_url(sim.base_url())
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(
        requests[0].header("x-bapi-api-key"),
        Some(credentials.api_key())
    );
}

/// Collects everything written by the `tracing` subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every adapter, every scenario and retries, logged at TRACE level by this crate and by the
/// HTTP stack underneath (reqwest's `log` records are bridged in): no secret or passphrase in
/// any line.
#[test]
fn no_secret_in_any_log_line() {
    // The only test in this binary that logs; the bridge is process-wide.
    tracing_log::LogTracer::init().unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            for id in ExchangeId::supported() {
                for scenario in Scenario::ALL {
                    let sim = SimulatedExchange::start(id, scenario).await.unwrap();
                    let adapter = sim
                        .builder()
                        .retry(RetryPolicy {
                            min_delay: Duration::from_millis(1),
                            max_delay: Duration::from_millis(2),
                            ..RetryPolicy::default()
                        })
                        .build()
                        .unwrap();
                    let _ = adapter.key_info().await;
                }
            }
        });
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("retrying"),
        "the run must exercise the retry path's logging"
    );
    assert!(
        logs.contains("reqwest"),
        "the HTTP stack's logs must be captured too"
    );
    for id in ExchangeId::supported() {
        let credentials = testkit::credentials(id).unwrap();
        assert!(
            !logs.contains(credentials.secret().expose_secret()),
            "{id}: secret in logs"
        );
        if let Some(passphrase) = credentials.passphrase() {
            assert!(
                !logs.contains(passphrase.expose_secret()),
                "{id}: passphrase in logs"
            );
        }
    }
}

#[tokio::test]
async fn adapters_of_one_host_share_the_rate_limit() {
    let id = any_exchange();
    let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
        .await
        .unwrap();
    let limit = exchange_keys::RateLimit::new(4, Duration::from_millis(400));
    let adapters: Vec<_> = (0..3)
        .map(|_| sim.builder().rate_limit(Some(limit)).build().unwrap())
        .collect();
    let start = std::time::Instant::now();
    for round in 0..3 {
        for adapter in &adapters {
            adapter
                .key_info()
                .await
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
    // 9 calls through one bucket of 4 refilled at 10/s: the last 5 wait 100 ms each.
    assert!(
        start.elapsed() >= Duration::from_millis(450),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(sim.received_requests().await.len(), 9);
}
