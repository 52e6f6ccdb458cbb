#!/usr/bin/env bash
# Roster's CPU per webhook delivery: N users are created while the endpoint is down (its deliveries fail and back
# off), then nginx starts answering 200, the endpoint is resumed, and the backlog drains. Prints the drain's rate
# and the server's CPU time (utime + stime from /proc) per delivery. Release build, fresh SQLite database.
# Usage: scripts/bench_webhook_drain.sh [PERF_DIR]   (default ../shared/perf)
# Env: ROSTER_BIN (default: builds .build/release/roster), N (20000), ROUNDS (2)
set -euo pipefail
cd "$(dirname "$0")/.."
PERF="${1:-$(cd .. && pwd)/shared/perf}"
command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN="$(pwd)/.build/release/roster"
fi
N="${N:-20000}"; ROUNDS="${ROUNDS:-2}"
work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for round in $(seq 1 "$ROUNDS"); do
  port=$((18000 + RANDOM % 900)); hook_port=$((port + 1)); db="$work/r$round.sqlite"
  "$ROSTER_BIN" serve --database "$db" --port "$port" --rate-limit 0 --log-level warning > "$work/server.log" 2>&1 &
  server=$!; pids+=("$server")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  "$ROSTER_BIN" provider add --database "$db" --name Bench --json > "$work/p.json"
  id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
  secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
  "$ROSTER_BIN" provider update "$id" --database "$db" --guard-state off > /dev/null
  hook=$("$ROSTER_BIN" webhook add "http://127.0.0.1:$hook_port/hook" --allow-private --database "$db" --json \
    | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
  python3 "$PERF/perf_load_users.py" --auth-header "Authorization: Bearer $secret" --count "$N" --concurrency 8 \
    "http://127.0.0.1:$port/scim/$id/v2" > /dev/null
  mkdir -p "$work/nginx"; : > "$work/nginx/access.log"
  cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1; daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;
events { worker_connections 256; }
http { access_log $work/nginx/access.log; client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$hook_port; location / { return 200 "ok"; } } }
NGINX
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" > /dev/null 2>&1 &
  receiver=$!; pids+=("$receiver")
  sleep 0.5
  cpu0=$(awk '{print $14 + $15}' "/proc/$server/stat"); t0=$(date +%s.%N)
  "$ROSTER_BIN" webhook resume "$hook" --database "$db" > /dev/null
  for _ in $(seq 1 2400); do [ "$(wc -l < "$work/nginx/access.log")" -ge "$N" ] && break; sleep 0.05; done
  cpu1=$(awk '{print $14 + $15}' "/proc/$server/stat"); t1=$(date +%s.%N)
  delivered=$(wc -l < "$work/nginx/access.log")
  kill "$server" "$receiver"; wait "$server" "$receiver" 2>/dev/null || true
  ticks=$(getconf CLK_TCK)
  python3 -c "
n, s = $delivered, $t1 - $t0
print(f'round $round: {n} deliveries drained in {s:.2f} s, {n / s:.0f}/s, '
      f'{($cpu1 - $cpu0) / $ticks * 1e6 / n:.1f} µs of Roster CPU per delivery')"
done
