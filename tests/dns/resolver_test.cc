// Resolver against a real dnsmasq, started by each test on a free loopback port and killed by PID in
// TearDown, plus a small in-process UDP server for replies dnsmasq will not give (SERVFAIL, garbage).
// Every query goes to loopback: the resolver always gets explicit servers.
#include "dns/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dns/ares_uv.h"
#include "gtest/gtest.h"
#include "tests/test_environment.h"

extern char** environ;

namespace urlsweep {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kDnsmasq[] = "/usr/sbin/dnsmasq";
// Bounds for the waits below: generous for a loaded 2-core machine, small enough to fail fast.
constexpr double kDefaultWaitS = 5;
constexpr int kStartAttempts = 5;
constexpr int kReadyProbes = 50;
// dnsmasq's port is picked below the kernel's ephemeral range (32768 and up by default), where the
// outgoing connections of other tests running at the same time take their ports.
constexpr int kFirstPort = 20000;
constexpr int kLastPort = 32000;
constexpr int kPortPicks = 100;

std::string Ip(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text, sizeof(text));
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text, sizeof(text));
  }
  return text;
}

std::vector<std::string> Ips(const DnsResult& result) {
  std::vector<std::string> ips;
  for (int i = 0; i < result.address_count; ++i) ips.push_back(Ip(result.addresses[i]));
  return ips;
}

// A loopback UDP socket bound to a kernel-chosen port.
int BindUdp(int family, uint16_t port, uint16_t* bound_port) {
  const int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage address = {};
  socklen_t length;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&address);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(*sin);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&address);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = in6addr_loopback;
    length = sizeof(*sin6);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  *bound_port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return fd;
}

