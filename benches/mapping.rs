//! Decoding and mapping the documented key-information answers, without I/O: the CPU share of
//! `key_info` that the adapter adds on top of the HTTP round trip.
//!
//! `cargo bench --bench mapping`

use divan::black_box;
use exchange_keys::exchanges::{binance, bybit, okx};
use serde_json::Value;

fn main() {
    divan::main();
}

fn fixture(exchange: &str, file: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/{exchange}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[divan::bench]
fn binance_parse_and_map(bencher: divan::Bencher) {
    let text = fixture("binance", "api_restrictions.json").to_string();
    bencher.bench(|| {
        let payload: Value = serde_json::from_str(black_box(&text)).unwrap();
        binance::map_key_info(&payload).unwrap()
    });
}

#[divan::bench]
fn okx_parse_and_map(bencher: divan::Bencher) {
    let text = fixture("okx", "account_config.json").to_string();
    bencher.bench(|| {
        let payload: Value = serde_json::from_str(black_box(&text)).unwrap();
        okx::map_key_info(&payload["data"][0]).unwrap()
    });
}

#[divan::bench]
fn bybit_parse_and_map(bencher: divan::Bencher) {
    let text = fixture("bybit", "query_api.json").to_string();
    bencher.bench(|| {
        let payload: Value = serde_json::from_str(black_box(&text)).unwrap();
        bybit::map_key_info(&payload["result"]).unwrap()
    });
}
