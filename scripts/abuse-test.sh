#!/usr/bin/env bash
# Bad input and abusive clients against the real server: every answer is a clear 4xx SCIM error, quickly, and the
# server's memory stays bounded.
#   - a filter over the parser's 4,096 characters, a 100 KB request line (over the 16 KiB limit), a 2 MiB body, JSON
#     nested 100,000 deep, a PATCH of 10,000 operations;
#   - 1 MiB objects of tens of thousands of members (prints the server's time), a name given twice, a control
#     character in a value;
#   - 300 slow clients trickling a request head a byte at a time and 300 that stall mid-request, while a normal
#     client keeps its latency; stalled connections are closed after the idle timeout;
#   - a provider over its rate limit gets 429 with Retry-After;
#   - admin-set values past their ranges are refused by the admin API, and written straight into the database they
#     are clamped and logged: deactivations and the restarted scheduler run, the server stays up.
# Unauthenticated memory growth, slow bodies against the request deadline and the connection cap, and a sign-in
# flood have scripts of their own (scripts/memory-abuse-test.sh, scripts/slow-client-test.sh,
# scripts/sign-in-flood-test.sh), run beside this one by .ci/run.
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

# Objects of many members: reading and normalizing them is linear (an object indexes its names), so a 1 MiB body is
# answered as fast as any other; the members are unknown schema URIs carrying nothing (accepted and ignored) or
# unknown names (refused at the first).
def members(member, limit=1_040_000):
    parts, size = [], 0
    while size < limit:
        parts.append(member(len(parts))); size += len(parts[-1]) + 1
    return ",".join(parts), len(parts)
text, n = members(lambda i: f'"urn:x:{i}":null')
s, d, t = call("POST", "/Users", '{"userName":"many@example.com",' + text + "}")
report(f"a POST of {n:,} members (1 MiB): 201 in under a second", s == 201 and t < 1, f"{s} {t*1000:.0f} ms")
text, n = members(lambda i: f'"k{i}":1')
s, d, t = call("POST", "/Users", '{"userName":"many2@example.com",' + text + "}")
report(f"a POST of {n:,} unknown names (1 MiB): 400 invalidSyntax in under a second",
       s == 400 and d.get("scimType") == "invalidSyntax" and t < 1, f"{s} {t*1000:.0f} ms {str(d.get('detail'))[:60]}")
text, n = members(lambda i: f'"urn:x:{i}":null', limit=1_000_000)
patch = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"title":"T",' + text + "}}]}"
s, d, t = call("PATCH", f"/Users/{u['id']}", patch)
report(f"a PATCH value of {n:,} members (1 MiB): 200 in under a second", s == 200 and t < 1, f"{s} {t*1000:.0f} ms")
s, d, t = call("POST", "/Users", '{"userName":"dup@example.com","USERNAME":"other@example.com"}')
report("a name given twice (in another case): 400 invalidSyntax naming it",
       s == 400 and d.get("scimType") == "invalidSyntax" and '"USERNAME"' in d.get("detail", ""), str(d.get("detail"))[:80])
s, d, t = call("POST", "/Users", json.dumps({"userName": "esc@example.com", "title": "\x1b[2J"}))
report("a control character: 400 invalidValue naming the attribute",
       s == 400 and d.get("scimType") == "invalidValue" and "'title'" in d.get("detail", ""), str(d.get("detail"))[:80])

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
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null

