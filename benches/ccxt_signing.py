#!/usr/bin/env python3
"""ccxt's `sign()` for the key-information request of every exchange, beside `benches/signing.rs`.

    pip install ccxt            # 4.5.90 was measured; not part of CI
    python3 benches/ccxt_signing.py            # a table, median µs per sign() call
    python3 benches/ccxt_signing.py --json     # one JSON object per line (benches/signing_table.py)
    python3 benches/ccxt_signing.py --show     # what each sign() builds, to check it is the same request

Each case signs the request the Rust adapter sends to inspect its key (Bitstamp: the kill switch
`revoke_all_api_keys`, its only signed call), with the same test keys and the clock frozen at the
bench's instant. `sign()` builds the URL, headers and body, as `RequestSigner::sign` does.
Kraken Futures' key check (`/api/auth/v1/api-keys/v3/check`) is not in ccxt: its nearest private
GET, `accounts`, is signed the same way (SHA-256 of the path, then HMAC-SHA512). Small
differences that do not change the work: ccxt sends Binance's `recvWindow=10000` (we send
5000), and gives Bitstamp's empty POST a dummy body `foo=bar` (we send none, as Bitstamp
documents).
"""
import json
import statistics
import sys
import time

import ccxt

# The bench's instant (benches/signing.rs `NOW_MS`).
NOW_MS = 1_700_000_000_000

# The same documented example or obviously fake keys as benches/signing.rs.
KRAKEN_SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
ED25519_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA=="
CDP_KEY_NAME = "organizations/sim-org/apiKeys/sim-key"


