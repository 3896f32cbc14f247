#!/usr/bin/python3
"""The Python reference client: fetch every URL of a list with aiohttp, N at a time.

  /usr/bin/python3 aiohttp_client.py URLS_FILE --concurrency N --dns 127.0.0.1:PORT [--close]

Runs under Debian's /usr/bin/python3 (python3-aiohttp, python3-aiodns). Names are resolved by
aiohttp's AsyncResolver (aiodns, i.e. c-ares) asking our dnsmasq only, so like urlsweep it pays one
DNS query per new name and never touches the system resolver. --close: no connection reuse (S1).
Prints one JSON line: {"ok": responses with a status, "errors": failures, "first_error": text}.
"""

import argparse
import asyncio
import json

import aiohttp
from aiohttp.resolver import AsyncResolver

# Per-URL budget, as generous as urlsweep's default --timeout: a slow client is measured, not cut off.
TIMEOUT_S = 10
# DNS answers cached for the whole run (our names carry TTL 600).
DNS_CACHE_S = 600


async def fetch_all(urls, concurrency, dns_host, dns_port, close):
    resolver = AsyncResolver(nameservers=[dns_host], udp_port=dns_port, tcp_port=dns_port)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0, force_close=close,
                                     resolver=resolver, ttl_dns_cache=DNS_CACHE_S, ssl=False)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    counts = {"ok": 0, "errors": 0, "first_error": ""}
    it = iter(urls)

    async def worker(session):
        for url in it:
            try:
                async with session.get(url, allow_redirects=False) as response:
                    await response.read()
                    counts["ok"] += 1
            except Exception as e:  # every failure is counted, none stops the run
                counts["errors"] += 1
                if not counts["first_error"]:
                    counts["first_error"] = "%s: %s" % (type(e).__name__, e)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     auto_decompress=False) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("urls")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--dns", required=True, help="IP:PORT of the DNS server")
    parser.add_argument("--close", action="store_true")
    args = parser.parse_args()
    host, port = args.dns.rsplit(":", 1)
    with open(args.urls) as f:
        urls = [line.strip() for line in f if line.strip()]
    counts = asyncio.run(fetch_all(urls, args.concurrency, host, int(port), args.close))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
