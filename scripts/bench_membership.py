#!/usr/bin/env python3
"""Membership cost does not grow with the group: PATCH-add one member to a group of N members vs a group of 10.

Usage: bench_membership.py BASE_URL TOKEN [--members 100000]
Creates N users (8 concurrent clients), a big group holding all of them (PATCH batches of 1,000 members) and a
small group of 10, then times 300 single-member add+remove PATCH pairs on each over a keep-alive connection and
prints the medians and p99s. Loopback only.
"""
import argparse
import http.client
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def connection(base):
    u = urlsplit(base)
    assert u.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    return http.client.HTTPConnection(u.hostname, u.port, timeout=120), u.path.rstrip("/")


def call(conn, prefix, token, method, path, body=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    conn.request(method, prefix + path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else None


def create_users(base, token, start, count):
    conn, prefix = connection(base)
    ids = []
    for i in range(start, start + count):
        u = f"member{i:07d}@example.com"
        ids.append(call(conn, prefix, token, "POST", "/Users", {"userName": u, "name": {"givenName": "M", "familyName": str(i)}})["id"])
    return ids


def patch(op, path, value=None):
    o = {"op": op, "path": path}
    if value is not None:
        o["value"] = value
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [o]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("token")
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--samples", type=int, default=300)
    a = ap.parse_args()
    n = a.members
    t0 = time.perf_counter()
    chunk = (n + 7) // 8
    with ThreadPoolExecutor(8) as pool:
        parts = list(pool.map(lambda k: create_users(a.base, a.token, k * chunk, min(chunk, n - k * chunk)), range(8)))
    ids = [i for p in parts for i in p]
    print(f"created {len(ids)} users in {time.perf_counter() - t0:.1f}s")
    conn, prefix = connection(a.base)
    extra = create_users(a.base, a.token, 9_000_000, a.samples)
    big = call(conn, prefix, a.token, "POST", "/Groups", {"displayName": f"big-{n}"})["id"]
    small = call(conn, prefix, a.token, "POST", "/Groups", {"displayName": "small-10"})["id"]
    t0 = time.perf_counter()
    for k in range(0, len(ids), 1000):
        call(conn, prefix, a.token, "PATCH", f"/Groups/{big}?excludedAttributes=members",
             patch("add", "members", [{"value": v} for v in ids[k:k + 1000]]))
    print(f"filled the big group with {len(ids)} members in {time.perf_counter() - t0:.1f}s")
    call(conn, prefix, a.token, "PATCH", f"/Groups/{small}", patch("add", "members", [{"value": v} for v in ids[:10]]))

    def measure(group):
        times = []
        for uid in extra:
            t = time.perf_counter()
            call(conn, prefix, a.token, "PATCH", f"/Groups/{group}", patch("add", "members", [{"value": uid}]))
            call(conn, prefix, a.token, "PATCH", f"/Groups/{group}", patch("remove", f'members[value eq "{uid}"]'))
            times.append((time.perf_counter() - t) * 1000 / 2)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.99) - 1]

    small_p50, small_p99 = measure(small)
    big_p50, big_p99 = measure(big)
    total = call(conn, prefix, a.token, "GET", f"/Groups/{big}?attributes=displayName")
    print("| group | members | PATCH p50 ms | PATCH p99 ms |")
    print("|---|---|---|---|")
    print(f"| small | 10 | {small_p50:.2f} | {small_p99:.2f} |")
    print(f"| big | {n} | {big_p50:.2f} | {big_p99:.2f} |")
    print(f"ratio big/small p50: {big_p50 / small_p50:.2f}  (group read back: {total['displayName']})")


if __name__ == "__main__":
    sys.exit(main())
