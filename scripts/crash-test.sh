#!/usr/bin/env bash
# Crash safety: 8 clients push users, group memberships and deactivations over SCIM; the server is killed with
# SIGKILL in the middle; after a restart every request that was answered 2xx must be there, nothing half-written
# may be (integrity check, foreign keys, counters that must equal their rows), and deactivations that were pending
# at the crash must still fire. Prints "crash: N passed, M failed".
# Usage: scripts/crash-test.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-15$((RANDOM % 900 + 100))}"
passed=0; failed=0; pid=""
check() { local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi; }
start() { "$BIN" serve --database "$db" --port "$port" --log-level warning >> "$work/server.log" 2>&1 & pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done; return 1; }
trap 'kill -9 $pid 2>/dev/null' EXIT

start || { echo "server did not start"; echo "crash: 0 passed, 1 failed"; exit 1; }
"$BIN" provider add --database "$db" --name Okta --deactivation-delay 3s --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
"$BIN" provider update "$id" --database "$db" --guard-state off > /dev/null
base="http://127.0.0.1:$port/scim/$id/v2"

# The load: each client creates users, adds each to a shared group, and deactivates every third one. Every
# answered request is written (flushed) to the journal before the next is sent.
python3 - "$base" "$secret" "$work/journal" <<'PY' &
import http.client, json, sys, threading, time
from urllib.parse import urlsplit
base, secret, journal = sys.argv[1:4]
u = urlsplit(base)
lock = threading.Lock()
out = open(journal, "w")
def note(*fields):
    with lock:
        out.write("\t".join(fields) + "\n"); out.flush()
def call(conn, method, path, body):
    conn.request(method, u.path + path, body=json.dumps(body),
                 headers={"Authorization": "Bearer " + secret, "Content-Type": "application/scim+json"})
    r = conn.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data else {})
setup = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
status, group = call(setup, "POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "All"})
note("group", str(status), group.get("id", ""))
def client(k):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    i = 0
    while True:
        i += 1
        name = f"c{k}-u{i}@example.com"
        try:
            status, user = call(conn, "POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "active": True})
            note("user", str(status), user.get("id", ""), name)
            if status != 201: continue
            status, _ = call(conn, "PATCH", f"/Groups/{group['id']}?excludedAttributes=members",
                             {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                              "Operations": [{"op": "add", "path": "members", "value": [{"value": user["id"]}]}]})
            note("member", str(status), user["id"])
            if i % 3 == 0:
                status, _ = call(conn, "PATCH", f"/Users/{user['id']}",
                                 {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                  "Operations": [{"op": "replace", "value": {"active": False}}]})
                note("deactivate", str(status), user["id"])
        except Exception:
            return  # the server is gone
for k in range(8): threading.Thread(target=client, args=(k,), daemon=True).start()
time.sleep(30)
PY
load=$!
sleep 3
kill -9 "$pid"; wait "$pid" 2>/dev/null
killed_at=$(date +%s)
sleep 0.5; kill "$load" 2>/dev/null; wait "$load" 2>/dev/null

answered() { awk -F'\t' -v k="$1" '$1 == k && $2 ~ /^2/' "$work/journal" | wc -l; }
users=$(answered user); members=$(answered member); deactivations=$(answered deactivate)
echo "before the kill: $users users created, $members memberships added, $deactivations deactivations answered"
check "the load ran" test "$users" -gt 20

# What is on disk right after the kill, before anything repairs it.
check "integrity_check ok" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
check "no foreign key violations" test -z "$(sqlite3 "$db" 'PRAGMA foreign_key_check')"
check "every answered user is there" python3 - "$db" "$work/journal" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
ids = {r[2]: r[3] for r in rows if r[0] == "user" and r[1] == "201"}
found = dict(db.execute("SELECT id, user_name FROM users"))
missing = [i for i in ids if found.get(i) != ids[i]]
sys.exit(1 if missing else 0)
PY
check "every answered membership is there" python3 - "$db" "$work/journal" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
members = {r[2] for r in rows if r[0] == "member" and r[1] in ("200", "204")}
present = {r[0] for r in db.execute("SELECT user_id FROM group_members")}
sys.exit(1 if members - present else 0)
PY
check "group member_count equals its rows" test "$(sqlite3 "$db" 'SELECT COUNT(*) FROM groups g WHERE member_count != (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)')" = 0
check "provider user counts (summed over their shards) equal the rows" test "$(sqlite3 "$db" "SELECT COUNT(*) FROM providers p WHERE (SELECT COALESCE(SUM(users), 0) FROM provider_user_counts c WHERE c.provider_id = p.id) != (SELECT COUNT(*) FROM users u WHERE u.provider_id = p.id AND u.linked = 1)")" = 0
check "every user has its created entry" test "$(sqlite3 "$db" "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM sync_log s WHERE s.user_id = u.id AND s.action = 'created')")" = 0
check "every user has its roles" test "$(sqlite3 "$db" "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id)")" = 0
check "every answered deactivation is blocked or scheduled" python3 - "$db" "$work/journal" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
ids = [r[2] for r in rows if r[0] == "deactivate" and r[1] == "200"]
bad = [i for i in ids if db.execute("SELECT scim_active FROM users WHERE id = ? AND (deactivation_due_at IS NOT NULL OR status = 'deactivated')", (i,)).fetchone() != (0,)]
sys.exit(1 if bad else 0)
PY

# Back up: the pending deactivations fire (the delay is 3 s), and the service answers as before.
start || { echo "server did not restart"; }
check "restarted" curl -sf "http://127.0.0.1:$port/readyz"
for _ in $(seq 1 80); do
  left=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE deactivation_due_at IS NOT NULL")
  [ "$left" = 0 ] && break; sleep 0.1
done
check "pending deactivations fired after the restart" test "$left" = 0
check "every answered deactivation is now deactivated" python3 - "$db" "$work/journal" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
ids = [r[2] for r in rows if r[0] == "deactivate" and r[1] == "200"]
bad = [i for i in ids if db.execute("SELECT status FROM users WHERE id = ?", (i,)).fetchone() != ("deactivated",)]
sys.exit(1 if bad else 0)
PY
check "SCIM answers after the restart" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $secret" "$base/Users?count=1")" = 200
kill -TERM "$pid"; wait "$pid" 2>/dev/null
echo "crash: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
