"""The results table and the issue's targets, as Markdown (bench/README.md quotes it as printed)."""

from clients import BASELINE_SUFFIX
from scenarios import S3_DELAY_MS, S4_FULL_LABEL, S4_RESUME_LABEL

# The targets (ratios, since the 2-core machine is shared with the servers).
S1_MIN_VS_WRK = 0.8
S1_MIN_VS_BEST_REFERENCE = 6.0
S1_MAX_CPU_VS_WRK = 1.5
S2_MIN_VS_WRK = 0.6
S2_MIN_VS_CURL = 2.0
# S9: urlsweep through a SOCKS5 proxy against curl --parallel through the same proxy, both at -c 64.
S9_MIN_VS_CURL = 3.0
# S10: URLs through an NTLM squid against curl --parallel --proxy-ntlm on the same squid.
S10_MIN_VS_CURL = 3.0
S3_MIN_VS_BOUND = 0.9
S3_MAX_KIB_PER_CONNECTION = 4.0
S5_MAX_GROWTH = 0.10
# S4: CPU per URL against a server that resumes, over the same list against one that cannot.
S4_MAX_RESUMED_CPU = 0.6
# "CPU per URL stays flat from 1 to 2 threads": within 15%, the noise of this shared machine.
S6_MAX_CPU_GROWTH = 1.15
# A run where more than this share of URLs failed measures failures, not the client: flagged.
MAX_FAILED_SHARE = 0.01


def _find(results, scenario, prefix):
    for m in results:
        if m.scenario == scenario and m.client.startswith(prefix):
            return m
    return None


def _exact(results, scenario, client):
    for m in results:
        if m.scenario == scenario and m.client == client:
            return m
    return None


