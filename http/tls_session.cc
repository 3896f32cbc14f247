#include "http/tls_session.h"

#include <openssl/asn1.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <memory>

#include "core/error_map.h"

namespace urlsweep {
namespace {

// A memory BIO keeps the largest buffer it ever held. One feed can be a whole 64 KiB socket read, and
// thousands of connections are open at once, so an empty BIO that grew past this is replaced; below it
// (a request, a typical handshake flight) the buffer is kept and reused.
constexpr size_t kIdleBioKeepBytes = 4096;

// BIO_s_mem's "retry" answer when it is empty: more bytes may come (the socket is still open). 0 means
// end of stream (BIO_set_mem_eof_return(3)).
constexpr int kMemBioRetry = -1;
constexpr int kMemBioEof = 0;

BIO* NewMemBio(bool eof) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) BIO_set_mem_eof_return(bio, eof ? kMemBioEof : kMemBioRetry);
  return bio;
}

constexpr int64_t kMicrosPerSecond = 1000000;

std::optional<int64_t> AsnTimeToMicros(const ASN1_TIME* time) {
  struct tm tm = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  // ASN1_TIME_to_tm yields UTC fields; timegm reads them as UTC whatever the local zone is.
  const time_t seconds = timegm(&tm);
  return static_cast<int64_t>(seconds) * kMicrosPerSecond;
}

// A stapled response's thisUpdate may lie this far in the future, and its nextUpdate this far in the
// past, before it is ignored: the clocks of the server's responder and of the scanner differ a little.
// Five minutes, as OpenSSL's own `openssl ocsp` uses (its -validity_period default).
constexpr long kOcspClockSkewSeconds = 5 * 60;

// Under --tls-verify strict, the error_detail of a certificate found revoked.
constexpr const char* kRevokedDetail = "certificate revoked (stapled OCSP)";

struct OcspResponseFree {
  void operator()(OCSP_RESPONSE* p) const { OCSP_RESPONSE_free(p); }
};
struct OcspBasicFree {
  void operator()(OCSP_BASICRESP* p) const { OCSP_BASICRESP_free(p); }
};
struct OcspCertIdFree {
  void operator()(OCSP_CERTID* p) const { OCSP_CERTID_free(p); }
};

// Whether the OCSP response the server stapled (RFC 6066 section 8, RFC 6960) says the leaf is revoked.
// The response counts only when it verifies: signed by the leaf's issuer or a responder it delegated
// to, that signer chaining to the store the handshake trusts (OCSP_basic_verify), about this very leaf
// and issuer, and current within kOcspClockSkewSeconds. Anything less (no staple, an unparsable,
// forged, stale or foreign one, status good or unknown) is false: a broken staple is ignored, as
// browsers soft-fail, and does not make a chain that verified bad. Call it only after the chain
// verified (SSL_get0_verified_chain is then complete: leaf first, issuer second).
bool StapledOcspSaysRevoked(SSL* ssl) {
  const unsigned char* der = nullptr;
  const long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
  if (der == nullptr || len <= 0) return false;
  std::unique_ptr<OCSP_RESPONSE, OcspResponseFree> response(d2i_OCSP_RESPONSE(nullptr, &der, len));
  if (response == nullptr || OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return false;
  }
  std::unique_ptr<OCSP_BASICRESP, OcspBasicFree> basic(OCSP_response_get1_basic(response.get()));
  if (basic == nullptr) return false;
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  if (chain == nullptr || sk_X509_num(chain) < 2) return false;
  X509* leaf = sk_X509_value(chain, 0);
  X509* issuer = sk_X509_value(chain, 1);
  // The certificates the server sent may hold the signer's intermediates; the roots come from our store.
  X509_STORE* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
  if (OCSP_basic_verify(basic.get(), SSL_get_peer_cert_chain(ssl), store, 0) != 1) return false;
  // The response names certificates by hashes of their issuer; use the hash algorithm it used (SHA-1
  // nearly always) so that a response hashed otherwise still matches.
  const EVP_MD* digest = nullptr;
  if (OCSP_resp_count(basic.get()) > 0) {
    ASN1_OBJECT* digest_oid = nullptr;
    // OCSP_id_get0_info only reads, but OpenSSL 3.0 declares its argument non-const.
    auto* first =
        const_cast<OCSP_CERTID*>(OCSP_SINGLERESP_get0_id(OCSP_resp_get0(basic.get(), 0)));
    if (OCSP_id_get0_info(nullptr, &digest_oid, nullptr, nullptr, first) == 1 &&
        digest_oid != nullptr) {
      digest = EVP_get_digestbyobj(digest_oid);
    }
  }
  std::unique_ptr<OCSP_CERTID, OcspCertIdFree> id(OCSP_cert_to_id(digest, leaf, issuer));
  if (id == nullptr) return false;
  int status = V_OCSP_CERTSTATUS_UNKNOWN;
  int reason = 0;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update,
                            &next_update) != 1) {
    return false;
  }
  if (OCSP_check_validity(this_update, next_update, kOcspClockSkewSeconds, -1) != 1) return false;
  return status == V_OCSP_CERTSTATUS_REVOKED;
}

}  // namespace

