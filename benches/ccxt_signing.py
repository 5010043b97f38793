#!/usr/bin/env python3
"""ccxt's signing of the same key-information requests, for comparison with `cargo bench --bench signing`.

Needs `pip install ccxt` (4.5.90 was measured); not part of CI. Prints the median time per
`sign()` call, which builds the signed URL and headers the way the Rust adapters do.
"""
import statistics
import time

import ccxt


def median_us(fn, rounds=20, calls=2000):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def main():
    binance = ccxt.binance({
        "apiKey": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "secret": "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    })
    binance.milliseconds = lambda: 1499827319559
    okx = ccxt.okx({"apiKey": "k", "secret": "22582BD0CFF14C41EDBF1AB98506286D", "password": "p"})
    okx.milliseconds = lambda: 1607418537715
    bybit = ccxt.bybit({"apiKey": "XXXXXXXXXX", "secret": "test_secret"})
    bybit.milliseconds = lambda: 1658384314791
    bybit.nonce = lambda: 1658384314791

    cases = {
        "binance apiRestrictions": lambda: binance.sign("account/apiRestrictions", ["sapi"], "GET", {}),
        "okx account/config": lambda: okx.sign("account/config", ["private"], "GET", {}),
        "bybit query-api": lambda: bybit.sign("v5/user/query-api", ["private"], "GET", {}),
    }
    print(f"ccxt {ccxt.__version__}: median µs per sign() call")
    for name, fn in cases.items():
        print(f"  {name:<24} {median_us(fn):6.2f} µs")


if __name__ == "__main__":
    main()
