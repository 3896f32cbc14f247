#include "scanner/config.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace urlsweep {
namespace {

// The fake environment: EnvLookup is a plain function pointer, so the lookup reads a static map.
std::map<std::string, std::string>& FakeEnv() {
  static std::map<std::string, std::string> env;
  return env;
}

const char* LookupFakeEnv(const char* name) {
  auto it = FakeEnv().find(name);
  return it == FakeEnv().end() ? nullptr : it->second.c_str();
}

class ConfigTest : public testing::Test {
 protected:
  void SetUp() override { FakeEnv().clear(); }
  void TearDown() override { FakeEnv().clear(); }

  static absl::StatusOr<ParsedArgs> Parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv = {"urlsweep"};
    argv.insert(argv.end(), args.begin(), args.end());
    return ParseArgs(static_cast<int>(argv.size()), argv.data(), LookupFakeEnv);
  }

  static Config ParseOk(std::initializer_list<const char*> args) {
    absl::StatusOr<ParsedArgs> parsed = Parse(args);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return Config();
    EXPECT_EQ(parsed->action, ParsedArgs::Action::kScan);
    return parsed->config;
  }

  static std::string ParseError(std::initializer_list<const char*> args) {
    absl::StatusOr<ParsedArgs> parsed = Parse(args);
    EXPECT_FALSE(parsed.ok());
    if (parsed.ok()) return "";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(parsed.status().message());
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    return message;
  }

  static std::string WriteTempFile(const std::string& name) {
    std::string path = testing::TempDir() + "/" + name;
    std::ofstream(path) << "# test\n";
    return path;
  }
};

// --capture-header: names in flag order, lower case, a repeat (in any case) one column; --body-hash.
TEST_F(ConfigTest, ExtraColumns) {
  Config none = ParseOk({"x.txt"});
  EXPECT_EQ(none.extra_columns.size(), 0u);
  Config c = ParseOk({"--capture-header", "X-Powered-By", "--capture-header=server", "--capture-header",
                      "x-powered-by", "--body-hash", "x.txt"});
  EXPECT_EQ(c.extra_columns.header_names, (std::vector<std::string>{"x-powered-by", "server"}));
  EXPECT_TRUE(c.extra_columns.body_sha256);
  EXPECT_EQ(c.extra_columns.Name(0), "header_x_powered_by");
  EXPECT_EQ(c.extra_columns.Name(1), "header_server");
  EXPECT_EQ(c.extra_columns.Name(2), "body_sha256");
  EXPECT_EQ(ParseError({"--capture-header", "X Bad", "x.txt"}),
            "--capture-header: expected an HTTP header name, got 'X Bad'");
  EXPECT_EQ(ParseError({"--capture-header", "", "x.txt"}), "--capture-header: expected an HTTP header name, got ''");
  EXPECT_EQ(ParseError({"--capture-header", "a:b", "x.txt"}),
            "--capture-header: expected an HTTP header name, got 'a:b'");
  const std::string long_name(65, 'a');
  EXPECT_FALSE(Parse({"--capture-header", long_name.c_str(), "x.txt"}).ok());
  std::vector<std::string> many;
  std::vector<const char*> argv = {"urlsweep"};
  for (int i = 0; i < 33; ++i) many.push_back("x-" + std::to_string(i));
  for (const std::string& name : many) {
    argv.push_back("--capture-header");
    argv.push_back(name.c_str());
  }
  argv.push_back("x.txt");
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(static_cast<int>(argv.size()), argv.data(), LookupFakeEnv);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "--capture-header: at most 32 headers");
}

TEST_F(ConfigTest, Defaults) {
  Config c = ParseOk({});
  EXPECT_TRUE(c.inputs.empty());
  EXPECT_EQ(c.output, "-");
  EXPECT_EQ(c.format, OutputFormat::kCsv);
  EXPECT_EQ(c.concurrency, 1024);
  EXPECT_EQ(c.per_host, 8);
  EXPECT_EQ(c.rate, 0);
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.method, HttpMethod::kGet);
  EXPECT_TRUE(c.headers.empty());
  EXPECT_EQ(c.user_agent, absl::StrCat("urlsweep/", kVersion));
  EXPECT_EQ(c.timeout_s, 10);
  EXPECT_EQ(c.connect_timeout_s, 5);
  EXPECT_EQ(c.read_timeout_s, 10);
  EXPECT_EQ(c.dns_timeout_s, 5);
  EXPECT_EQ(c.retries, 1);
  EXPECT_EQ(c.follow, 0);
  EXPECT_EQ(c.max_body, 65536);
  EXPECT_TRUE(c.resolvers.empty());
  EXPECT_FALSE(c.http_proxy.has_value());
  EXPECT_FALSE(c.https_proxy.has_value());
  EXPECT_TRUE(c.ca_file.empty());
  EXPECT_EQ(c.tls_verify, TlsVerifyMode::kReport);
  EXPECT_TRUE(c.exclude_file.empty());
  EXPECT_EQ(c.shard_index, 0);
  EXPECT_EQ(c.shard_count, 1);
  EXPECT_FALSE(c.resume);
  EXPECT_EQ(c.progress, ProgressMode::kAuto);
  EXPECT_FALSE(c.summary);
  EXPECT_EQ(c.parquet_compression, ParquetCompression::kZstd);
  EXPECT_EQ(c.flags_text, "");
}

TEST_F(ConfigTest, ShortLongAndAttachedForms) {
  EXPECT_EQ(ParseOk({"-c", "10"}).concurrency, 10);
  EXPECT_EQ(ParseOk({"-c10"}).concurrency, 10);
  EXPECT_EQ(ParseOk({"--concurrency", "11"}).concurrency, 11);
  EXPECT_EQ(ParseOk({"--concurrency=12"}).concurrency, 12);
  EXPECT_EQ(ParseOk({"-o", "out.csv"}).output, "out.csv");
  EXPECT_EQ(ParseOk({"-oout.csv"}).output, "out.csv");
  EXPECT_EQ(ParseOk({"--output=out.csv"}).output, "out.csv");
  // Repeated scalar flags: the last one wins.
  EXPECT_EQ(ParseOk({"-c", "1", "-c", "2"}).concurrency, 2);
}

TEST_F(ConfigTest, PositionalFilesAndDoubleDash) {
  Config c = ParseOk({"a.txt", "-", "-c", "3", "b.txt.gz", "--", "-c", "--weird"});
  EXPECT_EQ(c.inputs, (std::vector<std::string>{"a.txt", "-", "b.txt.gz", "-c", "--weird"}));
  EXPECT_EQ(c.concurrency, 3);
}

