#!/usr/bin/env bash
# 100,000 deactivations due at once, and SCIM latency while they run.
# Creates N users (default 100000) on a fresh database, deactivates them all over SCIM (guard off, delay 1h so that
# none runs early), stops the server, moves every due time to now (the hour passing during an outage), starts the
# server again and measures how long the scheduler takes to work through the whole backlog while wrk measures
# GET /Users/{id} latency. Usage: scripts/bench_deactivation.sh [BIN] [PERF_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-.build/release/roster}"
PERF="${2:-$(cd .. && pwd)/shared/perf}"
N="${N_USERS:-100000}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port=18191
start_server() { "$BIN" serve --database "$db" --port $port --log-level warning --rate-limit 0 > "$work/server.log" 2>&1 & pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/healthz && return; sleep 0.1; done; }
trap 'kill $pid 2>/dev/null || true' EXIT
start_server
"$BIN" provider add --database "$db" --name bench --deactivation-delay 1h --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
"$BIN" provider update "$id" --database "$db" --guard-state off > /dev/null
base="http://127.0.0.1:$port/scim/$id/v2"
export SCIM_AUTH_HEADER="Authorization: Bearer $secret"
python3 "$PERF/perf_load_users.py" "$base" --count "$N" --start 1 --concurrency 8 --ids-out "$work/ids.txt" > "$work/load.out"
head -1 "$work/load.out"
echo "deactivating $N users over SCIM (PATCH active=false, 8 clients)..."
python3 - "$base" "$secret" "$work/ids.txt" <<'PY'
import http.client, json, sys, time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit
base, secret, path = sys.argv[1:4]
ids = [line.split("\t")[1].strip() for line in open(path)]
u = urlsplit(base)
body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "value": {"active": False}}]})
def run(chunk):
    c = http.client.HTTPConnection(u.hostname, u.port)
    for i in chunk:
        c.request("PATCH", f"{u.path}/Users/{i}?attributes=id", body=body,
                  headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"})
        r = c.getresponse(); r.read()
        assert r.status == 200, r.status
t = time.perf_counter()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(run, [ids[k::8] for k in range(8)]))
print(f"PATCHed {len(ids)} users in {time.perf_counter() - t:.1f}s")
PY
kill $pid; wait $pid 2>/dev/null || true
sqlite3 "$db" "UPDATE users SET deactivation_due_at = CAST(strftime('%s','now') AS INTEGER) * 1000 WHERE deactivation_due_at IS NOT NULL"
pending=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE deactivation_due_at IS NOT NULL")
echo "server stopped; $pending deactivations pending, all due now; starting the server again"
head -1000 "$work/ids.txt" > "$work/wrk-ids.txt"
t0=$(date +%s.%N)
start_server
IDS_FILE="$work/wrk-ids.txt" DURATION=5s WARMUP=0 PAUSE=0 bash "$PERF/perf_wrk.sh" "$base" "$SCIM_AUTH_HEADER" get_by_id > "$work/wrk.out" 2>&1 &
wrk_pid=$!
while :; do
  left=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE deactivation_due_at IS NOT NULL" 2>/dev/null || echo "?")
  [ "$left" = 0 ] && break
  sleep 0.2
done
t1=$(date +%s.%N)
done_count=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE status = 'deactivated'")
wait $wrk_pid || true
printf 'backlog of %s deactivations done %.1f s after start-up (%.0f users/s); %s users deactivated\n' "$pending" "$(echo "$t1 - $t0" | bc)" "$(echo "$pending / ($t1 - $t0)" | bc -l)" "$done_count"
echo "GET /Users/{id} while the backlog ran (wrk -t2 -c32, 5 s from start-up):"
grep -E "^\||^$" "$work/wrk.out" | head -4
