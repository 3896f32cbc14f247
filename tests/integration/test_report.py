#!/usr/bin/env python3
"""`urlsweep report`: a list scanned against the loopback fixtures to CSV, JSON Lines and Parquet;
the report of each file. The three reports agree on every count; each report's numbers equal DuckDB's
aggregates over the same file (tests/integration/report_duckdb.cjs: totals, status classes, error
words and stages, nearest-rank percentiles as quantile_disc, histograms, the throughput timeline, hosts
with most errors, certificate expiry), both in the page's JSON block and in what the page shows (the
totals cards, the latency table, the bars' labels), as written and as headless Chromium's DOM holds
it; the page loads nothing; Chromium renders it. DuckDB is tools/install_deps.sh's `npm ci` into
tests/output/parquet_readback/node_modules (skipped when missing, a failure under
URLSWEEP_CI_STRICT=1); the Chromium parts are skipped when the Debian package chromium is missing."""

import csv
import datetime
import html.parser
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import zlib

import fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = fixtures.NODE_MODULES
DUCKDB_SCRIPT = os.path.join(HERE, "report_duckdb.cjs")
FORMATS = ("csv", "jsonl", "parquet")
STAGES = ("dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms")
# The error stages of docs/errors.md, in its order (the page's order).
ERROR_STAGES = ("input", "dns", "connect", "tls", "proxy", "exchange", "redirects", "budget")

# Bounded waits: a browser that does not answer must not hang the suite.
NODE_TIMEOUT_S = 120
CHROMIUM_TIMEOUT_S = 120
REPORT_TIMEOUT_S = 60

# Scan flags: short budgets so that the failing URLs fail fast, no retries so that each fails once.
SCAN_FLAGS = ["--dns-timeout", "1", "--read-timeout", "1", "--timeout", "5", "--retries", "0"]


def report_data(html):
    """The page's machine-readable block."""
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    if not match:
        raise AssertionError("no report-data block in the page")
    return json.loads(match.group(1))


def micros(text):
    """An output timestamp (docs/output.md) as microseconds since the epoch."""
    delta = fixtures.parse_timestamp(text) - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return delta // datetime.timedelta(microseconds=1)


