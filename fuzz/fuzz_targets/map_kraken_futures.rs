//! The key-information mapper of KrakenFutures: `kraken_futures::map_key_info`, alone and behind the answer decoder.
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::kraken_futures;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(
        ExchangeId::KrakenFutures,
        kraken_futures::map_key_info,
        data,
    );
});
