#include "http/ntlm.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"

namespace urlsweep {
namespace {

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}
std::string Hex(const std::array<uint8_t, 16>& b) {
  return Hex(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}
std::string Bytes(std::string_view hex) {
  std::string out = absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
  return out;
}

// MS-NLMP section 4.2.4.3: the CHALLENGE message of the NTLMv2 example (target name "Server", AV pairs
// MsvAvNbDomainName "Domain" and MsvAvNbComputerName "Server", server challenge 0123456789abcdef).
const std::string kSpecChallenge = Bytes(
    "4e544c4d53535000" "02000000" "0c000c0038000000" "33828ae2" "0123456789abcdef" "0000000000000000"
    "2400240044000000" "060070170000000f" "530065007200760065007200"
    "02000c0044006f006d00610069006e00" "01000c00530065007200760065007200" "00000000");

class Ntlm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!EnableNtlmCrypto()) GTEST_SKIP() << "environment: OpenSSL's legacy provider (MD4) is not installed";
  }
};

TEST_F(Ntlm, NegotiateMessage) {
  std::string m = NtlmNegotiateMessage();
  EXPECT_EQ(Hex(m), "4e544c4d53535000" "01000000" "07820800" "0000000020000000" "0000000020000000");
}

TEST_F(Ntlm, DecodesSpecChallenge) {
  NtlmChallenge c;
  ASSERT_TRUE(ParseNtlmChallenge(kSpecChallenge, &c));
  EXPECT_EQ(c.flags, 0xe28a8233u);
  EXPECT_EQ(Hex(std::string_view(reinterpret_cast<const char*>(c.server_challenge.data()), 8)),
            "0123456789abcdef");
  EXPECT_EQ(Hex(c.target_info),
            "02000c0044006f006d00610069006e0001000c00530065007200760065007200" "00000000");
  EXPECT_FALSE(c.has_timestamp);
}

