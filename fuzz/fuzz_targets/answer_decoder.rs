//! The answer decoder of every exchange (`ExchangeId::key_info_from_answer`): the first byte
//! picks the exchange (in `ExchangeId::ALL` order), the second the HTTP status, the rest is the
//! body, which need not be JSON.
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [exchange, status, body @ ..] = data else {
        return;
    };
    let exchange = ExchangeId::ALL[usize::from(*exchange) % ExchangeId::ALL.len()];
    let status = common::STATUSES[usize::from(*status) % common::STATUSES.len()];
    common::check(exchange, exchange.key_info_from_answer(status, body, None));
});
