// TlsSession: the client side of one TLS connection as a socket-free state machine (STYLE.md rule 12).
// Ciphertext goes in and out as bytes through two OpenSSL memory BIOs; the caller owns the socket, the
// timers and the buffers. No libuv here.
//
// Use per connection:
//   Start(context, host, is_ip[, cache, port]);
//   loop { Handshake(); DrainCiphertext(&out) -> send; on read: FeedCiphertext(...) } until kDone
//   Write(request); DrainCiphertext(&out) -> send
//   on read: FeedCiphertext(...); Read(...) until kWantIo (drain after every call); on EOF: FeedEof(), Read
//   Reset()  (or Start() again)
// Every call that reaches OpenSSL clears the thread's error queue first, so another connection's
// leftover error never leaks into this one (openssl #11889, h2o #1448).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/tls_context.h"
#include "http/tls_session_cache.h"
#include "core/options.h"
#include "core/error_map.h"
#include "core/errors.h"

namespace urlsweep {

class TlsSession {
 public:
  enum class Status { kDone, kWantIo, kClosed, kError };

  TlsSession() = default;
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Prepares a client SSL over memory BIOs. `host` names the server for SNI and for hostname
  // verification (a trailing dot is dropped: RFC 6066 section 3 sends names without it); for an IP
  // literal (`host_is_ip`, no brackets needed) no SNI is sent and the certificate is checked against the
  // address. Any previous connection is Reset() first; the memory BIOs are reused.
  // With a `cache`, a session it holds for (host, port) is offered for resumption, and the sessions the
  // server issues on this connection are stored into it (TlsSessionCache::KeyFor). The cache must
  // outlive the connection (until Reset()).
  void Start(const TlsContext& context, std::string_view host, bool host_is_ip,
             TlsSessionCache* cache = nullptr, uint16_t port = 0);

  // Frees the SSL (the connection is closed). The results below stay readable until the next Start().
  void Reset();

  // Bytes read from the socket.
  void FeedCiphertext(const char* data, size_t len);
  // The socket reached EOF: once the fed bytes are used up, OpenSSL sees the end of the stream (and
  // reports an unexpected EOF unless a close_notify came first).
  void FeedEof();

  // Appends the ciphertext OpenSSL wants sent to *out; true if anything was appended. Call it after every
  // other call: even Read may have to write (a TLS 1.3 KeyUpdate answer; openssl #11211).
  bool DrainCiphertext(std::string* out);

  // Drives the handshake: kDone, kWantIo (send what DrainCiphertext gives, feed more), or kError.
  Status Handshake();
  // Encrypts all of `plaintext` (then drain): kDone or kError. Call it once the handshake is done. On
  // kError, error_info() says why at IoStage::kWrite (OpenSSL's reason, or "TLS stopped while waiting
  // for the peer" when OpenSSL would first have to read), unless the session had already failed.
  Status Write(std::string_view plaintext);
  // Decrypts what it can into buf[0, cap) and sets *n. kDone with *n > 0: call again (more may be ready
  // without new ciphertext); kWantIo: feed more ciphertext; kClosed: a clean close_notify; kError: the
  // connection failed (an EOF without close_notify is kError with unexpected_eof(): the caller reports
  // read_reset). Bytes decrypted before a close or an error are returned first; the close or error comes
  // on the next call, and stays.
  Status Read(char* buf, size_t cap, size_t* n);

  bool active() const { return ssl_ != nullptr; }
  bool handshake_done() const { return handshake_done_; }
  // The handshake resumed a cached session (abbreviated handshake: no certificate was sent, and the
  // results below are those of the full handshake that verified the server).
  bool resumed() const { return resumed_; }

