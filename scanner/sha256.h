// Sha256: the SHA-256 (FIPS 180-4) of a byte stream given in pieces, through OpenSSL's EVP interface,
// whose value so far can be read at any point without ending the stream. The journal
// (scanner/journal.h) records it for the input bytes read, so that --resume tells the same input from
// another one; secrets it must compare are recorded as salted digests (SaltedSha256Hex).
//
// The only file of scanner/ that includes OpenSSL (tools/check_layers.py allows it by name).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace urlsweep {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Lower-case hex of the digest of every byte given so far; the stream goes on.
  std::string HexDigest() const;

 private:
  evp_md_ctx_st* ctx_;
};

// Lower-case hex of SHA-256(salt || value). The salt keeps a short password from being looked up in a
// table of precomputed digests of common passwords.
std::string SaltedSha256Hex(std::string_view salt, std::string_view value);

// `bytes` bytes from OpenSSL's random generator, as lower-case hex.
std::string RandomHex(size_t bytes);

}  // namespace urlsweep
