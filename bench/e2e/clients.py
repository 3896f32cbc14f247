"""The clients under test, each run once through MeasuredProcess: urlsweep and the references (wrk,
curl --parallel, Python aiohttp). Each run returns a Measurement: the row of the final table."""

import csv
import json
import os
import re
import shutil
import subprocess

from dns_server import address_for
from measured_process import MeasuredProcess

# The label suffix of the --baseline binary's rows.
BASELINE_SUFFIX = " [baseline]"

# Python reading our CSV output: rows can hold a long error_detail or title.
csv.field_size_limit(1 << 24)


class Measurement:
    """One client's run in one scenario."""

    def __init__(self, scenario, client, urls, ok, wall_s, cpu_s, maxrss_kib, rate=None, note=""):
        self.scenario = scenario
        self.client = client
        self.urls = urls            # requests attempted (wrk: completed)
        self.ok = ok                # answered with a status and no error
        self.wall_s = wall_s
        self.cpu_s = cpu_s          # the client's user + sys
        self.maxrss_kib = maxrss_kib
        self.rate = rate if rate is not None else (urls / wall_s if wall_s else 0.0)
        self.note = note

    @property
    def cpu_us_per_url(self):
        return 1e6 * self.cpu_s / self.urls if self.urls else float("nan")

    @property
    def failed_share(self):
        return 1.0 - self.ok / self.urls if self.urls else 1.0

    def as_dict(self):
        d = dict(self.__dict__)
        d["cpu_us_per_url"] = self.cpu_us_per_url
        return d


def _check_exit(run, what):
    if run.timed_out:
        return "%s stopped at its time bound" % what
    if run.returncode != 0:
        return "%s exited %s: %s" % (what, run.returncode, run.stderr_tail(300).strip())
    return ""


def count_ok_rows(csv_path):
    """(rows, rows with a status and no error, {error word: count}) of a urlsweep CSV."""
    rows = ok = 0
    errors = {}
    with open(csv_path, newline="", errors="replace") as f:
        for row in csv.DictReader(f):
            rows += 1
            if row["error"]:
                errors[row["error"]] = errors.get(row["error"], 0) + 1
            elif row["status"]:
                ok += 1
    return rows, ok, errors


def error_note(errors, limit=3):
    top = sorted(errors.items(), key=lambda kv: -kv[1])[:limit]
    return ", ".join("%s %d" % kv for kv in top)


