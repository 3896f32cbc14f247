// The one place where foreign error codes become the words of core/errors.h: libuv, c-ares, OpenSSL
// llhttp and nghttp2 status values in, {ErrorCode, static detail} out, or the tls_verify word, or a yes/no the
// caller needs before it picks a word (STYLE.md rule 7, after libuv's UV_ERRNO_MAP and Envoy's
// IoErrorCode). The arguments are plain integers, so callers need not compare foreign constants; only
// error_map.cc reads them. Table-tested in tests/core/error_map_test.cc.
#pragma once

#include <cstdint>

#include "core/errors.h"

namespace urlsweep {

// libuv status (negative errno, e.g. UV_ECONNREFUSED) at `stage`.
ErrorInfo FromUvError(int uv_status, IoStage stage);

// c-ares status (ares_status_t / ARES_E*) of a name lookup.
ErrorInfo FromAresStatus(int ares_status);

// llhttp_errno_t of a failed parse, with llhttp's reason text (which must outlive the row write).
ErrorInfo FromLlhttpError(int llhttp_errno, const char* reason);

// What llhttp's error after the peer closed the connection (llhttp_finish, or the parser's own check
// between messages) means: true when the message was merely cut short (HPE_INVALID_EOF_STATE, or no
// error at all), which the caller reports as read_reset; false when the bytes before the EOF were
// already malformed, which is FromLlhttpError's bad_response.
bool LlhttpEofIsTruncation(int llhttp_errno);

// OpenSSL failure: `ssl_get_error` is SSL_get_error's value, `err_get_error` the ERR_get_error code
// captured with it (0 if the queue was empty). Handshake failures (protocol version, alert received,
// "wrong version number" from plain HTTP on an https port, ...) are tls_error with ERR_reason_error_string
// as detail; a failed chain verification (only fatal under --tls-verify strict) is tls_verify; an
// unexpected EOF or a syscall error is connect_reset during the handshake and read_reset after it.
ErrorInfo FromSslError(int ssl_get_error, unsigned long err_get_error, IoStage stage);

// Whether a failed SSL_* call is the transport ending without a TLS close_notify: SSL_ERROR_SYSCALL
// (over memory BIOs no syscall fails) or OpenSSL 3's SSL_ERROR_SSL with UNEXPECTED_EOF_WHILE_READING
// (openssl #11735, #17004). After the handshake the caller treats it as an EOF rather than an error,
// since HTTP itself may say the response was complete (a close-delimited body).
bool IsSslUnexpectedEof(int ssl_get_error, unsigned long err_get_error);

// Whether `err_get_error` is OpenSSL's "certificate verify failed": the handshake failed on the chain
// (only under --tls-verify strict). Its detail is then TlsVerifyDetail of SSL_get_verify_result.
bool IsSslVerifyFailure(unsigned long err_get_error);

// The ERR code of a failed chain verification, for a verdict reached outside OpenSSL's own check (a
// stapled OCSP response saying revoked), so that FromSslError maps it as it maps OpenSSL's: tls_verify.
unsigned long SslVerifyFailureCode();

// The tls_verify word for an X509_V_* result (SSL_get_verify_result), static text: "ok", "expired",
// "not_yet_valid", "self_signed" (the leaf signs itself), "untrusted" (the chain ends in, or lacks, a
// root not trusted), "hostname_mismatch", "revoked", "invalid" (any other).
const char* TlsVerifyWord(long x509_verify_result);

// OpenSSL's own text for an X509_V_* result ("certificate has expired"), static: the error_detail of a
// chain that failed verification under --tls-verify strict, more telling than "certificate verify
// failed".
const char* TlsVerifyDetail(long x509_verify_result);

// HTTP/2 (RFC 9113 section 7): the name of an error code as the RFC spells it ("PROTOCOL_ERROR",
// "FLOW_CONTROL_ERROR", ...), static text; "unknown HTTP/2 error code" for a code the RFC does not define.
const char* H2ErrorName(uint32_t h2_error_code);

// A stream the server reset (RST_STREAM with `h2_error_code`): read_reset, the code's name as detail.
ErrorInfo FromH2StreamReset(uint32_t h2_error_code);

// An HTTP/2 protocol error: bad_response with the code's name as detail (the code received in a GOAWAY,
// or the one urlsweep sends when it detects the violation itself).
ErrorInfo FromH2ProtocolError(uint32_t h2_error_code);

// A stream that the server did not process: REFUSED_STREAM (RFC 9113 section 8.7), which the caller
// retries on another connection without counting an attempt.
bool H2CodeIsRefused(uint32_t h2_error_code);

// The HTTP/2 error code that stands for a negative nghttp2_error returned by the session API (the code
// nghttp2 puts in the GOAWAY it sends for it): NGHTTP2_ERR_FLOW_CONTROL is FLOW_CONTROL_ERROR,
// NGHTTP2_ERR_HEADER_COMP COMPRESSION_ERROR, NGHTTP2_ERR_FRAME_SIZE_ERROR FRAME_SIZE_ERROR,
// NGHTTP2_ERR_NOMEM and callback failures INTERNAL_ERROR, every other one PROTOCOL_ERROR.
uint32_t H2CodeOfNghttp2Error(int nghttp2_error);

}  // namespace urlsweep
