#!/usr/bin/env python3
"""--shard I/N: the shards of one list, run separately, are disjoint and together give exactly the
rows of the unsharded scan; one host's lines share a shard; 0/1 is no sharding; bad values are
fatal. The same with Parquet parts read back by DuckDB (deploy/'s examples: test_deploy.py)."""

import collections
import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile

import fixtures
from fixtures import gen_urls

LINE_COUNT = 20000
# Enough names that each of 4 shards gets a fair share of hosts (about 125 each, so a shard holding
# under 15% or over 35% of the lines is a skewed hash, not chance).
NAME_COUNT = 500
SHARDS = 4
MIN_SHARE = 0.15
MAX_SHARE = 0.35
# Columns that differ from run to run whatever the shard: the timings, and `attempts`, since a retry
# follows the moment's transient failures (on a loaded machine a connect can time out and succeed on
# the retry). Every other column must be equal.
RUN_DEPENDENT_COLUMNS = {"dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms", "started_at",
                         "attempts"}
# --shard-by line: a list dominated by one host; not a multiple of SHARDS, so the shards differ by one.
BY_LINE_COUNT = 2001
# --shard-by line with --resume: 200 of these lines in shard 1, at -c 4 about 2.5 s of /delay/50.
BY_LINE_RESUME_COUNT = 800
DUCKDB_TIMEOUT_S = 120
# Runs `SQL` (argv[2]) in an in-memory DuckDB and prints the rows as JSON (BIGINT as strings).
DUCKDB_JS = r"""
const { createRequire } = require('node:module');
const { DuckDBInstance } = createRequire(process.argv[1] + '/')('@duckdb/node-api');
(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(process.argv[2]);
  process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def make_list(port, count, names, seed):
    """(lines, kinds): a list of `count` lines mixing gen_urls' URLs over `names` names with other
    spellings of the same hosts, invalid lines, comments and blank lines; kinds[i] is 'url' (a
    gen_urls URL), 'variant', 'invalid' or 'skip' for line i + 1."""
    rng = random.Random(seed)
    valid = gen_urls.urls(count, names, port)
    lines, kinds = [], []
    for i in range(count):
        pick = rng.random()
        n = rng.randrange(names)
        if pick < 0.03:
            lines.append(rng.choice(["", "   ", "\t"]))
            kinds.append("skip")
        elif pick < 0.06:
            lines.append(rng.choice(["# comment %d" % i, "  # indented comment", "#"]))
            kinds.append("skip")
        elif pick < 0.12:
            lines.append(rng.choice([
                "ftp://h%d.test/file-%d" % (n, i),   # scheme other than http/https
                "http://bad host %d/" % i,           # malformed host
                "http://h%d.test:99999/" % n,        # port out of range
                "http://",                           # no host: the same text many times
            ]))
            kinds.append("invalid")
        elif pick < 0.17:
            # The same hosts written otherwise: the shard follows the host, not the spelling.
            lines.append(rng.choice([
                "HTTP://H%d.TEST:%d/status/201" % (n, port),
                "h%d.test:%d/status/202" % (n, port),
                "  http://h%d.test:%d/title/x%d \r" % (n, port, i),
                "http://127.0.0.1:%d/status/203" % port,
                "http://[::1]:%d/status/204" % port,
            ]))
            kinds.append("variant")
        else:
            lines.append(next(valid))
            kinds.append("url")
    return lines, kinds


def untimed(row):
    return {key: value for key, value in row.items() if key not in RUN_DEPENDENT_COLUMNS}


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


class DuckDb:
    """DuckDB through node and @duckdb/node-api from tests/output/parquet_readback/node_modules
    (tools/install_deps.sh installs it)."""

    @staticmethod
    def require(test):
        """Skips `test` when node or @duckdb/node-api (tools/install_deps.sh) is missing."""
        fixtures.require_duckdb(test)

    @staticmethod
    def query(test, sql, cwd=None):
        """The rows of `sql`, run in folder `cwd` (relative paths in it are relative to that)."""
        proc = subprocess.run(["node", "-e", DUCKDB_JS, fixtures.READBACK_DIR, sql], capture_output=True,
                              text=True, timeout=DUCKDB_TIMEOUT_S, cwd=cwd)
        test.assertEqual(proc.returncode, 0, "DuckDB: %s\n%s" % (sql, proc.stderr[-2000:]))
        return json.loads(proc.stdout)


class ShardTest(fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lines, cls.kinds = make_list(cls.port, LINE_COUNT, NAME_COUNT, seed=LINE_COUNT)
        cls.list_path = os.path.join(cls.tmp, "shards.txt.gz")
        with gzip.open(cls.list_path, "wb") as f:
            f.write("".join(line + "\n" for line in cls.lines).encode())
        cls.expected_lines = [i + 1 for i, kind in enumerate(cls.kinds) if kind != "skip"]
        cls._unsharded = None
        cls._shards = None

    def unsharded(self):
        """The scan without --shard (once per class), checked to be a real scan of the list."""
        if self._unsharded is None:
            result = self.scan(None, files=[self.list_path])
            self.assertEqual(sorted(result.by_line), self.expected_lines, result.describe())
            wrong = []
            for line, row in result.by_line.items():
                kind, text = self.kinds[line - 1], self.lines[line - 1]
                if kind == "url" and (row["error"] is not None or
                                      row["status"] != gen_urls.expected_status(text)):
                    wrong.append((line, text, row["status"], row["error"]))
                elif kind == "invalid" and row["error"] != "invalid_url":
                    wrong.append((line, text, row["status"], row["error"]))
                elif kind == "variant" and row["error"] is not None:
                    wrong.append((line, text, row["status"], row["error"]))
            self.assertEqual(wrong[:10], [], "%d rows not as the list asks" % len(wrong))
            type(self)._unsharded = result
        return self._unsharded

    def shards(self):
        """The 4 shards' scans (once per class), in shard order."""
        if self._shards is None:
            type(self)._shards = [self.scan(None, "--shard", "%d/%d" % (i, SHARDS),
                                            files=[self.list_path]) for i in range(SHARDS)]
        return self._shards

    def assertSameRows(self, actual, expected):
        """Same lines, and rows equal apart from their run-dependent columns."""
        self.assertEqual(sorted(actual), sorted(expected))
        differing = [(line, untimed(actual[line]), untimed(expected[line])) for line in expected
                     if untimed(actual[line]) != untimed(expected[line])]
        self.assertEqual(differing[:3], [], "%d rows differ" % len(differing))

    def test_shards_are_disjoint_and_together_are_the_unsharded_scan(self):
        whole = self.unsharded().by_line
        shard_of = {}
        for index, result in enumerate(self.shards()):
            for line in result.by_line:
                self.assertNotIn(line, shard_of, "line %d in shards %s and %d" % (
                    line, shard_of.get(line), index))
                shard_of[line] = index
            share = len(result.by_line) / len(whole)
            self.assertTrue(MIN_SHARE <= share <= MAX_SHARE,
                            "shard %d holds %.1f%% of the lines" % (index, 100 * share))
        union = {}
        for result in self.shards():
            union.update(result.by_line)
        self.assertSameRows(union, whole)

    def test_every_line_of_one_host_is_in_one_shard(self):
        hosts = collections.defaultdict(set)
        invalid_texts = collections.defaultdict(set)
        for index, result in enumerate(self.shards()):
            for row in result.rows:
                if row["error"] == "invalid_url":
                    invalid_texts[row["url"]].add(index)
                else:
                    hosts[row["host"]].add(index)
        split = {host: shards for host, shards in hosts.items() if len(shards) > 1}
        self.assertEqual(split, {})
        # h7.test, H7.TEST and "h7.test:port/..." are one host.
        self.assertEqual(len(hosts), NAME_COUNT + 2, sorted(hosts)[:10])  # + 127.0.0.1 and [::1]
        self.assertIn("[::1]", hosts)
        # An invalid line goes by its text: the same text, the same shard.
        self.assertGreater(self.lines.count("http://"), 1)
        split = {text: shards for text, shards in invalid_texts.items() if len(shards) > 1}
        self.assertEqual(split, {})

    def test_shards_by_line_stay_balanced_on_a_list_of_few_hosts(self):
        # 90% of the lines on one host: host shards are lopsided, line shards even.
        lines = [self.url("/status/%d" % (200 + i % 3), name="h1.test" if i % 10 else "h%d.test" % (2 + i % 7))
                 for i in range(BY_LINE_COUNT)]  # as urls_on_few_hosts, each with its own status
        path = self.write_input("few-hosts.txt", lines)
        by_line = [self.scan(None, "--shard-by", "line", "--shard", "%d/%d" % (i, SHARDS), files=[path])
                   for i in range(SHARDS)]
        seen = {}
        for index, result in enumerate(by_line):
            for line, row in result.by_line.items():
                self.assertNotIn(line, seen, "line %d in shards %s and %d" % (line, seen.get(line), index))
                seen[line] = index
                # Dealt out by number: line mod N = I.
                self.assertEqual(line % SHARDS, index, line)
                self.assertEqual(row["url"], lines[line - 1])
                self.assertEqual(row["status"], 200 + (line - 1) % 3)
        self.assertEqual(sorted(seen), list(range(1, BY_LINE_COUNT + 1)))
        sizes = [len(result.rows) for result in by_line]
        self.assertLessEqual(max(sizes) - min(sizes), 1, sizes)
        # The default, by host, keeps h1.test whole: one shard holds at least 90% of the lines.
        by_host = [len(self.scan(None, "--shard", "%d/%d" % (i, SHARDS), files=[path]).rows)
                   for i in range(SHARDS)]
        self.assertEqual(sum(by_host), BY_LINE_COUNT)
        self.assertGreaterEqual(max(by_host), BY_LINE_COUNT * 9 // 10, by_host)

    def test_shard_by_line_resumes_its_own_lines_and_only_with_the_same_rule(self):
        lines = self.urls_on_few_hosts(BY_LINE_RESUME_COUNT, "/delay/50")
        path = self.write_input("few-hosts-resume.txt", lines)
        out = os.path.join(self.tmp, "by-line-resume.csv")
        args = ["-q", "-c", "4", "--shard", "1/%d" % SHARDS, "--shard-by", "line", "--format", "csv", "-o", out]
        before = self.stats()["requests"]
        proc = subprocess.Popen(self.urlsweep_argv(args + [path]), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=fixtures.clean_env())
        try:
            fixtures.wait_until(lambda: self.stats()["requests"] - before >= 20, "20 requests of the shard")
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=fixtures.SCAN_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 130, err)
        # Another rule deals other lines: refused, one line, nothing touched.
        with open(out, "rb") as f:
            written = f.read()
        code, _, err, _ = self.run_urlsweep(["-q", "--shard", "1/%d" % SHARDS, "--resume", "--format", "csv",
                                             "-o", out, path])
        self.assertEqual(code, 1, err)
        self.assertIn("--shard-by is host here but was line in the interrupted run", err)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), written)
        # The same rule: the shard's own lines, each once.
        code, _, err, _ = self.run_urlsweep(args + ["--resume", path])
        self.assertEqual(code, 0, err)
        with open(out, newline="") as f:
            rows = fixtures.parse_csv(f.read())
        got = sorted(row["line"] for row in rows)
        self.assertEqual(got, [n for n in range(1, BY_LINE_RESUME_COUNT + 1) if n % SHARDS == 1])

    def urls_on_few_hosts(self, count, path):
        """`count` URLs of `path`, nine in ten on h1.test, the rest over h2..h8.test."""
        return [self.url(path, name="h1.test" if i % 10 else "h%d.test" % (2 + i % 7)) for i in range(count)]

    def urlsweep_argv(self, args):
        return [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port] + list(args)

    def test_shard_0_of_1_is_the_whole_list(self):
        result = self.scan(None, "--shard", "0/1", files=[self.list_path])
        self.assertSameRows(result.by_line, self.unsharded().by_line)

    def test_bad_shard_values_are_fatal_with_one_line(self):
        path = self.list_path
        for args in (["--shard", "4/4", path], ["--shard", "-1/2", path], ["--shard", "1/0", path],
                     ["--shard", "x", path], ["--shard", "0/0", path], ["--shard", "1/2/3", path],
                     ["--shard", "/2", path], ["--shard", "0/", path], ["--shard", "", path],
                     ["--shard=5/4", path], [path, "--shard"]):
            code, out, err, _ = self.run_urlsweep(["-q", "-o", "-"] + args)
            self.assertEqual(code, 1, "%s: %s" % (args, err))
            self.assertEqual(out, "", args)
            self.assertEqual(len(err.splitlines()), 1, "%s: %r" % (args, err))
            self.assertIn("--shard", err, args)

    def test_parquet_parts_hold_every_line_once(self):
        DuckDb.require(self)
        out = tempfile.mkdtemp(prefix="parts-", dir=self.tmp)
        for index in range(SHARDS):
            code, _, err, _ = self.run_urlsweep(
                ["-q", "--shard", "%d/%d" % (index, SHARDS), "-o",
                 os.path.join(out, "part-%d.parquet" % index), self.list_path])
            self.assertEqual(code, 0, err)
        parts = sql_string(os.path.join(out, "part-*.parquet"))
        counts = DuckDb.query(self, "SELECT line, count(*) AS n FROM read_parquet(%s) GROUP BY line"
                              % parts)
        self.assertEqual(sorted(int(r["line"]) for r in counts), self.expected_lines)
        self.assertEqual([r for r in counts if int(r["n"]) != 1], [])
        # Each part holds its shard's lines, as the JSON Lines scans of the same shards.
        located = DuckDb.query(self, "SELECT filename, line FROM read_parquet(%s, filename = true)"
                               % parts)
        by_part = collections.defaultdict(set)
        for r in located:
            by_part[os.path.basename(r["filename"])].add(int(r["line"]))
        for index, result in enumerate(self.shards()):
            self.assertEqual(by_part["part-%d.parquet" % index], set(result.by_line), index)
        # deploy/README.md's query gives the unsharded scan's counts.
        statuses = DuckDb.query(self, "SELECT status, count(*) AS n FROM read_parquet(%s) "
                                      "GROUP BY ALL" % parts)
        expected = collections.Counter(row["status"] for row in self.unsharded().rows)
        self.assertEqual({r["status"]: int(r["n"]) for r in statuses}, dict(expected))
        # The README's way to one report: the parts merged by DuckDB, then `urlsweep report` on that.
        merged = os.path.join(out, "merged.parquet")
        DuckDb.query(self, "COPY (SELECT * FROM read_parquet(%s) ORDER BY line) TO %s "
                           "(FORMAT parquet, COMPRESSION zstd)" % (parts, sql_string(merged)))
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report", merged, "-o", "-"], capture_output=True,
                              text=True, timeout=DUCKDB_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                                    proc.stdout, re.S).group(1))
        self.assertEqual(data["rows"], len(self.expected_lines))
        self.assertEqual(data["errors"], dict(collections.Counter(
            row["error"] for row in self.unsharded().rows if row["error"] is not None)))

    def test_empty_shards_are_readable_parquet(self):
        # One host: three of the four shards get no line, and their parts must still be read.
        DuckDb.require(self)
        path = self.write_input("one-host.txt", [self.url("/status/%d" % (200 + i % 3))
                                                 for i in range(50)])
        out = tempfile.mkdtemp(prefix="empty-parts-", dir=self.tmp)
        for index in range(SHARDS):
            code, _, err, _ = self.run_urlsweep(
                ["-q", "--shard", "%d/%d" % (index, SHARDS), "-o",
                 os.path.join(out, "part-%d.parquet" % index), path])
            self.assertEqual(code, 0, err)
        rows = DuckDb.query(self, "SELECT filename, count(line) AS n FROM read_parquet(%s, "
                                  "filename = true) GROUP BY ALL"
                            % sql_string(os.path.join(out, "part-*.parquet")))
        self.assertEqual([int(r["n"]) for r in rows], [50])
        for index in range(SHARDS):
            rows = DuckDb.query(self, "SELECT count(*) AS n FROM read_parquet(%s)" % sql_string(
                os.path.join(out, "part-%d.parquet" % index)))
            self.assertIn(int(rows[0]["n"]), (0, 50))


if __name__ == "__main__":
    fixtures.main()
