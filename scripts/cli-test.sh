#!/usr/bin/env bash
# End-to-end checks of the roster CLI against a running server on a fresh database: every provider and user
# command, with the server and the CLI sharing the database file. Prints "cli: N passed, M failed".
# Usage: scripts/cli-test.sh   (uses .build/debug/roster)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"
db="$work/roster.sqlite"
port="${PORT:-17$((RANDOM % 900 + 100))}"
passed=0; failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$1" "$2"; }
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

ROSTER_DATABASE="$db" "$BIN" serve --port "$port" --public-url "http://localhost:$port" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
check "healthz" test "$(status "http://127.0.0.1:$port/healthz")" = 200
check "readyz" test "$(status "http://127.0.0.1:$port/readyz")" = 200

"$BIN" provider add --database "$db" --name "Okta" --deactivation-delay 90s --json > "$work/p.json"
id=$(json "$work/p.json" "d['id']"); secret=$(json "$work/p.json" "d['secret']"); user=$(json "$work/p.json" "d['username']")
base=$(json "$work/p.json" "d['baseURL']")
check "add prints every field" python3 -c "import json; d=json.load(open('$work/p.json')); assert set(d)=={'id','name','baseURL','username','secret'}"
check "Base URL from the server's public URL" test "$base" = "http://localhost:$port/scim/$id/v2"
check "secret has 256 bits" test "${#secret}" -ge 43
check "secret not stored" bash -c "! sqlite3 '$db' .dump | grep -qF -- '$secret'"
api="http://127.0.0.1:$port/scim/$id/v2"
check "Bearer works" test "$(status -H "Authorization: Bearer $secret" "$api/Users")" = 200
check "Basic works" test "$(status -u "$user:$secret" "$api/Users")" = 200
"$BIN" provider list --database "$db" --json > "$work/list.json"
check "list shows the delay" test "$(json "$work/list.json" "d[0]['deactivationDelay']")" = 90s
check "list table" bash -c "'$BIN' provider list --database '$db' | grep -q Okta"
check "update" "$BIN" provider update "$id" --database "$db" --name "Okta Prod" --deactivation-delay 15m
"$BIN" provider list --database "$db" --json > "$work/list.json"
check "update took effect" test "$(json "$work/list.json" "d[0]['name'] + ' ' + d[0]['deactivationDelay']")" = "Okta Prod 15m"
check "bad duration refused" bash -c "! '$BIN' provider update '$id' --database '$db' --deactivation-delay soon"
# Every admin-set number is refused out of its range with one message naming the setting, its range and the value
# (the same message as the admin API and the console), and nothing changes.
refused() {  # refused MESSAGE COMMAND...: exits non-zero and prints MESSAGE
  local message="$1"; shift
  ! "$@" > "$work/refused.out" 2>&1 && grep -qF -- "$message" "$work/refused.out"
}
check "delay past the cap refused, naming it and its range" refused \
  "'deactivationDelay' must be a duration from 0 to 365d (such as 0, 90s, 15m, 2h or 1d), got '9223372036854775807'." \
  "$BIN" provider update "$id" --database "$db" --deactivation-delay 9223372036854775807
for bad in 1e308 -1 99999999999d 366d; do
  check "delay $bad refused" refused "'deactivationDelay' must be a duration from 0 to 365d" \
    "$BIN" provider update "$id" --database "$db" --deactivation-delay="$bad"
done
check "a new provider's delay is checked the same way" refused "'deactivationDelay' must be a duration from 0 to 365d" \
  "$BIN" provider add --database "$db" --name Huge --deactivation-delay 9223372036854775807
check "guard percent past 100 refused" refused "'deactivationGuard.percent' must be a whole number from 0 to 100, got '101'." \
  "$BIN" provider update "$id" --database "$db" --guard-percent 101
check "guard minimum below 0 refused" refused "'deactivationGuard.minimum' must be a whole number from 0 to 10000000" \
  "$BIN" provider update "$id" --database "$db" --guard-minimum=-1
"$BIN" provider list --database "$db" --json > "$work/list.json"
check "nothing of those changed the provider" test "$(json "$work/list.json" "d[0]['deactivationDelay'] + ' ' + str(d[0]['guard']['percent']) + ' ' + str(len(d))")" = "15m 10 1"
check "apply batch size 0 refused" refused "'--batch-size' must be a whole number from 1 to 10000, got '0'." \
  "$BIN" provider apply-mappings "$id" --database "$db" --batch-size 0
