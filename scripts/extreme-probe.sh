#!/usr/bin/env bash
# Extreme-request probe (docs/security.md): sends the requests that once took
# the server down to a served demo company and reports, for each, the status,
# the time, the answer's size and the server's peak RSS so far. Fails when any
# answer takes 5 s or more, the peak passes 1 GB, or the server dies.
#
#   scripts/extreme-probe.sh [customers=100000]
#
# Builds the release binary, creates (or reuses) the demo in
# target/load-demo-<customers> (shared with scripts/load-test.sh), serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-100000}"
port=18081
. scripts/demo-env.sh
demo_binary
demo_company "$customers"
token="$("$bin" token create --tenant demo --scopes read --name probe --data-dir "$dir" | tail -n 1)"
share() {
  "$bin" share create --tenant demo --view "$1" --expires 1d --data-dir "$dir" | tail -n 1 | sed 's|.*/s/|/s/|'
}
shared_retention="$(share '/retention?from=1925-01-01&to=2025-12-31')"
shared_revenue="$(share '/revenue?from=1900-01-01&to=2200-12-31&interval=day')"

trap 'kill ${server:-} 2>/dev/null || true' EXIT
demo_serve "$port"
demo_sign_in
# The first read waits for the engine build; time the answers, not the build.
curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/metrics/summary"

peak_mb() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$server/status"; }
failed=0
printf '%-92s %6s %8s %10s %8s\n' request status seconds bytes peak_MB
probe() { # probe AUTH PATH
  local auth=() out code secs bytes
  case "$1" in
    token) auth=(-H "Authorization: Bearer $token") ;;
    cookie) auth=(-H "Cookie: $cookie") ;;
  esac
  out="$(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}' --max-time 60 "${auth[@]}" "$base$2" || echo "000 60 0")"
  read -r code secs bytes <<<"$out"
  if ! kill -0 "$server" 2>/dev/null; then
    echo "server died on $2" >&2
    exit 1
  fi
  printf '%-92s %6s %8s %10s %8s\n' "$2" "$code" "$secs" "$bytes" "$(peak_mb)"
  if awk -v s="$secs" 'BEGIN { exit !(s >= 5) }' || [[ "$code" == 5* || "$code" == 000 ]]; then failed=1; fi
}
m=/api/v1/metrics
probe none /healthz
probe token "$m/summary?from=2025-01-01&to=2025-12-31"
probe token "$m/cohorts?by=month&from=2025-01-01&to=9999-12-31"
probe token "$m/cohorts?by=month&from=1900-01-01&to=2200-12-31"
probe token "$m/cohorts?by=quarter&from=1900-01-01&to=2200-12-31"
probe token "$m/cohorts?by=month&from=2014-01-01&to=2025-08-31"
probe token "$m/movements?interval=day&from=0001-01-01&to=9999-12-31"
probe token "$m/movements?interval=day&from=1900-01-01&to=2200-12-31"
probe token "$m/movements?interval=day&from=2022-01-01&to=2026-02-08"
probe token "$m/series?metric=mrr&interval=day&from=1900-01-01&to=2200-12-31"
probe token "$m/series?metric=ltv&interval=day&from=2022-01-01&to=2026-02-08"
probe token "$m/series?metric=customer_churn_rate&interval=day&from=2022-01-01&to=2026-02-08"
probe token "$m/summary?from=-2026-12-30&to=2026-12-31"
probe token "$m/summary?from=1900-01-01&to=2200-12-31&compare=previous_year"
probe token "$m/movements/9999-01-01/new"
probe token "/api/v1/accounts?limit=1000000000"
probe token "/api/v1/accounts?limit=1000"
probe token "/api/v1/customers?limit=1000000000"
probe token "/api/v1/reports/executive.pdf?from=1900-01-01&to=2200-12-31"
probe token "/api/v1/reports/executive.pdf?from=2014-01-01&to=2025-08-31"
probe cookie "/retention?from=1925-01-01&to=2025-12-31"
probe cookie "/retention?from=2014-01-01&to=2025-08-31"
probe cookie "/revenue?from=1900-01-01&to=2200-12-31&interval=day"
probe cookie "/revenue.csv?from=2022-01-01&to=2026-02-08&interval=day"
probe cookie "/report.xlsx?from=2014-01-01&to=2025-08-31"
probe none "$shared_retention"
probe none "$shared_revenue"
probe none /healthz
echo "peak RSS: $(peak_mb) MB"
if (( $(peak_mb) >= 1024 )); then failed=1; fi
if (( failed )); then echo "FAILED: an answer took 5 s or more, failed, or the peak passed 1 GB" >&2; exit 1; fi
echo "all answered within 5 s; the server stayed up"
