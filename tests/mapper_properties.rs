//! Robustness of every mapper against answers nobody documented: arbitrary JSON in the
//! payload, arbitrary bytes in the body, any HTTP status. The property is the same everywhere:
//! no panic, and an error that names the exchange. (What a mutated documented answer may claim
//! is in `tests/open_world.rs`.)
//!
//! Runs offline through `ExchangeId::key_info_from_answer` (the adapter's own reading of an
//! answer: error codes, envelope, mapping, scrubbing) and through the public per-exchange
//! `map_key_info` / `map_sub_account_key` functions.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use exchange_keys::testkit::{self, Scenario};
use exchange_keys::{Error, ExchangeId, KeyInfo};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Statuses an exchange answers with: success, the client and server errors the code tables
/// name, and whatever else a proxy in between may send.
const STATUSES: [u16; 12] = [200, 201, 204, 302, 400, 401, 403, 404, 418, 429, 500, 503];

/// Every object key and string value of every inspectable exchange's scenario answers: the
/// words the mappers look for, so arbitrary JSON reaches the branches that read them.
static VOCABULARY: LazyLock<Vec<String>> = LazyLock::new(|| {
    fn collect(value: &Value, words: &mut BTreeSet<String>) {
        match value {
            Value::String(text) => {
                words.insert(text.clone());
                // Comma-separated token lists (OKX's `perm`) also contribute their tokens.
                words.extend(text.split(',').map(|token| token.trim().to_owned()));
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, words)),
            Value::Object(fields) => {
                for (name, field) in fields {
                    words.insert(name.clone());
                    collect(field, words);
                }
            }
            _ => {}
        }
    }
    let mut words = BTreeSet::new();
    for id in testkit::inspectable_exchanges() {
        for scenario in Scenario::ALL {
            collect(
                &testkit::scenario_answer(id, scenario).unwrap().body,
                &mut words,
            );
        }
    }
    words.extend(
        [
            "",
            " ",
            "*",
            "0.0.0.0/0",
            "::/0",
            "127.0.0.1",
            "10.0.0.0/8",
            "2001:db8::/32",
            "300.1.2.3",
            "read",
            "READ_ONLY",
            " Trade ",
            "withdraw",
            "true",
            "false",
            "0",
            "1",
            "-1",
            "null",
            "1e400",
            "2024-02-30T25:61:61Z",
            "99999999999999999999",
            "ключ",
            "🔑",
            "\u{0}",
            "\u{202e}",
        ]
        .map(str::to_owned),
    );
    words.into_iter().collect()
});

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(VOCABULARY.clone()),
        1 => any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Non-finite floats have no JSON form; `Number::from_f64` refuses them.
        any::<f64>().prop_map(|float| Number::from_f64(float).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE
        ])
        .prop_map(|float| Value::Number(Number::from_f64(float).unwrap())),
        Just(Value::from(u64::MAX)),
        Just(Value::from(i64::MIN)),
    ]
}

/// Arbitrary JSON whose objects mostly use the keys the mappers read.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An exchange whose API describes a key; `None` in a build with none of them (Bitstamp alone),
/// where every property holds vacuously.
fn exchange() -> BoxedStrategy<Option<ExchangeId>> {
    let inspectable = testkit::inspectable_exchanges();
    if inspectable.is_empty() {
        return Just(None).boxed();
    }
    prop::sample::select(inspectable).prop_map(Some).boxed()
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(STATUSES.to_vec()),
        1 => 100u16..600,
    ]
}

fn read(id: ExchangeId, status: u16, body: &[u8]) -> exchange_keys::Result<KeyInfo> {
    let credentials = testkit::credentials(id).unwrap();
    id.key_info_from_answer(status, body, Some(&credentials))
}

/// An error from reading `id`'s answer says which exchange it is about, in its value and in
/// its message.
fn names_the_exchange(id: ExchangeId, error: &Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.exchange(), Some(id), "{}", error);
    prop_assert!(
        error.to_string().starts_with(&format!("{id}:")),
        "the message does not start with the exchange: {error}"
    );
    Ok(())
}

