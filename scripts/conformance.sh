#!/usr/bin/env bash
# Runs the third-party SCIM conformance tools (shared/conformance/conformance.sh) against the real server on a
# fresh database: with Bearer and with Basic credentials. Fails unless every failure is one listed, with its
# reason, in scripts/conformance-expected.txt.
# Usage: scripts/conformance.sh PATH/TO/conformance.sh   (uses .build/debug/roster; builds it if missing)
#        DATABASE=postgres://… scripts/conformance.sh …  (the same run on a PostgreSQL-backed server)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNNER="${1:?path to shared/conformance/conformance.sh}"
BIN="${ROSTER_BIN:-.build/debug/roster}"
[ -x "$BIN" ] || swift build --product roster
work="$(mktemp -d)"
port="${PORT:-18$((RANDOM % 900 + 100))}"
db="${DATABASE:-$work/roster.sqlite}"
echo "database: $(sed -E 's#://([^:@/]*):[^@]*@#://\1:***@#' <<<"$db")"
"$BIN" serve --database "$db" --port "$port" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server did not start"; cat "$work/server.log"; exit 1; }

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
status=0
# The tools generate random non-email userNames (UUIDs), so they run against a provider whose userName format is
# `any`; everything else (countries, members, uniqueness, ...) is validated as for every provider.
for auth in bearer basic; do
  "$BIN" provider add --database "$db" --name "conformance-$auth" --user-name-format any --json > "$work/$auth.json"
  base=$(field "$work/$auth.json" baseURL)
  secret=$(field "$work/$auth.json" secret)
  user=$(field "$work/$auth.json" username)
  credential="$secret"
  [ "$auth" = basic ] && credential="$user:$secret"
  echo "--- $auth"
  bash "$RUNNER" "$base" "$credential" > "$work/$auth.out" 2>&1 || true
  grep -E "^(scim2-tester|scim-sanity|conformance):|^  (ERROR|FAIL|CRITICAL|DEVIATION|SKIPPED)" "$work/$auth.out" || true
  unexpected=$(grep -E "^  (ERROR|FAIL|CRITICAL|DEVIATION)" "$work/$auth.out" | sed 's/^  //' \
    | grep -vxF -f <(grep -v '^#' scripts/conformance-expected.txt | sed 's/ *#.*$//' | grep -v '^$') || true)
  if ! grep -q "^conformance: " "$work/$auth.out"; then
    echo "conformance did not finish ($auth)"; tail -20 "$work/$auth.out"; status=1
  elif [ -n "$unexpected" ]; then
    echo "UNEXPECTED conformance failures ($auth):"; echo "$unexpected"; status=1
  fi
done
exit $status
