#!/usr/bin/env python3
"""Set-wise member changes: one PATCH adding N members to a group, then one removing them all.

Usage: bench_member_patch.py BASE_URL TOKEN [--members 3000]
Creates N users (8 concurrent clients) and an empty group, then times one PATCH that adds all N members and one
that removes them, three rounds, and prints each round's seconds and the fastest. Loopback only.
"""
import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from bench_membership import call, connection  # the same loopback client


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("token")
    p.add_argument("--members", type=int, default=3000)
    a = p.parse_args()
    run = str(int(time.time()))

    def create(chunk):
        conn, prefix = connection(a.base)
        ids = []
        for i in chunk:
            user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": f"m{run}-{i}@example.com", "active": True}
            ids.append(call(conn, prefix, a.token, "POST", "/Users", user)["id"])
        return ids

    chunks = [range(i, a.members, 8) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        ids = [i for part in pool.map(create, chunks) for i in part]
    conn, prefix = connection(a.base)
    group = call(conn, prefix, a.token, "POST", "/Groups",
                 {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"bench-{run}"})["id"]
    members = [{"value": i} for i in ids]
    adds, removes = [], []
    for _ in range(3):
        t = time.perf_counter()
        call(conn, prefix, a.token, "PATCH", f"/Groups/{group}",
             {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "add", "path": "members", "value": members}]})
        adds.append(time.perf_counter() - t)
        t = time.perf_counter()
        call(conn, prefix, a.token, "PATCH", f"/Groups/{group}",
             {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "remove", "path": "members", "value": members}]})
        removes.append(time.perf_counter() - t)
    print(f"members: {a.members}")
    print("add all (s):    " + ", ".join(f"{x:.3f}" for x in adds) + f"  fastest {min(adds):.3f}")
    print("remove all (s): " + ", ".join(f"{x:.3f}" for x in removes) + f"  fastest {min(removes):.3f}")


if __name__ == "__main__":
    main()
