#!/usr/bin/env bash
# Password sign-in under abuse, against the real server with the production bcrypt cost (12):
#   - 16 parallel clients flood POST /console/sign-in with unknown emails (limits off, so every attempt reaches
#     bcrypt) while one client measures SCIM GET latency: p99 stays under 50 ms, because bcrypt runs on a thread
#     of its own and a full queue is refused with 429 instead of piling up;
#   - 40 parallel wrong passwords for one admin: exactly 5 are checked (401), the rest are refused (429), and
#     the right password is refused until the lock ends; an unknown email answers the same;
#   - with the default limits, a flood from one address gets 429 with Retry-After.
# Prints what it measured and "sign-in flood: N passed, M failed".
# Usage: scripts/sign-in-flood-test.sh   (uses .build/debug/roster; ROSTER_BIN overrides)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${ROSTER_BIN:-.build/debug/roster}"
work="$(mktemp -d)"; db="$work/roster.sqlite"; port="${PORT:-18$((RANDOM % 900 + 100))}"
passed=0; failed=0; pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT
serve() { "$BIN" serve --database "$db" --port "$1" --log-level warning "${@:2}" >> "$work/server.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done; return 1; }

"$BIN" provider add --database "$db" --name Okta --json > "$work/p.json"
printf 'correct horse battery\n' | "$BIN" admin add --email root@example.com --password-stdin --database "$db" > /dev/null
cost=$(sqlite3 "$db" "SELECT substr(password_hash, 5, 2) FROM admins" 2>/dev/null || echo "?")
echo "  bcrypt cost of the stored hash: $cost"
serve "$port" --sign-in-limit-per-address 0 --sign-in-limit 0
serve $((port + 1))

python3 - "$port" $((port + 1)) "$work/p.json" "$cost" > "$work/results.txt" <<'PY'
import http.client, json, multiprocessing, statistics, sys, threading, time, urllib.parse, uuid
port, limited_port, provider, cost = int(sys.argv[1]), int(sys.argv[2]), json.load(open(sys.argv[3])), sys.argv[4]
H = {"Authorization": "Bearer " + provider["secret"]}
base = f"/scim/{provider['id']}/v2"
def report(name, ok, detail=""):
    print(("PASS" if ok else "FAIL") + "\t" + name + ("\t" + detail if detail else ""))
report("the server hashes at the production cost (12)", cost == "12", f"cost {cost}")
def request(p, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", p, timeout=30)
    t = time.time()
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, r.getheader("Retry-After"), data, (time.time() - t) * 1000
def sign_in(p, email, password):
    body = urllib.parse.urlencode({"email": email, "password": password})
    return request(p, "POST", "/console/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded"})
s, _, created, _ = request(port, "POST", base + "/Users", json.dumps({"userName": "ann@example.com"}), dict(H, **{"Content-Type": "application/scim+json"}))
uid = json.loads(created)["id"]
def measure(seconds):
    lat = []
    end = time.time() + seconds
    while time.time() < end:
        s, _, _, ms = request(port, "GET", f"{base}/Users/{uid}", headers=H)
        if s == 200: lat.append(ms)
    lat.sort()
    return lat
def p99(lat): return lat[min(len(lat) - 1, int(len(lat) * 0.99))]

quiet = measure(2)
print(f"INFO\tSCIM GET with no sign-ins: p50 {statistics.median(quiet):.1f} ms, p99 {p99(quiet):.1f} ms ({len(quiet)} requests)")

# 16 clients flood sign-in with unknown (unique) emails, so that every attempt asks for a bcrypt check. They run in
# a process of their own, so that their threads do not hold up the measuring client's.
def flood(port, seconds, queue):
    stop = threading.Event(); outcomes = {}; lock = threading.Lock()
    def client():
        while not stop.is_set():
            try: s = sign_in(port, f"{uuid.uuid4().hex}@example.com", "not the password")[0]
            except OSError: s = 0
            with lock: outcomes[s] = outcomes.get(s, 0) + 1
    threads = [threading.Thread(target=client, daemon=True) for _ in range(16)]
    for th in threads: th.start()
    time.sleep(seconds); stop.set()
    for th in threads: th.join()
    queue.put(outcomes)
queue = multiprocessing.Queue()
flooder = multiprocessing.Process(target=flood, args=(port, 9, queue)); flooder.start()
time.sleep(1)
busy = measure(6)
health = sorted(request(port, "GET", "/healthz")[3] for _ in range(100))
outcomes = queue.get(); flooder.join()
checked = outcomes.get(401, 0); refused = outcomes.get(429, 0)
print(f"INFO\tsign-in flood: {checked} checked by bcrypt (401), {refused} refused at once (429), other {sorted((k, v) for k, v in outcomes.items() if k not in (401, 429))}")
report("SCIM GET p99 under 50 ms during a flood of 16 parallel sign-ins", p99(busy) < 50,
       f"p50 {statistics.median(busy):.1f} ms, p99 {p99(busy):.1f} ms, max {busy[-1]:.0f} ms ({len(busy)} requests)")
report("/healthz stays fast during the flood (p99 under 50 ms)", p99(health) < 50, f"p99 {p99(health):.1f} ms")
report("bcrypt ran (some attempts checked) and the bounded queue refused the excess (429)", checked > 0 and refused > 0,
       f"{checked / 9:.1f} checks/s")

# 40 parallel wrong passwords for the admin, then for an unknown email: 5 checked, 35 refused, then locked.
def guesses(email):
    res = []
    def one(i): res.append(sign_in(port, email, f"wrong guess {i}")[0])
    ts = [threading.Thread(target=one, args=(i,)) for i in range(40)]
    for t in ts: t.start()
    for t in ts: t.join()
    locked = sign_in(port, email, "correct horse battery")
    return res.count(401), res.count(429), locked[0], locked[1]
for email in ["root@example.com", "nobody@example.com"]:
    c401, c429, status, retry = guesses(email)
    report(f"40 parallel wrong passwords for {email}: 5 checked, 35 refused, then locked with Retry-After",
           (c401, c429, status) == (5, 35, 429) and retry is not None, f"401×{c401} 429×{c429}, then {status} Retry-After {retry}")

# The default limits: one address flooding sign-in gets 429 with Retry-After before any bcrypt.
res = []
def one(i): res.append(sign_in(limited_port, f"x{i}@example.com", "not the password"))
ts = [threading.Thread(target=one, args=(i,)) for i in range(16)]
for t in ts: t.start()
for t in ts: t.join()
limited = [r for r in res if r[0] == 429 and r[1] and b"Too many sign-in attempts" in r[2]]
report("with the default limits (10 a minute per address), 16 parallel sign-ins from one address: 6 get 429 with Retry-After",
       len(limited) == 6, f"{len(limited)} limited by address, {sum(r[0] == 429 for r in res) - len(limited)} by the full bcrypt queue")
PY
sed 's/^/  /' "$work/results.txt"
passed=$(grep -c '^PASS' "$work/results.txt"); failed=$(grep -c '^FAIL' "$work/results.txt")
[ -s "$work/results.txt" ] || failed=1
echo "sign-in flood: $passed passed, $failed failed"
[ "$failed" = 0 ]
