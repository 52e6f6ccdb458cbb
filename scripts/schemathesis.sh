#!/usr/bin/env bash
# Property-based tests of the admin API from its OpenAPI document (schemathesis, from PyPI): generated requests
# against a real server on a fresh database. The check that CI enforces is that no request gets a 5xx and the
# server is still up at the end; the rest of schemathesis' report (how strictly the document describes what the
# server accepts) is printed for reading. The coverage phase is left out: in schemathesis 4.32 it fails inside
# hypothesis ("AST constructor recursion depth mismatch"), not on the server. The event feed is left out too: its
# `wait` long-polls an empty feed for up to a minute a request, and so is a webhook test, which sends a request to
# whatever URL was generated (EventsAPITests and WebhookTests cover their bad input). Prints "schemathesis: N passed, M failed".
# Usage: scripts/schemathesis.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
python3 -c 'import schemathesis' 2>/dev/null || PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q 'schemathesis==4.32.5'
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-14$((RANDOM % 900 + 100))}"
passed=0; failed=0
check() { local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi; }
"$BIN" admin add --email admin@example.com --password-stdin --database "$db" <<< "correct horse battery staple" > /dev/null
token=$("$BIN" admin token create --email admin@example.com --json --database "$db" | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
"$BIN" serve --database "$db" --port "$port" --log-level warning --rate-limit 0 > "$work/server.log" 2>&1 & pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
"$BIN" provider add --name Okta --database "$db" > /dev/null
st run Sources/RosterServer/Console/openapi.json --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
  --exclude-operation-id listEvents --exclude-operation-id testWebhook --phases examples,fuzzing,stateful --checks not_a_server_error --max-examples "${EXAMPLES:-40}" --seed 20261130 --workers 2 > "$work/st.out" 2>&1
status=$?
sed -n '/SUMMARY/,$p' "$work/st.out"
check "no request got a 5xx" test "$status" -eq 0
check "the server is still up" curl -sf "http://127.0.0.1:$port/healthz"
check "nothing crashed" bash -c "! grep -q 'Fatal error' '$work/server.log'"
echo "schemathesis: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
