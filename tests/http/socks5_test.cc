// SOCKS5 (RFC 1928, RFC 1929): the bytes urlsweep sends, and the server's answers read from every split
// of their bytes across reads.
#include "http/socks5.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

using Message = Socks5Reader::Message;
using State = Socks5Reader::State;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

struct Outcome {
  State state;
  size_t consumed;
  uint8_t value;
};

// Feeds `in` in the pieces that the cut positions in `cuts` make (ascending, inside the input).
Outcome FeedCut(Message m, const std::string& in, const std::vector<size_t>& cuts) {
  Socks5Reader r;
  r.Expect(m);
  Outcome o{State::kNeedMore, 0, 0};
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(in.size());
  for (size_t end : ends) {
    size_t used = 0;
    State before = o.state;
    o.state = r.Feed(in.data() + start, end - start, &used);
    if (before != State::kNeedMore) {
      EXPECT_EQ(used, 0u);
    }
    o.consumed += used;
    start = end;
  }
  o.value = r.value();
  return o;
}

// The same outcome for the whole input, for each single cut and for one byte at a time.
Outcome FeedEverySplit(Message m, const std::string& in) {
  Outcome whole = FeedCut(m, in, {});
  for (size_t cut = 1; cut < in.size(); ++cut) {
    Outcome o = FeedCut(m, in, {cut});
    EXPECT_EQ(o.state, whole.state) << "cut at " << cut;
    EXPECT_EQ(o.consumed, whole.consumed) << "cut at " << cut;
    EXPECT_EQ(o.value, whole.value) << "cut at " << cut;
  }
  std::vector<size_t> bytewise;
  for (size_t i = 1; i < in.size(); ++i) bytewise.push_back(i);
  Outcome o = FeedCut(m, in, bytewise);
  EXPECT_EQ(o.state, whole.state);
  EXPECT_EQ(o.consumed, whole.consumed);
  EXPECT_EQ(o.value, whole.value);
  return whole;
}

TEST(Socks5Test, Greeting) {
  std::string out;
  SerializeSocksGreeting(false, &out);
  EXPECT_EQ(out, Bytes({5, 1, 0}));
  SerializeSocksGreeting(true, &out);
  EXPECT_EQ(out, Bytes({5, 2, 0, 2}));
}

TEST(Socks5Test, UserPass) {
  std::string out;
  ASSERT_TRUE(SerializeSocksUserPass("al", "pw!", &out));
  EXPECT_EQ(out, Bytes({1, 2, 'a', 'l', 3, 'p', 'w', '!'}));
  EXPECT_FALSE(SerializeSocksUserPass(std::string(256, 'u'), "p", &out));
  EXPECT_FALSE(SerializeSocksUserPass("u", std::string(256, 'p'), &out));
  EXPECT_TRUE(SerializeSocksUserPass(std::string(255, 'u'), std::string(255, 'p'), &out));
  EXPECT_EQ(out.size(), 1u + 1 + 255 + 1 + 255);
}

TEST(Socks5Test, ConnectRequests) {
  std::string out;
  ASSERT_TRUE(SerializeSocksConnectDomain("a.example", 443, &out));
  EXPECT_EQ(out, Bytes({5, 1, 0, 3, 9}) + "a.example" + Bytes({1, 0xBB}));
  EXPECT_FALSE(SerializeSocksConnectDomain("", 80, &out));
  EXPECT_FALSE(SerializeSocksConnectDomain(std::string(256, 'a'), 80, &out));

  IpAddress v4;
  ASSERT_TRUE(ParseIpLiteral("127.0.0.1", &v4));
  SerializeSocksConnectAddress(v4, 8080, &out);
  EXPECT_EQ(out, Bytes({5, 1, 0, 1, 127, 0, 0, 1, 0x1F, 0x90}));
  IpAddress v6;
  ASSERT_TRUE(ParseIpLiteral("::1", &v6));
  SerializeSocksConnectAddress(v6, 80, &out);
  EXPECT_EQ(out, Bytes({5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80}));
}

TEST(Socks5Test, MethodReply) {
  Outcome o = FeedEverySplit(Message::kMethod, Bytes({5, 2}));
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.value, kSocksMethodUserPass);
  EXPECT_EQ(FeedEverySplit(Message::kMethod, Bytes({5, 0xFF})).value, kSocksMethodNoneAcceptable);
  EXPECT_EQ(FeedEverySplit(Message::kMethod, Bytes({5})).state, State::kNeedMore);
  EXPECT_EQ(FeedEverySplit(Message::kMethod, Bytes({4, 0})).state, State::kError);
  // An HTTP proxy answering a SOCKS greeting.
  EXPECT_EQ(FeedEverySplit(Message::kMethod, "HTTP/1.1 400 Bad Request\r\n").state, State::kError);
}

