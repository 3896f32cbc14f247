#include "dns/ares_uv.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/ip_address.h"
#include "dns/dns_message.h"

namespace urlsweep {
namespace {

// One retransmission per server: a lost UDP datagram should not cost the whole lookup, and a third try
// would leave the first one too little of the budget (each round doubles the timeout).
constexpr int kTries = 2;
// Below this a try rarely gets an answer from a resolver that is not on the host; with less budget than
// kTries rounds of it we make a single try instead.
constexpr int kMinTryTimeoutMs = 100;
// The port of --resolver when none is given (RFC 1035 section 4.2).
constexpr uint16_t kDnsPort = 53;
// DNS only ("b" = bind). /etc/hosts is honoured also with --resolver (docs/flags.md), but c-ares 1.18
// with "f" opens and parses the file again for every lookup (an openat, newfstatat and close per URL,
// 3% of a scan's CPU): the Resolver reads it once at start (HostsFile) and never hands its names to c-ares.
constexpr char kLookupOrder[] = "b";
// SO_RCVBUF of c-ares' sockets. The kernel's default (net.core.rmem_default, 212,992 bytes here) holds
// about 256 small datagrams once each one's bookkeeping is counted, and the answers to a burst of lookups
// (an A and an AAAA reply per name) arrive together: what overflows is dropped and costs a whole try
// timeout. 1 MiB holds several times the kMaxLookupsInFlight burst. The kernel caps the value at
// net.core.rmem_max (and doubles it for its bookkeeping), so this never fails, only asks.
constexpr int kSocketReceiveBufferBytes = 1 << 20;
// DNS header RCODEs that c-ares 1.18 takes for a server failure (RFC 1035 section 4.1.1).
constexpr int kRcodeServfail = 2;
constexpr int kRcodeNotimp = 4;
constexpr int kRcodeRefused = 5;

// ares_library_init is not thread-safe and every worker thread creates its own Resolver.
void InitAresLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

// "127.0.0.1:53,[::1]:5353": ares_set_servers_ports_csv wants IPv6 addresses in brackets when a port
// follows.
absl::StatusOr<std::string> ServersCsv(const std::vector<Endpoint>& servers) {
  std::string csv;
  for (const Endpoint& server : servers) {
    IpAddress ip;
    if (!ParseIpLiteral(server.ip, &ip)) {
      return absl::InvalidArgumentError(absl::StrCat("--resolver: not an IP address: '", server.ip, "'"));
    }
    const uint16_t port = server.port == 0 ? kDnsPort : server.port;
    if (!csv.empty()) csv += ',';
    if (ip.family == AF_INET6) {
      absl::StrAppend(&csv, "[", server.ip, "]:", port);
    } else {
      absl::StrAppend(&csv, server.ip, ":", port);
    }
  }
  return csv;
}

int CountServers(ares_channel channel) {
  ares_addr_port_node* servers = nullptr;
  if (ares_get_servers_ports(channel, &servers) != ARES_SUCCESS) return 0;
  int count = 0;
  for (ares_addr_port_node* node = servers; node != nullptr; node = node->next) ++count;
  ares_free_data(servers);
  return count;
}

// The servers c-ares would read from /etc/resolv.conf (it falls back to 127.0.0.1 when there are none).
// A throw-away channel: initialising one opens no socket and sends nothing.
int CountResolvConfServers() {
  ares_channel probe = nullptr;
  if (ares_init(&probe) != ARES_SUCCESS) return 1;
  const int count = CountServers(probe);
  ares_destroy(probe);
  return std::max(count, 1);
}

bool SameAddress(const DnsCache::Address& a, const DnsCache::Address& b) {
  return a.family == b.family && std::memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0;
}

// Whether two AF_INET or AF_INET6 socket addresses have the same address and port.
bool SameSocketAddress(const sockaddr* a, const sockaddr* b) {
  if (a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET) {
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(a);
    const auto* b4 = reinterpret_cast<const sockaddr_in*>(b);
    return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
  }
  if (a->sa_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(a);
    const auto* b6 = reinterpret_cast<const sockaddr_in6*>(b);
    return a6->sin6_port == b6->sin6_port && std::memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(in6_addr)) == 0;
  }
  return false;
}

// RFC 7686 section 2: .onion names are not for DNS; resolvers answer NXDOMAIN without a query, as
// c-ares 1.18's ares_getaddrinfo did.
bool IsOnionName(std::string_view name) {
  constexpr std::string_view kOnion = "onion";
  if (name.size() < kOnion.size()) return false;
  const std::string_view tail = name.substr(name.size() - kOnion.size());
  for (size_t i = 0; i < kOnion.size(); ++i) {
    if ((tail[i] | 0x20) != kOnion[i]) return false;
  }
  return name.size() == kOnion.size() || name[name.size() - kOnion.size() - 1] == '.';
}

// The addresses of one part's reply, appended to the lookup's answer: each family up to kMaxAddresses
// (the other family's part may end first; the answer is cut to kMaxAddresses once both have, IPv4
// first), every one of them, kept or not, asked of `flag`.
class AppendAddresses final : public dns_message::AddressSink {
 public:
  AppendAddresses(int family, const AresUv::FlagAddress& flag, DnsCache::Answer* answer, uint32_t* min_ttl)
      : family_(family), flag_(flag), answer_(answer), min_ttl_(min_ttl) {}

