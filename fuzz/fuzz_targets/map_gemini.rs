//! The key-information mapper of Gemini: `gemini::map_key_info`, alone and behind the answer decoder.
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::gemini;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(ExchangeId::Gemini, gemini::map_key_info, data);
});
