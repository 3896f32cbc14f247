// HTTP Digest access authentication (RFC 7616) for Proxy-Authorization: reading a Digest challenge and
// computing the credentials that answer it. Pure (hashes through OpenSSL's EVP interface).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/auth_challenge.h"

namespace urlsweep {

enum class DigestAlgorithm : uint8_t { kMd5, kMd5Sess, kSha256, kSha256Sess };

// The parts of a Digest challenge (RFC 7616 section 3.3) that the answer needs.
struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::string opaque;                // echoed when present
  bool has_opaque = false;
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;  // absent means MD5
  bool qop_auth = false;             // "auth" is among the qop options; false: RFC 2069 form
  bool stale = false;                // stale=true: the nonce expired, the credentials were fine
  bool userhash = false;             // userhash=true: the username is sent hashed (section 3.4.4)
};

// Reads a "digest" challenge. False when it lacks realm or nonce, names an algorithm we do not speak
// (SHA-512-256, anything else), or offers qop options none of which is "auth" (auth-int needs the body).
bool ParseDigestChallenge(const AuthChallenge& challenge, DigestChallenge* out);

// Rank of a Digest challenge for "the strongest we speak": SHA-256 above MD5, -sess variants equal to
// their base (they protect nothing more for a proxy's purpose).
int DigestStrength(DigestAlgorithm algorithm);

const char* DigestAlgorithmName(DigestAlgorithm algorithm);  // "MD5", "SHA-256-sess", ...

struct DigestRequest {
  std::string_view method;  // "GET", "HEAD", "CONNECT"
  // The request-target as sent on the request line: the absolute URI through a plain-http proxy,
  // host:port for CONNECT (RFC 7616 section 3.4.6).
  std::string_view uri;
  std::string_view cnonce;  // the client nonce (printable, no '"' or '\\'); unused without qop
  uint32_t nonce_count = 1; // the nc for this nonce, 1 for its first use
};

// The whole Proxy-Authorization value: "Digest username=..., realm=..., nonce=..., uri=...,
// algorithm=..., response=..., [qop=auth, nc=..., cnonce=...,] [opaque=...]" (section 3.4).
std::string DigestAuthorization(const DigestChallenge& challenge, std::string_view user,
                                std::string_view password, const DigestRequest& request);

// 16 random bytes as 32 lower-case hex digits (RAND_bytes), a cnonce.
std::string MakeDigestCnonce();

}  // namespace urlsweep
