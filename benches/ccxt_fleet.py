#!/usr/bin/env python3
"""ccxt async (aiohttp) checking a fleet of keys against the fleet bench's local server.

Run by `cargo bench --bench fleet`, which starts the server and passes its address and the
testkit's credentials; the figure compared is keys checked per second at the same concurrency.
By hand (with a server already running):

    python3 benches/ccxt_fleet.py --url http://127.0.0.1:PORT --credentials creds.json

Each key calls its exchange's key-information endpoint through ccxt's implicit API method (the
same endpoint the Rust adapter calls), signed by ccxt, answered by the server with the same
canned answer, and parsed by ccxt. `urls['api']` of each exchange is pointed at
`<url>/<exchange id>` (the server's prefix for that exchange). One ccxt instance per key, as a
`concurrency` workers (the same bound as an `asyncio.Semaphore`) each keep one ccxt instance per
exchange and set a key's credentials on it before checking that key; instances of one exchange
share one aiohttp session (connection pool), so no key pays a new connection. This is ccxt at
its fastest: an instance built per key (ccxt binds credentials to an instance) costs far more.

Left out: exchanges ccxt has no key-information method for (kraken-futures' api-keys check).
Requires `pip install ccxt aiohttp`. `CCXT_TRACE=1` prints each call's latency to stderr.
"""

import argparse
import asyncio
import json
import re
import resource
import sys
import time

import aiohttp
import ccxt
import ccxt.async_support as ccxt_async

# exchange id -> (ccxt class, [(implicit method, params)], ...): the calls one key makes, in the
# order the Rust adapter makes them.
CALLS = {
    "binance": ("binance", [("sapi_get_account_apirestrictions", {})]),
    "okx": ("okx", [("private_get_account_config", {})]),
    "bybit": ("bybit", [("private_get_v5_user_query_api", {})]),
    "kraken": ("kraken", [("private_post_getapikeyinfo", {})]),
    "coinbase": ("coinbase", [("v3_private_get_brokerage_key_permissions", {})]),
    "deribit": ("deribit", [("private_get_list_api_keys", {})]),
    "mexc": ("mexc", [("spot_private_get_apikeyinfo", {})]),
    "bingx": ("bingx", [("account_v1_private_get_account_apipermissions", {})]),
    "gate": ("gate", [("private_account_get_main_keys", {})]),
    "htx": (
        "htx",
        [("v2private_get_user_uid", {}), ("v2private_get_user_api_key", {"uid": "UID"})],
    ),
    "kucoin": ("kucoin", [("private_get_user_api_key", {})]),
    "bitget": ("bitget", [("private_spot_get_v2_spot_account_info", {})]),
    "gemini": ("gemini", [("private_post_v1_roles", {})]),
    "bitfinex": ("bitfinex", [("private_post_auth_r_permissions", {})]),
}
TRACE = bool(__import__("os").environ.get("CCXT_TRACE"))
LEFT_OUT = {
    "kraken-futures": "ccxt's krakenfutures has no method for /api/auth/v1/api-keys/v3/check",
}


def point_at(urls, base):
    """Every URL in `urls` with its scheme and host (templated or not) replaced by `base`."""
    if isinstance(urls, dict):
        return {k: point_at(v, base) for k, v in urls.items()}
    if isinstance(urls, str):
        return re.sub(r"^https?://[^/]+", base, urls)
    return urls


def with_digits(text, start, digits):
    """`text` with its alphanumeric characters from `start` on replaced by `digits`."""
    out, digits = [], iter(digits)
    for i, c in enumerate(text):
        out.append(next(digits, c) if i >= start and c.isascii() and c.isalnum() else c)
    return "".join(out)


