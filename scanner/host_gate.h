// Per-host politeness for one loop (one host's URLs always go to one loop): a HostGate per host name in
// flight lets --per-host requests through and queues the rest in input order, and a Retry-After answer
// holds the host's next requests until its time. HostGates keeps the books; the Worker starts the tasks
// they release and arms their timers. No clock is read here: the caller passes it in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "scanner/task_queue.h"

namespace urlsweep {

class Task;

// Requests in flight to one host, and the tasks waiting for a turn.
struct HostGate {
  // The gate's key in HostGates (host name, or IP for literals); the map's key views it. Gates are
  // recycled, and the string keeps its capacity, so a host whose gate empties between its URLs costs no
  // allocation once the loop is warm.
  std::string name;
  int active = 0;
  TaskQueue waiting;
  // A 429 or 503 with Retry-After holds the host's further requests until then (monotonic ns).
  uint64_t not_before_ns = 0;
};

class HostGates {
 public:
  explicit HostGates(int per_host) : per_host_(per_host) {}
  HostGates(const HostGates&) = delete;
  HostGates& operator=(const HostGates&) = delete;

  // The gate of `host`: the open one, or a fresh (recycled) one.
  HostGate* Open(std::string_view host);
  // Takes a turn at `gate` when it has one free and no Retry-After holds it.
  bool TryTakeTurn(HostGate* gate, uint64_t now_ns);
  // Queues `task` for a turn at `gate`.
  static void Wait(HostGate* gate, Task* task) { gate->waiting.PushBack(task); }
  // A queued task leaves without ever having held a turn (its budget ran out).
  void Withdraw(HostGate* gate, Task* task);
  // A task holding a turn leaves. Returns the waiter the turn passes straight to (already out of the
  // queue), or nullptr when the turn is given back.
  Task* Leave(HostGate* gate, uint64_t now_ns);
  // A turn given back by a task that is dropped unstarted or unfinished (a stop): no waiter gets it.
  void ReturnTurn(HostGate* gate);
  // Retry-After: no new turn at `gate` before `now_ns + delay_ns` (a later hold is kept).
  void Pause(HostGate* gate, uint64_t now_ns, uint64_t delay_ns);
  bool any_paused() const { return !paused_hosts_.empty(); }
  // Gives the waiters of paused hosts whose time has come their turns, and hands each to `start`.
  void ResumeDue(uint64_t now_ns, absl::FunctionRef<void(Task*)> start);
  // Empties every gate's queue into `drop`, which must not enter or leave a gate.
  void DropAllWaiters(absl::FunctionRef<void(Task*)> drop);
  // Gates open now (for tests).
  size_t open_count() const { return gates_.size(); }

 private:
  void Erase(HostGate* gate);

  const int per_host_;  // --per-host
  absl::flat_hash_map<std::string_view, HostGate*> gates_;
  std::vector<std::unique_ptr<HostGate>> store_;  // every gate ever made (few: at most -c at once)
  std::vector<HostGate*> free_;
  std::vector<std::string> paused_hosts_;
};

}  // namespace urlsweep
