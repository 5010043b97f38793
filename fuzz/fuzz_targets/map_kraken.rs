//! The key-information mapper of Kraken: `kraken::map_key_info`, alone and behind the answer decoder.
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::kraken;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(ExchangeId::Kraken, kraken::map_key_info, data);
});
