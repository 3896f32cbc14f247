#!/usr/bin/env python3
"""What --metrics-listen costs the scan: the same list scanned with and without it, runs interleaved.

  python3 bench/e2e/metrics_overhead.py --build build-bench [--urls 100000] [--repeat 5]
                                        [--interval-ms 100] [--json FILE]

Starts dnsmasq (names h<N>.test) and nginx as bench/e2e/run.py does (their own configuration in a
temporary folder, stopped by PID), writes S6's shape (N URLs over 1,024 names, `-c 256 --per-host 4`,
one loop), then runs urlsweep `--repeat` times without and `--repeat` times with
`--metrics-listen 127.0.0.1:PORT` while a client here scrapes GET /metrics every `--interval-ms`
(a new connection each time, as Prometheus does after the server's Connection: close). The runs
alternate, A B B A ..., so a drift of the shared machine touches both sides alike. It prints the
median rate of each side, their ratio (target: the metrics side at least 0.97x), the median CPU per
URL of each side, the scrapes made and any that failed, and exits 1 when a run failed or a scrape did not get a 200 with the metrics.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clients import count_ok_rows  # noqa: E402
from dns_server import DnsServer  # noqa: E402
from measured_process import MeasuredProcess  # noqa: E402
from nginx_server import NginxServer  # noqa: E402

# S6's shape: many names, so the scan's per-URL work (lookups, connections, rows) is what is measured.
NAMES = 1024
CONCURRENCY = 256
PER_HOST = 4
# The ratio the metrics side must reach: "never slows the scan down noticeably".
TARGET_RATIO = 0.97
# Bound of one urlsweep run; a run that reaches it fails the benchmark.
RUN_TIMEOUT_S = 300
# One scrape's bound: the server answers in well under a millisecond on loopback.
SCRAPE_TIMEOUT_S = 2
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")


def log(text):
    print(text, file=sys.stderr, flush=True)


def free_port():
    """A loopback TCP port free right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    """One GET /metrics; (status, body) or (None, error text)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=SCRAPE_TIMEOUT_S) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n")
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        raw = b"".join(chunks)
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body
    except (OSError, ValueError, IndexError) as e:
        return None, str(e)


class Scraper:
    """Scrapes every interval until stopped. A connection that fails is not an answer: the run has not
    reached its listener yet, or has just ended; an answer that is not a 200 with the metrics is a
    failure."""

    def __init__(self, port, interval_s):
        self.port = port
        self.interval_s = interval_s
        self.ok = 0
        self.failed = []
        self.unanswered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        next_at = time.monotonic()
        while not self._stop.is_set():
            status, body = scrape(self.port)
            if status == 200 and b"urlsweep_rows_total" in body:
                self.ok += 1
            elif status is None:
                self.unanswered += 1
            else:
                self.failed.append((status, body[:200]))
            next_at += self.interval_s
            self._stop.wait(max(0.0, next_at - time.monotonic()))


def run_once(workdir, urlsweep_bin, resolver, list_path, url_count, tag, metrics_port, interval_s):
    out = os.path.join(workdir, tag + ".out")
    err = os.path.join(workdir, tag + ".err")
    csv_path = os.path.join(workdir, tag + ".csv")
    argv = [urlsweep_bin, "--resolver", resolver, "-q", "--threads", "1", "-c", str(CONCURRENCY),
            "--per-host", str(PER_HOST), "--format", "csv", "-o", csv_path]
    if metrics_port:
        argv += ["--metrics-listen", "127.0.0.1:%d" % metrics_port]
    argv.append(list_path)
    scraper = Scraper(metrics_port, interval_s) if metrics_port else None
    run = MeasuredProcess(argv, out, err).start()
    if scraper:
        scraper.start()
    try:
        run.wait(RUN_TIMEOUT_S)
    finally:
        if scraper:
            scraper.stop()
        run.stop()
    rows, ok, _ = count_ok_rows(csv_path) if os.path.exists(csv_path) else (0, 0, {})
    for path in (csv_path, csv_path + ".urlsweep-journal"):
        if os.path.exists(path):
            os.unlink(path)
    problem = None
    if run.returncode != 0 or run.timed_out:
        problem = "exit %s%s: %s" % (run.returncode, " (timed out)" if run.timed_out else "",
                                     run.stderr_tail())
    elif rows != url_count:
        problem = "%d rows for %d URLs" % (rows, url_count)
    return {"metrics": bool(metrics_port), "wall_s": run.wall_s, "rate": url_count / run.wall_s,
            "cpu_s": run.cpu_s, "ok": ok, "problem": problem,
            "scrapes": scraper.ok if scraper else 0,
            "scrape_failures": scraper.failed if scraper else []}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="build folder with scanner/urlsweep")
    parser.add_argument("--urls", type=int, default=100000, help="URLs per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side")
    parser.add_argument("--interval-ms", type=int, default=100, help="time between two scrapes")
    parser.add_argument("--json", help="also write every run here")
    args = parser.parse_args()
    urlsweep_bin = os.path.join(os.path.abspath(args.build), "scanner", "urlsweep")
    if not os.access(urlsweep_bin, os.X_OK):
        parser.error("%s not found: build the urlsweep target" % urlsweep_bin)
    if "/usr/sbin" not in os.environ.get("PATH", "").split(":"):
        os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)

    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    workdir = tempfile.mkdtemp(prefix="urlsweep-metrics-bench.")
    servers = []
    runs = []
    load_before = os.getloadavg()
    try:
        dns = DnsServer(workdir, NAMES)
        servers.append(dns)
        dns.start()
        nginx = NginxServer(workdir)
        servers.append(nginx)
        nginx.start()
        list_path = os.path.join(workdir, "list.txt")
        with open(list_path, "w") as f:
            for i in range(args.urls):
                f.write("http://h%d.test:%d/\n" % (i % NAMES, nginx.port))
        log("metrics overhead: %d URLs, -c %d --per-host %d, %d runs a side, scrape every %d ms" % (
            args.urls, CONCURRENCY, PER_HOST, args.repeat, args.interval_ms))
        # A B B A ...: each pair starts with the other side than the previous one.
        order = []
        for i in range(args.repeat):
            order += [False, True] if i % 2 == 0 else [True, False]
        for n, with_metrics in enumerate(order):
            port = free_port() if with_metrics else None
            r = run_once(workdir, urlsweep_bin, dns.resolver, list_path, args.urls, "run%02d" % n, port,
                         args.interval_ms / 1000)
            runs.append(r)
            log("  %-16s %8.0f URLs/s  %6.2f s%s%s" % (
                "with metrics" if with_metrics else "without", r["rate"], r["wall_s"],
                "  %d scrapes" % r["scrapes"] if with_metrics else "",
                "  PROBLEM: " + r["problem"] if r["problem"] else ""))
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    without = [r["rate"] for r in runs if not r["metrics"]]
    with_m = [r["rate"] for r in runs if r["metrics"]]
    ratio = statistics.median(with_m) / statistics.median(without)
    failures = [f for r in runs for f in r["scrape_failures"]]
    problems = [r["problem"] for r in runs if r["problem"]]
    scrapes = sum(r["scrapes"] for r in runs)
    print("without --metrics-listen: median %.0f URLs/s (%s)" % (
        statistics.median(without), "/".join("%.0f" % x for x in without)))
    print("with --metrics-listen, scraped every %d ms: median %.0f URLs/s (%s); %d scrapes, %d failed" % (
        args.interval_ms, statistics.median(with_m), "/".join("%.0f" % x for x in with_m), scrapes,
        len(failures)))
    # CPU per URL (the process's user + sys, the metrics thread included) moves less than the rate on a
    # shared machine: the rate also carries the other processes' load.
    cpu_without = statistics.median(r["cpu_s"] for r in runs if not r["metrics"]) / args.urls * 1e6
    cpu_with = statistics.median(r["cpu_s"] for r in runs if r["metrics"]) / args.urls * 1e6
    print("CPU per URL: %.1f us without, %.1f us with (%+.1f%%)" % (
        cpu_without, cpu_with, 100 * (cpu_with / cpu_without - 1)))
    print("ratio with/without: %.3f (target >= %.2f: %s); %d CPUs, load average %.1f at the start, %.1f at "
          "the end" % (ratio, TARGET_RATIO, "ok" if ratio >= TARGET_RATIO else "MISS", os.cpu_count(),
                       load_before[0], os.getloadavg()[0]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "ratio": ratio}, f, indent=1, default=str)
    for p in problems:
        print("run problem: " + p)
    for f in failures[:5]:
        print("scrape failure: %r" % (f,))
    sys.exit(1 if problems or failures or scrapes == 0 else 0)


if __name__ == "__main__":
    main()