  void OnAddress(const uint8_t* bytes, uint32_t ttl_s) override {
    DnsCache::Address address;
    address.family = static_cast<sa_family_t>(family_);
    std::memcpy(address.bytes, bytes, family_ == AF_INET ? 4 : 16);
    if (flag_.fn != nullptr && !answer_->flagged && flag_.fn(flag_.arg, family_, address.bytes)) {
      answer_->flagged = true;
    }
    if (kept_ >= kMaxAddresses) return;
    const bool duplicate = std::any_of(answer_->addresses.begin(), answer_->addresses.end(),
                                       [&](const DnsCache::Address& kept) { return SameAddress(kept, address); });
    if (duplicate) return;
    answer_->addresses.push_back(address);
    ++kept_;
    *min_ttl_ = std::min(*min_ttl_, ttl_s);
  }

 private:
  int family_;
  const AresUv::FlagAddress& flag_;
  DnsCache::Answer* answer_;
  uint32_t* min_ttl_;
  int kept_ = 0;
};

// The c-ares status a reply's outcome stands for: the statuses ares_query gave for the same replies,
// so the Resolver and the error mapping see what they saw before.
int StatusOf(dns_message::Outcome outcome) {
  switch (outcome) {
    case dns_message::Outcome::kAddresses:
      return ARES_SUCCESS;
    case dns_message::Outcome::kNoData:
      return ARES_ENODATA;
    case dns_message::Outcome::kNxdomain:
      return ARES_ENOTFOUND;
    case dns_message::Outcome::kServfail:
      return ARES_ESERVFAIL;
    case dns_message::Outcome::kNotimp:
      return ARES_ENOTIMP;
    case dns_message::Outcome::kRefused:
      return ARES_EREFUSED;
    case dns_message::Outcome::kFormerr:
      return ARES_EFORMERR;
    case dns_message::Outcome::kOtherRcode:
    case dns_message::Outcome::kNotResponse:
    case dns_message::Outcome::kMalformed:
      return ARES_EBADRESP;
  }
  return ARES_EBADRESP;
}

}  // namespace