  // After Handshake() returned kDone:
  // "TLSv1.3", "TLSv1.2" (static text).
  const char* version() const { return version_; }
  // The server chose HTTP/2 by ALPN (RFC 7301; "h2", RFC 9113 section 3.2).
  bool alpn_h2() const { return alpn_h2_; }
  // The leaf certificate's notAfter in microseconds since the epoch (UTC); also under --tls-verify off.
  std::optional<int64_t> cert_not_after_us() const { return cert_not_after_us_; }
  // TlsVerifyWord of the chain verification, then of the stapled OCSP response when the server sent
  // one and the chain verified ("revoked"): computed under kReport and kStrict (where a failed
  // verification also sets it on kError), nullptr under kOff (the column stays absent).
  const char* verify_word() const { return verify_word_; }

  // After kError: SSL_get_error's value and the ERR_get_error code captured at the failure, and a short
  // detail (static text: ERR_reason_error_string, or X509_verify_cert_error_string when the chain failed
  // verification under kStrict, or "certificate revoked (stapled OCSP)").
  bool failed() const { return failed_; }
  int ssl_error() const { return ssl_error_; }
  unsigned long err_code() const { return err_code_; }
  const char* error_detail() const { return error_detail_; }
  bool unexpected_eof() const { return unexpected_eof_; }
  // The error word (docs/errors.md) for the failure: FromSslError at the stage where it happened
  // (handshake, write or read), with error_detail() as the detail.
  ErrorInfo error_info() const;

  // OpenSSL's new-session callback (SSL_CTX_sess_set_new_cb, set by TlsContext): a session the server
  // issued, during the handshake (TLS 1.2) or after it (TLS 1.3 NewSessionTicket, RFC 8446 section
  // 4.6.1). Returns 1 when it kept the reference.
  static int OnNewSession(SSL* ssl, SSL_SESSION* session);

 private:
  // Classifies a failed SSL_* call: kWantIo, kClosed (close_notify while reading), or kError with the
  // failure captured.
  Status Fail(int ret, IoStage stage);
  // Records a failure: SSL_get_error's value, the first queued ERR code (the queue is then cleared),
  // the stage, and the detail the error map gives for them.
  void Capture(int ssl_error, IoStage stage);
  void FailWithoutSsl(const char* detail);
  // Records the results of a finished handshake, the stapled OCSP verdict included; false (the
  // failure captured) when --tls-verify strict finds the leaf revoked.
  bool OnHandshakeDone();
  void ClearResults();
  // Stores the session the handshake produced (held until the verdict was known) into the cache.
  void StorePendingSession();
  TlsSessionCache::Verdict CurrentVerdict() const;
  // Frees OpenSSL's record buffers and an oversized read BIO while the connection waits for bytes.
  void ReleaseIdleBuffers();
  // Replaces an empty BIO whose buffer grew past kIdleBioKeepBytes by a fresh one.
  void ShrinkIfIdle(bool read_side);

  SSL* ssl_ = nullptr;
  // Ciphertext from the peer (rbio_) and for the peer (wbio_). We hold a reference of our own, so they
  // survive SSL_free and serve the next connection.
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  bool eof_fed_ = false;
  TlsVerifyMode verify_mode_ = TlsVerifyMode::kReport;
  std::string host_;  // NUL-terminated copy for OpenSSL; its capacity is reused
  TlsSessionCache* cache_ = nullptr;
  std::string cache_key_;
  // A session issued before the handshake's verdict was known (TLS 1.2): stored once it is.
  SSL_SESSION* pending_session_ = nullptr;
  // The session offered for resumption and the verdict of its full handshake.
  bool offered_ = false;
  TlsSessionCache::Verdict offered_verdict_;

  bool handshake_done_ = false;
  bool resumed_ = false;
  bool verified_ = false;  // the chain and name verified, and no staple said revoked
  const char* version_ = nullptr;
  bool alpn_h2_ = false;
  const char* verify_word_ = nullptr;
  std::optional<int64_t> cert_not_after_us_;

  // Sticky: a close or failure found while Read had already produced bytes is reported by the next Read.
  bool failed_ = false;
  bool closed_ = false;
  int ssl_error_ = SSL_ERROR_NONE;
  unsigned long err_code_ = 0;
  const char* error_detail_ = "";
  bool unexpected_eof_ = false;
  IoStage error_stage_ = IoStage::kTlsHandshake;
};

}  // namespace urlsweep
