#!/usr/bin/env python3
"""An Okta-style initial sync: for each of N users, a `userName eq` lookup (expecting none) and then a POST,
from C concurrent clients (separate processes, keep-alive connections). Prints the wall time and users/s.

Usage: bench_initial_sync.py BASE_URL SECRET [--count 100000] [--concurrency 8] [--start 1]
Target (issue 6): 100,000 users under 60 s with 8 clients on the 2-core machine.
"""
import argparse, http.client, json, multiprocessing as mp, sys, time
from urllib.parse import quote, urlsplit


def worker(args):
    base, secret, indices = args
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
    errors = 0
    for i in indices:
        name = f"sync{i:07d}@example.com"
        query = quote('userName eq "' + name + '"')
        conn.request("GET", f"{u.path}/Users?filter={query}&startIndex=1&count=100", headers=headers)
        r = conn.getresponse(); body = json.loads(r.read())
        if r.status != 200 or body.get("totalResults") != 0:
            errors += 1
            continue
        user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
                "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
                "emails": [{"primary": True, "value": name, "type": "work"}], "displayName": f"Given{i} Family{i}",
                "locale": "en-US", "externalId": f"00u{i:07d}", "groups": [], "active": True}
        conn.request("POST", f"{u.path}/Users", body=json.dumps(user), headers=headers)
        r = conn.getresponse(); r.read()
        if r.status != 201:
            errors += 1
    return errors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base"); p.add_argument("secret")
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--start", type=int, default=1)
    a = p.parse_args()
    indices = list(range(a.start, a.start + a.count))
    chunks = [(a.base, a.secret, indices[k::a.concurrency]) for k in range(a.concurrency)]
    t = time.perf_counter()
    with mp.Pool(a.concurrency) as pool:
        errors = sum(pool.map(worker, chunks))
    wall = time.perf_counter() - t
    print(f"initial sync: {a.count} users (lookup + POST), {a.concurrency} clients: {wall:.1f} s, "
          f"{a.count / wall:.0f} users/s, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