check "org rule priority past the range refused" refused "'--priority' must be a whole number from 1 to 1000000" \
  "$BIN" org-mapping add "$id" --group G --org Root --priority 9223372036854775807 --database "$db"
check "user list limit 0 refused" refused "'--limit' must be a whole number from 1 to 10000000, got '0'." \
  "$BIN" user list --limit 0 --database "$db"
check "sync-log since a duration past the range refused" refused "'--since' must be a duration from 0 to 36500d" \
  "$BIN" sync-log --since 99999999999d --database "$db"
for option in "--idle-timeout 1e308" "--idle-timeout nan" "--rate-limit=-1" "--max-body-size 0" "--bulk-max-operations 0" \
  "--bulk-max-payload-size 9223372036854775807" "--bulk-commit-group 0" "--port 70000" "--webhook-busy-share 0" \
  "--webhook-busy-share 101"; do
  # shellcheck disable=SC2086
  check "serve $option refused before starting" refused "'${option%%[ =]*}' must be" \
    timeout 10 "$BIN" serve --database "$work/never.sqlite" --port 0 $option
done
check "no server started for a refused option" test ! -e "$work/never.sqlite"
"$BIN" provider rotate-secret "$id" --database "$db" --json > "$work/r.json"
new=$(json "$work/r.json" "d['secret']")
check "old secret stops working" test "$(status -H "Authorization: Bearer $secret" "$api/Users")" = 401
check "new secret works" test "$(status -H "Authorization: Bearer $new" "$api/Users")" = 200

check "local user add" "$BIN" user add --database "$db" --email "local@example.com" --name "Lo Cal"
check "local user duplicate refused" bash -c "! '$BIN' user add --database '$db' --email 'LOCAL@example.com'"
check "invalid email refused" bash -c "! '$BIN' user add --database '$db' --email 'nope'"
curl -s -H "Authorization: Bearer $new" -H "Content-Type: application/scim+json" -X POST "$api/Users" \
  -d '{"userName":"ann@example.com","name":{"givenName":"Ann","familyName":"Lee"},"title":"Engineer","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"}}' > "$work/ann.json"
check "SCIM create" test -n "$(json "$work/ann.json" "d['id']")"
"$BIN" user show ANN@example.com --database "$db" --json > "$work/show.json"
check "user show fields" python3 -c "
import json; d=json.load(open('$work/show.json'))
for k in ['id','userName','status','source','displayName','title','department','organization','roles','createdAt','updatedAt']: assert k in d, k
assert d['status']=='active' and d['source']=='$id' and d['title']=='Engineer' and d['department']=='R&D'"
"$BIN" user show local@example.com --database "$db" --json > "$work/local.json"
check "local user source" test "$(json "$work/local.json" "d['source']")" = local

