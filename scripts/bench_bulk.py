#!/usr/bin/env python3
"""Imports N users through POST /Bulk (RFC 7644 §3.7): requests of B operations, C concurrent clients with
keep-alive connections. Starts a release server on a fresh temporary SQLite database (rate limit off) and creates a
provider through the CLI, unless --base and --secret name a running server. Prints the wall time, users/s, the
server's peak RSS, and checks that every operation answered 201 and the provider holds N users.

Usage: scripts/bench_bulk.py [--count 100000] [--batch 1000] [--concurrency 4] [--bin .build/release/roster]
                             [--commit-group N] [--all-or-nothing] [--base URL --secret SECRET]
Target: 100,000 users under 60 s on the 2-core machine. Build first: swift build -c release --product roster
The request bodies are serialized before the clock starts, so the clients' CPU goes to HTTP and reading answers.
"""
import argparse, http.client, json, os, queue, shutil, socket, subprocess, sys, tempfile, threading, time
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROSTER_EXT = "urn:roster:params:scim:api:messages:2.0:BulkRequest"


def user(i):
    name = f"bulk{i:07d}@example.com"
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
            "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
            "emails": [{"primary": True, "value": name, "type": "work"}], "displayName": f"Given{i} Family{i}",
            "locale": "en-US", "externalId": f"00u{i:07d}", "active": True}


def bodies(count, batch, all_or_nothing):
    for start in range(0, count, batch):
        ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": user(i)}
               for i in range(start, min(count, start + batch))]
        request = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}
        if all_or_nothing:
            request[ROSTER_EXT] = {"allOrNothing": True}
        yield json.dumps(request).encode()


def client(base, secret, work, results):
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
    ok = failed = 0
    latencies = []
    while True:
        try:
            body = work.get_nowait()
        except queue.Empty:
            break
        t = time.perf_counter()
        conn.request("POST", f"{u.path}/Bulk", body=body, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        latencies.append(time.perf_counter() - t)
        if r.status != 200:
            failed += body.count(b'"method"')
            print(f"HTTP {r.status}: {payload[:300]!r}", file=sys.stderr)
            continue
        for op in json.loads(payload)["Operations"]:
            if op.get("status") == "201":
                ok += 1
            else:
                failed += 1
                if failed <= 3:
                    print(f"operation failed: {op}", file=sys.stderr)
    results.append((ok, failed, latencies))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User plus system CPU time of a process so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def start_server(binary, work_dir, commit_group):
    db = os.path.join(work_dir, "roster.sqlite")
    port = free_port()
    log = open(os.path.join(work_dir, "server.log"), "w")
    server = subprocess.Popen(
        [binary, "serve", "--database", db, "--port", str(port), "--log-level", "warning", "--rate-limit", "0"]
        + (["--bulk-commit-group", str(commit_group)] if commit_group else []),
        stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        sys.exit("the server did not start; see " + log.name)
    out = subprocess.run([binary, "provider", "add", "--database", db, "--name", "bench-bulk", "--json"],
                         check=True, capture_output=True, text=True).stdout
    provider = json.loads(out)
    return server, provider["baseURL"], provider["secret"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--bin", default=os.path.join(ROOT, ".build/release/roster"))
    p.add_argument("--base")
    p.add_argument("--secret")
    p.add_argument("--all-or-nothing", action="store_true", help="Roster's extension: one transaction per request")
    p.add_argument("--commit-group", type=int, help="the server's --bulk-commit-group (1: a transaction per operation)")
    a = p.parse_args()

    work_dir = None
    server = None
    if a.base and a.secret:
        base, secret = a.base, a.secret
    else:
        if not os.access(a.bin, os.X_OK):
            sys.exit(f"{a.bin} is missing: swift build -c release --product roster")
        work_dir = tempfile.mkdtemp(prefix="roster-bench-bulk-")
        server, base, secret = start_server(a.bin, work_dir, a.commit_group)
    try:
        work = queue.Queue()
        for body in bodies(a.count, a.batch, a.all_or_nothing):
            work.put(body)
        requests = work.qsize()
        results = []
        threads = [threading.Thread(target=client, args=(base, secret, work, results)) for _ in range(a.concurrency)]
        cpu_before = cpu_seconds(server.pid) if server else None
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        ok = sum(r[0] for r in results)
        failed = sum(r[1] for r in results)
        latencies = sorted(x for r in results for x in r[2])
        u = urlsplit(base)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("GET", f"{u.path}/Users?count=0", headers={"Authorization": f"Bearer {secret}"})
        total = json.loads(c.getresponse().read())["totalResults"]
        rss = peak_rss_mib(server.pid) if server else None
        cpu = cpu_seconds(server.pid) - cpu_before if server else None
        p50 = latencies[len(latencies) // 2] if latencies else 0
        worst = latencies[-1] if latencies else 0
        mode = (", all-or-nothing" if a.all_or_nothing else "") + (
            f", commit group {a.commit_group}" if a.commit_group else "")
        print(f"bulk import: {a.count} users in {requests} requests of {a.batch} operations, {a.concurrency} clients{mode}: "
              f"{wall:.1f} s, {a.count / wall:.0f} users/s; request p50 {p50:.2f} s, max {worst:.2f} s; "
              f"{ok} created, {failed} failed; the provider holds {total} users"
              + (f"; server peak RSS {rss:.0f} MiB" if rss else "")
              + (f"; server CPU {cpu:.1f} s ({cpu / a.count * 1e6:.0f} µs per user)" if cpu else ""))
        return 0 if failed == 0 and ok == a.count else 1
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        if work_dir:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
