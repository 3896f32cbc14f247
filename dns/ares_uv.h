// AresUv: one c-ares channel driven by one libuv loop. All c-ares calls of urlsweep live in ares_uv.cc:
// the channel options, the fd -> uv_poll_t map fed by c-ares' sock_state_cb, the one uv_timer_t re-armed
// from ares_timeout after every ares_process_fd and once per loop turn after new lookups, the socket
// functions c-ares reads and writes through, and the two queries of a lookup (an A and an AAAA query,
// written by dns_message and sent with ares_send) whose replies dns_message reads into a
// DnsCache::Answer. It knows nothing of requests, coalescing or caching (that is Resolver's job).
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "dns/cache.h"
#include "dns/resolver.h"

struct ares_channeldata;

namespace urlsweep {

class AresUv {
 public:
  // How one lookup's budget is split into c-ares tries (see PlanTries).
  struct TryPlan {
    int tries = 0;           // ARES_OPT_TRIES: rounds over all servers
    int try_timeout_ms = 0;  // ARES_OPT_TIMEOUTMS: first round's timeout per server
  };

  // The end of one Lookup. It runs inside c-ares (a poll or timer callback, Lookup itself, or Close with
  // ARES_EDESTRUCTION), so it must neither call Close nor destroy the AresUv. `answer` holds at most
  // kMaxAddresses addresses, IPv4 first then IPv6, each family in the order c-ares gave, duplicates
  // dropped; `ttl_s` is the smallest TTL among them (0 without addresses). A success without any
  // address is reported as ARES_ENODATA. `answer.flagged`: ResolverOptions::flag_address said yes to one
  // of all the addresses c-ares gave, kept or not.
  using DoneCallback = void (*)(void* arg, int ares_status, const DnsCache::Answer& answer, uint32_t ttl_s);

  // Initialises the channel: servers from options.servers (or /etc/resolv.conf when empty), DNS only
  // (the Resolver answers hosts-file names itself), no search domains, a 1 MiB socket receive buffer, and
  // tries/timeouts from PlanTries so that a lookup ends within options.timeout_s. Sends nothing.
  static absl::StatusOr<std::unique_ptr<AresUv>> Create(uv_loop_t* loop, const ResolverOptions& options,
                                                        DoneCallback done);
  // Only after Close's on_closed has run.
  ~AresUv();
  AresUv(const AresUv&) = delete;
  AresUv& operator=(const AresUv&) = delete;

  // One lookup's link back to its AresUv, embedded in the caller's lookup record, which must stay alive
  // until the done callback has run.
  struct Query {
    void* arg = nullptr;  // handed to the done callback
    AresUv* owner = nullptr;
    // One query per family, each ended by its own ares_send callback, combined when both have (a
    // refused or timed-out A query with an AAAA NODATA answer is that failure, not a cacheable NODATA).
    struct Part {
      Query* query = nullptr;
      int family = 0;
      int status = 0;
      // With several servers: the rcode (SERVFAIL 2, NOTIMP 4, REFUSED 5) of the last reply to this
      // part's question that c-ares took as a server failure, 0 for none (see SocketFunctions).
      int failure_rcode = 0;
    };
    Part parts[2];
    int pending = 0;
    std::string_view name;  // the caller's, valid until done
    DnsCache::Answer answer;  // both families' addresses as they arrive
    uint32_t min_ttl = 0;
  };

  // Starts an A+AAAA lookup of `name` (only A or only AAAA with ResolverOptions::family), kept alive by
  // the caller until done; `done(query->arg, ...)` runs exactly once, possibly inside this call (an IP
  // literal, an .onion name, a name the wire cannot hold). Not after Close.
  void Lookup(const char* name, Query* query);

  // Destroys the channel (every pending Lookup ends with ARES_EDESTRUCTION, inside this call) and closes
  // the timer and every poll handle; `on_closed(arg)` runs from the last close callback. Must not be
  // called from inside a c-ares callback (c-ares #1259: destroying the channel there frees what the
  // caller still uses); the Resolver calls it from a later loop turn. Idempotent.
  void Close(void (*on_closed)(void* arg), void* arg);

  // ResolverOptions::flag_address with its argument.
  struct FlagAddress {
    bool (*fn)(const void* arg, int family, const uint8_t* bytes) = nullptr;
    const void* arg = nullptr;
  };

  // connect(2) for c-ares' sockets: refuses (-1, errno ECONNREFUSED) a socket that the connect left
  // bound to its own peer address, which reads back its own queries (see SocketFunctions in ares_uv.cc).
  static int ConnectSocket(int fd, const sockaddr* address, socklen_t length);

