#!/usr/bin/env python3
"""--resume: a scan killed with SIGKILL three times at random points after a checkpoint, and resumed
each time, ends with every non-skipped input line exactly once, with the right status, in a valid
file, for CSV, JSON Lines and Parquet (Parquet read back by DuckDB), and for compressed CSV (.csv.gz)
and JSON Lines (.jsonl.zst): `gzip -t` / `zstd -t` pass and DuckDB reads the same rows. Also: a scan
stopped by SIGINT and resumed; a file urlsweep did not write is refused and left alone, as is a
resume with another format or compression; resuming a finished run scans nothing again.

The crash-safety design (scanner/journal.h): every kCheckpointIntervalS the output thread flushes the
writer and appends a record to <output>.urlsweep-journal; --resume cuts the output back to the last
committed record and skips the lines it lists.
"""

import collections
import json
import os
import random
import signal
import subprocess
import time

import fixtures

# A scan long enough that three kills land mid-run: URL_COUNT URLs answered after DELAY_MS at
# CONCURRENCY in flight take URL_COUNT * DELAY_MS / CONCURRENCY = 20 s at best.
URL_COUNT = 20000
DELAY_MS = 200
CONCURRENCY = 200
NAMES = 1000
KILLS = 3
# scanner/scan.h kCheckpointIntervalS: each killed run lives just past its first checkpoint, so it
# commits at most about this many seconds of work and leaves plenty for the next run.
CHECKPOINT_INTERVAL_S = 5
# Each kill lands a random time in [0, KILL_SPREAD_S) after the run's first committed checkpoint:
# well before its second one.
KILL_SPREAD_S = 2.0
# How long a run may take to commit its first checkpoint on a loaded machine before the test fails.
FIRST_CHECKPOINT_WAIT_S = 30
# A resume that has nothing left to scan reads the input and the journal and writes the footer: it
# takes well under a second; this leaves room for a loaded machine.
NOTHING_LEFT_S = 10

# Compressed outputs: the name decides format and compression (no --format), the command-line tool
# that checks the whole stream, and DuckDB's reader for the decompressed format.
COMPRESSED = {
    "csv.gz": ("csv", ["gzip"], "read_csv"),
    "jsonl.zst": ("jsonl", ["zstd", "-q"], "read_json"),
}

