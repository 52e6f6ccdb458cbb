#!/usr/bin/env python3
"""The bad push a revert undoes, driven over SCIM against a running server, with its write rates.

Loads N users (c42OrgName EMEA for the first half, APAC for the rest) with 8 clients, pushes a group of N/2 members,
then the bad push with 8 clients: 30% of the users deactivated (PATCH active false, as Okta sends it), 20% moved to
the other organization (PATCH c42OrgName), and the group emptied (Entra's PATCH remove members). Prints one line per
phase with its rate, and `WRITES {...}` with the PATCH rate (what before-images cost is paid on).

Usage: bench_revert.py BASE_URL SECRET [--users N] [--tag T]
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def client(base):
    url = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=60), url.path


def send(conn, prefix, secret, method, path, body):
    conn.request(method, prefix + path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"})
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else {})


def parallel(base, secret, jobs, workers=8):
    """Runs (method, path, body) jobs on `workers` keep-alive connections; returns (seconds, results)."""
    results = [None] * len(jobs)
    lock = threading.Lock()
    cursor = [0]

    def work():
        conn, prefix = client(base)
        while True:
            with lock:
                i = cursor[0]
                cursor[0] += 1
            if i >= len(jobs):
                return
            results[i] = send(conn, prefix, secret, *jobs[i])

    threads = [threading.Thread(target=work) for _ in range(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("secret")
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--tag", default="", help="put in every userName, so runs can share a database")
    args = parser.parse_args()
    n = args.users
    users = [("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                 "userName": f"user{i}{args.tag}@example.com", "active": True,
                                 "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
                                 "emails": [{"value": f"user{i}{args.tag}@example.com", "type": "work", "primary": True}],
                                 "c42OrgName": "EMEA" if i < n // 2 else "APAC"}) for i in range(n)]
    seconds, results = parallel(args.base, args.secret, users)
    ids = [body.get("id") for status, body in results if status == 201]
    failed = [(status, body.get("detail")) for status, body in results if status != 201]
    assert len(ids) == n, f"{len(ids)} of {n} users created; {failed[:3]}"
    print(f"load: {n} users in {seconds:.1f} s ({n / seconds:.0f} users/s)", flush=True)
    conn, prefix = client(args.base)
    status, group = send(conn, prefix, args.secret, "POST", "/Groups", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Backup Admins",
        "members": [{"value": i, "display": f"User {k}"} for k, i in enumerate(ids[: n // 2])]})
    assert status == 201, (status, group)
    print(f"group: {n // 2} members", flush=True)
    time.sleep(0.05)
    print("SINCE " + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z",
          flush=True)
    time.sleep(0.05)

    deactivations = [("PATCH", f"/Users/{i}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"active": False}}]}) for i in ids[n // 2: n // 2 + n * 3 // 10]]
    moves = [("PATCH", f"/Users/{i}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"c42OrgName": "APAC"}}]}) for i in ids[: n // 5]]
    seconds, results = parallel(args.base, args.secret, deactivations + moves)
    bad = [s for s, _ in results if s != 200]
    assert not bad, f"{len(bad)} PATCHes failed: {bad[:5]}"
    count = len(deactivations) + len(moves)
    print(f"bad push: {count} user PATCHes in {seconds:.1f} s ({count / seconds:.0f} PATCH/s)", flush=True)
    start = time.perf_counter()
    status, _ = send(conn, prefix, args.secret, "PATCH", f"/Groups/{group['id']}",
                     {"schemas": [PATCH], "Operations": [{"op": "remove", "path": "members"}]})
    assert status in (200, 204), status
    print(f"bad push: group of {n // 2} emptied in {time.perf_counter() - start:.2f} s", flush=True)
    print("WRITES " + json.dumps({"users": n, "patches": count, "patch_per_s": round(count / seconds, 1),
                                  "group": group["id"]}), flush=True)


if __name__ == "__main__":
    main()