# Invalid data (issue 14): left out with a warning by default, refused under reject.
"$BIN" provider list --database "$db" --json > "$work/list.json"
check "invalid-data default" test "$(json "$work/list.json" "d[0]['invalidData']")" = accept-and-warn
ann_id=$(json "$work/ann.json" "d['id']")
atlantis='{"Operations":[{"op":"add","path":"addresses","value":[{"country":"Atlantis","locality":"Poseidonis"}]}]}'
scim_patch() { status -H "Authorization: Bearer $new" -H "Content-Type: application/scim+json" -X PATCH "$api/Users/$ann_id" -d "$1"; }
check "unmappable country accepted" test "$(scim_patch "$atlantis")" = 200
check "sync-log lists the warning" bash -c "'$BIN' sync-log --provider '$id' --action warning --attribute addresses.country --database '$db' | grep -q Atlantis"
check "bad policy refused" bash -c "! '$BIN' provider update '$id' --database '$db' --invalid-data lenient"
check "update --invalid-data reject" "$BIN" provider update "$id" --database "$db" --invalid-data reject
check "reject refuses the same data" test "$(scim_patch "${atlantis/Poseidonis/Atlas}")" = 400
check "update --invalid-data accept-and-warn" "$BIN" provider update "$id" --database "$db" --invalid-data accept-and-warn
"$BIN" user list --database "$db" --json > "$work/users.json"
check "user list" test "$(json "$work/users.json" "len(d)")" = 2
check "local user update" "$BIN" user update local@example.com --title "Chief" --database "$db"
check "local user updated" bash -c "'$BIN' user show local@example.com --database '$db' --json | grep -q Chief"
check "provisioned user edit refused, naming the provider" bash -c "'$BIN' user update ann@example.com --title X --database '$db' 2>&1 | grep -q \"provider 'Okta Prod'\""
check "unknown user is an error" bash -c "! '$BIN' user show nobody@example.com --database '$db'"
# Platform side: API key, device, agent sign-in and session check; blocking revokes the session.
"$BIN" api-key create --name agents --database "$db" --json > "$work/key.json"
key=$(json "$work/key.json" "d.get('key') or d.get('secret')")
check "api-key list hides keys" bash -c "'$BIN' api-key list --database '$db' | grep -q agents && ! '$BIN' api-key list --database '$db' | grep -qF -- '$key'"
check "device add" "$BIN" device add ann@example.com --name laptop --database "$db"
check "device list" bash -c "'$BIN' device list ann@example.com --database '$db' | grep -q laptop"
platform="http://127.0.0.1:$port/api/v1"
curl -s -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" -d '{"userName":"ann@example.com"}' "$platform/sessions" > "$work/session.json"
token=$(json "$work/session.json" "d['token']")
check "agent sign-in" test -n "$token"
check "session valid" test "$(status -H "Authorization: Bearer $key" -H "X-Session-Token: $token" "$platform/sessions/current")" = 200
check "user block" "$BIN" user block ann@example.com --database "$db"
check "blocking revokes the session" test "$(status -H "Authorization: Bearer $key" -H "X-Session-Token: $token" "$platform/sessions/current")" = 401
check "blocked user cannot sign in" test "$(status -X POST -H "Authorization: Bearer $key" -d '{"userName":"ann@example.com"}' "$platform/sessions")" = 403
check "user unblock" "$BIN" user unblock ann@example.com --database "$db"
check "unblocked user signs in" test "$(status -X POST -H "Authorization: Bearer $key" -d '{"userName":"ann@example.com"}' "$platform/sessions")" = 201
check "cancel-held with nothing held" bash -c "'$BIN' provider cancel-held '$id' --database '$db' | grep -q 'Cancelled 0'"
check "sync log shows the admin block" bash -c "'$BIN' sync-log --user ann@example.com --database '$db' | grep -q 'blocked by an admin'"
check "retention default" bash -c "'$BIN' settings cold-storage-retention --database '$db' | grep -q '90 days'"
check "retention set" bash -c "'$BIN' settings cold-storage-retention 30 --database '$db' | grep -q '30 days'"
check "retention refuses 0" bash -c "! '$BIN' settings cold-storage-retention 0 --database '$db' 2>/dev/null"
check "retention past the cap refused, naming it and its range" refused \
  "'coldStorageRetentionDays' must be a whole number of days from 1 to 36500, got '4611686018427387904'." \
  "$BIN" settings cold-storage-retention 4611686018427387904 --database "$db"
check "retention unchanged" bash -c "'$BIN' settings cold-storage-retention --database '$db' | grep -q '30 days'"
check "online backup while serving" "$BIN" backup --database "$db" --to "$work/copy.sqlite"
check "backup has the data" bash -c "'$BIN' user show ann@example.com --database '$work/copy.sqlite' | grep -q 'userName: ann@example.com'"
check "backup never overwrites" bash -c "! '$BIN' backup --database '$db' --to '$work/copy.sqlite' 2>/dev/null"
check "remove" "$BIN" provider remove "$id" --database "$db"
check "removed provider refused" test "$(status -H "Authorization: Bearer $new" "$api/Users")" = 401
check "its users stay" "$BIN" user show ann@example.com --database "$db"
check "unknown provider is an error" bash -c "! '$BIN' provider remove '$id' --database '$db'"

# Commands started together on a new database file (a deployment script that starts the server and adds its
# provider at once): each finds it untouched or fully migrated, never half, so none fails.
together_ok=1
for round in 1 2 3 4 5; do
  fresh="$work/fresh-$round.sqlite"
  for k in 1 2 3; do "$BIN" provider add --database "$fresh" --name "P$k" --json > "$work/fresh-$round-$k.json" 2> "$work/fresh-$round-$k.err" & done
  wait_ok=1; for job in $(jobs -p); do [ "$job" = "$pid" ] || wait "$job" || wait_ok=0; done
  [ "$wait_ok" = 1 ] && [ "$("$BIN" provider list --database "$fresh" --json | json /dev/stdin "len(d)")" = 3 ] || together_ok=0
