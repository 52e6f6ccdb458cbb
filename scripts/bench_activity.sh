#!/usr/bin/env bash
# The activity charts over a large sync log (release build, SQLite): ENTRIES sync-log entries (default 1,000,000)
# spread over the last 7 days of one provider, written straight into a fresh database. Prints:
#   - `roster activity --range 7d` before any roll-up (every entry counted through the index on (action, at));
#   - the one-time roll-up the scheduler runs at start (its log line);
#   - the console's Overview page (every provider's charts: 6 SVG charts of 168 bars and the table view) and a
#     provider's page, rendered RUNS times each after the roll-up: p50 and max, against the 200 ms target.
# Usage: scripts/bench_activity.sh      Env: ROSTER_BIN (default: builds .build/release/roster), ENTRIES, RUNS (20)
set -euo pipefail
[ -n "${ROSTER_BIN:-}" ] && ROSTER_BIN="$(realpath "$ROSTER_BIN")"
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
if [ -z "${ROSTER_BIN:-}" ]; then
  swift build -c release --product roster > /dev/null
  ROSTER_BIN="$ROOT/.build/release/roster"
fi
ENTRIES="${ENTRIES:-1000000}"; RUNS="${RUNS:-20}"
work="$(mktemp -d)"; port=$((18000 + RANDOM % 900)); db="$work/roster.sqlite"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

"$ROSTER_BIN" provider add --database "$db" --name Bench --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
echo "correct horse battery" | "$ROSTER_BIN" admin add --database "$db" --email bench@example.com --password-stdin >/dev/null
python3 - "$db" "$id" "$ENTRIES" <<'PY'
import random, sqlite3, sys, time
db, provider, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = sqlite3.connect(db)
now = int(time.time() * 1000)
start = now - 7 * 86400 * 1000 + 60_000
actions = ["created"] * 3 + ["updated"] * 4 + ["deactivated", "reactivated", "rejected", "blocked",
           "deactivation-scheduled", "member-added"]
rng = random.Random(7)
def rows():
    for i in range(n):
        a = rng.choice(actions)
        detail = ("403: local user" if i % 2 else "400 invalidValue: emails") if a == "rejected" else "attributes"
        yield (start + i * (now - start) // n, provider, f"u{i}", f"u{i}@example.com", a, detail)
t = time.time()
con.executemany("INSERT INTO sync_log (at, provider_id, user_id, user_name, action, detail) VALUES (?,?,?,?,?,?)",
                rows())
con.commit()
print(f"wrote {n} sync-log entries in {time.time() - t:.1f} s")
PY

t0=$(date +%s.%N)
"$ROSTER_BIN" activity --database "$db" --range 7d --json > "$work/activity.json"
t1=$(date +%s.%N)
python3 - "$work/activity.json" "$t0" "$t1" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
total = sum(sum(b["counts"].values()) for b in a["buckets"])
print(f"roster activity --range 7d before any roll-up (counted from the log, process start included): "
      f"{float(sys.argv[3]) - float(sys.argv[2]):.3f} s for {total} charted entries in {len(a['buckets'])} buckets")
PY

"$ROSTER_BIN" serve --database "$db" --port "$port" --log-level info > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
started=$(date +%s.%N)
closed=$(( ($(date +%s) - 300) / 3600 ))  # the last hour closed 5 minutes ago
for _ in $(seq 1 600); do
  through=$(sqlite3 "$db" "SELECT value FROM settings WHERE key = 'activity_rolled_through'" 2>/dev/null || true)
  [ -n "$through" ] && [ "$through" -ge "$closed" ] && break
  sleep 0.05
done
rolled_in=$(python3 -c "import time;print(f'{time.time() - $started:.2f}')")
rolled=$(sqlite3 "$db" "SELECT COUNT(*) || ' rows for ' || SUM(count) || ' entries' FROM activity_hours")
echo "roll-up by the scheduler at start: $rolled, done ${rolled_in} s after the server answered"
curl -s -c "$work/cookies" -o /dev/null -d "email=bench@example.com&password=correct+horse+battery" \
  "http://127.0.0.1:$port/console/sign-in"
for page in "/console/overview" "/console/providers/$id"; do
  for _ in $(seq 1 "$RUNS"); do
    curl -s -b "$work/cookies" -o "$work/page.html" -w "%{time_total}\n" "http://127.0.0.1:$port$page"
  done > "$work/times"
  bars=$(grep -o '<rect class="bar"' "$work/page.html" | wc -l)
  python3 - "$work/times" "$page" "$bars" <<'PY'
import statistics, sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]))
print(f"{sys.argv[2]}: p50 {statistics.median(t):.1f} ms, max {t[-1]:.1f} ms over {len(t)} renders "
      f"({sys.argv[3]} bars); target under 200 ms: {'met' if statistics.median(t) < 200 else 'NOT met'}")
PY
done