def key_credentials(exchange, base, index):
    """Key `index`'s own credentials, as the Rust bench varies them (same format)."""
    digits = f"{index % 1_000_000:06d}"
    api_key, secret = base["api_key"], base["secret"]
    if exchange == "gemini" and api_key.startswith("master-"):
        # ccxt refuses Gemini master keys in sign(); the server answers either alike.
        api_key = "account-" + api_key[len("master-"):]
    if exchange == "coinbase":
        # A base64 Ed25519 seed+public key: a new one needs a key derivation; the key name varies.
        api_key = f"{api_key}-{index}"
    elif exchange != "deribit":  # Deribit's answer names the key in use: secret only.
        api_key = with_digits(api_key, max(len(api_key) - 8, 0), digits)
        secret = with_digits(secret, 4, digits)
    else:
        secret = with_digits(secret, 4, digits)
    return api_key, secret, base.get("passphrase")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--credentials", required=True)
    args = parser.parse_args()
    with open(args.credentials) as f:
        credentials = json.load(f)
    exchanges = [e for e in credentials if e in CALLS]
    left_out = [f"{e}: {LEFT_OUT.get(e, 'no ccxt mapping in this script')}"
                for e in credentials if e not in CALLS]

    sessions = {}
    for exchange in exchanges:
        sessions[exchange] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.concurrency)
        )
    prototypes = {e: getattr(ccxt_async, CALLS[e][0]) for e in exchanges}
    base_urls = {}
    for e in exchanges:
        probe = getattr(ccxt, CALLS[e][0])()
        base_urls[e] = point_at(probe.urls["api"], f"{args.url}/{e}")

    requests = 0
    failures = []
    next_key = iter(range(args.keys))

    def instance(exchange):
        client = prototypes[exchange]({
            "uid": "0",
            "session": sessions[exchange],
            "enableRateLimit": False,
        })
        client.urls["api"] = base_urls[exchange]
        return client

    # Built before the clock starts: ccxt builds an instance in tens of ms (it merges its whole
    # API description), which would otherwise be most of what is measured.
    built_at = time.perf_counter()
    pools = [{e: instance(e) for e in exchanges} for _ in range(args.concurrency)]
    build_s = time.perf_counter() - built_at

    async def worker(clients):
        """One of `concurrency` workers: checks keys one after the other, with one ccxt instance
        per exchange whose credentials it sets before each key. ccxt binds credentials to an
        instance; a fresh instance per key costs far more than the call (it made ccxt check some
        20 keys/s in a trial run here), so this is ccxt at its fastest."""
        nonlocal requests
        for index in next_key:
            exchange = exchanges[index % len(exchanges)]
            api_key, secret, passphrase = key_credentials(exchange, credentials[exchange], index)
            client = clients[exchange]
            client.apiKey, client.secret, client.password = api_key, secret, passphrase
            try:
                uid = None
                for method, params in CALLS[exchange][1]:
                    params = dict(params)
                    if params.get("uid") == "UID":
                        params["uid"] = uid
                        params["accessKey"] = api_key
                    called = time.perf_counter()
                    answer = await getattr(client, method)(params)
                    if TRACE:
                        print(f"{exchange} {method} {(time.perf_counter() - called) * 1e3:.1f} ms",
                              file=sys.stderr)
                    requests += 1
                    if isinstance(answer, dict) and "data" in answer:
                        uid = answer["data"]
            except Exception as error:  # noqa: BLE001 - reported, the bench fails on any
                failures.append(f"{exchange}: {type(error).__name__}: {error}"[:300])
        for client in clients.values():
            # Closes nothing shared: ccxt closes only a session it opened itself.
            await client.close()

    cpu_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker(clients) for clients in pools))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    for session in sessions.values():
        await session.close()
    if failures:
        print(f"{len(failures)} keys failed, e.g.:", *failures[:5], sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print("RESULT " + json.dumps({
        "ccxt": ccxt.__version__,
        "aiohttp": aiohttp.__version__,
        "python": sys.version.split()[0],
        "keys": args.keys,
        "exchanges": exchanges,
        "left_out": left_out,
        "wall_ms": wall * 1e3,
        "cpu_ms": cpu * 1e3,
        "instances": args.concurrency * len(exchanges),
        "instances_build_ms": build_s * 1e3,
        "keys_per_s": args.keys / wall,
        "requests_per_s": requests / wall,
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    asyncio.run(main())
