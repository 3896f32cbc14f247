// The DNS wire format as AresUv uses it: queries written, replies read (every prefix of a reply too).
#include "dns/dns_message.h"

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace urlsweep {
namespace dns_message {
namespace {

using Bytes = std::vector<uint8_t>;

void Put16(Bytes* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v & 0xFF));
}
void Put32(Bytes* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v & 0xFFFF));
}
// "a.b" as labels, with the root label.
void PutName(Bytes* out, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out->push_back(static_cast<uint8_t>(dot - start));
    out->insert(out->end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out->push_back(0);
}
void PutPointer(Bytes* out, uint16_t offset) { Put16(out, static_cast<uint16_t>(0xC000 | offset)); }

// A reply's header and question; records are appended by the test, then SetAnswers.
Bytes Reply(const std::string& qname, uint16_t qtype, int rcode = 0, bool qr = true) {
  Bytes m;
  Put16(&m, 0x4242);
  m.push_back(static_cast<uint8_t>((qr ? 0x80 : 0) | 0x01));
  m.push_back(static_cast<uint8_t>(0x80 | rcode));
  Put16(&m, 1);  // QDCOUNT
  Put16(&m, 0);  // ANCOUNT
  Put16(&m, 0);
  Put16(&m, 0);
  PutName(&m, qname);
  Put16(&m, qtype);
  Put16(&m, kClassIn);
  return m;
}
void SetAnswers(Bytes* m, uint16_t count) {
  (*m)[6] = static_cast<uint8_t>(count >> 8);
  (*m)[7] = static_cast<uint8_t>(count & 0xFF);
}
// A record whose owner is written by `owner` (a name or a pointer).
template <typename OwnerWriter>
void PutRecord(Bytes* m, OwnerWriter owner, uint16_t type, uint32_t ttl, const Bytes& rdata) {
  owner(m);
  Put16(m, type);
  Put16(m, kClassIn);
  Put32(m, ttl);
  Put16(m, static_cast<uint16_t>(rdata.size()));
  m->insert(m->end(), rdata.begin(), rdata.end());
}
auto Named(const std::string& name) {
  return [name](Bytes* m) { PutName(m, name); };
}
auto AtQuestion() {
  return [](Bytes* m) { PutPointer(m, kHeaderBytes); };
}
Bytes V4(const char* text) {
  Bytes b(4);
  inet_pton(AF_INET, text, b.data());
  return b;
}
Bytes V6(const char* text) {
  Bytes b(16);
  inet_pton(AF_INET6, text, b.data());
  return b;
}
Bytes NameBytes(const std::string& name) {
  Bytes b;
  PutName(&b, name);
  return b;
}

struct Collect : AddressSink {
  void OnAddress(const uint8_t* bytes, uint32_t ttl_s) override {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, bytes, text, sizeof(text));
    seen.emplace_back(text, ttl_s);
  }
  int family = AF_INET;
  std::vector<std::pair<std::string, uint32_t>> seen;
};

Outcome Parse(const Bytes& m, uint16_t qtype, Collect* sink) {
  sink->family = qtype == kTypeA ? AF_INET : AF_INET6;
  return ParseAddressAnswer(m.data(), m.size(), qtype, sink);
}

