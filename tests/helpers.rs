//! The helpers every adapter gets from `KeyAdapterExt`.

use std::time::Duration;

use exchange_keys::testkit::{self, Scenario, SimulatedExchange};
use exchange_keys::{ExchangeId, KeyAdapterExt, NotReadOnly, Permission};

#[tokio::test]
async fn require_read_only_accepts_only_what_the_exchange_proves_read_only() {
    for id in testkit::inspectable_exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
            .await
            .unwrap();
        let info = sim.adapter().unwrap().require_read_only().await.unwrap();
        assert_eq!(info.exchange, id);

        let sim = SimulatedExchange::start(id, Scenario::Trading)
            .await
            .unwrap();
        match sim.adapter().unwrap().require_read_only().await {
            Err(NotReadOnly::Granted { rights, .. }) => {
                // A trading key trades something (Kraken Futures trades no spot).
                let trades = [
                    Permission::SpotTrade,
                    Permission::MarginTrade,
                    Permission::FuturesTrade,
                    Permission::OptionsTrade,
                ];
                assert!(
                    trades.iter().any(|right| rights.contains(right)),
                    "{id}: {rights:?}"
                );
            }
            other => panic!("{id}: {other:?}"),
        }

        let sim = SimulatedExchange::start(id, Scenario::InvalidKey)
            .await
            .unwrap();
        let refusal = sim
            .adapter()
            .unwrap()
            .require_read_only()
            .await
            .unwrap_err();
        assert!(
            matches!(refusal, NotReadOnly::Inspection(_)),
            "{id}: {refusal}"
        );
    }
}

#[cfg(feature = "binance")]
#[tokio::test]
async fn a_right_the_exchange_does_not_report_is_a_refusal() {
    let id = ExchangeId::Binance;
    let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
        .await
        .unwrap();
    let mut body = testkit::scenario_answer(id, Scenario::ReadOnly)
        .unwrap()
        .body;
    body.as_object_mut().unwrap().remove("enableWithdrawals");
    sim.serve(testkit::CannedAnswer::ok(body)).await;
    let refusal = sim
        .adapter()
        .unwrap()
        .require_read_only()
        .await
        .unwrap_err();
    match &refusal {
        NotReadOnly::Unknown { rights, .. } => {
            assert!(rights.contains(&Permission::Withdraw), "{rights:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        refusal.to_string().contains("not proven read-only"),
        "{refusal}"
    );
}

#[tokio::test]
async fn key_info_within_gives_up_at_its_deadline() {
    let Some(id) = testkit::inspectable_exchanges().first().copied() else {
        return;
    };
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let adapter = id
        .builder()
        .base_url(server.uri())
        .credentials(testkit::credentials(id).unwrap())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = adapter
        .key_info_within(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(
        err,
        exchange_keys::Error::Transport {
            kind: exchange_keys::error::TransportKind::Timeout,
            ..
        }
    ));
}
