// The error map is the one place foreign codes become error words (docs/errors.md): every mapping is
// pinned here.
#include "core/error_map.h"
#include "core/errors.h"

#include <ares.h>
#include <gtest/gtest.h>
#include <llhttp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <uv.h>

#include <set>
#include <string>

namespace urlsweep {
namespace {

TEST(ErrorNames, AreTheContractWordsInOrder) {
  const char* expected[] = {"",
                            "invalid_url",
                            "excluded",
                            "dns_nxdomain",
                            "dns_nodata",
                            "dns_servfail",
                            "dns_timeout",
                            "dns_error",
                            "connect_refused",
                            "connect_timeout",
                            "connect_unreachable",
                            "connect_reset",
                            "tls_error",
                            "tls_timeout",
                            "tls_verify",
                            "proxy_auth_required",
                            "proxy_error",
                            "write_error",
                            "read_timeout",
                            "read_reset",
                            "empty_response",
                            "bad_response",
                            "redirect_loop",
                            "too_many_redirects",
                            "timeout"};
  ASSERT_EQ(std::size(expected), static_cast<size_t>(kErrorCodeCount));
  for (int i = 0; i < kErrorCodeCount; ++i) {
    EXPECT_EQ(ErrorName(static_cast<ErrorCode>(i)), expected[i]) << i;
  }
}

TEST(ErrorNames, RoundTrip) {
  for (int i = 1; i < kErrorCodeCount; ++i) {
    ErrorCode code;
    ASSERT_TRUE(ErrorFromName(ErrorName(static_cast<ErrorCode>(i)), &code));
    EXPECT_EQ(static_cast<int>(code), i);
  }
  ErrorCode code;
  EXPECT_FALSE(ErrorFromName("", &code));
  EXPECT_FALSE(ErrorFromName("dns_Nxdomain", &code));
}

TEST(Transient, IsExactlyTheContractList) {
  std::set<ErrorCode> transient = {ErrorCode::kDnsTimeout,     ErrorCode::kDnsServfail,
                                   ErrorCode::kConnectTimeout, ErrorCode::kConnectReset,
                                   ErrorCode::kTlsTimeout,     ErrorCode::kReadReset,
                                   ErrorCode::kEmptyResponse};
  for (int i = 0; i < kErrorCodeCount; ++i) {
    auto code = static_cast<ErrorCode>(i);
    EXPECT_EQ(IsTransient(code), transient.count(code) == 1) << ErrorName(code);
  }
}

struct UvCase {
  int uv;
  IoStage stage;
  ErrorCode want;
};

TEST(FromUvError, MapsByStage) {
  const UvCase cases[] = {
      {UV_ECONNREFUSED, IoStage::kConnect, ErrorCode::kConnectRefused},
      {UV_ETIMEDOUT, IoStage::kConnect, ErrorCode::kConnectTimeout},
      {UV_ENETUNREACH, IoStage::kConnect, ErrorCode::kConnectUnreachable},
      {UV_EHOSTUNREACH, IoStage::kConnect, ErrorCode::kConnectUnreachable},
      {UV_EADDRNOTAVAIL, IoStage::kConnect, ErrorCode::kConnectUnreachable},
      {UV_ECONNRESET, IoStage::kConnect, ErrorCode::kConnectReset},
      {UV_ECONNRESET, IoStage::kTlsHandshake, ErrorCode::kConnectReset},
      {UV_ECONNRESET, IoStage::kWrite, ErrorCode::kWriteError},
      {UV_EPIPE, IoStage::kWrite, ErrorCode::kWriteError},
      {UV_ECONNRESET, IoStage::kRead, ErrorCode::kReadReset},
      {UV_ETIMEDOUT, IoStage::kRead, ErrorCode::kReadTimeout},
      {UV_EOF, IoStage::kRead, ErrorCode::kReadReset},
      {UV_EMFILE, IoStage::kConnect, ErrorCode::kConnectUnreachable},
      {UV_EIO, IoStage::kRead, ErrorCode::kReadReset},
  };
  for (const UvCase& c : cases) {
    ErrorInfo e = FromUvError(c.uv, c.stage);
    EXPECT_EQ(e.code, c.want) << uv_err_name(c.uv) << " at stage " << static_cast<int>(c.stage);
    EXPECT_STRNE(e.detail, "");
  }
  EXPECT_STREQ(FromUvError(UV_ECONNREFUSED, IoStage::kConnect).detail, "connection refused");
}

TEST(FromAresStatus, MapsEveryDnsWord) {
  EXPECT_EQ(FromAresStatus(ARES_SUCCESS).code, ErrorCode::kNone);
  EXPECT_EQ(FromAresStatus(ARES_ENOTFOUND).code, ErrorCode::kDnsNxdomain);
  EXPECT_EQ(FromAresStatus(ARES_ENODATA).code, ErrorCode::kDnsNodata);
  EXPECT_EQ(FromAresStatus(ARES_ESERVFAIL).code, ErrorCode::kDnsServfail);
  EXPECT_EQ(FromAresStatus(ARES_ETIMEOUT).code, ErrorCode::kDnsTimeout);
  EXPECT_EQ(FromAresStatus(ARES_EREFUSED).code, ErrorCode::kDnsError);
  EXPECT_EQ(FromAresStatus(ARES_EBADRESP).code, ErrorCode::kDnsError);
  EXPECT_EQ(FromAresStatus(ARES_ECONNREFUSED).code, ErrorCode::kDnsTimeout);
  EXPECT_EQ(FromAresStatus(ARES_ENOMEM).code, ErrorCode::kDnsError);
  EXPECT_STREQ(FromAresStatus(ARES_EREFUSED).detail, "query refused (REFUSED)");
}

TEST(FromLlhttpError, IsBadResponseWithReason) {
  ErrorInfo e = FromLlhttpError(HPE_INVALID_CONSTANT, "Expected HTTP/");
  EXPECT_EQ(e.code, ErrorCode::kBadResponse);
  EXPECT_STREQ(e.detail, "Expected HTTP/");
  e = FromLlhttpError(HPE_USER, "");
  EXPECT_EQ(e.code, ErrorCode::kBadResponse);
  EXPECT_STREQ(e.detail, "HPE_USER");
}

TEST(LlhttpEofIsTruncation, OnlyACutShortMessageIsTruncation) {
  struct Case {
    int llhttp_errno;
    bool truncation;
  };
  const Case cases[] = {
      // llhttp_finish: the peer closed inside a message whose end it knows (Content-Length, chunked).
      {HPE_INVALID_EOF_STATE, true},
      {HPE_OK, true},
      // The bytes before the EOF were already not HTTP/1.x: bad_response, whatever the EOF.
      {HPE_INVALID_CONSTANT, false},
      {HPE_INVALID_STATUS, false},
      {HPE_INVALID_CHUNK_SIZE, false},
      {HPE_UNEXPECTED_CONTENT_LENGTH, false},
      {HPE_USER, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LlhttpEofIsTruncation(c.llhttp_errno), c.truncation)
        << llhttp_errno_name(static_cast<llhttp_errno_t>(c.llhttp_errno));
  }
}

struct SslCase {
  int ssl_error;
  int reason;  // SSL_R_*, 0 for an empty error queue
  IoStage stage;
  ErrorCode want;
  const char* detail;  // nullptr: any non-empty text
};

TEST(FromSslError, MapsByKindAndStage) {
  // ERR_reason_error_string needs libssl's texts, which creating any SSL_CTX loads in the real program.
  ASSERT_EQ(OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr), 1);
  const SslCase cases[] = {
      // Plain HTTP on an https port.
      {SSL_ERROR_SSL, SSL_R_WRONG_VERSION_NUMBER, IoStage::kTlsHandshake, ErrorCode::kTlsError,
       "wrong version number"},
      {SSL_ERROR_SSL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, IoStage::kTlsHandshake, ErrorCode::kTlsError,
       "tlsv1 alert protocol version"},
      {SSL_ERROR_SSL, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, IoStage::kTlsHandshake,
       ErrorCode::kTlsError, "sslv3 alert handshake failure"},
      {SSL_ERROR_SSL, SSL_R_UNSUPPORTED_PROTOCOL, IoStage::kTlsHandshake, ErrorCode::kTlsError,
       "unsupported protocol"},
      {SSL_ERROR_SSL, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, IoStage::kConnect, ErrorCode::kTlsError,
       "sslv3 alert bad certificate"},
      {SSL_ERROR_SSL, 0, IoStage::kTlsHandshake, ErrorCode::kTlsError, "TLS protocol error"},
      // Only fatal under --tls-verify strict.
      {SSL_ERROR_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED, IoStage::kTlsHandshake, ErrorCode::kTlsVerify,
       "certificate verify failed"},
      // The transport ended without close_notify.
      {SSL_ERROR_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING, IoStage::kTlsHandshake,
       ErrorCode::kConnectReset, "unexpected eof while reading"},
      {SSL_ERROR_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING, IoStage::kRead, ErrorCode::kReadReset,
       "unexpected eof while reading"},
      {SSL_ERROR_SYSCALL, 0, IoStage::kTlsHandshake, ErrorCode::kConnectReset, nullptr},
      {SSL_ERROR_SYSCALL, 0, IoStage::kRead, ErrorCode::kReadReset, nullptr},
      {SSL_ERROR_SYSCALL, 0, IoStage::kWrite, ErrorCode::kWriteError, nullptr},
      {SSL_ERROR_ZERO_RETURN, 0, IoStage::kTlsHandshake, ErrorCode::kConnectReset, nullptr},
      // A corrupt record or a fatal alert after the handshake: TLS ended uncleanly.
      {SSL_ERROR_SSL, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, IoStage::kRead, ErrorCode::kReadReset,
       "decryption failed or bad record mac"},
      {SSL_ERROR_SSL, SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE, IoStage::kWrite, ErrorCode::kWriteError,
       "sslv3 alert unexpected message"},
      // Never "no error" for a failed connection, even when asked about a mere WANT_READ.
      {SSL_ERROR_WANT_READ, 0, IoStage::kTlsHandshake, ErrorCode::kConnectReset, nullptr},
  };
  for (const SslCase& c : cases) {
    const unsigned long err = c.reason == 0 ? 0 : ERR_PACK(ERR_LIB_SSL, 0, c.reason);
    ErrorInfo e = FromSslError(c.ssl_error, err, c.stage);
    EXPECT_EQ(e.code, c.want) << "SSL_get_error " << c.ssl_error << " reason " << c.reason;
    ASSERT_NE(e.detail, nullptr);
    if (c.detail != nullptr) {
      EXPECT_STREQ(e.detail, c.detail) << c.reason;
    } else {
      EXPECT_STRNE(e.detail, "") << c.ssl_error;
    }
  }
  EXPECT_EQ(FromSslError(SSL_ERROR_NONE, 0, IoStage::kRead).code, ErrorCode::kNone);
}

// A request that TLS refused to encrypt keeps OpenSSL's reason in its row (Connection::WriteError):
// every SSL_get_error value maps to write_error at the write stage, never to "no error".
TEST(FromSslError, WriteStageIsAlwaysWriteErrorWithOpenSslsReason) {
  ASSERT_EQ(OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr), 1);
  const SslCase cases[] = {
      {SSL_ERROR_SSL, SSL_R_WRONG_VERSION_NUMBER, IoStage::kWrite, ErrorCode::kWriteError,
       "wrong version number"},
      {SSL_ERROR_SSL, SSL_R_PROTOCOL_IS_SHUTDOWN, IoStage::kWrite, ErrorCode::kWriteError,
       "protocol is shutdown"},
      {SSL_ERROR_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING, IoStage::kWrite, ErrorCode::kWriteError,
       "unexpected eof while reading"},
      {SSL_ERROR_SSL, 0, IoStage::kWrite, ErrorCode::kWriteError, "TLS protocol error"},
      {SSL_ERROR_WANT_READ, 0, IoStage::kWrite, ErrorCode::kWriteError,
       "TLS stopped while waiting for the peer"},
      {SSL_ERROR_ZERO_RETURN, 0, IoStage::kWrite, ErrorCode::kWriteError,
       "TLS connection closed by the peer"},
      {SSL_ERROR_SYSCALL, 0, IoStage::kWrite, ErrorCode::kWriteError,
       "connection closed without a TLS close"},
  };
  for (const SslCase& c : cases) {
    const unsigned long err = c.reason == 0 ? 0 : ERR_PACK(ERR_LIB_SSL, 0, c.reason);
    ErrorInfo e = FromSslError(c.ssl_error, err, c.stage);
    EXPECT_EQ(e.code, c.want) << "SSL_get_error " << c.ssl_error << " reason " << c.reason;
    EXPECT_STREQ(e.detail, c.detail) << c.reason;
  }
}

