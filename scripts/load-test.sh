#!/usr/bin/env bash
# Load test: N concurrent signed-in executives on the dashboard, with the
# health endpoint as a same-run baseline. Needs wrk (Debian `wrk`).
#
#   scripts/load-test.sh [customers=100000] [connections=200] [seconds=30]
#
# Builds the release binary, creates (or reuses) a demo company in
# target/load-demo-<customers>, serves it, signs in, and hammers the pages.
# QD_BIN=path measures another build (an older binary, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-100000}"
connections="${2:-200}"
seconds="${3:-30}"
port=18080
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
. scripts/demo-env.sh
demo_binary
demo_company "$customers"
trap 'kill ${server:-} 2>/dev/null || true' EXIT
demo_serve "$port"
demo_sign_in
# Warm the engine and the page once (the first request may wait for the build).
curl -fs -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port/"
curl -fs -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port/?range=last_12_months"

page_weight() {
  curl -fs -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$1" | wc -c
}
echo "== page weight (gzip bytes): / $(page_weight /) · app.css $(page_weight /static/app.css?v=1) · app.js $(page_weight /static/app.js?v=1)"

run() {
  echo "== $1 ($connections connections, ${seconds}s)"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: $cookie" -H 'Accept-Encoding: gzip' \
    "http://127.0.0.1:$port$1" | grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx|Socket errors'
}
run /healthz
run /
run "/?range=last_12_months"
run "/revenue?range=last_12_months"
