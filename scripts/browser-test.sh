#!/usr/bin/env bash
# Headless-browser end-to-end test of the admin console: installs Chromium, its driver and selenium if missing,
# starts the server on a fresh SQLite database on a free port, and runs scripts/browser-test.py against it
# (first-admin setup, sign-in, a provider, SCIM pushes as Okta, role mapping, apply, users, deactivation, the
# directory pages, accessibility and keyboard checks). Screenshots go to .build/screenshots/, with the server's
# log beside them. Ends with "browser: N passed, M failed"; exits non-zero on any failure.
# Usage: scripts/browser-test.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
SHOTS=".build/screenshots"
started=$(date +%s)

export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "installing chromium and chromium-driver"
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! python3 -c 'import selenium, sys; sys.exit(int(selenium.__version__.split(".")[0]) < 4)' 2>/dev/null; then
  echo "installing selenium"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q 'selenium>=4,<5'
fi

if [ ! -x "$BIN" ]; then echo "no server binary at $BIN (build it first or set ROSTER_BIN)"; echo "browser: 0 passed, 1 failed"; exit 1; fi
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  mkdir -p "$SHOTS"; cp "$work/server.log" "$SHOTS/server.log" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" serve --database "$work/roster.sqlite" --port "$port" --public-url "$url" > "$work/server.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 1 150); do
  if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$url/healthz" 2>/dev/null; then
    up=1; break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "server did not answer $url/healthz; its log:"; cat "$work/server.log"
  echo "browser: 0 passed, 1 failed"; exit 1
fi

rc=0
PYTHONUNBUFFERED=1 python3 scripts/browser-test.py --url "$url" --log "$work/server.log" --screenshots "$SHOTS" \
  | tee "$work/browser.out" || rc=$?
last="$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed$' "$work/browser.out" | tail -1 || true)"
passed=0; failed=1  # no summary line: the test script itself broke
if [ -n "$last" ]; then
  passed="$(sed -E 's/^browser: ([0-9]+) passed.*/\1/' <<<"$last")"
  failed="$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$last")"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
fi
if ! kill -0 "$pid" 2>/dev/null; then
  echo "FAIL the server exited during the test; the end of its log:"; tail -20 "$work/server.log"
  failed=$((failed + 1))
fi
echo "took $(( $(date +%s) - started ))s; screenshots and server.log in $SHOTS/"
echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
