#!/usr/bin/env python3
"""urlsweep's end-to-end benchmark against wrk, curl and Python aiohttp, on loopback only.

  python3 bench/e2e/run.py --build build-bench [--scale small|full] [--only S1,S2,...]
                           [--concurrency 256] [--markdown FILE] [--json FILE]

Starts nginx (own configuration in a temporary folder), dnsmasq (names h<N>.test) and, for S3 and S7,
tools/fixture_server; runs urlsweep and the reference clients one after another; prints a table of
URLs/s, client CPU per URL, peak RSS and the issue's targets with their ratios; stops every process
it started by its PID. See bench/README.md for the scenarios and the figures.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# tools/h2_stack.py: S8's HTTP/2 origin; tools/proxy_stack.py: S10's squid.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tools"))

import report  # noqa: E402
from clients import Clients, aiohttp_available, wrk_available  # noqa: E402
from dns_server import DnsServer  # noqa: E402
from fixture_server import FixtureServer  # noqa: E402
from nginx_server import NginxServer  # noqa: E402
from dns_server import address_for  # noqa: E402
from scenarios import S10_NAMES, Scenarios, probe_tls  # noqa: E402
from socks_server import SocksServer, microsocks_available  # noqa: E402
import h2_stack  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Sizes per scale. small: a smoke run of about a minute that CI can afford; full: the README figures.
SCALES = {
    "small": {
        "s1_urls": 3000, "s1_ref_urls": 1500, "wrk_s": 4,
        "s2_urls": 20000, "s2_ref_urls": 5000, "s6_urls": 20000,
        "s3_concurrency": (1000, 10000), "s3_rounds": 3,
        "s5_lines": (100_000, 1_000_000), "s5_bound_s": 25,
        "s7_concurrency": (200, 2000), "s9_urls": 5000, "s10_urls": 2000,
        "client_timeout_s": 60, "repeat": 1,
    },
    "full": {
        "s1_urls": 20000, "s1_ref_urls": 5000, "wrk_s": 15,
        "s2_urls": 100000, "s2_ref_urls": 20000, "s6_urls": 100000,
        "s3_concurrency": (1000, 10000), "s3_rounds": 10,
        "s5_lines": (1_000_000, 10_000_000), "s5_bound_s": 240,
        "s7_concurrency": (200, 2000), "s9_urls": 20000, "s10_urls": 20000,
        "client_timeout_s": 300, "repeat": 3,
    },
}
# Names dnsmasq knows: S1's urlsweep list and the references' lists use disjoint names.
EXTRA_NAMES = 16
ALL_SCENARIOS = ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10")
# A proxy from the environment would send the clients' requests elsewhere.
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")


def log(text):
    print(text, file=sys.stderr, flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def make_certs(workdir):
    import subprocess
    cert_dir = os.path.join(workdir, "certs")
    subprocess.run(["bash", os.path.join(REPO, "tools", "make_certs.sh"), cert_dir], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return os.path.join(cert_dir, "valid-chain.pem"), os.path.join(cert_dir, "valid-key.pem")


def raise_file_limit():
    """Soft RLIMIT_NOFILE up to the hard limit, inherited by every server and client started here:
    S3 at -c 10000 has 10,000 connections open in urlsweep and as many in the fixture server at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="build folder with scanner/urlsweep and tools/fixture_server")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", default=",".join(ALL_SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--concurrency", type=int, default=256,
                        help="requests in flight for every client in S1, S2 and S4 (curl --parallel-max)")
    parser.add_argument("--repeat", type=int,
                        help="runs of each client in S1-S4, interleaved; the table shows the median "
                             "(default: 1 for small, 3 for full)")
    parser.add_argument("--markdown", help="also write the tables here")
    parser.add_argument("--json", help="also write every measurement here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, lists)")
    parser.add_argument("--baseline", help="another urlsweep binary (e.g. the tree before a change), run "
                                           "after urlsweep in every urlsweep row, labelled [baseline]")
    args = parser.parse_args()
    only = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    for s in only:
        if s not in ALL_SCENARIOS:
            parser.error("unknown scenario %s" % s)
    scale = SCALES[args.scale]
    build = os.path.abspath(args.build)
    urlsweep_bin = os.path.join(build, "scanner", "urlsweep")
    fixture_bin = os.path.join(build, "tools", "fixture_server")
    for binary in (urlsweep_bin, fixture_bin):
        if not os.access(binary, os.X_OK):
            parser.error("%s not found: build the urlsweep and fixture_server targets" % binary)
    for tool in ("nginx", "dnsmasq", "curl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            parser.error("%s not found (Debian: nginx-light, dnsmasq-base, curl)" % tool)
    if not wrk_available():
        parser.error("wrk not found (Debian: wrk)")
    if "/usr/sbin" not in os.environ.get("PATH", "").split(":"):
        os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    files = raise_file_limit()
    if "S3" in only and files < max(scale["s3_concurrency"]) + 2048:
        log("note: open-file limit %d: S3's -c %d needs that many descriptors in urlsweep and again in the "
            "fixture server" % (files, max(scale["s3_concurrency"])))
    with_aiohttp = aiohttp_available()
    if not with_aiohttp:
        log("note: /usr/bin/python3 lacks aiohttp/aiodns (Debian: python3-aiohttp python3-aiodns): "
            "S1 runs without the aiohttp reference")

    # SIGTERM ends the run like Ctrl-C: the finally below stops every server.
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = tempfile.mkdtemp(prefix="urlsweep-e2e.")
    servers = []
    started = time.monotonic()
    load_before = os.getloadavg()
    try:
        names = scale["s1_urls"] + 2 * scale["s1_ref_urls"] + EXTRA_NAMES
        cert = key = None
        if "S4" in only or "S7" in only or "S8" in only:
            cert, key = make_certs(workdir)
        dns = DnsServer(workdir, names)
        servers.append(dns)
        dns.start()
        nginx = NginxServer(workdir, cert, key)
        servers.append(nginx)
        nginx.start()
        fixture = None
        if "S3" in only or "S7" in only:
            fixture = FixtureServer(workdir, fixture_bin, tls_cert=cert, tls_key=key,
                                    tls_options="noresume")
            servers.append(fixture)
            fixture.start()
        squid = None
        if "S10" in only:
            import proxy_stack
            hosts = {"h%d.test" % n: address_for(n) for n in range(S10_NAMES)}
            squid = proxy_stack.AuthSquid(os.path.join(workdir, "squid"), hosts, ["ntlm"])
            servers.append(squid)
            squid.start()
        log("e2e: scale %s, work folder %s, nginx :%s%s, dnsmasq :%d%s" % (
            args.scale, workdir, nginx.port, " (TLS :%d)" % nginx.tls_port if nginx.tls_port else "",
            dns.port, ", fixture_server :%d" % fixture.port if fixture else ""))
        baseline = os.path.abspath(args.baseline) if args.baseline else None
        clients = Clients(workdir, urlsweep_bin, dns.resolver, scale["client_timeout_s"], baseline)
        repeat = args.repeat or scale["repeat"]
        runs = Scenarios(workdir, clients, scale, args.concurrency, nginx, fixture, log, repeat)
        for scenario in ALL_SCENARIOS:
            if scenario not in only:
                continue
            log("%s ..." % scenario)
            if scenario == "S1":
                runs.s1(with_aiohttp)
            elif scenario == "S2":
                runs.s2()
            elif scenario == "S3":
                runs.s3()
            elif scenario == "S4":
                runs.s4(probe_tls(clients, nginx, workdir))
            elif scenario == "S5":
                runs.s5()
            elif scenario == "S6":
                runs.s6()
            elif scenario == "S7":
                runs.s7()
            elif scenario == "S8":
                # nginx with http2 on TLS (ALPN h2 and http/1.1), a certificate for 127.0.0.1.
                cert_dir = os.path.dirname(cert)
                h2_nginx = h2_stack.NginxH2(workdir, os.path.join(cert_dir, "ip-chain.pem"),
                                            os.path.join(cert_dir, "ip-key.pem"))
                servers.append(h2_nginx)
                h2_nginx.start()
                runs.s8(h2_nginx, os.path.join(cert_dir, "ca.pem"))
            elif scenario == "S9":
                if not microsocks_available():
                    runs.skipped["S9"] = "microsocks not installed"
                    continue
                socks = SocksServer(workdir)
                servers.append(socks)
                socks.start()
                runs.s9(socks)
            elif scenario == "S10":
                runs.s10(squid)
    finally:
        for server in reversed(servers):
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    elapsed = time.monotonic() - started
    text = "\n\n".join(filter(None, [
        report.table(runs.results),
        report.targets_table(report.targets(runs.results, runs.extra, runs.skipped)),
        report.s5_samples(runs.extra),
        # The machine is shared: the load says how much of it the run had.
        "scale %s, concurrency %d, repeat %d, %.0f s in all; %d CPUs, load average %.1f at the start, "
        "%.1f at the end" % (args.scale, args.concurrency, repeat, elapsed, os.cpu_count(),
                             load_before[0], os.getloadavg()[0]),
    ]))
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scale": args.scale, "results": [m.as_dict() for m in runs.results],
                       "extra": {k: v for k, v in runs.extra.items()}, "skipped": runs.skipped}, f,
                      indent=1, default=str)


if __name__ == "__main__":
    main()
