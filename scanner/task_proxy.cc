// Task's proxy stage: the CONNECT tunnel through an HTTP proxy and the answer to it, the SOCKS5
// handshake (RFC 1928, RFC 1929), the proxy's credentials and the proxy_error rows. The same class as scanner/task.cc, in a file of its own so the
// proxy kinds grow here and not in the task's main path.
#include "scanner/task.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/error_map.h"
#include "http/proxy_auth.h"
#include "http/request.h"
#include "http/socks5.h"
#include "scanner/worker.h"

namespace urlsweep {

void Task::FailProxy(const char* what, const char* detail) {
  proxy_fault_ = true;
  detail_scratch_ = absl::StrCat(what, " ", proxy_->host, ":", proxy_->port, ": ", detail);
  FailAttempt(ErrorCode::kProxyError, detail_scratch_.c_str());
}

void Task::SendConnect() {
  Worker* w = worker_;
  const Config& config = w->config_;
  stage_ = Stage::kProxyConnect;  // still inside the --connect-timeout budget
  // CONNECT names the origin as host:port, always with the port (RFC 9110 section 9.3.6).
  detail_scratch_.assign(target_.host_column());
  detail_scratch_.push_back(':');
  absl::StrAppend(&detail_scratch_, target_.port);
  ProxyAuthorization("CONNECT", detail_scratch_, &w->proxy_auth_scratch_);
  SerializeConnect(detail_scratch_, config.user_agent, w->proxy_auth_scratch_, &w->request_scratch_);
  // A 2xx answer to CONNECT has no body; a refusal's body is read (not reported), so that a 407 leaves
  // the connection usable for the answer to its challenge.
  parser_.SetExtraColumns(&config.extra_columns);
  parser_.Reset(/*head_request=*/false, kMaxProxyRefusalBodyBytes, /*connect_request=*/true);
  request_sent_ = true;
  int rc = conn_->StartReading();
  if (rc == 0) rc = conn_->Write(w->request_scratch_);
  if (rc != 0) {
    ErrorInfo e = conn_->WriteError(rc);  // OpenSSL's reason inside an https:// proxy's TLS
    detail_scratch_ = absl::StrCat("writing CONNECT to proxy: ", e.detail);
    proxy_fault_ = true;
    FailSoon(ErrorCode::kProxyError, detail_scratch_.c_str());
  }
}

void Task::OnConnectResponse(ResponseParser::State state) {
  ResponseParser& p = parser_;
  if (state == ResponseParser::State::kError) {
    FailProxy("malformed answer to CONNECT from proxy", p.error_reason());
    return;
  }
  const int status = p.status();
  if (status >= 200 && status < 300) {
    // Tunnel open: what follows is the origin's TLS, and the row reports the origin's answer.
    request_sent_ = false;
    ProxyWorked();
    OnProxyAccepted(/*connect=*/true);
    StartTls();
    return;
  }
  FillResponseFields();
  if (status == 407) {
    OnProxy407(/*connect=*/true);
    return;
  }
  // Refused for another reason than credentials: those it was sent passed (no 407).
  SetProxyAuthColumn(ProxyAuthSchemeName(proxy_exchange_.sent));
  detail_scratch_ = absl::StrCat("proxy ", proxy_->host, ":", proxy_->port, " refused CONNECT with ", status);
  FailAttempt(ErrorCode::kProxyError, detail_scratch_.c_str());
}

void Task::OnOriginResolved(const DnsResult& result, ErrorInfo e) {
  Worker* w = worker_;
  // The origin's own lookup: its errors and --exclude are the direct ones, as without a proxy.
  if (e.code == ErrorCode::kNone && result.flagged) {
    FailSoon(ErrorCode::kExcluded, "an address of the host matches an --exclude entry");
    return;
  }
  bool found = false;
  for (int i = 0; e.code == ErrorCode::kNone && i < result.address_count && !found; ++i) {
    found = IpAddressFromSockaddr(reinterpret_cast<const sockaddr*>(&result.addresses[i]), &socks_origin_);
  }
  if (e.code == ErrorCode::kNone && !found) e = {ErrorCode::kDnsNodata, "name has no A or AAAA record"};
  if (e.code == ErrorCode::kDnsNodata && w->config_.ip_version != IpVersion::kAny) {
    e.detail = NoAddressDetail(w->config_.ip_version);
  }
  if (e.code != ErrorCode::kNone) {
    FailAttempt(e.code, e.detail);
    return;
  }
  ResolveEndpoint();
}

void Task::WriteProxyBytes(const char* what) {
  Worker* w = worker_;
  int rc = conn_->StartReading();
  if (rc == 0) rc = conn_->Write(w->request_scratch_);
  if (rc != 0) {
    ErrorInfo e = FromUvError(rc, IoStage::kWrite);
    detail_scratch_ = absl::StrCat(what, ": ", e.detail);
    proxy_fault_ = true;
    FailSoon(ErrorCode::kProxyError, detail_scratch_.c_str());
  }
}

void Task::SendSocksGreeting() {
  Worker* w = worker_;
  stage_ = Stage::kProxyConnect;  // the whole handshake is inside the --connect-timeout budget
  request_sent_ = false;
  socks_.Expect(Socks5Reader::Message::kMethod);
  SerializeSocksGreeting(proxy_->has_credentials, &w->request_scratch_);
  WriteProxyBytes("socks5: writing the greeting to the proxy");
}

void Task::SendSocksConnect() {
  Worker* w = worker_;
  socks_.Expect(Socks5Reader::Message::kConnect);
  if (proxy_->kind == ProxyKind::kSocks5h) {
    // The name as the URL holds it (punycode for IDN); the proxy resolves it. ParseUrl bounds a
    // name to 253 characters, so it always fits the one-byte length.
    IpAddress literal;
    if (ParseIpLiteral(target_.host, &literal)) {
      SerializeSocksConnectAddress(literal, target_.port, &w->request_scratch_);
    } else if (!SerializeSocksConnectDomain(target_.host, target_.port, &w->request_scratch_)) {
      FailSoon(ErrorCode::kProxyError, "socks5: the host name is too long for SOCKS5");
      return;
    }
  } else {
    SerializeSocksConnectAddress(socks_origin_, target_.port, &w->request_scratch_);
  }
  WriteProxyBytes("socks5: writing CONNECT to the proxy");
}

void Task::FailSocksAuth(const char* detail) {
  // proxy_auth = socks5 (the proxy_auth column): the scheme the proxy asked for.
  row_.proxy_auth.Set("socks5");
  FailAttempt(ErrorCode::kProxyAuthRequired, detail);
}

void Task::OnSocksData(const char* data, size_t len) {
  Worker* w = worker_;
  while (len > 0) {
    size_t used = 0;
    const Socks5Reader::State state = socks_.Feed(data, len, &used);
    data += used;
    len -= used;
    if (state == Socks5Reader::State::kNeedMore) return;
    if (state == Socks5Reader::State::kError) {
      FailProxy("socks5: malformed answer from proxy", socks_.error());
      return;
    }
    const uint8_t value = socks_.value();
    switch (socks_.message()) {
      case Socks5Reader::Message::kMethod:
        if (value == kSocksMethodNone) {
          SendSocksConnect();
        } else if (value == kSocksMethodUserPass && proxy_->has_credentials) {
          conn_->socks_user_pass = true;
          row_.proxy_auth.Set("socks5");
          socks_.Expect(Socks5Reader::Message::kAuth);
          // ParseProxyUrl bounds both to 255 bytes.
          SerializeSocksUserPass(proxy_->user, proxy_->password, &w->request_scratch_);
          WriteProxyBytes("socks5: writing the credentials to the proxy");
        } else if (value == kSocksMethodNoneAcceptable) {
          FailSocksAuth(proxy_->has_credentials
                            ? "socks5: the proxy accepts none of the offered authentication methods"
                            : "socks5: the proxy requires authentication (no credentials given)");
        } else {
          FailProxy("socks5: proxy", "chose an authentication method that was not offered");
        }
        return;
      case Socks5Reader::Message::kAuth:
        if (value != 0) {
          FailSocksAuth("socks5: the proxy rejected the user name or password");
          return;
        }
        SendSocksConnect();
        return;
      case Socks5Reader::Message::kConnect:
        if (value != 0) {
          // The proxy is alive and answered for the origin: its reply, in RFC 1928's words.
          detail_scratch_ = absl::StrCat("socks5: ", SocksReplyText(value));
          FailAttempt(ErrorCode::kProxyError, detail_scratch_.c_str());
          return;
        }
        if (len > 0) {
          // Nothing was sent through the tunnel yet, so the origin cannot have spoken.
          FailProxy("socks5: proxy", "sent bytes after its CONNECT reply");
          return;
        }
        // Tunnel open: from here on the connection is the origin's, as if connected directly.
        ProxyWorked();
        if (target_.https) {
          StartTls();
        } else {
          SendRequest();
        }
        return;
    }
  }
}

void Task::OnProxyTlsDone(Connection*, const ErrorInfo* error) {
  worker_->UpdateNow();
  if (error != nullptr) {
    // The proxy's TLS (its certificate included) is the proxy's failure, never the origin's tls_* words.
    FailProxy("TLS with proxy", error->detail);
    return;
  }
  AfterProxyReached();
}

void Task::AfterProxyReached() {
  if (target_.https) {
    SendConnect();
  } else {
    SendRequest();
  }
}

bool Task::PickProxy() {
  Worker* w = worker_;
  ProxyPool* pool = w->shared_.proxy_pool;
  if (pool == nullptr) {
    proxy_ = ProxyFor(w->config_, target_.https, target_.host);
    return true;
  }
  const size_t start = pool_next_ ? static_cast<size_t>(pool_index_) + 1 : pool->FirstChoice(target_.host);
  pool_next_ = false;
  const int index = pool->Pick(start, w->Now());
  if (index < 0) {
    proxy_ = nullptr;
    pool_index_ = -1;
    FailSoon(ErrorCode::kProxyError, "every proxy of --proxy-file is resting after failing 3 times in a row");
    return false;
  }
  pool_index_ = static_cast<int16_t>(index);
  proxy_ = &pool->at(index);
  return true;
}

void Task::ProxyWorked() {
  ProxyPool* pool = worker_->shared_.proxy_pool;
  if (pool != nullptr && pool_index_ >= 0) pool->Succeeded(pool_index_);
}

bool Task::RetryOnNextProxy() {
  Worker* w = worker_;
  ProxyPool* pool = w->shared_.proxy_pool;
  if (pool == nullptr || pool_index_ < 0 || !proxy_fault_) return false;
  pool->Failed(pool_index_, w->Now());
  // Once a response byte came, the proxy did its part; and every proxy is tried at most once per URL.
  if (response_started_ || pool_tries_ + 1 >= static_cast<int>(std::min<size_t>(pool->size(), 255))) return false;
  if (w->Now() >= deadline_total_ns_) return false;
  ++pool_tries_;
  pool_next_ = true;
  return true;
}

}  // namespace urlsweep
