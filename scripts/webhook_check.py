"""Checks what the receiver of scripts/webhook-test.sh got; prints lags and "webhooks: N passed, M failed".
Usage: webhook_check.py WORK USERS DRIVER_RC"""
import json, sys, time

work, users, driver_rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
expected = set(open(f"{work}/created.txt").read().split())
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    if ok: passed += 1
    else:
        failed += 1; print(f"FAIL {name} {detail}")

# Wait for the deliveries to catch up (at most 60 s).
deadline = time.time() + 60
while True:
    rows = [json.loads(l) for l in open(f"{work}/received.jsonl")]
    accepted = {}
    for r in rows:
        if r["status"] == 200 and r["id"] not in accepted: accepted[r["id"]] = r
    created = {r["event"]["data"]["user"]["userName"] for r in accepted.values() if r["event"]["type"] == "user.created"}
    if expected <= created or time.time() > deadline: break
    time.sleep(0.5)

check("driver finished", driver_rc == 0, f"rc {driver_rc}")
check("every signature verifies", all(r["verified"] for r in rows), f"{sum(not r['verified'] for r in rows)} bad")
check("first 3 deliveries refused and retried", [r["status"] for r in rows[:4]] == [503, 503, 503, 200]
      and len({r["id"] for r in rows[:4]}) == 1)
check("every created user delivered", expected <= created, f"{len(expected - created)} missing")
firsts = list(accepted.values())
seqs = [r["event"]["sequence"] for r in firsts]
check("delivered in sequence order", seqs == sorted(seqs))
check("redeliveries carry the same id", len(accepted) == len({r["event"]["id"] for r in firsts}))
dupes = sum(1 for r in rows if r["status"] == 200) - len(accepted)
check("no event type outside user.*", all(r["event"]["type"].startswith("user.") for r in rows))
wake = [float(x) for x in open(f"{work}/wake.txt").read().split()]
check("long poll wakes within 1 s", wake and max(wake) < 1.0, f"{wake}")
def at(r):
    t = r["event"]["at"]
    from datetime import datetime
    return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
lags = sorted(r["arrived"] - at(r) for r in firsts)
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] if lags else 0
print(f"  feed wake-up after a change: max {max(wake):.3f}s over {len(wake)} polls")
print(f"  delivery lag over {len(lags)} events (kill -9 and restart included): p50 {p(0.5):.3f}s p99 {p(0.99):.3f}s;"
      f" {dupes} delivered again after the crash (same webhook-id)")
arrivals = sorted(r["arrived"] for r in firsts)
if len(arrivals) > 1:
    print(f"  {len(arrivals)} events delivered over {arrivals[-1] - arrivals[0]:.1f}s")
print(f"webhooks: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
