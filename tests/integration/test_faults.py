#!/usr/bin/env python3
"""Faults of the run itself: a low open-file limit, output that cannot be written (a full
device, a missing folder, a full file system), a reader that went away, input that cannot be read
(a missing file, a damaged .gz, a line of megabytes), secrets given on the command line, and
SIGINT/SIGTERM during a scan. Each case checks what a user sees: the exit status, the one line on
standard error, and rows that are whole and never doubled."""

import csv
import gzip
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

import fixtures

# The engine's grace for in-flight URLs after the first SIGINT/SIGTERM (scanner/scan.h kStopGraceMs).
STOP_GRACE_S = 2.0
# Slack on top of a deadline for a loaded two-core machine (under the sanitizers, upper bounds go
# through FixtureTestCase.assertTookLess).
SLACK_S = 5.0
# A second signal "exits at once": well under the grace, so a second signal that only waited out the
# grace fails.
IMMEDIATE_EXIT_S = 1.0
# start_slow_scan's URLs: hung ones wait for --read-timeout this long, so a graceful stop that did not
# cut them at the grace would take about this long.
HUNG_READ_TIMEOUT_S = 60
# start_slow_scan returns once the fixture has seen this many of the scan's requests: with -c 32 more
# than 32 means rows were completed, and one in ten hangs, so hung URLs hold slots.
SLOW_SCAN_STARTED_REQUESTS = 100
# Secrets handed to urlsweep; none may come back in any output, message or progress line.
TOKEN = "s3cr3t-token"
PASSWORD = "hunter2pass"
SECRETS = (TOKEN, PASSWORD)
# A port nothing listens on: a proxy there refuses every connection (proxy_error).
DEAD_PORT = 1
# Beside an output file: its --resume journal (scanner/journal.h Journal::PathFor).
JOURNAL_SUFFIX = ".urlsweep-journal"


def stderr_lines(text):
    return [line for line in text.splitlines() if line.strip()]


