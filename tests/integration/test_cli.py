#!/usr/bin/env python3
"""The command line as users meet it: curl's names give the same rows as the long forms, combined
short flags, -o=x refused, -4/-6, --fail-on exit statuses (130 before 2), --format text lines with
and without a terminal (script(1) gives one), the man page, and `cmake --install`."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import fixtures

BUILD_DIR = os.path.dirname(os.path.dirname(fixtures.URLSWEEP_BIN)) if fixtures.URLSWEEP_BIN else ""
MAN_PAGE = os.path.join(BUILD_DIR, "scanner", "urlsweep.1")
# ECMA-48 SGR: what the text lines are coloured with on a terminal.
GREEN, YELLOW, RED, RESET = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[0m"


def read(path):
    """The text of `path`, or "" while it does not exist."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def without_timings(rows):
    return [{k: v for k, v in row.items() if k not in fixtures.TIMING_COLUMNS} for row in rows]


class CurlNamesTest(fixtures.FixtureTestCase):

    def same_rows(self, urls, curl_args, long_args):
        a = self.scan(urls, *curl_args)
        b = self.scan(urls, *long_args)
        self.assertEqual(len(a.rows), len(urls), a.describe())
        self.assertEqual(without_timings(sorted(a.rows, key=lambda r: r["line"])),
                         without_timings(sorted(b.rows, key=lambda r: r["line"])),
                         "%s vs %s" % (curl_args, long_args))
        return a.by_line

    def test_head(self):
        rows = self.same_rows([self.url("/title/x")], ["-I"], ["--method", "HEAD"])
        self.assertRow(rows[1], status=200, body_bytes=0, title=None)
        self.same_rows([self.url("/title/x")], ["--head"], ["--method=HEAD"])

    def test_user_agent(self):
        rows = self.same_rows([self.url("/echo/user-agent")], ["-A", "curl-fingers/1"],
                              ["--user-agent", "curl-fingers/1"])
        self.assertRow(rows[1], status=200, title="curl-fingers/1")

    def test_max_time(self):
        rows = self.same_rows([self.url("/delay/30000")], ["-m", "1", "--retries", "0"],
                              ["--timeout", "1", "--retries", "0"])
        self.assertRow(rows[1], error="timeout", status=None)
        self.same_rows([self.url("/delay/30000")], ["--max-time=1", "--retries", "0"],
                       ["--timeout=1", "--retries", "0"])

    def test_location_and_max_redirs(self):
        url = self.url("/redirect/12")
        rows = self.same_rows([url], ["-L"], ["--follow", "10"])
        self.assertRow(rows[1], error="too_many_redirects", redirects=10)
        rows = self.same_rows([self.url("/redirect/3")], ["--location"], ["--follow", "10"])
        self.assertRow(rows[1], status=200, redirects=3, error=None)
        rows = self.same_rows([self.url("/redirect/3")], ["-L", "--max-redirs", "1"], ["--follow", "1"])
        self.assertRow(rows[1], error="too_many_redirects", redirects=1)
        # --max-redirs alone sets --follow.
        rows = self.same_rows([self.url("/redirect/3")], ["--max-redirs", "5"], ["--follow", "5"])
        self.assertRow(rows[1], status=200, redirects=3)

    def test_insecure_and_cacert(self):
        self_signed = self.tls_url("self")
        rows = self.same_rows([self_signed], ["-k"], ["--tls-verify", "off"])
        self.assertRow(rows[1], status=200, tls_verify=None, error=None)
        self.same_rows([self_signed], ["--insecure", "--tls-verify", "strict"], ["--tls-verify=strict"])
        valid = self.tls_url("valid")
        rows = self.same_rows([valid], ["--cacert", self.cert("ca.pem")], ["--ca-file", self.cert("ca.pem")])
        self.assertRow(rows[1], status=200, tls_verify="ok")

    def test_proxy(self):
        # Nothing listens on the proxy's port: both rows say proxy_error for the same proxy.
        with socket_on_free_port() as port:
            proxy = "http://127.0.0.1:%d" % port
        rows = self.same_rows([self.url("/")], ["-x", proxy, "--retries", "0"],
                              ["--proxy", proxy, "--retries", "0"])
        self.assertRow(rows[1], error="proxy_error", ip="127.0.0.1", port=port)

    def test_silent(self):
        for short in (["-s"], ["--silent"]):
            # Forced on, then off again by the curl name: the last one wins, as with -q.
            code, out, err, _ = self.run_urlsweep(["--progress"] + short + [
                "--format", "jsonl", self.write_input("s.txt", [self.url("/")])])
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(len(fixtures.parse_jsonl(out)), 1)
        self.same_rows([self.url("/")], ["-s"], ["--quiet"])

    def test_version(self):
        self.assertEqual(self.run_urlsweep(["-V"])[:3], self.run_urlsweep(["--version"])[:3])
        self.assertRegex(self.run_urlsweep(["-V"])[1], r"^urlsweep \d+\.\d+\.\d+\n$")

    def test_combined_short_flags(self):
        urls = [self.url("/redirect/2"), self.tls_url("self")]
        rows = self.same_rows(urls, ["-sLk"], ["-q", "--follow", "10", "--tls-verify", "off"])
        self.assertRow(rows[1], status=200, redirects=2)
        self.assertRow(rows[2], status=200, error=None)
        out = os.path.join(self.tmp, "combined.csv")
        code, stdout, err, _ = self.run_urlsweep(["-sLo", out, self.write_input("c.txt", [urls[0]])])
        self.assertEqual((code, stdout, err), (0, "", ""))
        rows = fixtures.parse_csv(read(out))
        self.assertRow(rows[0], status=200, redirects=2)
        code, _, err, _ = self.run_urlsweep(["--output=" + out + ".jsonl", self.write_input("d.txt", [urls[0]])])
        self.assertEqual(code, 0, err)
        self.assertEqual(len(fixtures.parse_jsonl(read(out + ".jsonl"))), 1)

    def test_short_flag_with_equals_is_refused(self):
        cwd = tempfile.mkdtemp(dir=self.tmp)
        proc = subprocess.run([fixtures.URLSWEEP_BIN, "-o=out.csv", "-"], input=b"", cwd=cwd,
                              capture_output=True, timeout=60, env=fixtures.clean_env())
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.decode(), "urlsweep: -o=out.csv: write -o out.csv or --output=out.csv\n")
        self.assertEqual(os.listdir(cwd), [])


