// IdlePool's order of use: at the descriptor budget the connection parked longest ago goes first,
// whatever its key, and idle timeouts close the old ones only. Connections that were never opened
// suffice (closing one hands it straight back to its pool).
#include "scanner/idle_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scanner/connection.h"

namespace urlsweep {
namespace {

class IdlePoolTest : public ::testing::Test {
 protected:
  Connection* Park(const std::string& key, uint64_t now_ns) {
    Connection* conn = pool_.Acquire();
    *conn->mutable_key() = key;
    idle_.Put(conn, now_ns);
    return conn;
  }

  ConnectionPool pool_;
  IdlePool idle_;
};

TEST_F(IdlePoolTest, DropOneClosesTheLeastRecentlyParkedWhateverItsKey) {
  Park("h|a.test|80", 1);
  Park("h|b.test|80", 2);
  Park("h|a.test|80", 3);
  Park("h|c.test|80", 4);
  ASSERT_EQ(idle_.size(), 4);
  // a.test's first connection is the oldest; its key keeps the newer one.
  idle_.DropOne();
  EXPECT_EQ(idle_.size(), 3);
  Connection* a = idle_.Take("h|a.test|80");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->idle_since_ns, 3u);
  EXPECT_EQ(idle_.Take("h|a.test|80"), nullptr);
  // A connection taken and parked again is the most recent: b (2) goes before c (4) and a (5).
  idle_.Put(a, 5);
  idle_.DropOne();
  EXPECT_EQ(idle_.Take("h|b.test|80"), nullptr);
  idle_.DropOne();
  EXPECT_EQ(idle_.Take("h|c.test|80"), nullptr);
  EXPECT_EQ(idle_.size(), 1);
  EXPECT_EQ(idle_.Take("h|a.test|80"), a);
  EXPECT_EQ(idle_.size(), 0);
  idle_.DropOne();  // nothing left: no-op
  a->Close();
}

TEST_F(IdlePoolTest, DroppingOneInTheMiddleKeepsTheOrder) {
  Park("h|a.test|80", 1);
  Connection* b = Park("h|b.test|80", 2);
  Park("h|c.test|80", 3);
  idle_.Drop(b);  // as when the server closes an idle connection
  idle_.DropOne();
  EXPECT_EQ(idle_.Take("h|a.test|80"), nullptr);
  EXPECT_EQ(idle_.size(), 1);
  Connection* c = idle_.Take("h|c.test|80");
  ASSERT_NE(c, nullptr);
  c->Close();
}

TEST_F(IdlePoolTest, CloseOlderThanClosesOnlyTheOldOnes) {
  Park("h|a.test|80", 100);
  Park("h|b.test|80", 200);
  Park("h|a.test|80", 300);
  idle_.CloseOlderThan(/*now_ns=*/350, /*max_idle_ns=*/100);  // idle 250, 150: closed; 50: kept
  EXPECT_EQ(idle_.size(), 1);
  Connection* a = idle_.Take("h|a.test|80");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->idle_since_ns, 300u);
  idle_.Put(a, 400);
  idle_.CloseOlderThan(400, 0);  // everything
  EXPECT_EQ(idle_.size(), 0);
  EXPECT_EQ(pool_.live(), 0);
}

}  // namespace
}  // namespace urlsweep
