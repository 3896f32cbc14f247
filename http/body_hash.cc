#include "http/body_hash.h"

#include <openssl/evp.h>

namespace urlsweep {
namespace {

// Fetched once: EVP_sha256() would look the implementation up in the provider on every init.
const EVP_MD* Sha256() {
  static EVP_MD* const kMd = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kMd;
}

}  // namespace

BodyHash::BodyHash() = default;

BodyHash::~BodyHash() { EVP_MD_CTX_free(ctx_); }

void BodyHash::Start() {
  if (ctx_ == nullptr) ctx_ = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx_, Sha256(), nullptr);
  final_ = false;
  hex_.clear();
}

void BodyHash::Update(std::string_view bytes) {
  if (ctx_ == nullptr || final_ || bytes.empty()) return;
  EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

std::string_view BodyHash::Hex() {
  if (ctx_ == nullptr) Start();
  if (!final_) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    hex_.resize(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
      hex_[2 * i] = kHex[digest[i] >> 4];
      hex_[2 * i + 1] = kHex[digest[i] & 0xF];
    }
    final_ = true;
  }
  return hex_;
}

}  // namespace urlsweep