# Admin-set values that took the server down: a deactivation delay past every bound as a bare number, a retention
# whose days overflow the archive's date (the scheduler then crashed on every restart). Through the admin API they
# are refused (400 naming the attribute and its range, nothing stored); written straight into the database (as an
# older build did), they are clamped and logged, the deactivation and the restarted scheduler run, and the server
# answers throughout.
printf 'correct horse battery staple\n' | "$BIN" admin add --database "$db" --email root@example.com --password-stdin > /dev/null
admin_token=$("$BIN" admin token create --database "$db" --email root@example.com --json | python3 -c "import json,sys;print(json.load(sys.stdin)['token'])")
api() { curl -s -o "$work/api.json" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  "http://127.0.0.1:$port/api/v1/$2" ${3:+-d "$3"}; }
field() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));print(eval(sys.argv[2],{},{'d':d}))" "$work/api.json" "$1"; }
scim() { curl -s -o "$work/scim.json" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $secret" -H 'Content-Type: application/scim+json' \
  "http://127.0.0.1:$port/scim/$id/v2/$2" ${3:+-d "$3"}; }
deactivate='{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}'
healthy() { test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200; }
status_of() { "$BIN" user show "$1" --database "$db" --json | python3 -c "import json,sys;print(json.load(sys.stdin)['status'])"; }

code=$(api PATCH "providers/$id" '{"deactivationDelay": "9223372036854775807"}'); detail=$(field "d.get('error')")
echo "  deactivationDelay \"9223372036854775807\" through the admin API: $code $detail"
check "a deactivation delay past the cap is a 400 naming it and its range" \
  bash -c "[ '$code' = 400 ] && grep -qF \"'deactivationDelay' must be a duration from 0 to 365d\" '$work/api.json'"
api GET "providers/$id" > /dev/null
check "and the delay is unchanged" test "$(field "d['deactivationDelay']")" = 15m
code=$(api PATCH settings '{"coldStorageRetentionDays": 4611686018427387904}'); detail=$(field "d.get('error')")
echo "  coldStorageRetentionDays 4611686018427387904 through the admin API: $code $detail"
check "a retention past the cap is a 400 naming it and its range" \
  bash -c "[ '$code' = 400 ] && grep -qF \"'coldStorageRetentionDays' must be a whole number of days from 1 to 36500\" '$work/api.json'"
api GET settings > /dev/null
check "and the retention is unchanged" test "$(field "d['coldStorageRetentionDays']")" = 90

# The same values written into the database, with two users that have an archive.
for who in cara dan; do
  scim POST Users "{\"userName\":\"$who@example.com\"}" > /dev/null
  "$BIN" device add "$who@example.com" --name laptop --database "$db" > /dev/null
done
sqlite3 "$db" "UPDATE providers SET deactivation_delay_seconds = 9223372036854775807, guard_percent = 9223372036854775807, guard_minimum = 9223372036854775807 WHERE id = '$id'; INSERT OR REPLACE INTO settings (key, value) VALUES ('cold_storage_retention_days', '4611686018427387904');"
cara=$("$BIN" user show cara@example.com --database "$db" --json | python3 -c "import json,sys;print(json.load(sys.stdin)['id'])")
code=$(scim PATCH "Users/$cara" "$deactivate")
due=$("$BIN" user show cara@example.com --database "$db" --json | python3 -c "import json,sys;print(json.load(sys.stdin).get('deactivationDueAt'))")
echo "  active=false with a stored delay of 9223372036854775807 s: $code, due $due"
check "a provider deactivation with the stored delay is answered and scheduled within 365 days" \
  bash -c "[ '$code' = 200 ] && python3 -c \"import datetime,sys; d=datetime.datetime.fromisoformat('$due'.replace('Z','+00:00')); sys.exit(0 if (d - datetime.datetime.now(datetime.timezone.utc)).days in (364, 365) else 1)\""
check "the server answers after it" healthy
# Cara comes due now; an admin deactivates Dan, moving his archive with the stored retention.
sqlite3 "$db" "UPDATE users SET deactivation_due_at = CAST(strftime('%s','now') AS INTEGER) * 1000 - 1000 WHERE id = '$cara'"
check "an admin deactivation with the stored retention works" "$BIN" user deactivate dan@example.com --database "$db"
# Restart: the scheduler runs Cara's due deactivation at start-up, with the stored retention.
kill "$server_pid"; wait "$server_pid" 2>/dev/null
serve "$port" --rate-limit 0 --idle-timeout 2
server_pid=${pids[-1]}
for _ in $(seq 1 50); do [ "$(status_of cara@example.com)" = deactivated ] && break; sleep 0.2; done
cara_status=$(status_of cara@example.com)
cold_until=$("$BIN" user show cara@example.com --database "$db" --json | python3 -c "import json,sys;print(json.load(sys.stdin)['archives'][0].get('coldUntil'))")
echo "  restarted with a due deactivation and a stored retention of 4611686018427387904 days: cara $cara_status, archive cold until $cold_until"
check "the restarted scheduler deactivates with the retention clamped to 36500 days" \
  bash -c "[ '$cara_status' = deactivated ] && python3 -c \"import datetime,sys; d=datetime.datetime.fromisoformat('$cold_until'.replace('Z','+00:00')); sys.exit(0 if abs((d - datetime.datetime.now(datetime.timezone.utc)).days - 36500) <= 1 else 1)\""
sleep 1
check "the restarted server is still running" kill -0 "$server_pid"
check "and answers /healthz" healthy
check "SCIM answers on the restarted server" test "$(scim GET "Users/$cara")" = 200
warnings=$(grep -c "outside" "$work/server.log")
echo "  server log: $warnings warning(s) about stored values out of range"
check "the clamped values are logged with the provider and the setting" \
  bash -c "grep -q 'Stored deactivationDelay of provider $id is 9223372036854775807' '$work/server.log' && grep -q 'Stored coldStorageRetentionDays of the platform is 4611686018427387904' '$work/server.log'"
echo "abuse: $passed passed, $failed failed"
[ "$failed" = 0 ]
