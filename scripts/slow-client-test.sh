#!/usr/bin/env bash
# Slow clients against the real server (--idle-timeout 2 --request-timeout 4 --max-connections 100):
#   - 60 clients send a request body one byte a second (so the idle timeout never fires): each connection is
#     answered 408 and closed once the request deadline passes, while normal requests keep being answered;
#   - 150 such clients against the cap of 100 connections: the server never holds more than 100, the rest wait to
#     be accepted, and a normal request sent meanwhile is answered once the deadline frees a slot.
# Prints what it measured and "slow-clients: N passed, M failed".
# Usage: scripts/slow-client-test.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-17$((RANDOM % 900 + 100))}"
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT

"$BIN" provider add --database "$db" --name Okta --json > "$work/p.json"
"$BIN" serve --database "$db" --port "$port" --log-level warning --rate-limit 0 --idle-timeout 2 \
  --request-timeout 4 --max-connections 100 > "$work/server.log" 2>&1 & pids+=($!)
server_pid=${pids[0]}
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$port" "$server_pid" "$work/p.json" > "$work/results.txt" <<'PY'
import http.client, json, os, select, socket, sys, threading, time
port, server_pid, issued = int(sys.argv[1]), sys.argv[2], json.load(open(sys.argv[3]))
base = f"/scim/{issued['id']}/v2"
auth = {"Authorization": "Bearer " + issued["secret"]}
def report(name, ok, detail=""):
    print(("PASS" if ok else "FAIL") + "\t" + name + ("\t" + detail if detail else ""))
def server_sockets():
    n = 0
    for fd in os.listdir(f"/proc/{server_pid}/fd"):
        try:
            if os.readlink(f"/proc/{server_pid}/fd/{fd}").startswith("socket:"): n += 1
        except OSError: pass
    return n
def normal_request(timeout=20):
    t = time.time()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("GET", base + "/Users?count=1", headers=auth); r = c.getresponse(); r.read(); c.close()
        return r.status, time.time() - t
    except OSError:
        return 0, time.time() - t
def slow_clients(n):
    """n connections that send a complete head and then their body a byte a second."""
    head = (f"POST {base}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {issued['secret']}\r\n"
            "Content-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n").encode()
    socks = []
    for _ in range(n):
        s = socket.socket(); s.settimeout(5); s.connect(("127.0.0.1", port)); s.sendall(head + b"{"); socks.append(s)
    return socks
def trickle(socks, seconds):
    """Sends a byte a second on each open connection for up to `seconds`; returns when each was closed and what it
    was answered."""
    start = time.time(); closed = {}; answers = {}
    while time.time() - start < seconds and len(closed) < len(socks):
        open_socks = [s for s in socks if s not in closed]
        readable, _, _ = select.select(open_socks, [], [], 1.0)
        for s in readable:
            try: data = s.recv(4096)
            except OSError: data = b""
            if data: answers[s] = answers.get(s, b"") + data
            if not data or b"\r\n\r\n" in answers.get(s, b""):
                closed[s] = time.time() - start
        for s in open_socks:
            if s in closed: continue
            try: s.send(b" ")
            except OSError: closed[s] = time.time() - start
    return closed, answers

baseline = server_sockets()
# 1. Slow bodies are closed at the request deadline (4 s), not kept alive by their trickle; others get through.
socks = slow_clients(60)
latencies = []
def normal_load():
    for _ in range(20):
        status, t = normal_request(); latencies.append((status, t)); time.sleep(0.1)
load = threading.Thread(target=normal_load); load.start()
closed, answers = trickle(socks, 12)
load.join()
times = sorted(closed.values())
timeouts = sum(1 for s in socks if answers.get(s, b"").startswith(b"HTTP/1.1 408"))
report("60 slow bodies (a byte a second, idle timeout 2 s) are closed at the 4 s request deadline",
       len(closed) == 60 and times[0] >= 3 and times[-1] <= 7,
       f"closed {len(closed)}/60 after {times[0]:.1f}-{times[-1]:.1f} s, {timeouts} answered 408" if times else "none closed")
ok = [t for status, t in latencies if status == 200]
report("normal requests are answered meanwhile", len(ok) == len(latencies),
       f"{len(ok)}/{len(latencies)} answered 200, slowest {max(t for _, t in latencies) * 1000:.0f} ms")
for s in socks: s.close()
for _ in range(50):  # until the server has let go of the first round's connections
    if server_sockets() <= baseline: break
    time.sleep(0.1)

# 2. The connection cap: 150 slow clients against 100 slots.
baseline = server_sockets()
socks = slow_clients(150)
time.sleep(1)
held = server_sockets() - baseline
result = {}
waiting = threading.Thread(target=lambda: result.update(r=normal_request()))
waiting.start()
closed, _ = trickle(socks, 14)
waiting.join()
report("150 slow clients against --max-connections 100: the server holds at most 100", held <= 100,
       f"{held} connections held (sockets over the idle server's {baseline})")
status, t = result["r"]
report("a normal request sent meanwhile is answered once the deadline frees a slot", status == 200 and t < 10,
       f"{status} after {t:.1f} s")
report("every slow client was closed", len(closed) == 150, f"{len(closed)}/150 within 14 s")
for s in socks: s.close()
PY
sed 's/^/  /' "$work/results.txt"
passed=$(grep -c '^PASS' "$work/results.txt"); failed=$(grep -c '^FAIL' "$work/results.txt")
echo "slow-clients: $passed passed, $failed failed"
[ "$failed" = 0 ]
