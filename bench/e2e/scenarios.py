"""The scenarios of the end-to-end benchmark (bench/README.md). Each appends Measurements to the
run's list and returns what the targets need."""

import copy
import csv
import os
import subprocess
import threading
import time

from clients import BASELINE_SUFFIX, Measurement
from dns_server import address_for
from measured_process import MeasuredProcess, vm_hwm_kib

# The fixture's artificial latency in S3: every response 1 s after its request. Long enough that the
# bound c / delay (10,000 URLs/s at -c 10000) measures latency hiding, whether urlsweep keeps c requests
# waiting at once, rather than CPU: at 200 ms the bound was 50,000 URLs/s, more than two shared cores
# can do at any client cost (bench/README.md).
S3_DELAY_MS = 1000
# S3's URLs use this many names (addresses): enough that no one address:port carries 10,000
# connections, few enough that DNS is no part of the figure (S1 measures lookups; with 1,024 names
# and -c 10000 the lookup burst itself fails, see bench/README.md).
S3_NAMES = 64
# S7: every https response 2 s after its request, so that all of a run's connections are in flight
# at once (the handshakes of -c 2000 against a one-thread fixture take about a second on a loaded
# 2-core machine; the fixture's max_in_flight tells whether they really overlapped).
S7_DELAY_MS = 5000
# S4's resumption rows: this many URLs per name (8, as the issue's target is stated), each on a
# connection of its own.
S4_URLS_PER_HOST = 8
S4_RESUME_LABEL = "urlsweep 8 URLs/name, Connection: close, server resumes"
S4_FULL_LABEL = "urlsweep 8 URLs/name, Connection: close, server cannot resume"
# S6's URLs cycle over this many names: many, so that the host hash spreads them over the loops (one
# host's URLs all go to one loop), each name reused (keep-alive), as a list of many sites' pages.
S6_NAMES = 1024
# S5's URLs point at this many names (one nginx): few names, as the issue allows, so the run measures
# the memory of the scan over many lines rather than of a DNS cache over many names.
S5_NAMES = 64
# S5's concurrency: high, for a fast run; --per-host lets every name use its share.
S5_CONCURRENCY = 1024
S5_PER_HOST = S5_CONCURRENCY // S5_NAMES
# Lines written to urlsweep's standard input per write in S5 (a pipe keeps the feeder and the scanner
# in step, so "lines fed" is within a pipe buffer and an input batch of "lines read").
S5_BLOCK_LINES = 4096
# Where S5 samples the scanner's peak RSS, in lines fed: RSS against input length as the run goes.
S5_CHECKPOINTS = (100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000)
# S10: URLs through an NTLM squid at this concurrency (curl --parallel-max the same), over this many
# names (squid's hosts_file maps them to nginx's addresses; the proxy resolves them).
S10_CONCURRENCY = 64
S10_NAMES = 64
# How long the scanner gets to finish the lines in flight after its input ends.
S5_DRAIN_S = 60
# S8: URLs on one HTTPS host that speaks HTTP/2 (nginx), and the requests every client keeps in flight
# (curl --parallel-max, urlsweep -c and --per-host): one HTTP/2 connection can carry them all as
# streams (nginx allows 128), HTTP/1.1 needs as many connections.
S8_URLS = 20000
S8_IN_FLIGHT = 100


# S9: the concurrency of both clients, and how many origins (addresses) its URLs name.
S9_CONCURRENCY = 64
S9_ORIGINS = 64