class PageText(html.parser.HTMLParser):
    """What the page shows, as text: the cards (data-key -> (number, label)), the latency table
    (data-stage -> cells), per section id the charts' bar tooltips (SVG <title>: "label: value") in
    page order, the rows of each table with an id (id -> [cells], header row left out), and the
    texts of the charts' notes (SVG <text class="note">)."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.cards, self.latency, self.titles, self.tables, self.notes = {}, {}, {}, {}, []
        self._table = None  # id of the table being read
        self._table_row = None  # its current row's cells
        self._table_cell = None
        self._note = None
        self._section = None
        self._card = None  # [key, number, label]
        self._card_part = None  # "n" or "k"
        self._row = None  # [stage, cells]
        self._cell = None
        self._title = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section":
            self._section = attrs.get("id")
            self.titles.setdefault(self._section, [])
        elif tag == "div" and "card" in classes:
            self._card = [attrs["data-key"], "", ""]
        elif tag == "div" and self._card is not None and ("n" in classes or "k" in classes):
            self._card_part = "n" if "n" in classes else "k"
        elif tag == "tr" and "data-stage" in attrs:
            self._row = [attrs["data-stage"], []]
        elif tag == "td" and self._row is not None:
            self._cell = ""
        elif tag == "title" and self._section is not None:
            self._title = ""
        elif tag == "text" and "note" in classes:
            self._note = ""
        if tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._table_row = []
        elif tag == "td" and self._table_row is not None:
            self._table_cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._table_cell is not None:
            self._table_row.append(self._table_cell.strip())
            self._table_cell = None
        elif tag == "tr" and self._table_row is not None:
            if self._table_row:
                self.tables[self._table].append(self._table_row)
            self._table_row = None
        elif tag == "table":
            self._table = None
        elif tag == "text" and self._note is not None:
            self.notes.append(self._note)
            self._note = None
        if tag == "div" and self._card_part is not None:
            self._card_part = None
        elif tag == "div" and self._card is not None:
            key, number, label = self._card
            self.cards[key] = (number, label)
            self._card = None
        elif tag == "td" and self._cell is not None:
            self._row[1].append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.latency[self._row[0]] = self._row[1]
            self._row = None
        elif tag == "title" and self._title is not None:
            self.titles[self._section].append(self._title)
            self._title = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._table_cell is not None:
            self._table_cell += data
        if self._note is not None:
            self._note += data
        if self._card_part == "n":
            self._card[1] += data
        elif self._card_part == "k":
            self._card[2] += data
        elif self._cell is not None:
            self._cell += data
        elif self._title is not None:
            self._title += data

    def bars(self, section):
        """[(label, value text)] of the bars in `section`, in page order."""
        return [tuple(title.split(": ", 1)) for title in self.titles.get(section, [])]


def thousands(n):
    """An integer as the page writes it: 12,345."""
    return "{:,}".format(n)


def percent(part, whole):
    return "%.1f%%" % (100.0 * part / whole) if whole > 0 else "0%"


def duration(seconds):
    """A duration as the page writes it (html_report_writer.cc Duration)."""
    if seconds < 1:
        return "%.0f ms" % (seconds * 1000)
    if seconds < 120:
        return "%.2f s" % seconds
    s = int(seconds)
    if s < 7200:
        return "%d min %02d s" % (s // 60, s % 60)
    return "%d h %02d min" % (s // 3600, s // 60 % 60)


def shown_numbers(duck):
    """What the page must show for DuckDB's aggregates `duck`: the cards (number, label), the latency
    table's cells, and the bars (label, value text) of the status, error and throughput charts."""
    rows = duck["rows"]
    cards = {
        "rows": (thousands(rows), "rows"),
        "ok": (thousands(duck["ok"]), "without error (%s)" % percent(duck["ok"], rows)),
        "errors_total": (thousands(duck["errors_total"]),
                         "with an error (%s)" % percent(duck["errors_total"], rows)),
        "with_status": (thousands(duck["with_status"]), "with an HTTP status"),
        "hosts": (thousands(duck["hosts"]), "distinct hosts"),
    }
    if duck["tls"]["hosts"]:
        cards["certs_expired"] = (thousands(duck["tls"]["expired"]), "expired")
        cards["certs_within_30"] = (thousands(duck["tls"]["within_30_days"]), "expire within 30 days")
        cards["certs_within_90"] = (thousands(duck["tls"]["within_90_days"]), "expire within 90 days")
    if duck["first_start_us"] is not None:
        seconds = (duck["last_end_us"] - duck["first_start_us"]) / 1e6
        cards["duration_s"] = (duration(seconds), "first start to last completion")
        cards["rows_per_s"] = ("{:,.1f}".format(duck["timed_rows"] / seconds if seconds > 0 else 0),
                               "rows per second")
    latency = {}
    for stage in STAGES:
        v = duck["latency"][stage]
        cells = [stage, thousands(v["count"])]
        if v["count"] == 0:
            cells.append("not timed")
        else:
            cells += ["%.3f" % v[k] for k in ("min", "p50", "p90", "p99", "max")]
        latency[stage] = cells
    status = [(name, "%s (%s)" % (thousands(n), percent(n, rows)))
              for name, n in duck["status_classes"].items()]
    # Error bars: the stages in docs/errors.md's order, then the words stage by stage.
    stages = [(stage, "%s (%s of rows)" % (thousands(n), percent(n, rows)))
              for stage, n in duck["error_stages"].items()]
    words = {word: "%s (%s)" % (thousands(n), percent(n, rows)) for word, n in duck["errors"].items()}
    # The chart: the timeline, or its start when a few slow rows are cut off.
    chart = duck["timeline"]["chart"]
    width_s = chart["bucket_us"] / 1e6
    timeline = [("+%g s" % (i * width_s), "%s rows" % thousands(n)) for i, n in enumerate(chart["completions"])]
    return cards, latency, status, stages, words, timeline


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB or RGBA PNG (what Chromium writes),
    decoded with zlib and the five PNG row filters (PNG specification, section 9)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace != 0:
        raise AssertionError("unexpected PNG layout %r" % (header,))
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


class PageAssertions:
    """Checks of a page against DuckDB's aggregates, shared by the test classes below."""

    def assertPageShows(self, page, duck):
        """The page's visible text (a PageText) holds DuckDB's numbers, formatted as the page does."""
        cards, latency, status, stages, words, timeline = shown_numbers(duck)
        self.assertEqual(page.cards, cards)
        self.assertEqual(page.latency, latency)
        self.assertEqual(page.bars("status"), status)
        errors = page.bars("errors")
        self.assertEqual([bar for bar in errors if bar[0] in ERROR_STAGES],
                         sorted(stages, key=lambda bar: ERROR_STAGES.index(bar[0])))
        self.assertEqual({word: text for word, text in errors if word not in ERROR_STAGES}, words)
        self.assertEqual(page.bars("throughput"), timeline)


    def chromium(self, *flags):
        """Runs headless Chromium (Debian's chromium) with `flags` in a profile of this test class;
        skips when it is not installed. Returns the finished process (stdout as text)."""
        browser = shutil.which("chromium")
        if browser is None:
            self.skipTest("chromium is not installed (Debian package chromium)")
        argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + os.path.join(self.tmp, "chromium-profile")] + list(flags)
        try:
            return subprocess.run(argv, capture_output=True, timeout=CHROMIUM_TIMEOUT_S,
                                  env=fixtures.clean_env())
        except subprocess.TimeoutExpired:
            self.fail("chromium ran past %d s" % CHROMIUM_TIMEOUT_S)


