#!/usr/bin/env bash
# Mixed load: signed-in page reads from N connections while 1,000-row invoice
# batches are ingested back to back, on a served demo company. Reports the
# reads' latency and how many batches landed. Needs wrk (Debian `wrk`).
#
#   scripts/mixed-load.sh [customers=100000] [connections=100] [seconds=30]
#
# QD_BIN=path runs another build (e.g. an older binary, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-100000}"
connections="${2:-100}"
seconds="${3:-30}"
port=18082
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
. scripts/demo-env.sh
demo_binary
demo_company "$customers"
token="$("$bin" token create --tenant demo --scopes ingest --name mixed-load --data-dir "$dir" | tail -n 1)"

# 1,000 invoices of existing customers; each round changes their amounts.
batch() {
  python3 - "$1" <<'PY'
import json, sys
r = int(sys.argv[1])
rows = [{"id": f"mixed_{i}", "customer_id": f"cus_{i + 1:06d}", "issued_at": "2026-11-01",
         "due_at": "2026-12-01", "currency": "USD", "amount": f"{100 + (i + r) % 50}.00"}
        for i in range(1000)]
print(json.dumps(rows))
PY
}

ingester=""
trap 'kill ${server:-} ${ingester} 2>/dev/null || true' EXIT
demo_serve "$port"
demo_sign_in
curl -fs -o /dev/null -H "Cookie: $cookie" "$base/"

batches="$(mktemp)"
for r in 0 1; do batch "$r" > "$batches.$r"; done
(
  r=0
  while true; do
    t0=$(date +%s%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
      -H 'content-type: application/json' --data-binary "@$batches.$((r % 2))" "$base/api/v1/invoices")
    t1=$(date +%s%N)
    echo "$code $(( (t1 - t0) / 1000000 ))" >> "$batches.log"
    r=$((r + 1))
  done
) &
ingester=$!
sleep 1
echo "== reads of / with $connections connections for ${seconds}s while ingesting 1,000-invoice batches"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' \
  "$base/" | grep -E 'Latency|50%|75%|90%|99%|Requests/sec|Non-2xx|Socket errors'
kill "$ingester" 2>/dev/null || true
wait "$ingester" 2>/dev/null || true
awk '{n++; if ($1 == 200) ok++; s += $2} END {printf "== ingest: %d batches, %d accepted, mean %.0f ms per 1,000-row batch\n", n, ok, s / n}' "$batches.log"