TEST(IsSslUnexpectedEof, TransportEndWithoutCloseNotify) {
  const unsigned long eof = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING);
  EXPECT_TRUE(IsSslUnexpectedEof(SSL_ERROR_SSL, eof));
  EXPECT_TRUE(IsSslUnexpectedEof(SSL_ERROR_SYSCALL, 0));  // over memory BIOs, the same event
  EXPECT_FALSE(IsSslUnexpectedEof(SSL_ERROR_SSL, 0));
  EXPECT_FALSE(IsSslUnexpectedEof(SSL_ERROR_SSL, ERR_PACK(ERR_LIB_SSL, 0, SSL_R_WRONG_VERSION_NUMBER)));
  EXPECT_FALSE(IsSslUnexpectedEof(SSL_ERROR_ZERO_RETURN, 0));  // a clean close_notify
  EXPECT_FALSE(IsSslUnexpectedEof(SSL_ERROR_WANT_READ, 0));
  // The reason of another library with the same number is not OpenSSL's SSL reason.
  EXPECT_FALSE(
      IsSslUnexpectedEof(SSL_ERROR_SSL, ERR_PACK(ERR_LIB_X509, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING)));
}

TEST(IsSslVerifyFailure, OnlyCertificateVerifyFailed) {
  EXPECT_TRUE(IsSslVerifyFailure(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED)));
  EXPECT_TRUE(IsSslVerifyFailure(SslVerifyFailureCode()));
  EXPECT_FALSE(IsSslVerifyFailure(0));
  EXPECT_FALSE(IsSslVerifyFailure(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE)));
  // A verdict reached outside OpenSSL (a stapled OCSP "revoked") maps as OpenSSL's own.
  EXPECT_EQ(FromSslError(SSL_ERROR_SSL, SslVerifyFailureCode(), IoStage::kTlsHandshake).code,
            ErrorCode::kTlsVerify);
}

