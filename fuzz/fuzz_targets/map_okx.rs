//! OKX's mappers: the key information, and a sub-account's key (`map_sub_account_key`, given the document as both the sub-account and the key).
#![no_main]

#[path = "common.rs"]
mod common;

use exchange_keys::exchanges::okx;
use exchange_keys::ExchangeId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::mapper(
        ExchangeId::Okx,
        |value| {
            common::check(ExchangeId::Okx, okx::map_key_info(value));
            okx::map_sub_account_key(value, value)
        },
        data,
    );
});
