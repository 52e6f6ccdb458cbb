#!/usr/bin/env bash
# What a revert costs: a bad push over SCIM on USERS users (scripts/bench_revert.py: 30% deactivated, 20% moved to
# another organization by attribute, a group of half of them emptied), then `roster provider revert --dry-run` and
# the revert itself, timed, and checked: afterwards every user is active again, in its organization, and the group
# has its members back. Release build, SQLite by default (DATABASE=postgres://… for PostgreSQL).
# Prints each phase and a last line "revert: N users restored in S s (R users/s); preview P s".
# Usage: scripts/bench_revert.sh   Env: ROSTER_BIN (default: builds .build/release/roster), USERS (10000), DATABASE
set -euo pipefail
[ -n "${ROSTER_BIN:-}" ] && ROSTER_BIN="$(realpath "$ROSTER_BIN")"
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN="$ROOT/.build/release/roster"
fi
USERS="${USERS:-10000}"
work="$(mktemp -d)"; port=$((18000 + RANDOM % 900))
db="${DATABASE:-$work/revert.sqlite}"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

"$ROSTER_BIN" provider add --database "$db" --name "Bench $RANDOM" --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
"$ROSTER_BIN" org add Regions --database "$db" > /dev/null 2>&1 || true
"$ROSTER_BIN" org-mapping set "$id" --method attribute --parent Regions --database "$db" > /dev/null
"$ROSTER_BIN" serve --database "$db" --port "$port" --rate-limit 0 --log-level warning > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 "$ROOT/scripts/bench_revert.py" "http://127.0.0.1:$port/scim/$id/v2" "$secret" --users "$USERS" \
  | tee "$work/push.out"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
# Revert from the instant between the load and the bad push: the users and the group stay, the push goes.
since=$(awk '/^SINCE /{print $2}' "$work/push.out")
t0=$(date +%s.%N)
"$ROSTER_BIN" provider revert "$id" --since "$since" --dry-run --json --database "$db" > "$work/plan.json"
t1=$(date +%s.%N)
"$ROSTER_BIN" provider revert "$id" --since "$since" --json --database "$db" > "$work/revert.json"
t2=$(date +%s.%N)
"$ROSTER_BIN" provider revert "$id" --since "$since" --dry-run --json --database "$db" > "$work/again.json"
python3 - "$work/plan.json" "$work/revert.json" "$work/again.json" "$t0" "$t1" "$t2" <<'PY'
import json, sys
plan, done, again = (json.load(open(p)) for p in sys.argv[1:4])
t0, t1, t2 = (float(x) for x in sys.argv[4:7])
print("plan:", plan["summary"])
print("done:", done["summary"], f"({len(done['failures'])} failed)")
print("again:", again["summary"])
assert not done["failures"] and again["counts"]["users"] == 0 and again["counts"]["membershipsAdded"] == 0
restored = done["counts"]["users"]
print(f"revert: {restored} users restored in {t2 - t1:.1f} s ({restored / (t2 - t1):.0f} users/s); preview {t1 - t0:.1f} s")
PY
