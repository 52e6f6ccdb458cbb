"""The load of scripts/webhook-test.sh: measures the event feed's long-poll wake-up, then provisions 1,000 users
over SCIM, retrying each until Roster answers (it is killed and restarted in the middle). Writes the user names
it created to WORK/created.txt and the wake-up lags to WORK/wake.txt.
Usage: webhook_driver.py BASE PROVIDER SCIM_SECRET API_KEY WORK"""
import http.client, json, sys, threading, time
from urllib.parse import urlsplit

base, provider, secret, key, work = sys.argv[1:6]
u = urlsplit(base)


def request(method, path, body=None, token=secret, timeout=40):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, (json.loads(data) if data else None)


def create(name):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
            "name": {"givenName": "W", "familyName": name.split("@")[0]}}
    while True:
        try:
            status, _ = request("POST", f"/scim/{provider}/v2/Users", body, timeout=5)
            if status in (201, 409):  # 409: created before the crash, its answer lost
                return
        except OSError:
            pass
        time.sleep(0.05)


# The feed: five long polls, each woken by a user created 0.3 s after it started waiting.
lags = []
for i in range(5):
    _, page = request("GET", "/api/v1/events?after=latest", token=key)
    cursor = page["next"]
    result = {}
    def poll():
        t0 = time.time()
        _, p = request("GET", f"/api/v1/events?after={cursor}&wait=30&types=user.created", token=key)
        result["at"] = time.time(); result["events"] = p["events"]
    t = threading.Thread(target=poll); t.start()
    time.sleep(0.3)
    create(f"wake{i}@example.com")
    created = time.time()
    t.join()
    lags.append(max(0.0, result["at"] - created))
open(f"{work}/wake.txt", "w").write(" ".join(f"{l:.3f}" for l in lags))

t_sync = time.time()
names = [f"user{i:04d}@example.com" for i in range(1000)]
def worker(chunk):
    for n in chunk:
        create(n)
threads = [threading.Thread(target=worker, args=(names[i::4],)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(f"  driver: 1,000 users created in {time.time() - t_sync:.1f}s", flush=True)
open(f"{work}/created.txt", "w").write("\n".join([f"wake{i}@example.com" for i in range(5)] + names))
