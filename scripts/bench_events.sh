#!/usr/bin/env bash
# The cost of events on POST /Users (release build, fresh SQLite database per run, wrk -t2 -c32 for DURATION):
# interleaved rounds of Roster with no webhook endpoint and with one endpoint, and, when BEFORE_BIN names a build
# from before events existed, that build too. The endpoint of the throughput rounds is nginx answering 200
# (RECEIVER=nginx, the default; installed with apt if missing), so that what is measured is Roster's cost and not
# a receiver's competing for the same cores; RECEIVER=python uses scripts/webhook_receiver.py, which verifies
# every signature (as the delivery-lag part below and scripts/webhook-test.sh do). Prints each run, the medians, and the ratios; then the
# delivery lag (p50/p99, from an event's time to its arrival) of a USERS-user initial sync (8 clients) to the
# endpoint.
# Usage: scripts/bench_events.sh [PERF_DIR]   (default ../shared/perf)
# Env: ROSTER_BIN (default: builds .build/release/roster), BEFORE_BIN, ROUNDS (3), DURATION (10s), USERS (100000),
#      SKIP_POST=1 (only the initial sync), SKIP_SYNC=1 (only the POST rounds), RECEIVER (nginx or python)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PERF="${1:-$(cd .. && pwd)/shared/perf}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
RECEIVER="${RECEIVER:-nginx}"
if [ "$RECEIVER" = nginx ] && ! command -v nginx >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN="$ROOT/.build/release/roster"
fi
ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-10s}"; USERS="${USERS:-100000}"
work="$(mktemp -d)"; port=$((18000 + RANDOM % 900)); hook_port=$((port + 1))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# run BIN MODE: one measured POST run; prints users/s.
run() {
  local bin="$1" mode="$2" db="$work/db-$RANDOM.sqlite"
  rm -f "$work/received.jsonl"
  "$bin" serve --database "$db" --port "$port" --rate-limit 0 --log-level warning > "$work/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  "$bin" provider add --database "$db" --name Bench --json > "$work/p.json"
  local id secret receiver=""
  id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
  secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
  if [ "$mode" = endpoint ] && [ "$RECEIVER" = nginx ]; then
    mkdir -p "$work/nginx"; : > "$work/nginx/access.log"
    cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1; daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;
events { worker_connections 256; }
http { access_log $work/nginx/access.log; client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$hook_port; location / { return 200 "ok"; } } }
NGINX
    nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" > /dev/null 2>&1 &
    receiver=$!
  elif [ "$mode" = endpoint ]; then
    python3 scripts/webhook_receiver.py "$hook_port" "$work/secret" "$work/received.jsonl" 0 > /dev/null 2>&1 &
    receiver=$!
  fi
  if [ "$mode" = endpoint ]; then
    "$bin" webhook add "http://127.0.0.1:$hook_port/hook" --allow-private --database "$db" --json \
      | python3 -c "import json,sys;print(json.load(sys.stdin)['secret'])" > "$work/secret"
  fi
  sleep 1
  wrk -t2 -c32 -d"$DURATION" -s "$PERF/wrk_post_user.lua" -H "Authorization: Bearer $secret" \
    "http://127.0.0.1:$port/scim/$id/v2" > "$work/wrk.out" 2>&1 || true
  kill "$server" $receiver 2>/dev/null || true; wait "$server" $receiver 2>/dev/null || true
  if [ "$mode" = endpoint ]; then
    local delivered
    if [ "$RECEIVER" = nginx ]; then delivered=$(wc -l < "$work/nginx/access.log"); else delivered=$(wc -l < "$work/received.jsonl"); fi
    echo "deliveries during the run: $delivered" >&2
  fi
  awk '/Requests\/sec/{print $2}' "$work/wrk.out"
}

declare -A results
if [ -z "${SKIP_POST:-}" ]; then
variants=(none endpoint)
[ -n "${BEFORE_BIN:-}" ] && variants=(before none endpoint)
for round in $(seq 1 "$ROUNDS"); do
  for v in "${variants[@]}"; do
    if [ "$v" = before ]; then r=$(run "$BEFORE_BIN" none); else r=$(run "$ROSTER_BIN" "$v"); fi
    echo "round $round, $v: $r users/s"
    results[$v]="${results[$v]:-} $r"
  done
done
python3 - "${variants[@]}" <<PY
import statistics, sys
results = {$(for v in "${variants[@]}"; do printf '"%s": [%s], ' "$v" "$(echo ${results[$v]} | tr ' ' ',')"; done)}
med = {k: statistics.median(v) for k, v in results.items()}
for k in sys.argv[1:]:
    print(f"POST /Users median, {k}: {med[k]:.0f} users/s")
print(f"with an endpoint against none: {med['endpoint'] / med['none']:.3f} ({(1 - med['endpoint'] / med['none']) * 100:.1f}% slower; target under 10%)")
if "before" in med:
    print(f"events written (no endpoint) against the build before events: {med['none'] / med['before']:.3f}")
PY
fi

# Delivery lag during an initial sync.
[ -n "${SKIP_SYNC:-}" ] && exit 0
db="$work/sync.sqlite"; rm -f "$work/received.jsonl"
"$ROSTER_BIN" serve --database "$db" --port "$port" --rate-limit 0 --log-level warning > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
"$ROSTER_BIN" provider add --database "$db" --name Sync --json > "$work/p.json"
"$ROSTER_BIN" provider update "$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")" \
  --database "$db" --guard-state off > /dev/null
python3 scripts/webhook_receiver.py "$hook_port" "$work/secret" "$work/received.jsonl" 0 > /dev/null 2>&1 &
pids+=($!)
"$ROSTER_BIN" webhook add "http://127.0.0.1:$hook_port/hook" --events user.created --allow-private --database "$db" \
  --json | python3 -c "import json,sys;print(json.load(sys.stdin)['secret'])" > "$work/secret"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
t0=$(date +%s.%N)
python3 "$PERF/perf_load_users.py" "http://127.0.0.1:$port/scim/$id/v2" --count "$USERS" --concurrency 8 \
  --auth-header "Authorization: Bearer $secret" > "$work/load.out" 2>&1 || cat "$work/load.out"
t1=$(date +%s.%N)
for _ in $(seq 1 600); do [ "$(wc -l < "$work/received.jsonl")" -ge "$USERS" ] && break; sleep 0.5; done
python3 - "$work/received.jsonl" "$t0" "$t1" "$USERS" <<'PY'
import json, sys
from datetime import datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
t0, t1, users = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
def at(r): return datetime.fromisoformat(r["event"]["at"].replace("Z", "+00:00")).timestamp()
lags = sorted(r["arrived"] - at(r) for r in rows)
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"initial sync of {users} users (8 clients): {t1 - t0:.1f}s; {len(rows)} events delivered, "
      f"all signed: {all(r['verified'] for r in rows)}")
print(f"first delivery {min(r['arrived'] for r in rows) - t0:.1f}s after the sync started")
by_arrival = sorted(rows, key=lambda r: r["arrived"])
print("lag by tenth of the deliveries: " + " ".join(
    f"{by_arrival[i]['arrived'] - at(by_arrival[i]):.2f}" for i in range(0, len(rows), max(1, len(rows) // 10))))
print(f"delivery lag during the sync: p50 {p(0.5):.3f}s p99 {p(0.99):.3f}s max {lags[-1]:.3f}s; "
      f"last delivery {max(r['arrived'] for r in rows) - t1:.1f}s after the sync ended")
PY
