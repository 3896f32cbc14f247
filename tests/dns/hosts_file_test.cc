// HostsFile: the hosts(5) parser, on text and on files.
#include "dns/hosts_file.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

// The addresses of `name`'s answer as text, in order; empty when the name is not listed.
std::vector<std::string> Lookup(const HostsFile& hosts, std::string_view name) {
  std::vector<std::string> ips;
  const DnsCache::Answer* answer = hosts.Find(name);
  if (answer == nullptr) return ips;
  EXPECT_EQ(answer->ares_status, 0) << name;
  for (const DnsCache::Address& address : answer->addresses) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(address.family, address.bytes, text, sizeof(text));
    ips.push_back(text);
  }
  return ips;
}

using Ips = std::vector<std::string>;

TEST(HostsFileTest, CanonicalNameAndAliases) {
  const HostsFile hosts = HostsFile::Parse("192.0.2.1 web.example web www.example\n");
  EXPECT_EQ(Lookup(hosts, "web.example"), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "web"), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "www.example"), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "example"), Ips{});
  EXPECT_EQ(hosts.size(), 3u);
}

TEST(HostsFileTest, Ipv6AndBothFamiliesIpv4First) {
  const HostsFile hosts = HostsFile::Parse(
      "2001:db8::1 dual.example six.example\n"
      "192.0.2.7   dual.example\n"
      "::ffff:192.0.2.9 mapped.example\n");
  EXPECT_EQ(Lookup(hosts, "six.example"), Ips{"2001:db8::1"});
  EXPECT_EQ(hosts.Find("six.example")->addresses[0].family, AF_INET6);
  // The IPv6 line came first; the answer still lists IPv4 first, as every Resolver answer does.
  EXPECT_EQ(Lookup(hosts, "dual.example"), (Ips{"192.0.2.7", "2001:db8::1"}));
  EXPECT_EQ(Lookup(hosts, "mapped.example"), Ips{"::ffff:192.0.2.9"});
}

TEST(HostsFileTest, FirstLineWinsPerNameAndFamily) {
  const HostsFile hosts = HostsFile::Parse(
      "192.0.2.1 a.example\n"
      "192.0.2.2 a.example b.example\n"
      "2001:db8::1 a.example\n"
      "2001:db8::2 a.example\n");
  EXPECT_EQ(Lookup(hosts, "a.example"), (Ips{"192.0.2.1", "2001:db8::1"}));
  // A later line still gives the names it is the first for.
  EXPECT_EQ(Lookup(hosts, "b.example"), Ips{"192.0.2.2"});
}

TEST(HostsFileTest, CommentsBlankLinesAndWhiteSpace) {
  const HostsFile hosts = HostsFile::Parse(
      "# The hosts file\n"
      "\n"
      "   \t  \n"
      "  192.0.2.1\tone.example\t # the first\n"
      "192.0.2.2 two.example#glued comment\n"
      "#192.0.2.3 commented.example\n"
      "192.0.2.4 crlf.example\r\n"
      "192.0.2.5 # no-name.example is in the comment\n"
      "192.0.2.6 last.example");  // no final newline
  EXPECT_EQ(Lookup(hosts, "one.example"), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "two.example"), Ips{"192.0.2.2"});
  EXPECT_EQ(Lookup(hosts, "glued"), Ips{});
  EXPECT_EQ(Lookup(hosts, "commented.example"), Ips{});
  EXPECT_EQ(Lookup(hosts, "crlf.example"), Ips{"192.0.2.4"});
  EXPECT_EQ(Lookup(hosts, "no-name.example"), Ips{});
  EXPECT_EQ(Lookup(hosts, "last.example"), Ips{"192.0.2.6"});
  EXPECT_EQ(hosts.size(), 4u);
}

TEST(HostsFileTest, CaseInsensitiveAndTrailingDot) {
  const HostsFile hosts = HostsFile::Parse(
      "192.0.2.1 Mixed.Example\n"
      "192.0.2.2 dotted.example.\n");
  EXPECT_EQ(Lookup(hosts, "mixed.example"), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "MIXED.EXAMPLE"), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "mixed.example."), Ips{"192.0.2.1"});
  EXPECT_EQ(Lookup(hosts, "dotted.example"), Ips{"192.0.2.2"});
  // Names differing only in case are one name: the first line wins.
  EXPECT_EQ(Lookup(HostsFile::Parse("192.0.2.1 A.example\n192.0.2.2 a.EXAMPLE\n"), "a.example"),
            Ips{"192.0.2.1"});
}

