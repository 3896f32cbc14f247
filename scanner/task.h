// Task: one URL from its first attempt to its row, driven by callbacks from its Connection, its DNS
// request and its timer. Tasks are made once per loop (--concurrency) and reused for URL after URL.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/ip_address.h"
#include "core/options.h"
#include "core/row.h"
#include "dns/resolver.h"
#include "http/h2_session.h"
#include "http/response_parser.h"
#include "http/socks5.h"
#include "http/tls_session.h"
#include "scanner/connection.h"
#include "scanner/proxy_authenticator.h"
#include "scanner/url.h"

namespace urlsweep {

class Worker;
class H2Connection;
class H2Pool;
struct HostGate;

// The most of a refused CONNECT's body read: enough for a proxy's error page (squid's is about 3 KiB),
// so that a 407 leaves the connection open for the answer to its challenge (NTLM needs that). A longer
// page ends the connection instead.
constexpr int64_t kMaxProxyRefusalBodyBytes = 64 * 1024;

// One URL from its first attempt to its row: DNS, connect, request, response, retries and redirects. There
// is one per request a loop may have in flight (--concurrency), so its fixed size is most of what a
// request in flight costs (at most 4 KiB in all, scenario S3 in bench/README.md): what is needed only
// for a moment (request bytes, redirect parsing, credentials) lives once per loop in the Worker instead.
// Over HTTP/2 a task is one stream on a connection its origin's tasks share (scanner/h2_connection.h):
// the same row, parser, budgets, retries and redirects, with the stream's events in place of the bytes.
class Task final : public ConnectionOwner, public H2Stream {
 public:
  enum class Stage : uint8_t { kFree, kQueued, kDns, kConnect, kProxyConnect, kTls, kRead, kBackoff };

  Task() : dns_request_(&Task::OnResolved) {}
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  void OnConnected(Connection* conn, int status) override;
  void OnHandshakeDone(Connection* conn, const ErrorInfo* error) override;
  void OnWritten(Connection* conn, int status) override;
  void OnData(Connection* conn, const char* data, size_t len) override;
  void OnEof(Connection* conn, bool unclean) override;
  void OnReadError(Connection* conn, const ErrorInfo& error) override;

  // H2Stream.
  void OnH2Field(std::string_view name, std::string_view value) override;
  void OnH2HeadEnd(int status, bool end_stream) override;
  void OnH2Data(const char* data, size_t len) override;
  void OnH2Close(H2StreamEnd end, uint32_t code) override;

 private:
  friend class Worker;
  friend class H2Connection;
  friend class H2Pool;
  // What this attempt is to an HTTP/2 connection (h2_): none, the leader of a pending one, a task
  // waiting for a pending one, or a stream on an open one.
  enum class H2Role : uint8_t { kNone, kLeader, kWaiter, kStream };
  friend class TaskQueue;  // links tasks through next_waiting_
  static void OnResolved(Resolver::Request* request, const DnsResult& result);
  static void OnTimer(uv_timer_t* timer);

