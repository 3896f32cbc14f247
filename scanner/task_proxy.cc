// Task's proxy stage: the CONNECT tunnel through an HTTP proxy, the answer to it, the proxy's
// credentials and the proxy_error rows. The same class as scanner/task.cc, in a file of its own so the
// proxy kinds grow here and not in the task's main path.
#include "scanner/task.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/error_map.h"
#include "http/request.h"
#include "scanner/worker.h"

namespace urlsweep {

void Task::FailProxy(const char* what, const char* detail) {
  detail_scratch_ = absl::StrCat(what, " ", proxy_->host, ":", proxy_->port, ": ", detail);
  FailAttempt(ErrorCode::kProxyError, detail_scratch_.c_str());
}

void Task::SendConnect() {
  Worker* w = worker_;
  const Config& config = w->config_;
  stage_ = Stage::kProxyConnect;  // still inside the --connect-timeout budget
  ProxyAuthorization(&w->proxy_auth_scratch_);
  // CONNECT names the origin as host:port, always with the port (RFC 9110 section 9.3.6).
  detail_scratch_.assign(target_.host_column());
  detail_scratch_.push_back(':');
  absl::StrAppend(&detail_scratch_, target_.port);
  SerializeConnect(detail_scratch_, config.user_agent, w->proxy_auth_scratch_, &w->request_scratch_);
  // A 2xx answer to CONNECT has no body: parse it like a HEAD response.
  parser_.Reset(/*head_request=*/true, 0);
  request_sent_ = true;
  int rc = conn_->StartReading();
  if (rc == 0) rc = conn_->Write(w->request_scratch_);
  if (rc != 0) {
    ErrorInfo e = FromUvError(rc, IoStage::kWrite);
    detail_scratch_ = absl::StrCat("writing CONNECT to proxy: ", e.detail);
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
    StartTls();
    return;
  }
  FillResponseFields();
  if (status == 407) {
    FailAttempt(ErrorCode::kProxyAuthRequired, "the proxy requires authentication (407)");
    return;
  }
  detail_scratch_ = absl::StrCat("proxy ", proxy_->host, ":", proxy_->port, " refused CONNECT with ", status);
  FailAttempt(ErrorCode::kProxyError, detail_scratch_.c_str());
}

void Task::ProxyAuthorization(std::string* out) const {
  out->clear();
  if (proxy_ != nullptr && proxy_->has_credentials) *out = BasicAuthorization(proxy_->user, proxy_->password);
}

}  // namespace urlsweep