// The socket functions c-ares reads and writes through (ares_set_socket_functions): the plain system
// calls, plus two guards c-ares 1.18 lacks, and, with several servers, a look at failure replies.
//
// Guards. c-ares 1.18 takes any datagram with a pending query's ID and question for its answer, also one
// without the QR bit: a query, not a reply (ares_process.c, process_answer checks the ID and the
// question only). A UDP socket connected to 127.0.0.1:P can be bound to port P itself when nothing
// listens there any more (a resolver that died: connect picks a free ephemeral port, and P is one), and
// then reads back its own queries: a NOERROR "reply" without records, that is a NODATA, which the
// Resolver caches, for a name the dead server never answered. So RecvFrom drops a UDP datagram that is
// not a reply (the query then ends as if no answer came), and Connect refuses a socket whose local
// address is its peer's (c-ares then tries the next server or round, as after an ICMP refusal).
//
// Failure replies. c-ares 1.18 takes a SERVFAIL, NOTIMP or REFUSED reply for a server failure when it
// has several servers: it tries the next one and, when every server has failed, ends the query with the
// status it started with, ARES_ECONNREFUSED, as if no server had been reached (ares_process.c,
// process_answer skips the reply without recording its rcode; next_server ends the query with
// query->error_status). RecvFrom notes a reply with one of those rcodes on the part of the lookup in
// flight whose question it answers (by name and type), and OnReply turns ARES_ECONNREFUSED back into that
// rcode's status. Only UDP replies are looked at (a TCP read may hold part of a message); the message ID
// is not checked, so a late failure reply to an earlier lookup of the same name counts too. Not needed
// with one server (ARES_FLAG_NOCHECKRESP: c-ares hands such a reply on, and OnReply reads its rcode).
struct SocketFunctions {
  // c-ares leaves sockets it did not open itself as they are (ares_process.c, configure_socket: "do not
  // set options for user-managed sockets"), so what it would set is set here: non-blocking (its read
  // loops run until EAGAIN), close-on-exec, the receive buffer, and TCP_NODELAY.
  static ares_socket_t Open(int domain, int type, int protocol, void* user) {
    const int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) return ARES_SOCKET_BAD;
    if (type == SOCK_DGRAM) static_cast<AresUv*>(user)->udp_fds_.push_back(fd);
    // Only asks: the kernel caps it at net.core.rmem_max.
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketReceiveBufferBytes, sizeof(kSocketReceiveBufferBytes));
    if (type == SOCK_STREAM) {
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
  }
  static int Close(ares_socket_t fd, void* user) {
    // What is queued for this socket goes with it: the descriptor number may be reused at once.
    auto* self = static_cast<AresUv*>(user);
    std::erase(self->udp_fds_, fd);
    std::erase_if(self->send_queue_, [fd](const AresUv::Datagram& d) { return d.fd == fd; });
    if (self->failed_fd_ == fd) self->failed_fd_ = -1;
    return close(fd);
  }
  static int Connect(ares_socket_t fd, const sockaddr* address, ares_socklen_t length, void* /*user*/) {
    return AresUv::ConnectSocket(fd, address, length);
  }
  // A UDP datagram is queued for FlushSends (before the loop next waits) and reported sent; TCP, and a
  // datagram larger than a queue slot, are written at once.
  static ares_ssize_t SendV(ares_socket_t fd, const iovec* iov, int count, void* user) {
    auto* self = static_cast<AresUv*>(user);
    size_t total = 0;
    for (int i = 0; i < count; ++i) total += iov[i].iov_len;
    if (total > sizeof(AresUv::Datagram::bytes) ||
        std::find(self->udp_fds_.begin(), self->udp_fds_.end(), fd) == self->udp_fds_.end()) {
      return writev(fd, iov, count);
    }
    AresUv::Datagram& datagram = self->send_queue_.emplace_back();
    datagram.fd = fd;
    datagram.length = static_cast<uint16_t>(total);
    size_t at = 0;
    for (int i = 0; i < count; ++i) {
      std::memcpy(datagram.bytes + at, iov[i].iov_base, iov[i].iov_len);
      at += iov[i].iov_len;
    }
    self->ArmTimerBeforePoll();
    return static_cast<ares_ssize_t>(total);
  }
  static ares_ssize_t RecvFrom(ares_socket_t fd, void* buffer, size_t length, int flags, sockaddr* from,
                               ares_socklen_t* from_length, void* user) {
    auto* self = static_cast<AresUv*>(user);
    if (fd == self->failed_fd_) {
      // The error a queued send of this socket met (FlushSends): c-ares handles it as a read error.
      self->failed_fd_ = -1;
      errno = self->failed_errno_;
      return -1;
    }
    const ares_socklen_t from_capacity = from_length != nullptr ? *from_length : 0;
    for (;;) {
      const ssize_t n = recvfrom(fd, buffer, length, flags, from, from_length);
      // c-ares reads UDP with a source address and TCP without one.
      if (n <= 0 || from == nullptr) return n;
      const auto* message = static_cast<const unsigned char*>(buffer);
      // Byte 2 holds QR (RFC 1035 section 4.1.1). Shorter than a header: c-ares drops it itself.
      if (n > 2 && (message[2] & 0x80) == 0) {
        *from_length = from_capacity;
        continue;
      }
      if (self->server_count_ > 1) self->NoteFailureReply(message, static_cast<size_t>(n));
      return n;
    }
  }

  static constexpr ares_socket_functions kFunctions = {&Open, &Close, &Connect, &RecvFrom, &SendV};
};