  // The URL's first attempt: stamps started_at and starts the --timeout budget.
  void Begin();
  void StartAttempt();
  void StartConnect();
  // Takes an idle keep-alive connection to this attempt's origin, if there is one and the attempt may
  // reuse one, and sends the request on it.
  bool ReuseIdle();
  // HTTP/2 may be spoken for this attempt: https under --http2, or http under --http2-prior-knowledge
  // (direct only: a plain request through a proxy stays HTTP/1.1).
  bool H2Wanted() const;
  // Joins the HTTP/2 connection of this attempt's origin: as a stream when it is open, as a waiter
  // while its leader connects. False when there is none to join.
  bool JoinH2();
  // The rest of StartAttempt once HTTP/2 sharing is ruled out: keep-alive, then DNS and a connection.
  void StartOwnConnection(bool may_lead);
  // This attempt's connection speaks HTTP/2 (ALPN h2, or prior knowledge): it becomes a shared
  // H2Connection and this task its first stream.
  void BecomeH2();
  // Becomes a stream on `h` and sends the request there.
  void AttachH2(H2Connection* h);
  void BeginRequest(RequestSpec* spec, bool absolute_form);
  void SendH2Request();
  // The pending connection this task waited for will not speak HTTP/2: go on alone.
  void H2WaitEnded();
  // Lets go of whatever h2_ is (cancels the stream, leaves the waiters, ends the lead).
  void ReleaseH2();
  void OnH2ResponseDone();
  void TryNextAddress();
  // The proxy's name or address (the endpoint urlsweep connects to when a proxy is used), else the
  // origin's: resolved or parsed, then StartConnect.
  void ResolveEndpoint();
  // Proxy tunnel for https through an HTTP proxy: CONNECT, then TLS inside.
  void SendConnect();
  void OnConnectResponse(ResponseParser::State state);
  // SOCKS5 (task_proxy.cc): for socks5:// the origin's name is looked up first (OnOriginResolved);
  // after the TCP connect to the proxy, greeting, username/password when asked, CONNECT; then the
  // origin's TLS or the request, as if connected directly.
  bool ProxyIsSocks() const {
    return proxy_ != nullptr && (proxy_->kind == ProxyKind::kSocks5 || proxy_->kind == ProxyKind::kSocks5h);
  }
  // An HTTP proxy, spoken to in the clear or inside TLS (https://).
  bool ProxyIsHttp() const { return proxy_ != nullptr && !ProxyIsSocks(); }
  // https:// proxies (task_proxy.cc): TLS with the proxy first, then as through an http:// one.
  void OnProxyTlsDone(Connection* conn, const ErrorInfo* error) override;
  // What follows the TCP connect to the proxy or the proxy's TLS: CONNECT, or the request.
  void AfterProxyReached();
  void OnOriginResolved(const DnsResult& result, ErrorInfo e);
  void SendSocksGreeting();
  void SendSocksConnect();
  void OnSocksData(const char* data, size_t len);
  void WriteProxyBytes(const char* what);
  // The proxy of this attempt: ProxyFor's, or a --proxy-file pool's (task_proxy.cc). False when the
  // pool has none awake (all rest): the attempt has failed.
  bool PickProxy();
  // The proxy did its part (tunnel open, or a response byte through it): for the pool's health.
  void ProxyWorked();
  // A pool proxy failed on its own account: counts it, and true when the URL goes on to the next proxy.
  bool RetryOnNextProxy();
  // proxy_auth_required for a SOCKS5 proxy (proxy_auth = socks5).
  void FailSocksAuth(const char* detail);
  void StartTls();
  void SendRequest();
  void SetPeerColumns(const SocketAddress& addr);
  // The columns a request takes from a connection another request opened (kept alive, or HTTP/2
  // shared): its address, its TLS handshake's, and the proxy's authentication under it.
  void SetSharedConnectionColumns(Connection* c);
  void SetTlsColumns(const TlsSession& tls);
  // proxy_error with "<what> <proxy host>:<port>: <detail>" (never the credentials).
  void FailProxy(const char* what, const char* detail);
  // The Proxy-Authorization value of this attempt's next message to the proxy (--proxy-auth), for the
  // request line's method and target (scanner/task_proxy_auth.cc).
  void ProxyAuthorization(std::string_view method, std::string_view uri, std::string* out);
  // The proxy answered 407 to the request (connect: to CONNECT): sends it again when the proxy's
  // challenge can be answered (on this connection, or on a new one), else the row gets
  // proxy_auth_required with the offered schemes.
  void OnProxy407(bool connect);
  // The proxy let the request (or CONNECT) through: the row's proxy_auth, and NTLM's mark on the
  // connection.
  void OnProxyAccepted(bool connect);
  // The proxy_auth column (the scheme used, or the schemes offered); empty leaves it absent.
  void SetProxyAuthColumn(std::string_view words);
  void OnResponseComplete();
  // Ends the current attempt with `code`; retries when docs/errors.md says so, else finishes the row.
  void FailAttempt(ErrorCode code, const char* detail);
  void Finish();
  void ReleaseConnection(bool reusable);
  void ArmTimer();
  void SetStageDeadline(Stage stage, double seconds);
  void FillResponseFields();
  void ResetResponseFields();
  bool FollowRedirect();
  // Reports a failure that happened synchronously inside the call that started the work, on the next loop
  // turn (STYLE rule 6).
  void FailSoon(ErrorCode code, const char* detail);

