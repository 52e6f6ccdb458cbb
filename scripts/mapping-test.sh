#!/usr/bin/env bash
# End-to-end checks of organization, role and watchlist mapping: a real server on a fresh database, users and
# groups pushed over SCIM with Okta's request shapes (curl), mappings configured with the roster CLI, then
# "apply org and role settings" with and without --dry-run. Prints "mapping: N passed, M failed".
# Usage: scripts/mapping-test.sh   (uses .build/debug/roster)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"
db="$work/roster.sqlite"
port="${PORT:-16$((RANDOM % 900 + 100))}"
passed=0; failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$1" "$2"; }
r() { "$BIN" "$@" --database "$db"; }

ROSTER_DATABASE="$db" "$BIN" serve --port "$port" --public-url "http://localhost:$port" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

r provider add --name Okta --json > "$work/p.json"
id=$(json "$work/p.json" "d['id']"); secret=$(json "$work/p.json" "d['secret']"); user=$(json "$work/p.json" "d['username']")
api="http://127.0.0.1:$port/scim/$id/v2"
scim() {  # scim METHOD PATH [BODY]: Okta's Basic credentials
  curl -s -u "$user:$secret" -H "Content-Type: application/scim+json" -X "$1" "$api$2" ${3:+-d "$3"}
}
mkuser() { scim POST /Users "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"$1\",\"name\":{\"givenName\":\"A\",\"familyName\":\"B\"},\"emails\":[{\"primary\":true,\"value\":\"$1\",\"type\":\"work\"}],\"active\":true${2:-}}" | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])"; }
mkgroup() { scim POST /Groups "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"$1\",\"members\":[]}" | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])"; }
patch() { scim PATCH "/Groups/$1" "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[$2]}" > /dev/null; }
show() { r user show "$1" --json > "$work/show.json"; json "$work/show.json" "$2"; }

# The catalogue and the root organization exist from the start.
check "role list" bash -c "'$BIN' role list | grep -q 'Identity Management Administrator'"
check "root organization" bash -c "'$BIN' org list --database '$db' | grep -q '^Root .*Desktop User'"
check "org add" r org add Engineering --default-role "Desktop User" --default-role "Audit Log Viewer"
check "org add with parent" r org add "Platform" --parent Engineering
check "org tree" bash -c "'$BIN' org list --database '$db' | grep -qE '^    Platform'"
check "child inherits default roles" bash -c "'$BIN' org list --database '$db' | grep -E '^    Platform' | grep -q 'Audit Log Viewer'"
check "duplicate org refused" bash -c "! '$BIN' org add engineering --database '$db' 2>/dev/null"
check "unknown role refused" bash -c "'$BIN' org add X --default-role Overlord --database '$db' 2>&1 | grep -q 'is not a role'"
check "watchlist add" r watchlist add "Departing Employees"

# No groups yet: said clearly.
check "no groups: role mapping says so" bash -c "'$BIN' role-mapping list '$id' --database '$db' | grep -q 'There are no SCIM groups available'"
check "no groups: method groups says so" bash -c "'$BIN' org-mapping set '$id' --method groups --database '$db' | grep -q 'There are no SCIM groups available'"
check "no groups: add refused" bash -c "'$BIN' role-mapping add '$id' --group Eng --role 'Desktop User' --database '$db' 2>&1 | grep -q 'There are no SCIM groups available'"

ann=$(mkuser ann@example.com); bob=$(mkuser bob@example.com); cy=$(mkuser cy@example.com)
check "new user in root with Desktop User" test "$(show ann@example.com "d['organization'] + '/' + ','.join(d['roles'])")" = "Root/Desktop User"
eng=$(mkgroup Engineering); sec=$(mkgroup Security); leavers=$(mkgroup Leavers)
patch "$eng" "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$ann\"},{\"value\":\"$bob\"}]}"
check "org-mapping add" r org-mapping add "$id" --group Engineering --org Engineering
check "org-mapping list" bash -c "'$BIN' org-mapping list '$id' --database '$db' | grep -q '1 *Engineering *Engineering'"
check "role-mapping add" r role-mapping add "$id" --group Security --role "Security Administrator" --role "Insider Risk Analyst"
check "mapped group cannot be added again" bash -c "! '$BIN' role-mapping add '$id' --group security --role 'Desktop User' --database '$db' 2>/dev/null"
check "role-mapping list shows unmapped groups" bash -c "'$BIN' role-mapping list '$id' --database '$db' | grep -q 'Groups not yet mapped: Engineering, Leavers'"
check "watchlist-mapping add" r watchlist-mapping add "$id" --group Leavers --watchlist "departing employees"
check "mapping moved nobody yet" test "$(show ann@example.com "d['organization']")" = Root

