//! What every fuzz target asks of the crate, whatever the bytes: no panic, an error that names
//! the exchange, and a mapped key that says which exchange answered and serializes.
// Each target uses part of this module: the decoder `STATUSES`, the mappers `mapper`.
#![allow(dead_code)]

use exchange_keys::{ExchangeId, KeyInfo, Result};
use serde_json::Value;

/// Statuses an exchange (or a proxy in front of it) answers with; the answer decoder picks one
/// by a byte of the input, so every code table row keyed on a status is reachable.
pub const STATUSES: [u16; 12] = [200, 201, 204, 302, 400, 401, 403, 404, 418, 429, 500, 503];

/// Checks one outcome of reading an answer of `exchange`.
pub fn check(exchange: ExchangeId, outcome: Result<KeyInfo>) {
    match outcome {
        Ok(info) => {
            assert_eq!(info.exchange, exchange);
            serde_json::to_string(&info).expect("a KeyInfo always serializes");
        }
        Err(error) => assert_eq!(error.exchange(), Some(exchange), "{error}"),
    }
}

/// Fuzzes one exchange's key-information mapper with `data`: as a whole answer read the way the
/// adapter reads it (envelope, error codes, mapping, scrubbing), then, when `data` is JSON,
/// `map` alone on the document and on every value one or two levels inside it, since the
/// payload sits at the top (Binance), in `result` (Bybit) or in `data/0` (OKX).
pub fn mapper(exchange: ExchangeId, map: impl Fn(&Value) -> Result<KeyInfo>, data: &[u8]) {
    check(exchange, exchange.key_info_from_answer(200, data, None));
    let Ok(answer) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check(exchange, map(&answer));
    for child in children(&answer) {
        check(exchange, map(child));
        for grandchild in children(child) {
            check(exchange, map(grandchild));
        }
    }
}

fn children(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(fields) => Box::new(fields.values()),
        _ => Box::new(std::iter::empty()),
    }
}
