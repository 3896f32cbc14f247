// Task's answers to a proxy's 407 (--proxy-auth): the Proxy-Authorization of each message, the request
// or CONNECT sent again when the challenge can be answered, and the row's proxy_auth column. The
// decisions are the loop's ProxyAuthenticator's (scanner/proxy_authenticator.h); this file moves the
// task along them. The same class as scanner/task.cc.
#include <string>
#include <string_view>

#include "core/errors.h"
#include "http/proxy_auth.h"
#include "scanner/task.h"
#include "scanner/worker.h"

namespace urlsweep {

void Task::ProxyAuthorization(std::string_view method, std::string_view uri, std::string* out) {
  out->clear();
  if (proxy_ == nullptr) return;
  worker_->proxy_auth_.Authorization(*proxy_, method, uri, conn_ != nullptr && conn_->proxy_ntlm(),
                                     &proxy_exchange_, out);
}

void Task::OnProxy407(bool connect) {
  Worker* w = worker_;
  std::string& offered = w->proxy_auth_scratch_;
  const ProxyAuthenticator::Verdict verdict = w->proxy_auth_.On407(
      *proxy_, parser_.proxy_authenticate().value_or(std::string_view()), parser_.keep_alive(),
      &proxy_exchange_, &offered);
  switch (verdict) {
    case ProxyAuthenticator::Verdict::kRetry:
      // The 407 was read whole and the connection stays open: the same request again, with the
      // answer to its challenge. Not another attempt: the URL's answer is still to come.
      response_started_ = false;
      if (connect) {
        SendConnect();
      } else {
        SendRequest();
      }
      return;
    case ProxyAuthenticator::Verdict::kRetryFresh:
      // The proxy closes this connection after its 407: a new one (or an idle one to the proxy).
      ReleaseConnection(false);
      response_started_ = false;
      request_sent_ = false;
      StartConnect();
      return;
    case ProxyAuthenticator::Verdict::kRejected:
      break;
  }
  SetProxyAuthColumn(offered);
  if (connect) {
    FailAttempt(ErrorCode::kProxyAuthRequired, "the proxy requires authentication (407)");
    return;
  }
  // A plain request's 407 is the proxy's own answer, read like any (its page is the row's).
  ReleaseConnection(parser_.keep_alive());
  row_.error = ErrorCode::kProxyAuthRequired;
  row_.error_detail.Set("the proxy requires authentication (407)");
  Finish();  // nothing may follow
}

void Task::OnProxyAccepted(bool connect) {
  const ProxyAuthScheme scheme = ProxyAuthenticator::Accepted(proxy_exchange_, conn_->proxy_ntlm());
  // A tunnel keeps the scheme that opened it, for the rows of the requests that reuse it; a plain
  // connection keeps only NTLM's, which authenticated the connection itself.
  if (connect || scheme == ProxyAuthScheme::kNtlm) conn_->set_proxy_auth(scheme);
  SetProxyAuthColumn(ProxyAuthSchemeName(scheme));
}

void Task::SetProxyAuthColumn(std::string_view words) {
  if (words.empty()) {
    row_.proxy_auth.Clear();
  } else {
    row_.proxy_auth.Set(words);
  }
}

}  // namespace urlsweep
