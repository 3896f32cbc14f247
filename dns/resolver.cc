// ResolverImpl: requests, in-flight coalescing, the answer cache and deferred delivery on top of AresUv.
//
// A Lookup is one answer for one name with the requests waiting for it. It is, at any time, in exactly
// one place: in flight (in `in_flight_`, owned by c-ares until its done callback), in the done queue
// (answered, waiting for the idle handle to deliver it), being delivered, or in the free list.
// Callbacks run only from the idle handle, never inside Resolve or inside a c-ares callback, so user code
// never runs while c-ares is on the stack.
#include "dns/resolver.h"

#include <ares.h>

#include <cassert>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/memory/memory.h"
#include "dns/ares_uv.h"
#include "dns/cache.h"
#include "dns/hosts_file.h"

namespace urlsweep {
namespace {

// Finished lookups kept for reuse, so steady scanning allocates none; beyond this (after a burst of
// lookups) they are freed. Each holds its name and the compact answer (a few dozen bytes).
constexpr size_t kMaxFreeLookups = 1024;

// Lookups handed to c-ares at once per channel (each is an A and an AAAA query); the rest wait in
// arrival order. Without a cap a burst of first lookups (hundreds of new names in one loop turn) sends
// more datagrams than the resolver's or our socket's receive buffer holds: the lost ones wait out a whole
// try timeout, and their retries, all sent together, burst and are lost again.
constexpr int kMaxLookupsInFlight = 64;

// Whether an answer is a fact about the name rather than about the path to it: only those are cached.
bool IsCacheable(int ares_status) {
  return ares_status == ARES_SUCCESS || ares_status == ARES_ENOTFOUND || ares_status == ARES_ENODATA;
}

// `family`: ResolverOptions::family; an answer from the hosts file may hold the other family too.
void FillResult(const DnsCache::Answer& answer, bool from_cache, int family, DnsResult* result) {
  result->ares_status = answer.ares_status;
  result->from_cache = from_cache;
  result->flagged = answer.flagged;
  result->address_count = 0;
  for (const DnsCache::Address& address : answer.addresses) {
    if (result->address_count == kMaxAddresses) break;
    if (family != AF_UNSPEC && address.family != family) continue;
    sockaddr_storage& out = result->addresses[result->address_count++];
    std::memset(&out, 0, sizeof(out));
    if (address.family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&out);
      sin->sin_family = AF_INET;
      std::memcpy(&sin->sin_addr, address.bytes, sizeof(sin->sin_addr));
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
      sin6->sin6_family = AF_INET6;
      std::memcpy(&sin6->sin6_addr, address.bytes, sizeof(sin6->sin6_addr));
    }
  }
}

}  // namespace

class ResolverImpl final : public Resolver {
 public:
  ResolverImpl(uv_loop_t* loop, const ResolverOptions& options);
  ~ResolverImpl() override;

  absl::Status Init(const ResolverOptions& options);

  void Resolve(std::string_view name, Request* request) override;
  void Cancel(Request* request) override;
  void Close(void (*on_closed)(void* arg), void* arg) override;
  Stats stats() const override { return stats_; }

 private:
  struct Lookup {
    std::string name;
    DnsCache::Answer answer;  // once answered; turned into `result_` for each delivery
    AresUv::Query query;
    Request* head = nullptr;  // waiting requests, in arrival order
    Request* tail = nullptr;
    Lookup* next = nullptr;  // in the done queue, the delivery batch or the free list
    ResolverImpl* owner = nullptr;
  };

  // A cache or hosts-file answer waiting for the next loop turn: the answer itself (a few dozen bytes,
  // not a DnsResult of about 1 KiB per hit: -c 10000 on cached names held megabytes until the turn
  // ended), and its request, nullptr once cancelled.
  struct Hit {
    Request* request = nullptr;
    DnsCache::Answer answer;
  };

  static void OnLookupDone(void* arg, int ares_status, const DnsCache::Answer& answer, uint32_t ttl_s);
  static void OnIdle(uv_idle_t* idle);
  static void OnAresClosed(void* arg);
  static void OnIdleClosed(uv_handle_t* handle);

  Lookup* NewLookup(std::string_view name);
  void Recycle(Lookup* lookup);
  static void Append(Lookup* lookup, Request* request);
  static Request* PopFront(Lookup* lookup);
  // Every waiting request of `lookup` becomes not pending, without callback.
  static void DropWaiters(Lookup* lookup);
  void QueueDone(Lookup* lookup);
  // A hosts-file or cache answer, delivered like a DNS answer on a later loop turn.
  void AnswerLater(const DnsCache::Answer& answer, Request* request);
  // Every request in `hits` becomes not pending, without callback; the list is emptied.
  static void DropHits(std::vector<Hit>* hits);
  // Hands waiting lookups to c-ares while fewer than kMaxLookupsInFlight are there. Not re-entrant: a
  // lookup that ends inside ares_getaddrinfo (an IP literal, an .onion name) frees its place for this
  // same loop.
  void StartWaiting();
  void Deliver();
  void FinishClose();
  void HandleClosed();

