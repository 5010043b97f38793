//! The conformance suite (`exchange_keys::testkit::conformance`), one named test per exchange
//! and check: a failure names both. An exchange added to the registry gets one more line below,
//! and runs every check unchanged.

use exchange_keys::testkit::conformance::{self, Subject};
use exchange_keys::ExchangeId;

macro_rules! checks {
    ($exchange:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                let subject = Subject::registered($exchange).unwrap();
                conformance::run(&subject, conformance::$check(&subject));
            }
        )*
    };
}

macro_rules! conformance_suite {
    ($($feature:literal => $module:ident: $exchange:expr),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            mod $module {
                use super::*;

                checks! {
                    $exchange;
                    capabilities_are_static_and_match_the_registry,
                    unavailable_operations_return_unsupported_with_a_manual_step,
                    native_operations_work,
                    writes_are_sent_exactly_once,
                    reported_fields_match_capabilities,
                    scenarios_mean_the_same_on_every_exchange,
                    no_secret_in_debug_display_or_evidence,
                    echoed_secrets_are_scrubbed_from_evidence,
                    secrets_quoted_in_error_messages_are_redacted,
                    planted_secrets_are_found_nowhere_and_change_no_mapped_value,
                    secrets_planted_in_error_codes_messages_and_request_ids_are_found_nowhere,
                    secrets_in_retried_answers_never_reach_a_log_line,
                    a_secret_equal_to_a_vendor_word_changes_no_mapped_value,
                    malformed_answers_give_clear_errors_naming_the_exchange,
                    single_field_mutations_never_panic_and_never_fail_the_key_information,
                    plain_http_is_refused_off_loopback,
                    missing_credentials_fail_at_build_time_naming_the_variables,
                    every_error_fixture_maps_to_the_class_its_table_row_claims,
                    faults_give_the_documented_error_after_the_documented_attempts_in_bounded_time,
                }
            }
        )*
    };
}

conformance_suite! {
    "binance" => binance: ExchangeId::Binance,
    "okx" => okx: ExchangeId::Okx,
    "bybit" => bybit: ExchangeId::Bybit,
    "kraken" => kraken: ExchangeId::Kraken,
    "coinbase" => coinbase: ExchangeId::Coinbase,
    "deribit" => deribit: ExchangeId::Deribit,
    "kraken-futures" => kraken_futures: ExchangeId::KrakenFutures,
    "mexc" => mexc: ExchangeId::Mexc,
    "bingx" => bingx: ExchangeId::Bingx,
    "gate" => gate: ExchangeId::Gate,
    "htx" => htx: ExchangeId::Htx,
    "kucoin" => kucoin: ExchangeId::Kucoin,
    "bitget" => bitget: ExchangeId::Bitget,
    "gemini" => gemini: ExchangeId::Gemini,
    "bitfinex" => bitfinex: ExchangeId::Bitfinex,
    "bitstamp" => bitstamp: ExchangeId::Bitstamp,
}

/// Every adapter of this build is in the suite above.
#[test]
fn every_registered_exchange_is_in_the_suite() {
    let listed = [
        #[cfg(feature = "binance")]
        ExchangeId::Binance,
        #[cfg(feature = "okx")]
        ExchangeId::Okx,
        #[cfg(feature = "bybit")]
        ExchangeId::Bybit,
        #[cfg(feature = "kraken")]
        ExchangeId::Kraken,
        #[cfg(feature = "coinbase")]
        ExchangeId::Coinbase,
        #[cfg(feature = "deribit")]
        ExchangeId::Deribit,
        #[cfg(feature = "kraken-futures")]
        ExchangeId::KrakenFutures,
        #[cfg(feature = "mexc")]
        ExchangeId::Mexc,
        #[cfg(feature = "bingx")]
        ExchangeId::Bingx,
        #[cfg(feature = "gate")]
        ExchangeId::Gate,
        #[cfg(feature = "htx")]
        ExchangeId::Htx,
        #[cfg(feature = "kucoin")]
        ExchangeId::Kucoin,
        #[cfg(feature = "bitget")]
        ExchangeId::Bitget,
        #[cfg(feature = "gemini")]
        ExchangeId::Gemini,
        #[cfg(feature = "bitfinex")]
        ExchangeId::Bitfinex,
        #[cfg(feature = "bitstamp")]
        ExchangeId::Bitstamp,
    ];
    assert_eq!(ExchangeId::supported(), listed);
}
