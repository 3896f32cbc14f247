#!/usr/bin/env python3
"""urlsweep run the way pipelines run it: input from a named pipe or a standard input that stays open,
rows read while the run goes on, SIGINT/SIGTERM (once and twice) whatever the input, and a reader that
closes standard output early (`urlsweep ... | head -1`). Each case checks what a user sees: rows that
are in the file or pipe while the run still waits for input, the exit status, every finished row whole,
and the last line on standard error."""

import csv
import gzip
import io
import os
import re
import signal
import subprocess
import threading
import time

import fixtures

# docs/resume-and-shards.md: a row is in its file or pipe at most 1 s after its URL finished. The tests
# wait for that condition with this deadline (Release); under the sanitizers with fixtures.WAIT_TIMEOUT_S,
# which still tells a prompt run from one that holds rows until its input ends (the input here never
# ends on its own).
PROMPT_DEADLINE_S = 5.0
# A stopped run exits within the grace (scanner/scan.h kStopGraceMs) plus this slack (Release).
STOP_GRACE_S = 2.0
SLACK_S = 5.0
# How long a test waits for urlsweep to exit before it kills it and fails.
EXIT_DEADLINE_S = 60
# The last line on standard error after a stop with --output a file.
STOPPED_LINE = re.compile(
    r"^urlsweep: stopped by (SIGINT|SIGTERM): (\S+) holds ([0-9,]+) rows?; "
    r"the same command with --resume continues it$")
# URLs that never answer hold their slot this long: a stop that waited for them would take this long.
HUNG_S = 60
# The second signal "exits at once": well under the grace, so one that waited out the grace fails.
IMMEDIATE_EXIT_S = 1.0
# Between the two signals.
SIGNAL_GAP_S = 0.3


def prompt_deadline():
    return fixtures.WAIT_TIMEOUT_S if fixtures.SANITIZED else PROMPT_DEADLINE_S


def csv_records(text):
    return list(csv.reader(io.StringIO(text, newline="")))