TEST_F(ConfigTest, ValueMayStartWithDash) {
  EXPECT_EQ(ParseOk({"-o", "-"}).output, "-");
  EXPECT_EQ(ParseOk({"--user-agent", "-x-"}).user_agent, "-x-");
}

TEST_F(ConfigTest, UnknownFlag) {
  EXPECT_EQ(ParseError({"--foo"}), "unknown flag --foo (see --help)");
  EXPECT_EQ(ParseError({"--foo=secret"}), "unknown flag --foo (see --help)");
  EXPECT_EQ(ParseError({"-y"}), "unknown flag -y (see --help)");
  EXPECT_EQ(ParseError({"-qy"}), "unknown flag -y (see --help)");
  // No prefix abbreviations: they would break when a flag is added.
  EXPECT_EQ(ParseError({"--concur", "3"}), "unknown flag --concur (see --help)");
}

TEST_F(ConfigTest, MissingValue) {
  EXPECT_EQ(ParseError({"--output"}), "--output needs a value");
  EXPECT_EQ(ParseError({"-c"}), "--concurrency needs a value");
  EXPECT_EQ(ParseError({"a.txt", "-H"}), "--header needs a value");
}

TEST_F(ConfigTest, SwitchWithValueRejected) {
  EXPECT_EQ(ParseError({"--resume=yes"}), "--resume takes no value");
  EXPECT_EQ(ParseError({"--insecure=1"}), "--insecure takes no value");
}

TEST_F(ConfigTest, IntegerRanges) {
  EXPECT_EQ(ParseOk({"-c", "1"}).concurrency, 1);
  EXPECT_EQ(ParseOk({"-c", "1000000"}).concurrency, 1000000);
  EXPECT_EQ(ParseError({"-c", "0"}), "--concurrency: expected an integer from 1 to 1000000, got '0'");
  EXPECT_EQ(ParseError({"-c", "1000001"}),
            "--concurrency: expected an integer from 1 to 1000000, got '1000001'");
  EXPECT_EQ(ParseError({"-c", "x"}), "--concurrency: expected an integer from 1 to 1000000, got 'x'");
  EXPECT_EQ(ParseError({"-c", "10x"}), "--concurrency: expected an integer from 1 to 1000000, got '10x'");
  EXPECT_EQ(ParseError({"-c", ""}), "--concurrency: expected an integer from 1 to 1000000, got ''");
  EXPECT_NE(ParseError({"-c", "-5"}), "");
  EXPECT_NE(ParseError({"-c", "99999999999999999999999"}), "");
  EXPECT_NE(ParseError({"-c", " 5"}), "");

  EXPECT_EQ(ParseOk({"--per-host", "1"}).per_host, 1);
  EXPECT_EQ(ParseOk({"--per-host", "1000000"}).per_host, 1000000);
  EXPECT_NE(ParseError({"--per-host", "0"}), "");
  EXPECT_NE(ParseError({"--per-host", "1000001"}), "");

  EXPECT_EQ(ParseOk({"--retries", "0"}).retries, 0);
  EXPECT_EQ(ParseOk({"--retries", "100"}).retries, 100);
  EXPECT_EQ(ParseError({"--retries", "101"}), "--retries: expected an integer from 0 to 100, got '101'");
  EXPECT_NE(ParseError({"--retries", "-1"}), "");

  EXPECT_EQ(ParseOk({"--follow", "0"}).follow, 0);
  EXPECT_EQ(ParseOk({"--follow", "100"}).follow, 100);
  EXPECT_NE(ParseError({"--follow", "101"}), "");

  EXPECT_EQ(ParseOk({"--max-body", "0"}).max_body, 0);
  EXPECT_EQ(ParseOk({"--max-body", "1099511627776"}).max_body, int64_t{1} << 40);
  EXPECT_NE(ParseError({"--max-body", "1099511627777"}), "");
  EXPECT_NE(ParseError({"--max-body", "-1"}), "");
}

TEST_F(ConfigTest, Threads) {
  EXPECT_EQ(ParseOk({"--threads", "4"}).threads, 4);
  EXPECT_EQ(ParseOk({"--threads", "1024"}).threads, 1024);
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(ParseOk({"--threads", "0"}).threads, cores > 0 ? std::min(cores, 1024) : 1);
  EXPECT_GE(ParseOk({"--threads", "0"}).threads, 1);
  EXPECT_EQ(ParseError({"--threads", "1025"}), "--threads: expected an integer from 0 to 1024, got '1025'");
  EXPECT_NE(ParseError({"--threads", "-1"}), "");
}

TEST_F(ConfigTest, Rate) {
  EXPECT_EQ(ParseOk({"--rate", "0"}).rate, 0);
  EXPECT_EQ(ParseOk({"--rate", "2.5"}).rate, 2.5);
  EXPECT_EQ(ParseOk({"--rate=1e3"}).rate, 1000);
  EXPECT_EQ(ParseError({"--rate", "-1"}), "--rate: expected a number >= 0 (0 = no cap), got '-1'");
  EXPECT_NE(ParseError({"--rate", "inf"}), "");
  EXPECT_NE(ParseError({"--rate", "nan"}), "");
  EXPECT_NE(ParseError({"--rate", "fast"}), "");
}

TEST_F(ConfigTest, Timeouts) {
  Config c =
      ParseOk({"--timeout", "30", "--connect-timeout", "0.5", "--read-timeout=2", "--dns-timeout", "86400"});
  EXPECT_EQ(c.timeout_s, 30);
  EXPECT_EQ(c.connect_timeout_s, 0.5);
  EXPECT_EQ(c.read_timeout_s, 2);
  EXPECT_EQ(c.dns_timeout_s, 86400);
  EXPECT_EQ(ParseError({"--timeout", "0"}),
            "--timeout: expected seconds, a number > 0 and <= 86400, got '0'");
  EXPECT_NE(ParseError({"--connect-timeout", "-1"}), "");
  EXPECT_NE(ParseError({"--read-timeout", "86400.5"}), "");
  EXPECT_NE(ParseError({"--dns-timeout", "nan"}), "");
  EXPECT_NE(ParseError({"--timeout", "10s"}), "");
}

