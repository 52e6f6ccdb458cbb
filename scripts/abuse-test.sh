#!/usr/bin/env bash
# Bad input and abusive clients against the real server: every answer is a clear 4xx SCIM error, quickly, and the
# server's memory stays bounded.
#   - a filter over the parser's 4,096 characters, a 100 KB request line (over the 16 KiB limit), a 2 MiB body, JSON nested 100,000 deep, a PATCH of 10,000 operations;
#   - 300 slow clients trickling a request head a byte at a time and 300 that stall mid-request, while a normal
#     client keeps its latency; stalled connections are closed after the idle timeout;
#   - a provider over its rate limit gets 429 with Retry-After.
# Unauthenticated memory growth and slow bodies against the request deadline and the connection cap have scripts
# of their own (scripts/memory-abuse-test.sh, scripts/slow-client-test.sh), run beside this one by .ci/run.
# Prints "abuse: N passed, M failed".
# Usage: scripts/abuse-test.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-19$((RANDOM % 900 + 100))}"
passed=0; failed=0; pids=()
check() { local name="$1"; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi; }
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done' EXIT
serve() { "$BIN" serve --database "$db" --port "$1" --log-level warning "${@:2}" >> "$work/server.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done; return 1; }

"$BIN" provider add --database "$db" --name Okta --json > "$work/p.json"
id=$(python3 -c "import json;print(json.load(open('$work/p.json'))['id'])")
secret=$(python3 -c "import json;print(json.load(open('$work/p.json'))['secret'])")
serve "$port" --rate-limit 0 --idle-timeout 2
server_pid=${pids[0]}

python3 - "$port" "$id" "$secret" "$server_pid" > "$work/results.txt" <<'PY'
import http.client, json, socket, statistics, sys, threading, time
port, pid, secret, server_pid = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
base = f"/scim/{pid}/v2"
H = {"Authorization": "Bearer " + secret, "Content-Type": "application/scim+json"}
def rss():
    for line in open(f"/proc/{server_pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) / 1024
def call(method, path, body=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t = time.time()
    try:
        c.request(method, base + path, body=body, headers=H)
        r = c.getresponse(); data = r.read()
    except (ConnectionError, http.client.HTTPException) as e:
        return 0, {}, time.time() - t
    try: doc = json.loads(data) if data else {}
    except ValueError: doc = {"raw": data[:100].decode(errors="replace")}
    return r.status, doc, time.time() - t
def report(name, ok, detail=""):
    print(("PASS" if ok else "FAIL") + "\t" + name + ("\t" + detail if detail else ""))
scim_error = lambda d: "urn:ietf:params:scim:api:messages:2.0:Error" in d.get("schemas", [])
before = rss()

s, d, t = call("GET", "/Users?filter=" + "userName%20eq%20%22" + "a" * 5_000 + "%22")
report("a 5,000-character filter: 400 invalidFilter SCIM error in under a second", s == 400 and d.get("scimType") == "invalidFilter" and t < 1, f"{s} {t*1000:.0f} ms {d.get('scimType')} {str(d.get('detail'))[:80]}")
s, d, t = call("GET", "/Users?filter=" + "userName%20eq%20%22" + "a" * 100_000 + "%22")
report("a 100 KB request line: 400 from the HTTP decoder in under a second", s in (0, 400) and t < 1, f"{s} {t*1000:.0f} ms")
s, d, t = call("POST", "/Users", json.dumps({"userName": "x@example.com", "title": "x" * (2 << 20)}))
report("a 2 MiB body: 413 SCIM error", s == 413 and scim_error(d), f"{s} {t*1000:.0f} ms")
deep = "[" * 100_000 + "]" * 100_000
s, d, t = call("POST", "/Users", '{"userName":"deep@example.com","x":' + deep + "}")
report("JSON nested 100,000 deep: 400 SCIM error in under a second", s == 400 and scim_error(d) and t < 1, f"{s} {t*1000:.0f} ms {str(d.get('detail'))[:80]}")
s, u, _ = call("POST", "/Users", json.dumps({"userName": "ann@example.com"}))
ops = [{"op": "replace", "path": "nickName", "value": f"n{i}"} for i in range(10_000)]
s, d, t = call("PATCH", f"/Users/{u['id']}", json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
report("a PATCH of 10,000 operations: 413 SCIM error in under a second", s == 413 and scim_error(d) and t < 1, f"{s} {t*1000:.0f} ms {str(d.get('detail'))[:80]}")
s, d, _ = call("GET", f"/Users/{u['id']}")
report("and nothing of it was applied", s == 200 and "nickName" not in d)

# Slow clients: 300 trickle a request head a byte every half second; 300 send half a head and stall.
stop = threading.Event()
trickled = []
def trickle():
    try:
        so = socket.create_connection(("127.0.0.1", port)); trickled.append(so)
        head = f"GET {base}/Users HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a" * 40
        for ch in head:
            if stop.is_set(): break
            so.send(ch.encode()); time.sleep(0.5)
    except OSError:
        pass
stalled = []
for _ in range(300):
    so = socket.create_connection(("127.0.0.1", port))
    so.send(f"POST {base}/Users HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"userName\"".encode())
    stalled.append(so)
threads = [threading.Thread(target=trickle, daemon=True) for _ in range(300)]
for th in threads: th.start()
time.sleep(1)
lat = []
for _ in range(50):
    s, _, t = call("GET", f"/Users/{u['id']}")
    lat.append(t * 1000)
report("a normal client keeps its latency among 600 slow ones (p50 under 50 ms)", statistics.median(lat) < 50,
       f"p50 {statistics.median(lat):.1f} ms, max {max(lat):.0f} ms")
time.sleep(3)
closed = 0
for so in stalled:
    so.settimeout(0.5)
    try:
        if so.recv(1024) in (b"",): closed += 1
        else: closed += 1  # an error response before closing counts too
    except socket.timeout:
        pass
    except OSError:
        closed += 1
report("stalled connections are closed after the idle timeout", closed == len(stalled), f"{closed}/{len(stalled)}")
during = rss()
report("memory stays bounded (under 64 MiB more)", during - before < 64, f"{before:.0f} -> {during:.0f} MiB")
stop.set()
for so in stalled + trickled:
    try: so.close()
    except OSError: pass
PY
cat "$work/results.txt" | sed 's/^/  /'
passed=$((passed + $(grep -c '^PASS' "$work/results.txt")))
failed=$((failed + $(grep -c '^FAIL' "$work/results.txt")))

# The rate limit, on a second server limited to 10 requests/s per provider.
serve $((port + 1)) --rate-limit 10
limited=$(python3 - $((port + 1)) "$id" "$secret" <<'PY'
import http.client, json, sys
port, pid, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
seen = None
for _ in range(60):
    c.request("GET", f"/scim/{pid}/v2/Users?count=1", headers={"Authorization": "Bearer " + secret})
    r = c.getresponse(); body = r.read()
    if r.status == 429:
        doc = json.loads(body)
        seen = (r.getheader("Retry-After") is not None) and doc.get("status") == "429"
        break
print("ok" if seen else "missing")
PY
)
check "a provider over its rate limit gets 429 with Retry-After and a SCIM body ($limited)" test "$limited" = ok
echo "abuse: $passed passed, $failed failed"
[ "$failed" = 0 ]
