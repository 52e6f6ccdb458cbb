#!/usr/bin/env bash
# PostgreSQL restarted under load: 4 clients create users through one instance while the database server is
# restarted (pg_ctl restart -m fast: every connection drops). Requests that meet the outage must fail with a
# 503 SCIM error carrying Retry-After (never a 500, never a hang), the service must recover on its own (no Roster
# restart), and every user answered 201 must be stored. Prints "pg-fault: N passed, M failed".
# Usage: ROSTER_TEST_POSTGRES_URL=postgres://… scripts/pg-fault-test.sh [PGDATA]   (the cluster scripts/postgres.sh
# started; default /tmp/roster-pg)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
pgdata="${1:-/tmp/roster-pg}"
base_url="${ROSTER_TEST_POSTGRES_URL:?set ROSTER_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)}"
sep='?'; [[ "$base_url" == *\?* ]] && sep='&'
schema="fault_$(date +%s)_$RANDOM"
export ROSTER_DATABASE="$base_url${sep}schema=$schema"
work="$(mktemp -d)"; port="${PORT:-17$((RANDOM % 900 + 100))}"
passed=0; failed=0; pid=""
check() { local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi; }
trap 'kill $pid 2>/dev/null; psql "${base_url%%\?*}" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1' EXIT

"$BIN" serve --port "$port" --rate-limit 0 --log-level warning >> "$work/server.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
"$BIN" provider add --name Okta --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")

python3 - "$port" "$id" "$secret" "$work/results.json" <<'PY' &
import http.client, json, sys, threading, time
port, pid, secret, out = sys.argv[1:5]
results = []
lock = threading.Lock()
stop = time.time() + 9
def client(k):
    conn = None
    i = 0
    while time.time() < stop:
        i += 1
        name = f"c{k}-u{i}@example.com"
        t0 = time.time()
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
            conn.request("POST", f"/scim/{pid}/v2/Users",
                         body=json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}),
                         headers={"Authorization": "Bearer " + secret, "Content-Type": "application/scim+json"})
            r = conn.getresponse(); body = r.read()
            doc = json.loads(body) if body else {}
            rec = {"t": t0, "ms": (time.time() - t0) * 1000, "name": name, "status": r.status,
                   "retryAfter": r.getheader("Retry-After"), "scimError": "urn:ietf:params:scim:api:messages:2.0:Error" in doc.get("schemas", [])}
        except Exception as e:
            conn = None
            rec = {"t": t0, "ms": (time.time() - t0) * 1000, "name": name, "status": 0, "error": str(e)}
        with lock: results.append(rec)
        if rec["status"] == 503: time.sleep(0.2)
ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
json.dump(results, open(out, "w"))
PY
load=$!
sleep 3
restart_at=$(date +%s.%N)
bash scripts/postgres.sh restart "$pgdata"
wait $load

python3 - "$work/results.json" "$restart_at" > "$work/summary.txt" <<'PY'
import json, sys
results = json.load(open(sys.argv[1])); restart = float(sys.argv[2])
ok = [r for r in results if r["status"] == 201]
bad = [r for r in results if r["status"] not in (201, 503)]
unavailable = [r for r in results if r["status"] == 503]
proper = [r for r in unavailable if r.get("retryAfter") and r.get("scimError")]
after = sorted((r for r in results if r["t"] > restart + 3), key=lambda r: r["t"])
slowest = max(r["ms"] for r in results)
print(len(results), len(ok), len(bad), len(unavailable), len(proper), len(after), sum(1 for r in after if r["status"] == 201), int(slowest))
json.dump([r["name"] for r in ok], open(sys.argv[1] + ".ok", "w"))
PY
read -r total ok bad unavailable proper after after_ok slowest < "$work/summary.txt"
echo "pg-fault: $total requests, $ok created, $unavailable answered 503, $bad other, slowest ${slowest} ms"
check "no request got anything but 201 or 503 ($bad others)" test "$bad" = 0
check "every 503 is a SCIM error with Retry-After ($proper/$unavailable)" test "$proper" = "$unavailable"
check "requests kept being answered after the restart ($after_ok/$after created)" test "$after_ok" -gt 0 -a "$after_ok" = "$after"
check "no request hung (slowest ${slowest} ms < 15000)" test "$slowest" -lt 15000
stored=$("$BIN" user list --limit 100000 --json | python3 -c "
import json,sys
names={u['userName'] for u in json.load(sys.stdin)}
ok=json.load(open('$work/results.json.ok'))
print(sum(1 for n in ok if n in names), len(ok))")
read -r found expected <<< "$stored"
check "every user answered 201 is stored ($found/$expected)" test "$found" = "$expected"
check "the same Roster process still serves (no restart)" kill -0 "$pid"
echo "pg-fault: $passed passed, $failed failed"
[ "$failed" = 0 ]
