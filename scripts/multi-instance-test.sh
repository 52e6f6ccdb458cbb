#!/usr/bin/env bash
# Several instances on one PostgreSQL database: two `roster serve` processes share a fresh schema.
#   1. The same POST /Users (and POST /Groups) sent to both at the same instant, 30 times: each time exactly one
#      201 and one 409 uniqueness, and the user exists once.
#   2. 60 users deactivated through both instances with a 2 s delay: both schedulers run, and every due
#      deactivation runs exactly once (one `deactivated` sync-log entry per user, all users deactivated).
#   3. "Apply org and role settings" started from two processes at once: both finish, and every user was changed
#      once.
# Prints "multi-instance: N passed, M failed".
# Usage: ROSTER_TEST_POSTGRES_URL=postgres://… scripts/multi-instance-test.sh   (uses .build/debug/roster)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
base_url="${ROSTER_TEST_POSTGRES_URL:?set ROSTER_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)}"
sep='?'; [[ "$base_url" == *\?* ]] && sep='&'
schema="mi_$(date +%s)_$RANDOM"
export ROSTER_DATABASE="$base_url${sep}schema=$schema"
work="$(mktemp -d)"; p1="${PORT:-16$((RANDOM % 900 + 100))}"; p2=$((p1 + 1))
passed=0; failed=0; pids=()
check() { local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi; }
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null
  psql "${base_url%%\?*}" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Both instances start together on the empty schema: the migrations run once (advisory lock).
for port in $p1 $p2; do
  "$BIN" serve --port "$port" --rate-limit 0 --log-level warning >> "$work/server-$port.log" 2>&1 & pids+=($!)
done
for port in $p1 $p2; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  check "instance on $port is up" curl -sf "http://127.0.0.1:$port/healthz"
done

"$BIN" provider add --name Okta --deactivation-delay 2s --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
"$BIN" provider update "$id" --guard-state off > /dev/null

# One SCIM call helper for both Python parts below: call(port, method, path, body) -> (status, json).
cat > "$work/scim_client.py" <<PY
import http.client, json
def call(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    c.request(method, "/scim/$id/v2" + path, body=json.dumps(body) if body else None,
              headers={"Authorization": "Bearer $secret", "Content-Type": "application/scim+json"})
    r = c.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data else {})
PY
export PYTHONPATH="$work"

python3 - "$p1" "$p2" > "$work/race.txt" <<'PY'
import sys, threading
from scim_client import call
p1, p2 = sys.argv[1:3]
def race(path, body):
    results = [None, None]
    barrier = threading.Barrier(2)
    def go(i, port):
        barrier.wait()
        results[i] = call(port, "POST", path, body)
    ts = [threading.Thread(target=go, args=(i, p)) for i, p in enumerate((p1, p2))]
    for t in ts: t.start()
    for t in ts: t.join()
    return sorted(s for s, _ in results), [b.get("scimType") for s, b in results if s == 409]
user_ok = group_ok = 0
for n in range(30):
    statuses, types = race("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                      "userName": f"race{n}@example.com", "active": True})
    if statuses == [201, 409] and types == ["uniqueness"]: user_ok += 1
    else: print("user race", n, statuses, types, file=sys.stderr)
    statuses, types = race("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                       "displayName": f"Race {n}"})
    if statuses == [201, 409] and types == ["uniqueness"]: group_ok += 1
    else: print("group race", n, statuses, types, file=sys.stderr)
_, page = call(p1, "GET", '/Users?filter=userName%20sw%20%22race%22&count=1')
print(user_ok, group_ok, page.get("totalResults"))
PY
read -r user_ok group_ok total < "$work/race.txt"
check "30 simultaneous identical user POSTs: one 201 and one 409 uniqueness each ($user_ok/30)" test "$user_ok" = 30
check "30 simultaneous identical group POSTs: one 201 and one 409 uniqueness each ($group_ok/30)" test "$group_ok" = 30
check "each raced user exists once (total $total)" test "$total" = 30

# Deactivations through both instances; both schedulers compete for them.
python3 - "$p1" "$p2" <<'PY'
import sys
from scim_client import call
p1, p2 = sys.argv[1:3]
for n in range(60):
    port = (p1, p2)[n % 2]
    s, u = call(port, "POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                         "userName": f"leaver{n}@example.com", "active": True})
    assert s == 201, (s, u)
    s, _ = call((p2, p1)[n % 2], "PATCH", f"/Users/{u['id']}",
                {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert s == 200, s
PY
check "60 deactivations scheduled through both instances" test $? = 0
count_deactivated() { "$BIN" sync-log --action deactivated --limit 1000 --json | python3 -c "
import json,sys,collections
entries=json.load(sys.stdin)
names=collections.Counter(e.get('userName') for e in entries if (e.get('userName') or '').startswith('leaver'))
print(len(names), max(names.values() or [0]))"; }
for _ in $(seq 1 40); do
  read -r users most < <(count_deactivated)
  [ "$users" = 60 ] && break; sleep 0.5
done
sleep 1.5  # a second run of either scheduler would show up now
read -r users most < <(count_deactivated)
check "every due deactivation ran ($users/60)" test "$users" = 60
check "and exactly once (at most $most entry per user)" test "$most" = 1
deactivated=$("$BIN" user list --json | python3 -c "import json,sys;print(sum(1 for u in json.load(sys.stdin) if u['userName'].startswith('leaver') and u['status'] == 'deactivated'))")
check "all 60 users are deactivated ($deactivated)" test "$deactivated" = 60

# Apply org and role settings from two processes at once: they share the batches.
"$BIN" org add Sales > /dev/null
"$BIN" org-mapping set "$id" --method single --org Sales > /dev/null
"$BIN" provider apply-mappings "$id" > "$work/apply1.txt" 2>&1 & a1=$!
"$BIN" provider apply-mappings "$id" > "$work/apply2.txt" 2>&1 & a2=$!
wait $a1; r1=$?; wait $a2; r2=$?
check "two apply runs at once both finish" test "$r1$r2" = 00
moved=$("$BIN" sync-log --action org-changed --limit 1000 --json | python3 -c "
import json,sys,collections
c=collections.Counter(e.get('userName') for e in json.load(sys.stdin))
print(len(c), max(c.values() or [0]))")
read -r moved_users moved_most <<< "$moved"
check "every provisioned user moved to Sales ($moved_users/90)" test "$moved_users" = 90
check "each moved once ($moved_most)" test "$moved_most" = 1

echo "multi-instance: $passed passed, $failed failed"
[ "$failed" = 0 ]
