#!/usr/bin/env bash
# Several instances on one PostgreSQL database: two `roster serve` processes share a fresh schema.
#   0. Both count each other: each holds the schema's presence lock (and so takes half of `pool`); commands do not.
#   1. The same POST /Users (and POST /Groups) sent to both at the same instant, 30 times: each time exactly one
#      201 and one 409 uniqueness, and the user exists once.
#   2. 60 users deactivated through both instances with a 2 s delay: both schedulers run, and every due
#      deactivation runs exactly once (one `deactivated` sync-log entry per user, all users deactivated).
#   3. "Apply org and role settings" started from two processes at once: both finish, and every user was changed
#      once.
#   4. 20 POSTs of one userName, 10 to each instance, all in flight at once, 5 times: each time exactly one 201 and
#      19 409 uniqueness (never a 5xx), and the user exists once.
#   5. 20 PATCHes at once (10 to each instance) each adding a distinct member to one group that has 5: all 200,
#      and the stored member_count equals the membership rows (25), GET /Groups/{id} lists exactly those members,
#      the group's version went up once per PATCH and the sync log has one member-added entry each; then the same
#      with 20 PATCHes removing those members (back to 5).
#   6. 30 deactivations (PATCH active=false and DELETE, 15 to each instance, all at once) on a provider whose
#      mass-deactivation guard allows 10 an hour: exactly 10 are scheduled and 20 held (on the users and in the
#      sync log), every request answered, all 30 users blocked, and the guard shows tripped.
#   7. A webhook endpoint (a real receiver that verifies signatures) and 200 users created through both instances:
#      both instances' dispatchers run, and each user.created event is delivered exactly once, signed, in order.
# Requests meant to race are sent on connections opened beforehand, released together by a barrier.
# Prints "multi-instance: N passed, M failed".
# Usage: ROSTER_TEST_POSTGRES_URL=postgres://… scripts/multi-instance-test.sh   (ROSTER_BIN, or .build/debug/roster)
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
  psql "${base_url%%\?*}" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  if [ "$failed" = 0 ]; then rm -rf "$work"; else echo "servers' logs and requests' results: $work"; fi; }
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
# A second provider whose guard allows 10 deactivations an hour whatever its number of users (part 6).
"$BIN" provider add --name Entra --deactivation-delay 1h --json > "$work/g.json"
gid=$(python3 -c "import json;print(json.load(open('$work/g.json'))['id'])")
gsecret=$(python3 -c "import json;print(json.load(open('$work/g.json'))['secret'])")
"$BIN" provider update "$gid" --guard-state on --guard-percent 0 --guard-minimum 10 > /dev/null
# A query on the schema's tables; prints its rows as `a|b|…`.
sql() { PGOPTIONS="-c search_path=$schema" psql "${base_url%%\?*}" -XAtqc "$1"; }
# Each serving instance holds the schema's presence lock on a session of its own, and takes half of `pool`; the
# commands above did not count.
presence=$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
  WHERE l.locktype = 'advisory' AND l.mode = 'ShareLock' AND l.granted AND a.application_name = 'roster/$schema'")
check "both instances count each other, the commands do not ($presence presence sessions)" test "$presence" = 2

# The SCIM helpers of the Python parts below: call(port, method, path, body) -> (status, json) as Okta (or as
# provider=GUARDED), and race([(port, method, path, body), ...]) -> [(status, json), ...]: every request on its own
# connection, opened first; a barrier releases them together, so all are in flight at once.
cat > "$work/scim_client.py" <<PY
import http.client, json, threading
OKTA, GUARDED = ("$id", "$secret"), ("$gid", "$gsecret")
def send(c, method, path, body, provider):
    c.request(method, "/scim/%s/v2%s" % (provider[0], path), body=json.dumps(body) if body else None,
              headers={"Authorization": "Bearer " + provider[1], "Content-Type": "application/scim+json"})
    r = c.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data else {})
def call(port, method, path, body=None, provider=OKTA):
    return send(http.client.HTTPConnection("127.0.0.1", int(port), timeout=30), method, path, body, provider)
def race(requests, provider=OKTA):
    results = [None] * len(requests)
    barrier = threading.Barrier(len(requests))
    def go(i, port, method, path, body):
        try:
            c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
            c.connect()
            barrier.wait(timeout=30)
            results[i] = send(c, method, path, body, provider)
        except Exception as e:  # status 0: no answer (a failed connection breaks the barrier for all)
            barrier.abort()
            results[i] = (0, {"detail": repr(e)})
    ts = [threading.Thread(target=go, args=(i, *r)) for i, r in enumerate(requests)]
    for t in ts: t.start()
    for t in ts: t.join()
    return results
def user(name):
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "active": True}
def patch(*operations):
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}
PY
export PYTHONPATH="$work"

python3 - "$p1" "$p2" > "$work/race.txt" <<'PY'
import sys
from scim_client import call, race as race_all
p1, p2 = sys.argv[1:3]
def race(path, body):
    results = race_all([(p1, "POST", path, body), (p2, "POST", path, body)])
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