// Whether 127.0.0.1:port can be bound now for both UDP and TCP, as dnsmasq needs.
bool PortFree(uint16_t port) {
  uint16_t bound;
  const int udp = BindUdp(AF_INET, port, &bound);
  if (udp < 0) return false;
  const int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free = tcp >= 0 && bind(tcp, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  if (tcp >= 0) close(tcp);
  close(udp);
  return free;
}

uint16_t PickPort() {
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> ports(kFirstPort, kLastPort);
  for (int i = 0; i < kPortPicks; ++i) {
    const auto port = static_cast<uint16_t>(ports(random));
    if (PortFree(port)) return port;
  }
  return 0;
}

// A minimal DNS query for `name` (A), for the readiness probe.
std::string BuildQuery(uint16_t id, const std::string& name) {
  std::string query = {
      static_cast<char>(id >> 8), static_cast<char>(id & 0xff), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    query += static_cast<char>(dot - start);
    query += name.substr(start, dot - start);
    start = dot + 1;
  }
  query += std::string("\0\0\1\0\1", 5);
  return query;
}

// Answers every query the same way, from a thread, until destroyed.
class FakeDnsServer {
 public:
  enum class Mode {
    kServfail,   // a well-formed reply with rcode 2
    kRefused,    // a well-formed reply with rcode 5
    kGarbage,    // bytes that are not a DNS reply at all
    kBadAnswer,  // a reply to the question whose answer section is cut short
    kEcho,       // the query itself sent back (what a socket connected to its own address reads)
  };

  FakeDnsServer(int family, Mode mode) : mode_(mode) {
    fd_ = BindUdp(family, 0, &port_);
    if (fd_ >= 0) thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDnsServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  uint16_t port() const { return port_; }
  int replies() const { return replies_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd pfd = {fd_, POLLIN, 0};
      if (poll(&pfd, 1, 20) <= 0) continue;
      unsigned char query[512];
      sockaddr_storage from;
      socklen_t from_length = sizeof(from);
      const ssize_t n =
          recvfrom(fd_, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n < 12) continue;
      size_t end = 12;  // end of the question: labels, then type and class
      while (end < static_cast<size_t>(n) && query[end] != 0) end += query[end] + 1;
      end += 5;
      if (end > static_cast<size_t>(n)) continue;
      if (mode_ == Mode::kEcho) {
        sendto(fd_, query, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_length);
        ++replies_;
        continue;
      }
      std::string reply(reinterpret_cast<char*>(query), end);
      reply[2] = static_cast<char>(0x81);  // QR, RD
      reply[3] = static_cast<char>(0x80);  // RA, rcode 0
      reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
      switch (mode_) {
        case Mode::kServfail:
          reply[3] = static_cast<char>(0x82);
          break;
        case Mode::kRefused:
          reply[3] = static_cast<char>(0x85);
          break;
        case Mode::kGarbage:
          reply = "\x01\x02 this is not DNS";
          break;
        case Mode::kBadAnswer:
          reply[7] = 1;                                     // one answer...
          reply += std::string("\xc0\x0c\x00\x01\x00", 5);  // ...that stops in the middle
          break;
        case Mode::kEcho:
          break;  // sent above
      }
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
      ++replies_;
    }
  }

  Mode mode_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> replies_{0};
};

void Wake(uv_timer_t* /*timer*/) {}

// A request with what its callback saw.
struct Probe : Resolver::Request {
  Probe() : Resolver::Request(&Probe::OnDone) {}

  static void OnDone(Resolver::Request* request, const DnsResult& result) {
    auto* probe = static_cast<Probe*>(request);
    ++probe->calls;
    probe->result = result;
    probe->called_inside_resolve = *probe->inside_resolve;
    if (probe->then) probe->then();
  }

  int calls = 0;
  DnsResult result;
  bool called_inside_resolve = false;
  const bool* inside_resolve = nullptr;
  std::function<void()> then;
};

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    silent_fd_ = BindUdp(AF_INET, 0, &silent_port_);
    ASSERT_GE(silent_fd_, 0);
    servfail_ = std::make_unique<FakeDnsServer>(AF_INET, FakeDnsServer::Mode::kServfail);
    ASSERT_TRUE(servfail_->ok());
    char dir_template[] = "/tmp/urlsweep-dns-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    ASSERT_NO_FATAL_FAILURE(StartDnsmasq());
  }

  void TearDown() override {
    if (resolver_ != nullptr) {
      CloseResolver();
      EXPECT_EQ(closed_calls_, 1);
    }
    resolver_.reset();
    // Every handle is closed: nothing of the resolver is left on the loop.
    EXPECT_EQ(uv_run(&loop_, UV_RUN_NOWAIT), 0);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    if (dnsmasq_pid_ > 0) {
      kill(dnsmasq_pid_, SIGTERM);
      waitpid(dnsmasq_pid_, nullptr, 0);
    }
    if (silent_fd_ >= 0) close(silent_fd_);
    servfail_.reset();
    if (!dir_.empty()) {
      if (HasFailure()) {
        std::ifstream log(dir_ + "/dnsmasq.log");
        std::string line;
        while (std::getline(log, line)) std::fprintf(stderr, "dnsmasq: %s\n", line.c_str());
      }
      for (const char* file : {"/dnsmasq.conf", "/dnsmasq.pid", "/dnsmasq.log", "/hosts"}) {
        unlink((dir_ + file).c_str());
      }
      rmdir(dir_.c_str());
    }
  }

  void StartDnsmasq() {
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
      // Free now; a clash in the meantime shows as an early exit, and we try another.
      const uint16_t port = PickPort();
      ASSERT_NE(port, 0) << "no free loopback port";
      WriteConfig();
      const std::string port_flag = "--port=" + std::to_string(port);
      const std::string conf_flag = "--conf-file=" + dir_ + "/dnsmasq.conf";
      const std::string pid_flag = "--pid-file=" + dir_ + "/dnsmasq.pid";
      const std::string log_flag = "--log-facility=" + dir_ + "/dnsmasq.log";
      std::vector<const char*> argv = {kDnsmasq,
                                       "--keep-in-foreground",
                                       port_flag.c_str(),
                                       "--listen-address=127.0.0.1",
                                       "--bind-interfaces",
                                       "--no-resolv",
                                       "--no-hosts",
                                       conf_flag.c_str(),
                                       pid_flag.c_str(),
                                       log_flag.c_str(),
                                       "--log-queries",
                                       nullptr};
      pid_t pid = 0;
      ASSERT_EQ(posix_spawn(&pid, kDnsmasq, nullptr, nullptr, const_cast<char**>(argv.data()), environ), 0)
          << "cannot start " << kDnsmasq << " (Debian package dnsmasq-base)";
      if (WaitReady(pid, port)) {
        dnsmasq_pid_ = pid;
        dnsmasq_port_ = port;
        return;
      }
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    FAIL() << "dnsmasq did not answer on loopback";
  }

  void WriteConfig() {
    std::ofstream conf(dir_ + "/dnsmasq.conf");
    conf << "local=/test/\n"
         << "local-ttl=300\n"
         << "host-record=v4.test,192.0.2.1\n"
         << "cname=alias.test,v4.test\n"
         << "cname=alias2.test,alias.test\n"
         << "host-record=v6.test,2001:db8::1\n"
         << "host-record=both.test,192.0.2.2,2001:db8::2\n"
         << "host-record=both.test,192.0.2.3\n";
    for (int i = 1; i <= 10; ++i) conf << "host-record=many.test,192.0.2." << 100 + i << "\n";
    conf << "host-record=many.test,2001:db8::100\n"
         << "txt-record=nodata.test,\"a name with no address\"\n"
         << "server=/dead.test/127.0.0.1#" << silent_port_ << "\n"
         << "server=/fail.test/127.0.0.1#" << servfail_->port() << "\n";
  }

  // Whether dnsmasq (still running) answers a query on `port`.
  static bool WaitReady(pid_t pid, uint16_t port) {
    uint16_t unused;
    const int fd = BindUdp(AF_INET, 0, &unused);
    if (fd < 0) return false;
    sockaddr_in server = {};
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string query = BuildQuery(0x5151, "v4.test");
    bool ready = false;
    for (int i = 0; i < kReadyProbes && !ready; ++i) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // exited: port taken or bad config
      sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&server), sizeof(server));
      pollfd pfd = {fd, POLLIN, 0};
      if (poll(&pfd, 1, 100) == 1) {
        char reply[512];
        ready = recv(fd, reply, sizeof(reply), 0) >= 12;
      }
    }
    close(fd);
    return ready;
  }

  ResolverOptions Options(double timeout_s = 2) const {
    ResolverOptions options;
    options.servers = {Endpoint{"127.0.0.1", dnsmasq_port_}};
    options.timeout_s = timeout_s;
    options.cache_capacity = 1000;
    return options;
  }

  // Writes `text` as the test's hosts file and returns its path.
  std::string WriteHosts(const std::string& text) const {
    const std::string path = dir_ + "/hosts";
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }

  void Create(const ResolverOptions& options) {
    absl::StatusOr<std::unique_ptr<Resolver>> resolver = Resolver::Create(&loop_, options);
    ASSERT_TRUE(resolver.ok()) << resolver.status();
    resolver_ = std::move(*resolver);
  }

  void Resolve(const std::string& name, Probe* probe) {
    probe->inside_resolve = &inside_resolve_;
    inside_resolve_ = true;
    resolver_->Resolve(name, probe);
    inside_resolve_ = false;
  }

  // Runs the loop until `done` holds or `timeout_s` passes; returns `done()`.
  bool RunUntil(const std::function<bool()>& done, double timeout_s = kDefaultWaitS) {
    const Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    while (!done() && Clock::now() < deadline) {
      uv_timer_t tick;  // bounds each pass: the resolver may have nothing that wakes the loop
      uv_timer_init(&loop_, &tick);
      uv_timer_start(&tick, &Wake, 5, 0);
      uv_run(&loop_, UV_RUN_ONCE);
      uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
      uv_run(&loop_, UV_RUN_NOWAIT);
    }
    return done();
  }

  // Runs the loop until nothing keeps it alive (the resolver holds no ref'd handle when idle).
  bool RunUntilIdle(double timeout_s = kDefaultWaitS) {
    const Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    while (Clock::now() < deadline) {
      uv_timer_t tick;
      uv_timer_init(&loop_, &tick);
      uv_unref(reinterpret_cast<uv_handle_t*>(&tick));
      uv_timer_start(&tick, &Wake, 5, 0);
      const int alive = uv_run(&loop_, UV_RUN_ONCE);
      uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
      uv_run(&loop_, UV_RUN_NOWAIT);
      if (alive == 0 && !uv_loop_alive(&loop_)) return true;
    }
    return false;
  }

  DnsResult ResolveOne(const std::string& name) {
    Probe probe;
    Resolve(name, &probe);
    EXPECT_EQ(probe.calls, 0);
    EXPECT_TRUE(RunUntil([&] { return probe.calls > 0; })) << name;
    EXPECT_EQ(probe.calls, 1);
    EXPECT_FALSE(probe.called_inside_resolve);
    EXPECT_FALSE(probe.pending());
    return probe.result;
  }

  void CloseResolver() {
    resolver_->Close([](void* arg) { ++*static_cast<int*>(arg); }, &closed_calls_);
    EXPECT_TRUE(RunUntil([&] { return closed_calls_ > 0; }));
    // on_closed comes once, and nothing else is left running.
    EXPECT_TRUE(RunUntilIdle());
  }

  uv_loop_t loop_;
  std::string dir_;
  int silent_fd_ = -1;  // bound and never read: dead.test's upstream
  uint16_t silent_port_ = 0;
  std::unique_ptr<FakeDnsServer> servfail_;  // fail.test's upstream
  pid_t dnsmasq_pid_ = -1;
  uint16_t dnsmasq_port_ = 0;
  std::unique_ptr<Resolver> resolver_;
  bool inside_resolve_ = false;
  int closed_calls_ = 0;
};

