// fixture_server: a fast HTTP/1.1 (and HTTPS) server on loopback whose behaviour is chosen by the
// request path, for urlsweep's integration tests, the demo and benchmarks. tools/README.md documents
// every path and flag.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "tools/fixture/h2_server.h"
#include "tools/fixture/listener_set.h"
#include "tools/fixture/server_thread.h"
#include "tools/fixture/traffic_stats.h"

namespace urlsweep::fixture {
namespace {

// Most --threads: far more than the cores of any machine this runs on.
constexpr int kMaxThreads = 256;

constexpr char kUsage[] =
    "usage: fixture_server --listen ADDR:PORT [--listen [V6]:PORT] [--listen-range A-B:PORT]\n"
    "                      [--tls-listen ADDR:PORT:CERT_PEM:KEY_PEM[:OPTIONS]]\n"
    "                      [--early-listen ADDR:PORT] [--stall-reset-listen ADDR:PORT]\n"
    "                      [--h2-listen ADDR:PORT[:H2OPTIONS]]\n"
    "                      [--h2-tls-listen ADDR:PORT:CERT_PEM:KEY_PEM[:H2OPTIONS]]\n"
    "                      [--threads N] [--blackhole ADDR:PORT]\n"
    "                      [--ready-file PATH] [--stats]\n"
    "Port 0 picks a free port (the same one for every --listen and --listen-range asking for 0;\n"
    "one of its own for each --tls-listen, --early-listen and --stall-reset-listen).\n"
    "TLS OPTIONS, comma-separated: tls12, noresume, ocsp=PATH (staple that DER OCSP response), nohandshake,\n"
    "alert, reset, plain.\n"
    "--h2-listen: HTTP/2 with prior knowledge (h2c); --h2-tls-listen: HTTP/2 over TLS (ALPN h2). H2OPTIONS,\n"
    "comma-separated: maxstreams=N, nosettings, silent, garbage, nowindow (and tls12, noresume over TLS).\n"
    "--early-listen answers before reading the request. --stall-reset-listen never reads and resets\n"
    "each connection after 200 ms, while a large request is still being sent.\n"
    "Paths and their behaviour: see tools/README.md.\n";

struct Options {
  std::vector<std::string> listen;
  std::vector<std::string> ranges;
  std::vector<std::string> tls_listen;
  std::vector<std::string> blackholes;
  std::vector<std::string> early_listen;
  std::vector<std::string> stall_reset_listen;
  std::vector<std::string> h2_listen;
  std::vector<std::string> h2_tls_listen;
  int threads = 1;
  std::string ready_file;
  bool stats = false;
};

bool ParseOptions(int argc, char** argv, Options* options, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        *error = std::string(arg) + ": missing value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--listen") {
      if (!value(&v)) return false;
      options->listen.push_back(v);
    } else if (arg == "--listen-range") {
      if (!value(&v)) return false;
      options->ranges.push_back(v);
    } else if (arg == "--tls-listen") {
      if (!value(&v)) return false;
      options->tls_listen.push_back(v);
    } else if (arg == "--early-listen") {
      if (!value(&v)) return false;
      options->early_listen.push_back(v);
    } else if (arg == "--stall-reset-listen") {
      if (!value(&v)) return false;
      options->stall_reset_listen.push_back(v);
    } else if (arg == "--h2-listen") {
      if (!value(&v)) return false;
      options->h2_listen.push_back(v);
    } else if (arg == "--h2-tls-listen") {
      if (!value(&v)) return false;
      options->h2_tls_listen.push_back(v);
    } else if (arg == "--blackhole") {
      if (!value(&v)) return false;
      options->blackholes.push_back(v);
    } else if (arg == "--ready-file") {
      if (!value(&options->ready_file)) return false;
    } else if (arg == "--threads") {
      if (!value(&v)) return false;
      int n = -1;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n < 0 || n > kMaxThreads) {
        *error = "--threads: expected 0.." + std::to_string(kMaxThreads) + ", got '" + v + "'";
        return false;
      }
      options->threads = n == 0 ? static_cast<int>(std::thread::hardware_concurrency()) : n;
      if (options->threads < 1) options->threads = 1;
    } else if (arg == "--stats") {
      options->stats = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      *error = "unknown argument '" + std::string(arg) + "'";
      return false;
    }
  }
  if (options->listen.empty() && options->ranges.empty() && options->tls_listen.empty() &&
      options->early_listen.empty() && options->stall_reset_listen.empty() && options->h2_listen.empty() &&
      options->h2_tls_listen.empty()) {
    *error =
        "give at least one --listen, --listen-range, --tls-listen, --early-listen, --stall-reset-listen, "
        "--h2-listen or --h2-tls-listen";
    return false;
  }
  return true;
}