TEST(TlsVerifyWord, MapsTheDocumentedWords) {
  struct Case {
    long result;
    const char* word;
  };
  const Case cases[] = {
      {X509_V_OK, "ok"},
      {X509_V_ERR_CERT_HAS_EXPIRED, "expired"},
      {X509_V_ERR_CERT_NOT_YET_VALID, "not_yet_valid"},
      {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "self_signed"},
      {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "untrusted"},
      {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "untrusted"},
      {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "untrusted"},
      {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "untrusted"},
      {X509_V_ERR_CERT_UNTRUSTED, "untrusted"},
      {X509_V_ERR_CERT_REJECTED, "untrusted"},
      {X509_V_ERR_HOSTNAME_MISMATCH, "hostname_mismatch"},
      {X509_V_ERR_IP_ADDRESS_MISMATCH, "hostname_mismatch"},
      {X509_V_ERR_CERT_REVOKED, "revoked"},
      {X509_V_ERR_CERT_SIGNATURE_FAILURE, "invalid"},
      {X509_V_ERR_INVALID_PURPOSE, "invalid"},
      {X509_V_ERR_CERT_CHAIN_TOO_LONG, "invalid"},
  };
  for (const Case& c : cases) EXPECT_STREQ(TlsVerifyWord(c.result), c.word) << c.result;
}