TEST(EncodeQueryTest, WritesARecursiveQuestion) {
  uint8_t out[kMaxQueryBytes];
  const size_t n = EncodeQuery("Www.Example.com", 0xBEEF, kTypeAaaa, out);
  Bytes expected = {0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  PutName(&expected, "Www.Example.com");
  Put16(&expected, kTypeAaaa);
  Put16(&expected, kClassIn);
  EXPECT_EQ(Bytes(out, out + n), expected);
  // A trailing dot is the same name.
  EXPECT_EQ(EncodeQuery("Www.Example.com.", 0xBEEF, kTypeAaaa, out), n);
}

TEST(EncodeQueryTest, RefusesNamesTheWireCannotHold) {
  uint8_t out[kMaxQueryBytes];
  EXPECT_EQ(EncodeQuery("", 1, kTypeA, out), 0u);
  EXPECT_EQ(EncodeQuery(".", 1, kTypeA, out), 0u);
  EXPECT_EQ(EncodeQuery("a..b", 1, kTypeA, out), 0u);
  EXPECT_EQ(EncodeQuery(".a", 1, kTypeA, out), 0u);
  EXPECT_GT(EncodeQuery(std::string(63, 'x') + ".test", 1, kTypeA, out), 0u);
  EXPECT_EQ(EncodeQuery(std::string(64, 'x') + ".test", 1, kTypeA, out), 0u);
  // 255 bytes on the wire at most: four 62-byte labels (4 x 63) plus "a" (2) plus the root (1) is 255.
  const std::string label(62, 'y');
  const std::string longest = label + "." + label + "." + label + "." + label + ".a";
  EXPECT_EQ(EncodeQuery(longest, 1, kTypeA, out), kHeaderBytes + 255 + 4);
  EXPECT_EQ(EncodeQuery(longest + "b", 1, kTypeA, out), 0u);
}

TEST(ParseAddressAnswerTest, AddressesInMessageOrderWithTheirTtl) {
  Bytes m = Reply("h.test", kTypeA);
  PutRecord(&m, AtQuestion(), kTypeA, 60, V4("192.0.2.1"));
  PutRecord(&m, Named("H.TEST"), kTypeA, 30, V4("192.0.2.2"));  // owner names are case-insensitive
  SetAnswers(&m, 2);
  Collect sink;
  ASSERT_EQ(Parse(m, kTypeA, &sink), Outcome::kAddresses);
  EXPECT_EQ(sink.seen, (std::vector<std::pair<std::string, uint32_t>>{{"192.0.2.1", 60}, {"192.0.2.2", 30}}));
}

TEST(ParseAddressAnswerTest, Ipv6) {
  Bytes m = Reply("h.test", kTypeAaaa);
  PutRecord(&m, AtQuestion(), kTypeAaaa, 0x80000001u, V6("2001:db8::1"));  // top bit set: TTL 0
  SetAnswers(&m, 1);
  Collect sink;
  ASSERT_EQ(Parse(m, kTypeAaaa, &sink), Outcome::kAddresses);
  EXPECT_EQ(sink.seen, (std::vector<std::pair<std::string, uint32_t>>{{"2001:db8::1", 0}}));
}

TEST(ParseAddressAnswerTest, RcodesComeFirst) {
  const std::pair<int, Outcome> cases[] = {{1, Outcome::kFormerr},  {2, Outcome::kServfail},
                                           {3, Outcome::kNxdomain}, {4, Outcome::kNotimp},
                                           {5, Outcome::kRefused},  {9, Outcome::kOtherRcode}};
  for (const auto& [rcode, outcome] : cases) {
    Bytes m = Reply("h.test", kTypeA, rcode);
    PutRecord(&m, AtQuestion(), kTypeA, 60, V4("192.0.2.1"));
    SetAnswers(&m, 1);
    Collect sink;
    EXPECT_EQ(Parse(m, kTypeA, &sink), outcome) << rcode;
    EXPECT_TRUE(sink.seen.empty());
  }
}

TEST(ParseAddressAnswerTest, AQueryIsNotAReply) {
  // What a UDP socket connected to its own address reads back: its query, same ID and question.
  uint8_t query[kMaxQueryBytes];
  const size_t n = EncodeQuery("h.test", 7, kTypeA, query);
  Collect sink;
  EXPECT_EQ(ParseAddressAnswer(query, n, kTypeA, &sink), Outcome::kNotResponse);
}

TEST(ParseAddressAnswerTest, NoAddressOfTheAskedTypeIsNoData) {
  Collect sink;
  EXPECT_EQ(Parse(Reply("h.test", kTypeA), kTypeA, &sink), Outcome::kNoData);
  Bytes other_type = Reply("h.test", kTypeA);
  PutRecord(&other_type, AtQuestion(), kTypeAaaa, 60, V6("2001:db8::1"));
  SetAnswers(&other_type, 1);
  EXPECT_EQ(Parse(other_type, kTypeA, &sink), Outcome::kNoData);
  Bytes other_owner = Reply("h.test", kTypeA);
  PutRecord(&other_owner, Named("elsewhere.test"), kTypeA, 60, V4("192.0.2.9"));
  SetAnswers(&other_owner, 1);
  EXPECT_EQ(Parse(other_owner, kTypeA, &sink), Outcome::kNoData);
  EXPECT_TRUE(sink.seen.empty());
}

TEST(ParseAddressAnswerTest, FollowsACnameChain) {
  Bytes m = Reply("www.test", kTypeA);
  const uint16_t target_offset = static_cast<uint16_t>(m.size() + 2 + 10);  // first RDATA
  PutRecord(&m, AtQuestion(), kTypeCname, 300, NameBytes("edge.cdn.test"));
  Bytes pointer;
  PutPointer(&pointer, target_offset);
  PutRecord(&m, [&](Bytes* out) { out->insert(out->end(), pointer.begin(), pointer.end()); }, kTypeCname, 20,
            NameBytes("node7.cdn.test"));
  PutRecord(&m, Named("node7.cdn.test"), kTypeA, 60, V4("192.0.2.7"));
  PutRecord(&m, AtQuestion(), kTypeA, 60, V4("192.0.2.99"));  // the alias's own: not the answer
  SetAnswers(&m, 4);
  Collect sink;
  ASSERT_EQ(Parse(m, kTypeA, &sink), Outcome::kAddresses);
  // The chain's smallest TTL (20) bounds the address's.
  EXPECT_EQ(sink.seen, (std::vector<std::pair<std::string, uint32_t>>{{"192.0.2.7", 20}}));
}

TEST(ParseAddressAnswerTest, ACnameAfterTheAddressItLeadsTo) {
  Bytes m = Reply("www.test", kTypeA);
  PutRecord(&m, Named("real.test"), kTypeA, 60, V4("192.0.2.5"));
  PutRecord(&m, AtQuestion(), kTypeCname, 60, NameBytes("real.test"));
  SetAnswers(&m, 2);
  Collect sink;
  ASSERT_EQ(Parse(m, kTypeA, &sink), Outcome::kAddresses);
  EXPECT_EQ(sink.seen.size(), 1u);
}

TEST(ParseAddressAnswerTest, ACnameLoopIsMalformed) {
  Bytes m = Reply("a.test", kTypeA);
  PutRecord(&m, Named("a.test"), kTypeCname, 60, NameBytes("b.test"));
  PutRecord(&m, Named("b.test"), kTypeCname, 60, NameBytes("a.test"));
  SetAnswers(&m, 2);
  Collect sink;
  EXPECT_EQ(Parse(m, kTypeA, &sink), Outcome::kMalformed);
}

TEST(ParseAddressAnswerTest, ACnameWithoutAnAddressIsNoData) {
  Bytes m = Reply("www.test", kTypeA);
  PutRecord(&m, AtQuestion(), kTypeCname, 60, NameBytes("nowhere.test"));
  SetAnswers(&m, 1);
  Collect sink;
  EXPECT_EQ(Parse(m, kTypeA, &sink), Outcome::kNoData);
}

TEST(ParseAddressAnswerTest, BadRecordsAreMalformed) {
  Collect sink;
  Bytes wrong_length = Reply("h.test", kTypeA);
  PutRecord(&wrong_length, AtQuestion(), kTypeA, 60, Bytes{1, 2, 3});
  SetAnswers(&wrong_length, 1);
  EXPECT_EQ(Parse(wrong_length, kTypeA, &sink), Outcome::kMalformed);

  Bytes forward_pointer = Reply("h.test", kTypeA);
  PutRecord(&forward_pointer, [](Bytes* m) { PutPointer(m, 0x3FFF); }, kTypeA, 60, V4("192.0.2.1"));
  SetAnswers(&forward_pointer, 1);
  EXPECT_EQ(Parse(forward_pointer, kTypeA, &sink), Outcome::kMalformed);

  Bytes self_pointer = Reply("h.test", kTypeA);
  const auto here = static_cast<uint16_t>(self_pointer.size());
  PutRecord(&self_pointer, [here](Bytes* m) { PutPointer(m, here); }, kTypeA, 60, V4("192.0.2.1"));
  SetAnswers(&self_pointer, 1);
  EXPECT_EQ(Parse(self_pointer, kTypeA, &sink), Outcome::kMalformed);

  Bytes reserved_label = Reply("h.test", kTypeA);
  PutRecord(&reserved_label, [](Bytes* m) { m->push_back(0x41); }, kTypeA, 60, V4("192.0.2.1"));
  SetAnswers(&reserved_label, 1);
  EXPECT_EQ(Parse(reserved_label, kTypeA, &sink), Outcome::kMalformed);

  // A record after the usable ones that runs past the end spoils the whole answer.
  Bytes bad_tail = Reply("h.test", kTypeA);
  PutRecord(&bad_tail, AtQuestion(), kTypeA, 60, V4("192.0.2.1"));
  PutRecord(&bad_tail, AtQuestion(), kTypeA, 60, V4("192.0.2.2"));
  SetAnswers(&bad_tail, 3);
  EXPECT_EQ(Parse(bad_tail, kTypeA, &sink), Outcome::kMalformed);
  EXPECT_TRUE(sink.seen.empty());
}

TEST(ParseAddressAnswerTest, EveryPrefixOfAReplyIsMalformed) {
  Bytes m = Reply("www.test", kTypeA);
  PutRecord(&m, AtQuestion(), kTypeCname, 300, NameBytes("edge.test"));
  PutRecord(&m, Named("edge.test"), kTypeA, 60, V4("192.0.2.7"));
  SetAnswers(&m, 2);
  for (size_t n = 0; n < m.size(); ++n) {
    Collect sink;
    const Bytes prefix(m.begin(), m.begin() + static_cast<long>(n));
    EXPECT_EQ(Parse(prefix, kTypeA, &sink), Outcome::kMalformed) << n;
    EXPECT_TRUE(sink.seen.empty());
  }
  Collect sink;
  EXPECT_EQ(Parse(m, kTypeA, &sink), Outcome::kAddresses);
}

}  // namespace
}  // namespace dns_message
}  // namespace urlsweep
