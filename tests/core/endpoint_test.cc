#include "core/endpoint.h"

#include <gtest/gtest.h>

namespace urlsweep {
namespace {

TEST(EndpointTest, Ports) {
  uint16_t port = 7;
  EXPECT_TRUE(ParsePort("1", &port));
  EXPECT_EQ(port, 1);
  EXPECT_TRUE(ParsePort("65535", &port));
  EXPECT_EQ(port, 65535);
  EXPECT_TRUE(ParsePort("0080", &port));
  EXPECT_EQ(port, 80);
  for (const char* bad : {"", "0", "65536", "99999999999999999999", "-1", "+1", " 1", "1 ", "8o"}) {
    port = 7;
    EXPECT_FALSE(ParsePort(bad, &port)) << bad;
    EXPECT_EQ(port, 7) << bad;
  }
}

TEST(EndpointTest, Forms) {
  Endpoint e;
  ASSERT_TRUE(ParseEndpoint("127.0.0.1", 53, &e));
  EXPECT_EQ(e.ip, "127.0.0.1");
  EXPECT_EQ(e.port, 53);
  ASSERT_TRUE(ParseEndpoint("127.0.0.1:5353", 53, &e));
  EXPECT_EQ(e.ip, "127.0.0.1");
  EXPECT_EQ(e.port, 5353);
  ASSERT_TRUE(ParseEndpoint("[::1]:54", 53, &e));
  EXPECT_EQ(e.ip, "::1");
  EXPECT_EQ(e.port, 54);
  ASSERT_TRUE(ParseEndpoint("[::1]", 53, &e));
  EXPECT_EQ(e.port, 53);
  ASSERT_TRUE(ParseEndpoint("0:0::1", 53, &e));
  EXPECT_EQ(e.ip, "0:0::1");  // kept as given
  EXPECT_EQ(e.port, 53);
}

TEST(EndpointTest, Rejects) {
  Endpoint e;
  for (const char* bad : {"", "dns.example", "dns.example:53", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
                          "[1.2.3.4]:53", "[::1", "[::1]53", "[::1]:", "::1:99999x", "127.1", "1.2.3.4:5:6"}) {
    EXPECT_FALSE(ParseEndpoint(bad, 53, &e)) << bad;
  }
}

}  // namespace
}  // namespace urlsweep