void AresUv::NoteFailureReply(const unsigned char* message, size_t length) {
  // RFC 1035 section 4.1.1: ID, flags (QR in the first flag byte, RCODE in the low 4 bits of the
  // second), QDCOUNT; the question follows the 12-byte header.
  constexpr size_t kHeaderBytes = 12;
  if (length < kHeaderBytes || (message[2] & 0x80) == 0) return;
  const int rcode = message[3] & 0x0F;
  if (rcode != kRcodeServfail && rcode != kRcodeNotimp && rcode != kRcodeRefused) return;
  if (message[4] != 0 || message[5] != 1) return;
  // The question's name as dotted text, as c-ares sent it and the server echoes it (at most 255 bytes on
  // the wire, RFC 1035 section 2.3.4); no compression pointer can precede it.
  char name[256];
  size_t name_length = 0;
  size_t pos = kHeaderBytes;
  while (pos < length && message[pos] != 0) {
    const size_t label = message[pos];
    if (label > 63 || pos + 1 + label >= length || name_length + label + 1 > sizeof(name)) return;
    if (name_length > 0) name[name_length++] = '.';
    std::memcpy(name + name_length, message + pos + 1, label);
    name_length += label;
    pos += 1 + label;
  }
  if (pos + 3 > length) return;  // the root label, then QTYPE
  const int qtype = (message[pos + 1] << 8) | message[pos + 2];
  auto found = by_name_.find(std::string_view(name, name_length));
  if (found == by_name_.end()) return;
  constexpr int kTypeA = 1;
  constexpr int kTypeAaaa = 28;
  Query* query = found->second;
  if (qtype == kTypeA) query->parts[0].failure_rcode = rcode;
  if (qtype == kTypeAaaa) query->parts[1].failure_rcode = rcode;
}

struct AresUv::Poll {
  uv_poll_t handle;
  AresUv* owner;
  int fd;
};

AresUv::TryPlan AresUv::PlanTries(double timeout_s, int server_count) {
  const int servers = std::max(server_count, 1);
  const double budget_ms = std::clamp(timeout_s * 1000, 1.0, double{std::numeric_limits<int>::max()});
  const int rounds_weight = (1 << kTries) - 1;  // 1 + 2 + 4 + ...: each round doubles the timeout
  const int per_try_ms = static_cast<int>(std::floor(budget_ms / (servers * rounds_weight)));
  if (per_try_ms >= kMinTryTimeoutMs) return TryPlan{kTries, per_try_ms};
  return TryPlan{1, std::max(1, static_cast<int>(std::floor(budget_ms / servers)))};
}

AresUv::AresUv(uv_loop_t* loop, DoneCallback done) : loop_(loop), done_(done) {}

AresUv::~AresUv() {
  // Destroying a live channel here would run lookup callbacks into an owner being torn down, and the
  // timer would stay on the loop: Close must have run.
  assert(channel_ == nullptr && open_handles_ == 0);
}

