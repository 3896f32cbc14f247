#!/usr/bin/env python3
"""Progress for people and for machines, as a user sees it: GET /metrics during a real scan
(--metrics-listen: counts rise, rows_total equals the rows written once nothing but hung URLs is
in flight, the text passes Prometheus' own `promtool check metrics`, other paths 404, other methods
405, idle and slow clients do not hold it up, a port in use is refused before the scan starts), the
--progress-json lines (a percentage within the first 2 s of a 20,000-line file, `queued` apart from
`in flight` at --per-host 8 on one host, a final line, counts after --resume that include the rows
already written), and the progress line after Ctrl-C (no made-up total, percentage or ETA)."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import fixtures
from process_util import free_port

# A metric sample line of the text format 0.0.4: name, optional labels, value (no timestamps here).
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? '
                       r'(-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$')
HELP_RE = re.compile(r"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$")
TYPE_RE = re.compile(r"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")
# The URLs that never answer in the metrics scan, and the bound that keeps them in flight meanwhile.
HUNG_URLS = 5
HUNG_BUDGET_S = 300
# The fast part of the metrics scan: /delay/30 URLs over 4 names at --per-host 8 (32 at once): about
# 3 s on a quiet machine, long enough for two scrapes while the counts rise.
METRICS_URLS = 3000
METRICS_DELAY_MS = 30
# Idle clients held open while a scrape must still be answered.
IDLE_CLIENTS = 20
# The JSON progress case: 20,000 lines of /delay/20 at -c 100, about 4 s: the first line (at 1 s)
# comes while most of the input is still unread.
JSON_LINES = 20000
# How far the early percentage may be from rows / lines: the reader is one 64 KiB chunk ahead of the
# lines handed out, and the rows expected are estimated from the share of bytes read.
PERCENT_TOLERANCE = 15
# One host at --per-host 8: every other URL waits for its turn.
PER_HOST = 8
QUEUE_URLS = 300


def request(port, path="/metrics", method="GET", timeout=10):
    """(status, headers, body) of one request to urlsweep's metrics listener."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def parse_metrics(text):
    """{'name{labels}': float} of a text exposition, checked strictly on the way: every line is a
    HELP, a TYPE or a sample; a metric's HELP and TYPE come once, before its samples; counters end in
    _total; a histogram's buckets are cumulative and end in le="+Inf" equal to its _count."""
    samples = {}
    typed = {}
    helped = set()
    assert text.endswith("\n"), "the text must end with a line feed"
    for line in text[:-1].split("\n"):
        m = HELP_RE.match(line)
        if m:
            assert m.group(1) not in helped, "second HELP for " + m.group(1)
            helped.add(m.group(1))
            continue
        m = TYPE_RE.match(line)
        if m:
            assert m.group(1) in helped and m.group(1) not in typed, "TYPE out of place: " + line
            typed[m.group(1)] = m.group(2)
            if m.group(2) == "counter":
                assert m.group(1).endswith("_total"), "counter without _total: " + line
            continue
        m = SAMPLE_RE.match(line)
        assert m, "not a sample line: %r" % line
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
        assert family in typed, "sample before its TYPE: " + line
        key = name + (m.group(2) or "")
        assert key not in samples, "sample twice: " + line
        samples[key] = float(m.group(3))
    for family, kind in typed.items():
        if kind != "histogram":
            continue
        for key in [k for k in samples if k.startswith(family + "_count{")]:
            labels = key[len(family + "_count{"):-1]
            buckets = [(k, v) for k, v in samples.items()
                       if k.startswith(family + "_bucket{" + labels + ",le=")]
            values = [v for _, v in buckets]
            assert values == sorted(values), "buckets not cumulative: %s" % buckets
            assert buckets[-1][0].endswith('le="+Inf"}'), "last bucket not +Inf: %s" % buckets[-1][0]
            assert buckets[-1][1] == samples[key], "+Inf bucket != _count for " + labels
    return samples


class StderrLines:
    """Reads a process's standard error line by line on a thread, each with the time it came."""

    def __init__(self, stream):
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def join(self):
        self._thread.join(timeout=30)

    def texts(self):
        return [text for _, text in self.lines]

    def json_objects(self, test):
        """Every line parsed as one JSON object (the test fails on any other line)."""
        out = []
        for text in self.texts():
            try:
                value = json.loads(text)
            except ValueError:
                test.fail("not a JSON line on standard error: %r" % text)
            test.assertIsInstance(value, dict, text)
            out.append(value)
        return out


