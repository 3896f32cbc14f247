// Per-host gates: turns, the FIFO of waiters, Retry-After holds, recycling. Tasks here are only queue
// entries: nothing runs them, and the clock is injected.
#include "scanner/host_gate.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/task.h"

namespace urlsweep {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kNow = 100 * kSecond;

TEST(HostGatesTest, PerHostTurnsThenFifo) {
  HostGates gates(/*per_host=*/2);
  Task c, d;
  HostGate* gate = gates.Open("example.com");
  EXPECT_EQ(gates.Open("example.com"), gate);
  EXPECT_TRUE(gates.TryTakeTurn(gate, kNow));
  EXPECT_TRUE(gates.TryTakeTurn(gate, kNow));
  EXPECT_FALSE(gates.TryTakeTurn(gate, kNow));
  HostGates::Wait(gate, &c);
  HostGates::Wait(gate, &d);
  // A leaving task hands its turn to the first waiter, then the next.
  EXPECT_EQ(gates.Leave(gate, kNow), &c);
  EXPECT_EQ(gates.Leave(gate, kNow), &d);
  EXPECT_EQ(gates.Leave(gate, kNow), nullptr);
  EXPECT_EQ(gates.open_count(), 1u);
  EXPECT_EQ(gates.Leave(gate, kNow), nullptr);
  EXPECT_EQ(gates.open_count(), 0u);
}

TEST(HostGatesTest, EmptiedGatesAreRecycled) {
  HostGates gates(1);
  HostGate* first = gates.Open("a.example");
  ASSERT_TRUE(gates.TryTakeTurn(first, kNow));
  EXPECT_EQ(gates.Leave(first, kNow), nullptr);
  ASSERT_EQ(gates.open_count(), 0u);
  HostGate* second = gates.Open("b.example");
  EXPECT_EQ(second, first);
  EXPECT_EQ(second->name, "b.example");
  EXPECT_EQ(second->active, 0);
}

TEST(HostGatesTest, WithdrawTakesOutAWaiterWithoutATurn) {
  HostGates gates(1);
  Task b, c, d;
  HostGate* gate = gates.Open("example.com");
  ASSERT_TRUE(gates.TryTakeTurn(gate, kNow));
  HostGates::Wait(gate, &b);
  HostGates::Wait(gate, &c);
  HostGates::Wait(gate, &d);
  gates.Withdraw(gate, &c);
  EXPECT_EQ(gates.Leave(gate, kNow), &b);
  EXPECT_EQ(gates.Leave(gate, kNow), &d);
  // The last waiter of a gate nobody holds takes the gate with it.
  HostGate* other = gates.Open("other.example");
  HostGates::Wait(other, &b);
  gates.Withdraw(other, &b);
  EXPECT_EQ(gates.open_count(), 1u);
}

TEST(HostGatesTest, RetryAfterHoldsTheHostUntilItsTime) {
  HostGates gates(2);
  Task a, b, c;
  HostGate* gate = gates.Open("example.com");
  ASSERT_TRUE(gates.TryTakeTurn(gate, kNow));
  gates.Pause(gate, kNow, 5 * kSecond);
  EXPECT_TRUE(gates.any_paused());
  EXPECT_FALSE(gates.TryTakeTurn(gate, kNow + kSecond));
  HostGates::Wait(gate, &a);
  HostGates::Wait(gate, &b);
  HostGates::Wait(gate, &c);
  // The answered task leaves; its turn is not handed on while the hold lasts, and the gate stays.
  EXPECT_EQ(gates.Leave(gate, kNow + kSecond), nullptr);
  EXPECT_EQ(gates.open_count(), 1u);
  std::vector<Task*> started;
  gates.ResumeDue(kNow + 4 * kSecond, [&](Task* t) { started.push_back(t); });
  EXPECT_TRUE(started.empty());
  gates.ResumeDue(kNow + 5 * kSecond, [&](Task* t) { started.push_back(t); });
  EXPECT_EQ(started, (std::vector<Task*>{&a, &b}));  // --per-host 2
  EXPECT_FALSE(gates.any_paused());
  EXPECT_EQ(gates.Leave(gate, kNow + 6 * kSecond), &c);
}

TEST(HostGatesTest, AShorterRetryAfterDoesNotShortenAHold) {
  HostGates gates(1);
  HostGate* gate = gates.Open("example.com");
  gates.Pause(gate, kNow, 10 * kSecond);
  gates.Pause(gate, kNow + kSecond, kSecond);
  EXPECT_EQ(gate->not_before_ns, kNow + 10 * kSecond);
  EXPECT_FALSE(gates.TryTakeTurn(gate, kNow + 9 * kSecond));
  EXPECT_TRUE(gates.TryTakeTurn(gate, kNow + 10 * kSecond));
}

TEST(HostGatesTest, DropAllWaitersEmptiesEveryQueue) {
  HostGates gates(1);
  Task a, b, c;
  HostGate* one = gates.Open("one.example");
  HostGate* two = gates.Open("two.example");
  ASSERT_TRUE(gates.TryTakeTurn(one, kNow));
  ASSERT_TRUE(gates.TryTakeTurn(two, kNow));
  HostGates::Wait(one, &a);
  HostGates::Wait(two, &b);
  HostGates::Wait(two, &c);
  int dropped = 0;
  gates.DropAllWaiters([&](Task*) { ++dropped; });
  EXPECT_EQ(dropped, 3);
  EXPECT_EQ(gates.Leave(one, kNow), nullptr);
  EXPECT_EQ(gates.Leave(two, kNow), nullptr);
  EXPECT_EQ(gates.open_count(), 0u);
}

}  // namespace
}  // namespace urlsweep
