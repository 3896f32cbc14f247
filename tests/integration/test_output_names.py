#!/usr/bin/env python3
"""The name of --output decides the format and the compression: each name (.csv, .jsonl, .ndjson,
.json, .parquet, none, and .gz/.zst after the text ones) is written in its format and read back, the
compressed ones by gzip/zstd and DuckDB; --compress sets the compression for standard output and odd
names; an extension no format goes by, or Parquet asked to be a compressed stream, is one line on
standard error, exit 1, and no file (nor journal) created.
"""

import csv
import gzip
import json
import os
import subprocess

import fixtures

READBACK_PACKAGE = os.path.join(fixtures.READBACK_DIR, "package.json")

# Reads a result file with DuckDB's reader argv[3] (read_csv, read_json or read_parquet) and prints its
# rows' line and status as JSON.
DUCKDB_SCRIPT = r"""
const { createRequire } = require('module');
const { DuckDBInstance } = createRequire(process.argv[1])('@duckdb/node-api');
(async () => {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const file = process.argv[2].replaceAll("'", "''");
  const rows = (await connection.runAndReadAll(
    `SELECT CAST(line AS BIGINT) AS line, TRY_CAST(status AS INTEGER) AS status
     FROM ${process.argv[3]}('${file}') ORDER BY line`)).getRowObjectsJS();
  process.stdout.write(JSON.stringify(rows.map((r) => [Number(r.line), Number(r.status)])));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""

# name -> (format as read back, compression, DuckDB's reader).
NAMES = {
    "out.csv": ("csv", None, "read_csv"),
    "out.jsonl": ("jsonl", None, "read_json"),
    "out.ndjson": ("jsonl", None, "read_json"),
    "out.json": ("jsonl", None, "read_json"),
    "out.parquet": ("parquet", None, "read_parquet"),
    "out": ("csv", None, "read_csv"),
    "out.csv.gz": ("csv", "gzip", "read_csv"),
    "out.csv.zst": ("csv", "zstd", "read_csv"),
    "out.jsonl.gz": ("jsonl", "gzip", "read_json"),
    "out.jsonl.zst": ("jsonl", "zstd", "read_json"),
    "out.ndjson.gz": ("jsonl", "gzip", "read_json"),
    "out.json.zst": ("jsonl", "zstd", "read_json"),
    # Any case: urlsweep lowers the name. DuckDB knows compression suffixes in lower case only, so it is
    # not asked to read this one (gzip and Python still do).
    "OUT.CSV.GZ": ("csv", "gzip", None),
}

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def decompress(data, compression):
    if compression == "gzip":
        return gzip.decompress(data)
    if compression == "zstd":
        return subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, check=True, timeout=60).stdout
    return data


class OutputNamesTest(fixtures.FixtureTestCase):

    def setUp(self):
        super().setUp()
        self.urls = [self.url("/"), self.url("/status/404")]
        self.input = self.write_input("names-input-%s.txt" % self._testMethodName, self.urls)

    def run_to(self, output, *flags):
        return self.run_urlsweep(["-q", "-o", output] + list(flags) + [self.input])

    def assertRows(self, rows):
        self.assertEqual(sorted((r["line"], r["status"]) for r in rows), [(1, 200), (2, 404)])

    def assertDuckDbReads(self, path, reader):
        fixtures.require_duckdb(self)
        proc = subprocess.run(["node", "-e", DUCKDB_SCRIPT, READBACK_PACKAGE, path, reader],
                              capture_output=True, timeout=120)
        self.assertEqual(proc.returncode, 0, "DuckDB cannot read %s: %s" % (
            path, proc.stderr.decode("utf-8", "replace")[-2000:]))
        self.assertEqual(json.loads(proc.stdout), [[1, 200], [2, 404]])

    def test_each_name_is_written_in_its_format(self):
        for name, (fmt, compression, reader) in NAMES.items():
            with self.subTest(name=name):
                directory = os.path.join(self.tmp, "names-%d" % len(os.listdir(self.tmp)))
                os.mkdir(directory)
                output = os.path.join(directory, name)
                code, _, err, _ = self.run_to(output)
                self.assertEqual((code, err), (0, ""))
                with open(output, "rb") as f:
                    data = f.read()
                magic = {"gzip": GZIP_MAGIC, "zstd": ZSTD_MAGIC}.get(compression)
                if magic is not None:
                    self.assertTrue(data.startswith(magic), "not a %s stream: %r" % (compression, data[:8]))
                    tool = ["gzip"] if compression == "gzip" else ["zstd", "-q"]
                    check = subprocess.run(tool + ["-t", output], capture_output=True, timeout=60)
                    self.assertEqual(check.returncode, 0, check.stderr)
                text = decompress(data, compression)
                if fmt == "csv":
                    self.assertTrue(text.startswith(b"line,url,"), text[:40])
                    self.assertRows(fixtures.parse_csv(text.decode()))
                elif fmt == "jsonl":
                    self.assertTrue(text.startswith(b'{"line":'), text[:40])  # rows come in the order URLs finish
                    self.assertRows(fixtures.parse_jsonl(text.decode()))
                else:
                    self.assertTrue(text.startswith(b"PAR1") and text.endswith(b"PAR1"))
                if reader is not None:
                    self.assertDuckDbReads(output, reader)

    def test_compress_flag_for_standard_output_and_odd_names(self):
        for compression in ("gzip", "zstd"):
            with self.subTest(compression=compression, output="-"):
                argv = ["-q", "-o", "-", "--format", "jsonl", "--compress", compression, self.input]
                proc = subprocess.run([fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port]
                                      + argv, capture_output=True, timeout=fixtures.SCAN_TIMEOUT_S,
                                      env=fixtures.clean_env())
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertRows(fixtures.parse_jsonl(decompress(proc.stdout, compression).decode()))
        with self.subTest(case="--compress none beats the name"):
            output = os.path.join(self.tmp, "plain.csv.gz")
            self.assertEqual(self.run_to(output, "--compress", "none")[0], 0)
            with open(output, "rb") as f:
                self.assertRows(fixtures.parse_csv(f.read().decode()))
        with self.subTest(case="--format with an odd name, compressed by its suffix"):
            output = os.path.join(self.tmp, "results.2024.gz")
            code, _, err, _ = self.run_to(output, "--format", "jsonl")
            self.assertEqual((code, err), (0, ""))
            with open(output, "rb") as f:
                self.assertRows(fixtures.parse_jsonl(gzip.decompress(f.read()).decode()))

    def test_named_pipe_output_keeps_no_journal(self):
        # A device or a named pipe (-o /dev/null, -o FIFO) cannot be cut back or read again: rows go
        # through as to standard output, no journal is left beside it, and --resume is refused.
        directory = os.path.join(self.tmp, "fifo")
        os.mkdir(directory)
        fifo = os.path.join(directory, "rows")
        os.mkfifo(fifo)
        got = os.path.join(directory, "got.csv")
        with open(got, "wb") as sink:
            reader = subprocess.Popen(["cat", fifo], stdout=sink)
            try:
                code, _, err, _ = self.run_to(fifo)
            finally:
                reader.wait(timeout=60)
        self.assertEqual((code, err), (0, ""))
        with open(got, encoding="utf-8", newline="") as f:
            self.assertRows([{"line": int(r["line"]), "status": int(r["status"])} for r in csv.DictReader(f)])
        self.assertEqual(sorted(os.listdir(directory)), ["got.csv", "rows"])
        code, _, err, _ = self.run_to(fifo, "--resume")
        self.assertEqual(code, 1)
        self.assertEqual(err.splitlines(), ["urlsweep: --resume: '%s' is not a regular file; only a file "
                                            "output can be resumed" % fifo])

    def test_refused_names_create_nothing(self):
        cases = {
            "out.xml": ("--output '{path}': no format goes by the extension '.xml'; name it .csv, .jsonl, "
                        ".ndjson, .json or .parquet (.gz or .zst may follow the text ones), or give --format"),
            "out.csv.bak": ("--output '{path}': no format goes by the extension '.bak'; name it .csv, "
                            ".jsonl, .ndjson, .json or .parquet (.gz or .zst may follow the text ones), or "
                            "give --format"),
            "out.parquet.gz": ("--output '{path}' names a gzip stream, but --format parquet compresses "
                               "inside the file (--parquet-compression)"),
        }
        directory = os.path.join(self.tmp, "refused")
        os.mkdir(directory)
        for name, message in cases.items():
            with self.subTest(name=name):
                path = os.path.join(directory, name)
                code, out, err, _ = self.run_to(path)
                self.assertEqual(code, 1)
                self.assertEqual(out, "")
                self.assertEqual(err.splitlines(), ["urlsweep: " + message.format(path=path)])
        with self.subTest(case="--compress with parquet"):
            path = os.path.join(directory, "out.parquet")
            code, _, err, _ = self.run_to(path, "--compress", "zstd")
            self.assertEqual(code, 1)
            self.assertEqual(err.splitlines(), ["urlsweep: --compress does not apply to --format parquet, "
                                                "which compresses inside the file (--parquet-compression)"])
        self.assertEqual(os.listdir(directory), [], "a refused run created files")


if __name__ == "__main__":
    fixtures.main()