class IpVersionTest(fixtures.FixtureTestCase):

    def test_4_and_6_on_a_name_with_both(self):
        url = self.url("/", name="both.test")
        self.assertRow(self.scan_one(url, "-4"), ip="127.0.0.1", status=200)
        self.assertRow(self.scan_one(url, "--ip-version", "4"), ip="127.0.0.1", status=200)
        self.assertRow(self.scan_one(url, "-6"), ip="::1", status=200)
        self.assertRow(self.scan_one(url, "--ip-version=6"), ip="::1", status=200)

    def test_6_asks_only_for_aaaa(self):
        url = self.url("/", name="fallback.test")
        a_before = self.dnsmasq_queries("fallback.test", "A")
        aaaa_before = self.dnsmasq_queries("fallback.test", "AAAA")
        # fallback.test's A address refuses: with -6 it is never tried, so one connection, to ::1.
        row = self.scan_one(url, "-6", "--retries", "0")
        self.assertRow(row, ip="::1", status=200, attempts=1)
        self.assertEqual(self.dnsmasq_queries("fallback.test", "A"), a_before)
        self.assertGreater(self.dnsmasq_queries("fallback.test", "AAAA"), aaaa_before)

    def test_a_name_without_the_family(self):
        url = self.url("/", name="v6.test")
        self.assertExactRow(self.scan_one(url, "-4"), line=1, url=url, final_url=url, host="v6.test",
                            error="dns_nodata", error_detail="name has no A record (-4: IPv4 only)",
                            redirects=0, attempts=1)
        url = self.url("/", name="h3.test")
        self.assertExactRow(self.scan_one(url, "-6"), line=1, url=url, final_url=url, host="h3.test",
                            error="dns_nodata", error_detail="name has no AAAA record (-6: IPv6 only)",
                            redirects=0, attempts=1)

    def test_a_literal_of_the_other_family(self):
        v6 = "http://[::1]:%d/" % self.port
        self.assertExactRow(self.scan_one(v6, "-4"), line=1, url=v6, final_url=v6, host="[::1]",
                            error="connect_unreachable", error_detail="IPv6 address excluded by -4",
                            redirects=0, attempts=1)
        v4 = "http://127.0.0.1:%d/" % self.port
        self.assertExactRow(self.scan_one(v4, "-6"), line=1, url=v4, final_url=v4, host="127.0.0.1",
                            error="connect_unreachable", error_detail="IPv4 address excluded by -6",
                            redirects=0, attempts=1)
        self.assertRow(self.scan_one(v6, "-6"), ip="::1", status=200)
        self.assertRow(self.scan_one(v4, "-4"), ip="127.0.0.1", status=200)