TEST_F(ResolverTest, ResolvesIpv4) {
  Create(Options());
  const DnsResult result = ResolveOne("v4.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  EXPECT_EQ(Ips(result), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(reinterpret_cast<const sockaddr_in*>(&result.addresses[0])->sin_port, 0);
  EXPECT_FALSE(result.from_cache);
}

TEST_F(ResolverTest, ResolvesIpv6) {
  Create(Options());
  const DnsResult result = ResolveOne("v6.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  EXPECT_EQ(Ips(result), std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(result.addresses[0].ss_family, AF_INET6);
}

TEST_F(ResolverTest, BothFamiliesComeIpv4First) {
  Create(Options());
  const DnsResult result = ResolveOne("both.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  const std::vector<std::string> ips = Ips(result);
  ASSERT_EQ(ips.size(), 3u);
  EXPECT_EQ(std::set<std::string>(ips.begin(), ips.begin() + 2),
            (std::set<std::string>{"192.0.2.2", "192.0.2.3"}));
  EXPECT_EQ(ips[2], "2001:db8::2");
}

TEST_F(ResolverTest, KeepsAtMostMaxAddresses) {
  Create(Options());
  const DnsResult result = ResolveOne("many.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  ASSERT_EQ(result.address_count, kMaxAddresses) << ::testing::PrintToString(Ips(result));
  for (int i = 0; i < kMaxAddresses; ++i) EXPECT_EQ(result.addresses[i].ss_family, AF_INET) << i;
}

// flag_address is asked about every address of the answer, also those beyond the kMaxAddresses kept:
// many.test's tenth address (192.0.2.110) is never in the result, and still flags it, also from the cache.
TEST_F(ResolverTest, FlagAddressSeesEveryAddressNotOnlyTheKeptOnes) {
  struct Asked {
    std::set<std::string> ips;
  } asked;
  ResolverOptions options = Options();
  options.flag_address = [](const void* arg, int family, const uint8_t* bytes) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, bytes, text, sizeof(text));
    const_cast<Asked*>(static_cast<const Asked*>(arg))->ips.insert(text);
    return std::string(text) == "192.0.2.110";
  };
  options.flag_address_arg = &asked;
  Create(options);
  DnsResult result = ResolveOne("many.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  EXPECT_EQ(result.address_count, kMaxAddresses);
  EXPECT_TRUE(result.flagged);
  const std::vector<std::string> kept = Ips(result);
  EXPECT_EQ(std::count(kept.begin(), kept.end(), "192.0.2.110"), 0);
  EXPECT_EQ(asked.ips.count("192.0.2.110"), 1u);
  result = ResolveOne("many.test");
  EXPECT_TRUE(result.from_cache);
  EXPECT_TRUE(result.flagged);
  // Nothing flagged: every address of both families was asked about.
  asked.ips.clear();
  result = ResolveOne("both.test");
  EXPECT_FALSE(result.flagged);
  EXPECT_EQ(asked.ips, (std::set<std::string>{"192.0.2.2", "192.0.2.3", "2001:db8::2"}));
}

TEST_F(ResolverTest, NxdomainIsNotFound) {
  Create(Options());
  const DnsResult result = ResolveOne("missing.test");
  EXPECT_EQ(result.ares_status, ARES_ENOTFOUND);
  EXPECT_EQ(result.address_count, 0);
}

TEST_F(ResolverTest, NameWithoutAddressIsNodata) {
  Create(Options());
  const DnsResult result = ResolveOne("nodata.test");
  EXPECT_EQ(result.ares_status, ARES_ENODATA);
  EXPECT_EQ(result.address_count, 0);
}

TEST_F(ResolverTest, RefusedIsRefused) {
  Create(Options());
  // dnsmasq has no upstream for names outside .test and refuses them.
  EXPECT_EQ(ResolveOne("www.example.com").ares_status, ARES_EREFUSED);
}

TEST_F(ResolverTest, ServfailIsServfail) {
  Create(Options());
  // dnsmasq forwards fail.test to a server that answers SERVFAIL, and relays it.
  EXPECT_EQ(ResolveOne("x.fail.test").ares_status, ARES_ESERVFAIL);
}

TEST_F(ResolverTest, TimeoutEndsWithinBudget) {
  constexpr double kTimeoutS = 1.0;
  Create(Options(kTimeoutS));
  const Clock::time_point start = Clock::now();
  const DnsResult result = ResolveOne("x.dead.test");
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(result.ares_status, ARES_ETIMEOUT);
  EXPECT_GE(elapsed_s, kTimeoutS * 0.8);  // the budget is used, not cut short by the retry schedule
  // Not overrun either. A wall-clock upper bound, so not under a sanitizer (kSanitized), where the
  // code and dnsmasq share two cores several times slower; that the schedule fits the budget is
  // pinned without a clock by AresUvPlanTest.WholeScheduleFitsTheBudget.
  if (!kSanitized) {
    EXPECT_LE(elapsed_s, kTimeoutS + 0.5);
  }
}

TEST_F(ResolverTest, GarbageReplyIsIgnoredUntilTimeout) {
  FakeDnsServer garbage(AF_INET, FakeDnsServer::Mode::kGarbage);
  ASSERT_TRUE(garbage.ok());
  ResolverOptions options = Options(0.5);
  options.servers = {Endpoint{"127.0.0.1", garbage.port()}};
  Create(options);
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_ETIMEOUT);
  EXPECT_GT(garbage.replies(), 0);
}

TEST_F(ResolverTest, MalformedAnswerIsBadResponse) {
  FakeDnsServer bad(AF_INET, FakeDnsServer::Mode::kBadAnswer);
  ASSERT_TRUE(bad.ok());
  ResolverOptions options = Options();
  options.servers = {Endpoint{"127.0.0.1", bad.port()}};
  Create(options);
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_EBADRESP);
}

TEST_F(ResolverTest, ItsOwnQueryReadBackIsNoAnswer) {
  // A UDP socket connected to a dead resolver's port can be bound to that very port and read its own
  // queries back: the same ID and question, no QR bit, no records. That is no reply, so the lookup ends
  // by timeout, and nothing is cached (it once came out as a cached NODATA).
  FakeDnsServer echo(AF_INET, FakeDnsServer::Mode::kEcho);
  ASSERT_TRUE(echo.ok());
  ResolverOptions options = Options(0.3);
  options.servers = {Endpoint{"127.0.0.1", echo.port()}};
  Create(options);
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_ETIMEOUT);
  EXPECT_GT(echo.replies(), 0);
  const DnsResult again = ResolveOne("v4.test");
  EXPECT_EQ(again.ares_status, ARES_ETIMEOUT);
  EXPECT_FALSE(again.from_cache);
  EXPECT_EQ(resolver_->stats().queries, 2u);
}

