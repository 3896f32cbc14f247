// TlsContext: the one client SSL_CTX a run shares (trust store, protocol floor, ALPN, verification mode).
// The tls_verify words for X509 verification results are core/error_map.h's TlsVerifyWord.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "core/options.h"

namespace urlsweep {

struct TlsOptions {
  std::string ca_file;  // --ca-file: extra trusted roots (PEM, may hold several); empty = none
  TlsVerifyMode verify = TlsVerifyMode::kReport;
  // ALPN offers "h2" before "http/1.1" (--http2, the default); false offers only "http/1.1" (--http1.1).
  bool offer_h2 = true;
};

// Client SSL_CTX settings:
// - TLS 1.2 and 1.3 only. TLS 1.0/1.1 are deprecated (RFC 8996) and OpenSSL 3 refuses them at its
//   default security level anyway; a server that offers nothing newer gets tls_error with OpenSSL's
//   reason ("unsupported protocol" or the server's "protocol version" alert), which is what a scan of the
//   modern web should report.
// - Trust: the system bundle file (SSL_CERT_FILE when set, else OpenSSL's default file), loaded into
//   memory once, when the run's first TLS connection starts (about 20 ms of CPU that a run of http://
//   URLs never spends; never with --tls-verify off); the hashed certificate directory only when
//   SSL_CERT_DIR names one (OpenSSL's default directory is not used: its lookup reads the disk on every
//   handshake); plus --ca-file, loaded at once so that a bad file stops the run before it starts.
// - ALPN "h2" then "http/1.1" (as curl does), or only "http/1.1" under --http1.1, so servers that
//   speak HTTP/2 know whether they may.
// - kReport and kStrict ask for a stapled OCSP response (status_request, RFC 6066 section 8); TlsSession
//   checks it after the handshake. Nothing is fetched: no OCSP request and no CRL download leaves the
//   scanner, so only a server that staples can be found revoked.
// - SSL_MODE_RELEASE_BUFFERS: thousands of connections live at once, so record buffers are freed
//   whenever they are empty.
// - Session resumption (TLS 1.2 IDs and tickets, TLS 1.3 tickets) through a TlsSessionCache per loop
//   that TlsSession::Start is given; OpenSSL's own session store stays unused.
// - kStrict: SSL_VERIFY_PEER (a failed verification fails the handshake). kReport: the chain is still
//   verified (SSL_get_verify_result) but the handshake goes on. kOff: no verification at all.
// Once created it is immutable, and SSL_CTX may be shared by all threads.
class TlsContext {
 public:
  // Errors are one line, e.g. "cannot load --ca-file 'roots.pem': no certificate or crl found".
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(const TlsOptions& options);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The SSL_CTX for a new TLS connection, with the system trust store loaded (by the first call of
  // any thread; the others wait for it, and the store is not changed after).
  SSL_CTX* ctx() const;
  TlsVerifyMode verify_mode() const { return verify_mode_; }

 private:
  TlsContext(SSL_CTX* ctx, TlsVerifyMode verify_mode) : ctx_(ctx), verify_mode_(verify_mode) {}

  void LoadSystemTrust() const;

  SSL_CTX* ctx_;
  TlsVerifyMode verify_mode_;
  // The system store's file and (only when SSL_CERT_DIR names one) directory, as the environment said
  // when the context was made; loaded once, by the first ctx().
  std::string system_cert_file_;
  std::string system_cert_dir_;
  mutable std::once_flag system_trust_once_;
};

}  // namespace urlsweep