TlsSession::~TlsSession() {
  Reset();
  BIO_free(rbio_);
  BIO_free(wbio_);
}

void TlsSession::ClearResults() {
  handshake_done_ = false;
  resumed_ = false;
  alpn_h2_ = false;
  verified_ = false;
  version_ = nullptr;
  verify_word_ = nullptr;
  cert_not_after_us_.reset();
  failed_ = false;
  closed_ = false;
  ssl_error_ = SSL_ERROR_NONE;
  err_code_ = 0;
  error_detail_ = "";
  unexpected_eof_ = false;
  error_stage_ = IoStage::kTlsHandshake;
}

void TlsSession::Start(const TlsContext& context, std::string_view host, bool host_is_ip,
                       TlsSessionCache* cache, uint16_t port) {
  Reset();
  ClearResults();
  verify_mode_ = context.verify_mode();
  ERR_clear_error();
  if (rbio_ == nullptr) rbio_ = NewMemBio(false);
  if (wbio_ == nullptr) wbio_ = NewMemBio(false);
  if (rbio_ == nullptr || wbio_ == nullptr) {
    FailWithoutSsl("cannot allocate TLS buffers");
    return;
  }
  ssl_ = SSL_new(context.ctx());
  if (ssl_ == nullptr) {
    FailWithoutSsl("cannot allocate a TLS session");
    return;
  }
  // SSL_set_bio takes over one reference each; ours keeps the BIOs alive past SSL_free.
  BIO_up_ref(rbio_);
  BIO_up_ref(wbio_);
  SSL_set_bio(ssl_, rbio_, wbio_);
  SSL_set_connect_state(ssl_);

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!host_is_ip && !host.empty() && host.back() == '.') host.remove_suffix(1);
  host_.assign(host);
  const bool verify = verify_mode_ != TlsVerifyMode::kOff;
  if (host_is_ip) {
    // RFC 6066 section 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
    if (verify && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host_.c_str()) != 1) {
      // Not an address after all: check it as a name rather than check no identity at all.
      SSL_set1_host(ssl_, host_.c_str());
    }
  } else {
    // A name too long for SNI (over 255 bytes) cannot be a DNS name; the server then picks its default
    // certificate and verification reports the mismatch.
    SSL_set_tlsext_host_name(ssl_, host_.c_str());
    if (verify) SSL_set1_host(ssl_, host_.c_str());
  }
  cache_ = cache;
  if (cache_ != nullptr) {
    // OnNewSession finds this object through the SSL.
    SSL_set_app_data(ssl_, this);
    TlsSessionCache::KeyFor(host_, port, &cache_key_);
    // --tls-verify strict never resumes a session whose full handshake did not verify: resuming skips
    // the certificate, so the old verdict would stand unchecked.
    SSL_SESSION* session =
        cache_->Take(cache_key_, verify_mode_ == TlsVerifyMode::kStrict, &offered_verdict_);
    if (session != nullptr) {
      offered_ = SSL_set_session(ssl_, session) == 1;
      SSL_SESSION_free(session);  // the SSL holds its own reference
    }
  }
  ERR_clear_error();
}

