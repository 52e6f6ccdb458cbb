#!/usr/bin/env bash
# 100,000 users deactivated at once with delay 0... and SCIM latency while it happens.
# Creates N users (default 100000) on a fresh database, deactivates them all over SCIM with a short delay and the
# mass-deactivation guard off, stops the server until every deactivation is due, starts it again (so the whole
# backlog is due at start-up, as after an outage) and measures how long the scheduler takes to deactivate all of
# them while wrk measures GET /Users/{id} latency. Usage: scripts/bench_deactivation.sh [BIN] [PERF_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-.build/release/roster}"
PERF="${2:-$(cd .. && pwd)/shared/perf}"
N="${N_USERS:-100000}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port=18191
start_server() { "$BIN" serve --database "$db" --port $port --log-level warning > "$work/server.log" 2>&1 & pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/healthz && return; sleep 0.1; done; }
trap 'kill $pid 2>/dev/null || true' EXIT
start_server
"$BIN" provider add --database "$db" --name bench --deactivation-delay 5s --json > "$work/p.json"
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
sleep 6
pending=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE deactivation_due_at IS NOT NULL")
echo "server stopped; $pending deactivations pending and due; starting the server again"
head -1000 "$work/ids.txt" > "$work/wrk-ids.txt"
t0=$(date +%s.%N)
start_server
IDS_FILE="$work/wrk-ids.txt" DURATION=15s WARMUP=0 PAUSE=0 bash "$PERF/perf_wrk.sh" "$base" "$SCIM_AUTH_HEADER" get_by_id > "$work/wrk.out" 2>&1 &
wrk_pid=$!
while :; do
  left=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE deactivation_due_at IS NOT NULL" 2>/dev/null || echo "?")
  [ "$left" = 0 ] && break
  sleep 0.2
done
t1=$(date +%s.%N)
done_count=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE status = 'deactivated'")
wait $wrk_pid || true
printf 'deactivated %s users in %.1f s after start-up (%.0f users/s)\n' "$done_count" "$(echo "$t1 - $t0" | bc)" "$(echo "$done_count / ($t1 - $t0)" | bc -l)"
echo "GET /Users/{id} during the backlog (wrk -t2 -c32, 15 s):"
grep -E "^\||^$" "$work/wrk.out" | head -4