TEST(HostsFileTest, MalformedLinesAreIgnored) {
  const HostsFile hosts = HostsFile::Parse(
      "192.0.2.1\n"                         // no name
      "not-an-address bad1.example\n"       // no address
      "192.0.2.256 bad2.example\n"          // octet out of range
      "127.1 bad3.example\n"                // shorthand inet_pton does not take
      "192.0.2.1/24 bad4.example\n"         // a prefix is not an address
      "fe80::1%eth0 bad5.example\n"         // zone ids are not kept
      "2001:db8:::1 bad6.example\n"         // not IPv6
      "bad7.example 192.0.2.1\n"            // columns swapped
      "192.0.2.99 good.example\n"
      "\x01\xff\xfe garbage\n"
      "2001:db8:0:0:0:0:0:0:0:1:2:3:4:5:6:7:8:9:10:11 too-long.example\n");
  EXPECT_EQ(Lookup(hosts, "good.example"), Ips{"192.0.2.99"});
  for (const char* name : {"bad1.example", "bad2.example", "bad3.example", "bad4.example", "bad5.example",
                           "bad6.example", "bad7.example", "192.0.2.1", "garbage", "too-long.example"}) {
    EXPECT_EQ(hosts.Find(name), nullptr) << name;
  }
  EXPECT_EQ(hosts.size(), 1u);
}

TEST(HostsFileTest, EmptyTextHasNoEntries) {
  EXPECT_TRUE(HostsFile::Parse("").empty());
  EXPECT_TRUE(HostsFile::Parse("# only a comment\n\n").empty());
  EXPECT_EQ(HostsFile::Parse("").Find("localhost"), nullptr);
}

TEST(HostsFileTest, LocalhostNames) {
  for (const char* name : {"localhost", "localhost.", "LocalHost", "a.localhost", "b.a.localhost."}) {
    EXPECT_TRUE(HostsFile::IsLocalhostName(name)) << name;
  }
  for (const char* name : {"", "localhos", "notlocalhost", "localhost.example", "a-localhost", ".."}) {
    EXPECT_FALSE(HostsFile::IsLocalhostName(name)) << name;
  }
  std::vector<std::string> ips;
  for (const DnsCache::Address& address : HostsFile::LoopbackAnswer().addresses) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(address.family, address.bytes, text, sizeof(text));
    ips.push_back(text);
  }
  EXPECT_EQ(ips, (Ips{"127.0.0.1", "::1"}));
  EXPECT_EQ(HostsFile::LoopbackAnswer().ares_status, 0);
}

class HostsFileLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/urlsweep-hosts-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    unlink((dir_ + "/hosts").c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(HostsFileLoadTest, ReadsTheFile) {
  {
    std::ofstream file(dir_ + "/hosts");
    file << "127.0.0.1 localhost\n::1 localhost ip6-localhost\n";
    // Many lines: the file is read in several chunks.
    for (int i = 0; i < 5000; ++i) file << "192.0.2." << i % 250 << " name" << i << ".example\n";
  }
  const HostsFile hosts = HostsFile::Load(dir_ + "/hosts");
  EXPECT_EQ(Lookup(hosts, "localhost"), (Ips{"127.0.0.1", "::1"}));
  EXPECT_EQ(Lookup(hosts, "ip6-localhost"), Ips{"::1"});
  EXPECT_EQ(Lookup(hosts, "name4999.example"), Ips{"192.0.2.249"});
  EXPECT_EQ(hosts.size(), 5002u);
}

TEST_F(HostsFileLoadTest, MissingOrUnreadableFileHasNoEntries) {
  EXPECT_TRUE(HostsFile::Load(dir_ + "/does-not-exist").empty());
  // A directory opens but cannot be read.
  EXPECT_TRUE(HostsFile::Load(dir_).empty());
}

}  // namespace
}  // namespace urlsweep
