#!/usr/bin/env python3
"""Load and report helper of bench/operator.sh (make bench-operator); standard library only.

  operator_shops.py create --server URL --count N [--namespaces K] [--concurrency C] [--deadline S]
      Creates K namespaces, then N connection Secrets and N minimal ShopInstances spread over them, C requests in
      flight (one keep-alive connection per worker), and follows the ShopInstances with one watch until every one
      is Ready=True or the deadline passes. Prints one JSON object: seconds from the first create to the last
      create answered and to all Ready, how many are Ready, request errors. Progress lines go to stderr.
  operator_shops.py report --results FILE --header FILE --out FILE
      Renders the section from the JSON lines bench/operator.sh wrote (one per run) under the header (which starts
      with the start marker), and puts it between the operator-bench markers of --out (docs/benchmarks.md), or
      appends it when they are missing; the rest of the file is left as it was.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

START, END = "<!-- operator-bench:start -->", "<!-- operator-bench:end -->"
GROUP_PATH = "/apis/shop.example.com/v1alpha1"
IMAGE = "ghcr.io/example/shop@sha256:" + "4f5e0d7c1b2a3948" * 4


def log(message):
    print(f"[bench-operator] {message}", file=sys.stderr, flush=True)


class Api:
    """One keep-alive HTTP connection to the API server (not shared between threads)."""

    def __init__(self, server):
        url = urllib.parse.urlsplit(server)
        self.host, self.port = url.hostname, url.port
        self.conn = None

    def request(self, method, path, body=None, timeout=30):
        for attempt in range(5):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
                data = None if body is None else json.dumps(body).encode()
                headers = {"Authorization": "Bearer emulator", "Accept": "application/json"}
                if data is not None:
                    headers["Content-Type"] = "application/json"
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                if response.status in (429, 500, 503) and attempt < 4:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                return response.status, payload
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise RuntimeError("unreachable")


def is_ready(obj):
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


class ReadyWatch(threading.Thread):
    """Follows every ShopInstance with a list and then a watch; re-lists when the stream ends."""

    def __init__(self, server, wanted, deadline):
        super().__init__(daemon=True)
        self.server, self.wanted, self.deadline = server, wanted, deadline
        self.ready = set()
        self.lock = threading.Lock()
        self.all_ready = threading.Event()
        self.listed = threading.Event()

    def count(self):
        with self.lock:
            return len(self.ready)

    def _set(self, key, ready):
        with self.lock:
            if ready:
                self.ready.add(key)
            else:
                self.ready.discard(key)
            if len(self.ready) >= self.wanted:
                self.all_ready.set()

    def _list(self):
        api, cont, keys = Api(self.server), "", set()
        while True:
            path = f"{GROUP_PATH}/shopinstances?limit=500" + (f"&continue={urllib.parse.quote(cont)}" if cont else "")
            status, payload = api.request("GET", path)
            if status != 200:
                raise RuntimeError(f"list shopinstances answered {status}")
            page = json.loads(payload)
            for item in page.get("items") or []:
                keys.add((item["metadata"]["namespace"], item["metadata"]["name"], is_ready(item)))
            cont = (page.get("metadata") or {}).get("continue") or ""
            if not cont:
                with self.lock:
                    self.ready = {(ns, name) for ns, name, ready in keys if ready}
                    if len(self.ready) >= self.wanted:
                        self.all_ready.set()
                return page["metadata"]["resourceVersion"]

    def run(self):
        while time.monotonic() < self.deadline and not self.all_ready.is_set():
            try:
                rv = self._list()
                self.listed.set()
                url = urllib.parse.urlsplit(self.server)
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=max(1, self.deadline - time.monotonic()))
                conn.request("GET", f"{GROUP_PATH}/shopinstances?watch=1&resourceVersion={rv}&timeoutSeconds=600",
                             headers={"Authorization": "Bearer emulator"})
                response = conn.getresponse()
                if response.status != 200:
                    raise RuntimeError(f"watch shopinstances answered {response.status}")
                while not self.all_ready.is_set():
                    line = response.readline()
                    if not line:
                        break
                    event = json.loads(line)
                    if event.get("type") == "ERROR":
                        break
                    obj = event.get("object") or {}
                    meta = obj.get("metadata") or {}
                    key = (meta.get("namespace"), meta.get("name"))
                    self._set(key, event.get("type") != "DELETED" and is_ready(obj))
                conn.close()
            except (OSError, http.client.HTTPException, RuntimeError, ValueError) as e:
                log(f"watch: {e}; listing again")
                time.sleep(0.5)


def create(args):
    started = time.monotonic()
    deadline = started + args.deadline
    setup = Api(args.server)
    namespaces = [f"bench-{i}" for i in range(args.namespaces)]
    for ns in namespaces:
        status, payload = setup.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        if status not in (201, 409):
            raise SystemExit(f"creating namespace {ns} answered {status}: {payload[:300]!r}")

    watch = ReadyWatch(args.server, args.count, deadline)
    watch.start()
    if not watch.listed.wait(timeout=60):
        raise SystemExit("could not list ShopInstances within 60 s")

    local = threading.local()
    errors = []

    def one(i):
        api = getattr(local, "api", None)
        if api is None:
            api = local.api = Api(args.server)
        ns, name = namespaces[i % len(namespaces)], f"shop-{i:05d}"
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"{name}-db", "namespace": ns},
                  "type": "Opaque", "stringData": {"connectionString": f"Host=db.{ns}.svc;Database={name};Username=shop;Password=bench"}}
        shop = {"apiVersion": "shop.example.com/v1alpha1", "kind": "ShopInstance", "metadata": {"name": name, "namespace": ns},
                "spec": {"image": IMAGE, "host": f"{name}.{ns}.bench.example.com",
                         "database": {"connectionSecretRef": {"name": f"{name}-db"}}}}
        for path, body in ((f"/api/v1/namespaces/{ns}/secrets", secret), (f"{GROUP_PATH}/namespaces/{ns}/shopinstances", shop)):
            status, payload = api.request("POST", path, body)
            if status != 201:
                errors.append(f"POST {path} {body['metadata']['name']}: {status} {payload[:200]!r}")

    t0 = time.monotonic()
    done = [0]
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        for _ in pool.map(one, range(args.count)):
            done[0] += 1
            if done[0] % max(1, args.count // 5) == 0:
                log(f"  created {done[0]}/{args.count} after {time.monotonic() - t0:.1f} s; Ready {watch.count()}")
    created = time.monotonic() - t0

    next_progress = time.monotonic() + 5
    while not watch.all_ready.wait(timeout=0.2):
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_progress:
            log(f"  Ready {watch.count()}/{args.count} after {now - t0:.0f} s")
            next_progress = now + 5
    ready_s = time.monotonic() - t0 if watch.all_ready.is_set() else None
    for e in errors[:5]:
        log(e)
    print(json.dumps({"created_s": round(created, 2), "ready_s": None if ready_s is None else round(ready_s, 2),
                      "ready": watch.count(), "errors": len(errors)}))


def fmt(value, digits=1):
    if value is None:
        return "—"
    if isinstance(value, int) or digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def report(args):
    runs = [json.loads(line) for line in open(args.results, encoding="utf-8") if line.strip()]
    out = [open(args.header, encoding="utf-8").read().rstrip("\n")]
    sizes = []
    for run in runs:
        if run["size"] not in sizes:
            sizes.append(run["size"])
    mib = 1024 * 1024

    def figures(rs, key, scale=1.0, digits=1):
        values = [r[key] / scale if r.get(key) is not None else None for r in rs]
        known = [v for v in values if v is not None]
        median = statistics.median(known) if known else None
        each = " / ".join(fmt(v, digits) for v in values)
        return fmt(median, digits), each

    rows = [
        ("time from the first create to all Ready (s)", "ready_s", 1, 1, "< 60 at 5,000"),
        ("time to create them all (Secret + ShopInstance each, s)", "created_s", 1, 1, "—"),
        ("resident memory with no shop (MiB)", "rss_empty", mib, 1, "—"),
        ("resident memory after convergence (MiB)", "rss_converged", mib, 1, "≤ 150 at 1,000; ≤ 400 at 5,000"),
        ("managed heap after convergence (MiB)", "heap_converged", mib, 1, "—"),
        ("resident memory after a restart and its no-op pass (MiB)", "rss_restart", mib, 1, "≤ 150 at 1,000; ≤ 400 at 5,000"),
        ("peak resident memory of the restarted process (VmHWM, MiB)", "hwm_restart", mib, 1, "—"),
        ("managed heap after the restart (MiB)", "heap_restart", mib, 1, "—"),
        ("cost per shop after convergence ((RSS − RSS with no shop) / N, KiB)", "per_shop_converged", 1024, 1, "—"),
        ("cost per shop after the restart (KiB)", "per_shop_restart", 1024, 1, "—"),
        ("restart: from start to caches synced (s)", "restart_sync_s", 1, 1, "—"),
        ("restart: from start to the end of its no-op pass (s)", "restart_pass_s", 1, 1, "—"),
        ("writes the restart made (create/update/patch/delete)", "restart_writes", 1, 0, "0"),
        ("requests the restart made (all verbs: lists, watches, writes)", "restart_requests", 1, 0, "—"),
        ("changes stored during the restart (resourceVersion delta, any writer)", "restart_stored", 1, 0, "0"),
        ("requests in one resync period with its no-op pass (all verbs)", "resync_requests", 1, 0, "0"),
        ("writes in that resync period", "resync_writes", 1, 0, "0"),
        ("changes stored in that resync period (any writer)", "resync_stored", 1, 0, "0"),
        ("resync CPU: utime+stime over one resync period, per 1,000 shops (s)", "resync_cpu_per_1000", 1, 3, "< 1"),
        ("CPU of the pass alone (period minus idle), per 1,000 shops (s)", "pass_cpu_per_1000", 1, 3, "—"),
        ("idle CPU between passes (ms per s)", "idle_cpu_ms_per_s", 1, 2, "—"),
        ("estimated CPU of a 10-minute resync period per 1,000 shops (s)", "cpu_10min_per_1000", 1, 3, "< 1"),
    ]
    for size in sizes:
        rs = [r for r in runs if r["size"] == size]
        out += ["", f"### {size:,} ShopInstances ({len(rs)} run{'s' if len(rs) > 1 else ''})", "",
                "| figure | median | each run | target |", "|---|---|---|---|"]
        for label, key, scale, digits, target in rows:
            median, each = figures(rs, key, scale, digits)
            out.append(f"| {label} | {median} | {each} | {target} |")
        notes = [f"run {i + 1}: {r['note']}" for i, r in enumerate(rs) if r.get("note")]
        for key, what in (("restart_writes_by", "the restart wrote"), ("resync_requests_by", "the resync period's requests were")):
            seen = [r.get(key) for r in rs]
            if len(set(seen)) == 1 and seen[0]:
                notes.append(f"{'every run' if len(rs) > 1 else 'the run'}: {what} {seen[0]}")
            else:
                notes += [f"run {i + 1}: {what} {v}" for i, v in enumerate(seen) if v]
        if notes:
            out += ["", "Notes: " + "; ".join(notes) + "."]
    out += ["", comparison(runs, sizes)]
    out.append(END)
    section = "\n".join(out) + "\n"
    replace_section(args.out, section)


def comparison(runs, sizes):
    """The Flux comparison and the sizing rule: a line through the two largest sizes (memory = base + cost × shops)."""
    mib = 1024 * 1024

    def median(size, key):
        values = [r[key] for r in runs if r["size"] == size and r.get(key) is not None]
        return statistics.median(values) if values else None

    def peak(size):  # what a container limit must hold at this size
        return max(v for v in (median(size, "rss_converged"), median(size, "rss_restart"), median(size, "hwm_restart"), 0) if v is not None)

    ordered = sorted(sizes)
    if not ordered:
        return "No run finished."
    if len(ordered) >= 2:
        small, large = ordered[-2], ordered[-1]
        cost = max(0.0, (peak(large) - peak(small)) / (large - small))
        base = peak(large) - cost * large
        how = f"a line through the {small:,}- and {large:,}-shop runs"
    else:
        large = ordered[-1]
        base = median(large, "rss_empty") or 0
        cost = (peak(large) - base) / large
        how = f"RSS with no shop and the {large:,}-shop run"
    if 1000 in sizes:
        at_1000 = (f"1,000 ShopInstances take {fmt(median(1000, 'rss_converged') / mib)} MiB after convergence and "
                   f"{fmt(median(1000, 'rss_restart') / mib)} MiB after a restart (medians)")
    else:
        at_1000 = f"1,000 ShopInstances would take about {fmt((base + 1000 * cost) / mib)} MiB by the rule below (1,000 was not measured in this run)"
    return ("Against Flux, whose kustomize-controller is published at 175 MiB for 1,000 Kustomizations: " + at_1000 + ". "
            f"Sizing rule ({how}, of the largest of RSS after convergence, after a restart and the restart's peak): "
            f"{fmt(base / mib)} MiB + {fmt(cost / 1024)} KiB per shop.")


def replace_section(path, section):
    """Puts the section between the operator-bench markers of the file, or appends it; the rest stays as it was."""
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        text = ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section.rstrip("\n") + after
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + section
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create")
    c.add_argument("--server", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--namespaces", type=int, default=5)
    c.add_argument("--concurrency", type=int, default=16)
    c.add_argument("--deadline", type=float, default=600)
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--header", required=True)
    args = parser.parse_args()
    if args.command == "create":
        create(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