TEST_F(ConfigTest, FormatExplicitAndInferred) {
  EXPECT_EQ(ParseOk({"--format", "jsonl"}).format, OutputFormat::kJsonl);
  EXPECT_EQ(ParseOk({"--format=parquet"}).format, OutputFormat::kParquet);
  EXPECT_EQ(ParseOk({"--format", "CSV"}).format, OutputFormat::kCsv);
  EXPECT_EQ(ParseError({"--format", "xml"}), "--format: expected csv, jsonl, parquet or text, got 'xml'");

  EXPECT_EQ(ParseOk({"-o", "r.csv"}).format, OutputFormat::kCsv);
  EXPECT_EQ(ParseOk({"-o", "r.jsonl"}).format, OutputFormat::kJsonl);
  EXPECT_EQ(ParseOk({"-o", "dir/r.PARQUET"}).format, OutputFormat::kParquet);
  EXPECT_EQ(ParseOk({"-o", "r.ndjson"}).format, OutputFormat::kJsonl);
  EXPECT_EQ(ParseOk({"-o", "r.json"}).format, OutputFormat::kJsonl);
  EXPECT_EQ(ParseOk({"-o", "results"}).format, OutputFormat::kCsv);
  EXPECT_EQ(ParseOk({"-o", "-"}).format, OutputFormat::kCsv);
  // Any other extension needs --format: a CSV written into out.xml is what nobody wanted.
  EXPECT_EQ(ParseError({"-o", "r.txt"}),
            "--output 'r.txt': no format goes by the extension '.txt'; name it .csv, .jsonl, .ndjson, .json or "
            ".parquet (.gz or .zst may follow the text ones), or give --format");
  EXPECT_EQ(ParseOk({"-o", "r.txt", "--format", "jsonl"}).format, OutputFormat::kJsonl);
  // An explicit --format wins over the extension, before or after -o.
  EXPECT_EQ(ParseOk({"--format", "jsonl", "-o", "r.parquet"}).format, OutputFormat::kJsonl);
  EXPECT_EQ(ParseOk({"-o", "r.parquet", "--format", "csv"}).format, OutputFormat::kCsv);
  EXPECT_NE(ParseError({"-o", ""}), "");
}

TEST_F(ConfigTest, CompressionFromTheNameOrTheFlag) {
  Config c = ParseOk({"-o", "r.csv.gz"});
  EXPECT_EQ(c.format, OutputFormat::kCsv);
  EXPECT_EQ(c.compression, OutputCompression::kGzip);
  c = ParseOk({"-o", "R.JSONL.ZST"});
  EXPECT_EQ(c.format, OutputFormat::kJsonl);
  EXPECT_EQ(c.compression, OutputCompression::kZstd);
  c = ParseOk({"-o", "results.gz"});
  EXPECT_EQ(c.format, OutputFormat::kCsv);
  EXPECT_EQ(c.compression, OutputCompression::kGzip);
  EXPECT_EQ(ParseOk({"-o", "r.csv"}).compression, OutputCompression::kNone);
  EXPECT_EQ(ParseOk({}).compression, OutputCompression::kNone);
  // The flag wins over the name, and serves standard output.
  EXPECT_EQ(ParseOk({"--compress", "ZSTD"}).compression, OutputCompression::kZstd);
  EXPECT_EQ(ParseOk({"-o", "r.csv.gz", "--compress", "none"}).compression, OutputCompression::kNone);
  EXPECT_EQ(ParseOk({"--compress=gzip", "-o", "r.jsonl"}).compression, OutputCompression::kGzip);
  c = ParseOk({"--format", "jsonl", "-o", "r.2024.zst"});
  EXPECT_EQ(c.format, OutputFormat::kJsonl);
  EXPECT_EQ(c.compression, OutputCompression::kZstd);
  EXPECT_EQ(ParseError({"--compress", "bzip2"}), "--compress: expected gzip, zstd or none, got 'bzip2'");
  // Parquet compresses inside the file.
  EXPECT_EQ(ParseError({"-o", "r.parquet", "--compress", "none"}),
            "--compress does not apply to --format parquet, which compresses inside the file "
            "(--parquet-compression)");
  EXPECT_EQ(ParseError({"-o", "r.parquet.gz"}),
            "--output 'r.parquet.gz' names a gzip stream, but --format parquet compresses inside the file "
            "(--parquet-compression)");
  EXPECT_EQ(ParseError({"--format", "parquet", "-o", "r.zst"}),
            "--output 'r.zst' names a zstd stream, but --format parquet compresses inside the file "
            "(--parquet-compression)");
}

TEST_F(ConfigTest, Method) {
  EXPECT_EQ(ParseOk({"--method", "HEAD"}).method, HttpMethod::kHead);
  EXPECT_EQ(ParseOk({"--method", "head"}).method, HttpMethod::kHead);
  EXPECT_EQ(ParseOk({"--method", "get"}).method, HttpMethod::kGet);
  EXPECT_EQ(ParseError({"--method", "POST"}), "--method: expected GET or HEAD, got 'POST'");
}

TEST_F(ConfigTest, HttpVersionFlags) {
  EXPECT_EQ(ParseOk({}).http_version, HttpVersionMode::kHttp2);
  EXPECT_EQ(ParseOk({"--http1.1"}).http_version, HttpVersionMode::kHttp11);
  EXPECT_EQ(ParseOk({"--http2-prior-knowledge"}).http_version, HttpVersionMode::kHttp2PriorKnowledge);
  // The last one given wins, as for any flag given twice.
  EXPECT_EQ(ParseOk({"--http1.1", "--http2"}).http_version, HttpVersionMode::kHttp2);
  EXPECT_EQ(ParseError({"--http2=yes"}), ParseError({"--resume=yes"}).replace(2, 6, "http2"));
}

TEST_F(ConfigTest, Headers) {
  Config c = ParseOk({"-H", "X-A: 1", "--header", "X-B:two  ", "-HX-C:", "--header=X-D: \t spaced out \t"});
  std::vector<std::pair<std::string, std::string>> want = {
      {"X-A", "1"}, {"X-B", "two"}, {"X-C", ""}, {"X-D", "spaced out"}};
  EXPECT_EQ(c.headers, want);
  EXPECT_EQ(ParseError({"-H", "NoColon"}), "--header: expected 'Name: value', found no ':'");
  EXPECT_EQ(ParseError({"-H", "Bad Name: x"}),
            "--header: the name before ':' must be a non-empty token (RFC 9110 section 5.6.2)");
  EXPECT_NE(ParseError({"-H", ": x"}), "");
  EXPECT_NE(ParseError({"-H", "X-A : x"}), "");
  EXPECT_NE(ParseError({"-H", "X(A): x"}), "");
  EXPECT_EQ(ParseError({"-H", "X-A: a\r\nInjected: 1"}),
            "--header X-A: the value must not contain CR, LF or NUL");
  EXPECT_NE(ParseError({"-H", "X-A: a\nb"}), "");
}

