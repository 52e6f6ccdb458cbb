#!/usr/bin/env bash
# The Okta-style initial sync of issue 6, measured end to end: a release `roster serve` on a fresh database, and
# wrk (scripts/wrk_initial_sync.lua) sending, for each user, a `userName eq` lookup and then a POST over 8
# keep-alive connections. The wall time runs from wrk's start until the server counts every user (polled through
# GET /Users?count=0 every 0.1 s, so the time is exact to about 0.1 s, unlike wrk's own second-resolution clock).
# Prints one line per run: users, seconds, users/s, the server's CPU (user + system) per user, and its peak RSS;
# with RUNS above 1, a last line with the median, the fastest and the slowest run.
#
# Usage: scripts/bench_initial_sync.sh
# Env: USERS (100000), RUNS (1), CONNECTIONS (8), ROSTER_BIN (default: builds .build/release/roster),
#      DATABASE (a postgres:// URL to measure PostgreSQL; default a fresh SQLite file per run).
# Target (issue 6): 100,000 users in under 60 s on the 2-core machine, with nothing else running.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${USERS:-100000}"
RUNS="${RUNS:-1}"
CONNECTIONS="${CONNECTIONS:-8}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN=.build/release/roster
fi
work="$(mktemp -d)"
pid=""; wpid=""
cleanup() { for p in $wpid $pid; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for run in $(seq 1 "$RUNS"); do
  port=$((20000 + RANDOM % 10000))
  if [ -n "${DATABASE:-}" ]; then
    case "$DATABASE" in *\?*) sep="&" ;; *) sep="?" ;; esac
    schema="sync_$(date +%s)_$run"
    database="$DATABASE${sep}schema=$schema"
  else
    database="$work/run-$run.sqlite"
  fi
  "$ROSTER_BIN" serve --database "$database" --port "$port" --log-level warning --rate-limit 0 > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  "$ROSTER_BIN" provider add --database "$database" --name sync --json > "$work/provider.json"
  field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/provider.json" "$1"; }
  secret=$(field secret)
  base="http://127.0.0.1:$port/scim/$(field id)/v2"
  # curl and sed only: a Python start every poll would take a tenth of a core from the server.
  count() { curl -s -H "Authorization: Bearer $secret" "$base/Users?count=0" | sed -n 's/.*"totalResults":\([0-9]*\).*/\1/p'; }
  cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  start=$(date +%s.%N)
  USERS="$USERS" THREADS=2 wrk -t2 -c"$CONNECTIONS" -d900s -H "Authorization: Bearer $secret" \
    -s scripts/wrk_initial_sync.lua "$base" > "$work/wrk.out" 2>&1 &
  wpid=$!
  while n=$(count); [ "${n:-0}" -lt "$USERS" ]; do
    kill -0 "$wpid" 2>/dev/null || { echo "wrk ended early:"; cat "$work/wrk.out"; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true; wpid=""
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  # A run's schema goes with it: schemas left behind slow the next runs' catalog lookups.
  if [ -n "${DATABASE:-}" ]; then psql "${DATABASE%%\?*}" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE" > /dev/null; fi
  python3 - "$work/seconds.txt" "$USERS" "$start" "$end" "$cpu0" "$utime" "$stime" "$rss" <<'PY'
import sys
users, start, end, cpu0, utime, stime, rss = (float(x) for x in sys.argv[2:])
seconds = end - start
open(sys.argv[1], "a").write(f"{seconds}\n")
cpu = (utime + stime - cpu0) / 100
print(f"initial sync: {int(users)} users in {seconds:.1f} s = {users / seconds:.0f} users/s; "
      f"server CPU {cpu:.1f} s ({cpu / seconds:.2f} cores, {cpu * 1e6 / users:.0f} us per user; "
      f"{stime / (utime + stime) * 100:.0f}% of the process's CPU in the kernel); peak RSS {rss / 1024:.0f} MiB")
PY
done
# Several runs: the spread, since this machine drifts (compare builds only in interleaved runs).
if [ "$RUNS" -gt 1 ]; then
  python3 - "$work/seconds.txt" <<'PY'
import statistics, sys
times = [float(line) for line in open(sys.argv[1])]
print(f"initial sync: {len(times)} runs, median {statistics.median(times):.1f} s, "
      f"min {min(times):.1f} s, max {max(times):.1f} s")
PY
fi