absl::StatusOr<std::unique_ptr<AresUv>> AresUv::Create(uv_loop_t* loop, const ResolverOptions& options,
                                                       DoneCallback done) {
  InitAresLibraryOnce();
  absl::StatusOr<std::string> csv = ServersCsv(options.servers);
  if (!csv.ok()) return csv.status();
  const int server_count =
      options.servers.empty() ? CountResolvConfServers() : static_cast<int>(options.servers.size());

  std::unique_ptr<AresUv> self = absl::WrapUnique(new AresUv(loop, done));
  self->server_count_ = server_count;
  self->flag_ = FlagAddress{options.flag_address, options.flag_address_arg};
  self->family_ = options.family;
  self->plan_ = PlanTries(options.timeout_s, server_count);

  ares_options ares_opts;
  std::memset(&ares_opts, 0, sizeof(ares_opts));
  int mask = 0;
  ares_opts.sock_state_cb = &AresUv::OnSockState;
  ares_opts.sock_state_cb_data = self.get();
  mask |= ARES_OPT_SOCK_STATE_CB;
  ares_opts.timeout = self->plan_.try_timeout_ms;
  mask |= ARES_OPT_TIMEOUTMS;
  ares_opts.tries = self->plan_.tries;
  mask |= ARES_OPT_TRIES;
  // No search domains: a URL's host is a full name, and "www.example.com.corp.lan" after an NXDOMAIN
  // would both cost queries and replace the NXDOMAIN the user should see.
  ares_opts.ndomains = 0;
  ares_opts.domains = nullptr;
  mask |= ARES_OPT_DOMAINS;
  ares_opts.socket_receive_buffer_size = kSocketReceiveBufferBytes;
  mask |= ARES_OPT_SOCK_RCVBUF;
  std::string lookups = kLookupOrder;
  ares_opts.lookups = lookups.data();
  mask |= ARES_OPT_LOOKUPS;
  if (server_count == 1) {
    // c-ares 1.18 answers a SERVFAIL or REFUSED reply by trying the next server and, when none is left,
    // ends the query with ARES_ECONNREFUSED, so dns_servfail could never be reported. With one server
    // there is no other to try: take the reply's rcode as it is (ARES_ESERVFAIL, ARES_EREFUSED).
    ares_opts.flags = ARES_FLAG_NOCHECKRESP;
    mask |= ARES_OPT_FLAGS;
  }

  ares_channel channel = nullptr;
  int status = ares_init_options(&channel, &ares_opts, mask);
  if (status != ARES_SUCCESS) {
    return absl::InternalError(absl::StrCat("c-ares initialisation failed: ", ares_strerror(status)));
  }
  if (!options.servers.empty()) {
    status = ares_set_servers_ports_csv(channel, csv->c_str());
    if (status != ARES_SUCCESS || CountServers(channel) != server_count) {
      ares_destroy(channel);
      return absl::InvalidArgumentError(
          absl::StrCat("--resolver: c-ares rejected '", *csv, "': ", ares_strerror(status)));
    }
  }
  ares_set_socket_functions(channel, &SocketFunctions::kFunctions, self.get());
  self->channel_ = channel;
  uv_timer_init(loop, &self->timer_);
  self->timer_.data = self.get();
  uv_prepare_init(loop, &self->prepare_);
  self->prepare_.data = self.get();
  self->open_handles_ = 2;
  return self;
}

int AresUv::ConnectSocket(int fd, const sockaddr* address, socklen_t length) {
  const int result = connect(fd, address, length);
  if (result != 0 && errno != EINPROGRESS) return result;
  // connect bound the socket (for TCP also while the handshake is in progress): is it its own peer?
  sockaddr_storage local;
  socklen_t local_length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) == 0 &&
      SameSocketAddress(reinterpret_cast<const sockaddr*>(&local), address)) {
    errno = ECONNREFUSED;
    return -1;
  }
  if (result != 0) errno = EINPROGRESS;
  return result;
}

uint16_t AresUv::NextId() {
  if (ids_left_ == 0) {
    // getrandom(2) without flags blocks only before the kernel's pool is first initialised (early boot).
    const ssize_t got = getrandom(ids_, sizeof(ids_), 0);
    if (got != static_cast<ssize_t>(sizeof(ids_))) {
      // Never seen on Linux for 256 bytes; still, keep IDs varying rather than fail the lookup.
      for (size_t i = 0; i < std::size(ids_); ++i) ids_[i] = static_cast<uint16_t>(ids_[i] * 40503u + i + 1);
    }
    ids_left_ = std::size(ids_);
  }
  return ids_[--ids_left_];
}