TEST_F(ConfigTest, TooManyHeaders) {
  std::vector<std::string> storage;
  for (int i = 0; i < 65; ++i) storage.push_back(absl::StrCat("X-", i, ": v"));
  std::vector<const char*> argv = {"urlsweep"};
  for (const std::string& h : storage) {
    argv.push_back("-H");
    argv.push_back(h.c_str());
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(static_cast<int>(argv.size()), argv.data(), LookupFakeEnv);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "--header: at most 64 extra headers are allowed");
  argv.resize(argv.size() - 2);
  EXPECT_TRUE(ParseArgs(static_cast<int>(argv.size()), argv.data(), LookupFakeEnv).ok());
}

TEST_F(ConfigTest, UserAgent) {
  EXPECT_EQ(ParseOk({"--user-agent", "bot/1.0 (+https://x)"}).user_agent, "bot/1.0 (+https://x)");
  EXPECT_NE(ParseError({"--user-agent", "a\r\nX: y"}), "");
}

TEST_F(ConfigTest, Resolvers) {
  Config c = ParseOk({"--resolver", "127.0.0.1", "--resolver", "127.0.0.2:5353", "--resolver", "::1",
                      "--resolver=[::1]:5300", "--resolver", "[fe80::1]"});
  ASSERT_EQ(c.resolvers.size(), 5u);
  EXPECT_EQ(c.resolvers[0].ip, "127.0.0.1");
  EXPECT_EQ(c.resolvers[0].port, 53);
  EXPECT_EQ(c.resolvers[1].ip, "127.0.0.2");
  EXPECT_EQ(c.resolvers[1].port, 5353);
  EXPECT_EQ(c.resolvers[2].ip, "::1");
  EXPECT_EQ(c.resolvers[2].port, 53);
  EXPECT_EQ(c.resolvers[3].ip, "::1");
  EXPECT_EQ(c.resolvers[3].port, 5300);
  EXPECT_EQ(c.resolvers[4].ip, "fe80::1");
  EXPECT_EQ(c.resolvers[4].port, 53);
  EXPECT_EQ(ParseError({"--resolver", "dns.example"}),
            "--resolver: expected IP, IP:PORT or [IPv6]:PORT, got 'dns.example'");
  for (const char* bad : {"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "256.0.0.1", "[::1", "[::1]:x",
                          "[127.0.0.1]:53", "::1:53x", ""}) {
    EXPECT_NE(ParseError({"--resolver", bad}), "") << bad;
  }
}

TEST_F(ConfigTest, ProxyFlag) {
  Config c = ParseOk({"--proxy", "http://us%40er:p%3Ass@Proxy.Example:3128"});
  ASSERT_TRUE(c.http_proxy.has_value());
  ASSERT_TRUE(c.https_proxy.has_value());
  EXPECT_EQ(c.http_proxy->host, "proxy.example");
  EXPECT_EQ(c.http_proxy->port, 3128);
  EXPECT_EQ(c.http_proxy->user, "us@er");
  EXPECT_EQ(c.http_proxy->password, "p:ss");
  EXPECT_TRUE(c.http_proxy->has_credentials);
  EXPECT_EQ(c.https_proxy->host, "proxy.example");

  c = ParseOk({"--proxy", "127.0.0.1"});
  ASSERT_TRUE(c.http_proxy.has_value());
  EXPECT_EQ(c.http_proxy->host, "127.0.0.1");
  EXPECT_EQ(c.http_proxy->port, 1080);  // like curl
  EXPECT_FALSE(c.http_proxy->has_credentials);

  c = ParseOk({"--proxy", "http://[::1]:8080/"});
  ASSERT_TRUE(c.http_proxy.has_value());
  EXPECT_EQ(c.http_proxy->host, "::1");
  EXPECT_EQ(c.http_proxy->port, 8080);

  c = ParseOk({"--proxy", "HTTP://user@[::1]"});
  ASSERT_TRUE(c.http_proxy.has_value());
  EXPECT_EQ(c.http_proxy->port, 1080);
  EXPECT_EQ(c.http_proxy->user, "user");
  EXPECT_EQ(c.http_proxy->password, "");
  EXPECT_TRUE(c.http_proxy->has_credentials);

  // An unencoded '@' in the password: the last '@' ends the credentials.
  c = ParseOk({"--proxy", "http://u:p@ss@127.0.0.1:3128"});
  ASSERT_TRUE(c.http_proxy.has_value());
  EXPECT_EQ(c.http_proxy->password, "p@ss");
  EXPECT_EQ(c.http_proxy->host, "127.0.0.1");
}

TEST_F(ConfigTest, ProxyFlagOverridesEnvironment) {
  FakeEnv()["http_proxy"] = "http://env-proxy:1";
  FakeEnv()["https_proxy"] = "http://env-proxy:2";
  FakeEnv()["no_proxy"] = "example.com";
  Config c = ParseOk({"--proxy", "http://flag-proxy:3"});
  EXPECT_EQ(c.http_proxy->host, "flag-proxy");
  EXPECT_EQ(c.https_proxy->port, 3);
  EXPECT_TRUE(c.no_proxy.empty());
  EXPECT_NE(ProxyFor(c, false, "example.com"), nullptr);

  // --proxy '' means none, whatever the environment says.
  c = ParseOk({"--proxy", ""});
  EXPECT_FALSE(c.http_proxy.has_value());
  EXPECT_FALSE(c.https_proxy.has_value());
  c = ParseOk({"--proxy="});
  EXPECT_FALSE(c.http_proxy.has_value());
}

TEST_F(ConfigTest, ProxyErrorsNeverShowCredentials) {
  for (const char* bad :
       {"socks4://user:s3cret@h:1", "socks5://user:s3cret@h:0", "http://user:s3cret@h:99999", "http://user:s3cret@",
        "http://user:s3cret@bad_host!:1", "http://user:s3cret%zz@h:1", "http://user:s3cret@[::1:1",
        "http://user:s3cret@h:port", "https://user:s3cret@h:0"}) {
    std::string error = ParseError({"--proxy", bad});
    EXPECT_TRUE(absl::StartsWith(error, "--proxy: invalid proxy URL: ")) << error;
    EXPECT_FALSE(absl::StrContains(error, "s3cret")) << error;
    EXPECT_FALSE(absl::StrContains(error, "user")) << error;
  }
  EXPECT_EQ(ParseError({"--proxy", "http://u:s3cret@h:0"}),
            "--proxy: invalid proxy URL: bad port (expected 1 to 65535)");
  EXPECT_EQ(ParseError({"--proxy", "socks4://h:1"}),
            "--proxy: invalid proxy URL: unsupported scheme (http://, https://, socks5:// and socks5h:// are)");
}

TEST_F(ConfigTest, EnvironmentProxies) {
  FakeEnv()["http_proxy"] = "plain-proxy:8080";  // no scheme: http://
  FakeEnv()["HTTPS_PROXY"] = "http://u:pw@secure-proxy:8443";
  Config c = ParseOk({});
  ASSERT_TRUE(c.http_proxy.has_value());
  EXPECT_EQ(c.http_proxy->host, "plain-proxy");
  EXPECT_EQ(c.http_proxy->port, 8080);
  ASSERT_TRUE(c.https_proxy.has_value());
  EXPECT_EQ(c.https_proxy->host, "secure-proxy");
  EXPECT_EQ(c.https_proxy->user, "u");
  EXPECT_EQ(ProxyFor(c, false, "a.test"), &*c.http_proxy);
  EXPECT_EQ(ProxyFor(c, true, "a.test"), &*c.https_proxy);

  // Lower case https_proxy comes first.
  FakeEnv()["https_proxy"] = "http://lower:1";
  c = ParseOk({});
  EXPECT_EQ(c.https_proxy->host, "lower");
}

TEST_F(ConfigTest, UpperCaseHttpProxyIgnored) {
  // httpoxy: like curl, HTTP_PROXY is not honoured.
  FakeEnv()["HTTP_PROXY"] = "http://evil:1";
  Config c = ParseOk({});
  EXPECT_FALSE(c.http_proxy.has_value());
  EXPECT_FALSE(c.https_proxy.has_value());
}

TEST_F(ConfigTest, HttpProxyDoesNotApplyToHttps) {
  FakeEnv()["http_proxy"] = "http://p:1";
  Config c = ParseOk({});
  EXPECT_NE(ProxyFor(c, false, "a.test"), nullptr);
  EXPECT_EQ(ProxyFor(c, true, "a.test"), nullptr);
}

TEST_F(ConfigTest, BadEnvironmentProxyNamesVariable) {
  FakeEnv()["https_proxy"] = "http://bob:hunter2@host:notaport";
  std::string error = ParseError({});
  EXPECT_EQ(error, "environment variable https_proxy: invalid proxy URL: bad port (expected 1 to 65535)");
  FakeEnv().clear();
  FakeEnv()["http_proxy"] = "ftp://bob:hunter2@host:1";
  error = ParseError({});
  EXPECT_TRUE(absl::StartsWith(error, "environment variable http_proxy: ")) << error;
  EXPECT_FALSE(absl::StrContains(error, "hunter2"));
  // An unparsable environment proxy does not matter when --proxy is given.
  EXPECT_TRUE(Parse({"--proxy", "http://ok:1"}).ok());
}

TEST_F(ConfigTest, EmptyEnvironmentValueIsUnset) {
  FakeEnv()["https_proxy"] = "";
  FakeEnv()["HTTPS_PROXY"] = "http://upper:1";
  Config c = ParseOk({});
  ASSERT_TRUE(c.https_proxy.has_value());
  EXPECT_EQ(c.https_proxy->host, "upper");
}

TEST_F(ConfigTest, NoProxyMatching) {
  FakeEnv()["http_proxy"] = "http://p:1";
  FakeEnv()["https_proxy"] = "http://p:2";
  FakeEnv()["no_proxy"] = " Example.com, .internal.test ,10.1.2.3,[::1], 192.168.0.0/16 ,fd00::/8,,";
  Config c = ParseOk({});
  EXPECT_EQ(c.no_proxy, (std::vector<std::string>{"example.com", "internal.test", "10.1.2.3", "::1",
                                                  "192.168.0.0/16", "fd00::/8"}));
  EXPECT_FALSE(c.no_proxy_all);
  EXPECT_EQ(ProxyFor(c, false, "example.com"), nullptr);
  EXPECT_EQ(ProxyFor(c, true, "example.com"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "a.example.com"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "a.b.example.com"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "example.com."), nullptr);
  EXPECT_NE(ProxyFor(c, false, "badexample.com"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "example.com.evil"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "com"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "internal.test"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "x.internal.test"), nullptr);
  // IP literals match literal entries and CIDR blocks, never by suffix.
  EXPECT_EQ(ProxyFor(c, false, "10.1.2.3"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "110.1.2.3"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "10.1.2.30"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "::1"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "0:0::1"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "::2"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "192.168.44.5"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "192.169.0.1"), nullptr);
  EXPECT_EQ(ProxyFor(c, true, "fd12::5"), nullptr);
  EXPECT_NE(ProxyFor(c, true, "fe80::5"), nullptr);
}

TEST_F(ConfigTest, NoProxyUpperCaseAndStar) {
  FakeEnv()["http_proxy"] = "http://p:1";
  FakeEnv()["NO_PROXY"] = "a.test";
  Config c = ParseOk({});
  EXPECT_EQ(ProxyFor(c, false, "x.a.test"), nullptr);
  EXPECT_NE(ProxyFor(c, false, "b.test"), nullptr);

  FakeEnv()["NO_PROXY"] = "*";
  c = ParseOk({});
  EXPECT_TRUE(c.no_proxy_all);
  EXPECT_EQ(ProxyFor(c, false, "anything.test"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "127.0.0.1"), nullptr);
}

TEST_F(ConfigTest, CaFileAndExcludeMustBeReadable) {
  std::string ca = WriteTempFile("config_test_ca.pem");
  std::string exclude = WriteTempFile("config_test_exclude.txt");
  Config c = ParseOk({"--ca-file", ca.c_str(), "--exclude", exclude.c_str()});
  EXPECT_EQ(c.ca_file, ca);
  EXPECT_EQ(c.exclude_file, exclude);
  std::string missing = testing::TempDir() + "/config_test_missing.pem";
  EXPECT_EQ(ParseError({"--ca-file", missing.c_str()}),
            absl::StrCat("--ca-file: cannot read '", missing, "': No such file or directory"));
  EXPECT_TRUE(absl::StartsWith(ParseError({"--exclude", missing.c_str()}), "--exclude: cannot read '"));
  EXPECT_TRUE(absl::EndsWith(ParseError({"--exclude", testing::TempDir().c_str()}), ": it is a directory"));
}

TEST_F(ConfigTest, TlsVerify) {
  EXPECT_EQ(ParseOk({"--tls-verify", "strict"}).tls_verify, TlsVerifyMode::kStrict);
  EXPECT_EQ(ParseOk({"--tls-verify", "off"}).tls_verify, TlsVerifyMode::kOff);
  EXPECT_EQ(ParseOk({"--tls-verify", "report"}).tls_verify, TlsVerifyMode::kReport);
  EXPECT_EQ(ParseError({"--tls-verify", "maybe"}),
            "--tls-verify: expected report, strict or off, got 'maybe'");
}

TEST_F(ConfigTest, ProxyAuth) {
  EXPECT_EQ(ParseOk({}).proxy_auth_mode, ProxyAuthMode::kAny);
  EXPECT_EQ(ParseOk({"--proxy-auth", "basic"}).proxy_auth_mode, ProxyAuthMode::kBasic);
  EXPECT_EQ(ParseOk({"--proxy-auth", "digest"}).proxy_auth_mode, ProxyAuthMode::kDigest);
  EXPECT_EQ(ParseOk({"--proxy-auth=ntlm"}).proxy_auth_mode, ProxyAuthMode::kNtlm);
  EXPECT_EQ(ParseOk({"--proxy-auth", "any"}).proxy_auth_mode, ProxyAuthMode::kAny);
  EXPECT_EQ(ParseError({"--proxy-auth", "kerberos"}),
            "--proxy-auth: expected any, basic, digest or ntlm, got 'kerberos'");
}

TEST_F(ConfigTest, Shard) {
  Config c = ParseOk({"--shard", "2/5"});
  EXPECT_EQ(c.shard_index, 2);
  EXPECT_EQ(c.shard_count, 5);
  EXPECT_EQ(ParseOk({"--shard=0/1"}).shard_count, 1);
  EXPECT_EQ(ParseError({"--shard", "5/5"}), "--shard: expected I/N with 0 <= I < N, got '5/5'");
  for (const char* bad : {"0/0", "-1/2", "1", "1/", "/2", "a/b", "1/2/3", "0/99999999999"}) {
    EXPECT_NE(ParseError({"--shard", bad}), "") << bad;
  }
}

TEST_F(ConfigTest, ShardBy) {
  EXPECT_EQ(ParseOk({}).shard_by, ShardBy::kHost);
  EXPECT_EQ(ParseOk({"--shard-by", "line", "--shard", "1/4"}).shard_by, ShardBy::kLine);
  EXPECT_EQ(ParseOk({"--shard-by=HOST"}).shard_by, ShardBy::kHost);
  EXPECT_EQ(ParseError({"--shard-by", "url"}), "--shard-by: expected host or line, got 'url'");
  EXPECT_EQ(ParseError({"--shard-by"}), "--shard-by needs a value");
}

TEST_F(ConfigTest, ProgressJsonAndMetricsListen) {
  Config c = ParseOk({});
  EXPECT_FALSE(c.progress_json);
  EXPECT_FALSE(c.metrics_listen.has_value());
  EXPECT_TRUE(ParseOk({"--progress-json"}).progress_json);
  // -q silences the line for people, not the JSON asked for by name.
  c = ParseOk({"-q", "--progress-json"});
  EXPECT_TRUE(c.progress_json);
  EXPECT_EQ(c.progress, ProgressMode::kOff);

  c = ParseOk({"--metrics-listen", "127.0.0.1:9100"});
  ASSERT_TRUE(c.metrics_listen.has_value());
  EXPECT_EQ(c.metrics_listen->ip, "127.0.0.1");
  EXPECT_EQ(c.metrics_listen->port, 9100);
  c = ParseOk({"--metrics-listen=[::1]:9200"});
  EXPECT_EQ(c.metrics_listen->ip, "::1");
  EXPECT_EQ(c.metrics_listen->port, 9200);
  c = ParseOk({"--metrics-listen", "localhost:9300"});
  EXPECT_EQ(c.metrics_listen->ip, "127.0.0.1");
  EXPECT_EQ(c.metrics_listen->port, 9300);
  EXPECT_EQ(ParseOk({"--metrics-listen", "0.0.0.0:9100"}).metrics_listen->ip, "0.0.0.0");
  EXPECT_EQ(ParseError({"--metrics-listen", "127.0.0.1"}),
            "--metrics-listen: expected HOST:PORT (IP, [IPv6] or localhost, and a port 1-65535), got '127.0.0.1'");
  for (const char* bad : {"", ":9100", "127.0.0.1:0", "127.0.0.1:65536", "example.com:9100", "localhost:",
                          "localhost", "[::1]", "::1:9100", "127.0.0.1:x"}) {
    EXPECT_NE(ParseError({"--metrics-listen", bad}), "") << bad;
  }
}

TEST_F(ConfigTest, Resume) {
  EXPECT_EQ(ParseError({"--resume"}), "--resume needs --output FILE: standard output cannot be resumed");
  EXPECT_NE(ParseError({"--resume", "-o", "-"}), "");
  Config c = ParseOk({"--resume", "-o", "out.csv"});
  EXPECT_TRUE(c.resume);
}

TEST_F(ConfigTest, ProgressQuietSummary) {
  EXPECT_EQ(ParseOk({"-q"}).progress, ProgressMode::kOff);
  EXPECT_EQ(ParseOk({"--quiet"}).progress, ProgressMode::kOff);
  EXPECT_EQ(ParseOk({"--progress"}).progress, ProgressMode::kOn);
  EXPECT_EQ(ParseOk({"-q", "--progress"}).progress, ProgressMode::kOn);
  EXPECT_EQ(ParseOk({"--progress", "-q"}).progress, ProgressMode::kOff);
  EXPECT_TRUE(ParseOk({"--summary"}).summary);
}

TEST_F(ConfigTest, ParquetCompression) {
  EXPECT_EQ(ParseOk({"--parquet-compression", "snappy"}).parquet_compression, ParquetCompression::kSnappy);
  EXPECT_EQ(ParseOk({"--parquet-compression=none"}).parquet_compression, ParquetCompression::kNone);
  EXPECT_EQ(ParseOk({"--parquet-compression", "zstd"}).parquet_compression, ParquetCompression::kZstd);
  EXPECT_EQ(ParseError({"--parquet-compression", "gzip"}),
            "--parquet-compression: expected zstd, snappy or none, got 'gzip'");
}

TEST_F(ConfigTest, HelpAndVersionActions) {
  absl::StatusOr<ParsedArgs> p = Parse({"-c", "5", "--help"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->action, ParsedArgs::Action::kHelp);
  p = Parse({"-h"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->action, ParsedArgs::Action::kHelp);
  p = Parse({"--version", "--bogus"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->action, ParsedArgs::Action::kVersion);
  // A bad flag before --help is still reported.
  EXPECT_FALSE(Parse({"--bogus", "--help"}).ok());
}

// The flag table --help and the man page render (help_text.h) and the one ParseArgs reads hold the
// same flags: each flag ParseArgs accepts is documented with its short name, and nothing else is.
TEST_F(ConfigTest, HelpDocumentsExactlyTheFlagsParseArgsTakes) {
  const std::string& help = HelpText();
  EXPECT_TRUE(absl::StartsWith(help, "usage: urlsweep [FLAGS] [FILE ...]\n"));
  EXPECT_TRUE(absl::StrContains(help, "urlsweep report"));
  std::vector<std::string> documented;
  for (const FlagDoc& doc : FlagDocs()) {
    const std::string name(doc.long_name.empty() ? doc.short_name : doc.long_name);
    documented.push_back(name);
    bool accepted = false;
    for (const FlagSpec& spec : ScanFlags()) {
      const std::string spec_long = spec.long_name.empty() ? "" : "--" + std::string(spec.long_name);
      const std::string spec_short = spec.short_name == 0 ? "" : std::string{'-', spec.short_name};
      if (spec_long == doc.long_name && spec_short == doc.short_name) accepted = true;
    }
    EXPECT_TRUE(accepted) << name << " is documented as ParseArgs does not take it";
    // A flag that sets something names its default, unless it is another name for a documented flag.
    if (!doc.argument.empty() && !doc.meaning.starts_with("same as ")) {
      EXPECT_FALSE(doc.fallback.empty()) << name;
    }
    // Every line of the table is in --help, names and meaning.
    std::string names = doc.short_name.empty() ? std::string(doc.long_name)
                        : doc.long_name.empty() ? std::string(doc.short_name)
                                                : std::string(doc.short_name) + ", " + std::string(doc.long_name);
    EXPECT_NE(help.find(names), std::string::npos) << names;
    EXPECT_NE(help.find(doc.meaning), std::string::npos) << names;
  }
  for (const FlagSpec& spec : ScanFlags()) {
    const std::string name =
        spec.long_name.empty() ? std::string{'-', spec.short_name} : "--" + std::string(spec.long_name);
    EXPECT_NE(std::find(documented.begin(), documented.end(), name), documented.end()) << name << " is undocumented";
  }
  EXPECT_TRUE(absl::StrContains(help, "(default: 1024)"));
  EXPECT_TRUE(absl::StrContains(help, "(default: 65536)"));
  // No line is wider than a wide terminal.
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(help, '\n'))) {
    EXPECT_LE(line.size(), 100u) << line;
  }
}

// curl's names (docs/flags.md, "curl's names") parse to the same Config as the long forms.
TEST_F(ConfigTest, CurlNamesAreTheSameFlags) {
  auto same = [](std::initializer_list<const char*> curl, std::initializer_list<const char*> ours) {
    Config a = ParseOk(curl);
    Config b = ParseOk(ours);
    EXPECT_EQ(a.http_proxy.has_value(), b.http_proxy.has_value());
    if (a.http_proxy && b.http_proxy) {
      EXPECT_EQ(a.http_proxy->host, b.http_proxy->host);
    }
    EXPECT_EQ(a.user_agent, b.user_agent);
    EXPECT_EQ(a.timeout_s, b.timeout_s);
    EXPECT_EQ(a.ca_file, b.ca_file);
    EXPECT_EQ(a.tls_verify, b.tls_verify);
    EXPECT_EQ(a.progress, b.progress);
    EXPECT_EQ(a.method, b.method);
    EXPECT_EQ(a.follow, b.follow);
    EXPECT_EQ(a.ip_version, b.ip_version);
  };
  const std::string ca = WriteTempFile("curl_names_ca.pem");
  same({"-x", "http://p:3128"}, {"--proxy", "http://p:3128"});
  same({"-A", "bot/1"}, {"--user-agent", "bot/1"});
  same({"-m", "3.5"}, {"--timeout", "3.5"});
  same({"--max-time=2"}, {"--timeout=2"});
  same({"--cacert", ca.c_str()}, {"--ca-file", ca.c_str()});
  same({"-k"}, {"--tls-verify", "off"});
  same({"--insecure"}, {"--tls-verify=off"});
  same({"-s"}, {"--quiet"});
  same({"--silent"}, {"-q"});
  same({"-I"}, {"--method", "HEAD"});
  same({"--head"}, {"--method=head"});
  same({"-L"}, {"--follow", "10"});
  same({"--location"}, {"--follow=10"});
  same({"-L", "--max-redirs", "3"}, {"--follow", "3"});
  same({"--max-redirs", "4", "-L"}, {"--follow", "4"});
  same({"--max-redirs", "2"}, {"--follow", "2"});
  same({"-4"}, {"--ip-version", "4"});
  same({"-6"}, {"--ip-version=6"});
  EXPECT_EQ(ParseOk({}).ip_version, IpVersion::kAny);
  EXPECT_EQ(ParseOk({"-4", "--ip-version", "any"}).ip_version, IpVersion::kAny);
  auto version = Parse({"-V"});
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->action, ParsedArgs::Action::kVersion);
  // Errors name the flag as the table does.
  EXPECT_EQ(ParseError({"-m", "x"}), "--max-time: expected seconds, a number > 0 and <= 86400, got 'x'");
  EXPECT_EQ(ParseError({"--ip-version", "5"}), "--ip-version: expected 4, 6 or any, got '5'");
  EXPECT_EQ(ParseError({"-4=x"}), "unknown flag -= (see --help)");
}

TEST_F(ConfigTest, CombinedShortFlags) {
  Config c = ParseOk({"-sLk", "-qo", "out.csv", "in.txt"});
  EXPECT_EQ(c.progress, ProgressMode::kOff);
  EXPECT_EQ(c.follow, 10);
  EXPECT_EQ(c.tls_verify, TlsVerifyMode::kOff);
  EXPECT_EQ(c.output, "out.csv");
  EXPECT_EQ(c.inputs, std::vector<std::string>{"in.txt"});
  EXPECT_EQ(c.flags_text, "-s -L -k -q -o out.csv in.txt");
  c = ParseOk({"-Io", "r.jsonl", "-c5"});
  EXPECT_EQ(c.method, HttpMethod::kHead);
  EXPECT_EQ(c.output, "r.jsonl");
  EXPECT_EQ(c.format, OutputFormat::kJsonl);
  EXPECT_EQ(c.concurrency, 5);
  EXPECT_EQ(c.flags_text, "-I -o r.jsonl -c5");
  EXPECT_EQ(ParseError({"-sZ"}), "unknown flag -Z (see --help)");
  EXPECT_EQ(ParseError({"-so"}), "--output needs a value");
}

// "-o=out.csv" would write a file named "=out.csv" in curl and getopt(3); it is refused, and the message
// says what to write instead. Secrets stay masked in it.
TEST_F(ConfigTest, ShortFlagWithEqualsIsRefused) {
  EXPECT_EQ(ParseError({"-o=out.csv"}), "-o=out.csv: write -o out.csv or --output=out.csv");
  EXPECT_EQ(ParseError({"-qo=out.csv"}), "-o=out.csv: write -o out.csv or --output=out.csv");
  EXPECT_EQ(ParseError({"-x=http://u:pw@p:1"}), "-x=http://***@p:1: write -x http://***@p:1 or --proxy=http://***@p:1");
  // As an argument of its own, a value may start with '='.
  EXPECT_EQ(ParseOk({"-o", "=x.csv"}).output, "=x.csv");
  EXPECT_EQ(ParseOk({"--output==x.csv"}).output, "=x.csv");
}

TEST_F(ConfigTest, FailOn) {
  EXPECT_TRUE(ParseOk({}).fail_on.empty());
  Config c = ParseOk({"--fail-on", "error,5xx,404", "--fail-on=dns_nxdomain, 4XX"});
  EXPECT_TRUE(c.fail_on.any_error);
  EXPECT_EQ(c.fail_on.errors, std::vector<ErrorCode>{ErrorCode::kDnsNxdomain});
  EXPECT_EQ(c.fail_on.statuses, (std::vector<std::pair<int, int>>{{500, 599}, {404, 404}, {400, 499}}));
  const std::string expected = "error, an error word, 4xx, 5xx or a status code, comma-separated";
  EXPECT_EQ(ParseError({"--fail-on", "errors"}), "--fail-on: expected " + expected + ", got 'errors'");
  EXPECT_EQ(ParseError({"--fail-on", "5xx,6xx"}), "--fail-on: expected " + expected + ", got '6xx'");
  EXPECT_EQ(ParseError({"--fail-on", "99"}), "--fail-on: expected " + expected + ", got '99'");
  EXPECT_EQ(ParseError({"--fail-on", "error,,5xx"}), "--fail-on: expected " + expected + ", got 'error,,5xx'");
  EXPECT_EQ(ParseError({"--fail-on", ""}), "--fail-on: expected " + expected + ", got ''");
}

// --format text is the default only for standard output that is a terminal.
TEST_F(ConfigTest, TextIsTheDefaultOnATerminal) {
  auto format = [](std::initializer_list<const char*> args, bool terminal) {
    std::vector<const char*> argv = {"urlsweep"};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(static_cast<int>(argv.size()), argv.data(), LookupFakeEnv, terminal);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? parsed->config.format : OutputFormat::kCsv;
  };
  EXPECT_EQ(format({}, true), OutputFormat::kText);
  EXPECT_EQ(format({"-o", "-"}, true), OutputFormat::kText);
  EXPECT_EQ(format({}, false), OutputFormat::kCsv);
  EXPECT_EQ(format({"--format", "csv"}, true), OutputFormat::kCsv);
  EXPECT_EQ(format({"-o", "r.jsonl"}, true), OutputFormat::kJsonl);
  EXPECT_EQ(format({"-o", "r"}, true), OutputFormat::kCsv);
  EXPECT_EQ(format({"--format", "TEXT", "-o", "r.csv"}, false), OutputFormat::kText);
  EXPECT_EQ(ParseError({"--format", "txt"}), "--format: expected csv, jsonl, parquet or text, got 'txt'");
  // Lines on a terminal are the progress: no progress line over them unless asked for.
  auto progress = [](std::initializer_list<const char*> args, bool terminal) {
    std::vector<const char*> argv = {"urlsweep"};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(static_cast<int>(argv.size()), argv.data(), LookupFakeEnv, terminal);
    return parsed.ok() ? parsed->config.progress : ProgressMode::kAuto;
  };
  EXPECT_EQ(progress({}, true), ProgressMode::kOff);
  EXPECT_EQ(progress({"--progress"}, true), ProgressMode::kOn);
  EXPECT_EQ(progress({}, false), ProgressMode::kAuto);
  EXPECT_EQ(progress({"--format", "text"}, false), ProgressMode::kAuto);
}

TEST_F(ConfigTest, FlagsTextMasksSecrets) {
  Config c = ParseOk({"-c", "5", "--proxy", "http://alice:s3cret@proxy:3128", "-H",
                      "Authorization: Bearer tok", "--header=cookie: sid=abc",
                      "-HProxy-Authorization: Basic xyz", "-H", "X-Plain: visible", "in put.txt"});
  EXPECT_EQ(c.flags_text,
            "-c 5 --proxy 'http://***@proxy:3128' -H 'Authorization: ***' '--header=cookie: ***' "
            "'-HProxy-Authorization: ***' -H 'X-Plain: visible' 'in put.txt'");
  EXPECT_FALSE(absl::StrContains(c.flags_text, "s3cret"));
  EXPECT_FALSE(absl::StrContains(c.flags_text, "alice"));
  EXPECT_FALSE(absl::StrContains(c.flags_text, "tok"));
  EXPECT_FALSE(absl::StrContains(c.flags_text, "abc"));
  EXPECT_FALSE(absl::StrContains(c.flags_text, "xyz"));

  c = ParseOk({"--proxy=http://bob:pw@[::1]:8080/"});
  EXPECT_EQ(c.flags_text, "'--proxy=http://***@[::1]:8080/'");  // quoted: '*' is a shell glob
  c = ParseOk({"--proxy", "http://proxy:3128"});
  EXPECT_EQ(c.flags_text, "--proxy http://proxy:3128");
  c = ParseOk({"--user-agent", "it's"});
  EXPECT_EQ(c.flags_text, "--user-agent 'it'\\''s'");
}

TEST_F(ConfigTest, EmptyPositionalRejected) { EXPECT_NE(ParseError({""}), ""); }

TEST_F(ConfigTest, NullEnvLookupMeansEmptyEnvironment) {
  const char* argv[] = {"urlsweep", "-c", "3"};
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(3, argv, nullptr);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->config.http_proxy.has_value());
}

TEST_F(ConfigTest, SchemeLess) {
  EXPECT_EQ(ParseOk({}).scheme_less, SchemeLess::kHttp);
  EXPECT_EQ(ParseOk({"--scheme-less", "https"}).scheme_less, SchemeLess::kHttps);
  EXPECT_EQ(ParseOk({"--scheme-less", "https,http"}).scheme_less, SchemeLess::kHttpsThenHttp);
  EXPECT_EQ(ParseOk({"--scheme-less=http,https"}).scheme_less, SchemeLess::kHttpThenHttps);
  EXPECT_EQ(ParseOk({"--scheme-less", "HTTP"}).scheme_less, SchemeLess::kHttp);
  EXPECT_EQ(ParseError({"--scheme-less", "ftp"}),
            "--scheme-less: expected https, http, or both in the order to try them (https,http), got 'ftp'");
  EXPECT_EQ(ParseError({"--scheme-less", "http,http"}),
            "--scheme-less: expected https, http, or both in the order to try them (https,http), got 'http,http'");
}

}  // namespace
}  // namespace urlsweep
