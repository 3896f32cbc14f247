#!/usr/bin/env python3
"""The optional columns a run asks for: --capture-header (header_<name>) and --body-hash (body_sha256),
after the fixed columns, in CSV, JSON Lines and Parquet (read back by DuckDB)."""

import csv
import hashlib
import io
import json
import os
import subprocess
import tempfile

import fixtures
from test_http import DEFAULT_PAGE

FIXED = fixtures.COLUMNS
EXTRA = ["header_server", "header_etag", "header_x_nope", "body_sha256"]
FLAGS = ["--capture-header", "Server", "--capture-header", "ETag", "--capture-header", "x-nope",
         "--capture-header", "server", "--body-hash", "--max-body", "100"]

DUCKDB_SCRIPT = r"""
const { createRequire } = require('module');
const { DuckDBInstance } = createRequire(process.argv[1])('@duckdb/node-api');
(async () => {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const file = process.argv[2].replaceAll("'", "''");
  const names = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`))
      .getRowObjectsJS().map((r) => [r.column_name, r.column_type]);
  const rows = (await connection.runAndReadAll(
    `SELECT line, header_server, header_etag, header_x_nope, body_sha256
     FROM read_parquet('${file}') ORDER BY line`)).getRowObjectsJS();
  process.stdout.write(JSON.stringify({names, rows: rows.map((r) => [Number(r.line), r.header_server,
      r.header_etag, r.header_x_nope, r.body_sha256])}));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class ColumnsTest(fixtures.FixtureTestCase):

    def expected(self):
        """line -> (header_server, header_etag, header_x_nope, body_sha256)."""
        return {
            1: (fixtures.SERVER, None, None, sha256(DEFAULT_PAGE)),
            2: (fixtures.SERVER, '"fixture"', None, sha256(b"")),
            3: (fixtures.SERVER, None, None, sha256(b"x" * 100)),  # the 100 bytes read of 5000
            4: (None, None, None, None),  # no response: nothing to capture or hash
        }

    def urls(self):
        return [self.url("/"), self.url("/not-modified"), self.url("/bytes/5000"), self.url("/close")]

    def test_jsonl_and_csv_columns_in_order_with_values(self):
        for fmt in ("jsonl", "csv"):
            with self.subTest(fmt=fmt):
                result = self.scan(self.urls(), *FLAGS, fmt=fmt)
                if fmt == "jsonl":
                    for row in result.rows:
                        self.assertEqual(list(row), FIXED + EXTRA, "keys in order")
                else:
                    header = next(csv.reader(io.StringIO(result.stdout, newline="")))
                    self.assertEqual(header, FIXED + EXTRA)
                for line, values in self.expected().items():
                    row = result.by_line[line]
                    self.assertEqual(tuple(row[c] for c in EXTRA), values, "line %d" % line)
                self.assertEqual(result.by_line[4]["error"], "empty_response")

    def test_head_requests_have_no_body_hash(self):
        row = self.scan_one(self.url("/"), "--head", "--body-hash", "--capture-header", "content-type")
        self.assertEqual(row["header_content_type"], fixtures.HTML)
        self.assertIsNone(row["body_sha256"])

    def test_without_the_flags_no_extra_columns(self):
        row = self.scan_one(self.url("/"))
        self.assertEqual(list(row), FIXED)

    def test_bad_header_name_is_a_bad_flag(self):
        code, out, err, _ = self.run_urlsweep(["--capture-header", "X Bad", self.url("/")])
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertIn("--capture-header: expected an HTTP header name, got 'X Bad'", err)

    def test_parquet_columns_read_back_by_duckdb(self):
        fixtures.require_duckdb(self)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "out.parquet")
            lines = self.write_input("columns-parquet.txt", self.urls())
            code, _, err, _ = self.run_urlsweep(["-q", "-o", path] + FLAGS + [lines])
            self.assertEqual(code, 0, err)
            proc = subprocess.run(["node", "-e", DUCKDB_SCRIPT, os.path.join(fixtures.READBACK_DIR, "package.json"), path],
                                  capture_output=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode("utf-8", "replace")[-2000:])
            got = json.loads(proc.stdout)
            self.assertEqual([n for n, _ in got["names"]], FIXED + EXTRA)
            self.assertEqual({n: t for n, t in got["names"]}["body_sha256"], "VARCHAR")
            self.assertEqual({row[0]: tuple(row[1:]) for row in got["rows"]}, self.expected())


if __name__ == "__main__":
    fixtures.main()