class FaultsTest(fixtures.FixtureTestCase):

    # -- helpers ----------------------------------------------------------------------------------

    def urls(self, count, path="/", names=fixtures.fixture_stack.DEFAULT_NAMES, first=0):
        """`count` URLs for `path` spread over h<first>.test .. (one host each, as far as names go)."""
        return ["http://h%d.test:%d%s" % (first + i % names, self.port, path) for i in range(count)]

    def argv(self, args, wrap=()):
        """The command line run_urlsweep would run, for runs that need a process of their own."""
        if not fixtures.URLSWEEP_BIN or not os.access(fixtures.URLSWEEP_BIN, os.X_OK):
            self.fail("urlsweep binary not found: set URLSWEEP_BIN or build the urlsweep target")
        return (list(wrap) + [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port]
                + list(args))

    def assertOneLine(self, stderr, *needles):
        """Standard error holds exactly one line, and it contains every needle."""
        lines = stderr_lines(stderr)
        self.assertEqual(len(lines), 1, "expected one line on standard error, got:\n" + stderr[-3000:])
        for needle in needles:
            self.assertIn(needle, lines[0])

    def requests_to(self, name_index):
        """Requests the fixture saw on h<name_index>.test's own address."""
        return self.count(self.address(name_index))[1]

    def assertAllAnswered200(self, result):
        failed = {}
        for row in result.rows:
            if row["error"] is not None or row["status"] != 200:
                key = (row["error"], row["error_detail"])
                failed[key] = failed.get(key, 0) + 1
        self.assertEqual(failed, {}, "rows that failed, by (error, detail)")

    def complete_rows(self, text, fmt):
        """Parses output that may have been cut by a fault or a signal, asserting that every row in
        it is whole (a row is written entirely or not at all) and that no line is reported twice."""
        if text:
            self.assertTrue(text.endswith("\n"), "output ends inside a row: %r" % text[-200:])
        if fmt == "jsonl":
            rows = []
            for number, line in enumerate(text.splitlines(), 1):
                try:
                    row = json.loads(line)
                except ValueError as e:
                    self.fail("JSONL line %d does not parse (%s): %r" % (number, e, line[:300]))
                self.assertEqual(list(row), fixtures.COLUMNS, "JSONL line %d" % number)
                rows.append(row)
        else:
            records = list(csv.reader(io.StringIO(text, newline="")))
            if records:
                self.assertEqual(records[0], fixtures.COLUMNS, "CSV header")
            for number, record in enumerate(records[1:], 2):
                self.assertEqual(len(record), len(fixtures.COLUMNS),
                                 "CSV record %d has %d fields: %r" % (number, len(record), record[:3]))
            rows = fixtures.parse_csv(text)
        lines = [row["line"] for row in rows]
        self.assertEqual(len(lines), len(set(lines)), "lines reported twice")
        return rows

    # -- open-file limit --------------------------------------------------------------------------

    # The engine sizes its concurrency to the open-file limit and says so once (scanner/scan.cc
    # FittingConcurrency); before that, ~90% of the rows here were connect_unreachable "too many open files".
    def test_low_open_file_limit_lowers_concurrency_not_rows(self):
        limit = 256
        wrap = ["sh", "-c", 'ulimit -n %d && exec "$0" "$@"' % limit]
        # The limit really binds: urlsweep cannot raise the hard limit back (it may only go down).
        probe = subprocess.run(wrap[:2] + ['ulimit -n %d && ulimit -Hn' % limit], capture_output=True,
                               text=True, timeout=10)
        self.assertEqual(probe.stdout.strip(), str(limit), probe.stderr)
        urls = self.urls(5000)
        result = self.scan(urls, "-c", "1024", wrap=wrap, fmt="csv")
        self.assertEqual(sorted(result.by_line), list(range(1, 5001)), result.describe())
        self.assertAllAnswered200(result)
        lines = stderr_lines(result.stderr)
        self.assertEqual(len(lines), 1, "one line about the lowered concurrency:\n" + result.stderr[-2000:])
        self.assertRegex(lines[0], r"(?i)%d|open files|file descriptors|RLIMIT_NOFILE" % limit)

    def inherit_descriptors(self, limit, count):
        """A wrapper that runs urlsweep under `ulimit -n limit` with `count` extra descriptors open
        (3 .. count+2, as a careless parent leaves them), after checking that they really arrive."""
        held = os.path.join(self.tmp, "held-open.txt")
        open(held, "w").close()
        opens = " ".join("%d<%s" % (fd, shlex.quote(held)) for fd in range(3, 3 + count))
        # bash: dash takes one-digit descriptors only in redirections.
        wrap = ["bash", "-c", 'ulimit -n %d && exec %s && exec "$0" "$@"' % (limit, opens)]
        probe = subprocess.run(wrap + ["ls", "/proc/self/fd"], capture_output=True, text=True, timeout=10)
        self.assertGreaterEqual(len(probe.stdout.split()), count + 3, probe.stderr)
        return wrap

    # Descriptors inherited from the parent count against the same limit as connections: before they
    # were counted, this run said "lowered to 216" and 1,876 rows were connect_unreachable "too many
    # open files".
    def test_inherited_descriptors_lower_concurrency_further(self):
        limit, inherited = 256, 200
        result = self.scan(self.urls(2000), "-c", "1024", fmt="csv",
                           wrap=self.inherit_descriptors(limit, inherited))
        self.assertEqual(sorted(result.by_line), list(range(1, 2001)), result.describe())
        self.assertAllAnswered200(result)
        self.assertOneLine(result.stderr, "lowered to", str(limit), "already open")
        lowered = int(re.search(r"lowered to (\d+)", result.stderr).group(1))
        self.assertLessEqual(lowered, limit - inherited, "the inherited descriptors were not counted")

    def test_no_room_for_connections_is_one_line(self):
        urls = self.urls(20, first=73, names=1)
        for label, wrap in (("ulimit -n 12", ["sh", "-c", 'ulimit -n 12 && exec "$0" "$@"']),
                            # 240 leave far too few for a scan (the reserve alone is 40) while keeping a
                            # few free for the sanitizers' runtime, which opens a pipe of its own to check
                            # memory (UBSan's vptr check): with none left it reported a false error.
                            ("240 inherited of 256", self.inherit_descriptors(256, 240))):
            with self.subTest(case=label):
                before = self.requests_to(73)
                code, out, err, _ = self.run_urlsweep(
                    ["-q", "-c", "100", "--format", "csv", self.write_input("no-room.txt", urls)], wrap=wrap)
                self.assertEqual(code, 1, err)
                self.assertOneLine(err, "open-file limit", "ulimit -n")
                self.assertNotIn("lowered", err)
                self.complete_rows(out, "csv")
                self.assertEqual(self.requests_to(73), before, "URLs were fetched without room to scan")

    # -- output that cannot be written --------------------------------------------------------------

    def test_output_to_a_full_device(self):
        few = self.write_input("few.txt", self.urls(3))
        many = self.write_input("many.txt", self.urls(5000))
        # A full device at the end (the rows fit the buffer) and in the middle of the scan.
        for fmt, path in (("csv", few), ("jsonl", few), ("parquet", few), ("jsonl", many)):
            with self.subTest(fmt=fmt, input=os.path.basename(path)):
                code, out, err, _ = self.run_urlsweep(["-q", "--format", fmt, "-o", "/dev/full", path])
                self.assertEqual(code, 1, err)
                self.assertOneLine(err, "/dev/full", "No space left")
                self.assertEqual(out, "")

    def test_output_in_a_missing_folder_fails_before_any_request(self):
        out = os.path.join(self.tmp, "no-such-folder", "out.csv")
        before = self.requests_to(71)
        code, stdout, err, _ = self.run_urlsweep(
            ["-q", "-o", out, self.write_input("missing-folder.txt", self.urls(5, first=71, names=1))])
        self.assertEqual(code, 1, err)
        self.assertOneLine(err, out, "No such file or directory")
        self.assertEqual(stdout, "")
        self.assertFalse(os.path.exists(os.path.dirname(out)))
        self.assertEqual(self.requests_to(71), before, "URLs were fetched although the output is unusable")

    def parquet_row_count(self, path):
        """The rows of a Parquet file as `urlsweep report` reads them; fails unless the file is valid
        (magic at both ends, a footer that parses, every row group readable)."""
        report = path + ".report.html"
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report", path, "-o", report], capture_output=True,
                              timeout=fixtures.SCAN_TIMEOUT_S, env=fixtures.clean_env())
        self.assertEqual(proc.returncode, 0, "not a readable Parquet file: %s" % proc.stderr.decode(
            "utf-8", "replace")[-2000:])
        with open(report, encoding="utf-8") as f:
            data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', f.read(), re.S)
        self.assertIsNotNone(data, "no report-data in the report")
        return json.loads(data.group(1))["rows"]

    def assertOnlyWholeRowsLeft(self, fmt, output, max_bytes):
        """What a failed write left: a valid Parquet file (its whole row groups under a footer), or at
        most `max_bytes` of whole CSV/JSONL rows, more than a few of them."""
        if fmt == "parquet":
            self.parquet_row_count(output)
            return
        with open(output, newline="") as f:
            written = f.read()
        self.assertLessEqual(len(written), max_bytes)
        self.assertGreater(len(self.complete_rows(written, fmt)), 10)

    def assertResumeCompletes(self, fmt, output, path, count):
        """--resume into `output` (left by a failed run, with its journal) ends with every one of the
        `count` lines of `path` once, each a 200."""
        code, _, err, _ = self.run_urlsweep(["-q", "--format", fmt, "-o", output, "--resume", path])
        self.assertEqual(code, 0, err)
        if fmt == "parquet":
            # Lines once each in Parquet after a resume are test_resume's subject; here: the file is
            # whole and holds every row.
            self.assertEqual(self.parquet_row_count(output), count)
            return
        with open(output, newline="") as f:
            rows = self.complete_rows(f.read(), fmt)
        self.assertEqual(sorted(row["line"] for row in rows), list(range(1, count + 1)))
        self.assertEqual({row["status"] for row in rows}, {200})

    def test_output_on_a_full_file_system(self):
        mount_point = os.path.join(self.tmp, "small-tmpfs")
        os.makedirs(mount_point, exist_ok=True)
        size_kib = 64
        mount = "mount -t tmpfs -o size=%dk tmpfs %s" % (size_kib, shlex.quote(mount_point))
        # A private mount namespace: the tmpfs exists only for the command, and vanishes with it.
        unshare = None
        for candidate in (["unshare", "--mount"], ["unshare", "--mount", "--map-root-user"]):
            if shutil.which("unshare") is None:
                break
            try:
                probe = subprocess.run(candidate + ["sh", "-c", mount], capture_output=True, timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if probe.returncode == 0:
                unshare = candidate
                break
        if unshare is None:
            self.skipTest("cannot mount a tmpfs in a private mount namespace here (unshare --mount)")
        # 2,000 rows: about 500 KB of CSV and 80 KB of Parquet, more than the file system holds.
        count = 2000
        path = self.write_input("full-fs.txt", self.urls(count))
        for fmt in ("csv", "jsonl", "parquet"):
            with self.subTest(fmt=fmt):
                out = os.path.join(mount_point, "out." + fmt)
                # The output and its journal are copied out of the namespace before it ends: to check
                # what was written, and to resume it where there is room.
                copy = os.path.join(self.tmp, "full-fs-copy." + fmt)
                script = ('%s || exit 99; "$0" "$@"; status=$?; cp %s %s && cp %s %s; exit $status' % (
                    mount, shlex.quote(out), shlex.quote(copy), shlex.quote(out + JOURNAL_SUFFIX),
                    shlex.quote(copy + JOURNAL_SUFFIX)))
                code, _, err, _ = self.run_urlsweep(["-q", "--format", fmt, "-o", out, path],
                                                    wrap=unshare + ["sh", "-c", script])
                self.assertNotEqual(code, 99, "mount failed: " + err)
                self.assertEqual(code, 1, err)
                self.assertOneLine(err, out, "No space left")
                # Parquet: the row groups that fitted under a footer (none here: the run's one row
                # group is larger than the file system). Text: before, the last row was cut off
                # mid-field (`...,200,OK,1.1,`).
                self.assertOnlyWholeRowsLeft(fmt, copy, size_kib * 1024)
                self.assertResumeCompletes(fmt, copy, path, count)

    def test_output_over_the_file_size_limit(self):
        # 100 blocks: 50 KiB in dash's 512-byte blocks (100 KiB where sh is bash), less than the 2,000
        # rows take in any format (about 500 KB of CSV, 80 KB of Parquet). Before, SIGXFSZ killed
        # urlsweep without a word (exit 153 from a shell).
        blocks = 100
        wrap = ["sh", "-c", 'ulimit -f %d && exec "$0" "$@"' % blocks]
        count = 2000
        path = self.write_input("file-size.txt", self.urls(count))
        for fmt in ("csv", "jsonl", "parquet"):
            with self.subTest(fmt=fmt):
                out = os.path.join(self.tmp, "file-size-limit." + fmt)
                code, stdout, err, _ = self.run_urlsweep(["-q", "--format", fmt, "-o", out, path], wrap=wrap)
                self.assertEqual(code, 1, err)
                self.assertOneLine(err, out, "File too large")
                self.assertEqual(stdout, "")
                self.assertOnlyWholeRowsLeft(fmt, out, blocks * 1024)
                # Without the limit, --resume completes it.
                self.assertResumeCompletes(fmt, out, path, count)

    def test_standard_output_closed_early(self):
        count = 20000
        path = self.write_input("closed-stdout.txt", self.urls(count))
        before = self.count()[1]
        started = time.monotonic()
        scanner = subprocess.Popen(self.argv(["-q", path]), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=fixtures.clean_env())
        head = subprocess.Popen(["head", "-n", "5"], stdin=scanner.stdout, stdout=subprocess.PIPE)
        scanner.stdout.close()  # head is now the only reader
        try:
            first, _ = head.communicate(timeout=fixtures.SCAN_TIMEOUT_S)
            err = scanner.communicate(timeout=fixtures.SCAN_TIMEOUT_S)[1].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            scanner.kill()
            head.kill()
            self.fail("urlsweep hangs after its reader went away")
        elapsed = time.monotonic() - started
        # The reader has what it asked for: a quiet success.
        self.assertEqual(scanner.returncode, 0, err)
        self.assertEqual(err, "")
        # head saw the header and four whole rows.
        records = list(csv.reader(io.StringIO(first.decode(), newline="")))
        self.assertEqual(records[0], fixtures.COLUMNS)
        self.assertEqual([len(r) for r in records[1:]], [len(fixtures.COLUMNS)] * 4)
        # Promptly: it stops scanning once nobody reads, instead of fetching every URL for nothing.
        fetched = self.count()[1] - before - 1  # the /count request counts itself
        self.assertLess(fetched, count // 2, "URLs fetched after the reader had gone (%.1f s)" % elapsed)

    # -- input that cannot be read ------------------------------------------------------------------

    def test_missing_input_file_fails_before_any_request(self):
        good = self.write_input("good.txt", self.urls(5, first=72, names=1))
        missing = os.path.join(self.tmp, "no-such-input.txt")
        before = self.requests_to(72)
        code, out, err, _ = self.run_urlsweep(["-q", "--format", "jsonl", good, missing])
        self.assertEqual(code, 1, err)
        self.assertOneLine(err, "no-such-input.txt")
        self.assertEqual(out, "")
        self.assertEqual(self.requests_to(72), before, "URLs were fetched although an input is missing")

    def test_damaged_gz_fails_with_its_name(self):
        data = "".join(url + "\n" for url in self.urls(3000)).encode()
        packed = gzip.compress(data)
        corrupt = bytearray(packed)
        for i in range(len(corrupt) // 2, len(corrupt) // 2 + 16):
            corrupt[i] ^= 0x5A
        # Written as they are (write_input would compress them again).
        paths = []
        for name, data in (("truncated.txt.gz", packed[:len(packed) // 2]),
                           ("corrupt.txt.gz", bytes(corrupt))):
            paths.append(os.path.join(self.tmp, name))
            with open(paths[-1], "wb") as f:
                f.write(data)
        for path in paths:
            with self.subTest(input=os.path.basename(path)):
                code, out, err, _ = self.run_urlsweep(["-q", "--format", "csv", "-o", "-", path])
                self.assertEqual(code, 1, err)
                self.assertOneLine(err, os.path.basename(path))
                # Rows of the lines read before the damage are whole.
                self.complete_rows(out, "csv")

    def test_line_of_five_megabytes_is_one_invalid_row(self):
        long_line = self.url("/", name="h2.test") + "x" * (5 << 20)
        path = self.write_input("long-line.txt", [self.url("/status/201"), long_line,
                                                  self.url("/status/202", name="h3.test")])
        result = self.scan(None, files=[path])
        self.assertEqual(sorted(result.by_line), [1, 2, 3], result.describe())
        self.assertRow(result.by_line[1], status=201, error=None)
        self.assertRow(result.by_line[2], error="invalid_url", status=None, ip=None, attempts=0)
        self.assertTrue(result.by_line[2]["url"].startswith(long_line[:100]))
        self.assertRow(result.by_line[3], status=202, error=None)

    # -- secrets ------------------------------------------------------------------------------------

    def assertNoSecret(self, where, text):
        for secret in SECRETS:
            self.assertNotIn(secret, text, "%s shows a secret" % where)

    def test_secrets_never_appear(self):
        header = ["-H", "Authorization: Bearer " + TOKEN]
        proxy = "http://user:%s@127.0.0.1:%d" % (PASSWORD, DEAD_PORT)
        # Direct: the header is sent; slow URLs keep the run going long enough for periodic progress
        # lines. Proxied (http and https): every URL fails at the proxy, with its address in the rows.
        direct = self.write_input("secrets-direct.txt", self.urls(20) + self.urls(
            4, path="/delay/1500") + ["ftp://bad/", "http://127.0.0.1:%d/" % DEAD_PORT])
        proxied = self.write_input("secrets-proxied.txt", self.urls(20) + [
            "https://h1.test:%d/" % self.port, "ftp://bad/"])
        runs = (("direct", direct, header, None),
                ("--proxy", proxied, header + ["--proxy", proxy, "--rate", "10"], "proxy_error"),
                ("http_proxy", proxied, header + ["--rate", "10"], "proxy_error"))
        for label, path, flags, expected_error in runs:
            for fmt in ("csv", "jsonl", "parquet"):
                with self.subTest(run=label, fmt=fmt):
                    out = os.path.join(self.tmp, "secrets-%s.%s" % (label.strip("-"), fmt))
                    env = fixtures.clean_env()
                    if label == "http_proxy":
                        env["http_proxy"] = env["https_proxy"] = proxy
                    # Parquet uncompressed, so that the raw bytes show every value as written, rows
                    # and the footer's urlsweep.flags (the command line, secrets masked) alike.
                    extra = ["--parquet-compression", "none"] if fmt == "parquet" else []
                    argv = self.argv(flags + extra + ["--format", fmt, "--progress", "--summary", "-o", out,
                                                      path])
                    proc = subprocess.run(argv, capture_output=True, timeout=fixtures.SCAN_TIMEOUT_S, env=env)
                    stdout = proc.stdout.decode("utf-8", "replace")
                    stderr = proc.stderr.decode("utf-8", "replace")
                    self.assertEqual(proc.returncode, 0, stderr[-2000:])
                    with open(out, "rb") as f:
                        raw = f.read()
                    if fmt == "parquet":
                        # The flags are really in the file, masked, so the grep below could fail.
                        self.assertIn(b"urlsweep.flags", raw)
                        self.assertIn(b"Authorization: ***", raw)
                        self.assertEqual(self.parquet_row_count(out), 22 if label != "direct" else 26)
                    else:
                        rows = self.complete_rows(raw.decode("utf-8"), fmt)
                        self.assertEqual(len(rows), 22 if label != "direct" else 26)
                        if expected_error:
                            # The proxy was really used, so its credentials were really in play.
                            scanned = [r for r in rows if r["error"] != "invalid_url"]
                            self.assertEqual({(r["error"], r["ip"], r["port"]) for r in scanned},
                                             {(expected_error, "127.0.0.1", DEAD_PORT)})
                    self.assertIn("done", stderr, "no progress line")
                    self.assertNoSecret("standard output", stdout)
                    self.assertNoSecret("standard error (progress, summary)", stderr)
                    # Raw bytes: any encoding of the file (compressed Parquet aside) shows a secret.
                    self.assertNoSecret("the output file", raw.decode("latin-1"))

    def test_bad_proxy_flag_does_not_echo_the_password(self):
        for proxy in ("http://user:%s@127.0.0.1:notaport" % PASSWORD,
                      "ftp://user:%s@127.0.0.1:3128" % PASSWORD,
                      "http://user:%s@[::1" % PASSWORD):
            with self.subTest(proxy=proxy):
                code, out, err, _ = self.run_urlsweep(["--proxy", proxy, "-"])
                self.assertEqual(code, 1, err)
                self.assertOneLine(err, "proxy")
                self.assertNoSecret("the error line", err + out)

    # -- signals ------------------------------------------------------------------------------------

    def start_slow_scan(self, fmt, output, extra=()):
        """Starts a scan that would run for about a minute: 5,000 URLs of 300 ms at -c 32, one in ten
        a URL that never answers. Returns the process once rows are being completed and hung URLs hold
        slots (SLOW_SCAN_STARTED_REQUESTS), however long a slow machine takes to get there."""
        urls = []
        for i, url in enumerate(self.urls(5000, path="/delay/300", names=1000)):
            urls.append(url.replace("/delay/300", "/hang") if i % 10 == 5 else url)
        path = self.write_input("slow-%d.txt" % time.monotonic_ns(), urls)
        before = self.stats()["requests"]
        proc = subprocess.Popen(
            self.argv(["-q", "-c", "32", "--timeout", str(HUNG_READ_TIMEOUT_S), "--read-timeout",
                       str(HUNG_READ_TIMEOUT_S), "--format", fmt, "-o", output] + list(extra) + [path]),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=fixtures.clean_env())

        def started_or_ended():
            return (proc.poll() is not None or
                    self.stats()["requests"] - before >= SLOW_SCAN_STARTED_REQUESTS)

        try:
            fixtures.wait_until(started_or_ended,
                                "%d requests of the slow scan" % SLOW_SCAN_STARTED_REQUESTS)
        except AssertionError:
            proc.kill()
            proc.communicate()
            raise
        if proc.poll() is not None:
            self.fail("the slow scan ended early, exit %d: %s" % (
                proc.returncode, proc.communicate()[1].decode("utf-8", "replace")[-2000:]))
        return proc

    def stop(self, proc, signals, gap=0.3):
        """Sends `signals` `gap` seconds apart; returns (exit status, stdout, stderr, seconds from the
        last signal to the exit)."""
        for i, sig in enumerate(signals):
            if i:
                time.sleep(gap)
            proc.send_signal(sig)
        sent = time.monotonic()
        try:
            out, err = proc.communicate(timeout=STOP_GRACE_S + SLACK_S + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.fail("urlsweep did not stop after %s" % [s.name for s in signals])
        return (proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                time.monotonic() - sent)

    def test_sigint_and_sigterm_stop_with_whole_rows(self):
        for sig, status, fmt, to_file in ((signal.SIGINT, 130, "csv", True),
                                          (signal.SIGINT, 130, "jsonl", False),
                                          (signal.SIGTERM, 143, "jsonl", True)):
            with self.subTest(signal=sig.name, fmt=fmt, to_file=to_file):
                output = os.path.join(self.tmp, "stopped-%s.%s" % (sig.name, fmt)) if to_file else "-"
                proc = self.start_slow_scan(fmt, output)
                code, out, err, took = self.stop(proc, [sig])
                self.assertEqual(code, status, err[-2000:])
                # Sanitized, still well under what the hung URLs would have held the scan for.
                self.assertTookLess(took, STOP_GRACE_S + SLACK_S, "a graceful stop took too long",
                                    sanitized_bound_s=HUNG_READ_TIMEOUT_S / 2)
                if to_file:
                    self.assertEqual(out, "")
                    with open(output, newline="") as f:
                        out = f.read()
                rows = self.complete_rows(out, fmt)
                # What finished before the signal is kept; the scan did not run to its end.
                self.assertGreater(len(rows), 0, "no rows kept after a graceful stop")
                self.assertLess(len(rows), 5000)

    def test_second_sigint_exits_at_once(self):
        output = os.path.join(self.tmp, "twice.jsonl")
        proc = self.start_slow_scan("jsonl", output)
        # The first asks for a graceful stop, which waits for hung URLs until the grace ends; the
        # second must not wait for it.
        gap_s = 0.3
        code, _, err, took = self.stop(proc, [signal.SIGINT, signal.SIGINT], gap=gap_s)
        self.assertEqual(code, 130, err[-2000:])
        # Sanitized, the loosest bound that still fails a second SIGINT that waited out the grace the
        # first one began.
        self.assertTookLess(took, IMMEDIATE_EXIT_S, "the second SIGINT waited",
                            sanitized_bound_s=STOP_GRACE_S - gap_s)
        with open(output, newline="") as f:
            self.complete_rows(f.read(), "jsonl")


if __name__ == "__main__":
    fixtures.main()