TEST(TlsVerifyDetail, IsOpenSslsTextForTheResult) {
  EXPECT_STREQ(TlsVerifyDetail(X509_V_ERR_CERT_HAS_EXPIRED), "certificate has expired");
  EXPECT_STREQ(TlsVerifyDetail(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), "self-signed certificate");
  EXPECT_STREQ(TlsVerifyDetail(X509_V_ERR_HOSTNAME_MISMATCH), "hostname mismatch");
  EXPECT_STRNE(TlsVerifyDetail(123456), "");  // never null, never empty
}

TEST(H2ErrorName, IsTheRfcNameOfEachCode) {
  struct Case {
    uint32_t code;
    const char* name;
  } cases[] = {{NGHTTP2_NO_ERROR, "NO_ERROR"},
               {NGHTTP2_PROTOCOL_ERROR, "PROTOCOL_ERROR"},
               {NGHTTP2_INTERNAL_ERROR, "INTERNAL_ERROR"},
               {NGHTTP2_FLOW_CONTROL_ERROR, "FLOW_CONTROL_ERROR"},
               {NGHTTP2_SETTINGS_TIMEOUT, "SETTINGS_TIMEOUT"},
               {NGHTTP2_STREAM_CLOSED, "STREAM_CLOSED"},
               {NGHTTP2_FRAME_SIZE_ERROR, "FRAME_SIZE_ERROR"},
               {NGHTTP2_REFUSED_STREAM, "REFUSED_STREAM"},
               {NGHTTP2_CANCEL, "CANCEL"},
               {NGHTTP2_COMPRESSION_ERROR, "COMPRESSION_ERROR"},
               {NGHTTP2_CONNECT_ERROR, "CONNECT_ERROR"},
               {NGHTTP2_ENHANCE_YOUR_CALM, "ENHANCE_YOUR_CALM"},
               {NGHTTP2_INADEQUATE_SECURITY, "INADEQUATE_SECURITY"},
               {NGHTTP2_HTTP_1_1_REQUIRED, "HTTP_1_1_REQUIRED"},
               {0xdead, "unknown HTTP/2 error code"}};
  for (const Case& c : cases) EXPECT_STREQ(H2ErrorName(c.code), c.name) << c.code;
}

