"""Shared harness of urlsweep's integration tests (python3 stdlib only).

FixtureTestCase starts the loopback fixture stack (tools/fixture_stack.py: fixture_server with its
HTTPS listeners, dnsmasq, dns_fixture.py) once per test class and stops it by PID afterwards, also
when a test fails, the test process gets SIGTERM, or (through the parent-death signal) is killed.
scan() runs the real urlsweep against it, always with --resolver pointing at our own dnsmasq and with
proxy variables removed (unless a test sets them, to loopback proxies), so nothing reaches beyond
loopback, and returns the rows keyed by `line`.

Binaries: $URLSWEEP_BIN and $FIXTURE_BIN (ctest sets them), else the newest build*/ of the checkout.
"""

import atexit
import csv
import datetime
import glob
import gzip
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import dns_fixture  # noqa: E402,F401  (re-exported for the DNS tests)
import fixture_stack  # noqa: E402
from process_util import die_with_parent, stop_process, tail, wait_listening  # noqa: E402
import gen_urls  # noqa: E402,F401

# The output columns, in order (docs/output.md, core/row.h kColumnNames).
COLUMNS = [
    "line", "url", "final_url", "host", "ip", "port", "status", "reason", "http_version", "error",
    "error_detail", "redirects", "location", "content_type", "content_length", "server", "title",
    "body_bytes", "tls_version", "tls_verify", "cert_not_after", "attempts", "dns_ms", "connect_ms",
    "tls_ms", "ttfb_ms", "total_ms", "started_at", "proxy", "proxy_auth",
]
INT_COLUMNS = {"line", "port", "status", "redirects", "content_length", "body_bytes", "attempts"}
FLOAT_COLUMNS = {"dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms"}
# Columns that differ from run to run: assertExactRow leaves them out.
TIMING_COLUMNS = FLOAT_COLUMNS | {"started_at"}

# What the fixture server sends (tools/README.md).
DEFAULT_TITLE = "urlsweep fixture"
SERVER = "urlsweep-fixture"
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

# Longest one urlsweep run may take before the test fails (and the run is killed): the slowest
# case, the 100,000-URL scale test, takes well under a minute on a loaded two-core machine.
SCAN_TIMEOUT_S = 240

# tools/ci_sanitize.sh runs the quick groups with URLSWEEP_SANITIZED=1: urlsweep and the fixture server
# are built with ASan and UBSan there and run several times slower on a shared two-core machine, so an
# upper bound on wall-clock time would measure the sanitizer (FixtureTestCase.assertTookLess).
SANITIZED = os.environ.get("URLSWEEP_SANITIZED") == "1"

# wait_until: how often a condition is polled, and how long at most. The deadline only ends a test whose
# condition never comes; generous, so a slow (sanitized, loaded) machine is never the reason it fails.
POLL_INTERVAL_S = 0.05
WAIT_TIMEOUT_S = 60