/// `id`'s documented answer with `payload` put where the key information sits.
fn with_payload(id: ExchangeId, payload: Value) -> Value {
    let mut body = testkit::scenario_answer(id, Scenario::DocumentedExample)
        .unwrap()
        .body;
    let pointer = testkit::payload_pointer(id).unwrap();
    match body.pointer_mut(pointer) {
        Some(slot) => *slot = payload,
        None => unreachable!("{id}: the documented answer has no {pointer}"),
    }
    body
}

/// `id`'s documented answer with `fields` written over fields of its payload (where the
/// payload is an object): known keys with values of any type.
fn overwritten(id: ExchangeId, fields: Map<String, Value>) -> Value {
    let mut body = testkit::scenario_answer(id, Scenario::DocumentedExample)
        .unwrap()
        .body;
    let pointer = testkit::payload_pointer(id).unwrap();
    if let Some(Value::Object(payload)) = body.pointer_mut(pointer) {
        payload.extend(fields);
    }
    body
}

fn payload_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((prop::sample::select(VOCABULARY.clone()), json()), 1..6)
        .prop_map(|fields| fields.into_iter().collect())
}

/// Bodies that are not JSON at all, or not whole.
fn not_json(id: ExchangeId) -> impl Strategy<Value = Vec<u8>> {
    let documented = testkit::scenario_answer(id, Scenario::DocumentedExample)
        .unwrap()
        .body
        .to_string()
        .into_bytes();
    let length = documented.len();
    prop_oneof![
        // Cut anywhere before the end: a dropped connection.
        (0..length).prop_map(move |cut| documented[..cut].to_vec()),
        Just(
            b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>".to_vec()
        ),
        Just(b"<!DOCTYPE html><html><body>Attention Required! | Cloudflare</body></html>".to_vec()),
        Just(b"\xef\xbb\xbf{\"code\":0}".to_vec()),
        Just(b"\xff\xfe\x00{".to_vec()),
        "[^{\\[]{0,40}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 384,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any JSON as the whole body, with any status: no panic; an error names the exchange.
    #[test]
    fn any_json_body_maps_or_names_the_exchange(
        id in exchange(),
        status in status(),
        body in json(),
    ) {
        let Some(id) = id else { return Ok(()) };
        if let Err(error) = read(id, status, body.to_string().as_bytes()) {
            names_the_exchange(id, &error)?;
        }
    }

    /// Any JSON where the key information sits, inside the exchange's own success envelope:
    /// the mapper itself sees it.
    #[test]
    fn any_json_payload_maps_or_names_the_exchange(
        id in exchange(),
        status in status(),
        payload in json(),
    ) {
        let Some(id) = id else { return Ok(()) };
        let body = with_payload(id, payload);
        if let Err(error) = read(id, status, body.to_string().as_bytes()) {
            names_the_exchange(id, &error)?;
        }
    }

    /// The documented payload with some of its fields (or new ones with known names) holding
    /// values of any type.
    #[test]
    fn known_fields_of_any_type_map_or_name_the_exchange(
        id in exchange(),
        fields in payload_fields(),
    ) {
        let Some(id) = id else { return Ok(()) };
        let body = overwritten(id, fields);
        if let Err(error) = read(id, 200, body.to_string().as_bytes()) {
            names_the_exchange(id, &error)?;
        }
    }

    /// Bytes that are not a JSON document: a clear error naming the exchange, whatever the
    /// status; with a success status, a decode error.
    #[test]
    fn bytes_that_are_not_json_fail_clearly(
        (id, body) in exchange().prop_flat_map(|id| match id {
            Some(id) => (Just(Some(id)), not_json(id).boxed()),
            None => (Just(None), Just(Vec::new()).boxed()),
        }),
        status in status(),
    ) {
        let Some(id) = id else { return Ok(()) };
        // Random bytes are now and then a JSON document ("7"); those go through the mapper.
        let is_json = serde_json::from_slice::<Value>(&body).is_ok();
        match read(id, status, &body) {
            Ok(_) => prop_assert!(is_json, "{id}: {body:?} mapped to a key"),
            Err(error) => {
                names_the_exchange(id, &error)?;
                if status == 200 && !is_json {
                    prop_assert!(
                        matches!(error, Error::Decode { .. }),
                        "{id}: a 200 that is not JSON gave {error}"
                    );
                }
            }
        }
    }
}

/// The public per-exchange mapping functions, on arbitrary JSON: no panic, and an error names
/// the exchange. Each line runs only in builds with that exchange.
macro_rules! offline_mappers {
    ($($feature:literal => $test:ident: $exchange:expr, |$value:ident| $call:expr;)*) => {
        $(
            #[cfg(feature = $feature)]
            proptest! {
                #![proptest_config(ProptestConfig {
                    cases: 64,
                    failure_persistence: None,
                    ..ProptestConfig::default()
                })]

                #[test]
                fn $test($value in json()) {
                    let outcome: exchange_keys::Result<KeyInfo> = $call;
                    if let Err(error) = outcome {
                        names_the_exchange($exchange, &error)?;
                    }
                }
            }
        )*
    };
}