class ProgressTest(fixtures.FixtureTestCase):

    def start(self, args, path):
        argv = [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port] + list(args) + [path]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=fixtures.clean_env())
        self.addCleanup(self.kill, proc)
        return proc, StderrLines(proc.stderr)

    @staticmethod
    def kill(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()

    def finish(self, proc, lines, timeout=fixtures.SCAN_TIMEOUT_S):
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("urlsweep ran past %d s" % timeout)
        lines.join()
        return proc.returncode

    def urls(self, count, path, names, first=1):
        return ["http://h%d.test:%d%s" % (first + i % names, self.port, path) for i in range(count)]

    @staticmethod
    def csv_rows(path):
        try:
            with open(path, newline="") as f:
                return max(0, sum(1 for _ in f) - 1)  # the header
        except FileNotFoundError:
            return 0

    # -- GET /metrics ----------------------------------------------------------------------------

    def test_metrics_during_a_scan(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool not installed (Debian: prometheus): run tools/install_deps.sh")
        hung = ["http://h30.test:%d/hang" % self.port] * HUNG_URLS
        fast = self.urls(METRICS_URLS, "/delay/%d" % METRICS_DELAY_MS, names=4)
        path = self.write_input("metrics.txt", hung + fast)
        out = os.path.join(self.tmp, "metrics.csv")
        port = free_port()
        proc, lines = self.start(["-q", "-c", "40", "--per-host", str(PER_HOST), "--timeout", str(HUNG_BUDGET_S),
                                  "--read-timeout", str(HUNG_BUDGET_S), "--metrics-listen", "127.0.0.1:%d" % port,
                                  "-o", out], path)

        def scrape():
            status, headers, body = request(port)
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
            return parse_metrics(body.decode())

        def rows(m):
            return sum(v for k, v in m.items() if k.startswith("urlsweep_rows_total{"))

        def scrape_when(condition, what):
            def attempt():
                try:
                    m = scrape()
                except ConnectionRefusedError:
                    return None  # not listening yet
                return m if condition(m) else None
            return fixtures.wait_until(attempt, what)

        # Two scrapes while the scan runs: every count rises.
        first = scrape_when(lambda m: rows(m) > 0, "a first row in /metrics")
        second = scrape_when(lambda m: rows(m) >= rows(first) + 100, "100 more rows in /metrics")
        self.assertIsNone(proc.poll(), "the scan ended before the second scrape")
        for name in ("urlsweep_lines_read_total", "urlsweep_input_bytes_read_total"):
            self.assertGreaterEqual(second[name], first[name], name)
        self.assertGreater(second['urlsweep_stage_seconds_count{stage="total"}'],
                           first['urlsweep_stage_seconds_count{stage="total"}'])
        self.assertLessEqual(first["urlsweep_in_flight"], 40)

        # Then only the hung URLs are left: the counts are exact, and equal the rows written.
        done = scrape_when(lambda m: rows(m) == METRICS_URLS, "every fast URL in /metrics")
        size = os.path.getsize(path)
        self.assertEqual(done['urlsweep_rows_total{error=""}'], METRICS_URLS)
        self.assertEqual(done['urlsweep_rows_total{error="timeout"}'], 0)
        self.assertEqual(done['urlsweep_status_total{class="2xx"}'], METRICS_URLS)
        self.assertEqual(done['urlsweep_status_total{class="5xx"}'], 0)
        self.assertEqual(done["urlsweep_in_flight"], HUNG_URLS)
        self.assertEqual(done["urlsweep_queued"], 0)
        self.assertEqual(done["urlsweep_lines_read_total"], HUNG_URLS + METRICS_URLS)
        self.assertEqual(done["urlsweep_input_bytes"], size)
        self.assertEqual(done["urlsweep_input_bytes_read_total"], size)
        self.assertEqual(done['urlsweep_stage_seconds_count{stage="total"}'], METRICS_URLS)
        self.assertEqual(done['urlsweep_stage_seconds_count{stage="ttfb"}'], METRICS_URLS)
        # Every answer took at least its 30 ms delay: none in the buckets up to 25 ms.
        self.assertEqual(done['urlsweep_stage_seconds_bucket{stage="ttfb",le="0.025"}'], 0)
        self.assertEqual(done['urlsweep_stage_seconds_bucket{stage="ttfb",le="+Inf"}'], METRICS_URLS)
        self.assertGreaterEqual(done['urlsweep_stage_seconds_sum{stage="ttfb"}'],
                                METRICS_URLS * METRICS_DELAY_MS / 1000)
        self.assertEqual(done['urlsweep_stage_seconds_count{stage="tls"}'], 0)

        # Prometheus' own checker accepts the text.
        _, _, body = request(port)
        check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout.decode() + check.stderr.decode())
        self.assertEqual(check.stdout + check.stderr, b"", "promtool found problems")

        # Other paths, other methods, HEAD, and bytes that are not HTTP.
        status, _, body = request(port, "/")
        self.assertEqual(status, 404)
        self.assertEqual(request(port, "/metrics/extra")[0], 404)
        self.assertEqual(request(port, "/favicon.ico")[0], 404)
        self.assertEqual(request(port, "/metrics?name[]=x")[0], 200)
        status, headers, _ = request(port, method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Allow"), "GET, HEAD")
        self.assertEqual(request(port, method="DELETE")[0], 405)
        status, headers, body = request(port, method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertGreater(int(headers["Content-Length"]), 1000)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"\x16\x03\x01\x00\x05hello\r\n\r\n")
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 400 "))

        # Idle clients, and one that sends half a request and stops, do not hold up a scrape.
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(IDLE_CLIENTS)]
        try:
            idle[0].sendall(b"GET /metr")
            self.assertEqual(rows(scrape()), METRICS_URLS)
        finally:
            for s in idle:
                s.close()

        # A second run asking for the same port: one line, exit 1, no output file, while the first goes on.
        other_out = os.path.join(self.tmp, "second.csv")
        code, _, err, _ = self.run_urlsweep(["-q", "--metrics-listen", "127.0.0.1:%d" % port, "-o", other_out,
                                             path])
        self.assertEqual(code, 1, err)
        self.assertEqual(err, "urlsweep: --metrics-listen 127.0.0.1:%d: cannot listen: address already in use\n"
                         % port)
        self.assertFalse(os.path.exists(other_out))
        self.assertFalse(os.path.exists(other_out + ".urlsweep-journal"))
        self.assertEqual(rows(scrape()), METRICS_URLS)

        # The run ends (here by SIGTERM: the hung URLs would wait for their budget), and the listener with
        # it; the rows written are the rows /metrics counted.
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.finish(proc, lines), 143, "\n".join(lines.texts()))
        with self.assertRaises(ConnectionRefusedError):
            request(port)
        self.assertEqual(self.csv_rows(out), rows(done))

    def test_metrics_port_in_use_is_refused_before_the_scan(self):
        path = self.write_input("in-use.txt", self.urls(10, "/", names=2))
        out = os.path.join(self.tmp, "in-use.csv")
        before = self.stats()["requests"]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen(1)
            port = holder.getsockname()[1]
            code, stdout, err, _ = self.run_urlsweep(["--metrics-listen", "127.0.0.1:%d" % port, "-o", out, path])
        self.assertEqual(code, 1)
        self.assertEqual(stdout, "")
        self.assertEqual(err, "urlsweep: --metrics-listen 127.0.0.1:%d: cannot listen: address already in use\n"
                         % port)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(self.stats()["requests"], before, "the scan started anyway")

    # -- --progress-json and the progress line ---------------------------------------------------

    def test_progress_json_shows_a_percentage_early(self):
        path = self.write_input("twenty-thousand.txt", self.urls(JSON_LINES, "/delay/20", names=100))
        out = os.path.join(self.tmp, "json.csv")
        proc, lines = self.start(["-c", "100", "--progress-json", "-o", out], path)
        self.assertEqual(self.finish(proc, lines), 0, "\n".join(lines.texts()[-5:]))
        objects = lines.json_objects(self)
        self.assertGreaterEqual(len(objects), 2, objects)
        first, final = objects[0], objects[-1]
        size = os.path.getsize(path)
        # The first line comes after 1 s, with most of the input unread: its percentage comes from the
        # share of the file's bytes read, not from a line count.
        # The printer wakes each second on its own clock; sanitized, a loaded machine may wake it late.
        self.assertTookLess(first["elapsed_s"], 2.0, first, sanitized_bound_s=5.0)
        self.assertEqual(first["input_bytes"], size, first)
        self.assertNotIn("total", first)
        self.assertLess(first["lines_read"], JSON_LINES, first)
        self.assertIn("percent", first)
        self.assertIn("eta_s", first)
        self.assertAlmostEqual(first["percent"], 100 * first["rows"] / JSON_LINES, delta=PERCENT_TOLERANCE)
        for o in objects[:-1]:
            self.assertNotIn("final", o)
            self.assertEqual(set(o) - {"input_bytes", "total", "percent", "eta_s"},
                             {"elapsed_s", "lines_read", "input_bytes_read", "rows", "errors", "in_flight",
                              "queued", "rate_per_s"}, o)
            self.assertLessEqual(o["in_flight"], 100, o)
        self.assertEqual(final, dict(final, final=True, rows=JSON_LINES, total=JSON_LINES, percent=100.0,
                                     lines_read=JSON_LINES, input_bytes_read=size, input_bytes=size,
                                     errors=0, in_flight=0, queued=0))
        self.assertNotIn("eta_s", final)
        self.assertGreater(final["rate_per_s"], 0)
        self.assertEqual(self.csv_rows(out), JSON_LINES)

    def test_queued_apart_from_in_flight(self):
        path = self.write_input("one-host.txt", self.urls(QUEUE_URLS, "/delay/100", names=1))
        proc, lines = self.start(["--per-host", str(PER_HOST), "--progress-json", "-o",
                                  os.path.join(self.tmp, "one-host.csv")], path)
        self.assertEqual(self.finish(proc, lines), 0, "\n".join(lines.texts()[-5:]))
        objects = lines.json_objects(self)
        running = [o for o in objects if "final" not in o and o["rows"] < QUEUE_URLS - 2 * PER_HOST]
        self.assertTrue(running, objects)
        # On the wire: the host's 8 turns (a reading taken while a turn passes on may be one off);
        # queued: the rest of the URLs taken from the input.
        for o in running:
            self.assertLessEqual(abs(o["in_flight"] - PER_HOST), 1, o)
            self.assertGreaterEqual(o["in_flight"] + o["queued"] + o["rows"], QUEUE_URLS - 1, o)
        self.assertTrue(any(o["in_flight"] == PER_HOST and o["queued"] > PER_HOST for o in running), running)
        self.assertEqual((objects[-1]["rows"], objects[-1]["in_flight"], objects[-1]["queued"]), (QUEUE_URLS, 0, 0))

    def test_progress_line_after_ctrl_c_has_no_total_or_eta(self):
        path = self.write_input("interrupted.txt", self.urls(QUEUE_URLS, "/delay/100", names=1))
        proc, lines = self.start(["--progress", "--per-host", str(PER_HOST), "-o",
                                  os.path.join(self.tmp, "interrupted.csv")], path)
        fixtures.wait_until(lambda: any(" done" in t for t in lines.texts()), "a progress line")
        proc.send_signal(signal.SIGINT)
        self.assertEqual(self.finish(proc, lines), 130)
        progress = [t for t in lines.texts() if re.match(r"^[0-9,]+(/~?[0-9,]+)? done ", t)]
        self.assertGreaterEqual(len(progress), 2, lines.texts())
        before, last = progress[0], progress[-1]
        # While it ran: the total, the share done and an ETA; 8 on the wire and the rest queued apart.
        self.assertRegex(before, r"^[0-9,]+/%d done  [0-9.]+%%  .*  [0-9]+ in flight  [0-9,]+ queued  .* ETA "
                         % QUEUE_URLS)
        in_flight = int(re.search(r"  ([0-9,]+) in flight", before).group(1))
        queued = int(re.search(r"  ([0-9,]+) queued", before).group(1).replace(",", ""))
        # A reading taken while a turn passes on may be one off.
        self.assertLessEqual(abs(in_flight - PER_HOST), 1, before)
        self.assertGreater(queued, PER_HOST, before)
        # After Ctrl-C the rest will not be scanned: no total, no percentage, no ETA.
        self.assertRegex(last, r"^[0-9,]+ done  [0-9.,]+/s  0 in flight  0 queued  0 errors  [0-9:]+ elapsed$")

    def test_counts_after_resume_include_the_rows_already_written(self):
        count = 1000
        path = self.write_input("resumed.txt", self.urls(count, "/delay/50", names=10))
        out = os.path.join(self.tmp, "resumed.csv")
        proc, lines = self.start(["-q", "-c", "10", "-o", out], path)
        fixtures.wait_until(lambda: self.stats()["requests"] >= 100, "100 requests")
        proc.send_signal(signal.SIGINT)
        self.assertEqual(self.finish(proc, lines), 130)
        written = self.csv_rows(out)
        self.assertTrue(0 < written < count, written)

        proc, lines = self.start(["-c", "10", "--progress-json", "--resume", "-o", out], path)
        self.assertEqual(self.finish(proc, lines), 0, "\n".join(lines.texts()[-5:]))
        objects = lines.json_objects(self)
        for o in objects:
            self.assertGreaterEqual(o["rows"], written, o)
        last = objects[-1]
        self.assertEqual((last["rows"], last["total"], last["percent"]), (count, count, 100.0))
        self.assertEqual(self.csv_rows(out), count)


if __name__ == "__main__":
    fixtures.main()