TEST(AresUvConnectTest, ASocketConnectedToItselfIsRefused) {
  // What the kernel may do when c-ares connects a fresh UDP socket to a port nothing listens on: bind
  // it to that port. Bound by hand here, so that it happens every time.
  uint16_t port = 0;
  const int fd = BindUdp(AF_INET, 0, &port);
  ASSERT_GE(fd, 0);
  sockaddr_in self = {};
  self.sin_family = AF_INET;
  self.sin_port = htons(port);
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  errno = 0;
  EXPECT_EQ(AresUv::ConnectSocket(fd, reinterpret_cast<sockaddr*>(&self), sizeof(self)), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  close(fd);
  // Any other peer connects.
  const int other = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(other, 0);
  EXPECT_EQ(AresUv::ConnectSocket(other, reinterpret_cast<sockaddr*>(&self), sizeof(self)), 0);
  close(other);
}

TEST_F(ResolverTest, FollowsCnameChains) {
  Create(Options());
  for (const char* name : {"alias.test", "alias2.test"}) {
    const DnsResult result = ResolveOne(name);
    EXPECT_EQ(result.ares_status, ARES_SUCCESS) << name;
    EXPECT_EQ(Ips(result), std::vector<std::string>{"192.0.2.1"}) << name;
  }
}

TEST_F(ResolverTest, NamesAnsweredWithoutAQuery) {
  Create(Options());
  const DnsResult literal = ResolveOne("192.0.2.55");
  EXPECT_EQ(literal.ares_status, ARES_SUCCESS);
  EXPECT_EQ(Ips(literal), std::vector<std::string>{"192.0.2.55"});
  EXPECT_EQ(ResolveOne("hidden.onion").ares_status, ARES_ENOTFOUND);  // RFC 7686
  EXPECT_EQ(ResolveOne(std::string(64, 'x') + ".test").ares_status, ARES_EBADNAME);
  EXPECT_EQ(ResolveOne("a..test").ares_status, ARES_EBADNAME);
}

TEST_F(ResolverTest, Ipv6ServerInBrackets) {
  FakeDnsServer servfail6(AF_INET6, FakeDnsServer::Mode::kServfail);
  if (!servfail6.ok()) GTEST_SKIP() << kEnvironmentOnlySkip << "no ::1 on this machine";
  ResolverOptions options = Options();
  options.servers = {Endpoint{"::1", servfail6.port()}};
  Create(options);
  // An answer at all (rather than a timeout) shows the query reached [::1]:port.
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_ESERVFAIL);
}

