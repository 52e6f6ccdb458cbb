#!/usr/bin/env bash
# Benchmarks Roster (release build) on a fresh SQLite database and on a fresh PostgreSQL schema, side by side with
# the python-scim reference server (scim2-server 0.8.3, in memory), all measured by the same
# ../shared/perf/perf_anchor.sh in the same run, and prints the tables plus one side-by-side table with ratios.
# Usage: scripts/bench.sh [PERF_DIR]  (default ../shared/perf)
# Env: SKIP_REFERENCE=1, SKIP_POSTGRES=1, SKIP_MEMBERSHIP=1, SKIP_DEACTIVATION=1 leave parts out; N_USERS (10000)
# is passed to perf_anchor.sh; ROSTER_TEST_POSTGRES_URL names a server (else scripts/postgres.sh starts one).
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

# --- Roster, on SQLite and on PostgreSQL ------------------------------------------------------------------------
# run_roster NAME DATABASE PORT: perf_anchor.sh and the membership benchmark against a fresh Roster on DATABASE.
run_roster() {
  local name="$1" database="$2" port="$3"
  "$BIN" serve --database "$database" --port "$port" --log-level warning --rate-limit 0 > "$work/$name.log" 2>&1 &
  local pid=$!; pids+=("$pid")
  ready "http://127.0.0.1:$port/healthz"
  "$BIN" provider add --database "$database" --name bench --json > "$work/$name-provider.json"
  local base secret
  base=$(python3 -c "import json;print(json.load(open('$work/$name-provider.json'))['baseURL'])")
  secret=$(python3 -c "import json;print(json.load(open('$work/$name-provider.json'))['secret'])")
  echo; echo "## Roster on $name"
  SERVER_PID=$pid IDS_FILE="$work/$name-ids.txt" \
    bash "$PERF/perf_anchor.sh" "$base" "Authorization: Bearer $secret" | tee "$work/$name.out"
  if [ -z "${SKIP_MEMBERSHIP:-}" ]; then
    echo; echo "## Membership cost on $name: one member added to a group of ${MEMBERS:-100000} vs a group of 10"
    python3 "$ROOT/scripts/bench_membership.py" "$base" "$secret" --members "${MEMBERS:-100000}"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_roster sqlite "$work/roster.sqlite" 18181
columns=(sqlite)
if [ -z "${SKIP_POSTGRES:-}" ]; then
  pg_url="${ROSTER_TEST_POSTGRES_URL:-$(bash "$ROOT/scripts/postgres.sh" start)}"
  schema="bench_$(date +%s)"
  run_roster postgres "$pg_url&schema=$schema" 18183
  psql "${pg_url%%\?*}" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  columns+=(postgres)
fi

# --- Reference ----------------------------------------------------------------------------------------------
if [ -z "${SKIP_REFERENCE:-}" ]; then
  venv="${REF_VENV:-/tmp/scim2-server-venv}"
  [ -x "$venv/bin/scim2-server" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q scim2-server==0.8.3; }
  "$venv/bin/scim2-server" --port 18182 --bearer-token bench > "$work/reference.log" 2>&1 &
  ref_pid=$!; pids+=("$ref_pid")
  ready http://127.0.0.1:18182/v2/ServiceProviderConfig
  echo; echo "## Reference (scim2-server 0.8.3, in memory)"
  SERVER_PID=$ref_pid IDS_FILE="$work/ref-ids.txt" \
    bash "$PERF/perf_anchor.sh" http://127.0.0.1:18182/v2 "Authorization: Bearer bench" | tee "$work/reference.out"
  kill "$ref_pid"
  columns+=(reference)
fi

echo; echo "## Side by side (req/s or users/s; ratios against the reference)"
python3 - "$work" "${columns[@]}" <<'PY'
import re, sys
work, names = sys.argv[1], sys.argv[2:]
def rates(path):
    out = {}
    for line in open(path):
        m = re.match(r"\|\s*(get_by_id|filter_fixed|filter_random|list_100|post_user)\s*\|\s*\d+\s*\|\s*([\d.]+)", line)
        if m: out[m.group(1)] = float(m.group(2))
        m = re.search(r"POST /Users x\d+ concurrency=(\d+): .*?rate=([\d.]+) users/s", line)
        if m: out[f"POST c={m.group(1)}"] = float(m.group(2))
    return out
table = {n: rates(f"{work}/{n}.out") for n in names}
keys = list(table[names[0]])
ref = table.get("reference")
header = "| test | " + " | ".join(names) + (" | " + " | ".join(f"{n}/ref" for n in names if n != "reference") if ref else "") + " |"
print(header)
print("|" + "---|" * (header.count("|") - 1))
for k in keys:
    cells = [f"{table[n].get(k, 0):.0f}" for n in names]
    if ref and ref.get(k):
        cells += [f"{table[n].get(k, 0) / ref[k]:.1f}x" for n in names if n != "reference"]
    print(f"| {k} | " + " | ".join(cells) + " |")
PY

if [ -z "${SKIP_DEACTIVATION:-}" ]; then
  echo; echo "## Deactivation backlog"
  bash "$ROOT/scripts/bench_deactivation.sh" "$BIN" "$PERF"
fi
