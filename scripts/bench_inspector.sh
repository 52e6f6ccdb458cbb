#!/usr/bin/env bash
# The cost of the request inspector on POST /Users (release build, fresh SQLite database per run, wrk -t2 -c32 for
# DURATION): interleaved rounds of one provider with recording on (the default) and off
# (`roster provider update --record-requests off`). Prints each run, the medians, the ratio, and a last line
# "inspector cost: N% (target under 10%)".
# Usage: scripts/bench_inspector.sh [PERF_DIR]   (default ../shared/perf)
# Env: ROSTER_BIN (default: builds .build/release/roster), ROUNDS (3), DURATION (10s)
set -euo pipefail
[ -n "${ROSTER_BIN:-}" ] && ROSTER_BIN="$(realpath "$ROSTER_BIN")"
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PERF="${1:-$(cd .. && pwd)/shared/perf}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN="$ROOT/.build/release/roster"
fi
ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-10s}"
work="$(mktemp -d)"; port=$((18000 + RANDOM % 900))
trap 'rm -rf "$work"' EXIT

# run MODE: one measured POST run with recording MODE (on or off); prints users/s.
run() {
  local mode="$1" db="$work/db-$RANDOM.sqlite"
  "$ROSTER_BIN" provider add --database "$db" --name Bench --json > "$work/p.json"
  local id secret
  id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
  secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
  "$ROSTER_BIN" provider update "$id" --database "$db" --record-requests "$mode" > /dev/null
  "$ROSTER_BIN" serve --database "$db" --port "$port" --rate-limit 0 --log-level warning > "$work/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  sleep 1
  wrk -t2 -c32 -d"$DURATION" -s "$PERF/wrk_post_user.lua" -H "Authorization: Bearer $secret" \
    "http://127.0.0.1:$port/scim/$id/v2" > "$work/wrk.out" 2>&1 || true
  sleep 0.5  # the last write of the ring
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
  local kept
  kept=$("$ROSTER_BIN" provider requests "$id" --database "$db" --limit 1000 --json \
    | python3 -c "import json,sys;print(len(json.load(sys.stdin)))")
  echo "$(awk '/Requests\/sec/{print $2}' "$work/wrk.out") $kept"
}

on=(); off=()
for round in $(seq 1 "$ROUNDS"); do
  for mode in off on; do
    read -r rate kept < <(run "$mode")
    echo "round $round, recording $mode: $rate users/s ($kept requests in the ring afterwards)"
    if [ "$mode" = on ]; then on+=("$rate"); else off+=("$rate"); fi
  done
done
python3 - "$(IFS=,; echo "${on[*]}")" "$(IFS=,; echo "${off[*]}")" <<'PY'
import statistics, sys
on = [float(x) for x in sys.argv[1].split(",")]
off = [float(x) for x in sys.argv[2].split(",")]
m_on, m_off = statistics.median(on), statistics.median(off)
print(f"POST /Users median, recording off: {m_off:.0f} users/s; on: {m_on:.0f} users/s")
print(f"inspector cost: {(1 - m_on / m_off) * 100:.1f}% (target under 10%)")
PY