TEST_F(ResolverTest, WithSeveralServersServfailFailsOverToTheNext) {
  ResolverOptions options = Options();
  options.servers = {Endpoint{"127.0.0.1", servfail_->port()}, Endpoint{"127.0.0.1", dnsmasq_port_}};
  Create(options);
  const DnsResult result = ResolveOne("v4.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  EXPECT_EQ(Ips(result), std::vector<std::string>{"192.0.2.1"});
  EXPECT_GT(servfail_->replies(), 0);
}

// c-ares 1.18 gives no rcode once every server has failed (ARES_ECONNREFUSED, see dns/README.md); the
// resolver takes it from the replies themselves.
TEST_F(ResolverTest, WithSeveralServersAllServfailIsServfail) {
  FakeDnsServer second(AF_INET, FakeDnsServer::Mode::kServfail);
  ASSERT_TRUE(second.ok());
  ResolverOptions options = Options();
  options.servers = {Endpoint{"127.0.0.1", servfail_->port()}, Endpoint{"127.0.0.1", second.port()}};
  Create(options);
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_ESERVFAIL);
  EXPECT_GT(second.replies(), 0);
  // Not cached: the next lookup asks again, and gets the same.
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_ESERVFAIL);
}

TEST_F(ResolverTest, WithSeveralServersAllRefusedIsRefused) {
  FakeDnsServer first(AF_INET, FakeDnsServer::Mode::kRefused);
  FakeDnsServer second(AF_INET, FakeDnsServer::Mode::kRefused);
  ASSERT_TRUE(first.ok() && second.ok());
  ResolverOptions options = Options();
  options.servers = {Endpoint{"127.0.0.1", first.port()}, Endpoint{"127.0.0.1", second.port()}};
  Create(options);
  EXPECT_EQ(ResolveOne("Mixed.Case.test").ares_status, ARES_EREFUSED);
}

// The last failure heard wins: the first server SERVFAILs, the second REFUSEs.
TEST_F(ResolverTest, WithSeveralServersTheLastFailureSaysHow) {
  FakeDnsServer second(AF_INET, FakeDnsServer::Mode::kRefused);
  ASSERT_TRUE(second.ok());
  ResolverOptions options = Options();
  options.servers = {Endpoint{"127.0.0.1", servfail_->port()}, Endpoint{"127.0.0.1", second.port()}};
  Create(options);
  EXPECT_EQ(ResolveOne("v4.test").ares_status, ARES_EREFUSED);
}