  // Members are ordered so that the small ones share padding: 10,000 tasks at -c 10000.
  Worker* worker_ = nullptr;
  Row row_;
  Target target_;
  HostGate* gate_ = nullptr;  // the gate of target_.host (or of the previous hop's, until it is left)
  Resolver::Request dns_request_;
  // The addresses of this attempt's endpoint (port applied at connect time), tried in order.
  IpAddress addrs_[kMaxAddresses];
  uint8_t addr_count_ = 0;
  uint8_t addr_index_ = 0;
  bool conn_reused_ = false;
  Connection* conn_ = nullptr;
  // The response of this attempt: here rather than in the Connection, so idle and closing connections
  // do not carry one.
  ResponseParser parser_;
  uv_timer_t timer_;
  uint64_t start_ns_ = 0;           // first attempt start (monotonic)
  uint64_t deadline_total_ns_ = 0;  // --timeout
  uint64_t deadline_stage_ns_ = 0;  // the current stage's budget
  uint64_t stage_start_ns_ = 0;
  uint64_t request_sent_ns_ = 0;
  int retries_used_ = 0;
  bool response_started_ = false;  // a byte of the response arrived in this attempt
  bool request_sent_ = false;      // the request of this attempt was handed to the socket
  bool no_reuse_ = false;          // next attempt must open a fresh connection (a reused one was stale)
  bool fresh_only_ = false;        // this attempt opens a fresh connection (no_reuse_ at its start)
  bool hop_pending_ = false;       // waiting for the host gate of a redirect target
  // Small members of the proxy and HTTP/2 stages, here so that they share padding ): whether the lookup running is the origin's (socks5://); the pool index of proxy_, how
  // many of the pool this URL has tried, whether the next attempt moves on, whether the failure under way
  // is the proxy's own; this task's part in an HTTP/2 connection and its refused streams.
  bool resolving_origin_ = false;
  bool pool_next_ = false;
  bool proxy_fault_ = false;
  uint8_t pool_tries_ = 0;
  int16_t pool_index_ = -1;
  H2Role h2_role_ = H2Role::kNone;
  uint8_t h2_refused_ = 0;  // streams refused in this URL (REFUSED_STREAM, or above a GOAWAY's last id)
  Stage stage_ = Stage::kFree;
  ErrorCode pending_error_ = ErrorCode::kNone;
  const char* pending_detail_ = "";
  // error_detail text built here; it may wait for the next loop turn (FailSoon), so it is the task's own.
  std::string detail_scratch_;
  const ProxySpec* proxy_ = nullptr;    // the proxy of this attempt, nullptr when direct
  // What this attempt has said to the proxy about credentials (reset with each attempt).
  ProxyAuthenticator::Exchange proxy_exchange_;
  // SOCKS5: the answer being read, and the origin's address for socks5:// (urlsweep resolves).
  Socks5Reader socks_;
  IpAddress socks_origin_;
  // HTTP/2: the connection this task is a stream of, leads or waits for.
  H2Connection* h2_ = nullptr;
  Task* h2_next_ = nullptr;  // the next waiter of a pending H2Connection
  // Normalised URLs fetched in this chain, for redirect_loop. Kept across rows for their capacity.
  std::vector<std::string> visited_;
  size_t visited_count_ = 0;
  // The link of the one TaskQueue the task waits in: its host's gate or the rate queue.
  Task* next_waiting_ = nullptr;
};

}  // namespace urlsweep
