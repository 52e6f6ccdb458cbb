#!/usr/bin/env bash
# Events end to end, with the real server process and a real local receiver:
# - the event feed long-polls and wakes on a change (the wake-up is measured);
# - a webhook receiver that fails its first 3 deliveries, then accepts, verifies every signature (Standard
#   Webhooks) and sees every event of a 1,000-user sync in order, nothing missing, although Roster is killed with
#   SIGKILL in the middle and restarted; redelivered events carry the same webhook-id.
# Prints the delivery lag (p50/p99) and "webhooks: N passed, M failed".
# Usage: scripts/webhook-test.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-17$((RANDOM % 900 + 100))}"
hook_port=$((port + 1))
pid=""; receiver=""
start() { "$BIN" serve --database "$db" --port "$port" --log-level warning >> "$work/server.log" 2>&1 & pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done; return 1; }
trap 'kill -9 $pid $receiver 2>/dev/null; rm -rf "$work"' EXIT

python3 scripts/webhook_receiver.py "$hook_port" "$work/secret" "$work/received.jsonl" 3 > "$work/receiver.log" 2>&1 &
receiver=$!
start || { echo "server did not start"; echo "webhooks: 0 passed, 1 failed"; exit 1; }
"$BIN" provider add --database "$db" --name Okta --json > "$work/p.json"
provider=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
"$BIN" provider update "$provider" --database "$db" --guard-state off > /dev/null
key=$("$BIN" api-key create --database "$db" --name feed --json | python3 -c "import json,sys;print(json.load(sys.stdin)['key'])")
"$BIN" webhook add "http://127.0.0.1:$hook_port/hook" --events 'user.*' --allow-private --database "$db" --json \
  > "$work/hook.json"
python3 -c "import json;print(json.load(open('$work/hook.json'))['secret'])" > "$work/secret"
hook=$(python3 -c "import json;print(json.load(open('$work/hook.json'))['id'])")

python3 scripts/webhook_driver.py "http://127.0.0.1:$port" "$provider" "$secret" "$key" "$work" &
driver=$!
# Kill Roster with SIGKILL in the middle: once the receiver has got 300 deliveries; then start it again (the new
# process takes the endpoint over when the dead one's lease runs out, and sends again what was not committed).
for _ in $(seq 1 1200); do [ "$(wc -l < "$work/received.jsonl" 2>/dev/null || echo 0)" -ge 300 ] && break; sleep 0.02; done
kill -9 "$pid"; wait "$pid" 2>/dev/null
start || echo "FAIL restart"
touch "$work/restarted"
wait "$driver"; driver_rc=$?

"$BIN" webhook list --database "$db" > "$work/list.txt"
python3 scripts/webhook_check.py "$work" 1000 "$driver_rc"
