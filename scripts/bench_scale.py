#!/usr/bin/env python3
"""Scale curves: how lookups, deep pages and membership changes behave as the store grows.

Usage: scripts/bench_scale.py [--database sqlite|postgres] [--levels 10000,100000,1000000] [--bin PATH]

For each level, users are seeded straight into the database (rows copied from a user the server itself created
over SCIM, so documents, roles and organization columns are exactly what the server writes; SQLite's triggers
keep the counters, PostgreSQL's are recomputed with one statement each after a COPY), then the release server is
started on it and measured over one keep-alive connection:
  - `userName eq` filter latency (300 random users),
  - a 100-user page at startIndex 1 and at startIndex 90% of the users,
  - server RSS.
At the largest level, groups of 100, 10,000 and 100,000 members are seeded and one member is added and removed
100 times in each (PATCH), to show that membership cost does not grow with the group.
PostgreSQL uses ROSTER_TEST_POSTGRES_URL (scripts/postgres.sh start prints one) and a fresh schema.
Numbers are printed, never asserted.
"""
import argparse
import csv
import http.client
import io
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--levels", default="10000,100000,1000000")
    p.add_argument("--bin", default=os.path.join(ROOT, ".build/release/roster"))
    p.add_argument("--port", type=int, default=18291)
    return p.parse_args()