done
check "commands opening a new database together all succeed" test "$together_ok" = 1

# Credentials that end: admins removed (never the last), passwords set, tokens and keys expiring and revoked.
api="http://127.0.0.1:$port/api/v1"; console="http://127.0.0.1:$port/console"
signin() { curl -s -o /dev/null -w '%{http_code}' -c "$work/$1.jar" --data-urlencode "email=$2" --data-urlencode "password=$3" "$console/sign-in"; }
printf 'correct horse battery\n' | "$BIN" admin add --email root@example.com --password-stdin --database "$db" > /dev/null
check "the last admin cannot be removed" bash -c "! '$BIN' admin remove root@example.com --database '$db' 2> '$work/last.err' && grep -q 'only admin' '$work/last.err'"
printf 'another long password\n' | "$BIN" admin add --email ops@example.com --password-stdin --database "$db" > /dev/null
"$BIN" admin token create --email ops@example.com --name ci --expires-in 90d --json --database "$db" > "$work/tok.json"
tok=$(json "$work/tok.json" "d['token']"); tokid=$(json "$work/tok.json" "d['id']")
check "token create --expires-in sets an expiry" test "$(json "$work/tok.json" "d['expiresAt'] is not None")" = True
check "the token works" test "$(status -H "Authorization: Bearer $tok" "$api/providers")" = 200
check "token list shows last use and expiry" bash -c "'$BIN' admin token list --database '$db' | grep ' ci ' | grep -qv never"
check "--expires-in refuses what is not a duration" bash -c "! '$BIN' admin token create --email ops@example.com --expires-in soon --database '$db'"
check "token revoke" "$BIN" admin token revoke "$tokid" --database "$db"
check "a revoked token gets 401" test "$(status -H "Authorization: Bearer $tok" "$api/providers")" = 401
"$BIN" api-key create --name broker --expires-in 30d --json --database "$db" > "$work/key2.json"
key2=$(json "$work/key2.json" "d['key']"); key2id=$(json "$work/key2.json" "d['id']")
sessions() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" -H "Content-Type: application/json" -d '{"userName":"local@example.com"}' "$platform/sessions"; }
check "an API key with an expiry works" test "$(sessions "$key2")" != 401
check "api-key list shows the expiry" bash -c "'$BIN' api-key list --database '$db' | grep broker | grep -qv 'never *$'"
check "api-key revoke" "$BIN" api-key revoke "$key2id" --database "$db"
check "a revoked API key gets 401" test "$(sessions "$key2")" = 401
check "console sign-in as ops" test "$(signin ops ops@example.com 'another long password')" = 303
check "ops's session works" test "$(status -b "$work/ops.jar" "$console/settings")" = 200
check "admin set-password" bash -c "printf 'a brand new password\n' | '$BIN' admin set-password ops@example.com --password-stdin --database '$db' | grep -q '1 console session ended'"
check "set-password ended ops's session" test "$(status -b "$work/ops.jar" "$console/settings")" = 303
check "the new password signs in" test "$(signin ops ops@example.com 'a brand new password')" = 303
"$BIN" admin token create --email ops@example.com --json --database "$db" > "$work/tok2.json"
check "admin remove" "$BIN" admin remove ops@example.com --database "$db"
check "a removed admin's session ends" test "$(status -b "$work/ops.jar" "$console/settings")" = 303
check "a removed admin's token gets 401" test "$(status -H "Authorization: Bearer $(json "$work/tok2.json" "d['token']")" "$api/providers")" = 401
check "admin list no longer shows ops" bash -c "! '$BIN' admin list --database '$db' | grep -q ops@"

# The request inspector, pause, activity and the report, with a provider of their own.
"$BIN" provider add --database "$db" --name "Inspected" --json > "$work/p2.json"
id=$(json "$work/p2.json" "d['id']"); secret=$(json "$work/p2.json" "d['secret']")
scim="http://127.0.0.1:$port/scim/$id/v2"
curl -s -o /dev/null -H "Authorization: Bearer $secret" -H 'Content-Type: application/scim+json' \
  -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"inspected@example.com","password":"Pa55-w0rd-cli"}' \
  "$scim/Users"