READBACK_DIR = os.path.join(fixtures.ROOT, "tests", "output", "parquet_readback")
READBACK_PACKAGE = os.path.join(READBACK_DIR, "package.json")
# Reads a Parquet file with DuckDB (@duckdb/node-api, installed beside READBACK_PACKAGE) and prints
# its rows' line, url, status and error, and its number of row groups, as one JSON object.
DUCKDB_SCRIPT = r"""
const { createRequire } = require('module');
const { DuckDBInstance } = createRequire(process.argv[1])('@duckdb/node-api');
(async () => {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const file = process.argv[2].replaceAll("'", "''");
  const rows = (await connection.runAndReadAll(
    `SELECT line, url, status, error FROM read_parquet('${file}')`)).getRowObjectsJS();
  const groups = (await connection.runAndReadAll(
    `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file}')`)).getRowObjectsJS();
  process.stdout.write(JSON.stringify({
    row_groups: Number(groups[0].n),
    rows: rows.map((r) => ({ line: Number(r.line), url: r.url,
                             status: r.status === null ? null : Number(r.status), error: r.error })),
  }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


# Reads a CSV or JSON Lines file (compressed or not) with DuckDB's reader argv[3] and prints its rows'
# line, url, status and error as JSON.
DUCKDB_TEXT_SCRIPT = r"""
const { createRequire } = require('module');
const { DuckDBInstance } = createRequire(process.argv[1])('@duckdb/node-api');
(async () => {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const file = process.argv[2].replaceAll("'", "''");
  const rows = (await connection.runAndReadAll(
    `SELECT CAST(line AS BIGINT) AS line, url, TRY_CAST(status AS INTEGER) AS status,
            CAST(error AS VARCHAR) AS error FROM ${process.argv[3]}('${file}')`)).getRowObjectsJS();
  process.stdout.write(JSON.stringify(rows.map((r) => ({
    line: Number(r.line), url: r.url, status: r.status === null ? null : Number(r.status),
    error: r.error }))));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def committed_records(journal):
    """Complete checkpoint records ("C ..." lines) in the journal so far."""
    try:
        with open(journal, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return 0
    return sum(1 for line in data.split(b"\n")[:-1] if line.startswith(b"C "))


def committed_lines(journal):
    """Input line numbers the journal's committed records list (an "L" line counts once the "C" line
    after it is complete)."""
    with open(journal, "rb") as f:
        records = f.read().split(b"\n")[:-1]
    done = set()
    pending = []
    for record in records:
        if record.startswith(b"L "):
            for item in filter(None, record[2:].decode().split(",")):
                first, _, last = item.partition("-")
                pending.append((int(first), int(last or first)))
        elif record.startswith(b"C "):
            for first, last in pending:
                done.update(range(first, last + 1))
            pending = []
    return done


class ResumeTest(fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seed = os.environ.get("RESUME_TEST_SEED")
        cls.seed = int(seed) if seed else random.SystemRandom().randrange(1 << 30)
        print("test_resume: kill points from seed %d (RESUME_TEST_SEED=%d repeats them)" % (cls.seed, cls.seed))

    # -- input and expectations -------------------------------------------------------------------

    def make_input(self, name, count):
        """Writes `count` URL lines with skipped lines among them; returns (path, expected), expected
        mapping each URL line's number to (url, status, error)."""
        lines = []
        expected = {}
        for i in range(count):
            if i % 1000 == 500:
                lines += ["", "# a comment line, skipped"]
            if i % 50 == 7:
                url, status, error = self.url("/status/404", "h%d.test" % (i % NAMES)), 404, None
            elif i % 50 == 13:
                url, status, error = "http://nope%d.test:%d/" % (i, self.port), None, "dns_nxdomain"
            elif i % 500 == 99:
                url, status, error = "ftp://h1.test/%d" % i, None, "invalid_url"
            else:
                url, status, error = self.url("/delay/%d" % DELAY_MS, "h%d.test" % (i % NAMES)), 200, None
            lines.append(url)
            expected[len(lines)] = (url, status, error)
        return self.write_input(name, lines), expected

    def argv(self, fmt, output, path, resume):
        if not fixtures.URLSWEEP_BIN or not os.access(fixtures.URLSWEEP_BIN, os.X_OK):
            self.fail("urlsweep binary not found: set URLSWEEP_BIN or build the urlsweep target")
        return ([fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port, "-q",
                 "-c", str(CONCURRENCY)] + ([] if fmt in COMPRESSED else ["--format", fmt]) + ["-o", output]
                + (["--resume"] if resume else []) + [path])

    def start(self, fmt, output, path, resume):
        return subprocess.Popen(self.argv(fmt, output, path, resume), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=fixtures.clean_env())

    def run_to_end(self, fmt, output, path, resume):
        """Runs a scan to its end; returns (exit status, standard error, seconds)."""
        started = time.monotonic()
        proc = self.start(fmt, output, path, resume)
        try:
            _, err = proc.communicate(timeout=fixtures.SCAN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.fail("urlsweep ran past %d s" % fixtures.SCAN_TIMEOUT_S)
        return proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - started

    def wait_for_checkpoint(self, proc, journal, before, what):
        """Waits until the journal holds more committed records than `before`."""
        deadline = time.monotonic() + FIRST_CHECKPOINT_WAIT_S
        while committed_records(journal) <= before:
            if proc.poll() is not None:
                self.fail("%s ended (exit %d) before its first checkpoint: %s" % (
                    what, proc.returncode, proc.communicate()[1].decode("utf-8", "replace")[-2000:]))
            if time.monotonic() > deadline:
                proc.kill()
                proc.communicate()
                self.fail("%s committed no checkpoint within %d s" % (what, FIRST_CHECKPOINT_WAIT_S))
            time.sleep(0.05)

    # -- reading the results ----------------------------------------------------------------------

    def read_rows(self, fmt, output):
        """The rows of a finished output, each a dict with at least line, url, status and error,
        and the number of Parquet row groups (None for the text formats). Fails on an invalid file."""
        if fmt in COMPRESSED:
            return self.read_compressed_rows(fmt, output), None
        if fmt == "csv":
            with open(output, newline="", encoding="utf-8") as f:
                text = f.read()
            self.assertTrue(text.startswith("line,url,"), "no CSV header")
            self.assertTrue(text.endswith("\n"), "the CSV ends inside a row")
            return fixtures.parse_csv(text), None
        if fmt == "jsonl":
            with open(output, encoding="utf-8") as f:
                text = f.read()
            self.assertTrue(text == "" or text.endswith("\n"), "the JSON Lines output ends inside a row")
            return fixtures.parse_jsonl(text), None
        self.require_duckdb()
        proc = subprocess.run(["node", "-e", DUCKDB_SCRIPT, READBACK_PACKAGE, output],
                              capture_output=True, timeout=120)
        self.assertEqual(proc.returncode, 0, "DuckDB cannot read %s: %s" % (
            output, proc.stderr.decode("utf-8", "replace")[-2000:]))
        result = json.loads(proc.stdout)
        return result["rows"], result["row_groups"]

    def read_compressed_rows(self, fmt, output):
        """The rows of a compressed text output: its tool tests the whole stream, Python reads the
        decompressed text, and DuckDB must read the file itself to the same rows."""
        text_fmt, tool, duckdb_reader = COMPRESSED[fmt]
        check = subprocess.run(tool + ["-t", output], capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, "%s -t %s: %s" % (tool[0], output, check.stderr[-2000:]))
        plain = output + ".decompressed"
        with open(plain, "wb") as f:
            subprocess.run(tool + ["-dc", output], stdout=f, check=True, timeout=60)
        rows, _ = self.read_rows(text_fmt, plain)
        os.unlink(plain)
        self.require_duckdb()
        proc = subprocess.run(["node", "-e", DUCKDB_TEXT_SCRIPT, READBACK_PACKAGE, output, duckdb_reader],
                              capture_output=True, timeout=120)
        self.assertEqual(proc.returncode, 0, "DuckDB cannot read %s: %s" % (
            output, proc.stderr.decode("utf-8", "replace")[-2000:]))
        key = lambda r: (r["line"], r["url"], r["status"], r["error"])
        self.assertEqual(sorted(map(key, json.loads(proc.stdout))), sorted(map(key, rows)),
                         "DuckDB reads other rows than the decompressed text holds")
        return rows

    def require_duckdb(self):
        """Skips unless DuckDB's Node package is there (tools/install_deps.sh installs it)."""
        fixtures.require_duckdb(self)

    def assertEveryLineOnce(self, rows, expected):
        lines = [row["line"] for row in rows]
        duplicates = sorted(line for line, n in collections.Counter(lines).items() if n > 1)
        self.assertEqual(duplicates[:20], [], "%d lines written more than once" % len(duplicates))
        missing = sorted(set(expected) - set(lines))
        self.assertEqual(missing[:20], [], "%d lines missing" % len(missing))
        extra = sorted(set(lines) - set(expected))
        self.assertEqual(extra[:20], [], "rows for lines that are not URL lines")
        wrong = [(row["line"], row["url"], row["status"], row["error"]) for row in rows
                 if (row["url"], row["status"], row["error"]) != expected[row["line"]]]
        self.assertEqual(wrong[:10], [], "%d rows with the wrong url, status or error" % len(wrong))

    def assertNothingScannedAgain(self, fmt, output, path, rows):
        """--resume of a finished run: exit 0, quickly, no request to the fixture, same rows."""
        with open(output, "rb") as f:
            before_bytes = f.read()
        connections, requests = self.count()
        code, err, took = self.run_to_end(fmt, output, path, resume=True)
        # Asking for the counts is itself one connection and one request.
        self.assertEqual(self.count(), (connections + 1, requests + 1), "a finished run scanned again")
        self.assertEqual(code, 0, err[-2000:])
        self.assertLess(took, NOTHING_LEFT_S)
        again, _ = self.read_rows(fmt, output)
        self.assertEqual(sorted(r["line"] for r in again), sorted(r["line"] for r in rows))
        if fmt != "parquet":  # compressed too: a resume with nothing to add writes no empty member
            with open(output, "rb") as f:
                self.assertEqual(f.read(), before_bytes, "resuming a finished run changed the file")

    # -- the cases --------------------------------------------------------------------------------

    def kill_three_times_then_finish(self, fmt):
        rng = random.Random("%d-%s" % (self.seed, fmt))
        path, expected = self.make_input("kill9-%s.txt" % fmt, URL_COUNT)
        output = os.path.join(self.tmp, "kill9.%s" % fmt)
        journal = output + ".urlsweep-journal"
        done = set()
        for run in range(KILLS):
            what = "run %d (seed %d)" % (run + 1, self.seed)
            before = committed_records(journal)
            proc = self.start(fmt, output, path, resume=run > 0)
            self.wait_for_checkpoint(proc, journal, before, what)
            time.sleep(rng.uniform(0, KILL_SPREAD_S))
            self.assertIsNone(proc.poll(), "%s finished before its kill: the scan is too short" % what)
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            self.assertEqual(proc.returncode, -signal.SIGKILL)
            now = committed_lines(journal)
            self.assertGreater(len(now), len(done), "%s committed no new line" % what)
            self.assertTrue(done <= now, "%s lost committed lines" % what)
            done = now
        # The last run fetches exactly the URLs whose rows were not committed: nothing twice.
        left = sum(1 for line, (_, status, _) in expected.items() if status is not None and line not in done)
        _, requests = self.count()
        code, err, _ = self.run_to_end(fmt, output, path, resume=True)
        self.assertEqual(code, 0, err[-2000:])
        self.assertEqual(self.count()[1] - requests - 1, left, "requests of the last run")
        rows, row_groups = self.read_rows(fmt, output)
        self.assertEveryLineOnce(rows, expected)
        if row_groups is not None:
            # At least one row group from each killed run and one from the last.
            self.assertGreaterEqual(row_groups, KILLS + 1)
        self.assertNothingScannedAgain(fmt, output, path, rows)

    def test_kill_9_three_times_csv(self):
        self.kill_three_times_then_finish("csv")

    def test_kill_9_three_times_jsonl(self):
        self.kill_three_times_then_finish("jsonl")

    def test_kill_9_three_times_parquet(self):
        self.kill_three_times_then_finish("parquet")

    def test_kill_9_three_times_csv_gz(self):
        self.kill_three_times_then_finish("csv.gz")

    def test_kill_9_three_times_jsonl_zst(self):
        self.kill_three_times_then_finish("jsonl.zst")

    def test_sigint_then_resume(self):
        for fmt in ("parquet", "csv"):
            with self.subTest(fmt=fmt):
                path, expected = self.make_input("sigint-%s.txt" % fmt, URL_COUNT // 2)
                output = os.path.join(self.tmp, "sigint.%s" % fmt)
                journal = output + ".urlsweep-journal"
                proc = self.start(fmt, output, path, resume=False)
                self.wait_for_checkpoint(proc, journal, 0, "the %s scan" % fmt)
                proc.send_signal(signal.SIGINT)
                _, err = proc.communicate(timeout=60)
                self.assertEqual(proc.returncode, 130, err.decode("utf-8", "replace")[-2000:])
                # A gracefully stopped file is complete and valid as it is.
                stopped, _ = self.read_rows(fmt, output)
                self.assertGreater(len(stopped), 0)
                self.assertLess(len(stopped), len(expected))
                code, err, _ = self.run_to_end(fmt, output, path, resume=True)
                self.assertEqual(code, 0, err[-2000:])
                rows, _ = self.read_rows(fmt, output)
                self.assertEveryLineOnce(rows, expected)

    def test_foreign_files_are_refused_and_left_alone(self):
        path, _ = self.make_input("foreign.txt", 10)
        for fmt in ("csv", "jsonl", "parquet"):
            with self.subTest(fmt=fmt, case="no journal"):
                output = os.path.join(self.tmp, "foreign-no-journal.%s" % fmt)
                content = b"someone else's data\nkeep me\n"
                with open(output, "wb") as f:
                    f.write(content)
                code, err, _ = self.run_to_end(fmt, output, path, resume=True)
                self.assertEqual(code, 1)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn(output, err)
                with open(output, "rb") as f:
                    self.assertEqual(f.read(), content)
                self.assertFalse(os.path.exists(output + ".urlsweep-journal"))
            with self.subTest(fmt=fmt, case="journal of another format"):
                other = "csv" if fmt != "csv" else "jsonl"
                output = os.path.join(self.tmp, "foreign-other-format.%s" % other)
                code, err, _ = self.run_to_end(other, output, path, resume=False)
                self.assertEqual(code, 0, err)
                with open(output, "rb") as f:
                    content = f.read()
                code, err, _ = self.run_to_end(fmt, output, path, resume=True)
                self.assertEqual(code, 1)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                with open(output, "rb") as f:
                    self.assertEqual(f.read(), content)
        with self.subTest(case="journal of another compression"):
            output = os.path.join(self.tmp, "other-compression.csv.gz")
            code, err, _ = self.run_to_end("csv.gz", output, path, resume=False)
            self.assertEqual(code, 0, err)
            with open(output, "rb") as f:
                content = f.read()
            proc = subprocess.run(self.argv("csv.gz", output, path, resume=True)[:-1] + ["--compress", "none", path],
                                  capture_output=True, timeout=fixtures.SCAN_TIMEOUT_S, env=fixtures.clean_env())
            self.assertEqual(proc.returncode, 1)
            self.assertEqual(proc.stderr.decode().strip().splitlines(),
                             ["urlsweep: --resume: --compress is none here but was gzip in the interrupted "
                              "run; '%s' left untouched" % output])
            with open(output, "rb") as f:
                self.assertEqual(f.read(), content)


if __name__ == "__main__":
    fixtures.main()
