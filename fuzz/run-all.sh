#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 30), seeding the corpus first.
# Stops at the first target that finds a crash; its input is in artifacts/<target>/.
# Works with stable Rust (RUSTC_BOOTSTRAP=1 lets it accept libFuzzer's -Z flags). Builds go to
# $CARGO_TARGET_DIR when it is set, else to fuzz/target.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
export RUSTC_BOOTSTRAP=1
target_dir=${CARGO_TARGET_DIR:-target}
./seed.sh >/dev/null
mkdir -p logs
# AddressSanitizer by default (cargo-fuzz's default); SANITIZER=none skips it, which is faster
# and loses little: the crate has no unsafe code.
sanitizer=${SANITIZER:-address}
cargo fuzz build -s "$sanitizer" --target-dir "$target_dir"
for target in $(cargo fuzz list); do
  printf '%-22s ' "$target"
  if ! cargo fuzz run -s "$sanitizer" --target-dir "$target_dir" "$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"logs/$target.log" 2>&1; then
    echo "CRASH: see logs/$target.log and artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$')
  coverage=$(grep -o 'cov: [0-9]*' "logs/$target.log" | tail -1)
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$')
  echo "ok: $runs runs in ${seconds} s, $coverage, peak ${rss} MB"
done
