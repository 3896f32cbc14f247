// The only place where foreign error codes become the error words (STYLE.md rule 7). Each mapping is a
// switch over the foreign library's own constants, table-tested in tests/core/error_map_test.cc.
#include "core/error_map.h"

#include <ares.h>
#include <llhttp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <uv.h>

namespace urlsweep {
namespace {

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

bool IsSslReason(unsigned long err_get_error, int reason) {
  return ERR_GET_LIB(err_get_error) == ERR_LIB_SSL && ERR_GET_REASON(err_get_error) == reason;
}

}  // namespace


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
      // c-ares' word for "no server answered usably": a dead resolver, dns_timeout in docs/errors.md.
      return {ErrorCode::kDnsTimeout, "could not contact the DNS server"};
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

bool LlhttpEofIsTruncation(int llhttp_errno) {
  switch (llhttp_errno) {
    case HPE_OK:
    case HPE_INVALID_EOF_STATE:
      return true;
    default:
      return false;
  }
}

ErrorInfo FromSslError(int ssl_get_error, unsigned long err_get_error, IoStage stage) {
  switch (ssl_get_error) {
    case SSL_ERROR_NONE:
      return {ErrorCode::kNone, ""};
    case SSL_ERROR_ZERO_RETURN:
      // A clean close_notify is only a failure when the caller still needed bytes: the peer hung up.
      return {ResetAt(stage), "TLS connection closed by the peer"};
    case SSL_ERROR_SYSCALL:
      // Over memory BIOs no syscall fails: this is the transport ending without a TLS close.
      return {ResetAt(stage), "connection closed without a TLS close"};
    case SSL_ERROR_SSL:
      break;
    default:
      // WANT_READ/WANT_WRITE and the like are not failures; a caller that gives up on one (its budget
      // ran out first) names the error itself. Never report kNone for a connection that failed.
      return {ResetAt(stage), "TLS stopped while waiting for the peer"};
  }
  // ERR_reason_error_string returns static text owned by OpenSSL, or nullptr for an unknown code.
  const char* reason = err_get_error != 0 ? ERR_reason_error_string(err_get_error) : nullptr;
  if (reason == nullptr) reason = "TLS protocol error";
  if (IsSslUnexpectedEof(ssl_get_error, err_get_error)) {
    // OpenSSL 3 reports a transport EOF without close_notify as this SSL_ERROR_SSL (openssl #11735,
    // #17004): after the handshake it is a truncated response, read_reset.
    return {ResetAt(stage), reason};
  }
  if (IsSslVerifyFailure(err_get_error)) {
    // Only fatal under --tls-verify strict (the other modes verify without failing the handshake).
    return {ErrorCode::kTlsVerify, reason};
  }
  switch (stage) {
    case IoStage::kConnect:
    case IoStage::kTlsHandshake:
      return {ErrorCode::kTlsError, reason};
    case IoStage::kWrite:
      return {ErrorCode::kWriteError, reason};
    case IoStage::kRead:
      // A fatal alert or a corrupt record once the exchange has started: TLS ended uncleanly.
      return {ErrorCode::kReadReset, reason};
  }
  return {ErrorCode::kTlsError, reason};
}

bool IsSslUnexpectedEof(int ssl_get_error, unsigned long err_get_error) {
  if (ssl_get_error == SSL_ERROR_SYSCALL) return true;
  return ssl_get_error == SSL_ERROR_SSL &&
         IsSslReason(err_get_error, SSL_R_UNEXPECTED_EOF_WHILE_READING);
}

bool IsSslVerifyFailure(unsigned long err_get_error) {
  return IsSslReason(err_get_error, SSL_R_CERTIFICATE_VERIFY_FAILED);
}

unsigned long SslVerifyFailureCode() { return ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED); }

const char* TlsVerifyWord(long x509_verify_result) {
  switch (x509_verify_result) {
    case X509_V_OK:
      return "ok";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not_yet_valid";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return "self_signed";
    // No path to a trusted root: the issuer is missing (the server left out its intermediate, or the
    // root is unknown), or the chain ends in a root that is not trusted, or trust was refused.
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return "untrusted";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "hostname_mismatch";
    case X509_V_ERR_CERT_REVOKED:
      return "revoked";
    default:
      return "invalid";
  }
}

const char* TlsVerifyDetail(long x509_verify_result) {
  // Static text for every code, "unknown certificate verification error" for one OpenSSL lacks.
  return X509_verify_cert_error_string(x509_verify_result);
}

const char* H2ErrorName(uint32_t h2_error_code) {
  switch (h2_error_code) {
    case NGHTTP2_NO_ERROR: return "NO_ERROR";
    case NGHTTP2_PROTOCOL_ERROR: return "PROTOCOL_ERROR";
    case NGHTTP2_INTERNAL_ERROR: return "INTERNAL_ERROR";
    case NGHTTP2_FLOW_CONTROL_ERROR: return "FLOW_CONTROL_ERROR";
    case NGHTTP2_SETTINGS_TIMEOUT: return "SETTINGS_TIMEOUT";
    case NGHTTP2_STREAM_CLOSED: return "STREAM_CLOSED";
    case NGHTTP2_FRAME_SIZE_ERROR: return "FRAME_SIZE_ERROR";
    case NGHTTP2_REFUSED_STREAM: return "REFUSED_STREAM";
    case NGHTTP2_CANCEL: return "CANCEL";
    case NGHTTP2_COMPRESSION_ERROR: return "COMPRESSION_ERROR";
    case NGHTTP2_CONNECT_ERROR: return "CONNECT_ERROR";
    case NGHTTP2_ENHANCE_YOUR_CALM: return "ENHANCE_YOUR_CALM";
    case NGHTTP2_INADEQUATE_SECURITY: return "INADEQUATE_SECURITY";
    case NGHTTP2_HTTP_1_1_REQUIRED: return "HTTP_1_1_REQUIRED";
    default: return "unknown HTTP/2 error code";
  }
}

ErrorInfo FromH2StreamReset(uint32_t h2_error_code) { return {ErrorCode::kReadReset, H2ErrorName(h2_error_code)}; }

ErrorInfo FromH2ProtocolError(uint32_t h2_error_code) {
  return {ErrorCode::kBadResponse, H2ErrorName(h2_error_code)};
}

bool H2CodeIsRefused(uint32_t h2_error_code) { return h2_error_code == NGHTTP2_REFUSED_STREAM; }

uint32_t H2CodeOfNghttp2Error(int nghttp2_error) {
  switch (nghttp2_error) {
    case NGHTTP2_ERR_FLOW_CONTROL:
      return NGHTTP2_FLOW_CONTROL_ERROR;
    case NGHTTP2_ERR_HEADER_COMP:
      return NGHTTP2_COMPRESSION_ERROR;
    case NGHTTP2_ERR_FRAME_SIZE_ERROR:
      return NGHTTP2_FRAME_SIZE_ERROR;
    case NGHTTP2_ERR_SETTINGS_EXPECTED:
      return NGHTTP2_PROTOCOL_ERROR;
    case NGHTTP2_ERR_NOMEM:
    case NGHTTP2_ERR_CALLBACK_FAILURE:
      return NGHTTP2_INTERNAL_ERROR;
    default:
      return NGHTTP2_PROTOCOL_ERROR;
  }
}

}  // namespace urlsweep