void AresUv::Lookup(const char* name, Query* query) {
  query->owner = this;
  query->answer.addresses.clear();
  query->answer.flagged = false;
  query->min_ttl = std::numeric_limits<uint32_t>::max();
  // Both parts are set up before either starts: a part may end inside ares_send. A family left out
  // (-4, -6) is a part that is never asked and counts as "no address" (ENODATA), so the other part's
  // status decides.
  query->parts[0] = {query, AF_INET, ARES_SUCCESS, 0};
  query->parts[1] = {query, AF_INET6, ARES_SUCCESS, 0};
  query->pending = 0;
  for (Query::Part& part : query->parts) {
    if (family_ != AF_UNSPEC && part.family != family_) {
      part.status = ARES_ENODATA;
    } else {
      ++query->pending;
    }
  }
  query->name = name;
  // The parts to ask, listed first: once the last of them has ended, the done callback may reuse
  // `query`, so nothing below reads it after handing its last part on.
  Query::Part* asked[2];
  int count = 0;
  for (Query::Part& part : query->parts) {
    if (family_ == AF_UNSPEC || part.family == family_) asked[count++] = &part;
  }
  // Answered without a query, inside this call: an IP literal is its own address (as ares_getaddrinfo
  // answered it; the scanner connects to literals without asking), .onion names do not exist in DNS, and
  // a name the wire cannot hold cannot be asked.
  uint8_t message[dns_message::kMaxQueryBytes];
  IpAddress literal;
  const bool is_literal = ParseIpLiteral(query->name, &literal);
  const bool onion = !is_literal && IsOnionName(query->name);
  const size_t length =
      is_literal || onion ? 0 : dns_message::EncodeQuery(query->name, 0, dns_message::kTypeA, message);
  if (length == 0) {
    for (int i = 0; i < count; ++i) {
      Query::Part* part = asked[i];
      int status = onion ? ARES_ENOTFOUND : is_literal ? ARES_ENODATA : ARES_EBADNAME;
      if (is_literal && literal.family == part->family) {
        AppendAddresses append(part->family, flag_, &query->answer, &query->min_ttl);
        append.OnAddress(literal.bytes, 0);
        status = ARES_SUCCESS;
      }
      EndPart(part, status);  // the last one ends the lookup
    }
    return;
  }
  if (server_count_ > 1) by_name_[query->name] = query;
  for (int i = 0; i < count; ++i) {
    Query::Part* part = asked[i];
    // The ID (bytes 0-1) and the question's type (the 4 bytes before the end hold type and class).
    const uint16_t id = NextId();
    const uint16_t qtype = part->family == AF_INET ? dns_message::kTypeA : dns_message::kTypeAaaa;
    message[0] = static_cast<uint8_t>(id >> 8);
    message[1] = static_cast<uint8_t>(id & 0xFF);
    message[length - 4] = static_cast<uint8_t>(qtype >> 8);
    message[length - 3] = static_cast<uint8_t>(qtype & 0xFF);
    // ares_send copies the message; the callback may run inside it (no socket could be opened).
    ares_send(channel_, message, static_cast<int>(length), &AresUv::OnReply, part);
  }
  // Not ArmTimer here: ares_timeout walks every query in flight (c-ares 1.18), and lookups come in
  // batches (a burst of new names, or the next waiting ones started from inside ares_process_fd as
  // answers arrive). Armed per Lookup it ran 20,219 times in a 20,000-name scan, 20,000 of them from
  // here, and was the top c-ares symbol of the profile (1.1% of CPU); once per loop turn is enough.
  // `this` outlives every lookup, also one that ended above.
  ArmTimerBeforePoll();
}

void AresUv::OnReply(void* arg, int status, int /*timeouts*/, unsigned char* reply, int length) {
  auto* part = static_cast<Query::Part*>(arg);
  Query* query = part->query;
  if (status == ARES_SUCCESS) {
    if (reply == nullptr || length <= 0) {
      status = ARES_EBADRESP;
    } else {
      const uint16_t qtype = part->family == AF_INET ? dns_message::kTypeA : dns_message::kTypeAaaa;
      AppendAddresses append(part->family, query->owner->flag_, &query->answer, &query->min_ttl);
      status = StatusOf(dns_message::ParseAddressAnswer(reply, static_cast<size_t>(length), qtype, &append));
    }
  } else if (status == ARES_ECONNREFUSED && part->failure_rcode != 0) {
    // Every server failed, and at least one of them said how (see SocketFunctions): its last word.
    status = part->failure_rcode == kRcodeServfail  ? ARES_ESERVFAIL
             : part->failure_rcode == kRcodeRefused ? ARES_EREFUSED
                                                    : ARES_ENOTIMP;
  }
  EndPart(part, status);
}