def write_lines(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(line + "\n")
    return path


def distinct_urls(count, port, scheme="http", first=0):
    """(url, name, port, n): one URL per name h<n>.test."""
    return [("%s://h%d.test:%d/" % (scheme, n, port), "h%d.test" % n, port, n)
            for n in range(first, first + count)]


def one_host_urls(count, port, name_index=0):
    url = "http://h%d.test:%d/" % (name_index, port)
    return [(url, "h%d.test" % name_index, port, name_index)] * count


class Scenarios:
    def __init__(self, workdir, clients, scale, concurrency, nginx, fixture, log, repeat=1):
        self.dir = workdir
        self.repeat = repeat
        self.clients = clients
        self.scale = scale
        self.c = concurrency
        self.nginx = nginx
        self.fixture = fixture
        self.log = log
        self.samples = {}  # (scenario, client) -> [Measurement], in the order of first run
        self.skipped = {}  # scenario -> why
        self.extra = {}    # figures that are not a client's row (S3's KiB per connection, S5's samples)

    @property
    def results(self):
        """One Measurement per client and scenario: with --repeat, the run of median rate."""
        out = []
        for runs in self.samples.values():
            ranked = sorted(runs, key=lambda m: m.rate)
            m = copy.copy(ranked[(len(ranked) - 1) // 2])
            if len(runs) > 1:
                rates = "/".join("%.0f" % r.rate for r in runs)
                m.note = ("median of %d (%s URLs/s)" % (len(runs), rates)) + ("; " + m.note if m.note else "")
            out.append(m)
        return out

    def _add(self, m):
        self.samples.setdefault((m.scenario, m.client), []).append(m)
        self.log("  %-4s %-34s %9.0f URLs/s  %7.1f us CPU/URL  %7.1f MiB  %s" % (
            m.scenario, m.client, m.rate, m.cpu_us_per_url, m.maxrss_kib / 1024, m.note))
        return m

    def _urlsweeps(self, scenario, urls_file, n, flags, **kwargs):
        """urlsweep, then the --baseline binary when there is one: their Measurements, added."""
        out = [self._add(self.clients.urlsweep(scenario, urls_file, n, flags, **kwargs))]
        if self.clients.baseline_bin:
            out.append(self._add(self.clients.urlsweep(scenario, urls_file, n, flags, baseline=True,
                                                       **kwargs)))
        return out

    # S1: every URL a name of its own, so every URL a DNS lookup and a new connection.
    def s1(self, with_aiohttp):
        n, refs = self.scale["s1_urls"], self.scale["s1_ref_urls"]
        port = self.nginx.port
        urls = distinct_urls(n, port)
        urls_file = write_lines(os.path.join(self.dir, "s1.txt"), [u for u, _, _, _ in urls])
        # Diagnostic, not a target: the same connections without DNS (address literals) and closed
        # by the server as wrk's are, which isolates what the lookups cost.
        literal_file = write_lines(os.path.join(self.dir, "s1-literals.txt"),
                                   ["http://%s:%d/" % (address_for(i), port) for i in range(n)])
        # The references get names urlsweep has not asked for (dnsmasq answers every name from its
        # hosts file either way; each client process starts with an empty cache of its own).
        ref_urls = distinct_urls(refs, port, first=n)
        ref_file = write_lines(os.path.join(self.dir, "s1-aiohttp.txt"),
                               [u for u, _, _, _ in distinct_urls(refs, port, first=n + refs)])
        # Repetitions interleave the clients, so a change in the machine's load hits all of them.
        for _ in range(self.repeat):
            self._urlsweeps("S1", urls_file, n, ["-c", self.c])
            self._urlsweeps("S1", literal_file, n, ["-c", self.c, "-H", "Connection: close"],
                            label="urlsweep, IP literals, no DNS (diagnostic)")
            self._add(self.clients.wrk("S1", "http://127.0.0.1:%d/" % port, self.c, self.scale["wrk_s"],
                                       close=True, label="wrk -H 'Connection: close'"))
            self._add(self.clients.curl("S1", ref_urls, self.c, "curl --parallel (--resolve)"))
            if with_aiohttp:
                self._add(self.clients.aiohttp("S1", ref_file, refs, self.c, close=True,
                                               label="aiohttp (aiodns -> dnsmasq)"))

    # S9: every URL through a SOCKS5 proxy (microsocks, socks5h), against curl --parallel through the
    # same proxy. The URLs name 64 origins by address (microsocks would resolve names with the system
    # resolver); both clients keep the tunnels alive and reuse them. --per-host 1: one tunnel per
    # origin, 64 in all, which -c 64 keeps open (with more per origin, the 64 descriptors -c 64 allows
    # would close idle tunnels to open new ones, each a new thread in microsocks).
    def s9(self, socks):
        n = self.scale["s9_urls"]
        port = self.nginx.port
        urls = [("http://%s:%d/" % (address_for(i % S9_ORIGINS), port), address_for(i % S9_ORIGINS),
                 port, i % S9_ORIGINS) for i in range(n)]
        urls_file = write_lines(os.path.join(self.dir, "s9.txt"), [u for u, _, _, _ in urls])
        for _ in range(self.repeat):
            self._urlsweeps("S9", urls_file, n, ["-c", S9_CONCURRENCY, "--per-host", 1,
                                                "--proxy", socks.url("socks5h")],
                            label="urlsweep --proxy socks5h")
            self._add(self.clients.curl("S9", urls, S9_CONCURRENCY, "curl --parallel --proxy socks5h",
                                        proxy=socks.url("socks5h")))

    # S2: every URL on one name: one lookup, connections reused.
    def s2(self):
        n, refs = self.scale["s2_urls"], self.scale["s2_ref_urls"]
        port = self.nginx.port
        urls_file = write_lines(os.path.join(self.dir, "s2.txt"), [u for u, _, _, _ in one_host_urls(n, port)])
        for _ in range(self.repeat):
            self._urlsweeps("S2", urls_file, n, ["-c", self.c, "--per-host", self.c])
            self._add(self.clients.wrk("S2", "http://127.0.1.0:%d/" % port, self.c, self.scale["wrk_s"],
                                       close=False, label="wrk keep-alive"))
            self._add(self.clients.curl("S2", one_host_urls(refs, port), self.c, "curl --parallel"))

    # S6: the same list with --threads 1 and --threads 2: what a second loop costs per URL.
    def s6(self):
        n = self.scale["s6_urls"]
        port = self.nginx.port
        urls_file = write_lines(os.path.join(self.dir, "s6.txt"),
                                ["http://h%d.test:%d/" % (i % S6_NAMES, port) for i in range(n)])
        per_host = max(1, self.c // 64)
        for _ in range(self.repeat):
            for threads in (1, 2):
                self._urlsweeps("S6", urls_file, n, ["-c", self.c, "--per-host", per_host],
                                label="urlsweep --threads %d" % threads, threads=threads)

    # S3: the fixture delays every response; throughput is bounded by concurrency / delay.
    def s3(self):
        port = self.fixture.port
        files = {}
        for c in self.scale["s3_concurrency"]:
            n = c * self.scale["s3_rounds"]
            files[c] = (n, write_lines(os.path.join(self.dir, "s3-%d.txt" % c), [
                "http://h%d.test:%d/delay/%d" % (i % S3_NAMES, port, S3_DELAY_MS) for i in range(n)]))
        variants = [False] + ([True] if self.clients.baseline_bin else [])
        runs = {(b, c): [] for b in variants for c in files}
        for _ in range(self.repeat):
            for c, (n, urls_file) in files.items():
                for baseline in variants:
                    m = self.clients.urlsweep("S3", urls_file, n,
                                              ["-c", c, "--per-host", c, "--timeout", "60"],
                                              label="urlsweep -c %d" % c, baseline=baseline)
                    bound = c / (S3_DELAY_MS / 1000.0)
                    m.note = ("%.2fx the bound %.0f/s" % (m.rate / bound, bound)) + (
                        "; " + m.note if m.note else "")
                    self._add(m)
                    runs[(baseline, c)].append(m)
        for baseline in variants:
            suffix = "_baseline" if baseline else ""
            rss = {}
            for c in files:
                ms = runs[(baseline, c)]
                m = sorted(ms, key=lambda m: m.rate)[(len(ms) - 1) // 2]
                rss[c] = sorted(r.maxrss_kib for r in ms)[(len(ms) - 1) // 2]
                self.extra["s3_bound_ratio_%d%s" % (c, suffix)] = m.rate / (c / (S3_DELAY_MS / 1000.0))
            low, high = sorted(rss)
            self.extra["s3_kib_per_connection" + suffix] = (rss[high] - rss[low]) / (high - low)
            self.extra["s3_concurrency"] = (low, high)

    # S7: memory per in-flight TLS connection: one round of c https URLs, each answered after
    # S7_DELAY_MS, at two concurrencies; the difference of peak RSS over the difference of connections
    # is what one more TLS connection costs at its peak: OpenSSL's handshake buffers while its
    # handshake waits for the server, then the established session waiting for its answer.
    def s7(self):
        port = self.fixture.tls_port
        files = {}
        for c in self.scale["s7_concurrency"]:
            # An address literal: no DNS, one host (--per-host c), no SNI; --tls-verify off, as S4.
            files[c] = write_lines(os.path.join(self.dir, "s7-%d.txt" % c), [
                "https://127.0.0.1:%d/delay/%d" % (port, S7_DELAY_MS)] * c)
        variants = [False] + ([True] if self.clients.baseline_bin else [])
        rss = {(b, c): [] for b in variants for c in files}
        overlap = {c: [] for c in files}
        for _ in range(self.repeat):
            for c, urls_file in files.items():
                for baseline in variants:
                    self.fixture.stats(reset=True)
                    m = self.clients.urlsweep("S7", urls_file, c,
                                              ["-c", c, "--per-host", c, "--tls-verify", "off",
                                               "--timeout", "60", "--connect-timeout", "30",
                                               "--read-timeout", "60"],
                                              label="urlsweep https -c %d" % c, baseline=baseline)
                    seen = self.fixture.stats()["max_in_flight"]
                    overlap[c].append(seen)
                    m.note = ("%d of %d in flight at once" % (seen, c)) + ("; " + m.note if m.note else "")
                    self._add(m)
                    rss[(baseline, c)].append(m.maxrss_kib)
        low, high = sorted(files)
        self.extra["s7_concurrency"] = (low, high)
        self.extra["s7_min_in_flight"] = {c: min(v) for c, v in overlap.items()}
        for baseline in variants:
            med = {c: sorted(rss[(baseline, c)])[(len(rss[(baseline, c)]) - 1) // 2] for c in files}
            self.extra["s7_kib_per_connection" + ("_baseline" if baseline else "")] = (
                (med[high] - med[low]) / (high - low))

    # S4: S1 over https.
    def s4(self, tls_probe):
        supported, why = tls_probe()
        if not supported:
            self.skipped["S4"] = why
            self.log("  S4   skipped: " + why)
            return
        n = self.scale["s1_urls"]
        port = self.nginx.tls_port
        urls_file = write_lines(os.path.join(self.dir, "s4.txt"),
                                [u for u, _, _, _ in distinct_urls(n, port, scheme="https")])
        # Resumption: S4_URLS_PER_HOST URLs per name, one after another in the list (a site's pages),
        # every one a new connection (Connection: close), against nginx with and without resumption.
        grouped = write_lines(os.path.join(self.dir, "s4-grouped.txt"), [
            u for u, _, _, _ in distinct_urls(n // S4_URLS_PER_HOST, port, scheme="https")
            for _ in range(S4_URLS_PER_HOST)])
        grouped_resume = write_lines(os.path.join(self.dir, "s4-grouped-resume.txt"), [
            u for u, _, _, _ in distinct_urls(n // S4_URLS_PER_HOST, self.nginx.tls_resume_port,
                                               scheme="https")
            for _ in range(S4_URLS_PER_HOST)])
        grouped_n = (n // S4_URLS_PER_HOST) * S4_URLS_PER_HOST
        close = ["-c", self.c, "--tls-verify", "off", "-H", "Connection: close"]
        for _ in range(self.repeat):
            self._urlsweeps("S4", urls_file, n, ["-c", self.c, "--tls-verify", "off"])
            self._add(self.clients.wrk("S4", "https://127.0.0.1:%d/" % port, self.c, self.scale["wrk_s"],
                                       close=True, label="wrk https -H 'Connection: close'"))
            self._urlsweeps("S4", grouped_resume, grouped_n, close, label=S4_RESUME_LABEL)
            self._urlsweeps("S4", grouped, grouped_n, close, label=S4_FULL_LABEL)

    # S10: plain http URLs through squid asking for NTLM: a handshake (NEGOTIATE, CHALLENGE,
    # AUTHENTICATE) per connection to the proxy, then the connection reused; urlsweep against
    # curl --parallel --proxy-ntlm on the same squid in the same run.
    def s10(self, squid):
        n = self.scale["s10_urls"]
        port = self.nginx.port
        urls = [("http://h%d.test:%d/" % (i % S10_NAMES, port), "h%d.test" % (i % S10_NAMES), port,
                 i % S10_NAMES) for i in range(n)]
        urls_file = write_lines(os.path.join(self.dir, "s10.txt"), [u for u, _, _, _ in urls])
        authed = squid.url(user=squid.user, password=squid.password)
        plain = squid.url()

        def with_squid_cpu(run):
            # squid's own CPU per URL during the run: when it is near the run's wall time per URL,
            # squid, not the client, sets the rate.
            before = squid_cpu_s(squid)
            m = run()
            spent = squid_cpu_s(squid) - before
            m.note = ("squid %.0f us CPU/URL" % (1e6 * spent / n)) + ("; " + m.note if m.note else "")
            return m

        for _ in range(self.repeat):
            self._add(with_squid_cpu(lambda: self.clients.urlsweep(
                "S10", urls_file, n, ["-c", S10_CONCURRENCY, "--per-host", S10_CONCURRENCY, "--proxy", authed,
                                     "--proxy-auth", "ntlm"],
                label="urlsweep --proxy-auth ntlm -c %d" % S10_CONCURRENCY)))
            self._add(with_squid_cpu(lambda: self.clients.curl(
                "S10", urls, S10_CONCURRENCY, "curl --parallel-max %d --proxy-ntlm" % S10_CONCURRENCY,
                extra_config=['proxy = "%s"' % plain, "proxy-ntlm",
                              'proxy-user = "%s:%s"' % (squid.user, squid.password)])))

    # S5: peak RSS against the number of input lines, fed through a pipe.
    def s5(self):
        port = self.nginx.port
        block = "".join("http://h%d.test:%d/\n" % (i % S5_NAMES, port)
                        for i in range(S5_BLOCK_LINES)).encode()
        small, large = self.scale["s5_lines"]
        bound = self.scale["s5_bound_s"]
        out = {}
        for lines in (small, large):
            out[lines] = self._s5_run(lines, block, bound)
            if self.clients.baseline_bin:
                self.extra.setdefault("s5_baseline", {})[lines] = self._s5_run(lines, block, bound,
                                                                                baseline=True)
        self.extra["s5"] = out

    def _s5_run(self, lines, block, bound_s, baseline=False):
        clients = self.clients
        stdout, stderr = clients.paths("urlsweep-s5")
        argv = [clients.baseline_bin if baseline else clients.urlsweep_bin, "--resolver", clients.resolver, "-q", "--threads", "1",
                "--method", "HEAD", "-c", S5_CONCURRENCY, "--per-host", S5_PER_HOST, "--format", "csv",
                "-o", "/dev/null", "--summary", "-"]
        run = MeasuredProcess(argv, stdout, stderr, stdin=subprocess.PIPE).start()
        fed = [0]
        samples = []  # (lines fed, VmHWM KiB)
        stop = threading.Event()
        started = time.monotonic()

        def feed():
            checkpoints = [c for c in S5_CHECKPOINTS if c <= lines]
            try:
                while fed[0] < lines and not stop.is_set():
                    if time.monotonic() - started > bound_s:
                        break
                    take = min(S5_BLOCK_LINES, lines - fed[0])
                    data = block if take == S5_BLOCK_LINES else b"".join(block.splitlines(True)[:take])
                    run.proc.stdin.write(data)
                    fed[0] += take
                    while checkpoints and fed[0] >= checkpoints[0]:
                        samples.append((checkpoints.pop(0), vm_hwm_kib(run.pid)))
            except (BrokenPipeError, OSError):
                pass
            finally:
                try:
                    run.proc.stdin.close()
                except OSError:
                    pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        run.wait(bound_s + S5_DRAIN_S)
        stop.set()
        feeder.join(10)
        summary = run.stderr_tail(3000)
        rows = _summary_count(summary, "rows:")
        errors = _summary_count(summary, "errors:")
        note = ""
        if fed[0] < lines:
            note = "time bound %d s: %d of %d lines fed" % (bound_s, fed[0], lines)
        if run.timed_out:
            note = (note + "; " if note else "") + "stopped at its time bound"
        if errors:
            note = (note + "; " if note else "") + "%d errors" % errors
        m = Measurement("S5", "urlsweep %s lines" % _short(lines) + (BASELINE_SUFFIX if baseline else ""),
                        rows or fed[0],
                        (rows or fed[0]) - (errors or 0), run.wall_s, run.cpu_s, run.maxrss_kib,
                        note=note)
        self._add(m)
        return {"lines": lines, "fed": fed[0], "rows": rows, "maxrss_kib": run.maxrss_kib,
                "samples": samples, "complete": fed[0] == lines and not run.timed_out}


    # S8: 20,000 URLs on one HTTP/2 host: urlsweep as it is by default (HTTP/2 by ALPN once it speaks
    # it), urlsweep --http1.1 (where the flag exists), and curl --parallel --http2; how many connections
    # each used and over which protocol, from nginx's access log.
    def s8(self, h2_nginx, ca_file):
        urls = ["https://127.0.0.1:%d/s8/%d" % (h2_nginx.tls_port, i) for i in range(S8_URLS)]
        urls_file = write_lines(os.path.join(self.dir, "s8.txt"), urls)
        flags = self.clients.urlsweep_flags()
        common = ["-c", S8_IN_FLIGHT, "--per-host", S8_IN_FLIGHT, "--ca-file", ca_file]
        for _ in range(self.repeat):
            before = len(h2_nginx.requests())
            for m in self._urlsweeps("S8", urls_file, S8_URLS, common, label="urlsweep (default)"):
                before = self._s8_note(m, h2_nginx, before)
            if "--http1.1" in flags:
                for m in self._urlsweeps("S8", urls_file, S8_URLS, common + ["--http1.1"],
                                         label="urlsweep --http1.1"):
                    before = self._s8_note(m, h2_nginx, before)
            else:
                self.skipped["S8 urlsweep --http1.1"] = "this urlsweep has no --http1.1 (it speaks HTTP/1.1 only)"
            m = self._add(self.clients.curl_urls(
                "S8", urls, S8_IN_FLIGHT, "curl --parallel --http2",
                options=("http2", 'cacert = "%s"' % ca_file)))
            before = self._s8_note(m, h2_nginx, before)

    def _s8_note(self, m, h2_nginx, before):
        """Adds to `m`'s note the connections and protocols nginx logged since entry `before`; returns
        the log's new length."""
        entries = h2_nginx.requests()
        mine = entries[before:]
        protocols = sorted({r.protocol for r in mine})
        count = len({r.connection for r in mine})
        note = "%d connection%s, %s" % (count, "" if count == 1 else "s", "/".join(protocols) or "no request")
        m.note = note + ("; " + m.note if m.note else "")
        self.log("       %s" % note)
        return len(entries)


def squid_cpu_s(squid):
    """User + system CPU seconds squid (its pid file's process) has used so far."""
    with open(os.path.join(squid.squid_dir, "squid.pid")) as f:
        pid = int(f.read().split()[0])
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _summary_count(text, label):
    for line in text.splitlines():
        if line.startswith(label):
            digits = line[len(label):].split()[0].replace(",", "")
            if digits.isdigit():
                return int(digits)
    return None


def _short(n):
    return "%dM" % (n // 1_000_000) if n % 1_000_000 == 0 else "%dk" % (n // 1000)


def probe_tls(clients, nginx, workdir):
    """Whether this urlsweep speaks https: one URL to nginx's TLS port, and a row with a TLS version."""
    def probe():
        urls_file = write_lines(os.path.join(workdir, "tls-probe.txt"),
                                ["https://h0.test:%d/" % nginx.tls_port])
        out, err = clients.paths("tls-probe")
        csv_path = out + ".csv"
        run = MeasuredProcess([clients.urlsweep_bin, "--resolver", clients.resolver, "-q",
                               "--tls-verify", "off", "-o", csv_path, urls_file], out, err).start()
        run.wait(30)
        try:
            with open(csv_path, newline="") as f:
                row = next(csv.DictReader(f))
        except (OSError, StopIteration):
            return False, "urlsweep wrote no row for an https URL (%s)" % run.stderr_tail(200).strip()
        if row.get("status") and row.get("tls_version"):
            return True, ""
        return False, ("urlsweep does not do https yet: an https URL to nginx gave status '%s', "
                       "error '%s' (%s)" % (row.get("status"), row.get("error"),
                                            row.get("error_detail")))
    return probe