  uv_loop_t* loop_;
  std::unique_ptr<AresUv> ares_;
  // Answered before the cache and DNS; c-ares itself never reads the hosts file (lookups "b").
  HostsFile hosts_;
  DnsCache cache_;
  int family_;  // ResolverOptions::family
  uv_idle_t idle_;
  // Keys view Lookup::name, which does not change while the lookup is in flight.
  absl::flat_hash_map<std::string_view, Lookup*> in_flight_;
  Lookup* done_head_ = nullptr;
  Lookup* done_tail_ = nullptr;
  // Coalescable (in `in_flight_`) but not yet handed to c-ares, in arrival order.
  Lookup* waiting_head_ = nullptr;
  Lookup* waiting_tail_ = nullptr;
  int started_ = 0;  // lookups c-ares holds
  bool starting_ = false;
  Lookup* delivering_ = nullptr;  // the rest of the batch Deliver is working through
  // Cache and hosts-file hits: those of this turn, and those Deliver is working through. Swapped at each
  // delivery, so their capacity is reused and steady scanning allocates nothing for a hit.
  std::vector<Hit> hits_;
  std::vector<Hit> delivering_hits_;
  // The one DnsResult every callback is given, filled just before.
  DnsResult result_;
  Lookup* free_ = nullptr;
  size_t free_count_ = 0;
  Stats stats_;
  bool closing_ = false;
  bool finish_close_started_ = false;
  int open_parts_ = 0;  // the idle handle and the AresUv, until their close callbacks
  void (*on_closed_)(void* arg) = nullptr;
  void* on_closed_arg_ = nullptr;
};

absl::StatusOr<std::unique_ptr<Resolver>> Resolver::Create(uv_loop_t* loop, const ResolverOptions& options) {
  auto resolver = std::make_unique<ResolverImpl>(loop, options);
  absl::Status status = resolver->Init(options);
  if (!status.ok()) return status;
  return std::unique_ptr<Resolver>(std::move(resolver));
}

ResolverImpl::ResolverImpl(uv_loop_t* loop, const ResolverOptions& options)
    : loop_(loop), cache_(options.cache_capacity), family_(options.family) {}

absl::Status ResolverImpl::Init(const ResolverOptions& options) {
  hosts_ = HostsFile::Load(options.hosts_path);
  absl::StatusOr<std::unique_ptr<AresUv>> ares = AresUv::Create(loop_, options, &ResolverImpl::OnLookupDone);
  if (!ares.ok()) return ares.status();
  ares_ = std::move(*ares);
  uv_idle_init(loop_, &idle_);
  idle_.data = this;
  open_parts_ = 2;
  return absl::OkStatus();
}

ResolverImpl::~ResolverImpl() {
  // After on_closed every lookup is in the free list (c-ares ended the in-flight ones on destroy).
  assert(in_flight_.empty());
  while (free_ != nullptr) {
    Lookup* next = free_->next;
    delete free_;
    free_ = next;
  }
}

ResolverImpl::Lookup* ResolverImpl::NewLookup(std::string_view name) {
  Lookup* lookup = free_;
  if (lookup != nullptr) {
    free_ = lookup->next;
    --free_count_;
  } else {
    lookup = new Lookup;
  }
  lookup->name.assign(name.data(), name.size());
  lookup->next = nullptr;
  lookup->head = lookup->tail = nullptr;
  lookup->query.arg = lookup;
  lookup->owner = this;
  return lookup;
}

void ResolverImpl::Recycle(Lookup* lookup) {
  DropWaiters(lookup);
  if (free_count_ >= kMaxFreeLookups) {
    delete lookup;
    return;
  }
  lookup->next = free_;
  free_ = lookup;
  ++free_count_;
}

void ResolverImpl::Append(Lookup* lookup, Request* request) {
  request->pending_ = lookup;
  request->next_ = nullptr;
  request->prev_ = lookup->tail;
  if (lookup->tail != nullptr) {
    lookup->tail->next_ = request;
  } else {
    lookup->head = request;
  }
  lookup->tail = request;
}