class FailOnTest(fixtures.FixtureTestCase):

    def exit_of(self, urls, *args):
        code, out, err, _ = self.run_urlsweep(["-q", "--format", "jsonl", *args,
                                               self.write_input("f-%d.txt" % time.monotonic_ns(), urls)])
        self.assertEqual(len(fixtures.parse_jsonl(out)), len(urls), err)
        return code, err

    def test_exit_2_when_a_row_matches(self):
        ok, nx = self.url("/status/200"), self.url("/", name="no-such.test")
        not_found, unavailable = self.url("/status/404"), self.url("/status/503")
        cases = [
            ([ok], ["--fail-on", "error"], 0),
            ([ok, nx], ["--fail-on", "error"], 2),
            ([ok, nx], ["--fail-on", "dns_nxdomain"], 2),
            ([ok, nx], ["--fail-on", "connect_refused,timeout"], 0),
            ([ok, not_found], ["--fail-on", "5xx"], 0),
            ([ok, unavailable], ["--fail-on", "5xx"], 2),
            ([ok, not_found], ["--fail-on=4xx"], 2),
            ([ok, not_found], ["--fail-on", "404"], 2),
            ([ok, not_found], ["--fail-on", "403,500"], 0),
            ([ok, nx, not_found], [], 0),
            ([ok, nx], ["--fail-on", "5xx", "--fail-on", "error"], 2),
        ]
        for urls, args, expected in cases:
            code, err = self.exit_of(urls, *args)
            self.assertEqual(code, expected, "%s %s: %s" % (args, urls, err))
            self.assertEqual(err, "")

    def test_unknown_word_is_a_bad_flag(self):
        code, out, err, _ = self.run_urlsweep(["--fail-on", "error,dns_nxdomian", "-"])
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "urlsweep: --fail-on: expected error, an error word, 4xx, 5xx or a status "
                              "code, comma-separated, got 'dns_nxdomian'\n")

    def test_signal_comes_before_fail_on(self):
        out = os.path.join(self.tmp, "signal.jsonl")
        # The failed row is written while /hang keeps the run going; /delay's row, finished after the
        # output's checkpoint interval, makes the output thread flush both to the file.
        urls = [self.url("/", name="no-such.test"), self.url("/delay/6000"), self.url("/hang")]
        argv = [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port, "-q",
                "--timeout", "300", "--read-timeout", "300", "--fail-on", "error", "-o", out,
                self.write_input("sig.txt", urls)]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=fixtures.clean_env())
        try:
            fixtures.wait_until(lambda: "dns_nxdomain" in read(out), "the failed row in the output")
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 130, err.decode())


