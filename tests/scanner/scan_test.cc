// RunScan, the engine's public entry point (scanner/scan.h), called in-process as the CLI calls it: a URL
// list in, one row per non-skipped line out through a RowWriter, against a tiny HTTP server this test runs
// on a loopback port of its own. Only IP-literal URLs, so no name is ever looked up.
#include "scanner/scan.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "output/writer.h"
#include "scanner/config.h"
#include "scanner/input_reader.h"
#include "core/row.h"

namespace urlsweep {
namespace {

constexpr char kPage[] = "<!doctype html><title>scan test</title><p>hello</p>";

// A blocking HTTP/1.1 server on 127.0.0.1 that answers one connection at a time and closes it:
// `/status/404` is a 404, any other path a 200 with kPage.
class TinyServer {
 public:
  TinyServer() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 64) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("TinyServer");
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~TinyServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  void Run() {
    while (!stop_.load()) {
      pollfd p = {fd_, POLLIN, 0};
      // Wakes every 20 ms to see whether the test is over.
      if (poll(&p, 1, 20) != 1) continue;
      int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      Serve(conn);
      close(conn);
    }
  }

  void Serve(int conn) {
    // A stuck client must not stall the test: reads give up after 2 s.
    timeval timeout = {2, 0};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      ssize_t n = read(conn, buf, sizeof(buf));
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    requests_.fetch_add(1);
    // "GET /path HTTP/1.1"
    const size_t path_start = head.find(' ') + 1;
    const std::string_view path = std::string_view(head).substr(path_start, head.find(' ', path_start) - path_start);
    std::string response;
    if (path == "/status/404") {
      response = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope";
    } else {
      response = absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: tiny\r\nContent-Length: ",
                              sizeof(kPage) - 1, "\r\nConnection: close\r\n\r\n", kPage);
    }
    (void)!write(conn, response.data(), response.size());
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// Keeps a copy of every row it is given (on RunScan's output thread; read after RunScan returns).
class CapturingWriter : public RowWriter {
 public:
  absl::Status Open(bool) override {
    ++opens_;
    return absl::OkStatus();
  }
  absl::Status Write(absl::Span<const Row> rows) override {
    rows_.insert(rows_.end(), rows.begin(), rows.end());
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }

  // Rows by their `line`; a line given twice fails the test.
  std::map<int64_t, Row> ByLine() const {
    std::map<int64_t, Row> by_line;
    for (const Row& row : rows_) EXPECT_TRUE(by_line.emplace(row.line, row).second) << "line " << row.line << " twice";
    return by_line;
  }
  size_t size() const { return rows_.size(); }

 private:
  std::vector<Row> rows_;
  int opens_ = 0;
};

const char* NoEnvironment(const char*) { return nullptr; }

class RunScanTest : public testing::Test {
 protected:
  std::string WriteInput(const std::vector<std::string>& lines) {
    std::string path = absl::StrCat(testing::TempDir(), "urlsweep_scan_test_", getpid(), "_", counter_++, ".txt");
    FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    for (const std::string& line : lines) std::fprintf(f, "%s\n", line.c_str());
    std::fclose(f);
    paths_.push_back(path);
    return path;
  }
  ~RunScanTest() override {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }

  // Parses flags as the CLI would; no proxy variables, and a resolver that is never asked (IP literals).
  Config MakeConfig(std::vector<std::string> args) {
    std::vector<std::string> argv = {"urlsweep", "-q", "--resolver", "127.0.0.1:9", "--retries", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<const char*> c_argv;
    for (const std::string& a : argv) c_argv.push_back(a.c_str());
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(static_cast<int>(c_argv.size()), c_argv.data(), &NoEnvironment);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? parsed->config : Config();
  }

  // Runs the scan of config.inputs into `writer`.
  absl::StatusOr<ScanOutcome> Scan(const Config& config, CapturingWriter* writer) {
    absl::StatusOr<std::unique_ptr<InputReader>> input = InputReader::Open(config.inputs);
    if (!input.ok()) return input.status();
    ScanOutput output;
    output.writer = writer;
    return RunScan(config, input->get(), output);
  }

  TinyServer server_;

 private:
  int counter_ = 0;
  std::vector<std::string> paths_;
};

TEST_F(RunScanTest, OneRowPerLineWithAnswersErrorsAndCounts) {
  // A port that is ours and closed: the kernel refuses connections to it.
  int closed = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(closed, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(getsockname(closed, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const uint16_t closed_port = ntohs(addr.sin_port);

  const std::string base = absl::StrCat("http://127.0.0.1:", server_.port());
  const std::string refused = absl::StrCat("http://127.0.0.1:", closed_port, "/");
  const std::string input = WriteInput({
      base + "/",              // line 1
      "# a comment",           // line 2: skipped, but counted
      "",                      // line 3: skipped
      base + "/status/404",    // line 4
      "ftp://127.0.0.1/file",  // line 5: invalid_url
      "  " + refused + "  ",   // line 6: trimmed, connect_refused
      "http://[::1",           // line 7: invalid_url
  });
  Config config = MakeConfig({input});
  CapturingWriter writer;
  absl::StatusOr<ScanOutcome> outcome = Scan(config, &writer);
  close(closed);
  ASSERT_TRUE(outcome.ok()) << outcome.status();

  EXPECT_EQ(writer.size(), 5u);
  std::map<int64_t, Row> rows = writer.ByLine();
  ASSERT_EQ(rows.size(), 5u);
  for (int64_t line : {1, 4, 5, 6, 7}) ASSERT_EQ(rows.count(line), 1u) << "no row for line " << line;

  const Row& ok = rows[1];
  EXPECT_EQ(ok.url, base + "/");
  EXPECT_EQ(ok.final_url.view(), base + "/");
  EXPECT_EQ(ok.host.view(), "127.0.0.1");
  EXPECT_EQ(ok.ip.view(), "127.0.0.1");
  EXPECT_EQ(ok.port, server_.port());
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.reason.view(), "OK");
  EXPECT_EQ(ok.http_version.view(), "1.1");
  EXPECT_EQ(ok.error, ErrorCode::kNone);
  EXPECT_EQ(ok.content_type.view(), "text/html");
  EXPECT_EQ(ok.server.view(), "tiny");
  EXPECT_EQ(ok.title.view(), "scan test");
  EXPECT_EQ(ok.content_length, static_cast<int64_t>(sizeof(kPage) - 1));
  EXPECT_EQ(ok.body_bytes, static_cast<int64_t>(sizeof(kPage) - 1));
  EXPECT_EQ(ok.attempts, 1);
  EXPECT_FALSE(ok.dns_ms.has_value());  // an IP literal needs no lookup
  EXPECT_TRUE(ok.connect_ms.has_value());
  EXPECT_TRUE(ok.total_ms.has_value());
  EXPECT_TRUE(ok.started_at_us.has_value());

  const Row& not_found = rows[4];
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.reason.view(), "Not Found");
  EXPECT_EQ(not_found.error, ErrorCode::kNone);  // an answer, not an error
  EXPECT_EQ(not_found.body_bytes, 4);
  EXPECT_FALSE(not_found.title.has_value());

  for (int64_t line : {5, 7}) {
    const Row& invalid = rows[line];
    EXPECT_EQ(invalid.error, ErrorCode::kInvalidUrl) << line;
    EXPECT_TRUE(invalid.error_detail.has_value()) << line;
    EXPECT_FALSE(invalid.status.has_value()) << line;
    EXPECT_FALSE(invalid.ip.has_value()) << line;
    EXPECT_EQ(invalid.attempts, 0) << line;  // nothing was attempted (README, "Output columns")
  }
  EXPECT_EQ(rows[5].url, "ftp://127.0.0.1/file");

  const Row& refused_row = rows[6];
  EXPECT_EQ(refused_row.url, refused);  // as read, trimmed
  EXPECT_EQ(refused_row.error, ErrorCode::kConnectRefused);
  EXPECT_EQ(refused_row.ip.view(), "127.0.0.1");
  EXPECT_EQ(refused_row.port, closed_port);
  EXPECT_FALSE(refused_row.status.has_value());
  EXPECT_EQ(refused_row.attempts, 1);  // connect_refused is not transient: no retry

  EXPECT_EQ(outcome->lines_read, 7);
  EXPECT_EQ(outcome->dispatched, 5);
  EXPECT_EQ(outcome->stopped_by_signal, 0);
  const ScanStats& stats = outcome->stats;
  EXPECT_EQ(stats.rows, 5u);
  EXPECT_EQ(stats.by_status[200], 1u);
  EXPECT_EQ(stats.by_status[404], 1u);
  EXPECT_EQ(stats.no_status, 3u);
  EXPECT_EQ(stats.by_error[static_cast<int>(ErrorCode::kNone)], 2u);
  EXPECT_EQ(stats.by_error[static_cast<int>(ErrorCode::kInvalidUrl)], 2u);
  EXPECT_EQ(stats.by_error[static_cast<int>(ErrorCode::kConnectRefused)], 1u);
  EXPECT_EQ(server_.requests(), 2);
}

TEST_F(RunScanTest, EveryLineOnceAcrossLoops) {
  // Two loops and a concurrency below the list's length: lines are routed to loops and started as slots
  // free up, and each still gives exactly one row.
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i) {
    lines.push_back(i % 10 == 9 ? absl::StrCat("ftp://127.0.0.1/file/", i)
                                : absl::StrCat("http://127.0.0.1:", server_.port(), "/page/", i));
  }
  Config config = MakeConfig({"--threads", "2", "-c", "4", WriteInput(lines)});
  CapturingWriter writer;
  absl::StatusOr<ScanOutcome> outcome = Scan(config, &writer);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  std::map<int64_t, Row> rows = writer.ByLine();
  ASSERT_EQ(rows.size(), 40u);
  for (int64_t line = 1; line <= 40; ++line) {
    ASSERT_EQ(rows.count(line), 1u) << line;
    const Row& row = rows[line];
    EXPECT_EQ(row.url, lines[static_cast<size_t>(line - 1)]);
    if (line % 10 == 0) {
      EXPECT_EQ(row.error, ErrorCode::kInvalidUrl) << line;
    } else {
      EXPECT_EQ(row.status, 200) << line;
      EXPECT_EQ(row.error, ErrorCode::kNone) << line;
    }
  }
  EXPECT_EQ(outcome->stats.rows, 40u);
  EXPECT_EQ(outcome->stats.by_status[200], 36u);
  EXPECT_EQ(server_.requests(), 36);
}

}  // namespace
}  // namespace urlsweep
