//! The exchange registry through the public API: ids, builder errors, redacted `Debug`.

use exchange_keys::{Credentials, Error, ExchangeId};

#[test]
fn ids_round_trip_through_text_and_serde() {
    for id in ExchangeId::ALL {
        assert_eq!(id.to_string().parse::<ExchangeId>().unwrap(), *id);
        let json = serde_json::to_string(id).unwrap();
        assert_eq!(serde_json::from_str::<ExchangeId>(&json).unwrap(), *id);
    }
    assert_eq!(ExchangeId::ALL.len(), 16);
    assert_eq!(
        "Kraken-Futures".parse::<ExchangeId>().unwrap(),
        ExchangeId::KrakenFutures
    );
    assert_eq!(ExchangeId::KrakenFutures.env_prefix(), "KRAKEN_FUTURES");
    assert!("ftx".parse::<ExchangeId>().is_err());
}

#[test]
fn unsupported_exchange_fails_to_build_with_a_clear_error() {
    // A full build has an adapter for every id: nothing to check there.
    let Some(&unbuilt) = ExchangeId::ALL.iter().find(|id| !id.is_supported()) else {
        return;
    };
    let err = unbuilt
        .builder()
        .credentials(Credentials::new("k", "s"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(
        err.to_string()
            .contains(&format!("no adapter for {}", unbuilt.display_name())),
        "{err}"
    );
}

#[test]
fn builder_debug_hides_the_secret() {
    let builder = ExchangeId::Okx
        .builder()
        .credentials(Credentials::new("key", "very-secret").with_passphrase("phrase-42"));
    let text = format!("{builder:?}");
    assert!(
        !text.contains("very-secret") && !text.contains("phrase-42"),
        "{text}"
    );
}
