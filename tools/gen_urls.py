#!/usr/bin/env python3
"""Writes URL lists for the loopback fixtures (stdlib only).

  gen_urls.py --count N --names M --port P [--first-name K] [-o FILE]

URL i is http://h<K + i % M>.test:P<path>, path i taken in turn from PATHS (so every name gets the
whole mix): mostly 200s, some 404/500/201, a redirect (302 without --follow), bodies of both
framings and titled pages. A FILE ending in .gz is gzip-compressed; without -o the list goes to
standard output. expected_status(url) gives the status urlsweep should report for a URL of this
list with --follow 0; the scale test and the demo use it.
"""

import argparse
import gzip
import sys
from urllib.parse import urlsplit

# One cycle of paths. "{i}" becomes the URL's index, so titles differ from URL to URL.
PATHS = (
    "/", "/", "/", "/", "/", "/", "/", "/",
    "/bytes/1024", "/bytes/1024", "/bytes/1024",
    "/chunked/2048", "/chunked/2048",
    "/title/page-{i}", "/title/page-{i}",
    "/status/404", "/status/404",
    "/status/500",
    "/status/201",
    "/redirect/1",
)


def urls(count, names, port, first_name=0):
    """The URLs of the list, in order."""
    for i in range(count):
        path = PATHS[i % len(PATHS)].format(i=i)
        yield "http://h%d.test:%d%s" % (first_name + i % names, port, path)


def expected_status(url):
    """Status of a URL of this list with --follow 0."""
    path = urlsplit(url).path
    if path.startswith("/status/"):
        return int(path[len("/status/"):])
    if path.startswith("/redirect/") and path != "/redirect/0":
        return 302
    return 200


def write(path, lines):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt") as f:
        for line in lines:
            f.write(line + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of URLs")
    parser.add_argument("--names", type=int, required=True, help="number of names h<K>.test ...")
    parser.add_argument("--port", type=int, required=True, help="the fixture's HTTP port")
    parser.add_argument("--first-name", type=int, default=0, help="K: the first name's number")
    parser.add_argument("-o", "--output", help="file to write (.gz: compressed); default stdout")
    args = parser.parse_args()
    if args.count < 0 or args.names < 1:
        parser.error("--count must be >= 0 and --names >= 1")
    lines = urls(args.count, args.names, args.port, args.first_name)
    if args.output:
        write(args.output, lines)
    else:
        for line in lines:
            sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
