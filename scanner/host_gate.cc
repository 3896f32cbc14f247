#include "scanner/host_gate.h"

#include <utility>

namespace urlsweep {

HostGate* HostGates::Open(std::string_view host) {
  auto it = gates_.find(host);
  if (it != gates_.end()) return it->second;
  HostGate* fresh;
  if (!free_.empty()) {
    fresh = free_.back();
    free_.pop_back();
  } else {
    store_.push_back(std::make_unique<HostGate>());
    fresh = store_.back().get();
  }
  fresh->name.assign(host);
  gates_.emplace(std::string_view(fresh->name), fresh);
  return fresh;
}

bool HostGates::TryTakeTurn(HostGate* gate, uint64_t now_ns) {
  if (gate->active >= per_host_ || now_ns < gate->not_before_ns) return false;
  ++gate->active;
  return true;
}

void HostGates::Withdraw(HostGate* gate, Task* task) {
  gate->waiting.Remove(task);
  if (gate->active == 0 && gate->waiting.empty()) Erase(gate);
}

Task* HostGates::Leave(HostGate* gate, uint64_t now_ns) {
  if (!gate->waiting.empty() && now_ns >= gate->not_before_ns) return gate->waiting.PopFront();
  if (--gate->active == 0 && gate->waiting.empty() && now_ns >= gate->not_before_ns) Erase(gate);
  return nullptr;
}

void HostGates::ReturnTurn(HostGate* gate) {
  if (--gate->active == 0 && gate->waiting.empty()) Erase(gate);
}

void HostGates::Pause(HostGate* gate, uint64_t now_ns, uint64_t delay_ns) {
  const uint64_t until = now_ns + delay_ns;
  if (until <= gate->not_before_ns) return;
  // A gate already held is already on the list; ResumeDue looks at it again when its time comes.
  if (gate->not_before_ns <= now_ns) paused_hosts_.push_back(gate->name);
  gate->not_before_ns = until;
}

void HostGates::ResumeDue(uint64_t now_ns, absl::FunctionRef<void(Task*)> start) {
  for (size_t i = 0; i < paused_hosts_.size();) {
    auto it = gates_.find(std::string_view(paused_hosts_[i]));
    if (it != gates_.end() && now_ns < it->second->not_before_ns) {
      ++i;
      continue;
    }
    if (it != gates_.end()) {
      HostGate& gate = *it->second;
      while (!gate.waiting.empty() && gate.active < per_host_) {
        ++gate.active;
        start(gate.waiting.PopFront());
      }
      if (gate.active == 0 && gate.waiting.empty()) Erase(&gate);
    }
    paused_hosts_[i] = std::move(paused_hosts_.back());
    paused_hosts_.pop_back();
  }
}

void HostGates::DropAllWaiters(absl::FunctionRef<void(Task*)> drop) {
  for (auto& [key, gate] : gates_) {
    while (Task* t = gate->waiting.PopFront()) drop(t);
  }
}

void HostGates::Erase(HostGate* gate) {
  gates_.erase(std::string_view(gate->name));
  gate->active = 0;
  gate->waiting = TaskQueue();
  gate->not_before_ns = 0;
  free_.push_back(gate);
}

}  // namespace urlsweep