class TextLinesTest(fixtures.FixtureTestCase):

    def in_terminal(self, args, input_path):
        """Runs urlsweep under script(1), which gives it a pseudo-terminal for standard output (and
        standard error); returns (exit status, what the terminal showed, with CRLF as LF)."""
        if shutil.which("script") is None:
            self.fail("script(1) not found: util-linux/bsdutils (tools/install_deps.sh)")
        command = " ".join([fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port]
                           + args + [input_path])
        proc = subprocess.run(["script", "-qec", command, "/dev/null"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=120, env=fixtures.clean_env({"TERM": "xterm"}))
        return proc.returncode, proc.stdout.decode("utf-8", "replace").replace("\r\n", "\n")

    def urls(self):
        return [self.url("/title/Hello%20there"), self.url("/redirect/1"), self.url("/status/404"),
                self.url("/", name="no-such.test")]

    def assertLines(self, text, colour):
        """The four lines of urls(), in any order, coloured or not, each exactly as expected but for
        the time (`123.4 ms`) and the resolver's wording of the NXDOMAIN detail."""
        g, y, r, e = (GREEN, YELLOW, RED, RESET) if colour else ("", "", "", "")
        urls = self.urls()
        expected = {
            urls[0]: "^" + re.escape(urls[0] + " " + g + "200" + e + " Hello there") + r" \d+\.\d ms$",
            urls[1]: "^" + re.escape(urls[1] + " " + y + "302" + e + " redirect") + r" \d+\.\d ms$",
            urls[2]: "^" + re.escape(urls[2] + " " + r + "404" + e + " 404 Not Found") + r" \d+\.\d ms$",
            urls[3]: "^" + re.escape(urls[3] + " " + r + "dns_nxdomain: ") + "[^\x1b]+" + re.escape(e) + "$",
        }
        lines = [line for line in text.split("\n") if line]
        self.assertEqual(sorted(line.split(" ", 1)[0] for line in lines), sorted(urls), repr(text))
        for line in lines:
            self.assertRegex(line, expected[line.split(" ", 1)[0]])
        if not colour:
            self.assertNotIn("\x1b", text)

    def test_default_on_a_terminal_is_coloured_text(self):
        code, shown = self.in_terminal([], self.write_input("t.txt", self.urls()))
        self.assertEqual(code, 0, shown)
        # The lines are the progress there: no progress line is drawn over them.
        self.assertNotIn("in flight", shown)
        self.assertLines(shown, colour=True)

    def test_format_text_into_a_pipe_has_no_colour(self):
        code, out, err, _ = self.run_urlsweep(["-q", "--format", "text", self.write_input("p.txt", self.urls())])
        self.assertEqual((code, err), (0, ""))
        self.assertLines(out, colour=False)

    def test_default_into_a_pipe_stays_csv(self):
        code, out, err, _ = self.run_urlsweep(["-q", self.write_input("c.txt", self.urls())])
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith(",".join(fixtures.COLUMNS) + "\r\n"), out[:200])

    def test_output_file_on_a_terminal_stays_by_extension(self):
        path = os.path.join(self.tmp, "term.csv")
        code, shown = self.in_terminal(["-q", "-o", path], self.write_input("o.txt", self.urls()))
        self.assertEqual((code, shown), (0, ""))
        self.assertEqual(len(fixtures.parse_csv(read(path))), 4)

    def test_text_to_a_file_resumes_like_the_other_text_formats(self):
        path = os.path.join(self.tmp, "resumed.txt")
        code, _, err, _ = self.run_urlsweep(["-q", "--format", "text", "-o", path,
                                             self.write_input("r.txt", self.urls())])
        self.assertEqual(code, 0, err)
        code, _, err, _ = self.run_urlsweep(["-q", "--format", "text", "--resume", "-o", path,
                                             self.write_input("r.txt", self.urls())])
        self.assertEqual(code, 0, err)
        self.assertLines(read(path), colour=False)


class InstallTest(fixtures.FixtureTestCase):

    def help_flags(self):
        code, out, err, _ = self.run_urlsweep(["--help"])
        self.assertEqual(code, 0, err)
        flags = set()
        for line in out.splitlines():
            if re.match(r"^ {2,6}-", line):
                names = re.split(r"\s{2,}", line.strip())[0]
                flags.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w.-]*)", names))
        self.assertGreater(len(flags), 40, out)
        return flags, out

    def render(self, path):
        # Wide lines and no hyphenation, so that every flag stays whole on one line.
        proc = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-rLL=200n", "-rHY=0", "-P", "-cbou", path],
                              capture_output=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stderr.decode()), (0, ""))
        return proc.stdout.decode()

    def test_man_page_renders_and_lists_every_help_flag(self):
        if shutil.which("groff") is None:
            self.fail("groff not found: groff-base (tools/install_deps.sh)")
        flags, help_text = self.help_flags()
        self.assertIn("urlsweep report", help_text)
        page = self.render(MAN_PAGE)
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "EXIT STATUS", "ENVIRONMENT"):
            self.assertRegex(page, r"(?m)^%s$" % section)
        words = set(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w.-]*)", page))
        self.assertEqual(sorted(flags - words), [])
        self.assertIn("urlsweep report", page)
        self.assertIn("dns_nxdomain", page)
        if shutil.which("man"):
            proc = subprocess.run(["man", "-l", MAN_PAGE], capture_output=True, timeout=60,
                                  env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="120"))
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
            self.assertIn("--fail-on", proc.stdout.decode())

    def test_cmake_install_puts_binary_and_man_page(self):
        prefix = tempfile.mkdtemp(dir=self.tmp)
        proc = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], capture_output=True,
                              timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        binary = os.path.join(prefix, "bin", "urlsweep")
        page = os.path.join(prefix, "share", "man", "man1", "urlsweep.1")
        self.assertTrue(os.access(binary, os.X_OK), os.listdir(prefix))
        self.assertTrue(os.path.isfile(page))
        version = subprocess.run([binary, "--version"], capture_output=True, timeout=60)
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout.decode(), r"^urlsweep \d+\.\d+\.\d+\n$")
        self.assertIn("\\-\\-fail\\-on", read(page))


class socket_on_free_port:
    """A port nothing listens on once the block ends: bound to find it, then closed."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


if __name__ == "__main__":
    fixtures.main()