# 20 POSTs of one userName through both instances at once, 5 times.
python3 - "$p1" "$p2" > "$work/crowd.txt" <<'PY'
import sys, collections
from scim_client import call, race, user
p1, p2 = sys.argv[1:3]
rounds_ok, seen = 0, collections.Counter()
for n in range(5):
    name = f"crowd{n}@example.com"
    results = race([((p1, p2)[i % 2], "POST", "/Users", user(name)) for i in range(20)])
    seen.update(s for s, _ in results)
    statuses = sorted(s for s, _ in results)
    types = {b.get("scimType") for s, b in results if s == 409}
    _, page = call(p2, "GET", f'/Users?filter=userName%20eq%20%22{name}%22')
    if statuses == [201] + [409] * 19 and types == {"uniqueness"} and page.get("totalResults") == 1: rounds_ok += 1
    else: print("crowd round", n, statuses, types, page.get("totalResults"), file=sys.stderr)
print(rounds_ok, ",".join(f"{s}x{c}" for s, c in sorted(seen.items())))
PY
read -r crowd_ok crowd_statuses < "$work/crowd.txt"
check "5 rounds of 20 simultaneous POSTs of one userName: one 201, 19 409 uniqueness ($crowd_ok/5; $crowd_statuses)" \
  test "$crowd_ok" = 5
crowd_rows=$(sql "SELECT count(*) FROM users WHERE user_name_lower LIKE 'crowd%'")
check "each crowd user is stored once ($crowd_rows rows for 5 users)" test "$crowd_rows" = 5

# 20 PATCHes at once adding distinct members to one group (10 through each instance), then 20 removing them.
python3 - "$p1" "$p2" > "$work/members.json" <<'PY'
import sys, json
from scim_client import call, user
p1, p2 = sys.argv[1:3]
ids = []
for n in range(25):
    s, u = call((p1, p2)[n % 2], "POST", "/Users", user(f"member{n}@example.com"))
    assert s == 201, (s, u)
    ids.append(u["id"])
s, g = call(p1, "POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Crowd",
                                   "members": [{"value": i} for i in ids[:5]]})
