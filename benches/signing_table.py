#!/usr/bin/env python3
"""The signing table of benches/README.md, in one command:

    python3 benches/signing_table.py

Runs `cargo bench --bench signing -- --table` (each exchange's bare primitive and its whole
request, measured alternately) and then `benches/ccxt_signing.py --json` (ccxt's `sign()` for the
same requests; needs `pip install ccxt`), and prints one markdown table with the ratios, then the
machine it ran on. Without ccxt installed the ccxt columns say so and the rest is printed.
"""
import json
import os
import platform
import subprocess
import sys

BENCHES = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCHES)

REQUEST_TARGET = 1.5
CCXT_TARGET = 30.0


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def ours():
    run = subprocess.run(
        ["cargo", "bench", "--quiet", "--bench", "signing", "--", "--table"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
    )
    return json_lines(run.stdout)


def ccxt():
    run = subprocess.run(
        [sys.executable, os.path.join(BENCHES, "ccxt_signing.py"), "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if run.returncode != 0:
        print(f"ccxt_signing.py failed (is ccxt installed?): {run.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return {}
    return {row["exchange"]: row for row in json_lines(run.stdout)}


def us(ns):
    value = ns / 1000
    return f"{value:.3f} µs" if value < 10 else f"{value:.1f} µs" if value < 1000 else f"{value:.0f} µs"


def machine():
    def out(*command):
        try:
            return subprocess.run(command, stdout=subprocess.PIPE, text=True).stdout.strip()
        except OSError:
            return "?"

    cpu = next((line.split(":", 1)[1].strip() for line in out("lscpu").splitlines()
                if line.startswith("Model name")), platform.processor())
    memory = next((line.split()[1] for line in out("free", "-g").splitlines() if line.startswith("Mem:")), "?")
    return (f"{out('nproc')} CPUs ({cpu}), {memory} GiB RAM, {platform.system()} {platform.release()}; "
            f"{out('rustc', '--version')}; Python {platform.python_version()}")


def main():
    rows = ours()
    theirs = ccxt()
    version = next(iter(theirs.values()))["ccxt"] if theirs else None
    ccxt_head = f"ccxt {version} sign()" if version else "ccxt sign()"
    print(f"| exchange | scheme | bare primitive | ours, whole request | ours / bare (≤ {REQUEST_TARGET}x) "
          f"| {ccxt_head} | ccxt / ours (≥ {CCXT_TARGET:.0f}x) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        ratio = row["ours_ns"] / row["bare_ns"]
        mark = "" if ratio <= REQUEST_TARGET else " (missed)"
        other = theirs.get(row["exchange"])
        if other:
            ccxt_ns = other["ccxt_us"] * 1000
            speedup = ccxt_ns / row["ours_ns"]
            ccxt_cells = f"{us(ccxt_ns)} | {speedup:.0f}x{'' if speedup >= CCXT_TARGET else ' (missed)'}"
        else:
            ccxt_cells = "not run | –"
        print(f"| {row['exchange']} | {row['scheme']} | {us(row['bare_ns'])} | {us(row['ours_ns'])} "
              f"| {ratio:.2f}x{mark} | {ccxt_cells} |")
    print()
    print(f"Machine: {machine()}")


if __name__ == "__main__":
    main()