int TlsSession::OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsSession*>(SSL_get_app_data(ssl));
  if (self == nullptr || self->cache_ == nullptr) return 0;
  if (self->handshake_done_) {
    // TLS 1.3: a ticket after the handshake, whose verdict is known. Put copies it.
    self->cache_->Put(self->cache_key_, session, self->CurrentVerdict());
    return 0;
  }
  // TLS 1.2: issued inside the handshake, before OnHandshakeDone has the verdict; a later one replaces
  // it (a renegotiation).
  if (self->pending_session_ != nullptr) SSL_SESSION_free(self->pending_session_);
  self->pending_session_ = session;
  return 1;
}

TlsSessionCache::Verdict TlsSession::CurrentVerdict() const {
  return {.verify_word = verify_word_, .cert_not_after_us = cert_not_after_us_, .verified = verified_};
}

void TlsSession::StorePendingSession() {
  if (pending_session_ == nullptr) return;
  if (cache_ != nullptr) cache_->Put(cache_key_, pending_session_, CurrentVerdict());
  SSL_SESSION_free(pending_session_);
  pending_session_ = nullptr;
}

void TlsSession::Reset() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (pending_session_ != nullptr) {
    // The handshake never finished (or failed verification under strict): nothing to resume.
    SSL_SESSION_free(pending_session_);
    pending_session_ = nullptr;
  }
  cache_ = nullptr;
  offered_ = false;
  eof_fed_ = false;
  for (BIO* bio : {rbio_, wbio_}) {
    if (bio == nullptr) continue;
    BIO_reset(bio);
    BIO_set_mem_eof_return(bio, kMemBioRetry);
  }
  ShrinkIfIdle(true);
  ShrinkIfIdle(false);
}

void TlsSession::FailWithoutSsl(const char* detail) {
  failed_ = true;
  ssl_error_ = SSL_ERROR_SSL;
  err_code_ = ERR_get_error();
  ERR_clear_error();
  error_detail_ = detail;
}

void TlsSession::FeedCiphertext(const char* data, size_t len) {
  if (rbio_ == nullptr || len == 0) return;
  size_t written = 0;
  // A memory BIO only fails to grow when malloc fails; the handshake or read then stalls and the
  // connection's timer ends it.
  BIO_write_ex(rbio_, data, len, &written);
}

void TlsSession::FeedEof() {
  if (rbio_ == nullptr) return;
  eof_fed_ = true;
  BIO_set_mem_eof_return(rbio_, kMemBioEof);
}

bool TlsSession::DrainCiphertext(std::string* out) {
  if (wbio_ == nullptr) return false;
  const size_t pending = BIO_ctrl_pending(wbio_);
  if (pending == 0) return false;
  const size_t old_size = out->size();
  out->resize(old_size + pending);
  size_t got = 0;
  if (BIO_read_ex(wbio_, out->data() + old_size, pending, &got) != 1) got = 0;
  out->resize(old_size + got);
  ShrinkIfIdle(false);
  return got > 0;
}

TlsSession::Status TlsSession::Handshake() {
  if (failed_) return Status::kError;
  if (ssl_ == nullptr) {
    FailWithoutSsl("TLS session not started");
    return Status::kError;
  }
  if (handshake_done_) return Status::kDone;
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    if (!OnHandshakeDone()) return Status::kError;
    ReleaseIdleBuffers();
    return Status::kDone;
  }
  return Fail(ret, IoStage::kTlsHandshake);
}