// No server there at all (ICMP port unreachable): no rcode was heard, so none is made up; c-ares 1.18
// ends such a lookup by timeout (ARES_ETIMEOUT) or as unreachable (ARES_ECONNREFUSED).
TEST_F(ResolverTest, WithSeveralServersNoneListeningIsNoRcode) {
  uint16_t closed[2];
  for (uint16_t& port : closed) {
    const int fd = BindUdp(AF_INET, 0, &port);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  ResolverOptions options = Options();
  options.servers = {Endpoint{"127.0.0.1", closed[0]}, Endpoint{"127.0.0.1", closed[1]}};
  Create(options);
  const int status = ResolveOne("v4.test").ares_status;
  EXPECT_TRUE(status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED) << ares_strerror(status);
}

TEST_F(ResolverTest, EtcHostsIsHonoured) {
  Create(Options());
  const DnsResult result = ResolveOne("localhost");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  ASSERT_GE(result.address_count, 1);
  EXPECT_EQ(Ip(result.addresses[0]), "127.0.0.1");
}

TEST_F(ResolverTest, HostsFileNamesAreAnsweredWithoutAQuery) {
  ResolverOptions options = Options();
  options.hosts_path = WriteHosts(
      "# test hosts\n"
      "192.0.2.50   listed.test alias.test\n"
      "2001:db8::50 listed.test\n"
      "10.9.8.7     v4.test\n");
  Create(options);
  // ResolveOne also checks that the answer comes on a later loop turn, not inside Resolve.
  DnsResult result = ResolveOne("listed.test");
  EXPECT_EQ(result.ares_status, ARES_SUCCESS);
  EXPECT_EQ(Ips(result), (std::vector<std::string>{"192.0.2.50", "2001:db8::50"}));
  EXPECT_TRUE(result.from_cache);
  EXPECT_EQ(Ips(ResolveOne("alias.test.")), std::vector<std::string>{"192.0.2.50"});
  // The hosts file wins over DNS (dnsmasq has v4.test at 192.0.2.1), as with lookups "fb".
  EXPECT_EQ(Ips(ResolveOne("v4.test")), std::vector<std::string>{"10.9.8.7"});
  Resolver::Stats stats = resolver_->stats();
  EXPECT_EQ(stats.queries, 0u);
  EXPECT_EQ(stats.hosts_hits, 3u);
  EXPECT_EQ(stats.cache_hits, 0u);
  // Names the file does not list still go to DNS.
  EXPECT_EQ(Ips(ResolveOne("v6.test")), std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(resolver_->stats().queries, 1u);
}

TEST_F(ResolverTest, HostsFileIsReadOnceAtCreate) {
  ResolverOptions options = Options();
  options.hosts_path = WriteHosts("192.0.2.50 listed.test\n");
  Create(options);
  WriteHosts("192.0.2.51 listed.test\n192.0.2.52 later.test\n");
  EXPECT_EQ(Ips(ResolveOne("listed.test")), std::vector<std::string>{"192.0.2.50"});
  // later.test was not in the file at Create: asked of DNS, which does not know it.
  EXPECT_EQ(ResolveOne("later.test").ares_status, ARES_ENOTFOUND);
  EXPECT_EQ(resolver_->stats().queries, 1u);
}

TEST_F(ResolverTest, WithoutAHostsFileEveryNameGoesToDns) {
  ResolverOptions options = Options();
  options.hosts_path = dir_ + "/no-such-hosts";
  Create(options);
  EXPECT_EQ(Ips(ResolveOne("v4.test")), std::vector<std::string>{"192.0.2.1"});
  // dnsmasq has no upstream for names outside .test and refuses them.
  EXPECT_EQ(ResolveOne("notlocalhost").ares_status, ARES_EREFUSED);
  EXPECT_EQ(resolver_->stats().queries, 2u);
  EXPECT_EQ(resolver_->stats().hosts_hits, 0u);
}

TEST_F(ResolverTest, LocalhostNamesAreLoopbackWithoutAQuery) {
  ResolverOptions options = Options();
  options.hosts_path = dir_ + "/no-such-hosts";
  Create(options);
  // RFC 6761 6.3, as c-ares 1.18 with lookups "fb" answered them (its DNS step never sends them).
  for (const char* name : {"localhost", "localhost.", "api.localhost"}) {
    const DnsResult result = ResolveOne(name);
    EXPECT_EQ(result.ares_status, ARES_SUCCESS) << name;
    EXPECT_EQ(Ips(result), (std::vector<std::string>{"127.0.0.1", "::1"})) << name;
  }
  EXPECT_EQ(resolver_->stats().queries, 0u);
  EXPECT_EQ(resolver_->stats().hosts_hits, 3u);
}

TEST_F(ResolverTest, HostsFileEntryForLocalhostWins) {
  ResolverOptions options = Options();
  options.hosts_path = WriteHosts("127.0.0.2 localhost\n");
  Create(options);
  EXPECT_EQ(Ips(ResolveOne("localhost")), std::vector<std::string>{"127.0.0.2"});
  EXPECT_EQ(resolver_->stats().queries, 0u);
}

TEST_F(ResolverTest, CancelOfAHostsFileAnswerBeforeDelivery) {
  ResolverOptions options = Options();
  options.hosts_path = WriteHosts("192.0.2.50 listed.test\n");
  Create(options);
  Probe cancelled, kept;
  Resolve("listed.test", &cancelled);
  Resolve("listed.test", &kept);
  resolver_->Cancel(&cancelled);
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(cancelled.calls, 0);
  EXPECT_EQ(kept.calls, 1);
  EXPECT_EQ(Ips(kept.result), std::vector<std::string>{"192.0.2.50"});
}

TEST_F(ResolverTest, ThousandConcurrentLookupsOfOneNameAreOneQuery) {
  constexpr int kRequests = 1000;
  Create(Options());
  std::vector<Probe> probes(kRequests);
  for (Probe& probe : probes) Resolve("both.test", &probe);
  EXPECT_TRUE(RunUntil([&] {
    for (const Probe& probe : probes) {
      if (probe.calls == 0) return false;
    }
    return true;
  }));
  for (const Probe& probe : probes) {
    EXPECT_EQ(probe.calls, 1);
    EXPECT_EQ(probe.result.ares_status, ARES_SUCCESS);
    EXPECT_EQ(probe.result.address_count, 3);
    EXPECT_FALSE(probe.result.from_cache);
  }
  Resolver::Stats stats = resolver_->stats();
  EXPECT_EQ(stats.lookups, uint64_t{kRequests});
  EXPECT_EQ(stats.queries, 1u);
  EXPECT_EQ(stats.coalesced, uint64_t{kRequests - 1});
  EXPECT_EQ(stats.cache_hits, 0u);

  // Second round: every request is answered from the cache, no new query.
  std::vector<Probe> again(kRequests);
  for (Probe& probe : again) Resolve("both.test", &probe);
  for (const Probe& probe : again) EXPECT_EQ(probe.calls, 0);
  EXPECT_TRUE(RunUntil([&] { return again.back().calls > 0; }));
  for (const Probe& probe : again) {
    EXPECT_EQ(probe.calls, 1);
    EXPECT_FALSE(probe.called_inside_resolve);
    EXPECT_TRUE(probe.result.from_cache);
    EXPECT_EQ(probe.result.address_count, 3);
  }
  stats = resolver_->stats();
  EXPECT_EQ(stats.queries, 1u);
  EXPECT_EQ(stats.cache_hits, uint64_t{kRequests});
}

TEST_F(ResolverTest, NegativeAnswersAreCachedAndTrailingDotIsTheSameName) {
  Create(Options());
  EXPECT_EQ(ResolveOne("missing.test").ares_status, ARES_ENOTFOUND);
  const DnsResult again = ResolveOne("missing.test.");
  EXPECT_EQ(again.ares_status, ARES_ENOTFOUND);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(ResolveOne("nodata.test").ares_status, ARES_ENODATA);
  EXPECT_TRUE(ResolveOne("nodata.test").from_cache);
  EXPECT_EQ(resolver_->stats().queries, 2u);
}

TEST_F(ResolverTest, FailuresAreNotCached) {
  Create(Options(0.3));
  EXPECT_EQ(ResolveOne("x.dead.test").ares_status, ARES_ETIMEOUT);
  EXPECT_EQ(ResolveOne("x.fail.test").ares_status, ARES_ESERVFAIL);
  EXPECT_EQ(ResolveOne("x.dead.test").ares_status, ARES_ETIMEOUT);
  EXPECT_EQ(ResolveOne("x.fail.test").ares_status, ARES_ESERVFAIL);
  EXPECT_EQ(resolver_->stats().queries, 4u);
  EXPECT_EQ(resolver_->stats().cache_hits, 0u);
}

TEST_F(ResolverTest, ZeroCapacityDisablesTheCache) {
  ResolverOptions options = Options();
  options.cache_capacity = 0;
  Create(options);
  ResolveOne("v4.test");
  EXPECT_FALSE(ResolveOne("v4.test").from_cache);
  EXPECT_EQ(resolver_->stats().queries, 2u);
}

TEST_F(ResolverTest, CancelOneOfSeveralWaiters) {
  Create(Options());
  Probe first, second, third;
  Resolve("v4.test", &first);
  Resolve("v4.test", &second);
  Resolve("v4.test", &third);
  EXPECT_TRUE(second.pending());
  resolver_->Cancel(&second);
  EXPECT_FALSE(second.pending());
  resolver_->Cancel(&second);  // not pending: no-op
  EXPECT_TRUE(RunUntil([&] { return first.calls > 0 && third.calls > 0; }));
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(second.calls, 0);
  EXPECT_EQ(Ips(first.result), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(Ips(third.result), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(resolver_->stats().queries, 1u);
}

TEST_F(ResolverTest, CancelOfACacheHitBeforeDelivery) {
  Create(Options());
  ResolveOne("v4.test");
  Probe probe;
  Resolve("v4.test", &probe);
  resolver_->Cancel(&probe);
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(probe.calls, 0);
}

TEST_F(ResolverTest, CacheHitsOfOneTurnEachGetTheirOwnAnswer) {
  Create(Options());
  ResolveOne("v4.test");
  ResolveOne("v6.test");
  Probe first, second, third, fourth;
  // The first hit's callback cancels the third, answered in the same turn: it never runs.
  first.then = [&] { resolver_->Cancel(&third); };
  Resolve("v4.test", &first);
  Resolve("v6.test", &second);
  Resolve("v4.test", &third);
  Resolve("nxdomain-cached.test", &fourth);  // not cached: a query, answered later
  EXPECT_TRUE(RunUntil([&] { return first.calls > 0 && second.calls > 0 && fourth.calls > 0; }));
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(first.calls, 1);
  EXPECT_TRUE(first.result.from_cache);
  EXPECT_EQ(Ips(first.result), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(second.calls, 1);
  EXPECT_TRUE(second.result.from_cache);
  EXPECT_EQ(Ips(second.result), std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(third.calls, 0);
  EXPECT_FALSE(third.pending());
  EXPECT_EQ(fourth.calls, 1);
  EXPECT_FALSE(fourth.result.from_cache);
  EXPECT_EQ(fourth.result.ares_status, ARES_ENOTFOUND);
}

TEST_F(ResolverTest, CancelledLookupStillFillsTheCache) {
  Create(Options());
  Probe probe;
  Resolve("v6.test", &probe);
  resolver_->Cancel(&probe);
  // The loop stays alive exactly as long as the query is in flight.
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(probe.calls, 0);
  const DnsResult result = ResolveOne("v6.test");
  EXPECT_TRUE(result.from_cache);
  EXPECT_EQ(Ips(result), std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(resolver_->stats().queries, 1u);
}

TEST_F(ResolverTest, CallbackMayResolveAgain) {
  Create(Options());
  Probe outer, inner;
  outer.then = [&] { Resolve("v4.test", &inner); };
  Resolve("v4.test", &outer);
  EXPECT_TRUE(RunUntil([&] { return inner.calls > 0; }));
  EXPECT_EQ(outer.calls, 1);
  EXPECT_EQ(inner.calls, 1);
  EXPECT_FALSE(inner.called_inside_resolve);
  EXPECT_TRUE(inner.result.from_cache);
}

TEST_F(ResolverTest, CloseWithRequestsPendingCallsNothingBack) {
  Create(Options(3));
  ResolveOne("v6.test");
  Probe in_flight, coalesced, dead, cached;
  Resolve("v4.test", &in_flight);
  Resolve("v4.test", &coalesced);
  Resolve("x.dead.test", &dead);
  Resolve("v6.test", &cached);  // a cache hit waiting for the next turn
  // The queries went out inside Resolve: Close has sockets, polls and a timer to tear down, and answers
  // on their way.
  resolver_->Close([](void* arg) { ++*static_cast<int*>(arg); }, &closed_calls_);
  for (Probe* probe : {&in_flight, &coalesced, &dead, &cached}) EXPECT_FALSE(probe->pending());
  resolver_->Close([](void* arg) { ++*static_cast<int*>(arg); }, &closed_calls_);  // idempotent
  EXPECT_TRUE(RunUntil([&] { return closed_calls_ > 0; }));
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(closed_calls_, 1);
  for (Probe* probe : {&in_flight, &coalesced, &dead, &cached}) EXPECT_EQ(probe->calls, 0);
  resolver_.reset();
}

TEST_F(ResolverTest, CloseFromInsideACallback) {
  Create(Options());
  Probe first, second, other;
  first.then = [&] { resolver_->Close([](void* arg) { ++*static_cast<int*>(arg); }, &closed_calls_); };
  Resolve("v4.test", &first);
  Resolve("v4.test", &second);
  Resolve("x.dead.test", &other);
  EXPECT_TRUE(RunUntil([&] { return closed_calls_ > 0; }));
  EXPECT_TRUE(RunUntilIdle());
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 0);
  EXPECT_EQ(other.calls, 0);
  EXPECT_EQ(closed_calls_, 1);
  resolver_.reset();
}

TEST_F(ResolverTest, BadServerAddressIsRejected) {
  ResolverOptions options = Options();
  options.servers = {Endpoint{"not-an-ip", 53}};
  EXPECT_FALSE(Resolver::Create(&loop_, options).ok());
}

TEST(AresUvPlanTest, WholeScheduleFitsTheBudget) {
  struct Case {
    double timeout_s;
    int servers;
  };
  for (const Case& c :
       {Case{5, 1}, Case{1, 1}, Case{0.2, 1}, Case{1, 3}, Case{0.5, 3}, Case{0.001, 2}, Case{30, 2}}) {
    const AresUv::TryPlan plan = AresUv::PlanTries(c.timeout_s, c.servers);
    ASSERT_GE(plan.tries, 1);
    ASSERT_GE(plan.try_timeout_ms, 1);
    const double total_ms = static_cast<double>(c.servers) * plan.try_timeout_ms * ((1 << plan.tries) - 1);
    EXPECT_LE(total_ms, std::max(c.timeout_s * 1000, static_cast<double>(c.servers)))
        << c.timeout_s << "s, " << c.servers << " servers";
  }
  // A budget large enough gets a retransmission, and uses nearly all of it.
  const AresUv::TryPlan plan = AresUv::PlanTries(5, 1);
  EXPECT_EQ(plan.tries, 2);
  EXPECT_EQ(plan.try_timeout_ms, 1666);
}

}  // namespace
}  // namespace urlsweep