TEST(H2Errors, ResetIsReadResetAndViolationsAreBadResponse) {
  ErrorInfo reset = FromH2StreamReset(NGHTTP2_INTERNAL_ERROR);
  EXPECT_EQ(reset.code, ErrorCode::kReadReset);
  EXPECT_STREQ(reset.detail, "INTERNAL_ERROR");
  ErrorInfo violation = FromH2ProtocolError(NGHTTP2_FLOW_CONTROL_ERROR);
  EXPECT_EQ(violation.code, ErrorCode::kBadResponse);
  EXPECT_STREQ(violation.detail, "FLOW_CONTROL_ERROR");
  EXPECT_TRUE(H2CodeIsRefused(NGHTTP2_REFUSED_STREAM));
  EXPECT_FALSE(H2CodeIsRefused(NGHTTP2_CANCEL));
}

TEST(H2CodeOfNghttp2Error, NamesTheCodeOfTheGoawayNghttp2Sends) {
  EXPECT_EQ(H2CodeOfNghttp2Error(NGHTTP2_ERR_FLOW_CONTROL), static_cast<uint32_t>(NGHTTP2_FLOW_CONTROL_ERROR));
  EXPECT_EQ(H2CodeOfNghttp2Error(NGHTTP2_ERR_HEADER_COMP), static_cast<uint32_t>(NGHTTP2_COMPRESSION_ERROR));
  EXPECT_EQ(H2CodeOfNghttp2Error(NGHTTP2_ERR_FRAME_SIZE_ERROR), static_cast<uint32_t>(NGHTTP2_FRAME_SIZE_ERROR));
  EXPECT_EQ(H2CodeOfNghttp2Error(NGHTTP2_ERR_NOMEM), static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
  EXPECT_EQ(H2CodeOfNghttp2Error(NGHTTP2_ERR_PROTO), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_EQ(H2CodeOfNghttp2Error(NGHTTP2_ERR_BAD_CLIENT_MAGIC), static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR));
}

}  // namespace
}  // namespace urlsweep