class Database:
    """Seeds and reads the database behind the server (SQLite file or PostgreSQL schema)."""

    def __init__(self, kind, work):
        self.kind = kind
        if kind == "sqlite":
            self.url = os.path.join(work, "scale.sqlite")
        else:
            base = os.environ.get("ROSTER_TEST_POSTGRES_URL")
            if not base:
                sys.exit("set ROSTER_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)")
            self.schema = f"scale_{int(time.time())}"
            self.url = base + ("&" if "?" in base else "?") + f"schema={self.schema}"
            self.psql_url = base.split("?")[0]

    def psql(self, sql, stdin=None):
        env = dict(os.environ, PGOPTIONS=f"-c search_path={self.schema}")
        r = subprocess.run(["psql", self.psql_url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], input=stdin,
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"psql: {r.stderr}")
        return r.stdout

    def query(self, sql):
        if self.kind == "sqlite":
            with sqlite3.connect(self.url) as db:
                return db.execute(sql).fetchall()
        return [line.split("|") for line in self.psql(sql).splitlines() if line]

    def template(self):
        if self.kind == "sqlite":
            with sqlite3.connect(self.url) as db:
                db.row_factory = sqlite3.Row
                row = db.execute("SELECT * FROM users WHERE user_name_lower = 'template@example.com'").fetchone()
                return {k: row[k] for k in row.keys()}
        out = self.psql("SELECT row_to_json(u) FROM users u WHERE user_name_lower = 'template@example.com'")
        return json.loads(out)

    def user_count(self):
        return int(self.query("SELECT COUNT(*) FROM users WHERE user_name_lower LIKE 'scale%'")[0][0])

    def seed_users(self, template, start, count):
        columns = [c for c in template if c != "seq"]
        doc = json.loads(template["doc"])

        def rows():
            for i in range(start, start + count):
                name = f"scale{i:07d}@example.com"
                d = dict(doc)
                d["userName"] = name
                d["name"] = {"givenName": "Scale", "familyName": f"{i:07d}"}
                if "emails" in d:
                    d["emails"] = [{"value": name, "type": "work", "primary": True}]
                d["displayName"] = f"Scale {i:07d}"
                r = dict(template)
                r.update(id=f"scale-{i:07d}", user_name=name, user_name_lower=name, display_name=d["displayName"],
                         doc=json.dumps(d, separators=(",", ":")), created_at=template["created_at"] + i,
                         updated_at=template["created_at"] + i)
                yield [r[c] for c in columns]

        if self.kind == "sqlite":
            with sqlite3.connect(self.url) as db:
                marks = ",".join("?" * len(columns))
                db.executemany(f"INSERT INTO users ({','.join(columns)}) VALUES ({marks})", rows())
                db.execute(
                    "INSERT INTO user_roles (user_id, role) SELECT id, 'Desktop User' FROM users "
                    "WHERE user_name_lower LIKE 'scale%' AND id NOT IN (SELECT user_id FROM user_roles)")
            return
        buffer = io.StringIO()
        w = csv.writer(buffer)
        for r in rows():
            w.writerow(["" if v is None else v for v in r])
        copy = f"\\copy users ({','.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')"
        env = dict(os.environ, PGOPTIONS=f"-c search_path={self.schema} -c session_replication_role=replica")
        r = subprocess.run(["psql", self.psql_url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", copy],
                           input=buffer.getvalue(), env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"psql copy: {r.stderr}")
        # Triggers were off for the COPY: recompute what they keep, as they would have.
        self.psql("""
            INSERT INTO user_roles (user_id, role) SELECT id, 'Desktop User' FROM users
              WHERE user_name_lower LIKE 'scale%' ON CONFLICT DO NOTHING;
            DELETE FROM provider_user_counts;
            INSERT INTO provider_user_counts (provider_id, shard, users)
              SELECT provider_id, seq % 16, COUNT(*) FROM users WHERE provider_id IS NOT NULL AND linked = 1
              GROUP BY provider_id, seq % 16;
            DELETE FROM user_pages;
            INSERT INTO user_pages (provider_id, block, shard, users)
              SELECT provider_id, seq / 1024, seq % 16, COUNT(*) FROM users WHERE provider_id IS NOT NULL AND linked = 1
              GROUP BY provider_id, seq / 1024, seq % 16;
            ANALYZE;""")

    def seed_members(self, group_id, count):
        sql = (f"INSERT INTO group_members (group_id, user_id, seq, display) SELECT '{group_id}', id, seq, NULL "
               f"FROM users WHERE user_name_lower LIKE 'scale%' ORDER BY seq LIMIT {count}")
        update = f"UPDATE groups SET member_count = {count} WHERE id = '{group_id}'"
        if self.kind == "sqlite":
            with sqlite3.connect(self.url) as db:
                db.execute(sql)
                db.execute(update)
        else:
            self.psql(sql + "; " + update + "; ANALYZE group_members;")

    def drop(self):
        if self.kind == "postgres":
            subprocess.run(["psql", self.psql_url, "-qc", f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"],
                           capture_output=True)


class Server:
    def __init__(self, args, db, work):
        self.args, self.db, self.work, self.proc = args, db, work, None

    def cli(self, *argv):
        return subprocess.run([self.args.bin, *argv, "--database", self.db.url], check=True, capture_output=True,
                              text=True).stdout

    def start(self):
        log = open(os.path.join(self.work, "server.log"), "a")
        self.proc = subprocess.Popen([self.args.bin, "serve", "--database", self.db.url, "--port", str(self.args.port),
                                      "--rate-limit", "0", "--log-level", "warning"], stdout=log, stderr=log)
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        sys.exit("server did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def rss(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class Client:
    def __init__(self, port, base, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        self.conn.request(method, self.base + path, body=json.dumps(body) if body is not None else None,
                          headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/scim+json"})
        r = self.conn.getresponse()
        data = r.read()
        if r.status >= 300:
            sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
        return json.loads(data) if data else None

    def timed(self, method, path, body=None):
        t = time.perf_counter()
        result = self.call(method, path, body)
        return (time.perf_counter() - t) * 1000, result


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    args = parse()
    levels = [int(x) for x in args.levels.split(",")]
    work = tempfile.mkdtemp(prefix="roster-scale-")
    db = Database(args.database, work)
    server = Server(args, db, work)
    provider = json.loads(server.cli("provider", "add", "--name", "scale", "--json"))
    server.cli("provider", "update", provider["id"], "--guard-state", "off")
    base = "/scim/" + provider["id"] + "/v2"
    server.start()
    client = Client(args.port, base, provider["secret"])
    client.call("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                   "userName": "template@example.com", "name": {"givenName": "T", "familyName": "T"},
                                   "emails": [{"value": "template@example.com", "type": "work", "primary": True}]})
    groups = {}
    for size in (100, 10_000, 100_000):
        g = client.call("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                            "displayName": f"Members {size}"})
        groups[size] = g["id"]
    server.stop()
    template = db.template()
    print(f"# Scale curves on {args.database} ({os.cpu_count()} cores), release build")
    print()
    print("| users | seed s | filter p50 ms | filter p95 ms | page@1 p50 ms | page@90% p50 ms | RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    filter_p50 = {}
    for level in levels:
        have = db.user_count()
        t = time.time()
        if level > have:
            db.seed_users(template, have, level - have)
        seeded = time.time() - t
        server.start()
        client = Client(args.port, base, provider["secret"])
        client.call("GET", "/Users?count=1")  # warm the connection and caches
        lat = []
        for _ in range(300):
            i = random.randrange(level)
            ms, page = client.timed("GET", "/Users?filter=" + quote(f'userName eq "scale{i:07d}@example.com"'))
            assert page["totalResults"] == 1, page
            lat.append(ms)
        first = [client.timed("GET", "/Users?startIndex=1&count=100")[0] for _ in range(20)]
        deep_index = int(level * 0.9)
        deep = []
        for _ in range(20):
            ms, page = client.timed("GET", f"/Users?startIndex={deep_index}&count=100")
            assert len(page["Resources"]) == 100, len(page["Resources"])
            deep.append(ms)
        rss, _ = server.rss()
        filter_p50[level] = statistics.median(lat)
        print(f"| {level:,} | {seeded:.0f} | {statistics.median(lat):.2f} | {percentile(lat, 0.95):.2f} | "
              f"{statistics.median(first):.2f} | {statistics.median(deep):.2f} (startIndex {deep_index:,}) | {rss:.0f} |",
              flush=True)
        if level != levels[-1]:
            server.stop()
    if len(levels) > 1:
        print(f"\nfilter p50 ratio {levels[-1]:,} / {levels[0]:,}: {filter_p50[levels[-1]] / filter_p50[levels[0]]:.2f}")

    # Membership at the largest level.
    server.stop()
    top = levels[-1]
    for size, gid in groups.items():
        if size < top:
            db.seed_members(gid, size)
    server.start()
    client = Client(args.port, base, provider["secret"])
    newcomer = client.call("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                              "userName": "newcomer@example.com"})["id"]
    print()
    print("| group members | add p50 ms | add p99 ms | remove p50 ms |")
    print("|---|---|---|---|")
    for size, gid in groups.items():
        if size >= top:
            continue
        adds, removes = [], []
        for _ in range(100):
            body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": newcomer}]}]}
            adds.append(client.timed("PATCH", f"/Groups/{gid}?excludedAttributes=members", body)[0])
            body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "remove", "path": f'members[value eq "{newcomer}"]'}]}
            removes.append(client.timed("PATCH", f"/Groups/{gid}?excludedAttributes=members", body)[0])
        print(f"| {size:,} | {statistics.median(adds):.2f} | {percentile(adds, 0.99):.2f} | {statistics.median(removes):.2f} |")
    rss, hwm = server.rss()
    print(f"\nmemory with {top:,} users after all of the above: RSS {rss:.0f} MiB, peak {hwm:.0f} MiB")
    server.stop()
    db.drop()


if __name__ == "__main__":
    main()