void AresUv::EndPart(Query::Part* part, int status) {
  Query* query = part->query;
  part->status = status;
  if (--query->pending > 0) return;
  AresUv* self = query->owner;
  if (self->server_count_ > 1) self->by_name_.erase(query->name);

  // IPv4 first, then IPv6, each in the order of its reply (the parts may have ended in either order).
  auto& addresses = query->answer.addresses;
  for (size_t i = 1; i < addresses.size(); ++i) {
    for (size_t j = i; j > 0 && addresses[j - 1].family == AF_INET6 && addresses[j].family == AF_INET; --j) {
      std::swap(addresses[j - 1], addresses[j]);
    }
  }
  if (addresses.size() > static_cast<size_t>(kMaxAddresses)) addresses.resize(kMaxAddresses);
  const int s4 = query->parts[0].status;
  const int s6 = query->parts[1].status;
  uint32_t ttl_s = 0;
  if (!addresses.empty()) {
    status = ARES_SUCCESS;
    ttl_s = query->min_ttl;
  } else if (s4 == ARES_EDESTRUCTION || s6 == ARES_EDESTRUCTION) {
    status = ARES_EDESTRUCTION;
  } else if (s4 == ARES_ENOTFOUND || s6 == ARES_ENOTFOUND) {
    status = ARES_ENOTFOUND;
  } else if (s4 != ARES_ENODATA) {
    // No address, and the A query failed (refused, timed out, SERVFAIL...): that failure, not "no
    // address", whatever the AAAA query said.
    status = s4;
  } else {
    status = s6;  // ENODATA when both said so, else the AAAA query's failure
  }
  DnsCache::Answer answer;
  answer.addresses.swap(addresses);
  answer.ares_status = status;
  answer.flagged = query->answer.flagged;
  // Nothing may follow: the callback may reuse `query` for another lookup.
  self->done_(query->arg, status, answer, ttl_s);
}

void AresUv::OnSockState(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<AresUv*>(data);
  auto found = self->polls_.find(fd);
  if (!readable && !writable) {
    // c-ares is closing the socket, possibly inside ares_process_fd called from this very poll's
    // callback: stop watching now, free in the close callback.
    if (found != self->polls_.end()) {
      Poll* poll = found->second;
      self->polls_.erase(found);
      self->ClosePoll(poll);
    }
    return;
  }
  Poll* poll;
  if (found != self->polls_.end()) {
    poll = found->second;
  } else {
    poll = new Poll{{}, self, fd};
    if (uv_poll_init_socket(self->loop_, &poll->handle, fd) != 0) {
      // Without a watcher c-ares never hears of this socket's replies; its queries end by timeout.
      delete poll;
      return;
    }
    poll->handle.data = poll;
    // The timer, armed whenever a query is pending, keeps the loop alive; an idle socket c-ares keeps open
    // for later queries must not.
    uv_unref(reinterpret_cast<uv_handle_t*>(&poll->handle));
    ++self->open_handles_;
    self->polls_.emplace(fd, poll);
  }
  const int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  uv_poll_start(&poll->handle, events, &AresUv::OnPoll);
}

void AresUv::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* poll = static_cast<Poll*>(handle->data);
  AresUv* self = poll->owner;
  const int fd = poll->fd;
  // `poll` may be closed by c-ares inside Process (sock_state_cb(fd, 0, 0)): not used below.
  if (status < 0) {
    // An error on the socket: let c-ares read and write it, to see the error and retry elsewhere.
    self->Process(fd, fd);
    return;
  }
  // Readiness may be spurious (poll.rst); c-ares reads until EAGAIN.
  self->Process((events & UV_READABLE) ? fd : ARES_SOCKET_BAD, (events & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
}

void AresUv::OnTimer(uv_timer_t* timer) {
  static_cast<AresUv*>(timer->data)->Process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void AresUv::Process(int read_fd, int write_fd) {
  if (channel_ == nullptr) return;
  ares_process_fd(channel_, read_fd, write_fd);
  ArmTimer();
}

void AresUv::ArmTimerBeforePoll() {
  // A ref'd active prepare handle also keeps the loop alive until the timer is armed.
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&prepare_))) {
    uv_prepare_start(&prepare_, &AresUv::OnPrepare);
  }
}

void AresUv::OnPrepare(uv_prepare_t* prepare) {
  // Prepare callbacks run right before libuv computes its poll timeout from the timers, so the new
  // queries' deadline counts for this very wait, and their datagrams leave before it. A Lookup started
  // later in this turn (a check or close callback) starts the handle again, and it runs before the next
  // wait.
  auto* self = static_cast<AresUv*>(prepare->data);
  self->FlushSends();
  self->ArmTimer();
}

