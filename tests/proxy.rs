//! Signed plain-HTTP requests (loopback only) never go through a proxy, even when the
//! environment names one: the proxy would see the key, the signature and, for OKX, the
//! passphrase in clear. Its own test binary, since it sets process-wide variables.

use exchange_keys::testkit::{Scenario, SimulatedExchange};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn loopback_requests_ignore_proxy_variables() {
    let proxy = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(502))
        .mount(&proxy)
        .await;
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // Set before any client of this process is built; no other test runs in this binary.
        std::env::set_var(name, proxy.uri());
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    for id in exchange_keys::testkit::inspectable_exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
            .await
            .unwrap();
        // The builder's default client: `transport::http_client()`.
        let adapter = sim.adapter().unwrap();
        adapter
            .key_info()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        // Every request reached the exchange (HTX makes two: its uid, then the key).
        assert!(!sim.received_requests().await.is_empty(), "{id}");
    }
    assert!(
        proxy.received_requests().await.unwrap().is_empty(),
        "a signed request went through the proxy"
    );
}