class PipelinesTest(fixtures.FixtureTestCase):

    # -- helpers ----------------------------------------------------------------------------------

    def argv(self, args):
        if not fixtures.URLSWEEP_BIN or not os.access(fixtures.URLSWEEP_BIN, os.X_OK):
            self.fail("urlsweep binary not found: set URLSWEEP_BIN or build the urlsweep target")
        return [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port] + list(args)

    def start(self, args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE):
        proc = subprocess.Popen(self.argv(args), stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                                env=fixtures.clean_env())
        self.addCleanup(self.reap, proc)
        return proc

    @staticmethod
    def reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    def finish(self, proc):
        """Waits for the exit; returns (status, stdout, stderr, seconds waited)."""
        started = time.monotonic()
        try:
            out, err = proc.communicate(timeout=EXIT_DEADLINE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.fail("urlsweep did not exit within %d s" % EXIT_DEADLINE_S)
        return (proc.returncode, (out or b"").decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                time.monotonic() - started)

    def whole_csv_rows(self, text):
        """The rows of a CSV output, asserting that it ends with a whole row and every record is whole."""
        if text:
            self.assertTrue(text.endswith("\n"), "output ends inside a row: %r" % text[-200:])
        records = csv_records(text)
        self.assertEqual(records[0], fixtures.COLUMNS, "CSV header")
        for record in records[1:]:
            self.assertEqual(len(record), len(fixtures.COLUMNS), "a CSV record is cut: %r" % record[:3])
        rows = fixtures.parse_csv(text)
        lines = [row["line"] for row in rows]
        self.assertEqual(len(lines), len(set(lines)), "lines reported twice")
        return rows

    def file_rows(self, path, count):
        """The rows in `path` once it holds `count` whole ones, else None."""
        try:
            with open(path, newline="") as f:
                text = f.read()
        except FileNotFoundError:
            return None
        if not text.endswith("\n"):
            return None
        records = csv_records(text)
        if len(records) < count + 1 or any(len(r) != len(fixtures.COLUMNS) for r in records):
            return None
        return fixtures.parse_csv(text)

    def assertAnswered(self, row, line, url, name, n):
        self.assertRow(row, **self.base(url, name=name, n=n, line=line), **self.answer(title=fixtures.DEFAULT_TITLE))

    def assertStoppedLine(self, err, sig, output, rows):
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertTrue(lines, "nothing on standard error after a stop")
        self.assertEqual(lines[-1], "urlsweep: stopped by %s: %s holds %s; the same command with "
                         "--resume continues it" % (sig.name, output, "1 row" if rows == 1 else
                                                    "{:,} rows".format(rows)))
        self.assertRegex(lines[-1], STOPPED_LINE)

    def open_fifo(self, name):
        path = os.path.join(self.tmp, name)
        os.mkfifo(path)
        return path

    # -- rows while the input stays open; one signal ------------------------------------------------

    def test_fifo_rows_arrive_while_open_then_one_signal_stops(self):
        for sig, status, gz in ((signal.SIGINT, 130, False), (signal.SIGTERM, 143, False),
                                (signal.SIGINT, 130, True)):
            with self.subTest(signal=sig.name, gzip=gz):
                suffix = "%s-%s" % (sig.name, "gz" if gz else "plain")
                fifo = self.open_fifo("in-%s.fifo" % suffix)
                output = os.path.join(self.tmp, "fifo-%s.csv" % suffix)
                urls = [self.url("/", name="h%d.test" % n) for n in (1, 2, 3)]
                proc = self.start(["-q", "-o", output, fifo])
                # The producer opens the FIFO once, writes three URLs and keeps it open.
                producer = os.open(fifo, os.O_WRONLY)
                try:
                    data = "".join(u + "\n" for u in urls).encode()
                    os.write(producer, gzip.compress(data) if gz else data)
                    rows = fixtures.wait_until(lambda: self.file_rows(output, 3),
                                               "3 rows in %s while its input is open" % output,
                                               timeout_s=prompt_deadline())
                    self.assertIsNone(proc.poll(), "urlsweep ended while its input was open")
                    proc.send_signal(sig)
                    code, out, err, took = self.finish(proc)
                finally:
                    os.close(producer)
                self.assertEqual(code, status, err)
                self.assertTookLess(took, STOP_GRACE_S + SLACK_S, "a stop waited for the input")
                self.assertEqual(out, "")
                with open(output, newline="") as f:
                    rows = self.whole_csv_rows(f.read())
                self.assertEqual(len(rows), 3)
                for row in rows:
                    n = row["line"]
                    self.assertAnswered(row, n, urls[n - 1], "h%d.test" % n, n)
                self.assertStoppedLine(err, sig, output, 3)

    def test_stdin_pipe_that_stays_open_stops_on_sigint_with_its_rows(self):
        urls = [self.url("/", name="h%d.test" % n) for n in (1, 2)]
        # (printf 'URL\nURL\n'; sleep 30) | urlsweep: standard input stays open, rows go to a pipe.
        proc = self.start(["-q", "--format", "csv"], stdin=subprocess.PIPE)
        proc.stdin.write("".join(u + "\n" for u in urls).encode())
        proc.stdin.flush()
        seen = []
        reader = threading.Thread(target=lambda: seen.extend(iter(proc.stdout.readline, b"")), daemon=True)
        reader.start()
        fixtures.wait_until(lambda: len(seen) >= 3, "the header and 2 rows on standard output",
                            timeout_s=prompt_deadline())
        self.assertIsNone(proc.poll(), "urlsweep ended while its input was open")
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        try:
            proc.wait(timeout=EXIT_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.fail("one SIGINT did not stop a run reading an open standard input")
        took = time.monotonic() - started
        reader.join(timeout=EXIT_DEADLINE_S)
        err = proc.stderr.read().decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 130, err)
        self.assertTookLess(took, STOP_GRACE_S + SLACK_S, "a stop waited for standard input")
        # Standard output is no file to resume: no last line.
        self.assertEqual(err, "")
        rows = self.whole_csv_rows(b"".join(seen).decode())
        # Rows come in completion order: the two hosts may answer either way round.
        self.assertEqual(sorted(row["line"] for row in rows), [1, 2])
        for row in rows:
            self.assertAnswered(row, row["line"], urls[row["line"] - 1], "h%d.test" % row["line"], row["line"])

    # -- two signals with URLs stuck in flight -------------------------------------------------------

    def test_second_signal_drops_stuck_urls_and_keeps_every_finished_row(self):
        fast = [self.url("/", name="h%d.test" % n) for n in (1, 2, 3)]
        hung = [self.url("/hang", name="h%d.test" % n) for n in (4, 5)]
        lines = [fast[0], hung[0], fast[1], hung[1], fast[2]]
        path = self.write_input("stuck.txt", lines)
        output = os.path.join(self.tmp, "stuck.csv")
        before = self.stats()["requests"]
        proc = self.start(["-q", "--timeout", str(HUNG_S), "--read-timeout", str(HUNG_S), "-o", output, path])
        fixtures.wait_until(lambda: self.file_rows(output, 3), "the 3 answered rows in %s" % output,
                            timeout_s=prompt_deadline())
        fixtures.wait_until(lambda: self.stats()["requests"] - before >= 5, "the 2 hung requests")
        self.assertIsNone(proc.poll(), "urlsweep ended while URLs hung")
        proc.send_signal(signal.SIGINT)
        time.sleep(SIGNAL_GAP_S)
        proc.send_signal(signal.SIGINT)
        code, out, err, took = self.finish(proc)
        self.assertEqual(code, 130, err)
        # The second signal does not wait out the grace the first one began (sanitized: the loosest
        # bound that still fails a second signal that waited for it).
        self.assertTookLess(took, IMMEDIATE_EXIT_S, "the second signal waited for the URLs in flight",
                            sanitized_bound_s=STOP_GRACE_S - SIGNAL_GAP_S)
        with open(output, newline="") as f:
            rows = self.whole_csv_rows(f.read())
        self.assertEqual(sorted(row["line"] for row in rows), [1, 3, 5], "hung URLs have no row")
        for row in rows:
            self.assertAnswered(row, row["line"], lines[row["line"] - 1], "h%d.test" % ((row["line"] + 1) // 2),
                                (row["line"] + 1) // 2)
        self.assertStoppedLine(err, signal.SIGINT, output, 3)

    # -- standard output closed by its reader ---------------------------------------------------------

    def test_head_closing_standard_output_is_a_quiet_success(self):
        path = self.write_input("many.txt", [self.url("/", name="h%d.test" % (i % 50 + 1)) for i in range(5000)])
        scanner = self.start(["-q", "--format", "csv", path])
        head = subprocess.Popen(["head", "-1"], stdin=scanner.stdout, stdout=subprocess.PIPE)
        scanner.stdout.close()  # head is now the only reader
        try:
            first, _ = head.communicate(timeout=EXIT_DEADLINE_S)
        except subprocess.TimeoutExpired:
            head.kill()
            self.fail("head did not end")
        code, _, err, _ = self.finish(scanner)
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        # CSV lines end in CRLF (RFC 4180).
        self.assertEqual(first.decode(), ",".join(fixtures.COLUMNS) + "\r\n")


if __name__ == "__main__":
    fixtures.main()
