#!/usr/bin/env bash
# "Apply org and role settings" over N users (default 100,000) in G SCIM groups (default 1,000), every user in two
# groups. Users and groups are pushed over SCIM by a real server (release build); the provider then maps every
# group to one of 50 organizations (method groups, five priorities), 100 groups to roles and 10 to a watchlist,
# with the CLI. Measured: `roster provider apply-mappings` as a separate process, dry run then real run, wall time
# and peak RSS of that process. Usage: scripts/bench_mappings.sh [PERF_DIR]
# Env: N_USERS, N_GROUPS, BIN (default .build/release/roster, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
PERF="${1:-$(cd .. && pwd)/shared/perf}"
N="${N_USERS:-100000}"; G="${N_GROUPS:-1000}"
BIN="${BIN:-.build/release/roster}"
[ -x "$BIN" ] || swift build -c release --product roster > /dev/null
work="$(mktemp -d)"; db="$work/roster.sqlite"; port=18291
"$BIN" serve --database "$db" --port $port --log-level warning --rate-limit 0 > "$work/server.log" 2>&1 & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/healthz && break; sleep 0.1; done
"$BIN" provider add --database "$db" --name bench --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
base="http://127.0.0.1:$port/scim/$id/v2"
export SCIM_AUTH_HEADER="Authorization: Bearer $secret"
echo "loading $N users over SCIM (8 clients)..."
python3 "$PERF/perf_load_users.py" "$base" --count "$N" --start 1 --concurrency 8 --ids-out "$work/ids.txt" --max-seconds 900 > "$work/load.out"; head -1 "$work/load.out"
echo "pushing $G groups over SCIM (each user in two groups)..."
python3 - "$base" "$secret" "$work/ids.txt" "$G" <<'PY'
import http.client, json, sys, time
from urllib.parse import urlsplit
base, secret, path, groups = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ids = [line.split("\t")[1].strip() for line in open(path)]
members = [[] for _ in range(groups)]
for k, i in enumerate(ids):
    members[k % groups].append(i)
    members[(k // 100 + 1) % groups].append(i)
u = urlsplit(base); c = http.client.HTTPConnection(u.hostname, u.port)
t = time.perf_counter()
for g in range(groups):
    body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"group-{g:04d}",
                       "members": [{"value": m} for m in dict.fromkeys(members[g])]})
    c.request("POST", f"{u.path}/Groups?excludedAttributes=members", body=body,
              headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"})
    r = c.getresponse(); r.read(); assert r.status == 201, r.status
print(f"pushed {groups} groups in {time.perf_counter() - t:.1f}s")
PY
echo "mapping groups with the CLI..."
t0=$(date +%s)
for o in $(seq 0 49); do "$BIN" org add "org-$o" --database "$db" > /dev/null; done
"$BIN" org-mapping set "$id" --method groups --database "$db" > /dev/null
"$BIN" watchlist add "High Risk" --database "$db" > /dev/null
seq 0 $((G - 1)) | xargs -P 4 -I{} sh -c 'g=$(printf "%04d" {}); "$0" org-mapping add "$1" --group "group-$g" --org "org-$(( {} % 50 ))" --priority $(( {} % 5 + 1 )) --database "$2" > /dev/null' "$BIN" "$id" "$db"
seq 0 99 | xargs -P 4 -I{} sh -c 'g=$(printf "%04d" $(( {} * 10 ))); "$0" role-mapping add "$1" --group "group-$g" --role "Security Administrator" --role "Insider Risk Analyst" --database "$2" > /dev/null' "$BIN" "$id" "$db"
seq 0 9 | xargs -I{} sh -c 'g=$(printf "%04d" $(( {} * 7 + 3 ))); "$0" watchlist-mapping add "$1" --group "group-$g" --watchlist "High Risk" --database "$2" > /dev/null' "$BIN" "$id" "$db"
echo "mapped in $(( $(date +%s) - t0 ))s"
measure() {  # measure LABEL ARGS...: wall time and peak RSS of one roster process
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
out = subprocess.run(cmd, capture_output=True, text=True)
elapsed = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if out.returncode != 0: print(out.stderr); sys.exit(1)
summary = [l.strip() for l in out.stdout.splitlines() if l.startswith(("Users evaluated", "Users changed", "Organization moves", "Role changes", "Watchlist additions"))]
print(f"{label:10s} {elapsed:6.1f} s   peak RSS {rss:6.1f} MiB   " + " | ".join(summary))
PY
}
measure "dry run" "$BIN" provider apply-mappings "$id" --dry-run --quiet --show 0 --database "$db"
measure "apply" "$BIN" provider apply-mappings "$id" --quiet --show 0 --database "$db"
measure "again" "$BIN" provider apply-mappings "$id" --quiet --show 0 --database "$db"
echo "sync-log entries written by the run: $(sqlite3 "$db" "SELECT COUNT(*) FROM sync_log WHERE request_id LIKE 'apply:%'")"
echo "organizations: $(sqlite3 "$db" "SELECT COUNT(DISTINCT organization_id) FROM users") in use; roles rows: $(sqlite3 "$db" "SELECT COUNT(*) FROM user_roles"); watchlist rows: $(sqlite3 "$db" "SELECT COUNT(*) FROM watchlist_members")"