Resolver::Request* ResolverImpl::PopFront(Lookup* lookup) {
  Request* request = lookup->head;
  if (request == nullptr) return nullptr;
  lookup->head = request->next_;
  if (lookup->head != nullptr) {
    lookup->head->prev_ = nullptr;
  } else {
    lookup->tail = nullptr;
  }
  request->next_ = request->prev_ = nullptr;
  request->pending_ = nullptr;
  return request;
}

void ResolverImpl::DropWaiters(Lookup* lookup) {
  while (PopFront(lookup) != nullptr) {
  }
}

void ResolverImpl::Resolve(std::string_view name, Request* request) {
  assert(!request->pending() && "a request must not be started twice");
  // After Close nothing is started and no callback will run.
  if (closing_) return;
  ++stats_.lookups;
  // "example.com." and "example.com" are one name (we use no search domains, so the dot changes nothing).
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);

  // The hosts file comes first, as lookups "fb" did: its names are never asked of DNS, so they are never
  // in the cache either. Localhost names it does not list are loopback without a query (RFC 6761 6.3),
  // which is what c-ares 1.18 did too: its DNS step skips them.
  const DnsCache::Answer* listed = hosts_.Find(name);
  if (listed == nullptr && HostsFile::IsLocalhostName(name)) listed = &HostsFile::LoopbackAnswer();
  if (listed != nullptr) {
    ++stats_.hosts_hits;
    AnswerLater(*listed, request);
    return;
  }
  if (const DnsCache::Answer* cached = cache_.Find(name, uv_now(loop_))) {
    ++stats_.cache_hits;
    AnswerLater(*cached, request);
    return;
  }
  if (auto found = in_flight_.find(name); found != in_flight_.end()) {
    ++stats_.coalesced;
    Append(found->second, request);
    return;
  }
  ++stats_.queries;
  Lookup* lookup = NewLookup(name);
  Append(lookup, request);
  in_flight_.emplace(lookup->name, lookup);
  if (waiting_tail_ != nullptr) {
    waiting_tail_->next = lookup;
  } else {
    waiting_head_ = lookup;
  }
  waiting_tail_ = lookup;
  StartWaiting();
}

void ResolverImpl::AnswerLater(const DnsCache::Answer& answer, Request* request) {
  request->pending_ = &hits_;
  request->hit_index_ = hits_.size();
  request->next_ = request->prev_ = nullptr;
  hits_.push_back(Hit{request, answer});
  uv_idle_start(&idle_, &ResolverImpl::OnIdle);
}

void ResolverImpl::DropHits(std::vector<Hit>* hits) {
  for (Hit& hit : *hits) {
    if (hit.request != nullptr) hit.request->pending_ = nullptr;
  }
  hits->clear();
}

void ResolverImpl::StartWaiting() {
  if (starting_) return;
  starting_ = true;
  while (waiting_head_ != nullptr && started_ < kMaxLookupsInFlight && !closing_) {
    Lookup* lookup = waiting_head_;
    waiting_head_ = lookup->next;
    if (waiting_head_ == nullptr) waiting_tail_ = nullptr;
    lookup->next = nullptr;
    ++started_;
    // OnLookupDone may run inside this call (an IP literal, an .onion name): it only queues the answer.
    ares_->Lookup(lookup->name.c_str(), &lookup->query);
  }
  starting_ = false;
}

void ResolverImpl::Cancel(Request* request) {
  if (request->pending_ == nullptr) return;
  if (request->pending_ == &hits_ || request->pending_ == &delivering_hits_) {
    auto* hits = static_cast<std::vector<Hit>*>(request->pending_);
    (*hits)[request->hit_index_].request = nullptr;
    request->pending_ = nullptr;
    return;
  }
  auto* lookup = static_cast<Lookup*>(request->pending_);
  if (request->prev_ != nullptr) {
    request->prev_->next_ = request->next_;
  } else {
    lookup->head = request->next_;
  }
  if (request->next_ != nullptr) {
    request->next_->prev_ = request->prev_;
  } else {
    lookup->tail = request->prev_;
  }
  request->next_ = request->prev_ = nullptr;
  request->pending_ = nullptr;
  // An in-flight lookup left without waiters goes on: its answer still fills the cache.
}

void ResolverImpl::OnLookupDone(void* arg, int ares_status, const DnsCache::Answer& answer, uint32_t ttl_s) {
  auto* lookup = static_cast<Lookup*>(arg);
  ResolverImpl* self = lookup->owner;
  self->in_flight_.erase(std::string_view(lookup->name));
  --self->started_;
  if (ares_status == ARES_EDESTRUCTION || self->closing_) {
    // Close() already dropped the waiters; the channel is going away.
    self->Recycle(lookup);
    return;
  }
  if (IsCacheable(ares_status)) self->cache_.Insert(lookup->name, answer, ttl_s, uv_now(self->loop_));
  if (lookup->head == nullptr) {
    // Every waiter was cancelled; the answer served the cache.
    self->Recycle(lookup);
    self->StartWaiting();
    return;
  }
  lookup->answer = answer;
  self->QueueDone(lookup);
  self->StartWaiting();
}

