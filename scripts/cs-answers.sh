#!/usr/bin/env bash
# Times the customer-success answers of a running server: for each endpoint,
# posts one ticket (dated now) and reads the answer three times — the first
# read after a write, then warm. curl's total time on the local connection.
#
# With WRITE=subscription the write is a subscription change of the
# customer instead (revenue data: answers kept across ticket writes are
# recomputed).
#
# usage: scripts/cs-answers.sh BASE_URL TOKEN [CUSTOMER_ID]
#   e.g. quarterdeck demo --customers 10000 --listen 127.0.0.1:18191 &
#        scripts/cs-answers.sh http://127.0.0.1:18191 qd_… cus_000001
set -euo pipefail
BASE=${1:?base URL}
TOKEN=${2:?API token with ingest and read}
CUSTOMER=${3:-cus_000001}
ENDPOINTS=(/api/v1/health /api/v1/renewals /api/v1/expansion /api/v1/team
  /api/v1/segments /api/v1/save-plays/summary /api/v1/metrics/summary)
read_once() {
  curl -sS -o /dev/null -w "%{time_total}" -H "Authorization: Bearer $TOKEN" "$BASE$1"
}
printf "%-28s %18s %8s %8s\n" endpoint first_after_write warm warm
for e in "${ENDPOINTS[@]}"; do
  id="bench_$(date +%s%N)"
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if [ "${WRITE:-ticket}" = subscription ]; then
    path=subscription-events
    body="[{\"id\":\"$id\",\"customer_id\":\"$CUSTOMER\",\"subscription_id\":\"bench_sub\",\"type\":\"start\",\"effective_at\":\"$now\",\"amount\":$((RANDOM % 90 + 10))}]"
  else
    path=tickets
    body="[{\"id\":\"$id\",\"customer_id\":\"$CUSTOMER\",\"opened_at\":\"$now\"}]"
  fi
  curl -sS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -X POST "$BASE/api/v1/$path" -d "$body"
  printf "%-28s %18s %8s %8s\n" "$e" "$(read_once "$e")" "$(read_once "$e")" "$(read_once "$e")"
done