assert s == 201, (s, g)
print(json.dumps({"group": g["id"], "kept": ids[:5], "raced": ids[5:]}))
PY
check "25 users and a group of 5 created" test $? = 0
group=$(python3 -c "import json;print(json.load(open('$work/members.json'))['group'])")
group_state() {  # member_count, membership rows, version, member-added entries, member-removed entries
  sql "SELECT g.member_count, (SELECT count(*) FROM group_members m WHERE m.group_id = g.id), g.version,
         (SELECT count(*) FROM sync_log l WHERE l.group_id = g.id AND l.action = 'member-added'),
         (SELECT count(*) FROM sync_log l WHERE l.group_id = g.id AND l.action = 'member-removed')
       FROM groups g WHERE g.id = '$group'" | tr '|' ' '; }
read -r _ _ version0 added0 removed0 < <(group_state)
membership_race() {  # add|remove: 20 PATCHes at once, one member each; prints the statuses and the members GET lists
  python3 - "$p1" "$p2" "$work/members.json" "$1" <<'PY'
import sys, json, collections
from scim_client import call, race, patch
p1, p2, path, mode = sys.argv[1:5]
m = json.load(open(path))
def op(i):
    if mode == "add": return {"op": "add", "path": "members", "value": [{"value": i}]}
    return {"op": "remove", "path": f'members[value eq "{i}"]'}
results = race([((p1, p2)[n % 2], "PATCH", f"/Groups/{m['group']}", patch(op(i))) for n, i in enumerate(m["raced"])])
statuses = collections.Counter(s for s, _ in results)
_, g = call(p2, "GET", f"/Groups/{m['group']}")
listed = sorted(x["value"] for x in g.get("members", []))
expected = sorted(m["kept"] + (m["raced"] if mode == "add" else []))
print(",".join(f"{s}x{c}" for s, c in sorted(statuses.items())), len(listed), "yes" if listed == expected else "no")
PY
}
read -r add_statuses add_listed add_exact < <(membership_race add)
check "20 simultaneous PATCHes adding a member each: all 200 ($add_statuses)" test "$add_statuses" = 200x20
read -r count rows version added removed < <(group_state)
check "stored member_count equals the membership rows after the adds ($count, $rows rows, expected 25)" \
  test "$count:$rows" = 25:25
check "GET /Groups lists exactly the 25 members ($add_listed, exact: $add_exact)" test "$add_listed:$add_exact" = 25:yes
check "the group's version went up once per PATCH ($version0 -> $version)" test "$version" = $((version0 + 20))
check "one member-added entry per added member ($((added - added0)))" test $((added - added0)) = 20
read -r remove_statuses remove_listed remove_exact < <(membership_race remove)
check "20 simultaneous PATCHes removing a member each: all 200 ($remove_statuses)" test "$remove_statuses" = 200x20
read -r count rows version2 added removed < <(group_state)
check "stored member_count equals the membership rows after the removals ($count, $rows rows, expected 5)" \
  test "$count:$rows" = 5:5
check "GET /Groups lists exactly the 5 remaining members ($remove_listed, exact: $remove_exact)" \
  test "$remove_listed:$remove_exact" = 5:yes
check "the group's version went up once per PATCH ($version -> $version2)" test "$version2" = $((version + 20))
check "one member-removed entry per removed member ($((removed - removed0)))" test $((removed - removed0)) = 20

# 30 deactivations at once through both instances against a guard that allows 10 an hour.
python3 - "$p1" "$p2" > "$work/guard.txt" <<'PY'
import sys, collections
from scim_client import call, race, user, patch, GUARDED
p1, p2 = sys.argv[1:3]
ids = []
for n in range(30):
    s, u = call((p1, p2)[n % 2], "POST", "/Users", user(f"mass{n}@example.com"), provider=GUARDED)
    assert s == 201, (s, u)
    ids.append(u["id"])
off = patch({"op": "replace", "value": {"active": False}})
# Even users by PATCH active=false, odd ones by DELETE; each kind half through each instance.
def deactivation(n, i):
    port = (p1, p2)[(n // 2) % 2]
    return (port, "PATCH", f"/Users/{i}", off) if n % 2 == 0 else (port, "DELETE", f"/Users/{i}", None)
results = race([deactivation(n, i) for n, i in enumerate(ids)], provider=GUARDED)
statuses = collections.Counter(s for s, _ in results)
print(",".join(f"{s}x{c}" for s, c in sorted(statuses.items())))
PY
read -r guard_statuses < "$work/guard.txt"
check "30 simultaneous deactivations all answered (200 for PATCH, 204 for DELETE: $guard_statuses)" \
  test "$guard_statuses" = 200x15,204x15
read -r scheduled held blocked < <("$BIN" user list --json | python3 -c "
import json,sys
us=[u for u in json.load(sys.stdin) if u['userName'].startswith('mass')]
print(sum(1 for u in us if u['deactivationDueAt'] and not u['deactivationHeld']),
      sum(1 for u in us if u['deactivationHeld'] == 'mass-deactivation-guard' and not u['deactivationDueAt']),
      sum(1 for u in us if u['status'] == 'blocked'))")
check "exactly the guard's 10 deactivations scheduled ($scheduled)" test "$scheduled" = 10
check "the other 20 held by the guard ($held)" test "$held" = 20
check "all 30 users blocked ($blocked)" test "$blocked" = 30
read -r logged_scheduled logged_held < <(sql "SELECT count(*) FILTER (WHERE action = 'deactivation-scheduled'),
  count(*) FILTER (WHERE action = 'deactivation-held') FROM sync_log WHERE provider_id = '$gid'" | tr '|' ' ')
check "the sync log agrees: 10 scheduled, 20 held ($logged_scheduled, $logged_held)" \
  test "$logged_scheduled:$logged_held" = 10:20
tripped=$("$BIN" provider list --json | python3 -c "
import json,sys;print(next(p for p in json.load(sys.stdin) if p['id'] == '$gid')['guard']['trippedAt'] is not None)")
check "the guard shows tripped" test "$tripped" = True

# 7. Webhooks: both dispatchers run; each event goes out once.
hook_port=$((p2 + 1))
python3 scripts/webhook_receiver.py "$hook_port" "$work/hook-secret" "$work/received.jsonl" 0 > "$work/receiver.log" 2>&1 &
pids+=($!)
"$BIN" webhook add "http://127.0.0.1:$hook_port/hook" --events user.created --allow-private --json > "$work/hook.json"
python3 -c "import json;print(json.load(open('$work/hook.json'))['secret'])" > "$work/hook-secret"
python3 - "$p1" "$p2" "$id" "$secret" <<'PY'
import http.client, json, sys
p1, p2, provider, secret = sys.argv[1:5]
for i in range(200):
    conn = http.client.HTTPConnection("127.0.0.1", int((p1, p2)[i % 2]))
    conn.request("POST", f"/scim/{provider}/v2/Users", body=json.dumps({"userName": f"hook{i}@example.com"}),
                 headers={"Authorization": "Bearer " + secret, "Content-Type": "application/scim+json"})
    assert conn.getresponse().status == 201
PY
for _ in $(seq 1 300); do [ "$(wc -l < "$work/received.jsonl" 2>/dev/null || echo 0)" -ge 200 ] && break; sleep 0.1; done
sleep 1
read -r deliveries unique verified ordered < <(python3 -c "
import json
rows=[json.loads(l) for l in open('$work/received.jsonl')]
seqs=[r['event']['sequence'] for r in rows]
print(len(rows), len({r['id'] for r in rows}), all(r['verified'] for r in rows), seqs == sorted(seqs))")
check "200 user.created events delivered through both instances' dispatchers ($unique)" test "$unique" = 200
check "no event delivered twice ($deliveries deliveries)" test "$deliveries" = 200
check "every delivery signed" test "$verified" = True
check "delivered in sequence order" test "$ordered" = True

echo "multi-instance: $passed passed, $failed failed"
[ "$failed" = 0 ]
