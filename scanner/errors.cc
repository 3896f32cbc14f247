// The only place where foreign error codes become contract words (STYLE.md rule 7). Each mapping is a
// switch over the foreign library's own constants, table-tested in tests/scanner/errors_test.cc.
#include "scanner/errors.h"

#include <ares.h>
#include <llhttp.h>
#include <uv.h>

#include <array>

namespace urlsweep {
namespace {

constexpr std::array<std::string_view, kErrorCodeCount> kErrorNames = {
#define URLSWEEP_ERROR_NAME(name, word) std::string_view(word),
    URLSWEEP_ERROR_CODES(URLSWEEP_ERROR_NAME)
#undef URLSWEEP_ERROR_NAME
};

// The word for a reset, refusal or silence depends on where in the exchange it happened.
ErrorCode ResetAt(IoStage stage) {
  switch (stage) {
    case IoStage::kConnect:
    case IoStage::kTlsHandshake:
      return ErrorCode::kConnectReset;
    case IoStage::kWrite:
      return ErrorCode::kWriteError;
    case IoStage::kRead:
      return ErrorCode::kReadReset;
  }
  return ErrorCode::kReadReset;
}

}  // namespace

std::string_view ErrorName(ErrorCode code) {
  size_t i = static_cast<size_t>(code);
  return i < kErrorNames.size() ? kErrorNames[i] : std::string_view("invalid");
}

bool ErrorFromName(std::string_view word, ErrorCode* code) {
  if (word.empty()) return false;
  for (size_t i = 0; i < kErrorNames.size(); ++i) {
    if (kErrorNames[i] == word) {
      *code = static_cast<ErrorCode>(i);
      return true;
    }
  }
  return false;
}

bool IsTransient(ErrorCode code) {
  switch (code) {
    case ErrorCode::kDnsTimeout:
    case ErrorCode::kDnsServfail:
    case ErrorCode::kConnectTimeout:
    case ErrorCode::kConnectReset:
    case ErrorCode::kTlsTimeout:
    case ErrorCode::kReadReset:
    case ErrorCode::kEmptyResponse:
      return true;
    default:
      return false;
  }
}

ErrorInfo FromUvError(int uv_status, IoStage stage) {
  // uv_strerror returns static text for every known code, so the detail never allocates.
  const char* detail = uv_strerror(uv_status);
  switch (uv_status) {
    case UV_ECONNREFUSED:
      // A refusal is only meaningful while connecting; later it can only be a reset by another name.
      return {stage == IoStage::kConnect ? ErrorCode::kConnectRefused : ResetAt(stage), detail};
    case UV_ETIMEDOUT:
      // The kernel's own TCP timeout (retransmissions exhausted), not one of our budgets.
      return {stage == IoStage::kRead ? ErrorCode::kReadTimeout
                                      : (stage == IoStage::kWrite ? ErrorCode::kWriteError
                                                                  : ErrorCode::kConnectTimeout),
              detail};
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
    case UV_EADDRNOTAVAIL:
    case UV_ENETDOWN:
    case UV_EHOSTDOWN:
    case UV_EAFNOSUPPORT:
      if (stage == IoStage::kConnect) return {ErrorCode::kConnectUnreachable, detail};
      return {ResetAt(stage), detail};
    case UV_ECONNRESET:
    case UV_ECONNABORTED:
      return {ResetAt(stage), detail};
    case UV_EPIPE:
      // The peer closed its side while we were still sending the request.
      return {stage == IoStage::kRead ? ErrorCode::kReadReset : ResetAt(stage), detail};
    case UV_EOF:
      return {stage == IoStage::kRead ? ErrorCode::kReadReset : ResetAt(stage), "connection closed"};
    default:
      break;
  }
  switch (stage) {
    case IoStage::kConnect:
      return {ErrorCode::kConnectUnreachable, detail};
    case IoStage::kTlsHandshake:
      return {ErrorCode::kTlsError, detail};
    case IoStage::kWrite:
      return {ErrorCode::kWriteError, detail};
    case IoStage::kRead:
      return {ErrorCode::kReadReset, detail};
  }
  return {ErrorCode::kReadReset, detail};
}

ErrorInfo FromAresStatus(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return {ErrorCode::kNone, ""};
    case ARES_ENOTFOUND:
      return {ErrorCode::kDnsNxdomain, "name does not exist (NXDOMAIN)"};
    case ARES_ENODATA:
      return {ErrorCode::kDnsNodata, "name has no A or AAAA record"};
    case ARES_ESERVFAIL:
      return {ErrorCode::kDnsServfail, "server failure (SERVFAIL)"};
    case ARES_ETIMEOUT:
      return {ErrorCode::kDnsTimeout, "no answer from the DNS server"};
    case ARES_EREFUSED:
      return {ErrorCode::kDnsError, "query refused (REFUSED)"};
    case ARES_EBADRESP:
      return {ErrorCode::kDnsError, "malformed DNS reply"};
    case ARES_ECONNREFUSED:
      return {ErrorCode::kDnsError, "could not contact the DNS server"};
    case ARES_EFORMERR:
      return {ErrorCode::kDnsError, "server could not interpret the query (FORMERR)"};
    case ARES_ENOTIMP:
      return {ErrorCode::kDnsError, "query type not implemented (NOTIMP)"};
    case ARES_EBADNAME:
      return {ErrorCode::kDnsError, "name cannot be queried"};
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return {ErrorCode::kDnsError, "lookup cancelled"};
    default:
      return {ErrorCode::kDnsError, ares_strerror(ares_status)};
  }
}

ErrorInfo FromLlhttpError(int llhttp_errno, const char* reason) {
  // Whatever llhttp rejects, the server sent bytes that are not HTTP/1.x (or too many of them).
  const char* detail = reason != nullptr && reason[0] != '\0'
                           ? reason
                           : llhttp_errno_name(static_cast<llhttp_errno_t>(llhttp_errno));
  return {ErrorCode::kBadResponse, detail};
}

}  // namespace urlsweep
