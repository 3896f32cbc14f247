// The one place where foreign error codes become the words of core/errors.h: libuv, c-ares, OpenSSL
// and llhttp status values in, {ErrorCode, static detail} out (STYLE.md rule 7, after libuv's
// UV_ERRNO_MAP and Envoy's IoErrorCode). The arguments are plain integers, so callers need not include
// the foreign headers; only error_map.cc reads their constants. Table-tested in
// tests/core/error_map_test.cc.
#pragma once

#include "core/errors.h"

namespace urlsweep {

// libuv status (negative errno, e.g. UV_ECONNREFUSED) at `stage`.
ErrorInfo FromUvError(int uv_status, IoStage stage);

// c-ares status (ares_status_t / ARES_E*) of a name lookup.
ErrorInfo FromAresStatus(int ares_status);

// llhttp_errno_t of a failed parse, with llhttp's reason text (which must outlive the row write).
ErrorInfo FromLlhttpError(int llhttp_errno, const char* reason);

// OpenSSL failure: `ssl_get_error` is SSL_get_error's value, `err_get_error` the ERR_get_error code
// captured with it (0 if the queue was empty). Handshake failures (protocol version, alert received,
// "wrong version number" from plain HTTP on an https port, ...) are tls_error with ERR_reason_error_string
// as detail; a failed chain verification (only fatal under --tls-verify strict) is tls_verify; an
// unexpected EOF or a syscall error is connect_reset during the handshake and read_reset after it.
ErrorInfo FromSslError(int ssl_get_error, unsigned long err_get_error, IoStage stage);

}  // namespace urlsweep
