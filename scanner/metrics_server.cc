#include "scanner/metrics_server.h"

#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/text.h"
#include "http/request_head_parser.h"
#include "scanner/metrics_text.h"
#include "scanner/signal_watcher.h"

namespace urlsweep {
namespace {

// The Prometheus text exposition format's media type, version 0.0.4.
constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kMetricsPath = "/metrics";

std::string Response(std::string_view status, std::string_view extra_headers, std::string_view content_type,
                     std::string_view body, bool head_only) {
  // Connection: close: one request per connection keeps the server free of per-client state beyond one
  // exchange; scrapers reconnect at no cost on loopback or a LAN.
  std::string out = absl::StrCat("HTTP/1.1 ", ToAbsl(status), "\r\nContent-Type: ", ToAbsl(content_type),
                                 "\r\nContent-Length: ", body.size(), "\r\n", ToAbsl(extra_headers),
                                 "Connection: close\r\n\r\n");
  if (!head_only) out.append(body);
  return out;
}

}  // namespace

struct MetricsServer::Client {
  MetricsServer* server = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t write;
  RequestHeadParser parser;
  std::string response;
  bool closing = false;
  int handles_open = 0;
  Client* prev = nullptr;
  Client* next = nullptr;
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const Endpoint& endpoint) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  const std::string shown = endpoint.ip.find(':') != std::string::npos
                                ? absl::StrCat("[", endpoint.ip, "]:", endpoint.port)
                                : absl::StrCat(endpoint.ip, ":", endpoint.port);
  auto fail = [&](const char* what, int rc) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen ", shown, ": cannot ", what, ": ", uv_strerror(rc)));
  };
  int rc = uv_loop_init(&server->loop_);
  if (rc != 0) {
    server->stopped_ = true;  // nothing to stop: no handle, no thread
    return fail("start", rc);
  }
  server->loop_ready_ = true;
  server->loop_.data = server.get();
  uv_tcp_init(&server->loop_, &server->listener_);
  server->listener_.data = server.get();
  uv_async_init(&server->loop_, &server->stop_async_, &MetricsServer::OnStopRequested);
  server->stop_async_.data = server.get();

  sockaddr_storage addr{};
  rc = endpoint.ip.find(':') != std::string::npos
           ? uv_ip6_addr(endpoint.ip.c_str(), endpoint.port, reinterpret_cast<sockaddr_in6*>(&addr))
           : uv_ip4_addr(endpoint.ip.c_str(), endpoint.port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc == 0) rc = uv_tcp_bind(&server->listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  // libuv reports a port in use at listen(2) rather than at bind(2); either way it is this one line.
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&server->listener_), SOMAXCONN,
                              &MetricsServer::OnConnection);
  if (rc != 0) {
    // The handles close on the loop; run it once so uv_loop_close in the destructor finds it empty.
    uv_close(reinterpret_cast<uv_handle_t*>(&server->listener_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&server->stop_async_), nullptr);
    uv_run(&server->loop_, UV_RUN_DEFAULT);
    server->stopped_ = true;
    return fail("listen", rc);
  }
  MetricsServer* raw = server.get();
  server->thread_ = std::thread([raw] { raw->Serve(); });
  return server;
}

MetricsServer::~MetricsServer() {
  Stop();
  if (loop_ready_) uv_loop_close(&loop_);
}

void MetricsServer::Serve() {
  // SIGINT and SIGTERM belong to the scan's signal thread; this one is started before RunScan blocks
  // them, so it blocks them itself.
  BlockStopSignals();
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void MetricsServer::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  uv_async_send(&stop_async_);
  if (thread_.joinable()) thread_.join();
}

void MetricsServer::SetSource(Source source) {
  std::lock_guard<std::mutex> lock(source_mu_);
  source_ = std::move(source);
}

std::string MetricsServer::Body() {
  std::lock_guard<std::mutex> lock(source_mu_);
  if (source_) return source_();
  return FormatMetrics(MetricsSnapshot{});
}

