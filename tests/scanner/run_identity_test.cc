// RunIdentity (scanner/run_identity.h): which flags and inputs make a run, and how the first difference
// from an interrupted run is named, secrets never shown.
#include "scanner/run_identity.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scanner/journal_format.h"

namespace urlsweep {
namespace {

constexpr char kSalt[] = "0123456789abcdef";

Config Base() {
  Config c;
  c.inputs = {"a.txt"};
  c.output = "out.csv";
  c.user_agent = "urlsweep/test";
  return c;
}

std::vector<InputIdentity> Inputs() { return {{"a.txt", 100}}; }

std::string Difference(const Config& now, const Config& then, std::vector<InputIdentity> inputs_now = Inputs(),
                       std::vector<InputIdentity> inputs_then = Inputs()) {
  return FirstDifference(IdentityOf(now, std::move(inputs_now), kSalt),
                         IdentityOf(then, std::move(inputs_then), kSalt));
}

TEST(RunIdentityTest, TheSameRunHasNoDifference) {
  Config c = Base();
  c.headers = {{"X-A", "1"}, {"Cookie", "k=v"}};
  EXPECT_EQ(Difference(c, c), "");
}

TEST(RunIdentityTest, SpeedAndVisibilityAreNotPartOfIt) {
  Config now = Base();
  now.concurrency = 7;
  now.threads = 3;
  now.rate = 5;
  now.progress = ProgressMode::kOn;
  now.summary = true;
  now.resume = true;
  now.output = "copy.csv";
  now.parquet_compression = ParquetCompression::kNone;
  now.flags_text = "anything";
  now.progress_json = true;
  now.metrics_listen = Endpoint{"127.0.0.1", 9100};
  EXPECT_EQ(Difference(now, Base()), "");
}

TEST(RunIdentityTest, NamesTheFirstFlagThatDiffers) {
  Config now = Base();
  now.method = HttpMethod::kHead;
  now.shard_index = 1;
  now.shard_count = 4;
  EXPECT_EQ(Difference(now, Base()), "--method is HEAD here but was GET in the interrupted run");
  now.method = HttpMethod::kGet;
  EXPECT_EQ(Difference(now, Base()), "--shard is 1/4 here but was 0/1 in the interrupted run");
  Config format = Base();
  format.format = OutputFormat::kParquet;
  EXPECT_EQ(Difference(format, Base()), "--format is parquet here but was csv in the interrupted run");
  Config timeout = Base();
  timeout.timeout_s = 0.1;
  EXPECT_EQ(Difference(timeout, Base()), "--timeout is 0.1 here but was 10 in the interrupted run");
  Config exclude = Base();
  exclude.exclude_file = "my list";
  EXPECT_EQ(Difference(exclude, Base()), "--exclude is 'my list' here but was (none) in the interrupted run");
}

TEST(RunIdentityTest, SchemeLessCountsOnlyWhenNotTheDefault) {
  Config both = Base();
  both.scheme_less = SchemeLess::kHttpsThenHttp;
  EXPECT_EQ(Difference(both, both), "");
  EXPECT_NE(Difference(both, Base()), "");
  EXPECT_NE(Difference(Base(), both), "");
  Config https = Base();
  https.scheme_less = SchemeLess::kHttps;
  EXPECT_EQ(Difference(https, both), "--scheme-less is https here but was https,http in the interrupted run");
  // The default is not recorded: a journal written before the flag existed matches it.
  const RunIdentity id = IdentityOf(Base(), Inputs(), kSalt);
  for (const IdentityFlag& f : id.flags) EXPECT_NE(f.key, "scheme-less");
}

TEST(RunIdentityTest, HttpVersionCountsOnlyWhenNotTheDefault) {
  Config h11 = Base();
  h11.http_version = HttpVersionMode::kHttp11;
  Config prior = Base();
  prior.http_version = HttpVersionMode::kHttp2PriorKnowledge;
  EXPECT_EQ(Difference(h11, h11), "");
  EXPECT_EQ(Difference(h11, prior),
            "the HTTP version (--http2, --http1.1 or --http2-prior-knowledge) is --http1.1 here but was "
            "--http2-prior-knowledge in the interrupted run");
  EXPECT_NE(Difference(Base(), h11), "");
  const RunIdentity id = IdentityOf(Base(), Inputs(), kSalt);
  for (const IdentityFlag& f : id.flags) EXPECT_NE(f.key, "http-version");
}

TEST(RunIdentityTest, ProxyAuthCountsOnlyWhenNotTheDefault) {
  Config ntlm = Base();
  ntlm.proxy_auth_mode = ProxyAuthMode::kNtlm;
  EXPECT_EQ(Difference(ntlm, ntlm), "");
  Config basic = Base();
  basic.proxy_auth_mode = ProxyAuthMode::kBasic;
  EXPECT_EQ(Difference(basic, ntlm), "--proxy-auth is basic here but was ntlm in the interrupted run");
  EXPECT_NE(Difference(Base(), ntlm), "");
  const RunIdentity id = IdentityOf(Base(), Inputs(), kSalt);
  for (const IdentityFlag& f : id.flags) EXPECT_NE(f.key, "proxy-auth");
}

TEST(RunIdentityTest, SecretsAreDigestedAndNeverShown) {
  Config then = Base();
  then.headers = {{"authorization", "Bearer hunter2"}, {"X-Trace", "1"}};
  ProxySpec proxy;
  proxy.host = "proxy.test";
  proxy.port = 3128;
  proxy.user = "alice";
  proxy.password = "s3cret-pw";
  proxy.has_credentials = true;
  then.https_proxy = proxy;
  const RunIdentity id = IdentityOf(then, Inputs(), kSalt);
  const std::string header = JournalHeader(id);
  for (const char* secret : {"hunter2", "alice", "s3cret-pw"}) {
    EXPECT_EQ(header.find(secret), std::string::npos) << secret << " in clear:\n" << header;
  }
  EXPECT_NE(header.find("proxy.test:3128"), std::string::npos);

  Config now = then;
  now.headers[0].second = "Bearer other";
  std::string difference = Difference(now, then);
  EXPECT_EQ(difference, "--header differs from the interrupted run's (secret values are not shown)");
  now = then;
  now.https_proxy->password = "other";
  difference = Difference(now, then);
  EXPECT_EQ(difference,
            "the proxy for https URLs (--proxy, https_proxy or HTTPS_PROXY) differs from the interrupted run's "
            "(secret values are not shown)");
  now = then;
  now.https_proxy->host = "other.test";
  EXPECT_EQ(Difference(now, then),
            "the proxy for https URLs (--proxy, https_proxy or HTTPS_PROXY) is ***@other.test:3128 here but was "
            "***@proxy.test:3128 in the interrupted run");
  // Another salt, another digest: a journal's digests cannot be compared with another journal's.
  EXPECT_NE(JournalHeader(IdentityOf(then, Inputs(), "ffff")).find("proxy.test"), std::string::npos);
  EXPECT_NE(IdentityOf(then, Inputs(), "ffff").flags, id.flags);
}

TEST(RunIdentityTest, NamesTheFirstInputThatDiffers) {
  const Config c = Base();
  EXPECT_EQ(Difference(c, c, {{"b.txt", 100}}, Inputs()),
            "input 1 is 'b.txt' here but was 'a.txt' in the interrupted run");
  EXPECT_EQ(Difference(c, c, {{"a.txt", 90}}, Inputs()),
            "'a.txt' is a regular file of 90 bytes here but was a regular file of 100 bytes in the interrupted run");
  EXPECT_EQ(Difference(c, c, {{"a.txt", -1}}, Inputs()),
            "'a.txt' is not a regular file here but was a regular file of 100 bytes in the interrupted run");
  EXPECT_EQ(Difference(c, c, {{"a.txt", 100}, {"-", -1}}, Inputs()),
            "input 2 (standard input) was not an input of the interrupted run");
  EXPECT_EQ(Difference(c, c, {}, Inputs()), "the interrupted run also read input 1 ('a.txt'), missing here");
}

TEST(RunIdentityTest, FlagsUnknownToEitherSideAreADifference) {
  RunIdentity now = IdentityOf(Base(), Inputs(), kSalt);
  RunIdentity then = now;
  then.flags.push_back({"dedupe", "on"});
  EXPECT_EQ(FirstDifference(now, then),
            "the interrupted run recorded --dedupe (on), which this urlsweep does not know");
  EXPECT_EQ(FirstDifference(then, now), "--dedupe is on here but the interrupted run did not record it");
}

TEST(RunIdentityTest, ShardByIsPartOfTheRun) {
  Config now = Base();
  now.shard_by = ShardBy::kLine;
  EXPECT_EQ(Difference(now, Base()), "--shard-by is line here but was host in the interrupted run");
}

}  // namespace
}  // namespace urlsweep