TEST(Socks5Test, AuthReply) {
  Outcome ok = FeedEverySplit(Message::kAuth, Bytes({1, 0}));
  EXPECT_EQ(ok.state, State::kDone);
  EXPECT_EQ(ok.value, 0);
  Outcome rejected = FeedEverySplit(Message::kAuth, Bytes({1, 1}));
  EXPECT_EQ(rejected.state, State::kDone);
  EXPECT_EQ(rejected.value, 1);
  // Version 5 in the sub-negotiation reply: some servers send it; accepted.
  EXPECT_EQ(FeedEverySplit(Message::kAuth, Bytes({5, 0})).state, State::kDone);
  EXPECT_EQ(FeedEverySplit(Message::kAuth, Bytes({2, 0})).state, State::kError);
}

TEST(Socks5Test, ConnectReplyEachAddressType) {
  const std::string v4 = Bytes({5, 0, 0, 1, 127, 0, 0, 1, 0x1F, 0x90});
  Outcome o = FeedEverySplit(Message::kConnect, v4);
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.consumed, v4.size());
  EXPECT_EQ(o.value, 0);

  std::string v6 = Bytes({5, 0, 0, 4});
  v6 += std::string(16, '\0') + Bytes({0, 80});
  o = FeedEverySplit(Message::kConnect, v6);
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.consumed, v6.size());

  const std::string domain = Bytes({5, 0, 0, 3, 5}) + "proxy" + Bytes({0, 80});
  o = FeedEverySplit(Message::kConnect, domain);
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.consumed, domain.size());

  // A zero-length bound name: 4 + 1 + 0 + 2 bytes.
  o = FeedEverySplit(Message::kConnect, Bytes({5, 0, 0, 3, 0, 0, 80}));
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.consumed, 7u);
}

TEST(Socks5Test, BytesAfterTheReplyAreLeftToTheCaller) {
  const std::string reply = Bytes({5, 0, 0, 1, 10, 0, 0, 1, 0, 80});
  Outcome o = FeedEverySplit(Message::kConnect, reply + "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.consumed, reply.size());
}

TEST(Socks5Test, ConnectReplyShortIsIncomplete) {
  const std::string v4 = Bytes({5, 0, 0, 1, 127, 0, 0, 1, 0x1F, 0x90});
  for (size_t n = 0; n < v4.size(); ++n) {
    EXPECT_EQ(FeedCut(Message::kConnect, v4.substr(0, n), {}).state, State::kNeedMore) << n;
  }
}

TEST(Socks5Test, RefusalEndsAfterTheReplyCode) {
  // The reply code is all that matters of a refusal: the server may close before the address.
  Outcome o = FeedEverySplit(Message::kConnect, Bytes({5, 5, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_EQ(o.value, 5);
  EXPECT_STREQ(SocksReplyText(o.value), "connection refused");
  o = FeedEverySplit(Message::kConnect, Bytes({5, 4}));
  EXPECT_EQ(o.state, State::kDone);
  EXPECT_STREQ(SocksReplyText(o.value), "host unreachable");
}

TEST(Socks5Test, ConnectReplyErrors) {
  EXPECT_EQ(FeedEverySplit(Message::kConnect, Bytes({4, 0, 0, 1})).state, State::kError);
  EXPECT_EQ(FeedEverySplit(Message::kConnect, Bytes({5, 0, 0, 2, 0, 0})).state, State::kError);
  Socks5Reader r;
  r.Expect(Message::kConnect);
  size_t used = 0;
  std::string bad = Bytes({5, 0, 0, 9});
  EXPECT_EQ(r.Feed(bad.data(), bad.size(), &used), State::kError);
  EXPECT_STREQ(r.error(), "bad address type in the connect reply");
}

TEST(Socks5Test, ReplyNames) {
  EXPECT_STREQ(SocksReplyText(1), "general failure");
  EXPECT_STREQ(SocksReplyText(2), "connection not allowed by ruleset");
  EXPECT_STREQ(SocksReplyText(3), "network unreachable");
  EXPECT_STREQ(SocksReplyText(6), "TTL expired");
  EXPECT_STREQ(SocksReplyText(7), "command not supported");
  EXPECT_STREQ(SocksReplyText(8), "address type not supported");
  EXPECT_STREQ(SocksReplyText(0x42), "unknown reply code");
}

TEST(Socks5Test, ExpectStartsAfresh) {
  Socks5Reader r;
  r.Expect(Message::kMethod);
  size_t used = 0;
  std::string in = Bytes({5, 0});
  ASSERT_EQ(r.Feed(in.data(), in.size(), &used), State::kDone);
  EXPECT_EQ(r.Feed(in.data(), in.size(), &used), State::kDone);
  EXPECT_EQ(used, 0u);
  r.Expect(Message::kConnect);
  std::string reply = Bytes({5, 0, 0, 1, 1, 2, 3, 4, 0, 80});
  EXPECT_EQ(r.Feed(reply.data(), reply.size(), &used), State::kDone);
  EXPECT_EQ(used, reply.size());
}

}  // namespace
}  // namespace urlsweep