bool TlsSession::OnHandshakeDone() {
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  alpn_h2_ = alpn_len == 2 && alpn[0] == 'h' && alpn[1] == '2';
  if (offered_ && SSL_session_reused(ssl_) == 1) {
    // An abbreviated handshake carries no certificate: the row reports what the full handshake that
    // verified the server found (docs/https-proxies-redirects.md: a resumed session reports the same
    // tls_verify and cert_not_after). Under strict only a verified session was offered.
    resumed_ = true;
    handshake_done_ = true;
    verify_word_ = offered_verdict_.verify_word;
    verified_ = offered_verdict_.verified;
    cert_not_after_us_ = offered_verdict_.cert_not_after_us;
    version_ = SSL_get_version(ssl_);
    StorePendingSession();
    return true;
  }
  long verify_result = X509_V_OK;
  if (verify_mode_ != TlsVerifyMode::kOff) {
    verify_result = SSL_get_verify_result(ssl_);
    // A chain or name failure wins over revocation: OpenSSL stops verifying at its first failure, so
    // the chain that would vouch for the response's signer is then unchecked, and the failure it found
    // is the one the row names.
    if (verify_result == X509_V_OK && StapledOcspSaysRevoked(ssl_)) {
      verify_result = X509_V_ERR_CERT_REVOKED;
    }
    // A staple that failed to parse or verify left its reasons queued; they are no failure of ours.
    ERR_clear_error();
    verify_word_ = TlsVerifyWord(verify_result);
  }
  // The staple has been read: free it rather than keep it (up to a few KiB) for the connection's life.
  SSL_set_tlsext_status_ocsp_resp(ssl_, nullptr, 0);
  if (verify_mode_ == TlsVerifyMode::kStrict && verify_result != X509_V_OK) {
    // Only revocation gets here (OpenSSL already failed the handshake on every other verdict). It is
    // reported as OpenSSL reports a failed verification, so it maps to tls_verify like the others,
    // and the row looks like theirs: no tls_version, no cert_not_after.
    failed_ = true;
    ssl_error_ = SSL_ERROR_SSL;
    err_code_ = SslVerifyFailureCode();
    error_stage_ = IoStage::kTlsHandshake;
    error_detail_ = kRevokedDetail;
    return false;
  }
  handshake_done_ = true;
  verified_ = verify_mode_ != TlsVerifyMode::kOff && verify_result == X509_V_OK;
  version_ = SSL_get_version(ssl_);
  if (const X509* leaf = SSL_get0_peer_certificate(ssl_); leaf != nullptr) {
    cert_not_after_us_ = AsnTimeToMicros(X509_get0_notAfter(leaf));
  }
  StorePendingSession();
  return true;
}

TlsSession::Status TlsSession::Write(std::string_view plaintext) {
  if (failed_) return Status::kError;
  if (ssl_ == nullptr) {
    FailWithoutSsl("TLS session not started");
    return Status::kError;
  }
  // SSL_write of zero bytes is an error in OpenSSL; there is nothing to send.
  if (plaintext.empty()) return Status::kDone;
  ERR_clear_error();
  size_t written = 0;
  // Without SSL_MODE_ENABLE_PARTIAL_WRITE, success means all of it; the write BIO grows as needed.
  const int ret = SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written);
  if (ret == 1) return Status::kDone;
  if (Fail(ret, IoStage::kWrite) == Status::kWantIo) {
    // SSL_write needs the peer's bytes first (a handshake not finished, or a TLS 1.2 renegotiation the
    // server began). A request cannot wait for that here: the write failed, and the row says why.
    Capture(SSL_get_error(ssl_, ret), IoStage::kWrite);
  }
  return Status::kError;
}