// MS-NLMP section 4.2.4: User "User", domain "Domain", password "Password", client challenge aa*8,
// time 0. NTOWFv2, LMv2 and NTProofStr are the values the section publishes.
TEST_F(Ntlm, SpecNtlmV2Values) {
  std::array<uint8_t, 16> key;
  ASSERT_TRUE(NtowfV2("User", "Domain", "Password", &key));
  EXPECT_EQ(Hex(key), "0c868a403bfd7a93a3001ef22ef02e3f");
  // Upper-casing applies to the user only.
  ASSERT_TRUE(NtowfV2("user", "Domain", "Password", &key));
  EXPECT_EQ(Hex(key), "0c868a403bfd7a93a3001ef22ef02e3f");

  NtlmChallenge c;
  ASSERT_TRUE(ParseNtlmChallenge(kSpecChallenge, &c));
  NtlmClientValues client;
  client.client_challenge.fill(0xaa);
  client.now_filetime = 0;
  std::string nt;
  std::string lm;
  ASSERT_TRUE(NtlmV2Responses(c, {"User", "Domain", "Password", "COMPUTER"}, client, &nt, &lm));
  EXPECT_EQ(Hex(lm), "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  EXPECT_EQ(Hex(nt.substr(0, 16)), "68cd0ab851e51c96aabc927bebef6a1c");
  // The blob: 0101, Z(6), time, client challenge, Z(4), the AV pairs, Z(4).
  EXPECT_EQ(Hex(nt.substr(16)), "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000" +
                                    Hex(c.target_info) + "00000000");
}

TEST_F(Ntlm, AuthenticateMessageLayout) {
  NtlmChallenge c;
  ASSERT_TRUE(ParseNtlmChallenge(kSpecChallenge, &c));
  NtlmClientValues client;
  client.client_challenge.fill(0xaa);
  std::string m;
  ASSERT_TRUE(NtlmAuthenticateMessage(c, {"User", "Domain", "Password", "COMPUTER"}, client, &m));
  ASSERT_GE(m.size(), 64u);
  EXPECT_EQ(m.substr(0, 12), std::string("NTLMSSP\0\3\0\0\0", 12));
  auto field = [&m](size_t at) {
    size_t len = static_cast<uint8_t>(m[at]) | (static_cast<uint8_t>(m[at + 1]) << 8);
    size_t off = static_cast<uint8_t>(m[at + 4]) | (static_cast<uint8_t>(m[at + 5]) << 8);
    EXPECT_LE(off + len, m.size());
    return m.substr(off, len);
  };
  EXPECT_EQ(Hex(field(12)), "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  EXPECT_EQ(Hex(field(20).substr(0, 16)), "68cd0ab851e51c96aabc927bebef6a1c");
  EXPECT_EQ(field(28), std::string("D\0o\0m\0a\0i\0n\0", 12));  // Unicode: the server set the flag
  EXPECT_EQ(field(36), std::string("U\0s\0e\0r\0", 8));
  EXPECT_EQ(field(44), std::string("C\0O\0M\0P\0U\0T\0E\0R\0", 16));
  EXPECT_EQ(field(52), "");
  uint32_t flags = static_cast<uint8_t>(m[60]) | (static_cast<uint8_t>(m[61]) << 8) |
                   (static_cast<uint8_t>(m[62]) << 16) | (uint32_t{static_cast<uint8_t>(m[63])} << 24);
  EXPECT_TRUE(flags & kNtlmNegotiateUnicode);
  EXPECT_FALSE(flags & kNtlmNegotiateOem);
  EXPECT_TRUE(NtlmAuthorization(m).starts_with("NTLM TlRMTVNTUAAD"));
}

TEST_F(Ntlm, TimestampFromChallenge) {
  // The spec's challenge with an MsvAvTimestamp pair put before MsvAvEOL.
  std::string info = Bytes("02000c0044006f006d00610069006e00" "07000800" "0102030405060708" "00000000");
  std::string m = kSpecChallenge.substr(0, 0x44) + info;
  m[40] = static_cast<char>(info.size());
  m[42] = static_cast<char>(info.size());
  NtlmChallenge c;
  ASSERT_TRUE(ParseNtlmChallenge(m, &c));
  EXPECT_TRUE(c.has_timestamp);
  EXPECT_EQ(c.timestamp, 0x0807060504030201ULL);
  std::string nt;
  std::string lm;
  NtlmClientValues client;
  client.now_filetime = 99;
  ASSERT_TRUE(NtlmV2Responses(c, {"u", "", "p", ""}, client, &nt, &lm));
  EXPECT_EQ(Hex(nt.substr(24, 8)), "0102030405060708");  // the server's time, not ours
  EXPECT_EQ(lm, std::string(24, '\0'));                   // section 3.1.5.1.2
}

// Every proper prefix of the message is refused, never read past (the target name and target info
// fields point beyond it); ASan would catch a read past the end.
TEST_F(Ntlm, EveryTruncationRefused) {
  NtlmChallenge c;
  for (size_t n = 0; n < kSpecChallenge.size(); ++n) {
    EXPECT_FALSE(ParseNtlmChallenge(std::string_view(kSpecChallenge).substr(0, n), &c)) << n;
  }
}

TEST_F(Ntlm, MalformedChallenges) {
  NtlmChallenge c;
  std::string m = kSpecChallenge;
  m[8] = 3;  // an AUTHENTICATE message
  EXPECT_FALSE(ParseNtlmChallenge(m, &c));
  m = kSpecChallenge;
  m[0] = 'X';
  EXPECT_FALSE(ParseNtlmChallenge(m, &c));
  m = kSpecChallenge;
  m[44] = static_cast<char>(0xff);  // target info offset far past the end
  EXPECT_FALSE(ParseNtlmChallenge(m, &c));
  m = kSpecChallenge;
  m[0x44 + 2] = 0x7f;  // first AV pair claims more than the list holds
  EXPECT_FALSE(ParseNtlmChallenge(m, &c));
  m = kSpecChallenge.substr(0, kSpecChallenge.size() - 4);  // no MsvAvEOL
  m[40] = static_cast<char>(0x20);
  m[42] = static_cast<char>(0x20);
  EXPECT_FALSE(ParseNtlmChallenge(m, &c));
  // The target info flag set, the message too short to hold the fields.
  EXPECT_FALSE(ParseNtlmChallenge(kSpecChallenge.substr(0, 40), &c));
  // An old-style 32-byte challenge without the target info flag is fine.
  m = kSpecChallenge.substr(0, 32);
  m[22] = 0;  // flags 0xe2008233: NTLMSSP_NEGOTIATE_TARGET_INFO (0x00800000) cleared
  ASSERT_TRUE(ParseNtlmChallenge(m, &c));
  EXPECT_TRUE(c.target_info.empty());
}

// squid 5.7's ntlm_fake_auth: no target info flag, a bogus target name offset, the name where the
// target info fields would be. Read as curl reads it: the server challenge, no AV pairs.
TEST_F(Ntlm, SquidFakeHelperChallenge) {
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape("TlRMTVNTUAACAAAACQAJAK6qqqoHgggA+yfopkOPGBUAAAAAAAA6AFdPUktHUk9VUA==", &raw));
  NtlmChallenge c;
  ASSERT_TRUE(ParseNtlmChallenge(raw, &c));
  EXPECT_EQ(c.flags, 0x00088207u);
  EXPECT_EQ(Hex(std::string_view(reinterpret_cast<const char*>(c.server_challenge.data()), 8)),
            "fb27e8a6438f1815");
  EXPECT_TRUE(c.target_info.empty());
  std::string message;
  ASSERT_TRUE(NtlmAuthenticateMessage(c, {"u", "", "p", ""}, MakeNtlmClientValues(), &message));
  EXPECT_EQ(message.substr(message.size() - 2), std::string("u\0", 2));  // flag 0x1: UTF-16LE
}

TEST_F(Ntlm, SplitUser) {
  std::string_view domain;
  std::string_view user;
  SplitNtlmUser("CORP\\alice", &domain, &user);
  EXPECT_EQ(domain, "CORP");
  EXPECT_EQ(user, "alice");
  SplitNtlmUser("bob", &domain, &user);
  EXPECT_EQ(domain, "");
  EXPECT_EQ(user, "bob");
}

TEST_F(Ntlm, NonAsciiPasswordIsUtf16) {
  std::array<uint8_t, 16> a;
  std::array<uint8_t, 16> b;
  ASSERT_TRUE(NtowfV2("u", "", "p\xc3\xa9", &a));  // "pé"
  ASSERT_TRUE(NtowfV2("u", "", "p\xe9", &b));      // a lone Latin-1 byte: U+FFFD, another password
  EXPECT_NE(Hex(a), Hex(b));
}

TEST_F(Ntlm, ClientValues) {
  NtlmClientValues a = MakeNtlmClientValues();
  NtlmClientValues b = MakeNtlmClientValues();
  EXPECT_NE(a.client_challenge, b.client_challenge);
  // 2020-01-01 as FILETIME is 132223104000000000; now is later.
  EXPECT_GT(a.now_filetime, 132223104000000000ULL);
}

}  // namespace
}  // namespace urlsweep
