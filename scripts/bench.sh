#!/usr/bin/env bash
# Benchmarks Roster (release build) on a fresh SQLite database and on a fresh PostgreSQL schema, side by side with
# the python-scim reference server (scim2-server 0.8.3, in memory), all measured by the same
# ../shared/perf/perf_anchor.sh in the same run, and on the same PostgreSQL cluster: pgbench (TPC-B with and without
# prepared statements, select-only; 8 clients, 2 threads) on a scratch database, two `roster serve` instances on one
# schema against one, and the Okta-style initial sync (scripts/bench_initial_sync.sh). Prints each part's output,
# one side-by-side table with ratios, and a last block of targets, each "met" or "NOT met" (printed only: the
# script does not fail on a missed target).
# Usage: scripts/bench.sh [PERF_DIR]  (default ../shared/perf)
# Env:
#   ROSTER_BIN                  the roster binary to measure (default: builds .build/release/roster)
#   ROSTER_TEST_POSTGRES_URL    a PostgreSQL server (postgres://USER[:PASSWORD]@HOST:PORT/DB…); pgbench uses its
#                               host, port, user and password (else scripts/postgres.sh starts one on 127.0.0.1)
#   N_USERS (10000)             users perf_anchor.sh loads (also bench_deactivation.sh's count, default 100000)
#   MEMBERS (100000)            the big group of the membership benchmark
#   PGBENCH_TIME (15)           seconds of each pgbench run; PGBENCH_SCALE (16): pgbench -i's scale factor (a
#                               branch row for each of the 16 clients of the two-process run, so that TPC-B's
#                               clients do not wait on each other's row)
#   TWO_INSTANCE_USERS (10000)  users POSTed in each of the two-instance runs (one instance: all of them by 8
#                               clients; two instances: half each, by 8 clients each, at the same time)
#   TWO_INSTANCE_ROUNDS (5)     interleaved rounds of one and two instances (their medians are compared)
#   USERS (100000)              users of the initial sync on PostgreSQL
#   SKIP_REFERENCE=1, SKIP_POSTGRES=1 (also leaves out every part below on PostgreSQL), SKIP_PGBENCH=1,
#   SKIP_TWO_INSTANCES=1, SKIP_INITIAL_SYNC=1, SKIP_MEMBERSHIP=1, SKIP_DEACTIVATION=1, SKIP_INSPECTOR=1 leave
#   parts out. The request inspector's cost on POST (interleaved runs with recording on and off) is
#   scripts/bench_inspector.sh, run here as the last part.
set -euo pipefail
[ -n "${ROSTER_BIN:-}" ] && ROSTER_BIN="$(realpath "$ROSTER_BIN")"
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PERF="${1:-$(cd .. && pwd)/shared/perf}"
work="$(mktemp -d)"
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

if [ -n "${ROSTER_BIN:-}" ]; then
  BIN="$ROSTER_BIN"
else
  echo "building release..."
  if ! swift build -c release --product roster > "$work/build.log" 2>&1; then tail -30 "$work/build.log"; exit 1; fi
  BIN="$ROOT/.build/release/roster"
fi

pids=()
schemas=()
pgbench_db=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  for s in "${schemas[@]}"; do
    psql "$pg_admin" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
  done
  [ -z "$pgbench_db" ] || psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pgbench_db WITH (FORCE)" >/dev/null 2>&1 \
    || true
}
trap cleanup EXIT
ready() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }

# serve NAME DATABASE PORT: starts `roster serve` in the background and waits until it answers; sets $pid.
serve() {
  "$BIN" serve --database "$2" --port "$3" --log-level warning --rate-limit 0 > "$work/$1.log" 2>&1 &
  pid=$!; pids+=("$pid")
  ready "http://127.0.0.1:$3/healthz"
}
# provider NAME DATABASE: adds a provider; sets $provider_id and $secret.
provider() {
  "$BIN" provider add --database "$2" --name bench --json > "$work/$1-provider.json"
  provider_id=$(python3 -c "import json;print(json.load(open('$work/$1-provider.json'))['id'])")
  secret=$(python3 -c "import json;print(json.load(open('$work/$1-provider.json'))['secret'])")
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

# --- PostgreSQL: the cluster, and a fresh schema per part ----------------------------------------------------
if [ -z "${SKIP_POSTGRES:-}" ]; then
  pg_url="${ROSTER_TEST_POSTGRES_URL:-$(bash "$ROOT/scripts/postgres.sh" start)}"
  pg_admin="${pg_url%%\?*}"
  pg_sep='?'; [[ "$pg_url" == *\?* ]] && pg_sep='&'
fi
# new_schema PREFIX: a new schema name (dropped by drop_schema, or on exit); sets $schema and $database (its URL).
new_schema() {
  schema="${1}_$(date +%s)_$RANDOM"; schemas+=("$schema")
  database="$pg_url${pg_sep}schema=$schema"
}
# A part's schema goes with it: schemas left behind slow the next parts' catalog lookups.
drop_schema() { psql "$pg_admin" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $1 CASCADE" >/dev/null; }
# analyzed SCHEMA: how many times the users table of SCHEMA has been analyzed so far (ANALYZE or autovacuum).
analyzed() {
  psql "$pg_admin" -tAc "SELECT coalesce(sum(analyze_count + autoanalyze_count), 0) FROM pg_stat_user_tables
    WHERE schemaname = '$1' AND relname = 'users'"
}

# sqlite_stats FILE: whether ANALYZE (or PRAGMA optimize) ever ran on the SQLite database FILE.
sqlite_stats() {
  python3 - "$1" <<'PY'
import sqlite3, sys
found = sqlite3.connect(sys.argv[1]).execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
print("exists" if found else "absent")
PY
}

# --- Roster, on SQLite and on PostgreSQL ------------------------------------------------------------------------
# run_roster NAME DATABASE PORT [SCHEMA]: perf_anchor.sh and the membership benchmark against a fresh Roster on
# DATABASE. With SCHEMA (PostgreSQL), notes how often its users table was analyzed when the reads ended.
run_roster() {
  local name="$1" database="$2" port="$3" schema="${4:-}"
  serve "$name" "$database" "$port"
  local server=$pid
  provider "$name" "$database"
  local base="http://127.0.0.1:$port/scim/$provider_id/v2"
  echo; echo "## Roster on $name"
  SERVER_PID=$server IDS_FILE="$work/$name-ids.txt" \
    bash "$PERF/perf_anchor.sh" "$base" "Authorization: Bearer $secret" | while IFS= read -r line; do
      # perf_anchor.sh prints this heading right after its reads: the statistics the reads were planned with.
      if [ -n "$schema" ] && [[ "$line" == "### creation, 8"* ]]; then
        analyzed "$schema" > "$work/$name-analyzed.txt"
      fi
      printf '%s\n' "$line"
    done | tee "$work/$name.out"
  if [ -n "$schema" ]; then
    local count; count=$(cat "$work/$name-analyzed.txt" 2>/dev/null || echo "?")
    echo "Reads right after the load, no ANALYZE in between: bench.sh, perf_anchor.sh, perf_load_users.py and" \
      "Roster's start-up run none; the users table had been analyzed $count times when the reads ended" \
      "(ANALYZE or autovacuum; autovacuum: $(psql "$pg_admin" -tAc 'SHOW autovacuum'))."
  else
    echo "Reads right after the load, no ANALYZE in between: bench.sh, perf_anchor.sh, perf_load_users.py and" \
      "Roster's start-up run none; SQLite's statistics table (sqlite_stat1) $(sqlite_stats "$database") after the run."
  fi
  if [ -z "${SKIP_MEMBERSHIP:-}" ]; then
    echo; echo "## Membership cost on $name: one member added to a group of ${MEMBERS:-100000} vs a group of 10"
    python3 "$ROOT/scripts/bench_membership.py" "$base" "$secret" --members "${MEMBERS:-100000}"
  fi
  stop "$server"
  [ -z "$schema" ] || drop_schema "$schema"
}

run_roster sqlite "$work/roster.sqlite" 18181
columns=(sqlite)
if [ -z "${SKIP_POSTGRES:-}" ]; then
  new_schema bench
  run_roster postgres "$database" 18183 "$schema"
  columns+=(postgres)
fi

# --- pgbench on the same cluster ---------------------------------------------------------------------------------
# What the cluster itself does on this machine: TPC-B (5 statements per transaction, 3 updates) with 8 clients and
# 2 threads, as Roster's POST (8 clients) is measured; with prepared statements, with plain queries, and select-only.
if [ -z "${SKIP_POSTGRES:-}" ] && [ -z "${SKIP_PGBENCH:-}" ]; then
  pgbench_bin="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)"
  read -r pg_host pg_port pg_user pg_password < <(python3 - "$pg_url" <<'PY'
import sys
from urllib.parse import unquote, urlsplit
u = urlsplit(sys.argv[1])
print(u.hostname or "127.0.0.1", u.port or 5432, unquote(u.username or "postgres"), unquote(u.password or "") or "-")
PY
)
  [ "$pg_password" = "-" ] || export PGPASSWORD="$pg_password"
  pgbench_db="pgbench_$(date +%s)_$RANDOM"
  psql "$pg_admin" -qc "CREATE DATABASE $pgbench_db" >/dev/null
  pgb() { "$pgbench_bin" -h "$pg_host" -p "$pg_port" -U "$pg_user" "$@" "$pgbench_db"; }
  echo; echo "## pgbench on the same PostgreSQL cluster ($pg_host:$pg_port, a scratch database, scale" \
    "${PGBENCH_SCALE:-16})"
  pgb -i -q -s "${PGBENCH_SCALE:-16}" > "$work/pgbench-init.log" 2>&1 || { cat "$work/pgbench-init.log"; exit 1; }
  : > "$work/pgbench.out"
  for run in "tpcb_prepared:TPC-B, prepared (-M prepared):-M prepared" "tpcb_simple:TPC-B, plain queries:-M simple" \
             "select_only:select-only (-S -M prepared):-S -M prepared"; do
    IFS=: read -r key label args <<< "$run"
    # shellcheck disable=SC2086
    pgb -c 8 -j 2 -T "${PGBENCH_TIME:-15}" $args > "$work/pgbench-$key.log" 2>&1 \
      || { cat "$work/pgbench-$key.log"; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-$key.log" | head -1)
    latency=$(sed -n 's/^latency average = \(.*\)$/\1/p' "$work/pgbench-$key.log")
    echo "pgbench $label, 8 clients, 2 threads, ${PGBENCH_TIME:-15} s: tps = ${tps%.*} (latency average $latency)"
    echo "$key $tps" >> "$work/pgbench.out"
  done
  # What the cluster gains on this machine from a second writer process, as the two-instance runs below add a
  # second Roster with 8 clients of its own: two pgbench processes of 8 clients each (1 thread each) at once, TPC-B
  # prepared, against the single process above.
  pgbench_pids=()
  for side in a b; do
    pgb -c 8 -j 1 -T "${PGBENCH_TIME:-15}" -M prepared > "$work/pgbench-two-$side.log" 2>&1 &
    pgbench_pids+=($!)
  done
  wait "${pgbench_pids[@]}" || { cat "$work"/pgbench-two-?.log; exit 1; }
  tps=$(cat "$work"/pgbench-two-?.log | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | awk '{s += $1} END {print s}')
  echo "pgbench TPC-B, prepared, two processes of 8 clients at once, ${PGBENCH_TIME:-15} s: tps = ${tps%.*} in all" \
    "($(python3 -c "print(f'{$tps / $(awk '$1 == "tpcb_prepared" {print $2}' "$work/pgbench.out"):.2f}')")x one process's)"
  echo "tpcb_two_processes $tps" >> "$work/pgbench.out"
  psql "$pg_admin" -qc "DROP DATABASE $pgbench_db" >/dev/null; pgbench_db=""
fi

# --- Two instances on one PostgreSQL schema ----------------------------------------------------------------------
# TWO_INSTANCE_ROUNDS interleaved rounds, each on fresh schemas: one instance takes TWO_INSTANCE_USERS users from 8
# clients; then two instances take half each from 8 clients each, at once. Users/s of the pair: every user created
# over the longer loader's wall time. On two shared cores one run moves by a fifth, so the ratio is of the medians.
# Each run also prints Roster's and PostgreSQL's CPU per user (utime + stime from /proc over the run).
if [ -z "${SKIP_POSTGRES:-}" ] && [ -z "${SKIP_TWO_INSTANCES:-}" ]; then
  total="${TWO_INSTANCE_USERS:-10000}"; half=$((total / 2)); rounds="${TWO_INSTANCE_ROUNDS:-5}"
  echo; echo "## Two instances on one PostgreSQL schema ($total users, 8 clients per instance, $rounds rounds)"
  ticks() { for p in "$@"; do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s+=$1} END{print s+0}'; }
  pg_ticks() { ticks $(pgrep -x postgres); }
  : > "$work/two-runs.txt"
  for round in $(seq 1 "$rounds"); do
    new_schema one
    serve one "$database" 18184; one_pid=$pid
    provider one "$database"
    r0=$(ticks "$one_pid"); p0=$(pg_ticks)
    SCIM_AUTH_HEADER="Authorization: Bearer $secret" python3 "$PERF/perf_load_users.py" \
      "http://127.0.0.1:18184/scim/$provider_id/v2" --count "$total" --start 1 --concurrency 8 > "$work/one.out" || true
    r1=$(ticks "$one_pid"); p1=$(pg_ticks)
    stop "$one_pid"; drop_schema "$schema"
    echo "one $r0 $r1 $p0 $p1" > "$work/one.cpu"
    new_schema two
    serve two-a "$database" 18184; a_pid=$pid
    serve two-b "$database" 18185; b_pid=$pid
    provider two "$database"
    r0=$(ticks "$a_pid" "$b_pid"); p0=$(pg_ticks); loaders=()
    for port in 18184 18185; do
      SCIM_AUTH_HEADER="Authorization: Bearer $secret" python3 "$PERF/perf_load_users.py" \
        "http://127.0.0.1:$port/scim/$provider_id/v2" --count "$half" --start $(( port == 18184 ? 1 : half + 1 )) \
        --concurrency 8 > "$work/two-$port.out" &
      loaders+=($!)
    done
    wait "${loaders[@]}" || true
    r1=$(ticks "$a_pid" "$b_pid"); p1=$(pg_ticks)
    stop "$a_pid"; stop "$b_pid"; drop_schema "$schema"
    echo "two $r0 $r1 $p0 $p1" > "$work/two.cpu"
    python3 - "$work" "$round" <<'PY2'
import re, sys
work, round_ = sys.argv[1], sys.argv[2]
hz = 100
def run(path):
    m = re.search(r"created=(\d+) errors=(\d+) wall=([\d.]+)s", open(path).read())
    return (int(m.group(1)), int(m.group(2)), float(m.group(3))) if m else (0, 0, float("inf"))
def cpu(path, users):
    _, r0, r1, p0, p1 = open(path).read().split()
    per = lambda a, b: (int(b) - int(a)) * 1e6 / hz / max(users, 1)
    return f"Roster {per(r0, r1):.0f} µs/user, PostgreSQL {per(p0, p1):.0f} µs/user"
one = run(f"{work}/one.out")
a, b = run(f"{work}/two-18184.out"), run(f"{work}/two-18185.out")
one_rate = one[0] / one[2]
two_rate = (a[0] + b[0]) / max(a[2], b[2])
with open(f"{work}/two-runs.txt", "a") as f: f.write(f"{one_rate} {two_rate}\n")
print(f"round {round_}: one instance {one[0]} users in {one[2]:.2f} s = {one_rate:.0f} users/s ({one[1]} errors; "
      f"{cpu(f'{work}/one.cpu', one[0])})")
print(f"round {round_}: two instances {a[0] + b[0]} users in {max(a[2], b[2]):.2f} s = {two_rate:.0f} users/s "
      f"({a[1] + b[1]} errors; {cpu(f'{work}/two.cpu', a[0] + b[0])}); two / one = {two_rate / one_rate:.2f}x")
PY2
  done
  python3 - "$work" <<'PY2'
import statistics, sys
work = sys.argv[1]
runs = [tuple(map(float, l.split())) for l in open(f"{work}/two-runs.txt") if l.strip()]
one = statistics.median(r[0] for r in runs); two = statistics.median(r[1] for r in runs)
open(f"{work}/two.txt", "w").write(f"one {one}\ntwo {two}\n")
print(f"medians: one instance {one:.0f} users/s, two instances {two:.0f} users/s; two / one = {two / one:.2f}x")
PY2
fi

# --- Initial sync on PostgreSQL --------------------------------------------------------------------------------
if [ -z "${SKIP_POSTGRES:-}" ] && [ -z "${SKIP_INITIAL_SYNC:-}" ]; then
  echo; echo "## Okta-style initial sync on PostgreSQL (${USERS:-100000} users, lookup then POST, 8 clients)"
  USERS="${USERS:-100000}" RUNS=1 ROSTER_BIN="$BIN" DATABASE="$pg_url" bash "$ROOT/scripts/bench_initial_sync.sh" \
    | tee "$work/sync.out"
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

# The side-by-side table (mode table) and the targets (mode targets), from the parts' outputs in $work.
cat > "$work/report.py" <<'PY'
import os, re, sys
mode, work, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def rates(path):
    out = {}
    for line in open(path):
        m = re.match(r"\|\s*(get_by_id|filter_fixed|filter_random|list_100|post_user)\s*\|\s*\d+\s*\|\s*([\d.]+)", line)
        if m: out[m.group(1)] = float(m.group(2))
        m = re.search(r"POST /Users x\d+ concurrency=(\d+): .*?rate=([\d.]+) users/s", line)
        if m: out[f"POST c={m.group(1)}"] = float(m.group(2))
    return out
def pairs(path):
    return {k: float(v) for k, v in (line.split() for line in open(path))} if os.path.exists(path) else {}
table = {n: rates(f"{work}/{n}.out") for n in names}
ref = table.get("reference")
pgbench = pairs(f"{work}/pgbench.out")
post_pg = table.get("postgres", {}).get("POST c=8")
if mode == "table":
    keys = list(table[names[0]])
    ratios = [f"{n}/ref" for n in names if n != "reference"] if ref else []
    header = "| test | " + " | ".join(names + ratios) + " |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for k in keys:
        cells = [f"{table[n].get(k, 0):.0f}" for n in names]
        if ref and ref.get(k):
            cells += [f"{table[n].get(k, 0) / ref[k]:.1f}x" for n in names if n != "reference"]
        print(f"| {k} | " + " | ".join(cells) + " |")
    if post_pg and pgbench.get("tpcb_prepared"):
        print(f"Roster POST (8 clients) on PostgreSQL = {post_pg / pgbench['tpcb_prepared'] * 100:.0f}% of pgbench "
              f"TPC-B (prepared) ({post_pg:.0f} users/s against {pgbench['tpcb_prepared']:.0f} tps, same cluster)")
    sys.exit()

def line(label, value, met):
    print(f"{label:<70} {value:<44} {'met' if met else 'NOT met'}")
def skipped(label, why):
    print(f"{label:<70} {why}")
def ratio(store, key, label, target):
    label = f"{store} {label} >= {target:g}x reference"
    mine = table.get({"PostgreSQL": "postgres", "SQLite": "sqlite"}[store], {}).get(key)
    if mine is None: return skipped(label, f"skipped ({store} not measured)")
    if not ref or not ref.get(key): return skipped(label, "skipped (no reference)")
    line(label, f"{mine / ref[key]:.1f}x ({mine:.0f} against {ref[key]:.0f}/s)", mine / ref[key] >= target)
ratio("PostgreSQL", "get_by_id", "GET /Users/{id}", 5)
ratio("PostgreSQL", "filter_random", "userName eq (random user)", 5)
ratio("PostgreSQL", "list_100", "100-user page", 100)
ratio("PostgreSQL", "POST c=8", "POST /Users (8 clients)", 2)
label = "PostgreSQL POST /Users (8 clients) >= 25% of pgbench TPC-B (prepared)"
if post_pg and pgbench.get("tpcb_prepared"):
    share = post_pg / pgbench["tpcb_prepared"]
    line(label, f"{share * 100:.0f}% ({post_pg:.0f} users/s, {pgbench['tpcb_prepared']:.0f} tps)", share >= 0.25)
else:
    skipped(label, "skipped (PostgreSQL or pgbench not measured)")
ratio("SQLite", "get_by_id", "GET /Users/{id}", 10)
ratio("SQLite", "filter_fixed", "userName eq (fixed user)", 10)
ratio("SQLite", "filter_random", "userName eq (random user)", 10)
ratio("SQLite", "list_100", "100-user page", 100)
ratio("SQLite", "post_user", "POST /Users (wrk, 32 connections)", 3)
two = pairs(f"{work}/two.txt")
label = "PostgreSQL two instances' users/s >= one instance's"
if two:
    line(label, f"{two['two'] / two['one']:.2f}x ({two['two']:.0f} against {two['one']:.0f} users/s)",
         two["two"] >= two["one"])
    if pgbench.get("tpcb_two_processes") and pgbench.get("tpcb_prepared"):
        skipped("  for scale: pgbench TPC-B, two processes against one, same cluster",
                f"{pgbench['tpcb_two_processes'] / pgbench['tpcb_prepared']:.2f}x "
                f"({pgbench['tpcb_two_processes']:.0f} against {pgbench['tpcb_prepared']:.0f} tps)")
else:
    skipped(label, "skipped")
label = "Request inspector's cost on POST /Users (SQLite, interleaved) < 10%"
cost = re.search(r"inspector cost: ([\d.-]+)%", open(f"{work}/inspector.out").read()) \
    if os.path.exists(f"{work}/inspector.out") else None
if cost:
    line(label, f"{float(cost.group(1)):.1f}%", float(cost.group(1)) < 10)
else:
    skipped(label, "skipped")
label = "PostgreSQL initial sync of 100,000 users < 120 s"
sync = re.search(r"initial sync: (\d+) users in ([\d.]+) s", open(f"{work}/sync.out").read()) \
    if os.path.exists(f"{work}/sync.out") else None
if not sync:
    skipped(label, "skipped")
elif int(sync.group(1)) < 100000:
    skipped(label, f"{sync.group(2)} s for {sync.group(1)} users: not judged (USERS below 100,000)")
else:
    line(label, f"{float(sync.group(2)):.1f} s for {sync.group(1)} users", float(sync.group(2)) < 120)
PY

echo; echo "## Side by side (req/s or users/s; ratios against the reference)"
python3 "$work/report.py" table "$work" "${columns[@]}"

if [ -z "${SKIP_DEACTIVATION:-}" ]; then
  echo; echo "## Deactivation backlog"
  bash "$ROOT/scripts/bench_deactivation.sh" "$BIN" "$PERF"
fi

if [ -z "${SKIP_INSPECTOR:-}" ]; then
  echo; echo "## Request inspector (interleaved POST runs, recording on and off)"
  ROSTER_BIN="$BIN" bash "$ROOT/scripts/bench_inspector.sh" "$PERF" | tee "$work/inspector.out"
fi

echo; echo "## Targets (measured in this run on $(nproc) cores; printed only, the script does not fail on them)"
python3 "$work/report.py" targets "$work" "${columns[@]}"
echo "bench.sh: $(( $(date +%s) - started )) s"
