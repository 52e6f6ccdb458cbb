#!/usr/bin/env bash
# Benchmarks Roster (release build, fresh SQLite database) side by side with the python-scim reference server
# (scim2-server 0.8.3, in memory), both measured by the same ../shared/perf/perf_anchor.sh in the same run, and
# prints both tables plus the ratios. Usage: scripts/bench.sh [PERF_DIR]  (default ../shared/perf)
# Env: SKIP_REFERENCE=1 measures Roster only; N_USERS (10000) is passed to perf_anchor.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PERF="${1:-$(cd .. && pwd)/shared/perf}"
work="$(mktemp -d)"
export DEBIAN_FRONTEND=noninteractive
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

echo "building release..."
if ! swift build -c release --product roster > "$work/build.log" 2>&1; then tail -30 "$work/build.log"; exit 1; fi
BIN="$ROOT/.build/release/roster"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
ready() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }

# --- Roster -----------------------------------------------------------------------------------------------
db="$work/roster.sqlite"
"$BIN" serve --database "$db" --port 18181 --log-level warning --rate-limit 0 > "$work/roster.log" 2>&1 &
roster_pid=$!; pids+=("$roster_pid")
ready http://127.0.0.1:18181/healthz
"$BIN" provider add --database "$db" --name bench --json > "$work/provider.json"
base=$(python3 -c "import json;print(json.load(open('$work/provider.json'))['baseURL'])")
secret=$(python3 -c "import json;print(json.load(open('$work/provider.json'))['secret'])")
echo "## Roster"
SERVER_PID=$roster_pid IDS_FILE="$work/roster-ids.txt" \
  bash "$PERF/perf_anchor.sh" "$base" "Authorization: Bearer $secret" | tee "$work/roster.out"
users=$(curl -s -H "Authorization: Bearer $secret" "$base/Users?count=0" | python3 -c "import json,sys;print(json.load(sys.stdin)['totalResults'])")
echo "Roster holds $users users; database file $(du -h "$db" | cut -f1)"
echo; echo "## Membership cost: one member added to a group of ${MEMBERS:-100000} vs a group of 10"
python3 "$ROOT/scripts/bench_membership.py" "$base" "$secret" --members "${MEMBERS:-100000}"
kill "$roster_pid"

# --- Reference ----------------------------------------------------------------------------------------------
if [ -z "${SKIP_REFERENCE:-}" ]; then
  venv="${REF_VENV:-/tmp/scim2-server-venv}"
  [ -x "$venv/bin/scim2-server" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q scim2-server==0.8.3; }
  "$venv/bin/scim2-server" --port 18182 --bearer-token bench > "$work/reference.log" 2>&1 &
  ref_pid=$!; pids+=("$ref_pid")
  ready http://127.0.0.1:18182/v2/ServiceProviderConfig
  echo; echo "## Reference (scim2-server 0.8.3)"
  SERVER_PID=$ref_pid IDS_FILE="$work/ref-ids.txt" \
    bash "$PERF/perf_anchor.sh" http://127.0.0.1:18182/v2 "Authorization: Bearer bench" | tee "$work/reference.out"
  kill "$ref_pid"

  echo; echo "## Ratios (Roster / reference, req/s)"
  python3 - "$work/roster.out" "$work/reference.out" <<'PY'
import re, sys
def rates(path):
    out = {}
    for line in open(path):
        m = re.match(r"\|\s*(get_by_id|filter_fixed|filter_random|list_100|post_user)\s*\|\s*\d+\s*\|\s*([\d.]+)", line)
        if m: out[m.group(1)] = float(m.group(2))
        m = re.search(r"POST /Users x\d+ concurrency=(\d+): .*?rate=([\d.]+) users/s", line)
        if m: out[f"POST c={m.group(1)}"] = float(m.group(2))
    return out
a, b = rates(sys.argv[1]), rates(sys.argv[2])
print("| test | Roster | reference | ratio |")
print("|---|---|---|---|")
for k in a:
    if k in b and b[k] > 0:
        print(f"| {k} | {a[k]:.0f} | {b[k]:.0f} | {a[k]/b[k]:.1f}x |")
PY
fi

if [ -z "${SKIP_DEACTIVATION:-}" ]; then
  echo; echo "## Deactivation backlog"
  bash "$ROOT/scripts/bench_deactivation.sh" "$BIN" "$PERF"
fi
