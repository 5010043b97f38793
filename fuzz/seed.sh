#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the exchanges' documented answers in tests/fixtures/<exchange>/
# (success and error bodies alike). Run from anywhere; idempotent. The corpus is not committed.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures

# ExchangeId::ALL order: the answer decoder's first input byte picks the exchange by this index.
exchanges=(binance okx bybit coinbase kraken kraken-futures kucoin gate htx bitget mexc bingx deribit gemini bitfinex bitstamp)

for index in "${!exchanges[@]}"; do
  exchange=${exchanges[$index]}
  [ -d "$fixtures/$exchange" ] || continue
  mapper=corpus/map_${exchange//-/_}
  decoder=corpus/answer_decoder
  mkdir -p "$decoder"
  [ "$exchange" = bitstamp ] || mkdir -p "$mapper"
  for file in "$fixtures/$exchange"/*.json; do
    name=$exchange-$(basename "$file" .json)
    [ "$exchange" = bitstamp ] || cp "$file" "$mapper/$name"
    # Second byte 0: HTTP 200 (common.rs STATUSES[0]); the body's own code decides.
    { printf "\\x$(printf %02x "$index")\\x00"; cat "$file"; } > "$decoder/$name"
  done
done
for dir in corpus/*/; do
  printf '%-28s %s inputs\n' "$(basename "$dir")" "$(find "$dir" -type f | wc -l)"
done