TlsSession::Status TlsSession::Read(char* buf, size_t cap, size_t* n) {
  *n = 0;
  if (failed_) return Status::kError;
  if (closed_) return Status::kClosed;
  if (ssl_ == nullptr) {
    FailWithoutSsl("TLS session not started");
    return Status::kError;
  }
  size_t total = 0;
  // Loop until OpenSSL wants more ciphertext: one SSL_read returns at most one record, and stopping
  // early would leave decrypted bytes waiting for a socket event that never comes (libuv-tls #2).
  while (total < cap) {
    // With nothing to decrypt, SSL_read could only say WANT_READ, but it would first allocate the
    // record buffer (about 17 KiB) that SSL_MODE_RELEASE_BUFFERS had just freed, and keep it while the
    // connection waits. Only EOF needs the call, to learn whether the close was clean.
    if (SSL_has_pending(ssl_) == 0 && BIO_ctrl_pending(rbio_) == 0 && !eof_fed_) {
      ReleaseIdleBuffers();
      if (total == 0) return Status::kWantIo;
      break;
    }
    ERR_clear_error();
    size_t got = 0;
    const int ret = SSL_read_ex(ssl_, buf + total, cap - total, &got);
    if (ret == 1) {
      total += got;
      continue;
    }
    const Status status = Fail(ret, IoStage::kRead);
    if (total == 0) {
      if (status == Status::kWantIo) ReleaseIdleBuffers();
      return status;
    }
    // Bytes first; a close or failure is sticky (closed_, failed_), so the next Read reports it.
    break;
  }
  *n = total;
  return Status::kDone;
}

TlsSession::Status TlsSession::Fail(int ret, IoStage stage) {
  const int error = SSL_get_error(ssl_, ret);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Status::kWantIo;
  if (error == SSL_ERROR_ZERO_RETURN && stage == IoStage::kRead) {
    closed_ = true;
    return Status::kClosed;
  }
  Capture(error, stage);
  return Status::kError;
}

void TlsSession::Capture(int ssl_error, IoStage stage) {
  failed_ = true;
  ssl_error_ = ssl_error;
  // The first queued error is the cause; the rest are the layers above it reporting the same failure.
  err_code_ = ERR_get_error();
  ERR_clear_error();
  error_stage_ = stage;
  unexpected_eof_ = IsSslUnexpectedEof(ssl_error, err_code_);
  error_detail_ = FromSslError(ssl_error, err_code_, stage).detail;
  if (IsSslVerifyFailure(err_code_)) {
    // "certificate verify failed" says nothing; the documented detail is OpenSSL's reason for the chain.
    const long verify_result = SSL_get_verify_result(ssl_);
    verify_word_ = TlsVerifyWord(verify_result);
    error_detail_ = TlsVerifyDetail(verify_result);
  }
}

ErrorInfo TlsSession::error_info() const {
  if (!failed_) return {};
  ErrorInfo info = FromSslError(ssl_error_, err_code_, error_stage_);
  info.detail = error_detail_;
  return info;
}

void TlsSession::ReleaseIdleBuffers() {
  // SSL_MODE_RELEASE_BUFFERS misses the read buffer in places (after the handshake, after a TLS 1.3
  // NewSessionTicket), leaving about 17 KiB per waiting connection. SSL_free_buffers frees it, and only
  // when nothing is buffered: SSL_has_pending also covers a partial record, the case of CVE-2024-4741.
  if (SSL_has_pending(ssl_) == 0) SSL_free_buffers(ssl_);
  ShrinkIfIdle(true);
}

void TlsSession::ShrinkIfIdle(bool read_side) {
  BIO*& bio = read_side ? rbio_ : wbio_;
  if (bio == nullptr || BIO_ctrl_pending(bio) != 0) return;
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem == nullptr || mem->max <= kIdleBioKeepBytes) return;
  BIO* fresh = NewMemBio(read_side && eof_fed_);
  if (fresh == nullptr) return;  // keep the big one; it still works
  if (ssl_ != nullptr) {
    // The SSL drops its reference to the old BIO and takes one to the new.
    BIO_up_ref(fresh);
    if (read_side) {
      SSL_set0_rbio(ssl_, fresh);
    } else {
      SSL_set0_wbio(ssl_, fresh);
    }
  }
  BIO_free(bio);
  bio = fresh;
}

}  // namespace urlsweep
