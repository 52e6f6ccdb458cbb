#!/usr/bin/env bash
# What a revert costs: a bad push over SCIM on USERS users (scripts/bench_revert.py: 30% deactivated, 20% moved to
# another organization by attribute, a group of half of them emptied), then `roster provider revert --dry-run` and
# the revert itself, timed, and checked: a second preview finds nothing left to revert. Release build, SQLite by
# default (DATABASE=postgres://… for PostgreSQL; each run adds a provider of its own).
# Prints each phase and a last line "revert: N users restored in S s (R users/s); preview P s".
# With BASELINE_BIN (a build without before-images), it instead runs ROUNDS interleaved pushes with each binary and
# prints "before-image cost on PATCH: N%" from the median PATCH rates (MAPPING=none leaves the attribute mapping out,
# for a baseline that predates the fix of concurrent organization creation on PostgreSQL).
# Usage: scripts/bench_revert.sh
# Env: ROSTER_BIN (default: builds .build/release/roster), USERS (10000), DATABASE, BASELINE_BIN, ROUNDS (3)
set -euo pipefail
[ -n "${ROSTER_BIN:-}" ] && ROSTER_BIN="$(realpath "$ROSTER_BIN")"
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN="$ROOT/.build/release/roster"
fi
USERS="${USERS:-10000}"; ROUNDS="${ROUNDS:-3}"
work="$(mktemp -d)"; port=$((18000 + RANDOM % 900))
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

# push BIN DB [MAPPING]: a provider (with attribute mapping unless MAPPING is "none"), the server, the load and the
# bad push; leaves $id and the push's output in $work/push.out.
push() {
  local bin="$1" db="$2" mapping="${3:-attribute}" secret
  "$bin" provider add --database "$db" --name "Bench $RANDOM" --json > "$work/p.json"
  id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
  secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
  if [ "$mapping" = attribute ]; then
    "$bin" org add Regions --database "$db" > /dev/null 2>&1 || true
    "$bin" org-mapping set "$id" --method attribute --parent Regions --database "$db" > /dev/null
  fi
  "$bin" serve --database "$db" --port "$port" --rate-limit 0 --log-level warning > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  python3 "$ROOT/scripts/bench_revert.py" "http://127.0.0.1:$port/scim/$id/v2" "$secret" --users "$USERS" \
    --tag "-$RANDOM$RANDOM" > "$work/push.out"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

if [ -n "${BASELINE_BIN:-}" ]; then
  BASELINE_BIN="$(realpath "$BASELINE_BIN")"
  new=(); old=()
  for round in $(seq 1 "$ROUNDS"); do
    for which in baseline current; do
      bin="$ROSTER_BIN"; [ "$which" = baseline ] && bin="$BASELINE_BIN"
      push "$bin" "${DATABASE:-$work/ab-$RANDOM.sqlite}" "${MAPPING:-attribute}"
      rate=$(awk '/^WRITES /{sub(/^WRITES /, ""); print}' "$work/push.out" | python3 -c "import json,sys;print(json.load(sys.stdin)['patch_per_s'])")
      echo "round $round, $which: $rate PATCH/s"
      if [ "$which" = baseline ]; then old+=("$rate"); else new+=("$rate"); fi
    done
  done
  python3 - "$(IFS=,; echo "${new[*]}")" "$(IFS=,; echo "${old[*]}")" <<'PY'
import statistics, sys
new = statistics.median(float(x) for x in sys.argv[1].split(","))
old = statistics.median(float(x) for x in sys.argv[2].split(","))
print(f"PATCH /Users median: baseline {old:.0f}/s, with before-images {new:.0f}/s")
print(f"before-image cost on PATCH: {(1 - new / old) * 100:.1f}%")
PY
  exit 0
fi

db="${DATABASE:-$work/revert.sqlite}"
push "$ROSTER_BIN" "$db"
cat "$work/push.out"
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