def wait_until(condition, what, timeout_s=WAIT_TIMEOUT_S):
    """Polls `condition()` until it returns a true value, and returns that value; fails (AssertionError
    naming `what`) after `timeout_s`. For a test that needs something to have happened: a fixed sleep
    is too short on a slow machine and wasted on a fast one."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("waited %.0f s for %s" % (timeout_s, what))
        time.sleep(POLL_INTERVAL_S)


def _find_binary(env_name, relative):
    path = os.environ.get(env_name)
    if path:
        return path
    found = glob.glob(os.path.join(ROOT, "build*", relative))
    return max(found, key=os.path.getmtime) if found else None


URLSWEEP_BIN = _find_binary("URLSWEEP_BIN", os.path.join("scanner", "urlsweep"))
FIXTURE_BIN = _find_binary("FIXTURE_BIN", os.path.join("tools", "fixture_server"))

# How long a server a test class starts itself (start_server) gets to listen, and to stop on SIGTERM.
SERVER_START_S = 20
SERVER_STOP_S = 10

# Stacks still running, stopped on exit and on SIGTERM whatever the tests did.
_live_stacks = set()


def _stop_all():
    for stack in list(_live_stacks):
        stack.stop()
        _live_stacks.discard(stack)


def _on_sigterm(signum, frame):
    _stop_all()
    os._exit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_sigterm)


def clean_env(extra=None):
    """The environment for urlsweep: no proxy variables (they would send requests elsewhere) and no
    OpenSSL trust variables, then `extra` (a test's own, pointing at loopback only)."""
    env = dict(os.environ)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY", "no_proxy", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def parse_timestamp(text):
    """An output timestamp (docs/output.md: ISO 8601, UTC, 'Z', optional fraction) as an aware datetime;
    fails on anything else."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError("not a UTC timestamp with Z: %r" % (text,))
    return datetime.datetime.fromisoformat(text[:-1]).replace(tzinfo=datetime.timezone.utc)


def cert_not_after(path):
    """The notAfter of the certificate in `path`, as OpenSSL reads it (aware datetime, UTC)."""
    out = subprocess.run(["openssl", "x509", "-enddate", "-noout", "-in", path], check=True,
                         capture_output=True, text=True).stdout.strip()
    # "notAfter=Dec 31 23:59:59 2099 GMT"
    value = out.split("=", 1)[1]
    return datetime.datetime.strptime(value, "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=datetime.timezone.utc)


def _short(value):
    if isinstance(value, str) and len(value) > 120:
        return value[:120] + "...(%d chars)" % len(value)
    return value


class OneOf:
    """Matches any of the given values (for a field that depends on timing, such as the body bytes
    a trickle delivered before a deadline)."""

    def __init__(self, *values):
        self.values = values

    def __eq__(self, other):
        return other in self.values

    def __repr__(self):
        return "OneOf%r" % (self.values,)


class Matches:
    """Matches a string that the regular expression finds a match in (for error_detail, whose words
    are for people, not for matching: docs/errors.md)."""

    def __init__(self, pattern):
        self.pattern = pattern

    def __eq__(self, other):
        return isinstance(other, str) and re.search(self.pattern, other) is not None

    def __repr__(self):
        return "Matches(%r)" % self.pattern


class ScanResult:
    def __init__(self, returncode, stdout, stderr, rows, elapsed):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.rows = rows  # in output order
        self.elapsed = elapsed  # seconds
        self.by_line = {}
        self.duplicates = []
        for row in rows:
            if row.get("line") in self.by_line:
                self.duplicates.append(row.get("line"))
            self.by_line[row.get("line")] = row

    def describe(self):
        return "exit %s, %d rows, stderr:\n%s" % (self.returncode, len(self.rows), self.stderr[-3000:])


def parse_jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def parse_csv(text):
    """Rows of a CSV output with the types of docs/output.md: empty fields are None, numbers are numbers."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    for raw in reader:
        row = {}
        for key, value in raw.items():
            if value == "" or value is None:
                row[key] = None
            elif key in INT_COLUMNS:
                row[key] = int(value)
            elif key in FLOAT_COLUMNS:
                row[key] = float(value)
            else:
                row[key] = value
        rows.append(row)
    return rows


class FixtureTestCase(unittest.TestCase):
    """Base class: one fixture stack per test class."""

    # Failure messages stay readable even for rows holding 9,000-byte URLs.
    maxDiff = 2000

    @classmethod
    def setUpClass(cls):
        if not FIXTURE_BIN or not os.access(FIXTURE_BIN, os.X_OK):
            raise RuntimeError("fixture_server not found: set FIXTURE_BIN or build the target")
        cls.tmp = tempfile.mkdtemp(prefix="urlsweep-it-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.stack = cls.start_stack(fixture_stack.FixtureStack(os.path.join(cls.tmp, "fixtures"), FIXTURE_BIN))
        cls.port = cls.stack.http_port

    @classmethod
    def start_stack(cls, stack):
        """Starts `stack` (anything with start() and stop()) for this class: stopped by the class's
        cleanup, and on exit or SIGTERM whatever the tests did. Returns it."""
        _live_stacks.add(stack)
        cls.addClassCleanup(_live_stacks.discard, stack)
        cls.addClassCleanup(stack.stop)
        stack.start()
        return stack

    @classmethod
    def start_server(cls, argv, endpoints, log_path, error_log=None):
        """Starts a server of this class's own (`argv`, its output to `log_path`) that dies with this
        process and is stopped by its PID in the class's cleanup, and waits until every (address, port)
        of `endpoints` accepts. Raises with the end of `error_log` (default: `log_path`) when it ends or
        does not listen within SERVER_START_S. Returns the process."""
        log = open(log_path, "wb")
        cls.addClassCleanup(log.close)
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        cls.addClassCleanup(stop_process, proc, SERVER_STOP_S)
        if wait_listening(proc, endpoints, SERVER_START_S):
            raise RuntimeError("%s did not start: %s" % (argv[0], tail(error_log or log_path)))
        return proc

    # -- wall-clock bounds -------------------------------------------------------------------------

    def assertTookLess(self, elapsed, bound_s, msg=None, sanitized_bound_s=None):
        """`elapsed` seconds are under `bound_s`: a promise of the Release build (a budget that ends an
        exchange on time, a run that does not hang). Under SANITIZED the bound is `sanitized_bound_s`,
        the loosest one that still tells the promised behaviour from the broken one; without one nothing
        is asserted there, because the test's rows already show the behaviour (which budget ended the
        exchange) and SCAN_TIMEOUT_S still ends a run that hangs."""
        bound = sanitized_bound_s if SANITIZED else bound_s
        if bound is not None:
            self.assertLess(elapsed, bound, msg)

    # -- URLs and addresses -----------------------------------------------------------------------

    @classmethod
    def url(cls, path="/", name="h1.test"):
        return "http://%s:%d%s" % (name, cls.port, path)

    @classmethod
    def tls_url(cls, key, path="/"):
        """https URL of the fixture's TLS listener `key` (fixture_stack.TLS_LISTENERS), under the
        name its certificate expects (127.0.0.1 for the `ip` leaf)."""
        return cls.stack.tls_url(key, path)

    @classmethod
    def h2_url(cls, key, path="/"):
        """URL of the fixture's HTTP/2 listener `key` (fixture_stack.H2_LISTENERS): https for the TLS
        ones (ALPN h2), http for the prior-knowledge ones, under the name the stack gives them."""
        return cls.stack.h2_url(key, path)

    @classmethod
    def cert(cls, name):
        """Path of make_certs.sh's file `name` (e.g. 'ca.pem', 'expired.pem') in this stack."""
        return os.path.join(cls.stack.cert_dir, name)

    @staticmethod
    def address(n):
        """The address of h<n>.test."""
        return fixture_stack.address_for(n)

    # -- expected rows ----------------------------------------------------------------------------

    def base(self, url, name="h1.test", n=1, **fields):
        """The fields every row of a URL fetched once from h<n>.test has, plus `fields`."""
        row = {"line": 1, "url": url, "final_url": url, "host": name, "ip": self.address(n),
               "port": self.port, "redirects": 0, "attempts": 1}
        row.update(fields)
        return row

    def answer(self, **fields):
        """The response columns of the fixture's usual head, plus `fields`."""
        row = {"status": 200, "reason": "OK", "http_version": "1.1", "server": SERVER}
        row.update(fields)
        return row

    # -- running urlsweep -------------------------------------------------------------------------

    def write_input(self, name, lines, raw=None):
        """Writes an input file (a list of lines, or raw bytes) and returns its path."""
        path = os.path.join(self.tmp, name)
        data = raw if raw is not None else "".join(line + "\n" for line in lines).encode()
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wb") as f:
            f.write(data)
        return path

    def run_urlsweep(self, args, stdin_bytes=None, timeout=SCAN_TIMEOUT_S, wrap=(), env=None):
        """Runs urlsweep with `args` (and our resolver unless args name one) in clean_env(env);
        returns (returncode, stdout, stderr, seconds)."""
        if not URLSWEEP_BIN or not os.access(URLSWEEP_BIN, os.X_OK):
            self.fail("urlsweep binary not found: set URLSWEEP_BIN or build the urlsweep target")
        argv = list(wrap) + [URLSWEEP_BIN]
        if "--resolver" not in args:
            argv += ["--resolver", "127.0.0.1:%d" % self.stack.dns_port]
        argv += list(args)
        started = time.monotonic()
        try:
            proc = subprocess.run(argv, input=stdin_bytes if stdin_bytes is not None else b"",
                                  capture_output=True, timeout=timeout, env=clean_env(env))
        except subprocess.TimeoutExpired:
            self.fail("urlsweep ran past %d s: %s" % (timeout, " ".join(argv)[:500]))
        elapsed = time.monotonic() - started
        return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
                proc.stderr.decode("utf-8", "replace"), elapsed)

    def scan(self, lines=None, *args, files=None, stdin=None, fmt="jsonl", timeout=SCAN_TIMEOUT_S,
             wrap=(), env=None):
        """Scans `lines` (written to a file) or `files`, or `stdin` (bytes) when both are None.
        Extra flags in `args`, extra environment variables in `env`. Output on standard output in
        `fmt`. Asserts exit status 0."""
        argv = ["-q", "--format", fmt, "-o", "-"] + list(args)
        if lines is not None:
            argv.append(self.write_input("input-%d.txt" % time.monotonic_ns(), lines))
        if files:
            argv += list(files)
        code, out, err, elapsed = self.run_urlsweep(argv, stdin_bytes=stdin, timeout=timeout,
                                                    wrap=wrap, env=env)
        rows = parse_jsonl(out) if fmt == "jsonl" else parse_csv(out)
        result = ScanResult(code, out, err, rows, elapsed)
        self.assertEqual(code, 0, result.describe())
        self.assertEqual(result.duplicates, [], "lines reported twice")
        return result

    def scan_one(self, url, *args, **kwargs):
        """Scans one URL and returns its row."""
        result = self.scan([url], *args, **kwargs)
        self.assertEqual(len(result.rows), 1, result.describe())
        return result.rows[0]

    # -- checks -----------------------------------------------------------------------------------

    def assertRow(self, row, **expected):
        """Every given field has exactly the given value (None = absent)."""
        actual = {key: row.get(key) for key in expected}
        if actual != expected:
            short = {k: (v[:120] + "...(%d chars)" % len(v) if isinstance(v, str) and len(v) > 120
                         else v) for k, v in row.items()}
            differing = {k: (_short(actual[k]), _short(expected[k]))
                         for k in expected if actual[k] != expected[k]}
            self.fail("fields (actual, expected): %s\nrow: %s" % (
                differing, json.dumps(short, sort_keys=True)))

    def assertExactRow(self, row, **expected):
        """The whole row: every output column but the timings (TIMING_COLUMNS) has exactly the
        given value, and every column not given is absent. Values may be OneOf or Matches."""
        actual = {key: row.get(key) for key in COLUMNS if key not in TIMING_COLUMNS}
        unknown = set(expected) - set(actual)
        if unknown:
            self.fail("not contract columns: %s" % sorted(unknown))
        wanted = {key: expected.get(key) for key in actual}
        differing = {k: (_short(actual[k]), _short(wanted[k])) for k in actual if actual[k] != wanted[k]}
        if differing:
            self.fail("fields (actual, expected): %s\nrow: %s" % (
                differing, json.dumps({k: _short(v) for k, v in row.items()}, sort_keys=True)))
        self.assertIsInstance(row.get("total_ms"), (int, float), "total_ms")
        parse_timestamp(row.get("started_at"))

    def fetch(self, path, host="127.0.0.1", method="GET"):
        """The fixture's own answer to `path`, read directly (status, headers dict, body)."""
        conn = http.client.HTTPConnection(host, self.port, timeout=10)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def count(self, address=""):
        """(connections, requests) the fixture saw on `address` (all addresses when empty). Asked
        over 127.0.0.1, so asking does not change the counts of another address."""
        _, _, body = self.fetch("/count?addr=" + address if address else "/count")
        values = dict(line.split() for line in body.decode().splitlines())
        return int(values["connections"]), int(values["requests"])

    def tls_count(self, address=""):
        """(handshakes, resumed) the fixture's TLS listeners finished on `address` (all when empty)."""
        _, _, body = self.fetch("/count?addr=" + address if address else "/count")
        values = dict(line.split() for line in body.decode().splitlines())
        return int(values["tls_handshakes"]), int(values["tls_resumed"])

    def h2_count(self, address=""):
        """(connections, requests) the fixture's HTTP/2 ports saw on `address` (all when empty), asked
        over HTTP/1.1 on 127.0.0.1 so that asking opens no HTTP/2 connection."""
        _, _, body = self.fetch("/count?addr=" + address if address else "/count")
        values = dict(line.split() for line in body.decode().splitlines())
        return int(values["h2_connections"]), int(values["h2_requests"])

    def stats(self, addr=None, host=None):
        """What the fixture saw of the requests (TrafficStats, /stats) on listening address `addr`,
        or with Host name `host`, or all of them: {'requests', 'in_flight', 'max_in_flight': int,
        'arrivals': [seconds since the fixture started]}. Our own /count and /stats requests are
        not part of it."""
        query = ""
        if addr:
            query = "?addr=" + addr
        elif host:
            query = "?host=" + host
        return self._parse_stats(self.fetch("/stats" + query)[2])

    def reset_stats(self):
        """Clears the fixture's TrafficStats (counts, arrivals, maxima, /retry-after marks)."""
        return self._parse_stats(self.fetch("/stats-reset")[2])

    @staticmethod
    def _parse_stats(body):
        values = {}
        for line in body.decode().splitlines():
            key, _, rest = line.partition(" ")
            values[key] = rest
        return {"requests": int(values["requests"]), "in_flight": int(values["in_flight"]),
                "max_in_flight": int(values["max_in_flight"]),
                "arrivals": [int(t) / 1e6 for t in values["arrivals_us"].split()]}

    def dnsmasq_queries(self, name, qtype="A"):
        """How many `qtype` queries for `name` dnsmasq logged (it logs as it answers)."""
        needle = "query[%s] %s from " % (qtype, name)
        try:
            with open(self.stack.dnsmasq_log, errors="replace") as f:
                return sum(1 for line in f if needle in line)
        except FileNotFoundError:
            return 0

    def dns_fixture_queries(self, name, transport, qtype="A"):
        needle = "%s %s %s\n" % (transport, qtype, name)
        try:
            with open(self.stack.dns_fixture_log, errors="replace") as f:
                return sum(1 for line in f if line == needle)
        except FileNotFoundError:
            return 0


# The Node packages the tests read results back with (DuckDB, hyparquet): pinned by package-lock.json
# there and installed once by tools/install_deps.sh (`npm ci`); no test installs anything itself.
READBACK_DIR = os.path.join(ROOT, "tests", "output", "parquet_readback")
NODE_MODULES = os.path.join(READBACK_DIR, "node_modules")


def require_duckdb(test):
    """Skips `test` unless node and @duckdb/node-api are there (tools/install_deps.sh installs both).
    Under URLSWEEP_CI_STRICT=1 main() turns that skip into a failure: CI must read results back."""
    if shutil.which("node") is None:
        test.skipTest("node not installed: run tools/install_deps.sh")
    if not os.path.isfile(os.path.join(NODE_MODULES, "@duckdb", "node-api", "package.json")):
        test.skipTest("@duckdb/node-api not in %s: run tools/install_deps.sh" % NODE_MODULES)


# Skips that are legitimately optional: what the project cannot install or grant on every machine.
# Key: Class.test_method; value: a text the skip's reason must contain (the same test skipped for
# another reason, such as DuckDB missing, is not optional). Under URLSWEEP_CI_STRICT=1 (.ci/run) any
# other skip fails the group.
OPTIONAL_SKIPS = {
    # kubectl: Debian 12's kubernetes-client is 1.20, whose kustomize (v2) cannot build
    # deploy/kubernetes (`patches:`, a folder under `resources:`), so install_deps.sh installs none;
    # a newer kubectl is used where the machine has one.
    "DeployExamplesTest.test_manifests_and_script_validate": "kubectl not installed",
    "DeployExamplesTest.test_kubernetes_job_pods_cover_the_list": "kubectl not installed",
    # Privileges a container may not grant, not packages.
    "ConnectTest.test_down_network_is_connect_unreachable": "unshare --net is not permitted",
    "FaultsTest.test_output_on_a_full_file_system": "cannot mount a tmpfs",
}

# Exit status of a group that passed with some tests skipped: ctest's SKIP_RETURN_CODE
# (tests/integration/CMakeLists.txt), so a skip shows as "Skipped", never as "Passed".
EXIT_SKIPPED = 77


def _skip_key(test):
    method = getattr(test, "_testMethodName", None)
    return "%s.%s" % (type(test).__name__, method) if method else str(test)


def main():
    """unittest.main, but a run with skipped tests exits EXIT_SKIPPED (plain unittest exits 0, which
    ctest would show as a pass), and under URLSWEEP_CI_STRICT=1 a skip outside OPTIONAL_SKIPS fails."""
    result = unittest.main(verbosity=2, exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    if not result.skipped:
        sys.exit(0)
    strict = os.environ.get("URLSWEEP_CI_STRICT") == "1"
    unexpected = []
    for test, reason in result.skipped:
        optional = OPTIONAL_SKIPS.get(_skip_key(test), "\0") in reason
        print("SKIPPED %s: %s%s" % (_skip_key(test), reason, " (optional)" if optional else ""),
              file=sys.stderr)
        if not optional:
            unexpected.append(_skip_key(test))
    if strict and unexpected:
        print("URLSWEEP_CI_STRICT=1: %d skipped test(s) that CI must run: %s" % (
            len(unexpected), ", ".join(unexpected)), file=sys.stderr)
        sys.exit(1)
    sys.exit(EXIT_SKIPPED)
