#include "scanner/help_text.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// Where a flag's meaning starts in --help: wide enough for "-o, --output PATH" and the longest
// "--name ARG" below, so the meanings line up.
constexpr size_t kMeaningColumn = 32;
// A line of --help longer than this puts its default on a line of its own: readable in a terminal a
// little wider than the traditional 80 columns, which the flag table's meanings already need.
constexpr size_t kHelpWidth = 100;

constexpr FlagDoc kFlagDocs[] = {
    {"-o", "--output", "PATH", "where rows go, '-' = standard output", "-"},
    {"", "--format", "F", "csv, jsonl, parquet or text (one line per URL, for people)",
     "text on a terminal, else from -o's name, else csv"},
    {"", "--compress", "C", "gzip, zstd or none, for csv and jsonl", "from -o's name: .gz, .zst, else none"},
    {"", "--parquet-compression", "C", "zstd, snappy or none", "zstd"},
    {"-c", "--concurrency", "N", "requests in flight at once, all hosts", "1024"},
    {"", "--per-host", "N", "requests in flight at once to one host", "8"},
    {"", "--rate", "N", "new requests per second, 0 = no cap", "0"},
    {"", "--threads", "N", "event loops, 0 = one per core", "1"},
    {"", "--method", "GET|HEAD", "request method", "GET"},
    {"-I", "--head", "", "same as --method HEAD", ""},
    {"-H", "--header", "'Name: value'", "extra request header, repeatable", "none"},
    {"-A", "--user-agent", "S", "User-Agent header", "urlsweep/<version>"},
    {"", "--timeout", "SECS", "whole budget for one URL, redirects included", "10"},
    {"-m", "--max-time", "SECS", "same as --timeout", ""},
    {"", "--connect-timeout", "SECS", "budget for the TCP connect and TLS handshake", "5"},
    {"", "--read-timeout", "SECS", "budget for silence while reading", "10"},
    {"", "--dns-timeout", "SECS", "budget for name resolution", "5"},
    {"", "--retries", "N", "extra attempts after a transient failure", "1"},
    {"", "--follow", "N", "redirects to follow, 0 = report the redirect", "0"},
    {"-L", "--location", "", "follow redirects, up to --max-redirs (or --follow) N", "10 with -L"},
    {"", "--max-redirs", "N", "same as --follow N", ""},
    {"", "--max-body", "BYTES", "body bytes read per response", "65536"},
    {"", "--capture-header", "NAME", "a header_NAME column with that response header, repeatable", "none"},
    {"", "--body-hash", "", "a body_sha256 column: SHA-256 of the body bytes read", "off"},
    {"", "--scheme-less", "LIST", "schemes for a line without one (https,http: http if https fails)", "http"},
    {"", "--resolver", "IP[:PORT]", "DNS server, repeatable", "those of /etc/resolv.conf"},
    {"", "--ip-version", "4|6|any", "resolve and connect over IPv4 only, IPv6 only, or both", "any"},
    {"-4", "", "", "same as --ip-version 4", ""},
    {"-6", "", "", "same as --ip-version 6", ""},
    {"", "--http2", "", "https offers HTTP/2 and HTTP/1.1 by ALPN; one connection per host", "on"},
    {"", "--http1.1", "", "speak HTTP/1.1 only", ""},
    {"", "--http2-prior-knowledge", "", "also speak HTTP/2 at once to http URLs", ""},
    {"-x", "--proxy", "URL", "http(s)|socks5(h)://[user:password@]host[:port], '' = none",
     "from the environment"},
    {"", "--proxy-auth", "SCHEME", "any, basic, digest or ntlm: how proxy credentials are offered", "any"},
    {"", "--proxy-insecure", "", "do not verify the TLS certificate of https:// proxies", "verified"},
    {"", "--proxy-file", "FILE", "a pool of proxies, one URL a line, '#' comments", "none"},
    {"", "--proxy-rotate", "host|url", "pool choice: a hash of the host name, or the next proxy per URL", "host"},
    {"", "--ca-file", "PATH", "extra trusted roots, PEM", "none"},
    {"", "--cacert", "PATH", "same as --ca-file", ""},
    {"", "--tls-verify", "MODE", "report, strict or off", "report"},
    {"-k", "--insecure", "", "same as --tls-verify off", ""},
    {"", "--exclude", "FILE", "addresses, CIDRs and names never to contact", "none"},
    {"", "--shard", "I/N", "handle only shard I of N, 0-based", "0/1"},
    {"", "--shard-by", "host|line", "what picks a line's shard: its host, or its line number", "host"},
    {"", "--resume", "", "continue an interrupted run into the same --output", "off"},
    {"", "--fail-on", "LIST", "exit 2 when a row matches: error, an error word, 4xx, 5xx, a status", "none"},
    {"-q", "--quiet", "", "no progress line", "progress if standard error is a terminal"},
    {"-s", "--silent", "", "same as --quiet", ""},
    {"", "--progress", "", "force the progress line on standard error", ""},
    {"", "--summary", "", "print counts and latency percentiles at the end", "off"},
    {"", "--progress-json", "", "the progress as one JSON object a line on standard error", "off"},
    {"", "--metrics-listen", "HOST:PORT", "Prometheus metrics on http://HOST:PORT/metrics during the run", "none"},
    {"-V", "--version", "", "print the version and exit", ""},
    {"-h", "--help", "", "print this help and exit", ""},
};

std::string RenderHelp() {
  std::string out =
      "usage: urlsweep [FLAGS] [FILE ...]\n"
      "       urlsweep report [-o PAGE.html] RESULTS ...   (one HTML page from result files; see\n"
      "                                                     urlsweep report --help)\n"
      "Fetches the URLs listed in each FILE, one a line ('-' or none: standard input; .gz is read\n"
      "decompressed), and writes one row per URL. Short flags combine (-sLk); values follow a space\n"
      "or '=' (--output=out.csv), or a short flag directly (-oout.csv).\n"
      "\n";
  for (const FlagDoc& doc : kFlagDocs) {
    std::string names = absl::StrCat("  ", ToAbsl(doc.short_name.empty() ? "  " : doc.short_name),
                                     doc.short_name.empty() || doc.long_name.empty() ? "  " : ", ",
                                     ToAbsl(doc.long_name));
    if (!doc.argument.empty()) absl::StrAppend(&names, " ", ToAbsl(doc.argument));
    names.resize(std::max(names.size() + 1, kMeaningColumn), ' ');
    std::string line = absl::StrCat(names, ToAbsl(doc.meaning));
    if (!doc.fallback.empty()) {
      const std::string fallback = absl::StrCat("(default: ", ToAbsl(doc.fallback), ")");
      if (line.size() + 1 + fallback.size() > kHelpWidth) line.append("\n").append(kMeaningColumn, ' ');
      else line.push_back(' ');
      line += fallback;
    }
    absl::StrAppend(&out, line, "\n");
  }
  out +=
      "\n"
      "Without --proxy: http_proxy for http URLs, https_proxy or HTTPS_PROXY for https URLs, except\n"
      "hosts in no_proxy or NO_PROXY (comma-separated names, matching subdomains; '*' = all).\n"
      "Exit status: 0 when the run finished, 1 on a fatal error (bad flag, unreadable input, unwritable\n"
      "output), 2 when a row matched --fail-on, 130/143 when stopped by SIGINT/SIGTERM.\n"
      "More: man urlsweep.\n";
  return out;
}

}  // namespace

std::span<const FlagDoc> FlagDocs() { return kFlagDocs; }

const std::string& HelpText() {
  static const std::string* const text = new std::string(RenderHelp());
  return *text;
}

}  // namespace urlsweep
