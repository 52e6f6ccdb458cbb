#!/usr/bin/env bash
# End-to-end lifecycle checks with the real server process: a deactivation scheduled before a restart runs at
# start-up, one scheduled by another process (the CLI) runs within about a second, reactivation cancels, legal
# hold blocks until released, and the sync log shows all of it. Prints "lifecycle: N passed, M failed".
# Usage: scripts/lifecycle-test.sh   (uses .build/debug/roster)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-16$((RANDOM % 900 + 100))}"
passed=0; failed=0; pid=""
check() { local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi; }
start() { "$BIN" serve --database "$db" --port "$port" >> "$work/server.log" 2>&1 & pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done; return 1; }
stop() { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
trap 'kill $pid 2>/dev/null' EXIT
field() { "$BIN" user show "$1" --database "$db" --json | python3 -c "import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print('' if v is None else v)" "$2"; }
# wait_for EMAIL FIELD VALUE SECONDS: polls until the field has the value; prints the seconds it took.
wait_for() { local t0; t0=$(date +%s.%N)
  for _ in $(seq 1 $(( $4 * 10 ))); do [ "$(field "$1" "$2")" = "$3" ] && { echo "$(date +%s.%N) - $t0" | bc; return 0; }; sleep 0.1; done
  return 1; }
scim() { local method="$1" path="$2" body="${3:-}"
  curl -s -X "$method" -H "Authorization: Bearer $secret" -H "Content-Type: application/scim+json" \
    ${body:+-d "$body"} "$base$path"; }
deactivate='{"Operations":[{"op":"replace","value":{"active":false}}]}'
reactivate='{"Operations":[{"op":"replace","path":"active","value":"True"}]}'

start || { echo "server did not start"; exit 1; }
"$BIN" provider add --database "$db" --name Okta --deactivation-delay 2s --json > "$work/p.json"
pid_provider=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
base="http://127.0.0.1:$port/scim/$pid_provider/v2"
for u in ann bob carol dan; do
  scim POST /Users "{\"userName\":\"$u@example.com\",\"name\":{\"givenName\":\"$u\",\"familyName\":\"X\"}}" > "$work/$u.json"
done
id() { python3 -c "import json;print(json.load(open('$work/$1.json'))['id'])"; }
"$BIN" device add ann@example.com --name laptop --database "$db" > /dev/null

# 1. Scheduled, then the server is down when it comes due: it runs at start-up.
scim PATCH "/Users/$(id ann)" "$deactivate" > /dev/null
check "blocked at once" test "$(field ann@example.com status)" = blocked
check "due time shown" test -n "$(field ann@example.com deactivationDueAt)"
stop; sleep 3
start
took=$(wait_for ann@example.com status deactivated 5) && echo "  ann deactivated ${took}s after start-up"
check "due while down: runs at start-up" test -n "$took"
check "archives in cold storage" bash -c "'$BIN' user show ann@example.com --database '$db' --json | grep -q '\"tier\" : \"cold\"\|\"tier\": \"cold\"'"
check "provider still reads it, inactive" bash -c "curl -s -H 'Authorization: Bearer $secret' '$base/Users/$(id ann)' | grep -q '\"active\":false'"

# 2. Reactivated inside the delay, across a restart: cancelled.
scim PATCH "/Users/$(id bob)" "$deactivate" > /dev/null
stop; start
scim PATCH "/Users/$(id bob)" "$reactivate" > /dev/null
check "reactivation unblocks" test "$(field bob@example.com status)" = active
sleep 2.5
check "cancelled deactivation never runs" test "$(field bob@example.com status)" = active

# 3. Legal hold: blocked instead, deactivated when released.
"$BIN" legal-hold place carol@example.com --matter "Case 7" --database "$db" > /dev/null
scim PATCH "/Users/$(id carol)" "$deactivate" > /dev/null
sleep 3.5
check "on hold: stays blocked after the delay" test "$(field carol@example.com status)" = blocked
check "hold reason shown" test "$(field carol@example.com deactivationHeld)" = legal-hold
check "legal hold listed" bash -c "'$BIN' legal-hold list --database '$db' | grep -q 'Case 7'"
"$BIN" legal-hold release carol@example.com --database "$db" > /dev/null
check "released: deactivated" test "$(field carol@example.com status)" = deactivated

# 4. Scheduled by another process (the CLI releases held deactivations): the server runs it within a second.
"$BIN" provider update "$pid_provider" --guard-percent 0 --guard-minimum 0 --database "$db" > /dev/null
scim PATCH "/Users/$(id dan)" "$deactivate" > /dev/null
check "guard holds" test "$(field dan@example.com deactivationHeld)" = mass-deactivation-guard
"$BIN" provider release-held "$pid_provider" --database "$db" > /dev/null
took=$(wait_for dan@example.com status deactivated 3) && echo "  dan deactivated ${took}s after the CLI released it"
check "other process's schedule runs within about a second" python3 -c "assert 0 <= float('${took:-99}') < 1.6"

# 5. Manual actions and the sync log.
check "manual reactivate" "$BIN" user reactivate dan@example.com --database "$db"
check "manual block" "$BIN" user block dan@example.com --database "$db"
check "blocked" test "$(field dan@example.com status)" = blocked
check "manual deactivate" "$BIN" user deactivate dan@example.com --database "$db"
check "hold refused on deactivated user" bash -c "! '$BIN' legal-hold place dan@example.com --database '$db' 2>/dev/null"
"$BIN" sync-log --user ann@example.com --database "$db" --json > "$work/log.json"
check "sync log: ann's story" python3 -c "
import json; a=[e['action'] for e in json.load(open('$work/log.json'))][::-1]
assert a[:4]==['created','blocked','deactivation-scheduled','deactivated'], a"
check "sync log CSV" bash -c "'$BIN' sync-log --action deactivated --csv --database '$db' | head -1 | grep -q '^seq,time,provider'"
check "sync log filters by action" bash -c "test \$('$BIN' sync-log --action deactivated --json --database '$db' | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))') -ge 3"
check "sync log is append-only" bash -c "! sqlite3 '$db' 'DELETE FROM sync_log' 2>/dev/null"
stop
echo "lifecycle: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