void ResolverImpl::QueueDone(Lookup* lookup) {
  lookup->next = nullptr;
  if (done_tail_ != nullptr) {
    done_tail_->next = lookup;
  } else {
    done_head_ = lookup;
  }
  done_tail_ = lookup;
  uv_idle_start(&idle_, &ResolverImpl::OnIdle);
}

void ResolverImpl::OnIdle(uv_idle_t* idle) {
  auto* self = static_cast<ResolverImpl*>(idle->data);
  if (self->closing_) {
    self->FinishClose();
    return;
  }
  self->Deliver();
}

void ResolverImpl::Deliver() {
  // Only what was answered before this turn: a callback that resolves again (a cache hit) is answered on
  // the next turn, so a callback chain cannot starve the loop.
  delivering_ = done_head_;
  done_head_ = done_tail_ = nullptr;
  hits_.swap(delivering_hits_);  // hits_ was emptied by the delivery before
  for (size_t i = 0; i < delivering_hits_.size(); ++i) {
    // A callback below may cancel a request further down this batch: it looks here now.
    if (delivering_hits_[i].request != nullptr) delivering_hits_[i].request->pending_ = &delivering_hits_;
  }
  for (size_t i = 0; i < delivering_hits_.size(); ++i) {
    Hit& hit = delivering_hits_[i];
    Request* request = hit.request;
    if (request == nullptr) continue;  // cancelled
    request->pending_ = nullptr;
    FillResult(hit.answer, /*from_cache=*/true, family_, &result_);
    request->callback_(request, result_);
    // Close() in the callback dropped every waiter and emptied the lists: nothing may follow.
    if (closing_) return;
  }
  delivering_hits_.clear();
  while (delivering_ != nullptr) {
    Lookup* lookup = delivering_;
    FillResult(lookup->answer, /*from_cache=*/false, family_, &result_);
    while (Request* request = PopFront(lookup)) {
      request->callback_(request, result_);
      // Close() in the callback dropped every waiter and recycled this batch: nothing may follow.
      if (closing_) return;
    }
    delivering_ = lookup->next;
    Recycle(lookup);
  }
  if (done_head_ == nullptr && hits_.empty()) uv_idle_stop(&idle_);
}

void ResolverImpl::Close(void (*on_closed)(void* arg), void* arg) {
  if (closing_) return;
  closing_ = true;
  on_closed_ = on_closed;
  on_closed_arg_ = arg;
  for (auto& [name, lookup] : in_flight_) DropWaiters(lookup);
  // Lookups never handed to c-ares end here; c-ares ends the others on destroy (FinishClose).
  while (waiting_head_ != nullptr) {
    Lookup* lookup = waiting_head_;
    waiting_head_ = lookup->next;
    in_flight_.erase(std::string_view(lookup->name));
    Recycle(lookup);
  }
  waiting_tail_ = nullptr;
  for (Lookup* list : {delivering_, done_head_}) {
    while (list != nullptr) {
      Lookup* next = list->next;
      Recycle(list);
      list = next;
    }
  }
  delivering_ = done_head_ = done_tail_ = nullptr;
  DropHits(&hits_);
  DropHits(&delivering_hits_);
  // The channel is destroyed on the next loop turn: Close may have been called from code that c-ares has
  // on its stack, and destroying the channel there is a use-after-free (c-ares #1259, #1283).
  uv_idle_start(&idle_, &ResolverImpl::OnIdle);
}

void ResolverImpl::FinishClose() {
  if (finish_close_started_) return;
  finish_close_started_ = true;
  uv_idle_stop(&idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), &ResolverImpl::OnIdleClosed);
  // Ends the in-flight lookups with ARES_EDESTRUCTION (OnLookupDone recycles them) and closes the polls
  // and the timer.
  ares_->Close(&ResolverImpl::OnAresClosed, this);
}

void ResolverImpl::OnAresClosed(void* arg) { static_cast<ResolverImpl*>(arg)->HandleClosed(); }

void ResolverImpl::OnIdleClosed(uv_handle_t* handle) {
  static_cast<ResolverImpl*>(handle->data)->HandleClosed();
}

void ResolverImpl::HandleClosed() {
  // Nothing may follow on_closed_: the owner may destroy the resolver in it.
  if (--open_parts_ == 0 && on_closed_ != nullptr) on_closed_(on_closed_arg_);
}

}  // namespace urlsweep
