#!/usr/bin/env python3
"""Input lines and output rows: one row per non-skipped line, numbering across inputs, standard
input, .gz, invalid_url rows, CSV output, and the fatal errors of the run itself."""

import csv
import io
import os

import fixtures


class InputTest(fixtures.FixtureTestCase):

    def test_blank_and_comment_lines_are_numbered_but_not_scanned(self):
        port = self.port
        raw = ("http://h1.test:%d/status/201\n"
               "\n"
               "# a comment\n"
               "  http://h1.test:%d/status/202 \r\n"
               "   \n"
               "h1.test:%d/status/203\n" % (port, port, port)).encode()
        path = self.write_input("numbering.txt", None, raw=raw)
        result = self.scan(None, files=[path])
        self.assertEqual(sorted(result.by_line), [1, 4, 6], result.describe())
        self.assertRow(result.by_line[1], url=self.url("/status/201"), status=201, error=None)
        # Surrounding white space and the trailing \r are not part of the URL.
        self.assertRow(result.by_line[4], url=self.url("/status/202"), status=202, error=None)
        # No scheme means http://.
        self.assertRow(result.by_line[6], url="h1.test:%d/status/203" % port,
                       final_url=self.url("/status/203"), host="h1.test", status=203, error=None)

    def test_lines_are_numbered_across_input_files(self):
        # The first file has no final newline: its last line is still one line, not joined.
        first = self.write_input("first.txt", None, raw=(
            "%s\n%s" % (self.url("/status/201"), self.url("/status/202"))).encode())
        second = self.write_input("second.txt", [self.url("/status/203"), "# skip",
                                                 self.url("/status/204")])
        result = self.scan(None, files=[first, second])
        self.assertEqual({line: row["status"] for line, row in result.by_line.items()},
                         {1: 201, 2: 202, 3: 203, 5: 204}, result.describe())
        self.assertEqual(result.by_line[5]["url"], self.url("/status/204"))

    def test_standard_input(self):
        data = ("%s\n\n%s\n" % (self.url("/status/201"), self.url("/status/202"))).encode()
        for extra in ([], ["-"]):
            result = self.scan(None, files=extra, stdin=data)
            self.assertEqual({line: row["status"] for line, row in result.by_line.items()},
                             {1: 201, 3: 202}, result.describe())

    def test_gz_file_is_read_decompressed(self):
        path = self.write_input("urls.txt.gz", [self.url("/status/201"), "#",
                                                self.url("/status/202")])
        result = self.scan(None, files=[path])
        self.assertEqual({line: row["status"] for line, row in result.by_line.items()},
                         {1: 201, 3: 202}, result.describe())

    def test_invalid_urls_get_a_row_and_do_not_stop_the_run(self):
        long_url = self.url("/" + "a" * 9000)
        lines = [
            "ftp://h1.test/file",          # scheme other than http/https
            "http://",                     # no host
            "http://a b/",                 # malformed host
            "http://h1.test:99999/",       # port out of range
            "http://h1.test:80x/",         # malformed port
            long_url,                      # longer than 8192 bytes
            self.url("/status/201"),       # the run goes on
        ]
        result = self.scan(lines)
        self.assertEqual(sorted(result.by_line), list(range(1, 8)), result.describe())
        for line in range(1, 7):
            self.assertRow(result.by_line[line], url=lines[line - 1], error="invalid_url",
                           status=None, ip=None, attempts=0)
        self.assertRow(result.by_line[7], status=201, error=None)

    def test_limit_holds_once_percent_encoded(self):
        # 4,040 bytes as read, each "é" six once percent-encoded: the URL to fetch would be 12,100
        # bytes, over the 8,192-byte limit, which holds for the URL as normalised too.
        prefix = self.url("/")
        line = prefix + "é" * ((4040 - len(prefix.encode())) // 2)
        row = self.scan_one(line)
        # The whole row: an input that is never fetched has no timings either (assertExactRow wants
        # total_ms), so every column is given.
        expected = {column: None for column in fixtures.COLUMNS if column != "started_at"}
        expected.update(line=1, url=line, error="invalid_url", redirects=0, attempts=0,
                        error_detail="URL longer than 8192 bytes once percent-encoded and normalised")
        self.assertRow(row, **expected)

    def test_unsafe_path_bytes_are_percent_encoded_and_fetched(self):
        row = self.scan_one(self.url("/title/a b"))
        self.assertRow(row, url=self.url("/title/a b"), final_url=self.url("/title/a%20b"),
                       status=200, error=None, title="a b")

    def test_csv_output(self):
        # A title with a comma and quotes must be quoted as RFC 4180 says.
        url = self.url("/title/a%2C%20%22b%22")
        result = self.scan([url, "ftp://x/"], fmt="csv")
        header = next(csv.reader(io.StringIO(result.stdout, newline="")))
        self.assertEqual(header, fixtures.COLUMNS)
        self.assertIn('"a, ""b"""', result.stdout)
        self.assertRow(result.by_line[1], url=url, status=200, reason="OK", error=None,
                       title='a, "b"', ip=self.address(1), port=self.port, http_version="1.1",
                       redirects=0, attempts=1)
        # Absent values are empty fields.
        self.assertRow(result.by_line[2], error="invalid_url", status=None, ip=None, title=None)

    def test_output_format_follows_the_file_extension(self):
        out = os.path.join(self.tmp, "out.jsonl")
        code, _, err, _ = self.run_urlsweep(["-q", "-o", out,
                                             self.write_input("ext.txt", [self.url("/status/201")])])
        self.assertEqual(code, 0, err)
        with open(out) as f:
            rows = fixtures.parse_jsonl(f.read())
        self.assertEqual([(r["line"], r["status"]) for r in rows], [(1, 201)])

    def test_unreadable_input_is_fatal_with_one_line(self):
        missing = os.path.join(self.tmp, "does-not-exist.txt")
        code, out, err, _ = self.run_urlsweep(["-q", "--format", "jsonl", "-o", "-", missing])
        self.assertEqual(code, 1)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("does-not-exist.txt", err)

    def test_bad_flag_is_fatal(self):
        code, _, err, _ = self.run_urlsweep(["--concurrency", "x", "-"])
        self.assertEqual(code, 1)
        self.assertEqual(len(err.strip().splitlines()), 1, err)


if __name__ == "__main__":
    fixtures.main()