def es256_pem():
    """The P-256 key of benches/signing.rs (scalar 0x0707…07), as the SEC1 PEM the CDP portal hands out."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.derive_private_key(int.from_bytes(bytes([7] * 32), "big"), ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def frozen(exchange_class, config):
    exchange = exchange_class(config)
    exchange.milliseconds = lambda: NOW_MS
    exchange.seconds = lambda: NOW_MS // 1000
    exchange.nonce = lambda: NOW_MS
    return exchange


def cases():
    """(exchange id, scheme, zero-argument sign call), in the order of benches/signing.rs."""
    binance = frozen(ccxt.binance, {
        "apiKey": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "secret": "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    })
    bybit = frozen(ccxt.bybit, {"apiKey": "XXXXXXXXXX", "secret": "test_secret"})
    mexc = frozen(ccxt.mexc, {"apiKey": "mx0aBYs33eIilxBWC5", "secret": "45d0b3c26f2644f19bfb98b07741b2f5"})
    bingx = frozen(ccxt.bingx, {
        "apiKey": "test-bingx-key",
        "secret": "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI",
    })
    deribit = frozen(ccxt.deribit, {"apiKey": "aD-KFx-H", "secret": "ABCD"})
    bitstamp = frozen(ccxt.bitstamp, {"apiKey": "api_key", "secret": "api_key_secret"})
    okx = frozen(ccxt.okx, {"apiKey": "test-okx-key", "secret": "22582BD0CFF14C41EDBF1AB98506286D", "password": "test-passphrase"})
    kucoin = frozen(ccxt.kucoin, {"apiKey": "test-kucoin-key", "secret": "test_api_secret", "password": "test_passphrase"})
    bitget = frozen(ccxt.bitget, {"apiKey": "test-bitget-key", "secret": "test_secret", "password": "test-passphrase"})
    htx = frozen(ccxt.htx, {"apiKey": "e2xxxxxx-99xxxxxx-84xxxxxx-7xxxx", "secret": "b0xxxxxx-c6xxxxxx-94xxxxxx-dxxxx"})
    gemini = frozen(ccxt.gemini, {"apiKey": "account-test-gemini-key", "secret": "1234abcd"})
    bitfinex = frozen(ccxt.bitfinex, {"apiKey": "test-bitfinex-key", "secret": "bfx-test-secret"})
    kraken = frozen(ccxt.kraken, {"apiKey": "test-kraken-key", "secret": KRAKEN_SECRET})
    krakenfutures = frozen(ccxt.krakenfutures, {"apiKey": "test-kraken-futures-key", "secret": KRAKEN_SECRET})
    gate = frozen(ccxt.gate, {"apiKey": "key", "secret": "secret"})
    coinbase_es256 = frozen(ccxt.coinbase, {"apiKey": CDP_KEY_NAME, "secret": es256_pem()})
    coinbase_ed25519 = frozen(ccxt.coinbase, {"apiKey": CDP_KEY_NAME, "secret": ED25519_KEY})
    return [
        ("binance", "HMAC-SHA256 hex", lambda: binance.sign("account/apiRestrictions", ["sapi"], "GET", {})),
        ("bybit", "HMAC-SHA256 hex", lambda: bybit.sign("v5/user/query-api", ["private"], "GET", {})),
        ("mexc", "HMAC-SHA256 hex", lambda: mexc.sign("apiKeyInfo", ["spot", "private"], "GET", {})),
        ("bingx", "HMAC-SHA256 hex", lambda: bingx.sign("account/apiPermissions", ["account", "v1", "private"], "GET", {})),
        ("deribit", "HMAC-SHA256 hex", lambda: deribit.sign("list_api_keys", ["private"], "GET", {})),
        ("bitstamp", "HMAC-SHA256 hex", lambda: bitstamp.sign("revoke_all_api_keys/", ["private"], "POST", {})),
        ("okx", "HMAC-SHA256 base64", lambda: okx.sign("account/config", ["private"], "GET", {})),
        ("kucoin", "HMAC-SHA256 base64", lambda: kucoin.sign("user/api-key", ["private"], "GET", {})),
        ("bitget", "HMAC-SHA256 base64", lambda: bitget.sign("v2/spot/account/info", ["private", "spot"], "GET", {})),
        ("htx", "HMAC-SHA256 base64", lambda: htx.sign("user/api-key", ["v2Private"], "GET", {"accessKey": htx.apiKey, "uid": "123456789"})),
        ("gemini", "HMAC-SHA384 hex", lambda: gemini.sign("v1/roles", ["private"], "POST", {})),
        ("bitfinex", "HMAC-SHA384 hex", lambda: bitfinex.sign("auth/r/permissions", ["private"], "POST", {})),
        ("kraken", "SHA-256 + HMAC-SHA512", lambda: kraken.sign("GetApiKeyInfo", ["private"], "POST", {})),
        ("kraken-futures", "SHA-256 + HMAC-SHA512", lambda: krakenfutures.sign("accounts", ["private"], "GET", {})),
        ("gate", "SHA-512 + HMAC-SHA512", lambda: gate.sign("main_keys", ["private", "account"], "GET", {})),
        ("coinbase-es256", "ES256 JWT", lambda: coinbase_es256.sign("brokerage/key_permissions", ["v3", "private"], "GET", {})),
        ("coinbase-ed25519", "Ed25519 JWT", lambda: coinbase_ed25519.sign("brokerage/key_permissions", ["v3", "private"], "GET", {})),
    ]


def median_us(fn, budget_s=0.4, rounds=15):
    """Median over `rounds` batches of the time per call, each batch sized to take about
    `budget_s / rounds` (the JWT schemes take milliseconds a call, the HMAC ones microseconds)."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(budget_s / rounds / once))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    all_cases = cases()
    if mode == "--show":
        for exchange, _, fn in all_cases:
            print(exchange, json.dumps(fn(), indent=1, default=str))
        return
    if mode != "--json":
        print(f"ccxt {ccxt.__version__}, Python {sys.version.split()[0]}: median µs per sign() call")
    for exchange, scheme, fn in all_cases:
        us = median_us(fn)
        if mode == "--json":
            print(json.dumps({"exchange": exchange, "scheme": scheme, "ccxt_us": us, "ccxt": ccxt.__version__}))
        else:
            print(f"  {exchange:<18} {scheme:<22} {us:9.2f} µs")


if __name__ == "__main__":
    main()
