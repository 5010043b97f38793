//! Gate's mappers: the key information, and a sub-account's key (`map_sub_account_key`).
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::gate;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(
        ExchangeId::Gate,
        |value| {
            common::check(ExchangeId::Gate, gate::map_key_info(value));
            gate::map_sub_account_key(value, "10000001")
        },
        data,
    );
});
