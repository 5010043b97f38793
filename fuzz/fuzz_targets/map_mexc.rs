//! MEXC's mappers: the key information, and a sub-account's key (`map_sub_account_key`).
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::mexc;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(
        ExchangeId::Mexc,
        |value| {
            common::check(ExchangeId::Mexc, mexc::map_key_info(value));
            mexc::map_sub_account_key("fuzz-sub-account", value)
        },
        data,
    );
});
