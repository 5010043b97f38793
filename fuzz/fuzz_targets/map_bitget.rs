//! Bitget's mappers: the key information, and a sub-account's key (`map_sub_account_key`).
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::bitget;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(
        ExchangeId::Bitget,
        |value| {
            common::check(ExchangeId::Bitget, bitget::map_key_info(value));
            bitget::map_sub_account_key(value)
        },
        data,
    );
});