void MetricsServer::OnStopRequested(uv_async_t* async) {
  auto* self = static_cast<MetricsServer*>(async->data);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->listener_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
  for (Client* c = self->clients_; c != nullptr;) {
    Client* next = c->next;
    self->CloseClient(c);
    c = next;
  }
}

void MetricsServer::OnConnection(uv_stream_t* listener, int status) {
  if (status < 0) return;  // a failed accept (out of descriptors): the next connection tries again
  static_cast<MetricsServer*>(listener->data)->Accept();
}

void MetricsServer::Accept() {
  auto* c = new Client;
  c->server = this;
  uv_tcp_init(&loop_, &c->tcp);
  c->tcp.data = c;
  uv_timer_init(&loop_, &c->timer);
  c->timer.data = c;
  c->handles_open = 2;
  c->next = clients_;
  if (clients_ != nullptr) clients_->prev = c;
  clients_ = c;
  ++client_count_;
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener_), reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
      client_count_ > kMaxClients) {
    CloseClient(c);
    return;
  }
  uv_timer_start(&c->timer, &MetricsServer::OnClientTimeout, kClientTimeoutMs, 0);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), &MetricsServer::OnAlloc, &MetricsServer::OnRead);
}

void MetricsServer::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  MetricsServer* self = static_cast<Client*>(handle->data)->server;
  *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void MetricsServer::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Client*>(stream->data);
  if (nread == 0) return;
  if (nread < 0) {
    c->server->CloseClient(c);
    return;
  }
  const RequestHeadParser::State state = c->parser.Feed(buf->base, static_cast<size_t>(nread));
  if (state == RequestHeadParser::State::kNeedMore) return;
  uv_read_stop(stream);
  c->server->Respond(c, state == RequestHeadParser::State::kComplete);
}

void MetricsServer::Respond(Client* c, bool complete) {
  const RequestHeadParser& p = c->parser;
  const bool head = p.method() == RequestHeadParser::Method::kHead;
  constexpr char kText[] = "text/plain; charset=utf-8";
  if (!complete) {
    c->response = p.head_too_large()
                      ? Response("431 Request Header Fields Too Large", "", kText, "request head too large\n", false)
                      : Response("400 Bad Request", "", kText, "not an HTTP/1.x request\n", false);
  } else if (p.path() != kMetricsPath) {
    c->response = Response("404 Not Found", "", kText, "not found: the metrics are at /metrics\n", head);
  } else if (p.method() == RequestHeadParser::Method::kOther) {
    // RFC 9110 section 15.5.6: a 405 names the methods the resource has.
    c->response = Response("405 Method Not Allowed", "Allow: GET, HEAD\r\n", kText, "method not allowed\n", false);
  } else {
    c->response = Response("200 OK", "", kMetricsContentType, Body(), head);
  }
  uv_buf_t out = uv_buf_init(c->response.data(), static_cast<unsigned>(c->response.size()));
  c->write.data = c;
  if (uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &out, 1, &MetricsServer::OnWritten) != 0) {
    CloseClient(c);
  }
}

void MetricsServer::OnWritten(uv_write_t* req, int) {
  auto* c = static_cast<Client*>(req->data);
  c->server->CloseClient(c);
}

void MetricsServer::OnClientTimeout(uv_timer_t* timer) {
  auto* c = static_cast<Client*>(timer->data);
  c->server->CloseClient(c);
}

void MetricsServer::CloseClient(Client* c) {
  if (c->closing) return;
  c->closing = true;
  // A write still queued is cancelled by the close; its callback runs first and finds the client closing.
  uv_timer_stop(&c->timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), &MetricsServer::OnClientHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), &MetricsServer::OnClientHandleClosed);
}

void MetricsServer::OnClientHandleClosed(uv_handle_t* handle) {
  auto* c = static_cast<Client*>(handle->data);
  if (--c->handles_open > 0) return;
  MetricsServer* self = c->server;
  if (c->prev != nullptr) c->prev->next = c->next;
  if (c->next != nullptr) c->next->prev = c->prev;
  if (self->clients_ == c) self->clients_ = c->next;
  --self->client_count_;
  delete c;
}

}  // namespace urlsweep