r provider apply-mappings "$id" --dry-run > "$work/dry.txt" 2>"$work/dry.err"
check "dry run says so" grep -q "Dry run: nothing was changed" "$work/dry.txt"
check "dry run counts" grep -q "Organization moves: *2" "$work/dry.txt"
check "dry run per-user move" grep -q "ann@example.com: organization Root → Engineering; roles \[Desktop User\] → \[Audit Log Viewer, Desktop User\]" "$work/dry.txt"
check "dry run progress" grep -q "checked 3/3 users (100%), 2 changed" "$work/dry.err"
check "dry run changed nothing" test "$(show ann@example.com "d['organization']")" = Root
r provider apply-mappings "$id" --json > "$work/apply.json"
check "apply counts" test "$(json "$work/apply.json" "(d['processed'], d['changed'], d['organizationMoves'])")" = "(3, 2, 2)"
check "apply moved ann" test "$(show ann@example.com "d['organization'] + '/' + ','.join(d['roles'])")" = "Engineering/Audit Log Viewer,Desktop User"
check "apply logged the move" bash -c "'$BIN' sync-log --user ann@example.com --database '$db' | grep -q 'org-changed'"
check "apply again changes nothing" bash -c "'$BIN' provider apply-mappings '$id' --database '$db' --quiet | grep -q 'Users changed: *0'"

# Membership changes move people at once (Okta's add and remove shapes).
patch "$sec" "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$cy\"}]}"
check "group membership gives roles" test "$(show cy@example.com "','.join(d['roles'])")" = "Insider Risk Analyst,Security Administrator"
patch "$leavers" "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$bob\"}]}"
check "group membership puts on a watchlist" test "$(show bob@example.com "','.join(d['watchlists'])")" = "Departing Employees"
check "watchlist members" bash -c "'$BIN' watchlist members 'Departing Employees' --database '$db' | grep -q bob@example.com"
patch "$leavers" "{\"op\":\"remove\",\"path\":\"members[value eq \\\"$bob\\\"]\"}"
check "leaving the group leaves the watchlist" test "$(show bob@example.com "len(d['watchlists'])")" = 0
check "sync log shows watchlist moves" bash -c "'$BIN' sync-log --user bob@example.com --database '$db' | grep -q watchlist-removed"

# Method attribute: c42OrgName creates organizations under the chosen parent.
check "org add parent" r org add Regions
check "org-mapping attribute" r org-mapping set "$id" --method attribute --parent Regions
dee=$(mkuser dee@example.com ',"c42OrgName":"EMEA"')
check "c42OrgName created the organization" bash -c "'$BIN' org list --database '$db' | grep -qE '^    EMEA +1'"
check "user placed in it" test "$(show dee@example.com "d['organization']")" = EMEA
scim PATCH "/Users/$dee" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"c42OrgName":"APAC"}}]}' > /dev/null
check "attribute change moves the user" test "$(show dee@example.com "d['organization']")" = APAC
# Method single, and moves by hand.
check "org-mapping single needs --org" bash -c "! '$BIN' org-mapping set '$id' --method single --database '$db' 2>/dev/null"
check "org-mapping single" r org-mapping set "$id" --method single --org Engineering
check "admin move under method single" r user move cy@example.com --org Platform
r provider apply-mappings "$id" --quiet > /dev/null
check "moved user stays under single" test "$(show cy@example.com "d['organization'] + ' ' + str(d['organizationSetByAdmin'])")" = "Platform True"
check "others follow single" test "$(show dee@example.com "d['organization']")" = Engineering
check "roles by hand refused in mode groups" bash -c "'$BIN' user roles ann@example.com --role 'Desktop User' --database '$db' 2>&1 | grep -q 'role mapping'"
check "role-mapping manual" r role-mapping set "$id" --mode manual
check "roles by hand in manual mode" bash -c "'$BIN' user roles ann@example.com --role 'Legal Hold Administrator' --database '$db' | grep -q 'Legal Hold Administrator'"
check "local user in an org" r user add --email local@example.com --org Platform
check "local user roles" test "$(show local@example.com "d['organization'] + '/' + ','.join(d['roles'])")" = "Platform/Audit Log Viewer,Desktop User"

echo "mapping: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
