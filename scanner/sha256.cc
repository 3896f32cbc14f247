#include "scanner/sha256.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace urlsweep {
namespace {

// OpenSSL fails these calls only when it cannot allocate or its provider is missing: like a failed
// operator new, nothing sensible can go on.
void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "urlsweep: OpenSSL: %s failed\n", what);
  std::abort();
}

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  Require(ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1, "SHA-256 init");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(std::string_view bytes) {
  if (bytes.empty()) return;
  Require(EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) == 1, "SHA-256 update");
}

std::string Sha256::HexDigest() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  Require(copy != nullptr && EVP_MD_CTX_copy_ex(copy, ctx_) == 1, "SHA-256 copy");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Require(EVP_DigestFinal_ex(copy, digest, &size) == 1, "SHA-256 final");
  EVP_MD_CTX_free(copy);
  return Hex(digest, size);
}

std::string SaltedSha256Hex(std::string_view salt, std::string_view value) {
  Sha256 digest;
  digest.Update(salt);
  digest.Update(value);
  return digest.HexDigest();
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  Require(RAND_bytes(buffer.data(), static_cast<int>(bytes)) == 1, "random bytes");
  return Hex(buffer.data(), bytes);
}

}  // namespace urlsweep