class Clients:
    """Runs the clients with the paths and servers of one harness run."""

    def __init__(self, workdir, urlsweep_bin, resolver, timeout_s, baseline_bin=None):
        self.dir = workdir
        self.urlsweep_bin = urlsweep_bin
        # --baseline: another urlsweep binary (the tree before a change), run beside this one.
        self.baseline_bin = baseline_bin
        self.resolver = resolver
        self.timeout_s = timeout_s  # every client run is stopped at this bound
        self.serial = 0

    def paths(self, tag):
        self.serial += 1
        base = os.path.join(self.dir, "%02d-%s" % (self.serial, tag))
        return base + ".out", base + ".err"

    def urlsweep(self, scenario, urls_file, url_count, flags, label="urlsweep", keep_csv=True, threads=1,
                 baseline=False):
        out, err = self.paths("urlsweep")
        csv_path = out + ".csv" if keep_csv else "/dev/null"
        if baseline:
            label += BASELINE_SUFFIX
        argv = [self.baseline_bin if baseline else self.urlsweep_bin, "--resolver", self.resolver, "-q", "--threads", str(threads),
                "--format", "csv", "-o", csv_path] + list(flags) + [urls_file]
        run = MeasuredProcess(argv, out, err).start().wait(self.timeout_s)
        note = _check_exit(run, "urlsweep")
        ok = url_count
        if keep_csv and os.path.exists(csv_path):
            rows, ok, errors = count_ok_rows(csv_path)
            if rows != url_count:
                note = (note + "; " if note else "") + "%d rows for %d URLs" % (rows, url_count)
            if errors:
                note = (note + "; " if note else "") + error_note(errors)
            os.unlink(csv_path)  # 100,000s of rows: keep the work folder small
        return Measurement(scenario, label, url_count, ok, run.wall_s, run.cpu_s, run.maxrss_kib,
                           note=note)

    def wrk(self, scenario, url, concurrency, duration_s, close, label):
        out, err = self.paths("wrk")
        argv = ["wrk", "-t1", "-c%d" % concurrency, "-d%ds" % duration_s, "--timeout", "5s"]
        if close:
            argv += ["-H", "Connection: close"]
        argv.append(url)
        run = MeasuredProcess(argv, out, err).start().wait(duration_s + self.timeout_s)
        text = run.stdout_text()
        note = _check_exit(run, "wrk")
        m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
        rate = re.search(r"Requests/sec:\s*([\d.]+)", text)
        if not m or not rate:
            raise RuntimeError("wrk printed no totals: %s %s" % (text[-500:], run.stderr_tail()))
        requests = int(m.group(1))
        bad = 0
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        if non2xx:
            bad += int(non2xx.group(1))
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        if sock:
            errors = [int(x) for x in sock.groups()]
            bad += sum(errors)
            note = (note + "; " if note else "") + "socket errors: connect %d, read %d, write %d, timeout %d" % tuple(errors)
        return Measurement(scenario, label, requests, max(0, requests - bad), run.wall_s, run.cpu_s,
                           run.maxrss_kib, rate=float(rate.group(1)), note=note)

    def curl(self, scenario, urls, parallel_max, label, proxy=None, extra_config=()):
        """curl --parallel over `urls`. This curl resolves with the system resolver (not c-ares: no
        --dns-servers), so every name is pinned with a resolve line and curl does no DNS at all. Each
        URL is an operation of its own (`next`) carrying only its own name: one global list of N
        resolve lines would be loaded into every transfer, N^2 work that is not curl's real cost.
        extra_config: more config lines for every operation (`next` resets an operation's options, so
        a proxy given once on the command line would apply to the first URL only). Through a proxy the
        resolve lines are never used, but would keep curl off the system resolver were it not."""
        out, err = self.paths("curl")
        config = out + ".config"
        sections = []
        for url, name, port, n in urls:
            section = ('url = "%s"\noutput = "/dev/null"\nsilent\nmax-time = 10\n'
                       'write-out = "%%{http_code}\\n"\nresolve = "%s:%d:%s"\n' % (url, name, port, address_for(n)))
            if proxy:
                section += 'proxy = "%s"\n' % proxy
            section += "".join(line + "\n" for line in extra_config)
            sections.append(section)
        with open(config, "w") as f:
            f.write("next\n".join(sections))
        argv = ["curl", "--parallel", "--parallel-max", str(parallel_max), "--parallel-immediate",
                "-s", "-K", config]
        run = MeasuredProcess(argv, out, err).start().wait(self.timeout_s)
        codes = run.stdout_text().split()
        ok = sum(1 for c in codes if c not in ("000", "407"))
        note = _check_exit(run, "curl")
        if run.returncode not in (0, None) and ok == len(urls):
            note = ""  # curl's exit status reflects the last transfer only
        return Measurement(scenario, label, len(urls), ok, run.wall_s, run.cpu_s, run.maxrss_kib,
                           note=note)

    def curl_urls(self, scenario, urls, parallel_max, label, options=()):
        """curl --parallel over `urls` (address literals: no name to pin), each URL an operation of
        its own carrying `options` (config-file lines such as 'http2' or 'cacert = "ca.pem"').
        Without --parallel-immediate: curl waits for a connection's multiplexing (HTTP/2 streams)
        rather than opening a new connection per transfer."""
        out, err = self.paths("curl")
        config = out + ".config"
        extra = "".join(o + "\n" for o in options)
        with open(config, "w") as f:
            f.write("next\n".join('url = "%s"\noutput = "/dev/null"\nsilent\nmax-time = 30\n'
                                   'write-out = "%%{http_code}\\n"\n%s' % (url, extra) for url in urls))
        argv = ["curl", "--parallel", "--parallel-max", str(parallel_max), "-s", "-K", config]
        run = MeasuredProcess(argv, out, err).start().wait(self.timeout_s)
        codes = run.stdout_text().split()
        ok = sum(1 for c in codes if c != "000")
        note = _check_exit(run, "curl")
        if run.returncode not in (0, None) and ok == len(urls):
            note = ""  # curl's exit status reflects the last transfer only
        return Measurement(scenario, label, len(urls), ok, run.wall_s, run.cpu_s, run.maxrss_kib,
                           note=note)

    def urlsweep_flags(self):
        """The flags this urlsweep's --help lists (to tell which protocol switches it has)."""
        proc = subprocess.run([self.urlsweep_bin, "--help"], capture_output=True, timeout=30)
        return set(re.findall(r"--[a-z0-9][a-z0-9.-]*", proc.stdout.decode("utf-8", "replace")))

    def aiohttp(self, scenario, urls_file, url_count, concurrency, close, label):
        out, err = self.paths("aiohttp")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aiohttp_client.py")
        argv = ["/usr/bin/python3", script, urls_file, "--concurrency", str(concurrency),
                "--dns", self.resolver] + (["--close"] if close else [])
        run = MeasuredProcess(argv, out, err).start().wait(self.timeout_s)
        note = _check_exit(run, "aiohttp")
        try:
            counts = json.loads(run.stdout_text().strip().splitlines()[-1])
        except (ValueError, IndexError):
            counts = {"ok": 0, "errors": url_count, "first_error": run.stderr_tail(300)}
        if counts["errors"]:
            note = (note + "; " if note else "") + "%d errors (%s)" % (counts["errors"], counts["first_error"][:80])
        return Measurement(scenario, label, url_count, counts["ok"], run.wall_s, run.cpu_s,
                           run.maxrss_kib, note=note)


def aiohttp_available():
    """Whether Debian's python3-aiohttp and python3-aiodns are there (they are for /usr/bin/python3,
    not for a pyenv python3 on PATH)."""
    if not os.path.exists("/usr/bin/python3"):
        return False
    probe = subprocess.run(["/usr/bin/python3", "-c", "import aiohttp, aiodns"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def wrk_available():
    return shutil.which("wrk") is not None