// Every connection is an fd: benchmarks open thousands, so take the hard limit (as massdns does).
void RaiseFileLimit() {
  rlimit limit = {};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void PrintStats(const ListenerSet& listeners) {
  const ListenerSet::Counts counts = listeners.Totals("");
  std::fprintf(stderr, "fixture_server: %llu connections, %llu requests\n",
               static_cast<unsigned long long>(counts.connections),
               static_cast<unsigned long long>(counts.requests));
}

int Main(int argc, char** argv) {
  Options options;
  std::string error;
  if (!ParseOptions(argc, argv, &options, &error)) {
    std::fprintf(stderr, "fixture_server: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  RaiseFileLimit();

  // Worker threads inherit this mask: only the main thread takes SIGINT/SIGTERM (in sigtimedwait), and
  // a peer that closed early never kills us with SIGPIPE.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto listeners = std::make_unique<ListenerSet>();
  absl::Status status;
  for (const auto& s : options.listen) {
    if (status.ok()) status = listeners->AddListen(s);
  }
  for (const auto& s : options.ranges) {
    if (status.ok()) status = listeners->AddRange(s);
  }
  for (const auto& s : options.tls_listen) {
    if (status.ok()) status = listeners->AddTlsListen(s);
  }
  for (const auto& s : options.early_listen) {
    if (status.ok()) status = listeners->AddEarlyListen(s);
  }
  for (const auto& s : options.stall_reset_listen) {
    if (status.ok()) status = listeners->AddStallResetListen(s);
  }
  for (const auto& s : options.blackholes) {
    if (status.ok()) status = listeners->AddBlackhole(s);
  }
  if (status.ok()) status = listeners->Bind();

  auto traffic = std::make_unique<TrafficStats>();
  auto h2 = std::make_unique<H2Server>(traffic.get());
  for (const auto& s : options.h2_listen) {
    if (status.ok()) status = h2->AddListen(s);
  }
  for (const auto& s : options.h2_tls_listen) {
    if (status.ok()) status = h2->AddTlsListen(s);
  }
  if (status.ok() && !h2->empty()) status = h2->Bind();
  listeners->set_h2(h2.get());
  std::vector<std::unique_ptr<ServerThread>> threads;
  for (int i = 0; status.ok() && i < options.threads; ++i) {
    threads.push_back(std::make_unique<ServerThread>(listeners.get(), traffic.get()));
    status = threads.back()->Init();
  }
  if (!status.ok()) {
    std::fprintf(stderr, "fixture_server: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  for (auto& t : threads) {
    std::thread([thread = t.get()] { thread->Run(); }).detach();
  }
  if (!h2->empty()) {
    std::thread([server = h2.get()] { server->Run(); }).detach();
  }
  if (listeners->has_stall_resets()) {
    std::thread([set = listeners.get()] { set->RunStallResets(); }).detach();
  }
  if (!options.ready_file.empty()) {
    if (absl::Status s = listeners->WriteReadyFile(options.ready_file, h2->ReadyLines()); !s.ok()) {
      std::fprintf(stderr, "fixture_server: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }

  // Wait for SIGINT/SIGTERM, printing the counters once a second with --stats.
  uint64_t last_requests = ~uint64_t{0};
  for (;;) {
    timespec one_second = {1, 0};
    int sig = sigtimedwait(&stop_signals, nullptr, &one_second);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (options.stats) {
      const uint64_t requests = listeners->Totals("").requests;
      if (requests != last_requests) PrintStats(*listeners);
      last_requests = requests;
    }
  }
  if (options.stats) PrintStats(*listeners);
  // The worker threads never return; end the process without unwinding objects they still use.
  std::fflush(stderr);
  _exit(0);
}

}  // namespace
}  // namespace urlsweep::fixture

int main(int argc, char** argv) { return urlsweep::fixture::Main(argc, argv); }