  const TryPlan& plan() const { return plan_; }
  int server_count() const { return server_count_; }

  // c-ares 1.18 sends try k (0-based) of a query to every server in turn with a timeout of
  // try_timeout_ms << k, so a lookup that no server answers ends after
  // server_count * try_timeout_ms * (2^tries - 1). Picks the plan that fits `timeout_s`. Pure.
  static TryPlan PlanTries(double timeout_s, int server_count);

 private:
  struct Poll;
  friend struct SocketFunctions;

  AresUv(uv_loop_t* loop, DoneCallback done);

  static void OnSockState(void* data, int fd, int readable, int writable);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPollClosed(uv_handle_t* handle);
  static void OnTimer(uv_timer_t* timer);
  static void OnPrepare(uv_prepare_t* prepare);
  // The timer's and the prepare handle's close callback.
  static void OnOwnHandleClosed(uv_handle_t* handle);
  // ares_send's callback for one part: `reply` is the whole DNS message when status is ARES_SUCCESS.
  static void OnReply(void* arg, int status, int timeouts, unsigned char* reply, int length);
  // Records `status` as the end of `part` and, once both parts have ended, reports the lookup.
  static void EndPart(Query::Part* part, int status);
  // A fresh random message ID (RFC 5452 section 9.2: the ID is part of what a spoofed reply must guess;
  // c-ares' ares_send sends the ID it is given).
  uint16_t NextId();

  // Process `read_fd`/`write_fd` (ARES_SOCKET_BAD for none; both none: timeouts only), then re-arm.
  void Process(int read_fd, int write_fd);
  // Re-arms the timer from ares_timeout, or stops it when c-ares has nothing pending.
  void ArmTimer();
  // ArmTimer (and FlushSends) before the loop next waits for I/O (see OnPrepare).
  void ArmTimerBeforePoll();
  // Sends the UDP datagrams c-ares wrote since the last flush, one sendmmsg(2) per socket and run
  // (SocketFunctions::SendV queues them). A socket that reports an error (a refusal left by an earlier
  // ICMP port unreachable) keeps its error for c-ares' next read of it, and c-ares is made to read it
  // now, as it would have seen the error on its own send.
  void FlushSends();
  void ClosePoll(Poll* poll);
  // A UDP datagram c-ares read (SocketFunctions), with several servers: a SERVFAIL, NOTIMP or REFUSED
  // reply is noted on the part of the lookup in flight it answers.
  void NoteFailureReply(const unsigned char* message, size_t length);
  void HandleClosed();

  uv_loop_t* loop_;
  DoneCallback done_;
  ares_channeldata* channel_ = nullptr;
  uv_timer_t timer_;
  uv_prepare_t prepare_;  // active while new lookups wait for ArmTimer
  absl::flat_hash_map<int, Poll*> polls_;  // one uv_poll_t per c-ares socket
  TryPlan plan_;
  int server_count_ = 0;
  FlagAddress flag_;
  int family_ = AF_UNSPEC;  // ResolverOptions::family
  // Random bytes for message IDs, refilled from getrandom(2) when used up.
  uint16_t ids_[128];
  size_t ids_left_ = 0;
  // With several servers only: the lookups in flight by name, for SocketFunctions to find the query a
  // failure reply answers. Keys view Query::name.
  absl::flat_hash_map<std::string_view, Query*> by_name_;
  // UDP datagrams c-ares has written and FlushSends has not sent yet, in order. A lookup is two
  // datagrams and lookups start in bursts (the next waiting ones, as answers arrive): one system call
  // per burst instead of one per datagram.
  struct Datagram {
    int fd = -1;
    uint16_t length = 0;
    uint8_t bytes[512];  // RFC 1035 section 4.2.1: a UDP message is at most 512 bytes without EDNS
  };
  std::vector<Datagram> send_queue_;
  std::vector<int> udp_fds_;  // c-ares' open UDP sockets (SocketFunctions::Open / Close)
  // A socket whose queued send failed, and the error its next read by c-ares returns (-1: none).
  int failed_fd_ = -1;
  int failed_errno_ = 0;
  int open_handles_ = 0;  // the timer, the prepare handle and every poll not yet through its close callback
  bool closing_ = false;
  void (*on_closed_)(void* arg) = nullptr;
  void* on_closed_arg_ = nullptr;
};

}  // namespace urlsweep
