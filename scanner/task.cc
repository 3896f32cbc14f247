#include "scanner/task.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/error_map.h"
#include "http/redirect.h"
#include "http/request.h"
#include "http/retry_after.h"
#include "scanner/h2_connection.h"
#include "scanner/idle_pool.h"
#include "scanner/scheme_fallback.h"
#include "scanner/worker.h"

namespace urlsweep {
namespace {

// A retry waits this long, doubled per retry: long enough for a restarting server or a dropped SYN's peer
// to recover, short next to the default 10 s budget.
constexpr uint64_t kRetryBackoffNs = 100'000'000;

// A URL whose stream the server did not process (REFUSED_STREAM, or above a GOAWAY's last stream id) is
// sent again without counting an attempt (RFC 9113 section 8.7), at most this many times: a server that
// refuses every stream still gets a row before --timeout.
constexpr uint8_t kMaxRefusedStreams = 3;

uint64_t SecondsToNs(double s) { return static_cast<uint64_t>(s * 1e9); }
double NsToMs(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

// The wall clock, for started_at and for Retry-After dates; budgets use the loop's monotonic clock.
int64_t RealtimeMicros() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

void AddressText(const IpAddress& ip, OptString* out) {
  char buf[INET6_ADDRSTRLEN];
  std::string_view text = FormatIpAddress(ip, buf);
  if (text.empty()) {
    out->Clear();
    return;
  }
  out->Set(text);
}

void SetOpt(OptString* field, const std::optional<std::string_view>& value) {
  if (value.has_value()) {
    field->Set(*value);
  } else {
    field->Clear();
  }
}

// Whether a connection that just died (reset, closed) took the request with it. Reading starts before
// the request is written (Task::SendRequest), and libuv handles a socket's read events before its write
// events, so a peer that resets while the kernel still refuses part of the request is heard of on the
// read side first. With request bytes still queued here and no response byte, it is the write that
// failed: write_error. A response that came before the request was written is still a response (OnData
// took it; `response_started` keeps it out of here).
bool DiedWhileSending(Task::Stage stage, bool response_started, const Connection* conn) {
  return stage == Task::Stage::kRead && !response_started && conn != nullptr && conn->has_unsent_bytes();
}

}  // namespace

void Task::ResetResponseFields() {
  row_.status.reset();
  row_.reason.Clear();
  row_.http_version.Clear();
  row_.location.Clear();
  row_.content_type.Clear();
  row_.content_length.reset();
  row_.server.Clear();
  row_.title.Clear();
  row_.body_bytes.reset();
  for (OptString& header : row_.headers) header.Clear();
  row_.body_sha256.Clear();
  row_.error = ErrorCode::kNone;
  row_.error_detail.Clear();
}

void Task::SetPeerColumns(const SocketAddress& addr) {
  AddressText(AddressOf(addr), &row_.ip);
  row_.port = PortOf(addr);
}

void Task::SetSharedConnectionColumns(Connection* c) {
  SetPeerColumns(c->peer());
  if (c->tls_on()) SetTlsColumns(c->tls());
  // The proxy's authentication under the connection: a SOCKS5 tunnel opened with username/password,
  // or the scheme its CONNECT was accepted with.
  if (c->socks_user_pass) row_.proxy_auth.Set("socks5");
  if (ProxyIsHttp() && target_.https) SetProxyAuthColumn(ProxyAuthSchemeName(c->proxy_auth()));
}

void Task::SetTlsColumns(const TlsSession& tls) {
  if (tls.version() != nullptr) row_.tls_version.Set(tls.version());
  if (tls.verify_word() != nullptr) row_.tls_verify.Set(tls.verify_word());
  row_.cert_not_after_us = tls.cert_not_after_us();
}

void Task::Begin() {
  Worker* w = worker_;
  w->UpdateNow();
  row_.started_at_us = RealtimeMicros();
  start_ns_ = w->Now();
  deadline_total_ns_ = start_ns_ + SecondsToNs(w->config_.timeout_s);
  pool_tries_ = 0;
  pool_next_ = false;
  StartAttempt();
}

void Task::StartAttempt() {
  Worker* w = worker_;
  w->UpdateNow();
  ++row_.attempts;
  response_started_ = false;
  request_sent_ = false;
  row_.dns_ms.reset();
  row_.connect_ms.reset();
  row_.tls_ms.reset();
  row_.ttfb_ms.reset();
  row_.ip.Clear();
  row_.port.reset();
  row_.tls_version.Clear();
  row_.tls_verify.Clear();
  row_.cert_not_after_us.reset();
  ResetResponseFields();
  row_.final_url.Set(target_.url);
  row_.host.Set(target_.host_column());

  // --exclude holds on the name of every URL and redirect target, before anything is sent anywhere.
  if (w->shared_.exclude != nullptr && w->shared_.exclude->MatchesHost(target_.host)) {
    FailSoon(ErrorCode::kExcluded, "the host matches an --exclude entry");
    return;
  }
  proxy_fault_ = false;
  row_.proxy_auth.Clear();
  proxy_exchange_.Reset();
  if (!PickProxy()) return;
  // The `proxy` column: the proxy of this attempt (of the last hop, after redirects), never credentials.
  if (proxy_ != nullptr) {
    row_.proxy.Set(proxy_->column);
  } else {
    row_.proxy.Clear();
  }

  // Keep-alive: an idle connection to the same scheme, host and port (through the same proxy) skips
  // DNS, connect and TLS.
  fresh_only_ = no_reuse_;
  no_reuse_ = false;
  resolving_origin_ = false;
  if (H2Wanted() && !fresh_only_ && JoinH2()) return;
  StartOwnConnection(/*may_lead=*/true);
}

bool Task::H2Wanted() const {
  const HttpVersionMode mode = worker_->config_.http_version;
  if (mode == HttpVersionMode::kHttp11) return false;
  return target_.https || (mode == HttpVersionMode::kHttp2PriorKnowledge && proxy_ == nullptr);
}

bool Task::JoinH2() {
  Worker* w = worker_;
  IdlePool::KeyFor(target_, proxy_, &w->key_scratch_);
  H2Connection* h = w->h2_.Find(w->key_scratch_);
  if (h == nullptr) return false;
  if (h->state() == H2Connection::State::kOpen) {
    AttachH2(h);
    return true;
  }
  // The origin's first connection is on its way: wait for it rather than open another. Only --timeout
  // runs meanwhile; the leader's own budgets end the wait sooner when its connection fails.
  h2_ = h;
  h2_role_ = H2Role::kWaiter;
  h->AddWaiter(this);
  stage_ = Stage::kConnect;
  deadline_stage_ns_ = UINT64_MAX;
  ArmTimer();
  return true;
}

void Task::StartOwnConnection(bool may_lead) {
  Worker* w = worker_;
  const Config& config = w->config_;
  if (ReuseIdle()) return;
  if (may_lead && H2Wanted() && h2_role_ == H2Role::kNone) {
    IdlePool::KeyFor(target_, proxy_, &w->key_scratch_);
    if (!w->h2_.KnownHttp1(w->key_scratch_) && w->h2_.Find(w->key_scratch_) == nullptr) {
      h2_ = w->h2_.OpenPending(w->key_scratch_);
      h2_role_ = H2Role::kLeader;
    }
  }

  // socks5:// (not socks5h://): urlsweep looks the origin's name up and sends the proxy its address.
  if (proxy_ != nullptr && proxy_->kind == ProxyKind::kSocks5 && !ParseIpLiteral(target_.host, &socks_origin_)) {
    resolving_origin_ = true;
    stage_start_ns_ = w->Now();
    SetStageDeadline(Stage::kDns, config.dns_timeout_s);
    w->resolver_->Resolve(target_.host, &dns_request_);
    return;
  }
  ResolveEndpoint();
}

void Task::ResolveEndpoint() {
  Worker* w = worker_;
  const Config& config = w->config_;
  // Through a proxy the proxy resolves the origin's name (socks5:// excepted, see StartAttempt); we
  // resolve (or parse) the proxy's.
  const std::string& endpoint = proxy_ != nullptr ? proxy_->host : target_.host;
  if (ParseIpLiteral(endpoint, &addrs_[0])) {
    // A literal needs no lookup; dns_ms stays absent.
    const int family = AddressFamilyOf(config.ip_version);
    if (family != AF_UNSPEC && addrs_[0].family != family) {
      // Nothing is contacted: no route is allowed to an address of the other family.
      const char* why = family == AF_INET ? "IPv6 address excluded by -4" : "IPv4 address excluded by -6";
      if (proxy_ != nullptr) detail_scratch_ = absl::StrCat("cannot connect to proxy ", endpoint, ": ", why);
      FailSoon(proxy_ != nullptr ? ErrorCode::kProxyError : ErrorCode::kConnectUnreachable,
               proxy_ != nullptr ? detail_scratch_.c_str() : why);
      return;
    }
    addr_count_ = 1;
    StartConnect();
    return;
  }
  stage_start_ns_ = w->Now();
  SetStageDeadline(Stage::kDns, config.dns_timeout_s);
  w->resolver_->Resolve(endpoint, &dns_request_);
}

bool Task::ReuseIdle() {
  if (fresh_only_) return false;
  Worker* w = worker_;
  IdlePool::KeyFor(target_, proxy_, &w->key_scratch_);
  Connection* idle = w->idle_.Take(w->key_scratch_);
  if (idle == nullptr) return false;
  // An idle connection is an HTTP/1.1 one: the origin does not speak HTTP/2 to us.
  if (h2_role_ == H2Role::kLeader) {
    w->h2_.MarkHttp1(h2_->key());
    ReleaseH2();
  }
  conn_ = idle;
  conn_reused_ = true;
  idle->Attach(this);
  SetSharedConnectionColumns(idle);
  SendRequest();
  return true;
}

void Task::OnResolved(Resolver::Request* request, const DnsResult& result) {
  Task* task = static_cast<Task*>(request->data);
  Worker* w = task->worker_;
  w->UpdateNow();
  task->row_.dns_ms = NsToMs(w->Now() - task->stage_start_ns_);
  ErrorInfo e = FromAresStatus(result.ares_status);
  if (task->resolving_origin_) {
    task->resolving_origin_ = false;
    task->OnOriginResolved(result, e);
    return;
  }
  // --exclude holds on every address the name resolves to, also those beyond the kMaxAddresses kept
  // here: the resolver checked them all (ResolverOptions::flag_address). The proxy's own name is not
  // checked (only the host as written can be, see StartConnect).
  if (e.code == ErrorCode::kNone && result.flagged && task->proxy_ == nullptr) {
    task->FailSoon(ErrorCode::kExcluded, "an address of the host matches an --exclude entry");
    return;
  }
  // Kept compactly: the port is applied at connect time.
  task->addr_count_ = 0;
  for (int i = 0; e.code == ErrorCode::kNone && i < std::min(result.address_count, kMaxAddresses); ++i) {
    const auto* addr = reinterpret_cast<const sockaddr*>(&result.addresses[i]);
    if (IpAddressFromSockaddr(addr, &task->addrs_[task->addr_count_])) ++task->addr_count_;
  }
  if (e.code == ErrorCode::kNone && task->addr_count_ == 0) {
    e = {ErrorCode::kDnsNodata, "name has no A or AAAA record"};
  }
  if (e.code == ErrorCode::kDnsNodata && w->config_.ip_version != IpVersion::kAny) {
    e.detail = NoAddressDetail(w->config_.ip_version);
  }
  if (e.code != ErrorCode::kNone) {
    if (task->proxy_ != nullptr) {
      task->FailProxy("cannot resolve proxy", e.detail);
    } else {
      task->FailAttempt(e.code, e.detail);
    }
    return;
  }
  task->StartConnect();
}

void Task::StartConnect() {
  Worker* w = worker_;
  // --exclude holds on every address the name resolves to: one excluded address excludes the URL.
  if (w->shared_.exclude != nullptr && proxy_ == nullptr) {
    for (int i = 0; i < addr_count_; ++i) {
      sockaddr_storage addr{};
      const SocketAddress socket_addr = ToSocketAddress(addrs_[i], 0);
      std::memcpy(&addr, &socket_addr, sizeof(socket_addr));
      if (w->shared_.exclude->MatchesAddress(addr)) {
        // Nothing was contacted: the row names no address.
        row_.ip.Clear();
        row_.port.reset();
        FailSoon(ErrorCode::kExcluded, "an address of the host matches an --exclude entry");
        return;
      }
    }
  }
  // While the lookup waited, a connection to the same origin may have gone idle. Taking it beats what
  // would follow at the descriptor budget: closing another origin's idle connection to open a new one.
  // When many URLs start in one burst (a wave of responses at -c 10000), that churn had about half
  // of them make a new connection and a lookup each, all alive at once.
  if (ReuseIdle()) return;
  addr_index_ = 0;
  stage_start_ns_ = w->Now();
  SetStageDeadline(Stage::kConnect, w->config_.connect_timeout_s);
  TryNextAddress();
}

void Task::TryNextAddress() {
  Worker* w = worker_;
  const SocketAddress addr = ToSocketAddress(addrs_[addr_index_], proxy_ != nullptr ? proxy_->port : target_.port);
  SetPeerColumns(addr);
  // At the connection limit, the idle connection parked longest ago makes room for this one.
  if (w->connections_->open() >= w->max_connections_) w->idle_.DropOne();
  conn_ = w->connections_->Acquire();
  conn_reused_ = false;
  conn_->Attach(this);
  IdlePool::KeyFor(target_, proxy_, conn_->mutable_key());
  int rc = conn_->Connect(&w->loop_, addr);
  if (rc != 0) {
    // A synchronous failure has no callback (libuv errors.rst); report it on the next loop turn so the
    // caller never sees its task finish inside the call that started it.
    ErrorInfo e = FromUvError(rc, IoStage::kConnect);
    FailSoon(e.code, e.detail);
  }
}

void Task::OnConnected(Connection*, int status) {
  Worker* w = worker_;
  w->UpdateNow();
  if (status != 0) {
    ErrorInfo e = FromUvError(status, IoStage::kConnect);
    ReleaseConnection(false);
    if (addr_index_ + 1 < addr_count_) {
      // The next address gets what is left of the same connect budget.
      ++addr_index_;
      TryNextAddress();
      return;
    }
    if (proxy_ != nullptr) {
      FailProxy("cannot connect to proxy", e.detail);
    } else {
      FailAttempt(e.code, e.detail);
    }
    return;
  }
  row_.connect_ms = NsToMs(w->Now() - stage_start_ns_);
  if (proxy_ == nullptr && !target_.https && H2Wanted()) {
    BecomeH2();  // --http2-prior-knowledge: the connection preface goes first (RFC 9113 section 3.3)
    return;
  }
  if (ProxyIsSocks()) {
    SendSocksGreeting();
  } else if (proxy_ != nullptr && proxy_->kind == ProxyKind::kHttps) {
    stage_ = Stage::kProxyConnect;  // the proxy's handshake is inside the --connect-timeout budget
    IpAddress literal;
    conn_->StartProxyTls(*w->shared_.proxy_tls, proxy_->host, ParseIpLiteral(proxy_->host, &literal));
  } else if (proxy_ != nullptr && target_.https) {
    SendConnect();
  } else if (target_.https) {
    StartTls();
  } else {
    SendRequest();
  }
}

void Task::StartTls() {
  Worker* w = worker_;
  stage_ = Stage::kTls;  // the handshake counts inside --connect-timeout
  stage_start_ns_ = w->Now();
  conn_->StartTls(*w->shared_.tls, target_.host, target_.ip_family != 0, target_.port);  // may call back synchronously
}

void Task::OnHandshakeDone(Connection* conn, const ErrorInfo* error) {
  Worker* w = worker_;
  w->UpdateNow();
  SetTlsColumns(conn->tls());
  if (error != nullptr) {
    FailAttempt(error->code, error->detail);
    return;
  }
  row_.tls_ms = NsToMs(w->Now() - stage_start_ns_);
  if (conn->tls().alpn_h2()) {
    BecomeH2();
    return;
  }
  if (h2_role_ == H2Role::kLeader) {
    // The server chose HTTP/1.1: the tasks that waited go on alone, later ones do not wait.
    w->h2_.MarkHttp1(h2_->key());
    ReleaseH2();
  }
  SendRequest();
}

void Task::BecomeH2() {
  Worker* w = worker_;
  H2Connection* h = nullptr;
  if (h2_role_ == H2Role::kLeader) {
    h = h2_;
  } else {
    ReleaseH2();
    IdlePool::KeyFor(target_, proxy_, &w->key_scratch_);
    h = w->h2_.OpenUnled(w->key_scratch_);
  }
  h2_ = nullptr;
  h2_role_ = H2Role::kNone;
  Connection* c = conn_;
  if (!h->Adopt(c)) {
    h2_ = h;
    h2_role_ = H2Role::kLeader;
    FailAttempt(ErrorCode::kBadResponse, "cannot start an HTTP/2 session (out of memory)");
    return;
  }
  conn_ = nullptr;
  conn_reused_ = false;
  Task* waiters = h->TakeWaiters();
  AttachH2(h);
  while (waiters != nullptr) {
    Task* next = waiters->h2_next_;
    waiters->h2_next_ = nullptr;
    waiters->AttachH2(h);
    waiters = next;
  }
}

void Task::AttachH2(H2Connection* h) {
  h2_ = h;
  h2_role_ = H2Role::kStream;
  SetSharedConnectionColumns(h->connection());
  SendH2Request();
}

void Task::H2WaitEnded() {
  h2_ = nullptr;
  h2_role_ = H2Role::kNone;
  StartOwnConnection(/*may_lead=*/false);
}

void Task::ReleaseH2() {
  if (h2_ == nullptr) return;
  H2Connection* h = h2_;
  const H2Role role = h2_role_;
  h2_ = nullptr;
  h2_role_ = H2Role::kNone;
  switch (role) {
    case H2Role::kStream:
      h->CancelStream(this);
      break;
    case H2Role::kWaiter:
      h->RemoveWaiter(this);
      break;
    case H2Role::kLeader:
      worker_->h2_.EndPending(h);
      break;
    case H2Role::kNone:
      break;
  }
}

// The request of this attempt in `spec` (views into the target, the configuration and the worker's
// scratch strings), and the response parser, the timings and the read budget made ready for its answer.
void Task::BeginRequest(RequestSpec* spec, bool absolute_form) {
  Worker* w = worker_;
  const Config& config = w->config_;
  spec->method = config.method;
  spec->target = absolute_form ? std::string_view(target_.url) : std::string_view(target_.request_target);
  spec->host = target_.authority();
  spec->user_agent = config.user_agent;
  spec->extra_headers = &config.headers;
  std::string& authorization = w->authorization_scratch_;
  authorization.clear();
  if (!target_.userinfo.empty()) {
    // Credentials in the URL are sent as Basic authorization, as browsers and curl do (rare, so the
    // allocation here is not on the common path).
    size_t colon = target_.userinfo.find(':');
    authorization = BasicAuthorization(
        std::string_view(target_.userinfo).substr(0, colon),
        colon == std::string::npos ? std::string_view() : std::string_view(target_.userinfo).substr(colon + 1));
  }
  spec->authorization = authorization;
  parser_.SetExtraColumns(&config.extra_columns);
  parser_.Reset(config.method == HttpMethod::kHead, config.max_body);
  request_sent_ = true;
  request_sent_ns_ = w->Now();
  stage_start_ns_ = w->Now();
  // The read budget (silence) starts with the request: a server that never answers is a read_timeout.
  SetStageDeadline(Stage::kRead, config.read_timeout_s);
}

void Task::SendH2Request() {
  RequestSpec spec;
  BeginRequest(&spec, /*absolute_form=*/false);
  // The stream's events may come back inside Submit only if the connection fails there; then this task
  // has already been told (OnH2Close).
  if (h2_->Submit(spec, target_.https ? "https" : "http", this) == 0 && h2_role_ == H2Role::kStream) {
    FailSoon(ErrorCode::kReadReset, "the HTTP/2 connection takes no more streams");
  }
}

void Task::OnH2Field(std::string_view name, std::string_view value) {
  Worker* w = worker_;
  w->UpdateNow();
  if (!response_started_) {
    response_started_ = true;
    row_.ttfb_ms = NsToMs(w->Now() - request_sent_ns_);
  }
  deadline_stage_ns_ = w->Now() + SecondsToNs(w->config_.read_timeout_s);
  if (!name.empty() && name[0] == ':') return;  // :status comes with OnH2HeadEnd
  parser_.H2Field(name, value);
}

void Task::OnH2HeadEnd(int status, bool end_stream) {
  Worker* w = worker_;
  w->UpdateNow();
  deadline_stage_ns_ = w->Now() + SecondsToNs(w->config_.read_timeout_s);
  switch (parser_.H2HeadEnd(status, end_stream)) {
    case ResponseParser::State::kNeedMore:
      return;
    case ResponseParser::State::kComplete:
      OnResponseComplete();
      return;
    case ResponseParser::State::kError:
      FailAttempt(ErrorCode::kBadResponse, parser_.error_reason());
      return;
  }
}

void Task::OnH2Data(const char* data, size_t len) {
  Worker* w = worker_;
  w->UpdateNow();
  deadline_stage_ns_ = w->Now() + SecondsToNs(w->config_.read_timeout_s);
  if (parser_.H2Body(data, len) == ResponseParser::State::kComplete) OnResponseComplete();
}

void Task::OnH2Close(H2StreamEnd end, uint32_t code) {
  worker_->UpdateNow();
  switch (end) {
    case H2StreamEnd::kComplete:
      if (parser_.H2End() == ResponseParser::State::kComplete) {
        OnResponseComplete();
      } else {
        FailAttempt(ErrorCode::kBadResponse, "HTTP/2 stream ended without a final response");
      }
      return;
    case H2StreamEnd::kRefused:
      if (h2_refused_ < kMaxRefusedStreams) {
        // Not processed by the server: sent again, on another connection after a GOAWAY, and no attempt
        // of its own.
        ++h2_refused_;
        ReleaseH2();
        --row_.attempts;
        StartAttempt();
        return;
      }
      {
        ErrorInfo e = FromH2StreamReset(code);
        FailAttempt(e.code, e.detail);
      }
      return;
    case H2StreamEnd::kReset: {
      ErrorInfo e = FromH2StreamReset(code);
      FailAttempt(e.code, e.detail);
      return;
    }
    case H2StreamEnd::kProtocolError: {
      ErrorInfo e = FromH2ProtocolError(code);
      FailAttempt(e.code, e.detail);
      return;
    }
    case H2StreamEnd::kHeaderListTooLarge:
      static_assert(kMaxH2HeaderListBytes == 65536, "update the text below");
      FailAttempt(ErrorCode::kBadResponse, "response header list larger than 65536 bytes");
      return;
    case H2StreamEnd::kConnectionLost: {
      ErrorInfo e = h2_ != nullptr ? h2_->lost_error() : ErrorInfo{ErrorCode::kReadReset, "connection lost"};
      FailAttempt(e.code, e.detail);
      return;
    }
  }
}

void Task::SendRequest() {
  Worker* w = worker_;
  // Plain http through a proxy uses the absolute form (RFC 9112 section 3.2.2); a tunnel does not.
  const bool absolute_form = ProxyIsHttp() && !target_.https;
  RequestSpec spec;
  BeginRequest(&spec, absolute_form);
  if (absolute_form) {
    ProxyAuthorization(w->config_.method == HttpMethod::kHead ? "HEAD" : "GET", target_.url,
                       &w->proxy_auth_scratch_);
    spec.proxy_authorization = w->proxy_auth_scratch_;
  }
  SerializeRequest(spec, &w->request_scratch_);
  conn_->count_request();
  int rc = conn_->StartReading();
  if (rc == 0) rc = conn_->Write(w->request_scratch_);
  if (rc != 0) {
    ErrorInfo e = conn_->WriteError(rc);
    // Task-owned text: FailSoon reports it on the next loop turn.
    detail_scratch_ = absl::StrCat("error while sending the request: ", e.detail);
    FailSoon(e.code, detail_scratch_.c_str());
  }
}

void Task::OnWritten(Connection*, int status) {
  worker_->UpdateNow();
  if (stage_ == Stage::kProxyConnect) {
    FailProxy(ProxyIsSocks() ? "cannot send the SOCKS5 handshake to proxy" : "cannot send CONNECT to proxy",
              FromUvError(status, IoStage::kWrite).detail);
    return;
  }
  ErrorInfo e = FromUvError(status, stage_ == Stage::kTls ? IoStage::kTlsHandshake : IoStage::kWrite);
  if (e.code == ErrorCode::kWriteError) {
    detail_scratch_ = absl::StrCat("error while sending the request: ", e.detail);
    e.detail = detail_scratch_.c_str();
  }
  FailAttempt(e.code, e.detail);
}

void Task::OnData(Connection*, const char* data, size_t len) {
  Worker* w = worker_;
  w->UpdateNow();
  if (stage_ == Stage::kProxyConnect && ProxyIsSocks()) {
    OnSocksData(data, len);
    return;
  }
  if (stage_ == Stage::kProxyConnect) {
    size_t consumed = 0;
    ResponseParser::State state = parser_.Feed(data, len, &consumed);
    if (state != ResponseParser::State::kNeedMore) OnConnectResponse(state);
    return;
  }
  if (!response_started_) {
    response_started_ = true;
    row_.ttfb_ms = NsToMs(w->Now() - request_sent_ns_);
    if (proxy_ != nullptr) ProxyWorked();
  }
  // Silence budget: moved lazily, the timer re-arms itself when it fires early (no timer call per read).
  deadline_stage_ns_ = w->Now() + SecondsToNs(w->config_.read_timeout_s);
  size_t consumed = 0;
  ResponseParser::State state = parser_.Feed(data, len, &consumed);
  switch (state) {
    case ResponseParser::State::kNeedMore:
      return;
    case ResponseParser::State::kComplete:
      OnResponseComplete();
      return;
    case ResponseParser::State::kError: {
      ErrorInfo e = FromLlhttpError(parser_.error(), parser_.error_reason());
      FailAttempt(e.code, e.detail);
      return;
    }
  }
}

void Task::OnEof(Connection*, bool unclean) {
  worker_->UpdateNow();
  if (stage_ == Stage::kProxyConnect) {
    // A refusal whose page ends with the connection (tinyproxy's HTTP/1.0 407) is complete here.
    if (!ProxyIsSocks() && parser_.Finish() == ResponseParser::State::kComplete) {
      OnConnectResponse(ResponseParser::State::kComplete);
      return;
    }
    FailProxy(ProxyIsSocks() ? "socks5: proxy closed the connection during the handshake"
                             : "proxy closed the connection during CONNECT",
              "connection closed");
    return;
  }
  ResponseParser& parser = parser_;
  ResponseParser::State state = parser.Finish();
  if (state == ResponseParser::State::kComplete) {
    // Under TLS an EOF without close_notify is accepted only where HTTP itself says the response is
    // complete (a close-delimited body has no other end), as browsers do.
    OnResponseComplete();
    return;
  }
  if (parser.bytes_received() == 0 && DiedWhileSending(stage_, response_started_, conn_)) {
    FailAttempt(ErrorCode::kWriteError, "connection closed while sending the request");
    return;
  }
  if (parser.bytes_received() == 0) {
    FailAttempt(unclean ? ErrorCode::kReadReset : ErrorCode::kEmptyResponse,
                unclean ? "TLS connection ended uncleanly before any response byte"
                        : "connection closed before any response byte");
    return;
  }
  if (state == ResponseParser::State::kError && !LlhttpEofIsTruncation(parser.error())) {
    ErrorInfo e = FromLlhttpError(parser.error(), parser.error_reason());
    FailAttempt(e.code, e.detail);
    return;
  }
  FailAttempt(ErrorCode::kReadReset, unclean ? "TLS connection ended uncleanly before the response was complete"
                                             : "connection closed before the response was complete");
}

void Task::OnReadError(Connection*, const ErrorInfo& error) {
  worker_->UpdateNow();
  if (stage_ == Stage::kProxyConnect) {
    FailProxy(ProxyIsSocks() ? "socks5: reading the handshake from proxy" : "reading the answer to CONNECT from proxy",
              error.detail);
    return;
  }
  if (error.code == ErrorCode::kReadReset && DiedWhileSending(stage_, response_started_, conn_)) {
    detail_scratch_ = absl::StrCat("connection reset while sending the request: ", error.detail);
    FailAttempt(ErrorCode::kWriteError, detail_scratch_.c_str());
    return;
  }
  FailAttempt(error.code, error.detail);
}

void Task::FillResponseFields() {
  ResponseParser& p = parser_;
  if (!p.head_complete()) return;
  row_.status = p.status();
  row_.reason.Set(p.reason());
  if (p.http_major() == 2) {
    // HTTP/2 has no reason phrase (RFC 9113 section 8.3.2).
    row_.http_version.Set("2");
    row_.reason.Clear();
  } else if (p.http_major() == 1 && p.http_minor() == 0) {
    row_.http_version.Set("1.0");
  } else if (p.http_major() == 1 && p.http_minor() == 1) {
    row_.http_version.Set("1.1");
  } else {
    row_.http_version.Set(absl::StrCat(p.http_major(), ".", p.http_minor()));
  }
  SetOpt(&row_.location, p.location());
  SetOpt(&row_.content_type, p.content_type());
  SetOpt(&row_.server, p.server());
  row_.content_length = p.content_length();
  // A refused CONNECT's page is read only to keep the connection (a 407 answered on it); the row
  // reports its head.
  if (stage_ != Stage::kProxyConnect) {
    SetOpt(&row_.title, p.title());
    row_.body_bytes = p.body_bytes();
    SetOpt(&row_.body_sha256, p.body_sha256());
  }
  const size_t captures = worker_->config_.extra_columns.header_names.size();
  row_.headers.resize(captures);
  for (size_t i = 0; i < captures; ++i) SetOpt(&row_.headers[i], p.captured(i));
}

void Task::OnResponseComplete() {
  FillResponseFields();
  // 429 Too Many Requests / 503 with Retry-After (RFC 9110 section 10.2.3): this URL's row reports the
  // answer; the host's next requests wait.
  if ((row_.status == 429 || row_.status == 503) && parser_.retry_after().has_value()) {
    worker_->PauseHost(this, SecondsToNs(RetryAfterSeconds(*parser_.retry_after(), RealtimeMicros())));
  }
  // A plain request through a proxy answered 407 is the proxy's refusal (docs/https-proxies-redirects.md,
  // "Proxies"), unless its challenge can be answered (--proxy-auth).
  if (ProxyIsHttp() && !target_.https) {
    if (row_.status == 407) {
      OnProxy407(/*connect=*/false);
      return;
    }
    OnProxyAccepted(/*connect=*/false);
  }
  if (h2_role_ == H2Role::kStream) {
    ReleaseH2();  // a stream cut at --max-body is cancelled (RST_STREAM CANCEL)
  } else {
    ReleaseConnection(parser_.keep_alive());
  }
  if (FollowRedirect()) return;
  Finish();
}

bool Task::FollowRedirect() {
  Worker* w = worker_;
  const Config& config = w->config_;
  if (config.follow <= 0 || !row_.status.has_value() || !IsRedirectStatus(*row_.status) ||
      !row_.location.has_value()) {
    return false;
  }
  const char* detail = "";
  Target& next_target = w->next_target_;
  if (!ResolveRedirect(target_.url, row_.location.view(), &w->redirect_scratch_, &detail)) return false;
  if (!ParseUrl(w->redirect_scratch_, &next_target, &detail)) {
    // A Location we cannot fetch (another scheme, a broken host): the redirect itself is the answer.
    return false;
  }
  // Remember where the chain has been, the URL just fetched included.
  if (visited_count_ == visited_.size()) visited_.emplace_back();
  visited_[visited_count_++].assign(target_.url);
  for (size_t i = 0; i < visited_count_; ++i) {
    if (visited_[i] == next_target.url) {
      row_.error = ErrorCode::kRedirectLoop;
      row_.error_detail.Set(next_target.url);
      return false;
    }
  }
  if (row_.redirects >= config.follow) {
    row_.error = ErrorCode::kTooManyRedirects;
    row_.error_detail.Set(absl::StrCat("more than ", config.follow, " redirects"));
    return false;
  }
  ++row_.redirects;
  const bool same_host = next_target.host == target_.host;
  // The loop's scratch takes the old target, capacity and all: no task keeps a second Target.
  std::swap(target_, next_target);
  retries_used_ = 0;
  --row_.attempts;  // a hop is not a retry: attempts counts 1 + retries used
  if (same_host) {
    StartAttempt();
  } else {
    w->LeaveHostGate(this);
    hop_pending_ = true;
    w->EnterHostGate(this);
  }
  return true;
}

void Task::FailSoon(ErrorCode code, const char* detail) {
  pending_error_ = code;
  pending_detail_ = detail;
  uv_timer_start(&timer_, &Task::OnTimer, 0, 0);
}

void Task::FailAttempt(ErrorCode code, const char* detail) {
  Worker* w = worker_;
  if (dns_request_.pending()) w->resolver_->Cancel(&dns_request_);
  if ((conn_ != nullptr || h2_role_ == H2Role::kStream) && request_sent_) FillResponseFields();
  const bool was_reused = conn_reused_;
  ReleaseH2();
  ReleaseConnection(false);
  // In a --proxy-file pool, a proxy that failed on its own account hands the URL to the next one.
  if (code == ErrorCode::kProxyError && RetryOnNextProxy()) {
    StartAttempt();
    return;
  }
  // A kept-alive connection the server had already closed: not the URL's fault, and no attempt of its own.
  if (was_reused && !response_started_ &&
      (code == ErrorCode::kWriteError || code == ErrorCode::kReadReset || code == ErrorCode::kEmptyResponse)) {
    --row_.attempts;
    no_reuse_ = true;
    StartAttempt();
    return;
  }
  const bool before_response =
      !((code == ErrorCode::kReadReset || code == ErrorCode::kEmptyResponse) && response_started_);
  const uint64_t backoff = kRetryBackoffNs << std::min(retries_used_, 6);
  if (IsTransient(code) && before_response && retries_used_ < w->config_.retries &&
      w->Now() + backoff < deadline_total_ns_) {
    ++retries_used_;
    stage_ = Stage::kBackoff;
    deadline_stage_ns_ = w->Now() + backoff;
    ArmTimer();
    return;
  }
  // --scheme-less with two schemes: a line without one whose first scheme failed before any response is
  // tried once with the second, with retries of its own, within what is left of --timeout.
  if (!row_.status && FailureAllowsSecondScheme(code) && SwitchToSecondScheme(w->config_.scheme_less, &target_)) {
    retries_used_ = 0;
    StartAttempt();
    return;
  }
  row_.error = code;
  row_.error_detail.Set(detail);
  Finish();
}

void Task::SetStageDeadline(Stage stage, double seconds) {
  stage_ = stage;
  deadline_stage_ns_ = worker_->Now() + SecondsToNs(seconds);
  ArmTimer();
}

void Task::ArmTimer() {
  const uint64_t now = worker_->Now();
  const uint64_t deadline = std::min(deadline_total_ns_, deadline_stage_ns_);
  const uint64_t delay_ns = deadline > now ? deadline - now : 0;
  // libuv timers have millisecond resolution: round up so a budget never ends early.
  uv_timer_start(&timer_, &Task::OnTimer, (delay_ns + 999'999) / 1'000'000, 0);
}

void Task::OnTimer(uv_timer_t* timer) {
  Task* task = static_cast<Task*>(timer->data);
  Worker* w = task->worker_;
  w->UpdateNow();
  if (task->pending_error_ != ErrorCode::kNone) {
    ErrorCode code = task->pending_error_;
    task->pending_error_ = ErrorCode::kNone;
    task->FailAttempt(code, task->pending_detail_);
    return;
  }
  const uint64_t now = w->Now();
  const bool total_expired = now >= task->deadline_total_ns_;
  if (task->stage_ == Stage::kBackoff && !total_expired) {
    if (now >= task->deadline_stage_ns_) {
      task->StartAttempt();
    } else {
      task->ArmTimer();
    }
    return;
  }
  const bool stage_expired = now >= task->deadline_stage_ns_;
  if (!total_expired && !stage_expired) {
    task->ArmTimer();  // the read deadline moved on since the timer was armed
    return;
  }
  // When several budgets could apply, the one that ran out first names the error (docs/errors.md).
  ErrorCode code = ErrorCode::kTimeout;
  const char* detail = "the --timeout budget ran out";
  if (stage_expired && task->deadline_stage_ns_ < task->deadline_total_ns_) {
    switch (task->stage_) {
      case Stage::kDns:
        // For socks5:// the first lookup is the origin's own: its words are the direct ones.
        code = task->proxy_ != nullptr && !task->resolving_origin_ ? ErrorCode::kProxyError : ErrorCode::kDnsTimeout;
        detail = code == ErrorCode::kProxyError ? "no DNS answer for the proxy within --dns-timeout"
                                                : "no DNS answer within --dns-timeout";
        break;
      case Stage::kConnect:
        code = task->proxy_ != nullptr ? ErrorCode::kProxyError : ErrorCode::kConnectTimeout;
        detail = task->proxy_ != nullptr ? "no connection to the proxy within --connect-timeout"
                                         : "no connection within --connect-timeout";
        break;
      case Stage::kProxyConnect:
        code = ErrorCode::kProxyError;
        detail = task->ProxyIsSocks() ? "no SOCKS5 handshake from the proxy within --connect-timeout"
                 : task->conn_ != nullptr && task->conn_->proxy_tls_handshaking()
                     ? "no TLS handshake with the proxy within --connect-timeout"
                     : "no answer to CONNECT from the proxy within --connect-timeout";
        break;
      case Stage::kTls:
        code = ErrorCode::kTlsTimeout;
        detail = "TLS handshake not finished within --connect-timeout";
        break;
      case Stage::kRead:
        code = ErrorCode::kReadTimeout;
        detail = "no response bytes within --read-timeout";
        break;
      default:
        break;
    }
  }
  // The proxy's own stages ran out: the proxy's fault, for a pool's health.
  if (code == ErrorCode::kProxyError) task->proxy_fault_ = true;
  if (task->stage_ == Stage::kQueued) {
    w->RemoveFromHostGate(task);
  }
  task->FailAttempt(code, detail);
}

void Task::ReleaseConnection(bool reusable) {
  if (conn_ == nullptr) return;
  Connection* c = conn_;
  conn_ = nullptr;
  conn_reused_ = false;
  c->Detach();
  if (reusable && !worker_->shutting_down_) {
    worker_->PutIdle(c);
  } else {
    c->Close();
  }
}

void Task::Finish() {
  Worker* w = worker_;
  if (dns_request_.pending()) w->resolver_->Cancel(&dns_request_);
  ReleaseH2();
  ReleaseConnection(false);
  uv_timer_stop(&timer_);
  if (start_ns_ != 0) row_.total_ms = NsToMs(w->Now() - start_ns_);
  stage_ = Stage::kFree;
  if (gate_ != nullptr) w->LeaveHostGate(this);
  w->EmitRow(&row_);
  w->TaskFinished(this);  // nothing may follow: the task may be reused at once
}

}  // namespace urlsweep