class ReportTest(PageAssertions, fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A bound, never-listening socket: its port answers RST (connect_refused) while we hold it.
        cls.closed = socket.socket()
        cls.closed.bind(("127.0.0.1", 0))
        cls.addClassCleanup(cls.closed.close)
        closed_port = cls.closed.getsockname()[1]
        lines = []
        lines += [cls.url("/", name="h%d.test" % n) for n in range(1, 21)]
        lines += [cls.url("/delay/%d" % (20 * n), name="h%d.test" % n) for n in range(1, 6)]
        lines += [cls.url("/status/404", name="h21.test")] * 5
        lines += [cls.url("/status/500", name="h22.test")] * 3
        lines += [cls.url("/status/302", name="h23.test")] * 2
        lines += [cls.url("/status/999", name="h24.test")]
        lines += ["http://nope%d.test:%d/" % (n, cls.port) for n in range(3)]
        lines += [cls.url("/", name="nodata.test")]
        lines += ["http://127.0.0.1:%d/" % closed_port] * 2
        lines += ["ftp://h1.test/", "http://:80/"]
        lines += [cls.url("/hang", name="h25.test")]
        lines += [cls.url("/", name="x.dead.test")]
        lines += [cls.stack.tls_url("valid", "/"), cls.stack.tls_url("expired", "/"),
                  cls.stack.tls_url("alert", "/")]
        cls.lines = lines
        cls.list_path = os.path.join(cls.tmp, "urls.txt")
        with open(cls.list_path, "w") as f:
            f.write("".join(line + "\n" for line in lines))

        cls.results, cls.pages, cls.data = {}, {}, {}
        for fmt in FORMATS:
            result = os.path.join(cls.tmp, "results.%s" % fmt)
            argv = [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % cls.stack.dns_port, "-q",
                    "--ca-file", os.path.join(cls.stack.cert_dir, "ca.pem"), "-o", result] + SCAN_FLAGS
            subprocess.run(argv + [cls.list_path], check=True, capture_output=True,
                           timeout=fixtures.SCAN_TIMEOUT_S, env=fixtures.clean_env())
            page = os.path.join(cls.tmp, "report-%s.html" % fmt)
            subprocess.run([fixtures.URLSWEEP_BIN, "report", result, "-o", page], check=True,
                           capture_output=True, timeout=REPORT_TIMEOUT_S)
            with open(page, encoding="utf-8") as f:
                html = f.read()
            cls.results[fmt], cls.pages[fmt], cls.data[fmt] = result, page, report_data(html)

    def report(self, *args):
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report"] + list(args), capture_output=True,
                              timeout=REPORT_TIMEOUT_S)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    # -- the numbers ------------------------------------------------------------------------------

    def test_counts_are_what_was_scanned(self):
        d = self.data["csv"]
        self.assertEqual(d["rows"], len(self.lines))
        self.assertEqual(d["errors"], {"invalid_url": 2, "dns_nxdomain": 3, "dns_nodata": 1,
                                       "dns_timeout": 1, "connect_refused": 2, "tls_error": 1,
                                       "read_timeout": 1})
        self.assertEqual(d["error_stages"], {"input": 2, "dns": 5, "connect": 2, "tls": 1, "exchange": 1})
        self.assertEqual(d["errors_total"], 11)
        # 25 pages + valid + expired (report mode: answered), 404 x5, 500 x3, 302 x2, 999.
        self.assertEqual(d["status_classes"], {"1xx": 0, "2xx": 27, "3xx": 2, "4xx": 5, "5xx": 3,
                                               "other": 1, "none": 11})
        self.assertEqual(d["latency"]["tls_ms"]["count"], 2)
        # expired.test's certificate ended in 2021; valid.test's ends in 2099.
        self.assertEqual((d["tls"]["hosts"], d["tls"]["expired"], d["tls"]["within_30_days"],
                          d["tls"]["within_90_days"]), (2, 1, 0, 0))
        self.assertEqual([c["host"] for c in d["tls"]["soonest"]], ["expired.test"])
        self.assertEqual(d["top_error_hosts"][0], {"host": "127.0.0.1", "errors": 2, "rows": 2,
                                                   "top_error": "connect_refused"})
        self.assertEqual(sum(d["timeline"]["completions"]), d["timed_rows"])

    def test_three_formats_agree(self):
        # Three scans of one list: the same outcomes, so every count agrees; the timings differ.
        counted = ("rows", "ok", "errors_total", "with_status", "hosts", "status_classes", "errors",
                   "error_stages", "timed_rows")
        csv = self.data["csv"]
        for fmt in ("jsonl", "parquet"):
            other = self.data[fmt]
            with self.subTest(format=fmt):
                self.assertEqual(other["format"], fmt)
                for key in counted:
                    self.assertEqual(other[key], csv[key], key)
                # dns_ms and connect_ms are absent on a reused keep-alive connection, and which
                # requests get one differs from run to run; a response and a total are certain.
                for stage in ("ttfb_ms", "total_ms"):
                    self.assertEqual(other["latency"][stage]["count"], csv["latency"][stage]["count"], stage)
                for key in ("hosts", "expired", "within_30_days", "within_90_days", "soonest"):
                    self.assertEqual(other["tls"][key], csv["tls"][key], key)
                self.assertEqual([(h["host"], h["errors"], h["rows"]) for h in other["top_error_hosts"]],
                                 [(h["host"], h["errors"], h["rows"]) for h in csv["top_error_hosts"]])

    def duck(self, fmt):
        """DuckDB's aggregates over the `fmt` result (report_duckdb.cjs), once per class."""
        fixtures.require_duckdb(self)
        cache = type(self).__dict__.get("_duck")
        if cache is None:
            cache = type(self)._duck = {}
        if fmt not in cache:
            proc = subprocess.run(["node", DUCKDB_SCRIPT, NODE_MODULES, fmt, self.results[fmt],
                                   self.data[fmt]["tls"]["reference"]], capture_output=True, text=True,
                                  timeout=NODE_TIMEOUT_S)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            cache[fmt] = json.loads(proc.stdout)
        return cache[fmt]

    def test_numbers_equal_duckdb(self):
        for fmt in FORMATS:
            d = self.data[fmt]
            duck = self.duck(fmt)
            with self.subTest(format=fmt):
                for key in ("rows", "ok", "errors_total", "with_status", "hosts", "timed_rows",
                            "status_classes", "errors", "error_stages"):
                    self.assertEqual(d[key], duck[key], key)
                # Exact equality: both read the same decimal text (or the same Parquet doubles).
                self.assertEqual(d["latency"], duck["latency"])
                self.assertEqual({s: d["histograms"][s]["counts"] for s in STAGES}, duck["histograms"])
                self.assertEqual([{k: h[k] for k in ("host", "errors", "rows")} for h in d["top_error_hosts"]],
                                 duck["top_error_hosts"])
                self.assertEqual({k: d["tls"][k] for k in ("hosts", "expired", "within_30_days", "within_90_days")},
                                 duck["tls"])
                self.assertEqual(micros(d["first_start"]), duck["first_start_us"])
                self.assertEqual(micros(d["last_end"]), duck["last_end_us"])
                # The throughput chart: same start, same bucket width, same completions per bucket.
                self.assertEqual(micros(d["timeline"]["start"]), duck["timeline"]["start_us"])
                self.assertEqual(round(d["timeline"]["bucket_ms"] * 1000), duck["timeline"]["bucket_us"])
                self.assertEqual(d["timeline"]["completions"], duck["timeline"]["completions"])
                self.assertGreater(len(duck["timeline"]["completions"]), 1)

    def test_page_shows_duckdb_numbers(self):
        # The text a reader sees, not only the JSON block: every format's page, parsed as written.
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                with open(self.pages[fmt], encoding="utf-8") as f:
                    page = PageText(f.read())
                self.assertPageShows(page, self.duck(fmt))
                # Not vacuous: 5 stages, 7 status classes, a timeline of several buckets.
                self.assertEqual(len(page.latency), len(STAGES))
                self.assertEqual(len(page.bars("status")), 7)
                self.assertGreater(len(page.bars("throughput")), 1)

    # -- the page ---------------------------------------------------------------------------------

    def test_page_loads_nothing(self):
        for fmt in FORMATS:
            with open(self.pages[fmt], encoding="utf-8") as f:
                html = f.read()
            with self.subTest(format=fmt):
                tags = re.findall(r"<[a-zA-Z][^>]*>", html)
                self.assertTrue(tags)
                for tag in tags:
                    self.assertNotRegex(tag, r"\s(src|href|srcset|action|poster|data)\s*=", tag)
                self.assertNotRegex(html, r"https?:|//[a-z0-9]", "a URL in the page")
                self.assertNotIn("url(", html)
                self.assertNotIn("@import", html)
                self.assertEqual(len(re.findall(r"<script\b", html)), 1)
                self.assertEqual(html.count("<svg"), html.count("</svg>"))
                self.assertGreaterEqual(html.count("<svg"), 6)

    def test_chromium_dom_shows_duckdb_numbers(self):
        # What the browser parsed and holds in its DOM: the same visible numbers as DuckDB's.
        proc = self.chromium("--dump-dom", "file://" + self.pages["parquet"])
        dom = proc.stdout.decode("utf-8", "replace")
        self.assertIn('id="latency"', dom, proc.stderr.decode("utf-8", "replace")[-2000:])
        self.assertPageShows(PageText(dom), self.duck("parquet"))

    def test_chromium_renders_the_page(self):
        png = os.path.join(self.tmp, "report.png")
        proc = self.chromium("--screenshot=" + png, "--window-size=1280,2000", "file://" + self.pages["csv"])
        self.assertTrue(os.path.isfile(png), proc.stderr.decode("utf-8", "replace")[-2000:])
        width, height, bpp, rows = png_pixels(png)
        self.assertEqual((width, height), (1280, 2000))
        # A rendered report: many colours (text, bars in several hues), and a fair share of pixels
        # that are not the page background.
        background = rows[0][:bpp]
        colours, inked, sampled = set(), 0, 0
        for y in range(0, height, 4):
            row = rows[y]
            for x in range(0, width * bpp, bpp * 4):
                pixel = row[x:x + bpp]
                colours.add(pixel)
                sampled += 1
                inked += pixel != background
        self.assertGreater(len(colours), 50)
        self.assertGreater(inked / sampled, 0.2)

    # -- the command line -------------------------------------------------------------------------

    def test_standard_output_and_format_flag(self):
        renamed = os.path.join(self.tmp, "results-without-extension")
        shutil.copyfile(self.results["jsonl"], renamed)
        code, out, err = self.report(renamed, "-o", "-")
        self.assertEqual(code, 0, err)
        self.assertEqual(report_data(out)["format"], "jsonl")
        code, out, err = self.report("--format", "jsonl", "-o", "-", renamed)
        self.assertEqual((code, report_data(out)["rows"]), (0, len(self.lines)), err)
        # Standard input to standard output (CSV unless --format says otherwise).
        with open(self.results["csv"], "rb") as f:
            proc = subprocess.run([fixtures.URLSWEEP_BIN, "report", "-", "-o", "-"], stdin=f,
                                  capture_output=True, timeout=REPORT_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        piped = report_data(proc.stdout.decode("utf-8"))
        self.assertEqual((piped["source"], piped["rows"]), ("standard input", len(self.lines)))
        self.assertEqual(piped["latency"], self.data["csv"]["latency"])

    def test_errors_are_one_line(self):
        bad = os.path.join(self.tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("line,url,status\r\n1,http://a.test/,200\r\n2,http://b.test/,x\r\n")
        out_path = os.path.join(self.tmp, "never.html")
        cases = [
            ((self.results["csv"],), "urlsweep report: missing -o PATH for the HTML report"),
            (("-o", out_path), "urlsweep report: missing RESULTS (see urlsweep report --help)"),
            ((self.results["csv"], "-o", out_path, "--format", "xml"),
             "urlsweep report: --format: expected csv, jsonl or parquet, got 'xml'"),
            ((self.results["csv"], "-o", out_path, "--bogus"),
             "urlsweep report: unknown flag '--bogus' (see urlsweep report --help)"),
            ((os.path.join(self.tmp, "missing.csv"), "-o", out_path),
             "urlsweep report: cannot open '%s': No such file or directory" % os.path.join(self.tmp, "missing.csv")),
            ((bad, "-o", out_path), "urlsweep report: %s:3: column status: expected an integer, got 'x'" % bad),
            ((self.results["csv"], "--format", "parquet", "-o", out_path),
             "urlsweep report: %s: not a readable Parquet file: no PAR1 magic at both ends" % self.results["csv"]),
            ((self.results["csv"], "-o", self.results["csv"]),
             "urlsweep report: the report would overwrite its own input"),
            ((self.results["csv"], "-o", os.path.join(self.tmp, "no-such-dir", "r.html")),
             "urlsweep report: cannot open output '%s': No such file or directory"
             % os.path.join(self.tmp, "no-such-dir", "r.html")),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                code, out, err = self.report(*args)
                self.assertEqual(code, 1)
                self.assertEqual(err, message + "\n")
                self.assertEqual(out, "")
        self.assertFalse(os.path.exists(out_path))
        code, out, _ = self.report("--help")
        self.assertEqual(code, 0)
        self.assertIn("usage: urlsweep report RESULTS -o PATH", out)


# The keys of the report's detail sections (html_detail_sections.h) that report_duckdb.cjs computes too.
DETAIL_KEYS = ("status_codes", "error_examples", "slowest_hosts", "slowest_urls", "redirects", "servers",
               "content_types")
# The whole-report numbers compared with DuckDB (test_numbers_equal_duckdb's).
TOTAL_KEYS = ("rows", "ok", "errors_total", "with_status", "hosts", "timed_rows", "status_classes", "errors",
              "error_stages")


def duckdb_numbers(test, parts, reference):
    """DuckDB's aggregates (report_duckdb.cjs) over the result files `parts` [(format, path)] together."""
    fixtures.require_duckdb(test)
    argv = ["node", DUCKDB_SCRIPT, NODE_MODULES, parts[0][0], parts[0][1], reference]
    for fmt, path in parts[1:]:
        argv += [fmt, path]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
    test.assertEqual(proc.returncode, 0, proc.stderr)
    return json.loads(proc.stdout)


def synthetic_rows(path, rows):
    """A CSV result with the header of docs/output.md and `rows` (dicts of some columns; the rest empty)."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(fixtures.COLUMNS)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in fixtures.COLUMNS])


def iso(micros_since_epoch):
    """Microseconds since the epoch as the writers print them."""
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros_since_epoch)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ReportDetailTest(PageAssertions, fixtures.FixtureTestCase):
    """The report's detail sections (status codes, example rows per error word, slowest hosts and
    URLs, redirects, servers and content types, TLS verdicts and versions) against DuckDB over a mixed
    scan; a report of the scan's four shards written in three formats; Parquet files DuckDB rewrote;
    thousands separators and the throughput chart's clip on synthetic results."""

    # Starts of the synthetic results: 2025-11-29T16:25:51Z.
    T0 = 1764433551000000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.closed = socket.socket()
        cls.closed.bind(("127.0.0.1", 0))
        cls.addClassCleanup(cls.closed.close)
        closed_port = cls.closed.getsockname()[1]
        lines = [cls.url("/", name="h%d.test" % n) for n in range(1, 9)]
        lines += [cls.url("/status/404", name="h9.test")] * 3
        lines += [cls.url("/status/500", name="h10.test")] * 2
        lines += [cls.url("/status/201", name="h11.test"), cls.url("/status/999", name="h11.test")]
        lines += [cls.url("/redirect/2", name="h12.test")] * 3
        lines += [cls.url("/redirect-code/301?to=http://h14.test:%d/" % cls.port, name="h13.test")] * 2
        lines += [cls.url("/redirect/6", name="h15.test")]
        lines += [cls.url("/bytes/10", name="h16.test"), cls.url("/delay/150", name="h17.test")]
        lines += ["http://nope%d.test:%d/" % (n, cls.port) for n in range(2)]
        lines += [cls.url("/", name="nodata.test"), "http://127.0.0.1:%d/" % closed_port, "ftp://h1.test/"]
        lines += [cls.url("/hang", name="h18.test")]
        lines += [cls.stack.tls_url("valid", "/"), cls.stack.tls_url("valid", "/status/404"),
                  cls.stack.tls_url("expired", "/"), cls.stack.tls_url("expired", "/status/500"),
                  cls.stack.tls_url("self", "/"), cls.stack.tls_url("wrong", "/"), cls.stack.tls_url("alert", "/")]
        cls.lines = lines
        list_path = os.path.join(cls.tmp, "mixed.txt")
        with open(list_path, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        scan = [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % cls.stack.dns_port, "-q", "--follow", "3",
                "--ca-file", os.path.join(cls.stack.cert_dir, "ca.pem")] + SCAN_FLAGS

        def run(argv):
            subprocess.run(argv, check=True, capture_output=True, timeout=fixtures.SCAN_TIMEOUT_S,
                           env=fixtures.clean_env())

        cls.whole = os.path.join(cls.tmp, "mixed.parquet")
        run(scan + ["-o", cls.whole, list_path])
        # The four shards of the same list, as a run on four machines could write them.
        cls.parts = []
        for shard, fmt in enumerate(("parquet", "csv", "jsonl", "parquet")):
            part = os.path.join(cls.tmp, "part-%d.%s" % (shard, fmt))
            run(scan + ["--shard", "%d/4" % shard, "-o", part, list_path])
            cls.parts.append((fmt, part))

    def report(self, *args):
        """The page of `urlsweep report ARGS -o PAGE`: (its JSON block, its visible text)."""
        page = os.path.join(self.tmp, "page-%d.html" % len(os.listdir(self.tmp)))
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report"] + list(args) + ["-o", page], capture_output=True,
                              timeout=REPORT_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(page, encoding="utf-8") as f:
            html = f.read()
        self.last_page = page
        return report_data(html), PageText(html)

    def assertEqualsDuckDB(self, d, duck):
        """Every number of the JSON block equals DuckDB's."""
        for key in TOTAL_KEYS + DETAIL_KEYS:
            self.assertEqual(d[key], duck[key], key)
        self.assertEqual(d["latency"], duck["latency"])
        self.assertEqual({s: d["histograms"][s]["counts"] for s in STAGES}, duck["histograms"])
        self.assertEqual([{k: h[k] for k in ("host", "errors", "rows")} for h in d["top_error_hosts"]],
                         duck["top_error_hosts"])
        self.assertEqual({k: d["tls"][k] for k in ("hosts", "expired", "within_30_days", "within_90_days")},
                         duck["tls"])
        self.assertEqual((d["tls"]["verify"], d["tls"]["versions"]), (duck["tls_verify"], duck["tls_versions"]))
        self.assertEqual(micros(d["first_start"]), duck["first_start_us"])
        self.assertEqual(micros(d["last_end"]), duck["last_end_us"])
        self.assertEqual(d["timeline"]["completions"], duck["timeline"]["completions"])
        chart, duck_chart = d["timeline"]["chart"], duck["timeline"]["chart"]
        self.assertEqual((round(chart["end_ms"] * 1000), round(chart["bucket_ms"] * 1000), chart["completions"],
                          chart["hidden_rows"]),
                         (duck_chart["end_us"], duck_chart["bucket_us"], duck_chart["completions"],
                          duck_chart["hidden_rows"]))

    def assertPageShowsDetails(self, page, duck):
        """The detail sections' visible tables and bars hold DuckDB's numbers, as the page writes them."""
        rows = duck["rows"]
        self.assertEqual(page.tables["status-codes"],
                         [[code, thousands(n), percent(n, rows)] for code, n in duck["status_codes"].items()])
        self.assertEqual(sorted(page.tables["error-examples"]),
                         sorted([word, thousands(e["line"]), e["url"], e["detail"] or "none"]
                                for word, examples in duck["error_examples"].items() for e in examples))
        self.assertEqual(page.tables["slowest-hosts"],
                         [[h["host"], thousands(h["timed_rows"]), "%.3f" % h["p50_ms"], "%.3f" % h["max_ms"]]
                          for h in duck["slowest_hosts"]])
        self.assertEqual(page.tables["slowest-urls"],
                         [["%.3f" % u["total_ms"], thousands(u["line"]), u["url"],
                           u["error"] or (str(u["status"]) if u["status"] is not None else "-")]
                          for u in duck["slowest_urls"]])

        def bars(tally, whole):
            return [(v["value"] or "(empty)", "%s (%s)" % (thousands(v["rows"]), percent(v["rows"], whole)))
                    for v in tally["top"]]

        self.assertEqual(page.bars("tls"), bars(duck["tls_verify"], duck["tls_verify"]["rows"])
                         + bars(duck["tls_versions"], duck["tls_versions"]["rows"]))
        self.assertEqual(page.bars("servers"), bars(duck["servers"], duck["servers"]["rows"])
                         + bars(duck["content_types"], duck["content_types"]["rows"]))
        redirects = duck["redirects"]
        self.assertEqual(page.bars("redirects"),
                         [("%s redirect%s" % (n, "" if n == "1" else "s"),
                           "%s (%s)" % (thousands(c), percent(c, redirects["rows"])))
                          for n, c in redirects["counts"].items()]
                         + bars(redirects["final_hosts"], redirects["rows"]))

    def test_every_verdict_code_and_word_shown(self):
        d, page = self.report(self.whole)
        duck = duckdb_numbers(self, [("parquet", self.whole)], d["tls"]["reference"])
        # The scan holds what the sections are for: each TLS verdict, several codes, many error words,
        # redirects of one and two hops to two hosts.
        verdicts = {v["value"] for v in duck["tls_verify"]["top"]}
        self.assertTrue({"ok", "expired", "self_signed", "hostname_mismatch"} <= verdicts, verdicts)
        self.assertTrue({"200", "201", "404", "500", "999"} <= set(duck["status_codes"]), duck["status_codes"])
        self.assertGreaterEqual(len(duck["errors"]), 5)
        self.assertGreaterEqual(len(duck["redirects"]["counts"]), 2)
        self.assertEqualsDuckDB(d, duck)
        self.assertPageShows(page, duck)
        self.assertPageShowsDetails(page, duck)
        # Every verdict, code and word in the data is on the page, not only the most frequent ones.
        self.assertEqual({label for label, _ in page.bars("tls")} >= verdicts, True)
        self.assertEqual([row[0] for row in page.tables["status-codes"]], list(duck["status_codes"]))
        self.assertEqual({row[0] for row in page.tables["error-examples"]}, set(duck["errors"]))
        # URLs and details are on the page as text only: its bytes hold no URL, nothing is fetched.
        with open(self.last_page, encoding="utf-8") as f:
            html = f.read()
        for tag in re.findall(r"<[a-zA-Z][^>]*>", html):
            self.assertNotRegex(tag, r"\s(src|href|srcset|action|poster|data)\s*=", tag)
        self.assertNotRegex(html, r"https?:|//[a-z0-9]", "a URL in the page")
        self.assertEqual(len(re.findall(r"<script\b", html)), 1)
        # What the browser parsed: the same tables and bars.
        proc = self.chromium("--dump-dom", "file://" + self.last_page)
        dom = PageText(proc.stdout.decode("utf-8", "replace"))
        self.assertPageShowsDetails(dom, duck)
        self.assertIn(duck["slowest_urls"][0]["url"], [row[2] for row in dom.tables["slowest-urls"]])

    def test_four_parts_are_one_report(self):
        # part-0.parquet part-1.csv part-2.jsonl part-3.parquet: the shards of one run, one report.
        d, page = self.report(*[path for _, path in self.parts])
        duck = duckdb_numbers(self, self.parts, d["tls"]["reference"])
        self.assertEqual(d["rows"], len(self.lines))
        self.assertEqual([(s["path"], s["format"]) for s in d["sources"]], [(p, f) for f, p in self.parts])
        self.assertEqual(sum(s["rows"] for s in d["sources"]), d["rows"])
        self.assertEqual(d["format"], "parquet, csv, jsonl")
        self.assertEqualsDuckDB(d, duck)
        self.assertPageShows(page, duck)
        self.assertPageShowsDetails(page, duck)
        # The whole list scanned at once has the same outcomes (the timings differ).
        whole, _ = self.report(self.whole)
        for key in TOTAL_KEYS + ("status_codes",):
            self.assertEqual(d[key], whole[key], key)
        self.assertEqual({k: d["tls"][k] for k in ("verify", "versions")},
                         {k: whole["tls"][k] for k in ("verify", "versions")})
        self.assertEqual(d["redirects"], whole["redirects"])
        self.assertEqual(d["error_examples"], whole["error_examples"])

    def test_parquet_rewritten_by_duckdb(self):
        fixtures.require_duckdb(self)
        prefix = os.path.join(self.tmp, "rewritten")
        proc = subprocess.run(["node", os.path.join(HERE, "report_duckdb_rewrite.cjs"), NODE_MODULES, self.whole,
                               prefix], capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        original, _ = self.report(self.whole)
        for variant in ("bigint", "reordered"):
            with self.subTest(variant=variant):
                d, _ = self.report("%s-%s.parquet" % (prefix, variant))
                for key in set(original) - {"source", "sources"}:
                    self.assertEqual(d[key], original[key], key)
        path = "%s-double.parquet" % prefix
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report", path, "-o", os.path.join(self.tmp, "never.html")],
                              capture_output=True, text=True, timeout=REPORT_TIMEOUT_S)
        self.assertEqual((proc.returncode, proc.stderr),
                         (1, "urlsweep report: %s: not a readable Parquet file: column 'port' is DOUBLE, expected "
                             "INT32 or INT64\n" % path))

    def test_thousands_separators(self):
        # 5,000 rows in two seconds: counts and the rate need separators.
        path = os.path.join(self.tmp, "many.csv")
        synthetic_rows(path, [{"line": n, "url": "http://s%d.test/" % (n % 7), "host": "s%d.test" % (n % 7),
                               "status": 200, "redirects": 0, "attempts": 1, "total_ms": 1.5,
                               "server": "nginx", "content_type": "text/html",
                               "started_at": iso(self.T0 + n * 400)} for n in range(1, 5001)])
        d, page = self.report(path)
        duck = duckdb_numbers(self, [("csv", path)], d["tls"]["reference"])
        self.assertEqualsDuckDB(d, duck)
        self.assertPageShows(page, duck)
        self.assertEqual(page.cards["rows"], ("5,000", "rows"))
        self.assertEqual(page.cards["rows_per_s"][0], "{:,.1f}".format(d["rows_per_s"]))
        self.assertIn(",", page.cards["rows_per_s"][0])
        self.assertEqual(page.tables["status-codes"], [["200", "5,000", "100.0%"]])
        self.assertEqual(page.bars("servers")[0], ("nginx", "5,000 (100.0%)"))

    def test_throughput_chart_clips_slow_rows(self):
        # 300 rows done within a second, 3 that end half a minute later: the chart shows the second.
        path = os.path.join(self.tmp, "slow-tail.csv")
        rows = [{"line": n, "url": "http://f.test/%d" % n, "host": "f.test", "status": 200, "redirects": 0,
                 "attempts": 1, "total_ms": 2.0, "started_at": iso(self.T0 + n * 3000)} for n in range(1, 301)]
        rows += [{"line": 300 + n, "url": "http://slow.test/%d" % n, "host": "slow.test", "error": "read_timeout",
                  "redirects": 0, "attempts": 1, "total_ms": 30000.0 + n, "started_at": iso(self.T0)}
                 for n in range(1, 4)]
        synthetic_rows(path, rows)
        d, page = self.report(path)
        duck = duckdb_numbers(self, [("csv", path)], d["tls"]["reference"])
        self.assertEqualsDuckDB(d, duck)
        self.assertPageShows(page, duck)
        chart = duck["timeline"]["chart"]
        self.assertEqual(chart["hidden_rows"], 3)
        self.assertLess(chart["end_us"], 2 * 1000000)
        last_s = (duck["last_end_us"] - duck["first_start_us"]) / 1e6
        self.assertEqual(page.notes, ["3 rows after +%s not shown (the last at +%s)"
                                      % (duration(chart["end_us"] / 1e6), duration(last_s))])
        # The full timeline is still in the JSON block; the slowest URLs list the hidden rows first.
        self.assertEqual(sum(d["timeline"]["completions"]), 303)
        self.assertEqual([u["url"] for u in d["slowest_urls"][:3]],
                         ["http://slow.test/3", "http://slow.test/2", "http://slow.test/1"])

    def test_standard_input_once(self):
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "report", "-", "-", "-o", "-"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=REPORT_TIMEOUT_S)
        self.assertEqual((proc.returncode, proc.stderr, proc.stdout),
                         (1, "urlsweep report: standard input ('-') can be read once only\n", ""))


if __name__ == "__main__":
    fixtures.main()
