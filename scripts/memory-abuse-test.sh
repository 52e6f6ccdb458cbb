#!/usr/bin/env bash
# Unauthenticated requests must not grow the server's memory: 100,000 requests without credentials, each for a
# Base URL never seen before, over 64 keep-alive connections:
#   - 80% well-formed unknown provider ids (10 lowercase letters and digits): 401, after the rate limiter and the
#     failed-authentication counter saw them;
#   - 15% ids of 2,000 characters: 404 before any state is kept;
#   - 5% ids of 250,000 characters: a bodiless 400 from the HTTP decoder (the request line is over 16 KiB), and the
#     connection is closed.
# Prints the server's RSS (VmRSS of /proc/PID/status) at start, after a warm-up of 5,000 such requests, and at the
# end; passes when the end is within 20 MB of both.
# Prints "memory-abuse: N passed, M failed".
# Usage: scripts/memory-abuse-test.sh [REQUESTS]   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
requests="${1:-100000}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-18$((RANDOM % 900 + 100))}"
passed=0; failed=0; pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT

"$BIN" provider add --database "$db" --name Okta --json > /dev/null
"$BIN" serve --database "$db" --port "$port" --log-level warning > "$work/server.log" 2>&1 & pids+=($!)
server_pid=${pids[0]}
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$port" "$server_pid" "$requests" > "$work/results.txt" <<'PY'
import asyncio, os, sys, time
port, server_pid, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
CONNECTIONS = 64
def rss():
    for line in open(f"/proc/{server_pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) / 1024
counter = 0
def next_path():
    global counter
    counter += 1
    n = counter
    if n % 20 == 0: ident = f"{n:x}" + "b" * 250_000  # over the request-line limit
    elif n % 20 < 4: ident = f"{n:x}" + "c" * 2_000   # within it, not a provider id
    else: ident = f"{n:010x}"[-10:]                    # a provider id's shape, unknown
    return f"/scim/{ident}/v2/Users"
statuses = {}
async def worker(count):
    reader = writer = None
    done = 0
    while done < count:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        writer.write(f"GET {next_path()} HTTP/1.1\r\nHost: x\r\nAccept: application/scim+json\r\n\r\n".encode())
        done += 1
        try:
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            statuses["closed"] = statuses.get("closed", 0) + 1
            writer.close(); writer = None
            continue
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ")[1]
        statuses[status] = statuses.get(status, 0) + 1
        length = 0; close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length": length = int(value)
            if name.lower() == "connection" and value.strip().lower() == "close": close = True
        if length: await reader.readexactly(length)
        if close:
            writer.close(); writer = None
    if writer is not None: writer.close()
async def run(count):
    per = count // CONNECTIONS
    await asyncio.gather(*(worker(per + (1 if i < count % CONNECTIONS else 0)) for i in range(CONNECTIONS)))
start = rss()
warm = min(5000, total // 10)
asyncio.run(run(warm))
time.sleep(1)
warmed = rss()
t0 = time.time()
asyncio.run(run(total - warm))
elapsed = time.time() - t0
time.sleep(1)
end = rss()
print(f"INFO\t{total:,} unauthenticated requests in {elapsed + 0:.1f} s (after the warm-up), answers: " +
      ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items())))
ok = end - start <= 20 and end - warmed <= 20
print(("PASS" if ok else "FAIL") + f"\tRSS stays within 20 MB\tstart {start:.1f} MB, after {warm:,} requests {warmed:.1f} MB, "
      f"after {total:,} {end:.1f} MB ({end - start:+.1f} MB from the start, {end - warmed:+.1f} MB from the warm-up)")
expected = {"401", "404", "400"}
print(("PASS" if expected <= set(statuses) and not set(statuses) - expected - {"closed"} else "FAIL") +
      "\tanswers are 401 (unknown provider), 404 (not a provider id) and 400 (request line too long), nothing else")
PY
sed 's/^/  /' "$work/results.txt"
passed=$((passed + $(grep -c '^PASS' "$work/results.txt")))
failed=$((failed + $(grep -c '^FAIL' "$work/results.txt")))
echo "memory-abuse: $passed passed, $failed failed"
[ "$failed" = 0 ]
