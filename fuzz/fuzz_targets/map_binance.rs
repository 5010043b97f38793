//! The key-information mapper of Binance: `binance::map_key_info`, alone and behind the answer decoder.
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::binance;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(ExchangeId::Binance, binance::map_key_info, data);
});