offline_mappers! {
    "binance" => binance_map_key_info: ExchangeId::Binance,
        |value| exchange_keys::exchanges::binance::map_key_info(&value);
    "okx" => okx_map_key_info: ExchangeId::Okx,
        |value| exchange_keys::exchanges::okx::map_key_info(&value);
    "okx" => okx_map_sub_account_key: ExchangeId::Okx,
        |value| exchange_keys::exchanges::okx::map_sub_account_key(&value, &value);
    "bybit" => bybit_map_key_info: ExchangeId::Bybit,
        |value| exchange_keys::exchanges::bybit::map_key_info(&value);
    "kraken" => kraken_map_key_info: ExchangeId::Kraken,
        |value| exchange_keys::exchanges::kraken::map_key_info(&value);
    "coinbase" => coinbase_map_key_info: ExchangeId::Coinbase,
        |value| exchange_keys::exchanges::coinbase::map_key_info(&value);
    "deribit" => deribit_map_key_info: ExchangeId::Deribit,
        |value| exchange_keys::exchanges::deribit::map_key_info(&value);
    "kraken-futures" => kraken_futures_map_key_info: ExchangeId::KrakenFutures,
        |value| exchange_keys::exchanges::kraken_futures::map_key_info(&value);
    "mexc" => mexc_map_key_info: ExchangeId::Mexc,
        |value| exchange_keys::exchanges::mexc::map_key_info(&value);
    "mexc" => mexc_map_sub_account_key: ExchangeId::Mexc,
        |value| exchange_keys::exchanges::mexc::map_sub_account_key("sub-account", &value);
    "bingx" => bingx_map_key_info: ExchangeId::Bingx,
        |value| exchange_keys::exchanges::bingx::map_key_info(&value);
    "gate" => gate_map_key_info: ExchangeId::Gate,
        |value| exchange_keys::exchanges::gate::map_key_info(&value);
    "gate" => gate_map_sub_account_key: ExchangeId::Gate,
        |value| exchange_keys::exchanges::gate::map_sub_account_key(&value, "10000001");
    "htx" => htx_map_key_info: ExchangeId::Htx,
        |value| exchange_keys::exchanges::htx::map_key_info(&value);
    "kucoin" => kucoin_map_key_info: ExchangeId::Kucoin,
        |value| exchange_keys::exchanges::kucoin::map_key_info(&value);
    "bitget" => bitget_map_key_info: ExchangeId::Bitget,
        |value| exchange_keys::exchanges::bitget::map_key_info(&value);
    "bitget" => bitget_map_sub_account_key: ExchangeId::Bitget,
        |value| exchange_keys::exchanges::bitget::map_sub_account_key(&value);
    "gemini" => gemini_map_key_info: ExchangeId::Gemini,
        |value| exchange_keys::exchanges::gemini::map_key_info(&value);
    "bitfinex" => bitfinex_map_key_info: ExchangeId::Bitfinex,
        |value| exchange_keys::exchanges::bitfinex::map_key_info(&value);
}