def table(results):
    lines = ["| scenario | client | URLs | ok | URLs/s | CPU us/URL | peak RSS MiB | notes |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for m in results:
        note = m.note
        if m.failed_share > MAX_FAILED_SHARE:
            note = ("**%.1f%% failed** " % (100 * m.failed_share)) + note
        lines.append("| %s | %s | %d | %d | %.0f | %.1f | %.1f | %s |" % (
            m.scenario, m.client, m.urls, m.ok, m.rate, m.cpu_us_per_url, m.maxrss_kib / 1024,
            note.replace("|", "/")))
    return "\n".join(lines)


def targets(results, extra, skipped):
    """[(target, measured, 'ok'|'MISS'|'n/a')]"""
    out = []

    def check(name, value, passed, fmt="%.2f"):
        if value is None:
            out.append((name, "-", "n/a"))
        else:
            out.append((name, fmt % value, "ok" if passed(value) else "MISS"))

    us = _find(results, "S1", "urlsweep")
    wrk = _find(results, "S1", "wrk")
    refs = [m for m in (_find(results, "S1", "curl"), _find(results, "S1", "aiohttp")) if m]
    best = max(refs, key=lambda m: m.rate) if refs else None
    if us and wrk:
        check("S1 rate >= %.1fx wrk (Connection: close)" % S1_MIN_VS_WRK, us.rate / wrk.rate,
              lambda v: v >= S1_MIN_VS_WRK)
        check("S1 CPU/URL <= %.1fx wrk's" % S1_MAX_CPU_VS_WRK, us.cpu_us_per_url / wrk.cpu_us_per_url,
              lambda v: v <= S1_MAX_CPU_VS_WRK)
    if us and best:
        check("S1 rate >= %.0fx best of curl/aiohttp (%s)" % (S1_MIN_VS_BEST_REFERENCE, best.client.split()[0]),
              us.rate / best.rate, lambda v: v >= S1_MIN_VS_BEST_REFERENCE)
    us2 = _find(results, "S2", "urlsweep")
    wrk2 = _find(results, "S2", "wrk")
    curl2 = _find(results, "S2", "curl")
    if us2 and wrk2:
        check("S2 rate >= %.1fx wrk keep-alive" % S2_MIN_VS_WRK, us2.rate / wrk2.rate,
              lambda v: v >= S2_MIN_VS_WRK)
    if us2 and curl2:
        check("S2 rate >= %.0fx curl --parallel" % S2_MIN_VS_CURL, us2.rate / curl2.rate,
              lambda v: v >= S2_MIN_VS_CURL)
    us9 = _find(results, "S9", "urlsweep")
    curl9 = _find(results, "S9", "curl")
    if us9 and curl9:
        check("S9 rate through SOCKS5 >= %.0fx curl --parallel through it" % S9_MIN_VS_CURL,
              us9.rate / curl9.rate, lambda v: v >= S9_MIN_VS_CURL)
    us10 = _find(results, "S10", "urlsweep")
    curl10 = _find(results, "S10", "curl")
    if us10 and curl10:
        check("S10 rate through an NTLM squid >= %.0fx curl --parallel --proxy-ntlm" % S10_MIN_VS_CURL,
              us10.rate / curl10.rate, lambda v: v >= S10_MIN_VS_CURL)
        check("S10 CPU/URL vs curl's (reported; lower is better)",
              us10.cpu_us_per_url / curl10.cpu_us_per_url, lambda v: True)
    if "s3_concurrency" in extra:
        low, high = extra["s3_concurrency"]
        check("S3 rate at -c %d >= %.1fx bound c/%g s" % (high, S3_MIN_VS_BOUND, S3_DELAY_MS / 1000.0),
              extra["s3_bound_ratio_%d" % high], lambda v: v >= S3_MIN_VS_BOUND)
        check("S3 RSS per in-flight connection <= %.0f KiB ((RSS(-c %d) - RSS(-c %d)) / %d)" % (
            S3_MAX_KIB_PER_CONNECTION, high, low, high - low),
            extra["s3_kib_per_connection"], lambda v: v <= S3_MAX_KIB_PER_CONNECTION, fmt="%.2f KiB")
    if "s7_concurrency" in extra:
        low, high = extra["s7_concurrency"]
        seen = extra["s7_min_in_flight"]
        note = "" if seen[high] >= high and seen[low] >= low else (
            " (only %d and %d were in flight at once: raise S7_DELAY_MS)" % (seen[low], seen[high]))
        out.append(("S7 RSS per in-flight TLS connection (reported; (RSS(-c %d) - RSS(-c %d)) / %d)%s" % (
            high, low, high - low, note), "%.1f KiB" % extra["s7_kib_per_connection"], "-"))
    resumed = _exact(results, "S4", S4_RESUME_LABEL)
    full = _exact(results, "S4", S4_FULL_LABEL)
    if resumed and full:
        check("S4 CPU/URL with resumption <= %.1fx without (8 URLs/name, Connection: close)" % S4_MAX_RESUMED_CPU,
              resumed.cpu_us_per_url / full.cpu_us_per_url, lambda v: v <= S4_MAX_RESUMED_CPU)
    if "s7_kib_per_connection_baseline" in extra:
        out.append(("S7 RSS per in-flight TLS connection of the --baseline binary (reported)",
                    "%.1f KiB" % extra["s7_kib_per_connection_baseline"], "-"))
    if "s3_kib_per_connection_baseline" in extra:
        out.append(("S3 RSS per in-flight connection of the --baseline binary (reported)",
                    "%.2f KiB" % extra["s3_kib_per_connection_baseline"], "-"))
    # Every urlsweep row against the --baseline binary's row of the same scenario and label.
    for m in results:
        if m.client.endswith(BASELINE_SUFFIX):
            continue
        base = _exact(results, m.scenario, m.client + BASELINE_SUFFIX)
        if base and base.rate and base.cpu_us_per_url:
            out.append(("%s %s vs [baseline] (reported): rate, CPU/URL, peak RSS" % (m.scenario, m.client),
                        "%.2f, %.2f, %.2f" % (m.rate / base.rate, m.cpu_us_per_url / base.cpu_us_per_url,
                                              m.maxrss_kib / base.maxrss_kib), "-"))
    us4 = _find(results, "S4", "urlsweep")
    wrk4 = _find(results, "S4", "wrk")
    if us4 and wrk4:
        out.append(("S4 rate vs wrk https (no target; reported)", "%.2f" % (us4.rate / wrk4.rate), "-"))
    elif "S4" in skipped:
        out.append(("S4 https", "skipped: " + skipped["S4"], "n/a"))
    t1 = _find(results, "S6", "urlsweep --threads 1")
    t2 = _find(results, "S6", "urlsweep --threads 2")
    if t1 and t2:
        check("S6 CPU/URL with --threads 2 <= %.2fx --threads 1 (flat)" % S6_MAX_CPU_GROWTH,
              t2.cpu_us_per_url / t1.cpu_us_per_url, lambda v: v <= S6_MAX_CPU_GROWTH)
        out.append(("S6 rate --threads 2 vs --threads 1 (reported; the server shares the 2 cores)",
                    "%.2f" % (t2.rate / t1.rate), "-"))
    us8 = _exact(results, "S8", "urlsweep (default)")
    us8_h1 = _exact(results, "S8", "urlsweep --http1.1")
    curl8 = _exact(results, "S8", "curl --parallel --http2")
    if us8 and curl8:
        out.append(("S8 urlsweep (default) vs curl --parallel --http2 (reported): rate, CPU/URL",
                    "%.2f, %.2f" % (us8.rate / curl8.rate, us8.cpu_us_per_url / curl8.cpu_us_per_url), "-"))
    if us8 and us8_h1:
        out.append(("S8 urlsweep (default) vs --http1.1 (reported): rate, CPU/URL",
                    "%.2f, %.2f" % (us8.rate / us8_h1.rate, us8.cpu_us_per_url / us8_h1.cpu_us_per_url), "-"))
    elif "S8 urlsweep --http1.1" in skipped:
        out.append(("S8 urlsweep --http1.1", "skipped: " + skipped["S8 urlsweep --http1.1"], "n/a"))
    if "s5" in extra:
        small, large = sorted(extra["s5"])
        a, b = extra["s5"][small], extra["s5"][large]
        label = "S5 RSS after %s lines within %.0f%% of RSS after %s lines" % (
            _read(b), 100 * S5_MAX_GROWTH, _read(a))
        if b["fed"] <= a["fed"]:
            out.append((label, "the larger run read no more lines within its time bound", "n/a"))
        else:
            check(label, 100 * (b["maxrss_kib"] / a["maxrss_kib"] - 1),
                  lambda v: v <= 100 * S5_MAX_GROWTH, fmt="%+.1f%%")
    return out


def _count(n):
    return "{:,}".format(n)


def _read(run):
    """The lines an S5 run read: all of them, or the prefix its time bound allowed."""
    if run["complete"]:
        return _count(run["lines"])
    return "%s (a prefix of %s: time bound)" % (_count(run["fed"]), _count(run["lines"]))


def targets_table(rows):
    lines = ["| target | measured | |", "|---|---:|---|"]
    lines += ["| %s | %s | %s |" % row for row in rows]
    return "\n".join(lines)


def s5_samples(extra):
    if "s5" not in extra:
        return ""
    parts = []
    for key, label in (("s5", ""), ("s5_baseline", BASELINE_SUFFIX)):
        for lines, r in sorted(extra.get(key, {}).items()):
            if r["samples"]:
                parts.append("S5%s %s-line run, peak RSS (MiB) after lines fed: %s" % (
                    label, _count(lines),
                    ", ".join("%s: %.1f" % (_count(n), kib / 1024) for n, kib in r["samples"] if kib)))
    return "\n".join(parts)
