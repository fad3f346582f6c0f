# Shared by the measuring scripts (load-test.sh, extreme-probe.sh,
# mixed-load.sh): the binary, a demo company, a served instance, a session.
# Source it, then call the functions; `set -euo pipefail` is the caller's.

# The binary to measure: $QD_BIN if set, else a fresh release build.
demo_binary() {
  if [[ -z "${QD_BIN:-}" ]]; then
    cargo build --release -q -p quarterdeck
    QD_BIN="${CARGO_TARGET_DIR:-target}/release/quarterdeck"
  fi
  bin="$QD_BIN"
}

# Creates (or reuses) the demo of $1 customers in target/load-demo-$1;
# sets $dir and $password.
demo_company() {
  dir="target/load-demo-$1"
  if [[ ! -f "$dir/quarterdeck.sqlite" ]]; then
    local log
    log="$(mktemp)"
    "$bin" demo --customers "$1" --data-dir "$dir" --no-serve | tee "$log"
    grep 'Login:' "$log" | sed 's/.*\/ //' > "$dir/password"
  fi
  password="$(cat "$dir/password")"
}

# Serves $dir on port $1 until the caller exits; sets $server and $base.
demo_serve() {
  "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$1" >/dev/null 2>&1 &
  server=$!
  base="http://127.0.0.1:$1"
  for _ in $(seq 1 600); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.2; done
}

# Signs in as the demo's admin; sets $cookie.
demo_sign_in() {
  cookie="$(curl -s -o /dev/null -D - -X POST "$base/login" \
    --data-urlencode tenant=demo --data-urlencode email=admin@example.com \
    --data-urlencode "password=$password" | grep -i '^set-cookie: qd_session' | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//')"
  [[ -n "$cookie" ]] || { echo "could not sign in" >&2; exit 1; }
}
