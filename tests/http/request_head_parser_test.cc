#include "http/request_head_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

using State = RequestHeadParser::State;
using Method = RequestHeadParser::Method;

// Feeds `text` split at every position (and byte by byte) and checks each way gives the same result.
struct Parsed {
  State state;
  Method method;
  std::string target;
  bool too_large;
};

Parsed FeedWhole(const std::string& text) {
  RequestHeadParser p;
  State st = p.Feed(text.data(), text.size());
  return {st, p.method(), std::string(p.target()), p.head_too_large()};
}

void ExpectSameOnEverySplit(const std::string& text) {
  const Parsed whole = FeedWhole(text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    RequestHeadParser p;
    State st = p.Feed(text.data(), cut);
    if (st == State::kNeedMore) st = p.Feed(text.data() + cut, text.size() - cut);
    EXPECT_EQ(st, whole.state) << "cut " << cut;
    if (st == State::kComplete) {
      EXPECT_EQ(p.method(), whole.method) << "cut " << cut;
      EXPECT_EQ(p.target(), whole.target) << "cut " << cut;
    }
  }
  RequestHeadParser bytes;
  State st = State::kNeedMore;
  for (char c : text) {
    st = bytes.Feed(&c, 1);
    if (st != State::kNeedMore) break;
  }
  EXPECT_EQ(st, whole.state) << "byte by byte";
}

TEST(RequestHeadParserTest, PrometheusScrape) {
  const std::string req =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nUser-Agent: Prometheus/2.42.0\r\n"
      "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n"
      "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";
  const Parsed p = FeedWhole(req);
  EXPECT_EQ(p.state, State::kComplete);
  EXPECT_EQ(p.method, Method::kGet);
  EXPECT_EQ(p.target, "/metrics");
  ExpectSameOnEverySplit(req);
}

TEST(RequestHeadParserTest, MethodsAndQuery) {
  RequestHeadParser head;
  const std::string h = "HEAD /metrics?x=1 HTTP/1.0\r\n\r\n";
  EXPECT_EQ(head.Feed(h.data(), h.size()), State::kComplete);
  EXPECT_EQ(head.method(), Method::kHead);
  EXPECT_EQ(head.target(), "/metrics?x=1");
  EXPECT_EQ(head.path(), "/metrics");

  RequestHeadParser post;
  // A body follows the head; it is never looked at.
  const std::string p = "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  EXPECT_EQ(post.Feed(p.data(), p.size()), State::kComplete);
  EXPECT_EQ(post.method(), Method::kOther);
  ExpectSameOnEverySplit(p);
}

TEST(RequestHeadParserTest, NotHttpIsAnError) {
  for (const std::string bad : {"hello\r\n\r\n", "GET\r\n\r\n", "GET /metrics HTTP/9.9\r\n\r\n",
                                "GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n", "\x16\x03\x01\x02\x00"}) {
    EXPECT_EQ(FeedWhole(bad).state, State::kError) << bad;
    ExpectSameOnEverySplit(bad);
  }
}

TEST(RequestHeadParserTest, IncompleteHeadNeedsMore) {
  EXPECT_EQ(FeedWhole("GET /metrics HTTP/1.1\r\nHost: x\r\n").state, State::kNeedMore);
}

TEST(RequestHeadParserTest, HeadBeyondTheLimitIsAnError) {
  std::string req = "GET /metrics HTTP/1.1\r\n";
  while (req.size() < kMaxRequestHeadBytes) req += "X-Filler: 0123456789abcdef0123456789abcdef\r\n";
  const Parsed big = FeedWhole(req + "\r\n");
  EXPECT_EQ(big.state, State::kError);
  EXPECT_TRUE(big.too_large);
  // Byte by byte, it stops at the limit too.
  RequestHeadParser p;
  size_t fed = 0;
  State st = State::kNeedMore;
  while (st == State::kNeedMore && fed < req.size()) st = p.Feed(&req[fed++], 1);
  EXPECT_EQ(st, State::kError);
  EXPECT_EQ(fed, kMaxRequestHeadBytes);
  // Just within the limit, it is parsed.
  std::string fits = "GET /metrics HTTP/1.1\r\nX: ";
  fits += std::string(kMaxRequestHeadBytes - fits.size() - 4, 'a');
  fits += "\r\n\r\n";
  ASSERT_EQ(fits.size(), kMaxRequestHeadBytes);
  EXPECT_EQ(FeedWhole(fits).state, State::kComplete);
}

TEST(RequestHeadParserTest, StateSticksAfterTheEnd) {
  RequestHeadParser p;
  const std::string req = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(p.Feed(req.data(), req.size()), State::kComplete);
  EXPECT_EQ(p.Feed("garbage", 7), State::kComplete);
  EXPECT_EQ(p.target(), "/");
}

}  // namespace
}  // namespace urlsweep