void AresUv::FlushSends() {
  // Sends may queue more sends (c-ares retries elsewhere after an error it reads below); a few rounds
  // cover that, and what is left waits for the next loop turn.
  constexpr int kMaxRounds = 4;
  // sendmmsg takes at most UIO_MAXIOV (1024) messages a call.
  constexpr size_t kMaxBatch = 256;
  mmsghdr headers[kMaxBatch];
  iovec vectors[kMaxBatch];
  for (int round = 0; round < kMaxRounds && !send_queue_.empty() && channel_ != nullptr; ++round) {
    std::vector<Datagram> queue;
    queue.swap(send_queue_);
    int failed_fd = -1;
    size_t i = 0;
    while (i < queue.size()) {
      const int fd = queue[i].fd;
      size_t end = i;
      while (end < queue.size() && queue[end].fd == fd && end - i < kMaxBatch) ++end;
      if (fd == failed_fd) {
        i = end;  // c-ares resends these once it has read the error
        continue;
      }
      for (size_t k = i; k < end; ++k) {
        vectors[k - i] = {queue[k].bytes, queue[k].length};
        headers[k - i] = {};
        headers[k - i].msg_hdr.msg_iov = &vectors[k - i];
        headers[k - i].msg_hdr.msg_iovlen = 1;
      }
      size_t sent = 0;
      while (i + sent < end) {
        const int n = sendmmsg(fd, headers + sent, static_cast<unsigned>(end - i - sent), 0);
        if (n > 0) {
          sent += static_cast<size_t>(n);
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != ENOBUFS) {
          // Most likely ECONNREFUSED from an earlier ICMP port unreachable: c-ares reads it below.
          failed_fd = fd;
          failed_fd_ = fd;
          failed_errno_ = errno;
        }
        // A full send buffer drops the rest, as the network could: their queries are retried on timeout.
        break;
      }
      i = end;
    }
    // Queue reused for the next round's sends.
    if (send_queue_.empty()) {
      queue.clear();
      send_queue_.swap(queue);
    }
    if (failed_fd >= 0) ares_process_fd(channel_, failed_fd, ARES_SOCKET_BAD);
  }
}

void AresUv::ArmTimer() {
  // This covers every lookup started so far, whoever asked for the re-arm. Datagrams still queued keep
  // the prepare handle on: they leave before the loop waits.
  if (send_queue_.empty()) uv_prepare_stop(&prepare_);
  if (channel_ == nullptr) return;
  timeval wait;
  const timeval* next = ares_timeout(channel_, nullptr, &wait);
  if (next == nullptr) {
    uv_timer_stop(&timer_);
    return;
  }
  // Round up: firing before c-ares' deadline would only make it re-arm for the rest.
  const uint64_t ms =
      static_cast<uint64_t>(next->tv_sec) * 1000 + (static_cast<uint64_t>(next->tv_usec) + 999) / 1000;
  // uv_now is cached since the loop iteration began; a stale base would fire the timer early.
  uv_update_time(loop_);
  uv_timer_start(&timer_, &AresUv::OnTimer, ms, 0);
}

void AresUv::ClosePoll(Poll* poll) {
  uv_poll_stop(&poll->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll->handle), &AresUv::OnPollClosed);
}

void AresUv::OnPollClosed(uv_handle_t* handle) {
  auto* poll = static_cast<Poll*>(handle->data);
  AresUv* self = poll->owner;
  delete poll;
  self->HandleClosed();
}

void AresUv::OnOwnHandleClosed(uv_handle_t* handle) { static_cast<AresUv*>(handle->data)->HandleClosed(); }

void AresUv::HandleClosed() {
  --open_handles_;
  // Nothing may follow on_closed_: the owner may destroy this object in it.
  if (closing_ && open_handles_ == 0 && on_closed_ != nullptr) on_closed_(on_closed_arg_);
}

void AresUv::Close(void (*on_closed)(void* arg), void* arg) {
  if (closing_) return;
  closing_ = true;
  on_closed_ = on_closed;
  on_closed_arg_ = arg;
  if (channel_ != nullptr) {
    ares_channel channel = channel_;
    channel_ = nullptr;  // ArmTimer and Process are no-ops from here on
    // Ends every pending lookup with ARES_EDESTRUCTION and reports each socket closed (0, 0).
    ares_destroy(channel);
  }
  send_queue_.clear();
  for (auto& [fd, poll] : polls_) ClosePoll(poll);
  polls_.clear();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &AresUv::OnOwnHandleClosed);
  uv_prepare_stop(&prepare_);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), &AresUv::OnOwnHandleClosed);
}

}  // namespace urlsweep
