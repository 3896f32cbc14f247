#!/usr/bin/env python3
"""Steady-state allocations per URL: runs urlsweep on 20,000 and on 40,000 URLs against the loopback
fixtures, with libmalloc_counter.so preloaded, and reports

    (allocations(40k) - allocations(20k)) / 20,000

The start-up and the end of a run (loops, pools, DNS answers for the list's names, the writer) cost
the same in both runs and cancel out; what is left is what each further URL costs once the scan runs.
STYLE rule 9 wants 0.

  python3 bench/alloc_count/alloc_count.py --build build-bench [--names 100] [--concurrency 512]
                                          [--runs 2] [--max-per-url X] [--dhat]

Both lists come from tools/gen_urls.py (the fixtures' mix: plain pages, bodies of both framings,
titles, 404/500/201, a redirect) over the same --names names, so both runs do the same DNS lookups.
--runs repeats each size and reports the spread (thread timing changes how many batches and
connections a run needs). --max-per-url makes the exit status 1 above that figure (for CI). --dhat
also runs both sizes under valgrind's DHAT and prints the call sites whose allocation count grows with
the number of URLs: the places to fix.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench", "e2e"))
sys.path.insert(0, os.path.join(REPO, "tools"))

from dns_server import DnsServer  # noqa: E402
from fixture_server import FixtureServer  # noqa: E402
import gen_urls  # noqa: E402

# The two list sizes: the figure is (allocations(40k) - allocations(20k)) / 20k.
SIZES = (20_000, 40_000)
# A run of 40,000 URLs takes seconds; this bound only stops a hung scanner.
RUN_TIMEOUT_S = 300
# Under valgrind urlsweep runs some 50 times slower: a smaller concurrency and generous budgets keep
# its URLs from timing out (a timed-out URL allocates differently from an answered one).
DHAT_CONCURRENCY = 64
DHAT_TIMEOUT_S = 1800
# Call sites printed with --dhat.
DHAT_TOP = 15


def count_file_values(path):
    values = {}
    with open(path) as f:
        for line in f:
            name, _, value = line.partition(" ")
            values[name] = int(value)
    return values


def run_counted(urlsweep, counter, urls_file, resolver, concurrency, workdir, tag):
    counts = os.path.join(workdir, tag + ".counts")
    env = dict(os.environ, LD_PRELOAD=counter, URLSWEEP_ALLOC_COUNT_OUT=counts)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        env.pop(name, None)
    out = os.path.join(workdir, tag + ".csv")
    proc = subprocess.run([urlsweep, "--resolver", resolver, "-q", "-c", str(concurrency), "-o", out,
                           urls_file], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=RUN_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError("urlsweep exited %d: %s" % (proc.returncode, proc.stderr.decode()[-500:]))
    errors = rows = 0
    with open(out) as f:
        header = f.readline().rstrip("\n").split(",")
        error_col = header.index("error")
        for line in f:
            rows += 1
            # The fixture mix has no field with a comma before the error column.
            if line.split(",")[error_col]:
                errors += 1
    os.unlink(out)
    return count_file_values(counts), rows, errors


def run_dhat(urlsweep, urls_file, resolver, workdir, tag):
    out = os.path.join(workdir, tag + ".dhat.json")
    subprocess.run(["valgrind", "--tool=dhat", "--dhat-out-file=" + out, urlsweep, "--resolver", resolver,
                    "-q", "-c", str(DHAT_CONCURRENCY), "--timeout", "60", "--read-timeout", "60",
                    "--dns-timeout", "30", "-o", os.path.join(workdir, tag + ".dhat.csv"), urls_file],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=DHAT_TIMEOUT_S, check=True)
    with open(out) as f:
        data = json.load(f)
    frames = data["ftbl"]
    sites = {}
    for pp in data["pps"]:
        # The first frames are the allocator and its C++ wrappers; name a site by its first frames
        # outside them.
        names = [frames[i] for i in pp["fs"]]
        own = [n for n in names if not any(k in n for k in (
            "vg_replace_malloc", "operator new", "malloc (", "calloc (", "realloc (", "memalign (",
            "posix_memalign", "aligned_alloc"))]
        key = " <- ".join(_short_frame(n) for n in own[:3]) or "?"
        sites[key] = sites.get(key, 0) + pp["tbk"]  # tbk: total blocks (tb is bytes)
    return sites


def _short_frame(text):
    # DHAT frames read "0x4A5B6C: Function(args) (file.cc:123)".
    text = text.split(": ", 1)[-1]
    if "(" in text:
        name, _, rest = text.partition("(")
        location = rest[rest.rfind("(") + 1:].rstrip(")") if "(" in rest else ""
        return name.strip() + (" [" + location + "]" if location and ":" in location else "")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--names", type=int, default=100,
                        help="names the URLs use (few: a burst of lookups for many names loses UDP "
                             "answers and the retries add noise)")
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--max-per-url", type=float)
    parser.add_argument("--dhat", action="store_true")
    parser.add_argument("--sizes", default="%d,%d" % SIZES, help="the two list sizes, SMALL,LARGE")
    args = parser.parse_args()
    sizes = tuple(int(v) for v in args.sizes.split(","))
    if len(sizes) != 2 or not 0 < sizes[0] < sizes[1]:
        parser.error("--sizes wants SMALL,LARGE with 0 < SMALL < LARGE")
    build = os.path.abspath(args.build)
    urlsweep = os.path.join(build, "scanner", "urlsweep")
    counter = os.path.join(build, "bench", "libmalloc_counter.so")
    fixture_bin = os.path.join(build, "tools", "fixture_server")
    for path in (urlsweep, counter, fixture_bin):
        if not os.path.exists(path):
            parser.error("%s not found: build the urlsweep, fixture_server and malloc_counter targets" % path)

    workdir = tempfile.mkdtemp(prefix="urlsweep-alloc.")
    dns = DnsServer(workdir, args.names)
    fixture = FixtureServer(workdir, fixture_bin)
    try:
        dns.start()
        fixture.start()
        files = {}
        for size in sizes:
            files[size] = os.path.join(workdir, "urls-%d.txt" % size)
            gen_urls.write(files[size], gen_urls.urls(size, args.names, fixture.port))
        per_url = []
        for run in range(args.runs):
            got = {}
            for size in sizes:
                counts, rows, errors = run_counted(urlsweep, counter, files[size], dns.resolver,
                                                   args.concurrency, workdir, "run%d-%d" % (run, size))
                got[size] = counts
                print("run %d, %6d URLs: %9d allocations (malloc %d, calloc %d, realloc %d, memalign %d), "
                      "%d frees; %d rows, %d with an error" % (
                          run + 1, size, counts["allocations"], counts["malloc"], counts["calloc"],
                          counts["realloc"], counts["memalign"], counts["free"], rows, errors))
            small, large = sizes
            per_url.append((got[large]["allocations"] - got[small]["allocations"]) / (large - small))
        print("steady-state allocations per URL: %s (runs: %s)" % (
            "%.3f" % (sum(per_url) / len(per_url)), ", ".join("%.3f" % v for v in per_url)))
        if args.dhat:
            small, large = sizes
            print("DHAT: call sites by extra blocks per URL ((blocks(%d) - blocks(%d)) / %d):" % (
                large, small, large - small))
            sites = {size: run_dhat(urlsweep, files[size], dns.resolver, workdir, "dhat-%d" % size)
                     for size in sizes}
            growth = sorted(((sites[large].get(k, 0) - sites[small].get(k, 0)) / (large - small), k)
                            for k in set(sites[large]) | set(sites[small]))
            for value, key in reversed(growth[-DHAT_TOP:]):
                if value > 0.001:
                    print("  %7.3f  %s" % (value, key))
    finally:
        fixture.stop()
        dns.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.max_per_url is not None and sum(per_url) / len(per_url) > args.max_per_url:
        print("more than %.3f allocations per URL" % args.max_per_url)
        sys.exit(1)


if __name__ == "__main__":
    main()
