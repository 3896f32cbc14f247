#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "http/tls_session.h"

namespace urlsweep {
namespace {

// ALPN wire format (RFC 7301 section 3.1): length-prefixed protocol names, most preferred first.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char kAlpnH2Http11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// --tls-verify off: replaces the whole chain verification (not just its verdict), so no CPU is spent on
// signatures nobody will look at.
int AcceptWithoutVerifying(X509_STORE_CTX* /*store*/, void* /*arg*/) { return 1; }

// The most specific text OpenSSL left for a failed setup call: the first error queued is the root cause
// ("No such file or directory"), later ones are the callers' wrappers.
std::string TakeOpenSslReason() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  // OpenSSL 3 has no reason string for a system error (ERR_reason_error_string returns nullptr); its
  // reason is the errno. Setup runs once, before any thread, so strerror is safe here.
  if (ERR_SYSTEM_ERROR(first)) return std::strerror(ERR_GET_REASON(first));
  const char* reason = ERR_reason_error_string(first);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsOptions& options) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create the TLS context: ", TakeOpenSslReason()));
  }
  // Owned from here on, also on the error paths below.
  std::unique_ptr<TlsContext> context(new TlsContext(ctx, options.verify));

  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return absl::InternalError(absl::StrCat("cannot set the TLS version floor: ", TakeOpenSslReason()));
  }
  const char* cert_file = std::getenv(X509_get_default_cert_file_env());
  context->system_cert_file_ = cert_file != nullptr ? cert_file : X509_get_default_cert_file();
  if (const char* cert_dir = std::getenv(X509_get_default_cert_dir_env()); cert_dir != nullptr) {
    context->system_cert_dir_ = cert_dir;
  }
  if (!options.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load --ca-file '", options.ca_file, "': ", TakeOpenSslReason()));
  }
  // Note the inverted convention: SSL_CTX_set_alpn_protos returns 0 on success.
  const int alpn_rc = options.offer_h2 ? SSL_CTX_set_alpn_protos(ctx, kAlpnH2Http11, sizeof(kAlpnH2Http11))
                                      : SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof(kAlpnHttp11));
  if (alpn_rc != 0) {
    return absl::InternalError(absl::StrCat("cannot set ALPN: ", TakeOpenSslReason()));
  }
  // Record buffers (about 34 KiB per connection otherwise) are freed whenever they are empty.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // Resumption through each loop's own TlsSessionCache (a bounded number of origins), never
  // OpenSSL's internal store, which would keep every session of the run: OpenSSL hands each new
  // session to TlsSession::OnNewSession, which stores it with its handshake's verdict.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsSession::OnNewSession);
  // "*.example.com" matches "a.example.com" only, never "a.b.example.com" nor "ab*.example.com" partial
  // labels (RFC 6125 section 6.4.3 leaves partial wildcards to the client; browsers refuse them).
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);

  // Revocation without any traffic of our own: the server staples its OCSP response when asked. Costs
  // the ClientHello a few bytes, and only servers that staple send anything more.
  if (options.verify != TlsVerifyMode::kOff &&
      SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp) != 1) {
    return absl::InternalError(absl::StrCat("cannot ask for OCSP stapling: ", TakeOpenSslReason()));
  }

  switch (options.verify) {
    case TlsVerifyMode::kStrict:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case TlsVerifyMode::kReport:
      // The client still verifies the chain with SSL_VERIFY_NONE and keeps the verdict for
      // SSL_get_verify_result; it just does not abort the handshake on it.
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case TlsVerifyMode::kOff:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_cert_verify_callback(ctx, AcceptWithoutVerifying, nullptr);
      break;
  }
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

SSL_CTX* TlsContext::ctx() const {
  if (verify_mode_ != TlsVerifyMode::kOff) std::call_once(system_trust_once_, [this] { LoadSystemTrust(); });
  return ctx_;
}

// The system store, honouring SSL_CERT_FILE and SSL_CERT_DIR as SSL_CTX_set_default_verify_paths does,
// but loading the bundle file into memory once: with the hashed directory lookup OpenSSL 3.0 reads
// /etc/ssl/certs on every handshake (openssl #21067), which cost ~0.7 ms of CPU per handshake here. The
// directory is used only when SSL_CERT_DIR names one explicitly. A missing store is not fatal: --ca-file
// may be all the user trusts, and without any root every chain reports "untrusted". The error queue is
// left empty for the handshake that follows on this thread.
void TlsContext::LoadSystemTrust() const {
  if (SSL_CTX_load_verify_locations(ctx_, system_cert_file_.c_str(), nullptr) != 1) ERR_clear_error();
  if (!system_cert_dir_.empty() && SSL_CTX_load_verify_locations(ctx_, nullptr, system_cert_dir_.c_str()) != 1) {
    ERR_clear_error();
  }
}

}  // namespace urlsweep