sleep 2.5  # the recorder writes every 2 s
check "provider requests lists the create" bash -c "'$BIN' provider requests '$id' --database '$db' --user inspected@example.com | grep -q 'POST *.*201'"
"$BIN" provider requests "$id" --database "$db" --user inspected@example.com --json > "$work/req.json"
seq_no=$(json "$work/req.json" "d[0]['sequence']")
check "provider request shows the body, password redacted" bash -c "'$BIN' provider request '$id' '$seq_no' --database '$db' | grep -q '\[redacted\]'"
check "the password is nowhere in the database" bash -c "! sqlite3 '$db' .dump | grep -qF 'Pa55-w0rd-cli'"
check "provider requests --status refuses 6xx" refused "'status' is a status class such as 2xx, 4xx or 5xx, got '6xx'." \
  "$BIN" provider requests "$id" --database "$db" --status 6xx
check "settings inspector" bash -c "'$BIN' settings inspector --database '$db' --requests-kept 500 --sensitive-attributes phoneNumbers | grep -q 'Redacted: password, phoneNumbers'"
check "provider pause" "$BIN" provider pause "$id" --database "$db"
check "a paused provider gets 503" test "$(status -H "Authorization: Bearer $secret" "$scim/Users")" = 503
check "provider resume" "$BIN" provider resume "$id" --database "$db"
check "a resumed provider gets 200" test "$(status -H "Authorization: Bearer $secret" "$scim/Users")" = 200

# Revert: the IdP deactivates the user and renames it; a dry run shows it and changes nothing; the revert undoes it.
uid=$(curl -s -H "Authorization: Bearer $secret" "$scim/Users?filter=userName%20eq%20%22inspected@example.com%22" | python3 -c "import json,sys; print(json.load(sys.stdin)['Resources'][0]['id'])")
sleep 1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $secret" -H 'Content-Type: application/scim+json' \
  -d '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false,"title":"Gone"}}]}' \
  "$scim/Users/$uid"
check "provider revert --dry-run lists the user" bash -c "'$BIN' provider revert '$id' --since '$since' --dry-run --database '$db' | grep -q 'inspected@example.com.*reactivated, title'"
check "a dry run changes nothing" test "$(curl -s -H "Authorization: Bearer $secret" "$scim/Users/$uid" | python3 -c "import json,sys; print(json.load(sys.stdin)['active'])")" = False
check "provider revert refuses a bad --since" refused "'--since' must be a duration" "$BIN" provider revert "$id" --since yesterday --database "$db"
"$BIN" provider revert "$id" --since "$since" --json --database "$db" > "$work/revert.json"
check "provider revert --json counts the reactivation" test "$(json "$work/revert.json" "d['counts']['reactivated']")" = 1
check "the user is active again, title restored" test "$(curl -s -H "Authorization: Bearer $secret" "$scim/Users/$uid" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('active', True), d.get('title'))")" = "True None"
check "the revert is in the sync log, naming the CLI" bash -c "'$BIN' sync-log --database '$db' --action reverted | grep -q 'by the CLI'"
check "a second revert finds nothing to do" bash -c "'$BIN' provider revert '$id' --since '$since' --database '$db' | grep -q '0 users restored'"
check "activity counts the create" bash -c "'$BIN' activity --database '$db' --range 2h | grep -q 'created [1-9]'"
"$BIN" report --database "$db" --since 1h --json > "$work/report.json"
check "report --json counts the create" test "$(json "$work/report.json" "d['counts']['created'] >= 1")" = True
check "report --csv" bash -c "'$BIN' report --database '$db' --csv | head -1 | grep -q '^section,key,value,detail'"
check "report --html is a page" bash -c "'$BIN' report --database '$db' --html | grep -q '<h1>Provisioning report</h1>'"
check "report refuses two formats" bash -c "! '$BIN' report --database '$db' --json --csv 2>/dev/null"

kill -TERM "$pid"; wait "$pid" 2>/dev/null
check "graceful stop is logged" grep -q "Roster stopped" "$work/server.log"
check "one log line per request" grep -q "GET /scim/$id/v2/Users 200" "$work/server.log"
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
