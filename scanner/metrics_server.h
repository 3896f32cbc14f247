// MetricsServer: the small HTTP/1.1 server behind --metrics-listen. It answers GET (and HEAD) /metrics
// with the Prometheus text of scanner/metrics_text.h, on a libuv loop of its own thread, so a scrape
// never runs on (or waits for) a scan loop, and a slow or stuck client never holds up the scan or another
// client. Requests are parsed by http/request_head_parser.h.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/endpoint.h"

namespace urlsweep {

class MetricsServer {
 public:
  // The body of GET /metrics, built on the server's thread for each scrape.
  using Source = std::function<std::string()>;

  // Clients served at once: a scraper or two and a person with curl; more are closed on arrival, which
  // keeps the server's memory bounded whoever connects.
  static constexpr size_t kMaxClients = 64;
  // A client gets this long from its connection to the end of the response; then it is closed, so one that
  // sends slowly or never reads its answer costs a slot for a moment only.
  static constexpr uint64_t kClientTimeoutMs = 5000;

  // Listens on `endpoint` now: an address that cannot be had (a port in use, an address not on this
  // machine) fails here, with one line naming it, before anything else of the run starts. Then serves on
  // a thread of its own until Stop(). Until SetSource, /metrics shows every figure at 0.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const Endpoint& endpoint);

  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // From any thread: what /metrics shows from now on (nullptr: every figure at 0). Returns once no scrape
  // uses the previous source any more, so its data may then go.
  void SetSource(Source source);
  // From any thread: closes the listener and every client, and ends the thread. Idempotent.
  void Stop();

 private:
  struct Client;

  MetricsServer() = default;
  std::string Body();
  void Serve();
  void Accept();
  // Writes the answer to a request head that ended (`complete`) or could not be parsed, then closes.
  void Respond(Client* client, bool complete);
  void CloseClient(Client* client);

  static void OnConnection(uv_stream_t* server, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnClientTimeout(uv_timer_t* timer);
  static void OnClientHandleClosed(uv_handle_t* handle);
  static void OnStopRequested(uv_async_t* async);

  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_async_t stop_async_;
  bool loop_ready_ = false;
  bool stopped_ = false;
  std::mutex stop_mu_;
  std::thread thread_;
  // Clients open now, linked through Client::next/prev; the loop thread only.
  Client* clients_ = nullptr;
  size_t client_count_ = 0;
  // Request bytes of one read: a whole scrape request fits; reads are handled one at a time on the loop
  // thread, so one buffer serves every client.
  static constexpr size_t kReadBufferBytes = 4096;
  char read_buffer_[kReadBufferBytes];

  std::mutex source_mu_;
  Source source_;
};

}  // namespace urlsweep
